"""The Celery application.

Workers and beat read their configuration from Django settings under the ``CELERY_``
namespace, so there is one place for every option and schedule.
"""

import os

from celery import Celery
from celery.signals import after_setup_logger, after_setup_task_logger

from . import broker_fix
from .log_filters import RedactTokens

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "welltopia.settings")

broker_fix.install()  # a worker survives a Redis outage with a message in flight (see the module)

app = Celery("welltopia")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@after_setup_logger.connect
@after_setup_task_logger.connect
def redact_tokens_in_worker_logs(sender=None, logger=None, **kwargs):
    """Put RedactTokens on the handlers a worker (or beat) sets up for itself.

    LOGGING gives Django's handlers the filter, but a worker replaces the root logger's handlers
    with its own and gives the task loggers (``celery.task``, which do not propagate) one more:
    task failures, retries and tracebacks are written there, and can carry a manage or continue
    link's path. Celery's own handlers and formats are kept (``--loglevel`` and ``--logfile``
    still apply); only the filter is added.
    """
    for handler in logger.handlers if logger is not None else ():
        if not any(isinstance(existing, RedactTokens) for existing in handler.filters):
            handler.addFilter(RedactTokens())


@app.task(ignore_result=False)
def ping():
    """A round trip through the broker and a worker; used by tests and by operators."""
    return "pong"
