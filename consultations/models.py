"""Where and with whom consultations happen, when pharmacists work, and the appointments.

Times are stored in UTC (aware datetimes); working hours are wall-clock times in the
pharmacy's zone (settings.TIME_ZONE, America/Chicago) and are converted by the slot engine.
"""

import secrets
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext, pgettext_lazy


def new_manage_token():
    # 256 random bits, URL-safe: the only key to the patient's manage page.
    return secrets.token_urlsafe(32)


class Location(models.Model):
    name = models.CharField(max_length=200)
    address_line1 = models.CharField(max_length=200)
    address_line2 = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100)
    state = models.CharField(max_length=2, default="WI")
    postal_code = models.CharField(max_length=10)
    phone = models.CharField(max_length=32)

    def __str__(self):
        return self.name

    @property
    def address(self):
        street = ", ".join(p for p in (self.address_line1, self.address_line2) if p)
        return f"{street}, {self.city}, {self.state} {self.postal_code}"


def validate_meeting_link(value: str) -> None:
    """A video room link: https, on a host the pharmacy allows (settings.VIDEO_LINK_HOSTS, where
    "*.zoom.us" allows any subdomain of zoom.us)."""
    parts = urlsplit(value)
    if parts.scheme != "https" or not parts.hostname:
        raise ValidationError("Enter the meeting link starting with https://.")
    host = parts.hostname.lower()
    for allowed in settings.VIDEO_LINK_HOSTS:
        allowed = allowed.lower()
        if host == allowed or (allowed.startswith("*.") and (host.endswith(allowed[1:]) or host == allowed[2:])):
            return
    raise ValidationError(
        "Use a link from one of the video services the pharmacy allows: %(hosts)s.",
        params={"hosts": ", ".join(settings.VIDEO_LINK_HOSTS)},
    )


class Pharmacist(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="pharmacist"
    )
    display_name = models.CharField(max_length=200)
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="pharmacists")
    is_active = models.BooleanField(default=True)
    meeting_link = models.URLField(
        max_length=500, blank=True, validators=[validate_meeting_link],
        help_text="The video room video patients join (https). An appointment may have its own.",
    )

    class Meta:
        ordering = ["display_name"]

    def __str__(self):
        return self.display_name


class WorkingHours(models.Model):
    class Weekday(models.IntegerChoices):
        MONDAY = 0, "Monday"
        TUESDAY = 1, "Tuesday"
        WEDNESDAY = 2, "Wednesday"
        THURSDAY = 3, "Thursday"
        FRIDAY = 4, "Friday"
        SATURDAY = 5, "Saturday"
        SUNDAY = 6, "Sunday"

    pharmacist = models.ForeignKey(Pharmacist, on_delete=models.CASCADE, related_name="working_hours")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    start = models.TimeField()
    end = models.TimeField()

    class Meta:
        ordering = ["pharmacist", "weekday", "start"]
        verbose_name_plural = "working hours"
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="working_hours_end_after_start"),
        ]

    def __str__(self):
        return f"{self.get_weekday_display()} {self.start:%H:%M}–{self.end:%H:%M}"


class AvailabilityException(models.Model):
    class Kind(models.TextChoices):
        TIME_OFF = "time_off", "Time off"
        EXTRA_HOURS = "extra_hours", "Extra hours"

    pharmacist = models.ForeignKey(Pharmacist, on_delete=models.CASCADE, related_name="exceptions")
    day = models.DateField()
    kind = models.CharField(max_length=12, choices=Kind.choices)
    # Both empty means the whole day (time off only).
    start = models.TimeField(null=True, blank=True)
    end = models.TimeField(null=True, blank=True)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["pharmacist", "day", "start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start__isnull=True, end__isnull=True, kind="time_off")
                | Q(start__isnull=False, end__isnull=False, end__gt=F("start")),
                name="availability_exception_times_valid",
            ),
        ]

    def __str__(self):
        if self.start is None:
            return f"{self.get_kind_display()} {self.day} (all day)"
        return f"{self.get_kind_display()} {self.day} {self.start:%H:%M}–{self.end:%H:%M}"


class ConsultationType(models.Model):
    class Mode(models.TextChoices):
        IN_PERSON = "in_person", _("In person")
        PHONE = "phone", _("Phone")
        VIDEO = "video", _("Video")

        @property
        def for_patient(self) -> str:
            """How the consultation happens, in the words pages, emails and calendars use."""
            return MODE_FOR_PATIENT[self]

    name = models.CharField(max_length=100)
    slug = models.SlugField(unique=True)
    description = models.CharField(max_length=300, blank=True)
    duration_minutes = models.PositiveSmallIntegerField()
    buffer_minutes = models.PositiveSmallIntegerField(
        default=0, help_text="Kept free after each consultation of this type."
    )
    allows_in_person = models.BooleanField(default=True)
    allows_phone = models.BooleanField(default=True)
    allows_video = models.BooleanField(default=False)
    min_notice_minutes = models.PositiveIntegerField(default=120)
    max_advance_days = models.PositiveIntegerField(default=60)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["duration_minutes", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(duration_minutes__gt=0), name="consultation_type_has_duration"),
        ]

    def __str__(self):
        return self.name

    @property
    def name_for_patient(self) -> str:
        """The name in the patient's language when the catalog has it (the names in
        ``NAMES_FOR_PATIENTS``), else as staff typed it: a renamed type shows its new name untranslated."""
        return pgettext("consultation type", self.name)

    @property
    def duration(self):
        return timedelta(minutes=self.duration_minutes)

    @property
    def buffer(self):
        return timedelta(minutes=self.buffer_minutes)

    @property
    def notice_display(self):
        """The minimum notice in words: "2 hours", "90 minutes"."""
        minutes = self.min_notice_minutes
        if minutes and minutes % 60 == 0:
            hours = minutes // 60
            return ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours}
        return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}

    @property
    def modes(self):
        allowed = {
            self.Mode.IN_PERSON: self.allows_in_person,
            self.Mode.PHONE: self.allows_phone,
            self.Mode.VIDEO: self.allows_video,
        }
        return [mode for mode, ok in allowed.items() if ok]


# The consultation types' names the catalog translates (those seed_demo creates). A type staff add or
# rename is shown to every patient as typed until its name is added here and translated.
NAMES_FOR_PATIENTS = (
    pgettext_lazy("consultation type", "LDN consultation"),
    pgettext_lazy("consultation type", "Follow-up"),
)

MODE_FOR_PATIENT = {
    ConsultationType.Mode.IN_PERSON: _("In person at the pharmacy"),
    ConsultationType.Mode.PHONE: _("By phone – your pharmacist will call you"),
    # Before a booking exists nobody knows whose link applies; selectors.mode_for_patient words
    # a booked video consultation by whether it has one.
    ConsultationType.Mode.VIDEO: _("By video"),
}


class Appointment(models.Model):
    class Status(models.TextChoices):
        BOOKED = "booked", "Booked"
        CANCELLED = "cancelled", "Cancelled"
        COMPLETED = "completed", "Completed"
        NO_SHOW = "no_show", "No-show"

    Mode = ConsultationType.Mode

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="appointments")
    # None for a consultation staff booked for a caller who has not filled in the intake yet.
    intake = models.ForeignKey(
        "patients.Intake", on_delete=models.PROTECT, related_name="appointments", null=True, blank=True
    )
    pharmacist = models.ForeignKey(Pharmacist, on_delete=models.PROTECT, related_name="appointments")
    consultation_type = models.ForeignKey(ConsultationType, on_delete=models.PROTECT, related_name="+")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    mode = models.CharField(max_length=12, choices=Mode.choices)
    start = models.DateTimeField(db_index=True)
    end = models.DateTimeField()
    # end plus the type's buffer: the time this appointment keeps the pharmacist busy.
    blocked_until = models.DateTimeField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.BOOKED, db_index=True)
    manage_token = models.CharField(max_length=64, unique=True, default=new_manage_token, editable=False)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # Set when staff booked it (for a caller); the reason is required inside the notice window.
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    booking_note = models.CharField(max_length=300, blank=True)
    arrived_at = models.DateTimeField(null=True, blank=True)
    meeting_link = models.URLField(
        max_length=500, blank=True, validators=[validate_meeting_link],
        help_text="Only for this consultation; leave empty to use the pharmacist's link.",
    )

    class Meta:
        ordering = ["start"]
        indexes = [models.Index(fields=["pharmacist", "start"], name="appointment_pharmacist_start")]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="appointment_end_after_start"),
            models.CheckConstraint(condition=Q(blocked_until__gte=F("end")), name="appointment_blocked_covers_end"),
            # On PostgreSQL migration 0002 adds an exclusion constraint over
            # (pharmacist, [start, blocked_until)) for appointments that are not cancelled.
        ]

    def __str__(self):
        # The pharmacy's zone, as every staff screen shows times (the admin's page titles use this).
        local = timezone.localtime(self.start)
        return f"{self.consultation_type} with {self.pharmacist} at {local:%Y-%m-%d %H:%M} {local.tzname()}"

    @property
    def is_active(self):
        return self.status == self.Status.BOOKED

    @property
    def notice(self):
        """How long before the start a patient may still change or cancel online."""
        return timedelta(minutes=self.consultation_type.min_notice_minutes)

    @property
    def change_deadline(self):
        return self.start - self.notice

    def is_in_person(self):
        return self.mode == self.Mode.IN_PERSON


class Notification(models.Model):
    """One email to send about one version of an appointment: the outbox.

    A row is written in the same transaction as the change it announces, then claimed and sent
    by a Celery task (queued after commit) or by the beat scan (which also picks up anything
    missed). Rows hold no clinical data and no addresses: the recipient is read at send time.
    """

    class Kind(models.TextChoices):
        CONFIRMATION = "confirmation", "Booking confirmation"
        RESCHEDULED = "rescheduled", "Reschedule notice"
        CANCELLED = "cancelled", "Cancellation notice"
        REMINDER = "reminder", "Reminder"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        DROPPED = "dropped", "Dropped"

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    appointment_version = models.PositiveIntegerField()
    # How long before the start a reminder goes; empty for the other kinds.
    reminder_offset = models.DurationField(null=True, blank=True)
    # The start this version moved from, on the "moved" notice only, so the email can say both.
    moved_from = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(db_index=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    # After a failed attempt: not before this time.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # An exception class name or a short reason; never a server message that could echo addresses.
    last_error = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [models.Index(fields=["status", "due_at"], name="notification_status_due")]
        constraints = [
            # Two partial indexes rather than one: NULL offsets would otherwise never collide.
            models.UniqueConstraint(
                fields=["appointment", "kind", "appointment_version", "reminder_offset"],
                condition=Q(reminder_offset__isnull=False),
                name="notification_once_per_offset",
            ),
            models.UniqueConstraint(
                fields=["appointment", "kind", "appointment_version"],
                condition=Q(reminder_offset__isnull=True),
                name="notification_once_per_version",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} for appointment {self.appointment_id} v{self.appointment_version}"


# --- After the consultation: the pharmacist's record, its amendments, follow-ups -----------------
DEFAULT_TITRATION = (
    "Start 1.5 mg once daily at bedtime; if well tolerated, raise by 1.5 mg every 2 weeks to 4.5 mg "
    "once daily. To be confirmed or changed by the prescriber."
)


class ConsultationRecord(models.Model):
    """What the pharmacist recorded about one consultation: the outcome and a structured note.

    A draft may be edited; signing locks it with the pharmacist's name and the time. A change after
    that is an amendment (``ConsultationRecordAmendment``) with a reason, keeping what was there
    before, so the signed original stays readable. Clinical: pharmacists only.
    """

    class Outcome(models.TextChoices):
        SUITABLE = "suitable", "Suitable – to go to the prescriber"
        NOT_SUITABLE_NOW = "not_suitable_now", "Not suitable now"
        NEEDS_PRESCRIBER = "needs_prescriber", "Needs the prescriber's input"
        NO_SHOW = "no_show", "No-show"

    appointment = models.OneToOneField(Appointment, on_delete=models.PROTECT, related_name="record")
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    not_suitable_reason = models.CharField("why not now", max_length=300, blank=True)
    review_after = models.DateField("review again after", null=True, blank=True)
    patient_reported = models.TextField("what the patient reported", blank=True)
    medicines_reviewed = models.TextField("medicines reviewed", blank=True)
    advice = models.TextField("what was advised", blank=True)
    plan = models.TextField(blank=True)
    recommendation = models.TextField("recommendation to the prescriber", blank=True)
    titration = models.TextField("proposed titration", blank=True, default=DEFAULT_TITRATION)
    # {flag id (str): how the pharmacist resolved what screening raised}
    flag_resolutions = models.JSONField(default=dict, blank=True)
    prescriber_name = models.CharField(max_length=200, blank=True)
    prescriber_clinic = models.CharField(max_length=200, blank=True)
    # The intake asks only to contact the patient; consent to write to their prescriber is asked
    # at the consultation and recorded here.
    prescriber_consent_at = models.DateTimeField("consent to contact the prescriber", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    signed_name = models.CharField("signed by (name)", max_length=200, blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        permissions = [("sign_consultationrecord", "Can write and sign consultation records")]

    def __str__(self):
        return f"Consultation record for appointment {self.appointment_id}"

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None


class ConsultationRecordAmendment(models.Model):
    """One change to a signed record: who, when, why, and the record's content before and after."""

    record = models.ForeignKey(ConsultationRecord, on_delete=models.PROTECT, related_name="amendments")
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    by_name = models.CharField(max_length=200)
    reason = models.TextField()
    before = models.JSONField()
    after = models.JSONField()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"Amendment {self.pk} to record {self.record_id}"


def new_follow_up_token():
    return secrets.token_urlsafe(32)


class FollowUp(models.Model):
    """A follow-up consultation the pharmacist planned from a "suitable" record.

    The patient is emailed an invitation ``invite_at`` (a claim on ``invite_claimed_at`` sends it
    once), with a link to a short check-in and to book inside ``window_days`` of ``due_on``.
    """

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        INVITED = "invited", "Invitation sent"
        CHECKED_IN = "checked_in", "Check-in done"
        BOOKED = "booked", "Booked"
        CANCELLED = "cancelled", "Cancelled"

    record = models.ForeignKey(ConsultationRecord, on_delete=models.PROTECT, related_name="follow_ups")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="follow_ups")
    weeks_after = models.PositiveSmallIntegerField()
    due_on = models.DateField()
    window_days = models.PositiveSmallIntegerField(default=7)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PLANNED)
    invite_at = models.DateTimeField(db_index=True)
    invite_claimed_at = models.DateTimeField(null=True, blank=True)
    invited_at = models.DateTimeField(null=True, blank=True)
    token = models.CharField(max_length=64, unique=True, default=new_follow_up_token, editable=False)
    # SET_NULL: the retention purge deletes an intake no consultation used, a check-in's included.
    checkin_intake = models.ForeignKey(
        "patients.Intake", on_delete=models.SET_NULL, related_name="+", null=True, blank=True
    )
    appointment = models.OneToOneField(
        Appointment, on_delete=models.PROTECT, related_name="follow_up", null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_on", "id"]

    def __str__(self):
        return f"Follow-up at {self.weeks_after} weeks ({self.due_on})"

    @property
    def window(self) -> tuple:
        return self.due_on - timedelta(days=self.window_days), self.due_on + timedelta(days=self.window_days)
