"""The booking progress include: which step is current, which are done, in an ordered list."""

import re

import pytest

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.welltopia.urls_progress")]


def steps_of(page):
    nav = re.search(r'<nav class="wt-progress[^"]*" aria-label="Booking progress">(.*?)</nav>', page, re.S)
    assert nav, "no progress navigation on the page"
    assert "<ol" in nav.group(1)
    return re.findall(r"<li([^>]*)>(.*?)</li>", nav.group(1), re.S)


@pytest.mark.parametrize(
    ("step", "current_label", "done_count"),
    [(1, "Your details", 0), (2, "Choose a time", 1), (3, "Confirmed", 2)],
)
def test_only_the_current_step_is_marked_current_and_earlier_ones_done(client, step, current_label, done_count):
    steps = steps_of(client.get(f"/progress/{step}/").content.decode())

    assert len(steps) == 3
    current = [body for attrs, body in steps if 'aria-current="step"' in attrs]
    assert len(current) == 1 and current_label in current[0]
    assert sum("(done)" in body for _, body in steps) == done_count
