"""Demo data for a laptop: the pharmacy, two pharmacists with weekly hours, the consultation types,
and staff logins for each role (pharmacists, front desk, a superuser for ops).

Safe to run again: rows are looked up by natural keys, and a login's password and TOTP secret
are printed only when that login is created (the password is never stored anywhere in clear).
Every staff login gets a confirmed TOTP device, because the admin requires two factors.
`--reset` (DEBUG only) gives every demo login a new password and a new TOTP secret and prints
them, for whoever lost the first output.
"""

import secrets
from base64 import b32encode
from datetime import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from consultations.models import ConsultationType, Location, Pharmacist, WorkingHours

# (username, first name, last name, group or None for a superuser)
OTHER_STAFF = [
    ("frontdesk", "Fran", "Moreau", "Front desk"),
    ("ops", "Olu", "Adeyemi", None),
]

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

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Give every demo login a new password and TOTP secret and print them (DEBUG only).",
        )

    @transaction.atomic
    def handle(self, *args, reset=False, **options):
        if reset and not settings.DEBUG:
            raise CommandError("seed_demo --reset only runs with DEBUG on: real staff reset their own password.")
        location, _ = Location.objects.update_or_create(name=LOCATION["name"], defaults=LOCATION)
        for spec in CONSULTATION_TYPES:
            ConsultationType.objects.update_or_create(slug=spec["slug"], defaults=spec)
        for username, first, last, display_name, hours in PHARMACISTS:
            user = self._staff_user(username, first, last, group="Pharmacist", reset=reset)
            pharmacist, _ = Pharmacist.objects.get_or_create(
                user=user, defaults={"display_name": display_name, "location": location}
            )
            if not pharmacist.working_hours.exists():
                WorkingHours.objects.bulk_create(
                    WorkingHours(pharmacist=pharmacist, weekday=d, start=s, end=e) for d, s, e in hours
                )
        for username, first, last, group in OTHER_STAFF:
            self._staff_user(username, first, last, group=group, reset=reset)
        self.stdout.write(self.style.SUCCESS("Demo data is in place."))

    def _staff_user(self, username, first_name, last_name, *, group=None, reset=False):
        User = get_user_model()
        user = User.objects.filter(username=username).first()
        if user is not None and not reset:
            return user
        password = secrets.token_urlsafe(12)
        if user is None:
            verb = "Created"
            user = User.objects.create_user(
                username=username,
                password=password,
                first_name=first_name,
                last_name=last_name,
                email=f"{username}@welltopia.example",
                is_staff=True,
                is_superuser=group is None,
            )
            if group is not None:
                user.groups.add(Group.objects.get(name=group))
        else:
            # The old password and authenticator stop working; sessions signed in with them end.
            verb = "Reset"
            user.set_password(password)
            user.save(update_fields=["password"])
            TOTPDevice.objects.filter(user=user).delete()
        device = TOTPDevice.objects.create(user=user, name="Demo authenticator", confirmed=True)
        role = group or "Superuser"
        self.stdout.write(
            f"{verb} staff login {username!r} ({role}) with password {password!r} (shown once).\n"
            f"  Two-factor: add this to an authenticator app: {device.config_url}\n"
            f"  (or type the secret {b32_secret(device)}); for a code right now run "
            f"`python manage.py demo_totp {username}`."
        )
        return user


def b32_secret(device):
    return b32encode(device.bin_key).decode()
