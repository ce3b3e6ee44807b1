"""Waiting for something a real component does: a worker sending, a server coming back."""

import time


def wait_for(condition, timeout=180, interval=0.25):
    """True as soon as ``condition()`` is, checked every ``interval`` seconds; its last answer after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()
