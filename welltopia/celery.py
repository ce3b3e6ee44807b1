"""The Celery application.

Workers and beat read their configuration from Django settings under the ``CELERY_``
namespace, so there is one place for every option and schedule.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "welltopia.settings")

app = Celery("welltopia")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(ignore_result=False)
def ping():
    """A round trip through the broker and a worker; used by tests and by operators."""
    return "pong"
