"""Demo data for a laptop: the pharmacy, two pharmacists with weekly hours, the consultation types.

Safe to run again: rows are looked up by natural keys, and a login's password is printed only
when that login is created (it is never stored anywhere in clear).
"""

import secrets
from datetime import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from consultations.models import ConsultationType, Location, Pharmacist, WorkingHours

LOCATION = {
    "name": "Welltopia Compounding Pharmacy",
    "address_line1": "2400 University Avenue",
    "address_line2": "Suite 110",
    "city": "Madison",
    "state": "WI",
    "postal_code": "53726",
    "phone": "+1 608-555-0142",
}

CONSULTATION_TYPES = [
    {
        "slug": "ldn-consultation",
        "name": "LDN consultation",
        "description": "A first conversation with a pharmacist about low dose naltrexone.",
        "duration_minutes": 30,
        "buffer_minutes": 10,
        "allows_in_person": True,
        "allows_phone": True,
        "allows_video": True,
    },
    {
        "slug": "follow-up",
        "name": "Follow-up",
        "description": "A shorter check-in for patients who already take LDN.",
        "duration_minutes": 15,
        "buffer_minutes": 5,
        "allows_in_person": True,
        "allows_phone": True,
        "allows_video": False,
    },
]

# (username, first name, last name, display name, weekly hours as (weekday, start, end))
PHARMACISTS = [
    (
        "pharmacist",
        "Dana",
        "Okafor",
        "Dana Okafor, PharmD",
        [(d, time(9), time(12)) for d in range(5)] + [(d, time(13), time(17)) for d in range(5)],
    ),
    (
        "pharmacist2",
        "Marcus",
        "Lindqvist",
        "Marcus Lindqvist, RPh",
        [(d, time(10), time(14)) for d in (1, 3)] + [(d, time(15), time(19)) for d in (1, 3)] + [(5, time(9), time(13))],
    ),
]


class Command(BaseCommand):
    help = "Load the demo pharmacy, pharmacists, hours and consultation types (idempotent)."

    @transaction.atomic
    def handle(self, *args, **options):
        location, _ = Location.objects.update_or_create(name=LOCATION["name"], defaults=LOCATION)
        for spec in CONSULTATION_TYPES:
            ConsultationType.objects.update_or_create(slug=spec["slug"], defaults=spec)
        for username, first, last, display_name, hours in PHARMACISTS:
            user = self._staff_user(username, first, last)
            pharmacist, _ = Pharmacist.objects.get_or_create(
                user=user, defaults={"display_name": display_name, "location": location}
            )
            if not pharmacist.working_hours.exists():
                WorkingHours.objects.bulk_create(
                    WorkingHours(pharmacist=pharmacist, weekday=d, start=s, end=e) for d, s, e in hours
                )
        self.stdout.write(self.style.SUCCESS("Demo data is in place."))

    def _staff_user(self, username, first_name, last_name):
        User = get_user_model()
        user = User.objects.filter(username=username).first()
        if user is not None:
            return user
        password = secrets.token_urlsafe(12)
        user = User.objects.create_user(
            username=username,
            password=password,
            first_name=first_name,
            last_name=last_name,
            email=f"{username}@welltopia.example",
            is_staff=True,
        )
        self.stdout.write(f"Created staff login {username!r} with password {password!r} (shown once).")
        return user
