"""Today and the week: the pages staff open first, and their quick actions.

Mixed into the schedule's ``AppointmentAdmin`` so the pages live at ``…/appointment/today/`` and
``…/appointment/week/`` behind the admin's own sign-in (password and code), permission checks and
look. What a page shows is decided in ``backoffice.today``; the actions go through
``consultations.services`` and each change is recorded in the audit trail.
"""

from datetime import date, timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from consultations import services
from consultations.models import Appointment
from patients.audit import audit_record, audit_record_many
from patients.models import AuditEvent

from .. import formatting as fmt
from .. import today
from .base import sees_clinical

QUICK_ACTIONS = {
    "arrived": "arrived",
    "attended": "attended",
    "no_show": "a no-show",
}


class TodayViews:
    """The Today page, the week page and the quick actions, for an admin of appointments."""

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("today/", wrap(self.today_view), name="consultations_appointment_today"),
            path("week/", wrap(self.week_view), name="consultations_appointment_week"),
            path(
                "<int:pk>/quick/<str:action>/",
                wrap(self.quick_action_view),
                name="consultations_appointment_quick_action",
            ),
        ] + super().get_urls()

    # --- Pages ----------------------------------------------------------------------------------
    def today_view(self, request):
        return self._page(request, week=False)

    def week_view(self, request):
        return self._page(request, week=True)

    def _page(self, request, *, week: bool):
        if not self.has_view_permission(request):
            raise PermissionDenied
        now = timezone.now()
        this_day = timezone.localdate(now)
        day = today.day_from(request.GET.get("day"), today=this_day)
        choice = today.pharmacist_choice(value=request.GET.get("pharmacist"), user=request.user)
        clinical = sees_clinical(request)
        if week:
            days = today.week_view(day=day, pharmacist=choice.pharmacist, clinical=clinical, now=now)
        else:
            days = [today.day_view(day=day, pharmacist=choice.pharmacist, clinical=clinical, now=now)]
        if clinical:
            # The page showed what screening noticed on these intakes, as the review queue does.
            audit_record_many(
                user=request.user, action=AuditEvent.Action.VIEW, objects=today.intakes_shown(days), request=request
            )
        step = 7 if week else 1
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _title(days, week=week, this_day=this_day),
            "week": week,
            "days": days,
            "day": days[0] if not week else None,
            "asked_day": day,
            "clinical": clinical,
            "may_change": self.has_change_permission(request),
            "choice": choice,
            "previous_query": _query(day - timedelta(days=step), choice),
            "next_query": _query(day + timedelta(days=step), choice),
            "this_query": _query(this_day, choice),
            "query": _query(day, choice),
            "total": sum(len(d.rows) for d in days),
            "needing_attention": sum(d.needing_attention for d in days),
            "no_video_link": today.NO_VIDEO_LINK,
            "needs_attention_label": today.NEEDS_ATTENTION,
        }
        template = "admin/backoffice/week.html" if week else "admin/backoffice/today.html"
        return TemplateResponse(request, template, context)

    # --- Quick actions --------------------------------------------------------------------------
    def quick_action_view(self, request, pk, action):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if action not in QUICK_ACTIONS:
            raise Http404
        appointment = get_object_or_404(Appointment.objects.select_related("patient"), pk=pk)
        if not self.has_change_permission(request, appointment):
            raise PermissionDenied
        who = f"{appointment.patient.full_name} ({fmt.clock(appointment.start)})"
        try:
            changed = _act(appointment, action)
        except services.BookingError as refused:
            self.message_user(request, f"Nothing was changed for {who}. {refused.message}", messages.WARNING)
        else:
            audit_record(user=request.user, action=AuditEvent.Action.CHANGE, obj=changed, request=request)
            self.message_user(request, f"{who} marked as {QUICK_ACTIONS[action]}.", messages.SUCCESS)
        return redirect(_back(request))


def _act(appointment: Appointment, action: str) -> Appointment:
    if action == "arrived":
        return services.appointment_mark_arrived(appointment=appointment)
    status = Appointment.Status.COMPLETED if action == "attended" else Appointment.Status.NO_SHOW
    return services.appointment_mark(appointment=appointment, status=status)


def _query(day: date, choice: today.PharmacistChoice) -> str:
    return urlencode({"day": day.isoformat(), "pharmacist": choice.value})


def _back(request) -> str:
    """The page the action was taken on, rebuilt from its day and pharmacist (never a URL the
    form sent, so the redirect can only go to Today or the week)."""
    name = "admin:consultations_appointment_week" if request.POST.get("back") == "week" else "admin:consultations_appointment_today"
    day = today.day_from(request.POST.get("day"), today=timezone.localdate())
    choice = today.pharmacist_choice(value=request.POST.get("pharmacist"), user=request.user)
    return f"{reverse(name)}?{_query(day, choice)}"


def _title(days: list[today.Day], *, week: bool, this_day: date) -> str:
    if week:
        return f"Week of {days[0].heading}"
    if days[0].day == this_day:
        return f"Today, {days[0].heading}"
    return days[0].heading
