"""A prepared query returns what its QuerySet returns, for each run's own values, compiled once."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.db.models import BigIntegerField, CharField, DateTimeField, UUIDField
from django.db.models.sql.compiler import SQLCompiler
from django.db.transaction import TransactionManagementError
from django.utils import timezone

from consultations.selectors import intake_booking_state
from patients.models import Intake, Patient
from patients.selectors import any_case
from tests.factories import AppointmentFactory, IntakeFactory, MedicationEntryFactory
from welltopia.prepared import Param, Prepared

pytestmark = pytest.mark.django_db

REFERENCE = Param("reference", UUIDField())
NOW = Param("now", DateTimeField())


def intake_with_booking_state():
    return Prepared(
        lambda: Intake.objects.select_related("patient")
        .annotate(**intake_booking_state(now=NOW))
        .filter(reference=REFERENCE)[:1]
    )


def fields(instance):
    return {name: value for name, value in vars(instance).items() if name != "_state"}


def test_it_returns_the_instances_the_queryset_returns_with_related_objects_and_annotations():
    booked = AppointmentFactory()
    now = timezone.now()
    expected = (
        Intake.objects.select_related("patient")
        .annotate(**intake_booking_state(now=now))
        .get(reference=booked.intake.reference)
    )

    intake = intake_with_booking_state().first(reference=booked.intake.reference, now=now)

    assert fields(intake) == fields(expected)
    assert intake.upcoming_appointment_id == booked.pk
    assert fields(intake.patient) == fields(expected.patient)


def test_each_run_uses_its_own_values(django_assert_num_queries):
    booked = AppointmentFactory()
    other = IntakeFactory()
    prepared = intake_with_booking_state()

    with django_assert_num_queries(3):
        assert prepared.first(reference=other.reference, now=timezone.now()) == other
        assert prepared.first(reference=booked.intake.reference, now=timezone.now()).upcoming_appointment_id == booked.pk
        after_the_end = booked.end + timedelta(minutes=1)
        assert prepared.first(reference=booked.intake.reference, now=after_the_end).upcoming_appointment_id is None


def test_it_compiles_on_the_first_run_only():
    intakes = [IntakeFactory(), IntakeFactory()]
    prepared = intake_with_booking_state()
    assert prepared.first(reference=intakes[0].reference, now=timezone.now()) == intakes[0]

    with mock.patch.object(SQLCompiler, "as_sql", autospec=True, side_effect=SQLCompiler.as_sql) as compile_sql:
        for intake in intakes * 2:
            assert prepared.first(reference=intake.reference, now=timezone.now()) == intake

    assert compile_sql.call_count == 0


def test_values_lists_and_prefetches_come_back_as_from_the_queryset(django_assert_num_queries):
    medication = MedicationEntryFactory(text="sertraline")
    intake = medication.intake
    texts = Prepared(lambda: Intake.objects.filter(reference=REFERENCE).values_list("medications__text", flat=True))
    with_medications = Prepared(lambda: Intake.objects.filter(reference=REFERENCE).prefetch_related("medications"))

    assert texts.run(reference=intake.reference) == ["sertraline"]
    with django_assert_num_queries(2):
        [loaded] = with_medications.run(reference=intake.reference)
        assert [entry.text for entry in loaded.medications.all()] == ["sertraline"]


def test_nothing_found_is_an_empty_list_or_none():
    prepared = intake_with_booking_state()
    unknown = IntakeFactory.build().reference

    assert prepared.run(reference=unknown, now=timezone.now()) == []
    assert prepared.first(reference=unknown, now=timezone.now()) is None


def test_a_missing_unknown_or_none_value_is_refused():
    prepared = intake_with_booking_state()
    intake = IntakeFactory()

    with pytest.raises(TypeError):
        prepared.run(reference=intake.reference)
    with pytest.raises(TypeError):
        prepared.run(reference=intake.reference, now=timezone.now(), day=None)
    with pytest.raises(ValueError, match="never matches None"):
        prepared.run(reference=intake.reference, now=None)


def test_a_lookup_that_rewrites_its_value_is_refused_when_compiled():
    """SQLite's iexact is a LIKE, for which the value is rewritten (escaped): the slot would be lost.
    PostgreSQL's compares UPPER() with the value as given, which a run may fill."""
    patient = IntakeFactory(patient__email="alice@example.com").patient
    by_email = Prepared(lambda: Patient.objects.filter(email__iexact=Param("email", CharField())))

    if connection.vendor == "sqlite":
        with pytest.raises(ImproperlyConfigured, match="rewrote the value of Param email"):
            by_email.run(email="alice@example.com")
    else:
        assert by_email.run(email="ALICE@example.com") == [patient]


def test_any_case_takes_a_param_where_iexact_cannot():
    patient = IntakeFactory(patient__email="Alice.Smith@Example.com").patient
    by_email = Prepared(lambda: Patient.objects.filter(any_case("email", Param("email", CharField()))))

    assert by_email.run(email="alice.smith@EXAMPLE.com") == [patient]
    assert by_email.run(email="alice.smit@example.com") == []


@pytest.mark.django_db(transaction=True)
def test_a_lock_outside_a_transaction_is_refused_as_the_queryset_refuses_it():
    patient = IntakeFactory().patient
    locked = Prepared(lambda: Patient.objects.select_for_update().filter(pk=Param("pk", BigIntegerField())))
    with transaction.atomic():
        assert locked.run(pk=patient.pk) == [patient]

    if connection.features.has_select_for_update:
        with pytest.raises(TransactionManagementError):
            locked.run(pk=patient.pk)


def test_a_filter_that_matches_nothing_sends_no_query(django_assert_num_queries):
    nothing = Prepared(lambda: Patient.objects.filter(pk__in=[], email=Param("email", CharField())))

    with django_assert_num_queries(0):
        assert nothing.run(email="alice@example.com") == []
