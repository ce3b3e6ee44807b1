"""Template words for appointments, so pages say what emails and calendars say."""

from django import template

from consultations import selectors
from consultations.models import Appointment, ConsultationType

register = template.Library()


@register.filter
def mode_for_patient(value) -> str:
    """How a consultation happens, in the patient's words.

    An appointment is worded by ``selectors.mode_for_patient`` (a video one by whether it has a
    link); a bare mode, on the pages before a booking exists, by models.MODE_FOR_PATIENT.
    """
    if isinstance(value, Appointment):
        return selectors.mode_for_patient(value)
    try:
        return ConsultationType.Mode(value).for_patient
    except ValueError:
        return ""
