"""Staff booking for a caller: the same free times and the same guard as an online booking."""

import pytest

from consultations import services
from consultations.models import Appointment, Notification
from tests.consultations.conftest import chicago
from tests.factories import IntakeFactory, UserFactory

pytestmark = pytest.mark.usefixtures("monday_morning")


@pytest.fixture
def desk_user(db):
    return UserFactory(username="desk-bob", is_staff=True)


def book(patient, ldn, desk_user, start, **kwargs):
    return services.appointment_book_for_caller(
        patient=patient, consultation_type=ldn, mode="phone", start=start, by=desk_user, **kwargs
    )


def test_it_books_without_an_intake_and_queues_the_confirmation(patient, ldn, rx, desk_user):
    appointment = book(patient, ldn, desk_user, chicago(2026, 6, 2, 10))

    assert appointment.intake is None
    assert appointment.booked_by == desk_user
    assert appointment.pharmacist == rx
    assert appointment.booking_note == ""
    assert Notification.objects.filter(appointment=appointment, kind=Notification.Kind.CONFIRMATION).count() == 1
    assert Notification.objects.filter(appointment=appointment, kind=Notification.Kind.REMINDER).exists()


def test_it_books_with_the_patients_intake(patient, ldn, rx, desk_user):
    intake = IntakeFactory(patient=patient)

    appointment = book(patient, ldn, desk_user, chicago(2026, 6, 2, 10), intake=intake)

    assert appointment.intake == intake


def test_an_intake_of_another_patient_is_refused(patient, other_patient, ldn, rx, desk_user):
    with pytest.raises(services.NotAllowed):
        book(patient, ldn, desk_user, chicago(2026, 6, 2, 10), intake=IntakeFactory(patient=other_patient))


def test_inside_the_notice_needs_a_reason(patient, ldn, rx, desk_user):
    soon = chicago(2026, 6, 1, 9)  # an hour from 08:00, inside the 2-hour notice

    with pytest.raises(services.ReasonRequired):
        book(patient, ldn, desk_user, soon, reason="   ")
    assert not Appointment.objects.exists()

    appointment = book(patient, ldn, desk_user, soon, reason="Called in  pain,\nfirst free slot")
    assert appointment.start == soon
    assert appointment.booking_note == "Called in pain, first free slot"


def test_outside_the_notice_needs_no_reason(patient, ldn, rx, desk_user):
    assert book(patient, ldn, desk_user, chicago(2026, 6, 1, 10)).booking_note == ""


def test_a_time_nobody_works_is_refused(patient, ldn, rx, desk_user):
    with pytest.raises(services.SlotUnavailable):
        book(patient, ldn, desk_user, chicago(2026, 6, 2, 20), reason="late")


def test_a_time_in_the_past_is_refused_even_with_a_reason(patient, ldn, rx, desk_user):
    with pytest.raises(services.SlotUnavailable):
        book(patient, ldn, desk_user, chicago(2026, 6, 1, 7), reason="yesterday's caller")


def test_a_taken_time_is_refused(patient, other_patient, ldn, rx, desk_user):
    book(other_patient, ldn, desk_user, chicago(2026, 6, 2, 10))

    with pytest.raises(services.SlotUnavailable):
        book(patient, ldn, desk_user, chicago(2026, 6, 2, 10))


def test_a_double_click_books_once(patient, ldn, rx, desk_user):
    first = book(patient, ldn, desk_user, chicago(2026, 6, 2, 10))
    again = book(patient, ldn, desk_user, chicago(2026, 6, 2, 10))

    assert again.pk == first.pk
    assert Appointment.objects.count() == 1


def test_the_online_cap_per_email_does_not_apply(patient, ldn, rx, desk_user, settings):
    settings.MAX_ACTIVE_APPOINTMENTS_PER_EMAIL = 1
    book(patient, ldn, desk_user, chicago(2026, 6, 2, 10))

    assert book(patient, ldn, desk_user, chicago(2026, 6, 3, 10)).pk


def test_a_mode_the_type_does_not_offer_is_refused(patient, ldn, rx, desk_user):
    with pytest.raises(services.NotAllowed):
        services.appointment_book_for_caller(
            patient=patient, consultation_type=ldn, mode="carrier-pigeon", start=chicago(2026, 6, 2, 10), by=desk_user
        )


# --- attaching the intake filled in later -------------------------------------------------------
def test_the_intake_filled_in_later_is_attached_without_a_new_email(patient, ldn, rx, desk_user):
    appointment = book(patient, ldn, desk_user, chicago(2026, 6, 2, 10))
    intake = IntakeFactory(patient=patient)
    emails = Notification.objects.filter(appointment=appointment).count()

    attached = services.appointment_attach_intake(appointment=appointment, intake=intake)

    assert attached.intake == intake
    assert attached.version == appointment.version
    assert Notification.objects.filter(appointment=appointment).count() == emails


def test_an_appointment_that_has_an_intake_keeps_it(patient, ldn, rx, desk_user):
    first = IntakeFactory(patient=patient)
    appointment = book(patient, ldn, desk_user, chicago(2026, 6, 2, 10), intake=first)

    with pytest.raises(services.NotAllowed):
        services.appointment_attach_intake(appointment=appointment, intake=IntakeFactory(patient=patient))
    assert services.appointment_attach_intake(appointment=appointment, intake=first).intake == first


def test_another_patients_intake_is_not_attached(patient, other_patient, ldn, rx, desk_user):
    appointment = book(patient, ldn, desk_user, chicago(2026, 6, 2, 10))

    with pytest.raises(services.NotAllowed):
        services.appointment_attach_intake(appointment=appointment, intake=IntakeFactory(patient=other_patient))


def test_a_cancelled_appointment_takes_no_intake(patient, ldn, rx, desk_user):
    appointment = services.appointment_cancel(
        appointment=book(patient, ldn, desk_user, chicago(2026, 6, 2, 10)), by_staff=True
    )

    with pytest.raises(services.NotAllowed):
        services.appointment_attach_intake(appointment=appointment, intake=IntakeFactory(patient=patient))
