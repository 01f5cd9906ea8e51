"""Minsheng (民生): the social-assistance platform of a city civil-affairs bureau."""

from minsheng.celery import app as celery_app

__all__ = ["celery_app"]
