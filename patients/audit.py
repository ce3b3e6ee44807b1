"""The audit trail: who viewed or changed which intake or appointment, and when.

Only the fact is recorded (user, action, object type and id, time, address) — never the values.
"""

from collections.abc import Iterable

from django.db import models
from django.utils import timezone

from welltopia.client_ip import client_ip

from .models import AuditEvent

Action = AuditEvent.Action


def _event(*, user, action, obj, ip, at) -> AuditEvent:
    authenticated = user is not None and user.is_authenticated
    return AuditEvent(
        at=at,
        user=user if authenticated else None,
        username=user.get_username() if authenticated else "",
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        ip_address=ip,
    )


def audit_record(*, user, action: str, obj: models.Model, request=None) -> AuditEvent:
    event = _event(
        user=user, action=action, obj=obj, ip=client_ip(request) if request else None, at=timezone.now()
    )
    event.save()
    return event


def audit_record_many(*, user, action: str, objects: Iterable[models.Model], request=None) -> int:
    """One event per object, written together: for lists and bulk updates."""
    ip = client_ip(request) if request else None
    now = timezone.now()
    events = [_event(user=user, action=action, obj=obj, ip=ip, at=now) for obj in objects]
    AuditEvent.objects.bulk_create(events)
    return len(events)
