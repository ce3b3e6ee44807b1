"""Role boundaries: the front desk runs the schedule and sees nothing clinical anywhere."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from patients.models import AuditEvent
from tests.factories import AppointmentFactory
from tests.staff import (
    SENTINEL_EXPLANATION,
    SENTINEL_MEDICATION,
    assert_nothing_clinical,
    flagged_intake,
    intake_url,
)


@pytest.fixture
def appointment(pharmacist):
    return AppointmentFactory(intake=flagged_intake(), pharmacist=pharmacist)


def perms(group_name):
    group = Group.objects.get(name=group_name)
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}


def test_the_migration_creates_both_groups_with_their_permissions(db):
    front_desk, pharmacist = perms("Front desk"), perms("Pharmacist")

    assert {"consultations.change_appointment", "consultations.change_workinghours",
            "consultations.add_availabilityexception", "patients.change_patient",
            "consultations.add_appointment", "patients.add_patient"} <= front_desk
    assert not {p for p in front_desk if p.endswith(("intake", "medicationentry", "screeningflag"))}
    assert "patients.view_clinical_details" not in front_desk
    assert {"patients.view_intake", "patients.change_intake", "patients.view_clinical_details",
            "patients.review_intake", "patients.view_medicationentry", "patients.view_screeningflag",
            "consultations.change_appointment"} <= pharmacist
    assert not {p for p in front_desk | pharmacist if p.endswith("auditevent")}


@pytest.mark.parametrize(
    "page",
    [
        lambda a: reverse("admin:patients_intake_changelist"),
        lambda a: reverse("admin:patients_intake_changelist") + "?q=" + SENTINEL_MEDICATION,
        lambda a: intake_url(a.intake),
        lambda a: reverse("admin:patients_intake_history", args=[a.intake.pk]),
        lambda a: reverse("admin:patients_auditevent_changelist"),
    ],
    ids=["intake list", "intake search", "intake detail", "intake history", "audit trail"],
)
def test_front_desk_is_refused_every_intake_page(desk, appointment, page):
    response = desk.get(page(appointment))

    assert response.status_code == 403
    assert_nothing_clinical(response.content.decode())


def autocomplete(client, field_name, term):
    return client.get(
        reverse("admin:autocomplete"),
        {"app_label": "consultations", "model_name": "appointment", "field_name": field_name, "term": term},
    )


def test_front_desk_autocomplete_never_reaches_intakes(desk, appointment):
    intakes = autocomplete(desk, "intake", SENTINEL_MEDICATION)
    patients = autocomplete(desk, "patient", appointment.patient.last_name)
    by_medication = autocomplete(desk, "patient", SENTINEL_MEDICATION)

    assert intakes.status_code == 403
    assert patients.status_code == 200
    assert appointment.patient.full_name in patients.content.decode()
    assert by_medication.json()["results"] == []
    for response in (intakes, patients, by_medication):
        assert_nothing_clinical(response.content.decode())


def test_front_desk_index_offers_no_intakes(desk, appointment):
    html = desk.get(reverse("admin:index")).content.decode()

    assert reverse("admin:consultations_appointment_changelist") in html
    assert reverse("admin:patients_intake_changelist") not in html
    assert "Intakes" not in html
    assert_nothing_clinical(html)


@pytest.mark.parametrize(
    "page",
    [
        lambda a: reverse("admin:consultations_appointment_changelist"),
        lambda a: reverse("admin:consultations_appointment_changelist") + "?when=all&q=" + a.patient.last_name,
        lambda a: reverse("admin:consultations_appointment_change", args=[a.pk]),
        lambda a: reverse("admin:consultations_appointment_history", args=[a.pk]),
        lambda a: reverse("admin:patients_patient_changelist") + "?q=" + a.patient.last_name,
        lambda a: reverse("admin:patients_patient_change", args=[a.patient.pk]),
        lambda a: reverse("admin:consultations_notification_changelist") + "?status=all",
        lambda a: reverse("admin:consultations_appointment_book") + "?q=" + a.patient.last_name,
        lambda a: reverse("admin:consultations_appointment_book_choose", args=[a.patient.pk]),
        lambda a: reverse("admin:consultations_appointment_today") + f"?day={timezone.localdate(a.start)}",
        lambda a: reverse("admin:consultations_appointment_week") + f"?day={timezone.localdate(a.start)}",
    ],
    ids=["schedule", "schedule search", "appointment", "appointment history", "patient search",
         "patient", "emails", "book for a caller: find", "book for a caller: choose", "today", "week"],
)
def test_front_desk_sees_contact_details_and_nothing_clinical(desk, appointment, page):
    response = desk.get(page(appointment))

    assert response.status_code == 200
    html = response.content.decode()
    assert intake_url(appointment.intake) not in html
    assert "Open intake" not in html
    assert_nothing_clinical(html)


def test_front_desk_search_by_a_medication_finds_no_one(desk, appointment):
    for url in [reverse("admin:patients_patient_changelist"), reverse("admin:consultations_appointment_changelist")]:
        html = desk.get(url, {"q": SENTINEL_MEDICATION, "when": "all"}).content.decode()
        # The term itself is echoed in the search box; no patient is found by it.
        assert appointment.patient.last_name not in html
        assert SENTINEL_EXPLANATION not in html


def test_front_desk_sees_the_patients_phone_and_email_on_the_schedule(desk, appointment):
    html = desk.get(reverse("admin:consultations_appointment_change", args=[appointment.pk])).content.decode()

    assert "(608) 555-0123" in html  # the stored +16085550123, as people read it
    assert appointment.patient.email in html


def test_pharmacist_sees_clinical_details_and_the_intake_link(pharmacist_client, appointment):
    schedule = pharmacist_client.get(reverse("admin:consultations_appointment_changelist")).content.decode()
    detail = pharmacist_client.get(intake_url(appointment.intake)).content.decode()
    patient = pharmacist_client.get(
        reverse("admin:patients_patient_change", args=[appointment.patient.pk])
    ).content.decode()

    assert intake_url(appointment.intake) in schedule
    assert SENTINEL_MEDICATION in detail and SENTINEL_EXPLANATION in detail and "Breastfeeding" in detail
    assert intake_url(appointment.intake) in patient


def test_pharmacist_cannot_read_the_audit_trail_but_a_superuser_can(
    pharmacist_client, staff_client, superuser, appointment
):
    pharmacist_client.get(intake_url(appointment.intake))
    url = reverse("admin:patients_auditevent_changelist")

    assert pharmacist_client.get(url).status_code == 403
    html = staff_client(superuser).get(url).content.decode()
    assert "charlie" in html
    assert AuditEvent.objects.filter(username="charlie").exists()


def test_the_roles_migration_puts_back_permissions_a_group_lost(db):
    """A database whose groups drifted (or predate backoffice) holds exactly ROLES after sync."""
    from django.apps import apps

    from backoffice.roles import sync_roles

    desk = Group.objects.get(name="Front desk")
    desk.permissions.clear()
    Group.objects.filter(name="Pharmacist").delete()

    sync_roles(apps)

    assert "consultations.change_appointment" in perms("Front desk")
    assert "patients.view_clinical_details" in perms("Pharmacist")
    assert "patients.view_clinical_details" not in perms("Front desk")
