"""Loaded with ``-p`` before pytest-django configures Django: tests run with MINSHENG_ENV=test."""

import os

os.environ.setdefault("MINSHENG_ENV", "test")
