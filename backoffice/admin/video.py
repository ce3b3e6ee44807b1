"""The video link of one consultation, on the schedule: which link applies (the consultation's
own, else its pharmacist's: ``selectors.meeting_link_for``) and a small form to set its own.

A link is checked by the model's validator (https, a host in ``VIDEO_LINK_HOSTS``), and the form
shows the reason next to the field. Changing it goes through ``services``; the audit trail
records who changed the appointment, never the link.
"""

from django import forms
from django.contrib import admin, messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from consultations import selectors, services
from consultations.models import Appointment
from patients.audit import audit_record
from patients.models import AuditEvent


class MeetingLinkForm(forms.ModelForm):
    # A link typed without a scheme is taken as https; the model's validator still decides.
    meeting_link = forms.URLField(
        assume_scheme="https",
        required=False,
        max_length=500,
        label="Video link for this consultation",
        help_text="Leave empty to use the pharmacist's own link. The patient's manage page and the "
        "reminders still to come carry the link that applies; emails already sent keep the one they had.",
        widget=forms.URLInput(attrs={"size": 60, "placeholder": "https://"}),
    )

    class Meta:
        model = Appointment
        fields = ["meeting_link"]


class VideoLinkViews:
    """For the appointment admin: a "video link" line on the change page and its form."""

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        if obj is not None and obj.mode == Appointment.Mode.VIDEO and "video_link" not in fields:
            fields.insert(fields.index("mode") + 1 if "mode" in fields else len(fields), "video_link")
        return fields

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return fields if "video_link" in fields else [*fields, "video_link"]

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:pk>/video-link/", wrap(self.video_link_view), name="consultations_appointment_video_link"),
        ] + super().get_urls()

    @admin.display(description="video link")
    def video_link(self, appointment):
        link = selectors.meeting_link_for(appointment)
        if not link:
            return format_html(
                '<span class="wt-badge wt-badge--caution">{}</span> {}',
                "No video link",
                "The patient is told the pharmacist will contact them with how to join. "
                "Set one for the pharmacist, or for this consultation.",
            )
        whose = "this consultation's own" if appointment.meeting_link else f"{appointment.pharmacist}'s link"
        return format_html('<a href="{}" target="_blank" rel="noopener noreferrer">{}</a> ({})', link, link, whose)

    def video_link_view(self, request, pk):
        appointment = self._changeable(request, pk)
        form = MeetingLinkForm(request.POST or None, instance=Appointment(meeting_link=appointment.meeting_link))
        error = None
        if appointment.mode != Appointment.Mode.VIDEO:
            error = "Only a video consultation has a video link."
        elif request.method == "POST" and form.is_valid():
            try:
                changed = services.appointment_set_meeting_link(
                    appointment=appointment, link=form.cleaned_data["meeting_link"]
                )
            except services.BookingError as refused:
                error = refused.message
            else:
                audit_record(user=request.user, action=AuditEvent.Action.CHANGE, obj=changed, request=request)
                done = "Video link saved." if changed.meeting_link else "This consultation now uses the pharmacist's link."
                self.message_user(request, done, messages.SUCCESS)
                return redirect("admin:consultations_appointment_change", changed.pk)
        context = {
            **self._context(request, appointment, "Video link"),
            "form": form,
            "error": error,
            "pharmacist_link": appointment.pharmacist.meeting_link,
            "pharmacist_url": reverse("admin:consultations_pharmacist_change", args=[appointment.pharmacist_id]),
        }
        return TemplateResponse(request, "admin/consultations/appointment_video_link.html", context)
