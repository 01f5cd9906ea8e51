"""Text messages to applicants and staff, behind one small interface.

The bureau's SMS gateway differs by province; ``settings.SMS_SENDER`` names the class that talks to it. The
default writes the message to the log, so the demo and the tests send nothing anywhere.
"""

from __future__ import annotations

import logging
from collections import deque
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("minsheng.sms")


class SmsSender(Protocol):
    def send(self, *, phone: str, text: str) -> None: ...


class LogSmsSender:
    """Writes the message to the log (the phone masked) instead of sending it."""

    # The last messages, for tests and the demo; bounded so a long-running process does not grow.
    sent: deque[tuple[str, str]] = deque(maxlen=100)

    def send(self, *, phone: str, text: str) -> None:
        masked = f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 7 else "****"
        logger.info("SMS to %s: %s", masked, text)
        LogSmsSender.sent.append((phone, text))


def sms_sender() -> SmsSender:
    sender: SmsSender = import_string(str(settings.SMS_SENDER))()
    return sender
