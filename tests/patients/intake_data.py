"""A valid intake POST, as the browser sends it, for the view and form tests to vary."""

from datetime import date

from django.utils import timezone


def years_ago(years: int, *, days: int = 0) -> date:
    today = timezone.localdate()
    try:
        born = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        born = today.replace(year=today.year - years, day=28)
    return born.fromordinal(born.toordinal() + days)


def intake_post(*, medications=(("metformin", "500 mg", "twice a day", "prescription"),), **overrides) -> dict:
    data = {
        "patient-first_name": "Dana",
        "patient-last_name": "Doe",
        "patient-date_of_birth": "1980-04-12",
        "patient-email": "dana@example.com",
        "patient-phone": "608-555-0123",
        "patient-preferred_contact": "email",
        "intake-pregnancy_status": "not_pregnant",
        "intake-opioid_use": "no",
        "intake-opioid_stopped_what": "",
        "intake-opioid_last_dose": "",
        "intake-conditions": ["chronic_pain"],
        "intake-condition_other": "",
        "intake-has_ldn_prescription": "no",
        "intake-prescriber_name": "",
        "intake-prescriber_clinic": "",
        "intake-prescriber_phone": "",
        "intake-allergies": "",
        "intake-consent_privacy": "on",
        "intake-consent_not_diagnosis": "on",
        "intake-consent_contact": "on",
        "med-TOTAL_FORMS": str(max(len(medications), 1)),
        "med-INITIAL_FORMS": "0",
        "med-MIN_NUM_FORMS": "0",
        "med-MAX_NUM_FORMS": "40",
    }
    if not medications:
        data["intake-takes_no_medications"] = "on"
        data.update({"med-0-text": "", "med-0-dose": "", "med-0-frequency": "", "med-0-kind": "prescription"})
    for index, (text, dose, frequency, kind) in enumerate(medications):
        data.update(
            {
                f"med-{index}-text": text,
                f"med-{index}-dose": dose,
                f"med-{index}-frequency": frequency,
                f"med-{index}-kind": kind,
            }
        )
    for key, value in overrides.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data
