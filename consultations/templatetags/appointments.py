"""Template words for appointments, so pages say what emails and calendars say."""

from django import template

from consultations.models import ConsultationType

register = template.Library()


@register.filter
def mode_for_patient(mode: str) -> str:
    """"phone" → "By phone – your pharmacist will call you" (models.MODE_FOR_PATIENT)."""
    try:
        return ConsultationType.Mode(mode).for_patient
    except ValueError:
        return ""
