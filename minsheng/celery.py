"""The Celery application. Batch work (payroll, imports, sweeps) runs here when CELERY_BROKER_URL is set."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minsheng.settings")

app = Celery("minsheng")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Modules with tasks besides each app's ``tasks.py``.
app.autodiscover_tasks(["minsheng.assistance.means"], related_name="simulation")
