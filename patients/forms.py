"""The intake form: who the patient is, their medicines, pregnancy, interests and consent.

Three Django forms and a formset are bundled in `IntakeSubmission` so the view stays thin. The
medication rows work without JavaScript: "Add another medication" is a submit button that
re-renders the page with one more empty row and everything typed kept. With JavaScript,
static/js/medication_rows.js adds the row in the page instead, so the page stays the GET that Back
can show again; it mirrors MAX_MEDICATIONS from the button's data-max-rows.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

import phonenumbers
from django import forms
from django.conf.locale.en import formats as english_formats
from django.forms import BaseFormSet, formset_factory
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .field_markup import BootstrapBoundField
from .models import Intake, MedicationEntry, Patient

ADULT_AGE = 18
OLDEST_AGE = 120
MAX_MEDICATIONS = 40
# Rows a crafted POST may carry and still see again on the page with an error (a browser never
# sends more than MAX_MEDICATIONS); beyond this the formset refuses to build more forms.
ABSOLUTE_MAX_MEDICATIONS = 2 * MAX_MEDICATIONS
ADD_ROW = "add_row"
# The header's language switch on the intake page posts the answers typed so far with this name.
SWITCH_LANGUAGE = "switch_language"
# Dates typed without the browser's date picker are read the American way (month first) in every
# language: the hints say "month/day/year" in Spanish too, and 04/12/1980 must not change meaning.
DATE_INPUT_FORMATS = english_formats.DATE_INPUT_FORMATS


def normalise_phone(value: str, *, message: str) -> str:
    """A phone number as typed, in E.164 (+16085550123); US numbers need no country code."""
    try:
        number = phonenumbers.parse(value, "US")
    except phonenumbers.NumberParseException:
        raise forms.ValidationError(message, code="invalid_phone") from None
    if not phonenumbers.is_valid_number(number):
        raise forms.ValidationError(message, code="invalid_phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


# Bidirectional overrides and isolates: they can make a name read differently in an email or the admin.
BIDI_CONTROLS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def one_line(value: str) -> str:
    """A name as one line of plain text: control characters, line and paragraph breaks and bidi
    overrides become spaces, and runs of spaces one space.

    A name goes verbatim into email bodies and subjects; a line break there could forge lines.
    Format characters other than bidi controls stay (a zero-width joiner belongs in some names).
    """
    kept = "".join(
        " " if unicodedata.category(char) in ("Cc", "Zl", "Zp") or char in BIDI_CONTROLS else char for char in value
    )
    return re.sub(r"\s+", " ", kept).strip()


def age_on(day: date, *, born: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


PHONE_MESSAGE = _(
    "Enter a phone number we can reach you on, for example 608-555-0123. "
    "For a number outside the US, start with + and the country code."
)


class PatientForm(forms.ModelForm):
    bound_field_class = BootstrapBoundField

    class Meta:
        model = Patient
        fields = ["first_name", "last_name", "date_of_birth", "email", "phone", "preferred_contact"]
        labels = {
            "first_name": _("First name"),
            "last_name": _("Last name"),
            "date_of_birth": _("Date of birth"),
            "email": _("Email address"),
            "phone": _("Phone number"),
            "preferred_contact": _("How should we contact you?"),
        }
        help_texts = {"phone": _("A US number, or + and the country code for elsewhere.")}
        error_messages = {
            "first_name": {"required": _("Enter your first name.")},
            "last_name": {"required": _("Enter your last name.")},
            "date_of_birth": {"required": _("Enter your date of birth.")},
            "email": {
                "required": _("Enter your email address."),
                "invalid": _("Enter an email address like name@example.com."),
            },
            "phone": {"required": _("Enter a phone number we can reach you on.")},
            "preferred_contact": {"required": _("Choose how we should contact you.")},
        }
        widgets = {
            "date_of_birth": forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}, format="%Y-%m-%d"),
            "preferred_contact": forms.RadioSelect,
        }

    def __init__(self, *args, pharmacy_phone: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.pharmacy_phone = pharmacy_phone
        self.fields["phone"].max_length = 40
        self.fields["date_of_birth"].input_formats = DATE_INPUT_FORMATS
        self.fields["date_of_birth"].error_messages["invalid"] = gettext(
            "Enter your date of birth, for example 04/12/1980."
        )
        autocomplete = {
            "first_name": "given-name",
            "last_name": "family-name",
            "email": "email",
            "phone": "tel",
        }
        for name, token in autocomplete.items():
            self.fields[name].widget.attrs["autocomplete"] = token
        self.fields["phone"].widget.input_type = "tel"

    def clean_first_name(self):
        return self._one_line_name("first_name", gettext("Enter your first name."))

    def clean_last_name(self):
        return self._one_line_name("last_name", gettext("Enter your last name."))

    def _one_line_name(self, name: str, message: str) -> str:
        value = one_line(self.cleaned_data[name])
        if not value:
            raise forms.ValidationError(message, code="required")
        return value

    def clean_email(self):
        return self.cleaned_data["email"].strip()

    def clean_phone(self):
        return normalise_phone(self.cleaned_data["phone"], message=PHONE_MESSAGE)

    def clean_date_of_birth(self):
        born = self.cleaned_data["date_of_birth"]
        today = timezone.localdate()
        if born > today:
            raise forms.ValidationError(gettext("Your date of birth can't be in the future."), code="future")
        if age_on(today, born=born) > OLDEST_AGE:
            raise forms.ValidationError(gettext("Please check the year of your date of birth."), code="unrealistic")
        if age_on(today, born=born) < ADULT_AGE:
            if self.pharmacy_phone:
                message = gettext(
                    "Online booking is for adults aged %(age)s or over. For someone younger, please call "
                    "the pharmacy on %(phone)s and we will help you."
                ) % {"age": ADULT_AGE, "phone": self.pharmacy_phone}
            else:
                message = gettext(
                    "Online booking is for adults aged %(age)s or over. For someone younger, please call "
                    "the pharmacy and we will help you."
                ) % {"age": ADULT_AGE}
            raise forms.ValidationError(message, code="under_age")
        return born


YES_NO = [("yes", _("Yes")), ("no", _("No"))]
OPIOID_ANSWERS = [(value, label) for value, label in Intake.OpioidUse.choices if value != Intake.OpioidUse.NOT_ASKED]
OPIOID_HELP = _(
    "This means prescription pain medicine (for example oxycodone, hydrocodone, tramadol, morphine), "
    "codeine cough medicine, methadone, buprenorphine (tablets, films, patches or monthly injections), "
    "or anything from the street such as heroin or fentanyl. If you are not sure, that is fine: "
    "choose “I'm not sure”."
)


class IntakeForm(forms.Form):
    bound_field_class = BootstrapBoundField

    pregnancy_status = forms.ChoiceField(
        label=_("Are you pregnant, breastfeeding or trying to conceive?"),
        choices=Intake.PregnancyStatus.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the answer that fits you, or “Prefer not to say”.")},
    )
    opioid_use = forms.ChoiceField(
        label=_("Have you taken any opioid recently?"),
        help_text=OPIOID_HELP,
        choices=OPIOID_ANSWERS,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the answer that fits you. “I'm not sure” is a fine answer.")},
    )
    opioid_stopped_what = forms.CharField(
        label=_("Which one?"),
        max_length=200,
        required=False,
        # No autocomplete="off": it also stops the browser restoring the answer on Back.
        widget=forms.TextInput(attrs={"autocapitalize": "none", "spellcheck": "false"}),
    )
    opioid_last_dose = forms.DateField(
        label=_("Date of your last dose"),
        required=False,
        input_formats=DATE_INPUT_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Enter the date of your last dose, for example 11/24/2026.")},
    )
    takes_no_medications = forms.BooleanField(
        label=_("I take no medications or supplements"),
        required=False,
    )
    conditions = forms.MultipleChoiceField(
        label=_("What would you like to talk about?"),
        help_text=_("Tick any that apply."),
        choices=Intake.Condition.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    condition_other = forms.CharField(
        label=_("Tell us a little more about “something else”"), max_length=300, required=False
    )
    has_ldn_prescription = forms.TypedChoiceField(
        label=_("Do you already have a prescription for LDN?"),
        choices=YES_NO,
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": _("Tell us whether you already have an LDN prescription.")},
    )
    prescriber_name = forms.CharField(label=_("Prescriber's name"), max_length=200, required=False)
    prescriber_clinic = forms.CharField(label=_("Clinic or practice"), max_length=200, required=False)
    prescriber_phone = forms.CharField(label=_("Prescriber's phone number"), max_length=40, required=False)
    allergies = forms.CharField(
        label=_("Allergies to medicines or anything else (optional)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        required=False,
    )
    consent_privacy = forms.BooleanField(
        label=_(
            "I have read the privacy notice and agree that the pharmacy may keep this information "
            "to prepare my consultation."
        ),
        error_messages={"required": _("Please confirm you have read the privacy notice.")},
    )
    consent_not_diagnosis = forms.BooleanField(
        label=_("I understand that the consultation is a conversation with a pharmacist, not a diagnosis."),
        error_messages={"required": _("Please confirm you understand the consultation is not a diagnosis.")},
    )
    consent_contact = forms.BooleanField(
        label=_("I agree that the pharmacy may contact me about this consultation."),
        error_messages={"required": _("Please agree that we may contact you about your consultation.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["prescriber_phone"].widget.input_type = "tel"
        self.fields["opioid_last_dose"].widget.attrs["max"] = timezone.localdate().isoformat()

    def clean(self):
        data = super().clean()
        self._clean_opioid_follow_up(data)
        if Intake.Condition.OTHER in data.get("conditions", []) and not data.get("condition_other", "").strip():
            self.add_error("condition_other", gettext("You ticked “Something else”: tell us briefly what it is."))
        if data.get("has_ldn_prescription"):
            for name, message in (
                ("prescriber_name", gettext("You have an LDN prescription: please give your prescriber's name.")),
                ("prescriber_clinic", gettext("You have an LDN prescription: please give the clinic or practice.")),
                (
                    "prescriber_phone",
                    gettext("You have an LDN prescription: please give your prescriber's phone number."),
                ),
            ):
                if not data.get(name, "").strip():
                    self.add_error(name, message)
        phone = data.get("prescriber_phone", "").strip()
        if phone and "prescriber_phone" not in self.errors:
            try:
                data["prescriber_phone"] = normalise_phone(phone, message=PHONE_MESSAGE)
            except forms.ValidationError as error:
                self.add_error("prescriber_phone", error)
        if not data.get("has_ldn_prescription"):
            for name in ("prescriber_name", "prescriber_clinic", "prescriber_phone"):
                data[name] = ""
        if Intake.Condition.OTHER not in data.get("conditions", []):
            data["condition_other"] = ""
        return data

    def _clean_opioid_follow_up(self, data):
        """"Which one?" and the last dose are needed after "I stopped", and mean nothing otherwise."""
        if data.get("opioid_use") != Intake.OpioidUse.STOPPED:
            # The follow-up boxes may still hold words from an answer changed since: not an error.
            self._errors.pop("opioid_last_dose", None)
            data["opioid_stopped_what"] = ""
            data["opioid_last_dose"] = None
            return
        data["opioid_stopped_what"] = (data.get("opioid_stopped_what") or "").strip()
        if not data["opioid_stopped_what"] and "opioid_stopped_what" not in self.errors:
            self.add_error("opioid_stopped_what", gettext("You stopped an opioid: tell us which one, as best you can."))
        last_dose = data.get("opioid_last_dose")
        if "opioid_last_dose" in self.errors:
            return
        if last_dose is None:
            self.add_error(
                "opioid_last_dose",
                gettext("Tell us the date of your last dose. If you don’t know the exact day, your best guess is fine."),
            )
        elif last_dose > timezone.localdate():
            self.add_error("opioid_last_dose", gettext("The date of your last dose can’t be in the future."))

    def check_last_dose_after_birth(self, born: date | None) -> None:
        """The last dose can't come before the patient was born (the birth date is on the other form)."""
        last_dose = self.cleaned_data.get("opioid_last_dose") if hasattr(self, "cleaned_data") else None
        if born and last_dose and last_dose < born and "opioid_last_dose" not in self.errors:
            self.add_error(
                "opioid_last_dose",
                gettext("The date of your last dose is before your date of birth. Please check the year."),
            )


class MedicationForm(forms.Form):
    bound_field_class = BootstrapBoundField

    text = forms.CharField(
        label=_("Medication or supplement"),
        max_length=200,
        required=False,
        # No autocomplete="off": it also stops the browser restoring the answer on Back.
        widget=forms.TextInput(attrs={"autocapitalize": "none", "spellcheck": "false"}),
    )
    dose = forms.CharField(label=_("Dose"), max_length=100, required=False, help_text=_("For example 10 mg"))
    frequency = forms.CharField(
        label=_("How often"), max_length=100, required=False, help_text=_("For example twice a day")
    )
    kind = forms.ChoiceField(
        label=_("Type"),
        choices=MedicationEntry.Kind.choices,
        initial=MedicationEntry.Kind.PRESCRIPTION,
        widget=forms.RadioSelect,
    )

    def clean(self):
        data = super().clean()
        if (data.get("dose") or data.get("frequency")) and not data.get("text", "").strip():
            self.add_error(
                "text",
                gettext("Tell us the name of this medication or supplement, or tick “Remove this medication”."),
            )
        return data


class BaseMedicationFormSet(BaseFormSet):
    """Every row is an "extra" row: a row left blank is ignored, whatever the posted counts say."""

    deletion_widget = forms.CheckboxInput
    default_error_messages = {
        "missing_management_form": _("The medication list could not be read. Please check it and send the form again."),
        # Django fills in %(num)d (max_num, which is MAX_MEDICATIONS) when it raises the error.
        "too_many_forms": _(
            "You can list up to %(num)d medicines and supplements here. Remove any listed twice, "
            "and tell the pharmacist about the rest at your consultation."
        ),
    }

    def __init__(self, *args, rows: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = rows

    def initial_form_count(self):
        return 0

    def total_form_count(self):
        if not self.is_bound and self.rows is not None:
            # Every row given is shown, even past max_num: a list is never cut short on the page.
            return min(self.rows, self.absolute_max)
        return super().total_form_count()

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = gettext("Remove this medication")

    def entries(self) -> list[dict]:
        return [
            {name: form.cleaned_data.get(name, "") for name in ("text", "dose", "frequency", "kind")}
            for form in self.forms
            if form.cleaned_data
            and not form.cleaned_data.get("DELETE")
            and form.cleaned_data.get("text", "").strip()
        ]


MedicationFormSet = formset_factory(
    MedicationForm,
    formset=BaseMedicationFormSet,
    extra=1,
    can_delete=True,
    max_num=MAX_MEDICATIONS,
    validate_max=True,
    absolute_max=ABSOLUTE_MAX_MEDICATIONS,
)


class IntakeSubmission:
    """The whole intake page: the patient, the intake, and the medication rows."""

    prefixes = {"patient": "patient", "intake": "intake", "medications": "med"}
    max_medications = MAX_MEDICATIONS

    def __init__(self, data=None, *, pharmacy_phone: str = ""):
        self.is_bound = data is not None
        self.adding_row = self.is_bound and ADD_ROW in data
        self.focus_row: int | None = None
        self.limit_reached = False
        self.pharmacy_phone = pharmacy_phone
        if self.adding_row:
            self._build_with_extra_row(data, pharmacy_phone=pharmacy_phone)
            return
        self.patient = PatientForm(data, prefix="patient", pharmacy_phone=pharmacy_phone)
        self.intake = IntakeForm(data, prefix="intake")
        self.medications = MedicationFormSet(data, prefix="med")

    def _build_with_extra_row(self, data, *, pharmacy_phone: str):
        """Unbound forms carrying what was posted, without the rows marked for removal, plus one row.

        Unbound so no errors show for fields the patient has not reached yet. At the limit no row
        is added and the page says so; every row typed is kept either way.
        """
        rows = _posted_rows(data)
        self.limit_reached = len(rows) >= MAX_MEDICATIONS
        self.patient = PatientForm(
            initial=_raw_values(PatientForm(data, prefix="patient")), prefix="patient", pharmacy_phone=pharmacy_phone
        )
        self.intake = IntakeForm(initial=_raw_values(IntakeForm(data, prefix="intake")), prefix="intake")
        if self.limit_reached:
            self.medications = MedicationFormSet(initial=rows, prefix="med", rows=len(rows))
            return
        self.focus_row = len(rows)
        self.medications = MedicationFormSet(initial=rows, prefix="med", rows=len(rows) + 1)
        # The new row takes the focus, so the patient lands where they meant to type.
        self.medications.forms[self.focus_row].fields["text"].widget.attrs["autofocus"] = True

    @classmethod
    def kept(cls, data, *, pharmacy_phone: str = "") -> IntakeSubmission:
        """The page again with everything that was posted, for a refused submission (rate limit,
        expired CSRF cookie): unbound, so it shows no errors, and no row is added or lost."""
        submission = cls(pharmacy_phone=pharmacy_phone)
        rows = _posted_rows(data)
        submission.patient = PatientForm(
            initial=_raw_values(PatientForm(data, prefix="patient")), prefix="patient", pharmacy_phone=pharmacy_phone
        )
        submission.intake = IntakeForm(initial=_raw_values(IntakeForm(data, prefix="intake")), prefix="intake")
        submission.medications = MedicationFormSet(initial=rows, prefix="med", rows=max(len(rows), 1))
        return submission

    def limit_message(self) -> str:
        return self._limit_words(added=False)

    def full_message(self) -> str:
        """What the page says once every row is in use, before a row is asked for (medication_rows.js)."""
        return self._limit_words(added=None)

    def _limit_words(self, *, added: bool | None) -> str:
        if added is None:
            holds = gettext("This form holds up to %(max)s medicines and supplements.")
        else:
            holds = gettext("This form holds up to %(max)s medicines and supplements, so no row was added.")
        if self.pharmacy_phone:
            rest = gettext("Please tell the pharmacist about the rest at your consultation, or call us on %(phone)s.")
        else:
            rest = gettext("Please tell the pharmacist about the rest at your consultation, or call the pharmacy.")
        return f"{holds % {'max': MAX_MEDICATIONS}} {rest % {'phone': self.pharmacy_phone}}"

    def is_valid(self) -> bool:
        if not self.is_bound or self.adding_row:
            return False
        valid = all([self.patient.is_valid(), self.intake.is_valid(), self._medications_valid()])
        if self.intake.is_bound and hasattr(self.intake, "cleaned_data"):
            self.intake.check_last_dose_after_birth(self.patient.cleaned_data.get("date_of_birth"))
        return valid and not self.intake.errors

    def _medications_valid(self) -> bool:
        valid = self.medications.is_valid()
        if not valid or "takes_no_medications" not in self.intake.cleaned_data:
            return valid
        has_entries = bool(self.medications.entries())
        takes_none = self.intake.cleaned_data.get("takes_no_medications")
        if has_entries and takes_none:
            self.intake.add_error(
                "takes_no_medications",
                gettext(
                    "You listed medications and also ticked “I take no medications or supplements”. "
                    "Untick the box, or remove the medications."
                ),
            )
        elif not has_entries and not takes_none:
            self.intake.add_error(
                "takes_no_medications",
                gettext(
                    "List the medications and supplements you take, or tick "
                    "“I take no medications or supplements”."
                ),
            )
        return True

    def service_kwargs(self) -> dict:
        return {
            "patient_data": dict(self.patient.cleaned_data),
            "intake_data": dict(self.intake.cleaned_data),
            "medications": self.medications.entries(),
        }

    def error_summary(self) -> list[tuple[str, str]]:
        """(anchor id, message) for every error on the page, in page order."""
        if not self.is_bound or self.adding_row:
            return []
        errors: list[tuple[str, str]] = []
        for form in (self.patient, self.intake):
            errors += _form_errors(form)
        errors += [("medications", str(error)) for error in self.medications.non_form_errors()]
        for number, form in enumerate(self.medications.forms, start=1):
            if not self.medications._should_delete_form(form):
                errors += [
                    (anchor, gettext("Medication %(number)s: %(message)s") % {"number": number, "message": message})
                    for anchor, message in _form_errors(form)
                ]
        order = _page_order()
        return sorted(errors, key=lambda item: order(item[0]))


def _posted_rows(data) -> list[dict]:
    """What was typed in each medication row not ticked for removal, as the widgets read it.

    Read even when the row count posted is unreadable, so no typed row is lost.
    """
    posted = MedicationFormSet(data, prefix="med")
    if posted.management_form.is_valid():
        forms_posted = posted.forms
    else:
        forms_posted = [
            posted._construct_form(index)
            for index in range(ABSOLUTE_MAX_MEDICATIONS)
            if any(f"med-{index}-{name}" in data for name in ("text", "dose", "frequency"))
        ]
    return [_raw_values(form) for form in forms_posted if not form["DELETE"].value()]


def _raw_values(form: forms.Form) -> dict:
    """What was posted for each field of a bound form, as the widgets read it."""
    return {
        name: field.widget.value_from_datadict(form.data, form.files, form.add_prefix(name))
        for name, field in form.fields.items()
    }


def _form_errors(form: forms.Form) -> list[tuple[str, str]]:
    errors = []
    for name, messages in form.errors.items():
        if name == forms.forms.NON_FIELD_ERRORS:
            anchor = "error-summary"
        else:
            anchor = form[name].id_for_label or form[name].auto_id
            widget = form.fields[name].widget
            if isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
                anchor = f"{form[name].auto_id}_0"
        errors += [(anchor, str(message)) for message in messages]
    return errors


def _page_order():
    """Sections in the order the template shows them, so the summary reads top to bottom."""
    sections = ["id_patient-", "id_intake-pregnancy", "id_intake-opioid", "id_med-", "medications", "id_intake-takes_no",
                "id_intake-conditions", "id_intake-condition_other", "id_intake-has_ldn", "id_intake-prescriber",
                "id_intake-allergies", "id_intake-consent"]

    def order(anchor: str) -> int:
        for position, start in enumerate(sections):
            if anchor.startswith(start):
                return position
        return len(sections)

    return order


class ContinueLinkForm(forms.Form):
    """Ask for a link to a saved intake (patients/continuation.py): the email address alone."""

    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        help_text=_("The one you gave with your answers."),
        error_messages={
            "required": _("Enter your email address."),
            "invalid": _("Enter an email address like name@example.com."),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def clean_email(self):
        return self.cleaned_data["email"].strip()
