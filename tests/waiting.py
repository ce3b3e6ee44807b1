"""Waiting for something a real component does: a worker sending, a server coming back."""

import time


def wait_for(condition, timeout=180, interval=0.05):
    """True as soon as ``condition()`` is, checked every ``interval`` seconds; its last answer after ``timeout``.

    Checked often: a wait ends within a twentieth of a second of the outcome, not up to a quarter
    of one later; a check is one small query."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()
