"""The schedule (appointments) and the outbox (emails that wait or could not be sent).

Every change to an appointment goes through ``consultations.services``, so the patient's emails
follow; this module shows, asks and records who looked or changed. Front desk and pharmacists
share these pages; only users with ``patients.view_clinical_details`` see the link to the intake.
"""

from datetime import datetime, time, timedelta

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from consultations import selectors, services
from consultations.forms import StaffRescheduleForm
from consultations.models import Appointment, Notification
from consultations.notifications import outbox
from patients.audit import audit_record, audit_record_many
from patients.models import AuditEvent

from .. import formatting as fmt
from .base import (
    ADMIN_CSS,
    AdminInputGuard,
    AuditedViewsMixin,
    DefaultChoiceFilter,
    NoAddOrDelete,
    PatientColumns,
    sees_clinical,
)
from .booking import CallerBooking
from .records import RecordViews
from .today import TodayViews
from .video import VideoLinkViews


def local_midnight(day):
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


class DayFilter(DefaultChoiceFilter):
    """Days in the pharmacy's zone; shows what is coming up unless asked otherwise."""

    title = "when"
    parameter_name = "when"
    default = "upcoming"

    def lookups(self, request, model_admin):
        return [
            ("today", "Today"),
            ("tomorrow", "Tomorrow"),
            ("week", "This week"),
            ("upcoming", "Upcoming"),
            ("past", "Past"),
            ("all", "All"),
        ]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        now = timezone.now()
        value = self.value()
        if value == "today":
            return queryset.filter(start__gte=local_midnight(today), start__lt=local_midnight(today + timedelta(1)))
        if value == "tomorrow":
            day = today + timedelta(1)
            return queryset.filter(start__gte=local_midnight(day), start__lt=local_midnight(day + timedelta(1)))
        if value == "week":
            monday = today - timedelta(days=today.weekday())
            return queryset.filter(
                start__gte=local_midnight(monday), start__lt=local_midnight(monday + timedelta(7))
            )
        if value == "upcoming":
            return queryset.filter(selectors.not_over(now))
        if value == "past":
            return queryset.exclude(selectors.not_over(now))
        return queryset


@admin.register(Appointment)
class AppointmentAdmin(
    NoAddOrDelete, RecordViews, TodayViews, VideoLinkViews, AuditedViewsMixin, AdminInputGuard, PatientColumns,
    admin.ModelAdmin,
):
    """Patients book online and staff book for callers (admin/booking.py); staff reschedule or cancel."""

    list_display = [
        "when", "patient_name", "patient_phone", "pharmacist", "consultation_type", "mode", "status",
    ]
    list_display_links = ["when", "patient_name"]
    list_filter = [DayFilter, "pharmacist", "status", "mode"]
    list_select_related = ["patient", "pharmacist", "consultation_type", "location"]
    search_fields = ["patient__first_name", "patient__last_name", "patient__email", "patient__phone"]
    search_help_text = "Search by the patient's name, email or phone."
    ordering = ["start"]
    actions = ["mark_completed", "mark_no_show"]
    fields = [
        "when", "ends", "patient_name", "patient_phone", "patient_email", "patient_contact", "patient_language",
        "pharmacist", "consultation_type", "mode", "location", "status", "cancelled_local", "version",
        "booked_by_staff", "booking_note",
    ]
    readonly_fields = fields

    class Media:
        css = ADMIN_CSS

    def get_list_display(self, request):
        columns = list(super().get_list_display(request))
        if sees_clinical(request):
            columns.append("intake_link")
        return columns

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        if sees_clinical(request):
            fields.append("intake_link")
        return fields

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {"title": "Schedule", **(extra_context or {})})

    # --- Columns ---------------------------------------------------------------------------------
    @admin.display(description="when (Chicago)", ordering="start")
    def when(self, appointment):
        return fmt.when(appointment.start)

    @admin.display(description="ends")
    def ends(self, appointment):
        return fmt.clock(appointment.end)

    @admin.display(description="cancelled at")
    def cancelled_local(self, appointment):
        return fmt.when(appointment.cancelled_at)

    @admin.display(description="booked by")
    def booked_by_staff(self, appointment):
        user = appointment.booked_by
        if user is None:
            return "The patient, online"
        return f"{fmt.person_name(user)} (staff), {fmt.when(appointment.created_at)}"

    @admin.display(description="intake")
    def intake_link(self, appointment):
        if appointment.intake_id is None:
            return format_html('<span class="wt-badge wt-badge--caution">{}</span>', "Intake not done")
        url = reverse("admin:patients_intake_change", args=[appointment.intake_id])
        return format_html('<a href="{}">Open intake</a>', url)

    # --- Staff changes, through the booking services --------------------------------------------
    def _mark(self, request, queryset, status):
        marked, refused = [], 0
        for appointment in queryset:
            try:
                marked.append(services.appointment_mark(appointment=appointment, status=status))
            except services.BookingError:
                refused += 1
        audit_record_many(user=request.user, action=AuditEvent.Action.CHANGE, objects=marked, request=request)
        label = Appointment.Status(status).label.lower()
        if marked:
            self.message_user(request, f"{len(marked)} appointment(s) marked {label}.", messages.SUCCESS)
        if refused:
            self.message_user(
                request,
                f"{refused} appointment(s) not marked: only booked consultations that have started can be.",
                messages.WARNING,
            )

    @admin.action(description="Mark selected as completed", permissions=["change"])
    def mark_completed(self, request, queryset):
        self._mark(request, queryset, Appointment.Status.COMPLETED)

    @admin.action(description="Mark selected as no-show", permissions=["change"])
    def mark_no_show(self, request, queryset):
        self._mark(request, queryset, Appointment.Status.NO_SHOW)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:pk>/reschedule/", wrap(self.reschedule_view), name="consultations_appointment_reschedule"),
            path("<int:pk>/cancel/", wrap(self.cancel_view), name="consultations_appointment_cancel"),
        ] + CallerBooking(self).urls() + super().get_urls()

    def _changeable(self, request, pk):
        appointment = get_object_or_404(self.get_queryset(request), pk=pk)
        if not self.has_change_permission(request, appointment):
            raise PermissionDenied
        return appointment

    def _context(self, request, appointment, title):
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": appointment,
            "title": title,
            "when": fmt.when(appointment.start),
            "has_view_permission": True,
        }

    def reschedule_view(self, request, pk):
        appointment = self._changeable(request, pk)
        now = timezone.now()
        today = timezone.localdate()
        form = StaffRescheduleForm(
            request.POST or None,
            free_days=selectors.staff_reschedule_days(appointment=appointment, now=now, today=today),
            first_day=today,
            last_day=today + timedelta(days=selectors.STAFF_RESCHEDULE_DAYS),
        )
        if request.method == "POST" and form.is_valid():
            try:
                moved = services.appointment_reschedule(
                    appointment=appointment, start=form.cleaned_data["start"], now=now, by_staff=True
                )
            except services.SlotUnavailable:
                form.add_error("start", "That time is no longer free. Choose another time.")
            except services.BookingError as error:
                form.add_error(None, error.message)
            else:
                audit_record(user=request.user, action=AuditEvent.Action.CHANGE, obj=moved, request=request)
                self.message_user(
                    request, f"Moved to {fmt.when(moved.start)}. The patient is emailed the new time.", messages.SUCCESS
                )
                return redirect("admin:consultations_appointment_change", moved.pk)
        context = {**self._context(request, appointment, "Reschedule appointment"), "form": form}
        return TemplateResponse(request, "admin/consultations/appointment_reschedule.html", context)

    def cancel_view(self, request, pk):
        appointment = self._changeable(request, pk)
        error = None
        if request.method == "POST":
            try:
                cancelled = services.appointment_cancel(appointment=appointment, by_staff=True)
            except services.BookingError as refused:
                error = refused.message
            else:
                audit_record(user=request.user, action=AuditEvent.Action.CHANGE, obj=cancelled, request=request)
                self.message_user(request, "Cancelled. The patient is emailed.", messages.SUCCESS)
                return redirect("admin:consultations_appointment_change", cancelled.pk)
        context = {**self._context(request, appointment, "Cancel appointment"), "error": error}
        return TemplateResponse(request, "admin/consultations/appointment_cancel.html", context)


# --- Emails that wait or could not be sent ----------------------------------------------------------
class NotificationStatusFilter(DefaultChoiceFilter):
    """Opens on the failed sends: the ones staff have to act on. "Retrying" are those an outage
    holds back; they go by themselves once the mail server answers again."""

    title = "status"
    parameter_name = "status"
    default = Notification.Status.FAILED

    def lookups(self, request, model_admin):
        return [("retrying", "Retrying"), *Notification.Status.choices, ("all", "All")]

    def queryset(self, request, queryset):
        if self.value() == "retrying":
            return queryset.filter(status=Notification.Status.PENDING, attempts__gt=0)
        if self.value() in Notification.Status.values:
            return queryset.filter(status=self.value())
        return queryset


@admin.register(Notification)
class NotificationAdmin(NoAddOrDelete, AdminInputGuard, admin.ModelAdmin):
    list_display = [
        "kind", "appointment_when", "patient_name", "status", "attempts", "reason", "due", "next_try", "sent",
    ]
    list_filter = [NotificationStatusFilter, "kind"]
    list_select_related = ["appointment__patient"]
    search_fields = ["appointment__patient__last_name", "appointment__patient__email"]
    ordering = ["-due_at"]
    actions = ["retry"]
    fields = [
        "kind", "appointment_link", "patient_name", "status", "attempts", "reason", "due", "next_try", "sent",
        "appointment_version",
    ]
    readonly_fields = fields


    @admin.display(description="appointment (Chicago)", ordering="appointment__start")
    def appointment_when(self, notification):
        return fmt.when(notification.appointment.start)

    @admin.display(description="appointment")
    def appointment_link(self, notification):
        url = reverse("admin:consultations_appointment_change", args=[notification.appointment_id])
        return format_html('<a href="{}">{}</a>', url, fmt.when(notification.appointment.start))

    @admin.display(description="patient")
    def patient_name(self, notification):
        return notification.appointment.patient.full_name

    @admin.display(description="due", ordering="due_at")
    def due(self, notification):
        return fmt.when(notification.due_at)

    @admin.display(description="next try", ordering="next_attempt_at")
    def next_try(self, notification):
        if notification.status != Notification.Status.PENDING or not notification.attempts:
            return "—"
        return fmt.when(notification.next_attempt_at)

    @admin.display(description="why / last error", ordering="last_error")
    def reason(self, notification):
        if notification.status == Notification.Status.DROPPED:
            return outbox.DROP_REASONS.get(notification.last_error, notification.last_error)
        return notification.last_error

    @admin.display(description="sent", ordering="sent_at")
    def sent(self, notification):
        return fmt.when(notification.sent_at)

    @admin.action(description="Send the selected failed emails again", permissions=["change"])
    def retry(self, request, queryset):
        selected = list(queryset)
        queued = sum(outbox.notification_retry(notification=n) for n in selected)
        skipped = len(selected) - queued
        if queued:
            self.message_user(request, f"{queued} email(s) queued to be sent again.", messages.SUCCESS)
        if skipped:
            self.message_user(request, f"{skipped} email(s) skipped: only failed emails can be retried.", messages.WARNING)
