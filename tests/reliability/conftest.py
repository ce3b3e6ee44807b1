"""The booking set-up of tests/consultations, for outage tests that book."""

from tests.consultations.conftest import intake, ldn, monday_morning, rx  # noqa: F401
