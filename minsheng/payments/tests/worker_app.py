"""The Celery app for the worker processes the worker tests start: the project's own, with Redis's visibility
timeout taken from ``MINSHENG_TEST_VISIBILITY_TIMEOUT`` (seconds) so that a message held by a killed worker is
delivered again within the test rather than after Redis's default hour. Test-only; production uses ``minsheng``."""

from __future__ import annotations

import os

from minsheng.celery import app

_timeout = os.environ.get("MINSHENG_TEST_VISIBILITY_TIMEOUT")
if _timeout:
    # Check the held messages every second too (kombu's default is every 10 s).
    app.conf.broker_transport_options = {"visibility_timeout": float(_timeout), "unacked_restore_interval": 1}

__all__ = ["app"]
