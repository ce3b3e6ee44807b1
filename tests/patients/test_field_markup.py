"""The intake form's fields drawn by patients.field_markup.BootstrapBoundField read the same to a browser and
a screen reader as crispy-forms' bootstrap5 field: the same elements, ids, names, labels, classes
and aria attributes, each error under its field. Whitespace between tags and the order of an
element's attributes are all that may differ. Each field is drawn by ours first: crispy adds its
classes to the widget as it draws."""

from html.parser import HTMLParser

import pytest
from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field
from django.utils import translation

from consultations.intake_forms import intake_for_patient
from patients.forms import IntakeSubmission
from tests.factories import PatientFactory
from tests.patients.intake_data import intake_post

# Written out by hand in templates/patients/includes/opioid_question.html, never through crispy.
HAND_WRITTEN = {"opioid_use"}


class _Tree(HTMLParser):
    """Elements with their attributes (sorted; class words in order) and the text between them with
    runs of whitespace as one space; a text area's text exactly, as it is what the patient typed."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.items = []
        self.in_textarea = False

    def handle_starttag(self, tag, attrs):
        self.items.append(("<", tag, tuple(sorted((name, " ".join((value or "").split())) for name, value in attrs))))
        self.in_textarea = tag == "textarea"

    def handle_endtag(self, tag):
        self.items.append((">", tag))
        self.in_textarea = False

    def handle_data(self, data):
        text = data if self.in_textarea else " ".join(data.split())
        if text:
            self.items.append(("text", text))


def tree(html: str) -> list:
    parser = _Tree()
    parser.feed(html)
    parser.close()
    return parser.items


def fields_of(submission):
    forms = [submission.patient, submission.intake, *submission.medications.forms, submission.medications.empty_form]
    return [form[name] for form in forms for name in form.fields if name not in HAND_WRITTEN]


def assert_drawn_as_crispy_draws(submission):
    fields = fields_of(submission)
    assert len(fields) >= 25
    for field in fields:
        ours = field.as_field_group()
        assert tree(ours) == tree(as_crispy_field(field)), field.html_name


def test_an_empty_form():
    assert_drawn_as_crispy_draws(IntakeSubmission(pharmacy_phone="+16085550142"))


def test_a_form_sent_with_an_error_in_every_kind_of_field():
    data = intake_post(
        medications=(("", "5 mg", "daily", "otc"), ("aspirin", "", "", "prescription"), ("gone", "1", "1", "otc")),
        **{
            "patient-first_name": "<script>x</script> O'Neil & \"Sons\"",
            "patient-email": "not-an-address",
            "patient-phone": "12",
            "patient-date_of_birth": "2099-01-01",
            "patient-preferred_contact": None,
            "intake-pregnancy_status": None,
            "intake-opioid_use": "stopped",
            "intake-opioid_last_dose": "someday",
            "intake-conditions": ["chronic_pain", "other"],
            "intake-has_ldn_prescription": "yes",
            "intake-prescriber_phone": "zz",
            "intake-allergies": "\n<b>peanuts</b> & 'quotes'\nsecond line",
            "intake-consent_privacy": None,
            "intake-takes_no_medications": "on",
            "med-2-DELETE": "on",
        },
    )
    submission = IntakeSubmission(data)
    assert not submission.is_valid()
    for name in ("email", "phone", "date_of_birth", "preferred_contact"):
        assert submission.patient.errors[name]
    for name in ("pregnancy_status", "opioid_stopped_what", "opioid_last_dose", "condition_other",
                 "prescriber_name", "prescriber_phone", "consent_privacy"):
        assert submission.intake.errors[name]
    assert submission.medications.forms[0].errors["text"]

    assert_drawn_as_crispy_draws(submission)


def test_a_single_checkbox_with_its_error():
    submission = IntakeSubmission(intake_post(**{"intake-takes_no_medications": "on"}))
    assert not submission.is_valid()
    assert submission.intake.errors["takes_no_medications"]

    assert_drawn_as_crispy_draws(submission)


def test_a_valid_form():
    submission = IntakeSubmission(intake_post(**{"intake-allergies": "penicillin"}))
    assert submission.is_valid()

    assert_drawn_as_crispy_draws(submission)


def test_rows_kept_after_add_another_with_the_new_row_focused():
    data = intake_post(
        medications=(("metformin", "5 mg", "daily", "otc"), ("x", "", "", "prescription")),
        **{"add_row": "1", "med-1-DELETE": "on", "intake-takes_no_medications": "on"},
    )
    submission = IntakeSubmission(data)
    assert submission.medications.forms[submission.focus_row]["text"].field.widget.attrs["autofocus"]

    assert_drawn_as_crispy_draws(submission)


@pytest.mark.django_db
def test_the_booked_patients_details_filled_in():
    assert_drawn_as_crispy_draws(intake_for_patient(PatientFactory(), pharmacy_phone=""))


def test_in_spanish_with_errors():
    with translation.override("es"):
        submission = IntakeSubmission({"med-TOTAL_FORMS": "1", "med-INITIAL_FORMS": "0"})
        assert not submission.is_valid()

        assert_drawn_as_crispy_draws(submission)
