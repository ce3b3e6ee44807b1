"""The audit trail: every look at and change to an intake or appointment, never the values."""

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.urls import reverse
from django.utils import timezone

from patients.audit import audit_record
from patients.models import AuditEvent, AuditTrailIsAppendOnly, Intake
from tests.factories import AppointmentFactory
from tests.staff import SENTINEL_EXPLANATION, SENTINEL_MEDICATION, flagged_intake, intake_url, review_post

Action = AuditEvent.Action


def events(obj, action=None):
    found = AuditEvent.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))
    return found.filter(action=action) if action else found


def test_opening_an_intake_records_who_viewed_it_and_when(pharmacist_client, pharmacist_user):
    intake = flagged_intake()
    before = timezone.now()

    pharmacist_client.get(intake_url(intake), REMOTE_ADDR="10.1.2.3")

    event = events(intake, Action.VIEW).get()
    assert event.user == pharmacist_user
    assert event.username == "charlie"
    assert event.object_type == "patients.intake"
    assert event.ip_address == "10.1.2.3"
    assert before <= event.at <= timezone.now()


def test_the_trail_keeps_no_values(pharmacist_client):
    intake = flagged_intake(review_notes="Sentinel note about the patient")
    pharmacist_client.get(intake_url(intake))
    pharmacist_client.post(
        intake_url(intake),
        review_post(intake, review_status=Intake.ReviewStatus.CLEARED, override_reason="Sentinel reason, stopped opioids."),
    )

    stored = " ".join(str(value) for row in AuditEvent.objects.values_list() for value in row)
    for secret in (SENTINEL_MEDICATION, SENTINEL_EXPLANATION, "Sentinel note", "Sentinel reason", "Breastfeeding"):
        assert secret not in stored


def test_the_intake_list_records_a_view_of_each_intake_shown(pharmacist_client):
    shown = [flagged_intake() for _ in range(3)]

    pharmacist_client.get(reverse("admin:patients_intake_changelist"))

    for intake in shown:
        assert events(intake, Action.VIEW).count() == 1


def test_history_of_an_intake_is_a_recorded_view(pharmacist_client):
    intake = flagged_intake()

    pharmacist_client.get(reverse("admin:patients_intake_history", args=[intake.pk]))

    assert events(intake, Action.VIEW).count() == 1


def test_a_decision_and_an_override_are_recorded(pharmacist_client, pharmacist_user):
    intake = flagged_intake()

    pharmacist_client.post(
        intake_url(intake),
        review_post(intake, review_status=Intake.ReviewStatus.CLEARED, override_reason="Stopped all opioids in May."),
    )

    assert events(intake, Action.REVIEW).get().user == pharmacist_user
    assert events(intake, Action.OVERRIDE).get().user == pharmacist_user


def test_a_refused_decision_records_only_the_view(pharmacist_client):
    intake = flagged_intake()

    pharmacist_client.post(intake_url(intake), review_post(intake, review_status=Intake.ReviewStatus.CLEARED))

    assert not events(intake, Action.REVIEW).exists()
    assert events(intake, Action.VIEW).count() == 1


def test_a_bulk_action_on_intakes_records_one_event_per_intake(pharmacist_client):
    intakes = [flagged_intake() for _ in range(3)]

    pharmacist_client.post(
        reverse("admin:patients_intake_changelist"),
        {"action": "mark_in_review", "_selected_action": [i.pk for i in intakes]},
    )

    for intake in intakes:
        assert events(intake, Action.REVIEW).count() == 1


def test_opening_an_appointment_is_recorded(staff_client, front_desk, pharmacist):
    appointment = AppointmentFactory(pharmacist=pharmacist)

    staff_client(front_desk).get(reverse("admin:consultations_appointment_change", args=[appointment.pk]))

    assert events(appointment, Action.VIEW).get().username == "dora"


def test_a_bulk_mark_of_appointments_records_one_event_per_appointment(staff_client, front_desk, pharmacist):
    started = timezone.now() - timedelta(minutes=5)
    appointments = [
        AppointmentFactory(pharmacist=pharmacist, start=started - timedelta(hours=h)) for h in range(3)
    ]

    staff_client(front_desk).post(
        reverse("admin:consultations_appointment_changelist") + "?when=all",
        {"action": "mark_completed", "_selected_action": [a.pk for a in appointments]},
    )

    for appointment in appointments:
        assert events(appointment, Action.CHANGE).count() == 1


def test_events_cannot_be_changed_or_deleted(pharmacist_user):
    event = audit_record(user=pharmacist_user, action=Action.VIEW, obj=flagged_intake())

    event.action = Action.DELETE
    with pytest.raises(AuditTrailIsAppendOnly):
        event.save()
    with pytest.raises(AuditTrailIsAppendOnly):
        event.delete()
    with pytest.raises(AuditTrailIsAppendOnly):
        AuditEvent.objects.filter(pk=event.pk).update(action=Action.DELETE)
    with pytest.raises(AuditTrailIsAppendOnly):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=event.pk).action == Action.VIEW


def test_the_database_refuses_to_rewrite_the_trail(on_postgres, pharmacist_user):
    event = audit_record(user=pharmacist_user, action=Action.VIEW, obj=flagged_intake())

    for sql in ("UPDATE patients_auditevent SET action = 'delete' WHERE id = %s",
                "DELETE FROM patients_auditevent WHERE id = %s"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk, action=Action.VIEW).exists()


def test_not_even_a_superuser_can_change_or_delete_an_event(staff_client, superuser, pharmacist_user):
    event = audit_record(user=pharmacist_user, action=Action.VIEW, obj=flagged_intake())
    client = staff_client(superuser)

    page = client.get(reverse("admin:patients_auditevent_change", args=[event.pk]))
    delete = client.post(reverse("admin:patients_auditevent_delete", args=[event.pk]), {"post": "yes"})
    add = client.get(reverse("admin:patients_auditevent_add"))

    assert page.status_code == 200
    assert 'name="action"' not in page.content.decode()  # read-only
    assert delete.status_code == 403
    assert add.status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_the_address_comes_from_x_forwarded_for_only_behind_a_trusted_proxy(
    settings, pharmacist_client
):
    intake = flagged_intake()
    forwarded = {"HTTP_X_FORWARDED_FOR": "203.0.113.7, 198.51.100.9", "REMOTE_ADDR": "10.0.0.2"}

    settings.TRUSTED_PROXY_COUNT = 0
    pharmacist_client.get(intake_url(intake), **forwarded)
    settings.TRUSTED_PROXY_COUNT = 1
    pharmacist_client.get(intake_url(intake), **forwarded)

    assert list(events(intake, Action.VIEW).order_by("id").values_list("ip_address", flat=True)) == [
        "10.0.0.2",
        "198.51.100.9",
    ]
