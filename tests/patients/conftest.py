"""Fixtures for the patients tests."""

import pytest

from welltopia.celery import app


@pytest.fixture
def tasks_run_here():
    """Tasks queued by the code under test run at once in this process (Celery's eager mode),
    so their mail lands in Django's test outbox; a worker of its own is the e2e tests' business."""
    saved = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = saved
