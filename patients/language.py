"""The language a patient is written to in, when no request says it: emails sent by workers.

A worker has no browser to ask, so every email to a patient is rendered inside
``translation.override(email_language(patient))``: the language stored with the patient when they
used the site. A patient stored before languages existed, or with a language the site no longer
offers, is written to in the site's default language.
"""

from __future__ import annotations

from django.conf import settings


def email_language(patient) -> str:
    """The language code for emails to ``patient`` (one of ``settings.LANGUAGES``)."""
    code = patient.language or ""
    offered = {language for language, _ in settings.LANGUAGES}
    return code if code in offered else settings.LANGUAGE_CODE
