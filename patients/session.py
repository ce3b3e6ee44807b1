"""Which intake this browser just submitted: its random reference, kept in the session only.

The booking pages (``consultations``) read it through ``intake_from_session``, or take the
reference with ``intake_reference_in_session`` to read the intake with what they ask of it; the
key is defined here alone.
"""

from .models import Intake
from .selectors import intake_get_by_reference

SESSION_KEY = "intake_reference"


def intake_remember(request, intake: Intake) -> None:
    """A new session key (no fixation), holding only the intake's reference.

    A browser that sent no session cookie has no key anyone could have planted: the session is
    created with a fresh key when the response is sent, one write instead of an insert and an update.
    """
    if request.session.session_key is not None:
        request.session.cycle_key()
    request.session[SESSION_KEY] = str(intake.reference)


def intake_reference_in_session(request) -> str | None:
    return request.session.get(SESSION_KEY)


def intake_from_session(request, *, with_answers: bool = True) -> Intake | None:
    return intake_get_by_reference(reference=intake_reference_in_session(request), with_answers=with_answers)
