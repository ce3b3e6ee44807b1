"""factory-boy factories: one per model, with believable defaults."""

from datetime import date, time, timedelta

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from consultations.models import (
    Appointment,
    ConsultationType,
    Location,
    Pharmacist,
    WorkingHours,
)
from patients.models import Intake, MedicationEntry, Patient, ScreeningFlag


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@welltopia.example")
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery staple")

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Location

    name = "Welltopia Compounding Pharmacy"
    address_line1 = "2400 University Avenue"
    city = "Madison"
    state = "WI"
    postal_code = "53726"
    phone = "+1 608-555-0142"


class PharmacistFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Pharmacist

    user = factory.SubFactory(UserFactory, is_staff=True)
    display_name = factory.Sequence(lambda n: f"Pharmacist {n}, PharmD")
    location = factory.SubFactory(LocationFactory)


class WorkingHoursFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkingHours

    pharmacist = factory.SubFactory(PharmacistFactory)
    weekday = 0
    start = time(9)
    end = time(17)


class ConsultationTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConsultationType
        django_get_or_create = ("slug",)

    name = "LDN consultation"
    slug = "ldn-consultation"
    duration_minutes = 30
    buffer_minutes = 0
    allows_video = True


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient

    first_name = "Alice"
    last_name = factory.Sequence(lambda n: f"Patient{n}")
    date_of_birth = date(1980, 4, 12)
    email = factory.Sequence(lambda n: f"patient{n}@example.com")
    phone = "+16085550123"


class IntakeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Intake

    patient = factory.SubFactory(PatientFactory)
    submitted_at = factory.LazyFunction(timezone.now)
    pregnancy_status = Intake.PregnancyStatus.NOT_APPLICABLE
    opioid_use = Intake.OpioidUse.NO
    conditions = factory.LazyFunction(lambda: [Intake.Condition.CHRONIC_PAIN])
    takes_no_medications = True
    consent_privacy_at = factory.LazyFunction(timezone.now)
    consent_not_diagnosis_at = factory.LazyFunction(timezone.now)
    consent_contact_at = factory.LazyFunction(timezone.now)


class MedicationEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MedicationEntry

    intake = factory.SubFactory(IntakeFactory, takes_no_medications=False)
    position = factory.Sequence(lambda n: n)
    text = "metformin"
    dose = "500 mg"
    frequency = "twice daily"


class AppointmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Appointment

    intake = factory.SubFactory(IntakeFactory)
    patient = factory.SelfAttribute("intake.patient")
    pharmacist = factory.SubFactory(PharmacistFactory)
    consultation_type = factory.SubFactory(ConsultationTypeFactory)
    location = factory.SelfAttribute("pharmacist.location")
    mode = Appointment.Mode.PHONE
    start = factory.LazyFunction(lambda: (timezone.now() + timedelta(days=2)).replace(second=0, microsecond=0))
    end = factory.LazyAttribute(lambda a: a.start + timedelta(minutes=a.consultation_type.duration_minutes))
    blocked_until = factory.LazyAttribute(lambda a: a.end + timedelta(minutes=a.consultation_type.buffer_minutes))


class ScreeningFlagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ScreeningFlag

    medication = factory.SubFactory(MedicationEntryFactory)
    intake = factory.SelfAttribute("medication.intake")
    code = "opioid"
    severity = ScreeningFlag.Severity.CONTRAINDICATION
    matched = factory.SelfAttribute("medication.text")
    explanation = "An opioid: LDN blocks opioid receptors and can bring on withdrawal."
    rules_version = "test"
    field = "medications"


def pharmacy_open_every_day(**consultation_type):
    """The pharmacy in Madison, Charlie Chen working 09:00-17:00 every day, and the LDN consultation
    (30 minutes, 2 hours' notice, 60 days ahead; ``consultation_type`` changes or adds fields).
    Returns (location, pharmacist, consultation type)."""
    location = LocationFactory()
    pharmacist = PharmacistFactory(
        user=UserFactory(username="charlie", first_name="Charlie", last_name="Chen", is_staff=True),
        display_name="Charlie Chen, PharmD",
        location=location,
    )
    WorkingHours.objects.bulk_create(
        WorkingHours(pharmacist=pharmacist, weekday=weekday, start=time(9), end=time(17)) for weekday in range(7)
    )
    kind = ConsultationTypeFactory(
        **{
            "name": "LDN consultation", "slug": "ldn-consultation", "duration_minutes": 30,
            "min_notice_minutes": 120, "max_advance_days": 60, **consultation_type,
        }
    )
    return location, pharmacist, kind
