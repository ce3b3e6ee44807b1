"""The warning on every admin page while appointment emails are not going out."""

from django import template
from django.urls import reverse
from django.utils import timezone

from consultations.notifications.outbox import outbox_trouble

register = template.Library()


@register.inclusion_tag("admin/consultations/outbox_warning.html", takes_context=True)
def outbox_warning(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_active or not user.is_staff or not user.has_perm("consultations.view_notification"):
        return {"trouble": None}
    trouble = outbox_trouble()
    if trouble is None:
        return {"trouble": None}
    waiting_for = None
    if trouble.oldest_due_at is not None:
        waiting_for = max(int((timezone.now() - trouble.oldest_due_at).total_seconds() // 60), 0)
    outbox = reverse("admin:consultations_notification_changelist")
    return {
        "trouble": trouble,
        "waiting_minutes": waiting_for,
        "retrying_url": f"{outbox}?status=retrying",
        "failed_url": f"{outbox}?status=failed",
    }
