"""Forms of the booking flow. They carry choices between pages (type, mode, pharmacist, day,
time) in the querystring or a POST body; nothing clinical ever travels in them."""

from datetime import UTC, datetime, time, timedelta

from django import forms
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import selectors
from .models import ConsultationType, Pharmacist

FIRST_AVAILABLE = "any"


class PharmacistChoiceField(forms.ChoiceField):
    """First available, or one of the pharmacists listed: first available, the usual answer, is
    valid without reading the pharmacists (the form reads them only to check another answer, or
    to be drawn)."""

    def valid_value(self, value):
        return value == FIRST_AVAILABLE or super().valid_value(value)


class BookableTypeField(forms.ModelChoiceField):
    """A bookable consultation type, chosen by its slug. Every booking step checks the choice it
    carries: read with a query compiled once (``selectors.consultation_type_bookable``), not through
    the field's queryset, which lists the choices when the form is drawn."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, ConsultationType):
            value = value.slug
        self.validate_no_null_characters(value)
        kind = selectors.consultation_type_bookable(slug=str(value))
        if kind is None:
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value}
            )
        return kind


class ConsultationChoiceForm(forms.Form):
    """Step one: which consultation, how, and with whom."""

    type = BookableTypeField(
        label=_("Which consultation?"),
        queryset=selectors.consultation_types_bookable(),
        to_field_name="slug",
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={
            "required": _("Please choose a consultation."),
            "invalid_choice": _("Please choose one of the consultations listed."),
        },
    )
    mode = forms.ChoiceField(
        label=_("How would you like to talk?"),
        choices=ConsultationType.Mode.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Please choose in person, phone or video."),
            "invalid_choice": _("Please choose one of the ways listed."),
        },
    )
    pharmacist = PharmacistChoiceField(
        label=_("Pharmacist"),
        required=False,
        error_messages={"invalid_choice": _("Please choose a pharmacist from the list, or first available.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["type"].label_from_instance = self._type_label
        self.fields["pharmacist"].choices = self._pharmacist_choices

    @cached_property
    def _pharmacists(self) -> dict[str, Pharmacist]:
        return {str(p.pk): p for p in Pharmacist.objects.filter(is_active=True).order_by("display_name")}

    def _pharmacist_choices(self):
        return [(FIRST_AVAILABLE, gettext("First available"))] + [
            (pk, p.display_name) for pk, p in self._pharmacists.items()
        ]

    @staticmethod
    def _type_label(kind):
        ways = ", ".join(str(ConsultationType.Mode(m).label).lower() for m in kind.modes)
        return gettext("%(name)s — %(minutes)s minutes (%(ways)s)") % {
            "name": kind.name_for_patient,
            "minutes": kind.duration_minutes,
            "ways": ways,
        }

    def clean_pharmacist(self):
        value = self.cleaned_data.get("pharmacist") or FIRST_AVAILABLE
        return None if value == FIRST_AVAILABLE else self._pharmacists[value]

    def clean(self):
        cleaned = super().clean()
        kind, mode = cleaned.get("type"), cleaned.get("mode")
        if kind and mode and mode not in kind.modes:
            self.add_error(
                "mode",
                gettext("%(name)s is not offered by %(way)s. Please choose another way.")
                % {"name": kind.name_for_patient, "way": str(ConsultationType.Mode(mode).label).lower()},
            )
        if mode in ConsultationType.Mode.values:
            cleaned["mode_label"] = ConsultationType.Mode(mode).label
        return cleaned

    def querystring_values(self):
        pharmacist = self.cleaned_data["pharmacist"]
        return {
            "type": self.cleaned_data["type"].slug,
            "mode": self.cleaned_data["mode"],
            "pharmacist": str(pharmacist.pk) if pharmacist else FIRST_AVAILABLE,
        }


# Far beyond any booking window; dates outside it are refused before the slot engine's date
# arithmetic could run off the calendar (year 1 or 9999).
REACH = timedelta(days=3660)


class DayForm(forms.Form):
    day = forms.DateField(input_formats=["%Y-%m-%d"])

    def clean_day(self):
        day = self.cleaned_data["day"]
        if abs(day - timezone.localdate()) > REACH:
            raise forms.ValidationError(_("Please choose a day from the calendar."))
        return day


TIME_UNREADABLE = _("That time could not be read. Please choose a time again.")


class StartForm(forms.Form):
    """A chosen start, as an ISO 8601 instant (``2026-06-02T14:00:00Z``)."""

    start = forms.CharField()

    def clean_start(self):
        raw = self.cleaned_data["start"].strip()
        try:
            start = datetime.fromisoformat(raw.replace("Z", "+00:00").replace(" ", "+"))
        except ValueError:
            raise forms.ValidationError(TIME_UNREADABLE) from None
        if start.tzinfo is None:
            raise forms.ValidationError(TIME_UNREADABLE)
        try:
            start = start.astimezone(UTC)
        except OverflowError:  # e.g. 0001-01-01T00:00:00+14:00 falls before year 1 in UTC
            raise forms.ValidationError(TIME_UNREADABLE) from None
        if abs(start - timezone.now()) > REACH:
            raise forms.ValidationError(TIME_UNREADABLE)
        return start


class StaffRescheduleForm(forms.Form):
    """Staff move an appointment to one of the free times listed, from ``first_day`` to ``last_day``.

    The booking service has the last word (a time may go meanwhile). This form makes sure that
    what reaches it is an aware time inside the days the list covers: an edited POST body gets the
    list's message instead of sending the slot engine's date arithmetic off the calendar.
    """

    CHOOSE = "Choose a time from the list."

    start = forms.CharField(label="New time (Chicago)", widget=forms.Select, error_messages={"required": CHOOSE})

    def __init__(self, *args, free_days, first_day, last_day, **kwargs):
        super().__init__(*args, **kwargs)
        zone = timezone.get_current_timezone()
        self.window = (
            datetime.combine(first_day, time.min, tzinfo=zone),
            datetime.combine(last_day + timedelta(days=1), time.min, tzinfo=zone),
        )
        groups = [
            (
                day.strftime("%A %B %-d"),
                [(t.start.isoformat(), timezone.localtime(t.start).strftime("%-I:%M %p")) for t in times],
            )
            for day, times in free_days.items()
            if times
        ]
        self.fields["start"].widget.choices = [("", "Choose a free time")] + groups
        if not groups:
            days = (last_day - first_day).days
            self.fields["start"].help_text = f"This pharmacist has no free time in the next {days} days."

    def clean_start(self):
        try:
            start = datetime.fromisoformat(self.cleaned_data["start"].strip())
            if start.tzinfo is None:
                raise ValueError("no zone")
            start = start.astimezone(UTC)
        except (ValueError, OverflowError):  # OverflowError: 0001-01-01T00:00+14:00 is before year 1 in UTC
            raise forms.ValidationError(self.CHOOSE) from None
        earliest, end = self.window
        if not earliest <= start < end:
            raise forms.ValidationError(self.CHOOSE)
        return start


def iso_start(start: datetime) -> str:
    return start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
