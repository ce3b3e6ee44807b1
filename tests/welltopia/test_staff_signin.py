"""Staff sign-in: password and TOTP code, lockout, idle expiry, no-store, the demo logins."""

import re
from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from patients.models import Intake
from tests.staff import flagged_intake, intake_url, review_post

PASSWORD = "correct horse battery staple"  # UserFactory's
LOGIN = reverse("admin:login")
INDEX = reverse("admin:index")


def code(device, at=None):
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    if at is not None:
        totp.time = at.timestamp()
    return f"{totp.token():0{device.digits}d}"


@pytest.fixture
def device(pharmacist_user):
    return TOTPDevice.objects.create(user=pharmacist_user, name="phone", confirmed=True)


def sign_in(client, username="charlie", password=PASSWORD, token="", **extra):
    return client.post(
        LOGIN, {"username": username, "password": password, "otp_token": token, "next": INDEX}, **extra
    )


def signed_in(client):
    return client.get(INDEX).status_code == 200


REFUSED = "That sign-in did not work. Check your username, password and the current 6-digit code"


def refusals(response):
    return re.findall(r'class="errornote">\s*([^<]*?)\s*<', response.content.decode())


def test_a_password_alone_does_not_open_the_admin(client, device):
    response = sign_in(client)

    assert response.status_code == 200
    assert REFUSED in response.content.decode()
    assert not signed_in(client)


def test_password_and_current_code_open_the_admin(client, device):
    response = sign_in(client, token=code(device))

    assert response.status_code == 302
    assert signed_in(client)


def test_a_wrong_code_is_refused(client, device):
    right = code(device)
    wrong = f"{(int(right) + 1) % 10**6:06d}"

    response = sign_in(client, token=wrong)

    assert REFUSED in response.content.decode()
    assert not signed_in(client)


def test_a_wrong_password_and_a_wrong_code_read_exactly_the_same(device, pharmacist_user):
    right = code(device)
    wrong = f"{(int(right) + 1) % 10**6:06d}"

    pages = {
        "wrong password": sign_in(Client(), password="wrong", token=right, REMOTE_ADDR="192.0.2.31"),
        "wrong code": sign_in(Client(), token=wrong, REMOTE_ADDR="192.0.2.32"),
        "no code": sign_in(Client(), REMOTE_ADDR="192.0.2.33"),
        "no such user": sign_in(Client(), username="nobody", token=right, REMOTE_ADDR="192.0.2.34"),
    }

    said = {case: refusals(response) for case, response in pages.items()}
    assert all(response.status_code == 200 for response in pages.values())
    assert len({tuple(words) for words in said.values()}) == 1, said
    assert REFUSED in said["wrong code"][0]
    for words in ("code is not right", "correct username and password"):
        assert all(words not in response.content.decode() for response in pages.values())


def test_five_failures_for_one_username_from_many_addresses_lock_that_username(device, pharmacist_user):
    for n in range(5):
        sign_in(Client(), password="wrong", REMOTE_ADDR=f"198.51.100.{n + 1}")

    assert sign_in(Client(), token=code(device), REMOTE_ADDR="198.51.100.77").status_code == 429


def test_a_staff_login_without_a_device_cannot_open_the_admin(client, pharmacist_user):
    response = sign_in(client, token="123456")

    assert response.status_code == 200
    assert not signed_in(client)


def test_the_login_page_asks_for_the_code(client):
    html = client.get(LOGIN).content.decode()

    assert 'name="otp_token"' in html


def test_five_failures_from_one_address_lock_it_out_for_fifteen_minutes(client, device):
    for n in range(5):
        # Other usernames each time, so only the address (not charlie's username) reaches five.
        sign_in(client, username=f"guess{n}", password="wrong", REMOTE_ADDR="192.0.2.10")

    locked = sign_in(client, token=code(device), REMOTE_ADDR="192.0.2.10")
    elsewhere = Client()
    assert locked.status_code == 429
    assert not signed_in(client)
    assert sign_in(elsewhere, token=code(device), REMOTE_ADDR="192.0.2.99").status_code == 302

    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        later = Client()
        assert sign_in(later, token=code(device), REMOTE_ADDR="192.0.2.10").status_code == 302


def test_wrong_codes_count_towards_the_lockout(client, device):
    for _ in range(5):
        sign_in(client, token="000000" if code(device) != "000000" else "111111", REMOTE_ADDR="192.0.2.11")

    assert sign_in(client, token=code(device), REMOTE_ADDR="192.0.2.11").status_code == 429


def test_without_a_trusted_proxy_x_forwarded_for_is_ignored(settings, client, device):
    settings.TRUSTED_PROXY_COUNT = 0
    for n in range(5):
        # A client rotating a forged header is still one address.
        sign_in(client, password="wrong", REMOTE_ADDR="192.0.2.20", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")

    assert sign_in(client, token=code(device), REMOTE_ADDR="192.0.2.20",
                   HTTP_X_FORWARDED_FOR="198.51.100.200").status_code == 429


def test_behind_one_proxy_the_client_is_the_address_the_proxy_appended(settings, device):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = {"REMOTE_ADDR": "10.0.0.5"}
    attacker = Client()
    for n in range(5):
        # The attacker forges a first entry; our proxy appends the real address last.
        sign_in(attacker, username=f"guess{n}", password="wrong",
                HTTP_X_FORWARDED_FOR=f"198.51.100.{n}, 203.0.113.66", **proxy)

    assert sign_in(attacker, token=code(device), HTTP_X_FORWARDED_FOR="203.0.113.66", **proxy).status_code == 429
    colleague = Client()
    assert sign_in(colleague, token=code(device), HTTP_X_FORWARDED_FOR="203.0.113.7", **proxy).status_code == 302


def test_an_idle_staff_session_expires(staff_client, pharmacist_user, settings):
    settings.STAFF_IDLE_MINUTES = 30
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        client = staff_client(pharmacist_user)
        assert signed_in(client)
        for _ in range(4):  # busy for an hour, never idle for 30 minutes
            clock.shift(timedelta(minutes=20))
            assert signed_in(client)
        clock.shift(timedelta(minutes=31))
        response = client.get(INDEX)

    assert response.status_code == 302
    assert LOGIN in response["Location"]


def test_a_patients_session_survives_two_hours(client, db):
    session = client.session
    session["booking"] = "in progress"
    session.save()

    with time_machine.travel(timezone.now() + timedelta(hours=2, minutes=5)):
        client.get("/")
        assert client.session.get("booking") == "in progress"


def test_admin_pages_are_never_stored(staff_client, pharmacist_user, client):
    intake = flagged_intake()
    page = staff_client(pharmacist_user).get(intake_url(intake))
    login = client.get(LOGIN)

    for response in (page, login):
        assert "no-store" in response["Cache-Control"]


# --- The demo logins -----------------------------------------------------------------------------
def test_seed_demo_prints_each_staff_login_once_with_its_totp_secret(db):
    first, second = StringIO(), StringIO()
    call_command("seed_demo", stdout=first)
    call_command("seed_demo", stdout=second)

    printed = first.getvalue()
    for username in ("pharmacist", "frontdesk", "ops"):
        assert f"'{username}'" in printed
        assert f"demo_totp {username}" in printed
    assert printed.count("otpauth://totp/") == 4
    assert re.search(r"secret [A-Z2-7]{32}", printed)
    assert "otpauth://" not in second.getvalue()
    assert TOTPDevice.objects.filter(confirmed=True).count() == 4


def test_demo_totp_refuses_when_debug_is_off(db, settings):
    settings.DEBUG = False
    call_command("seed_demo", stdout=StringIO())

    with pytest.raises(CommandError, match="only runs with DEBUG on"):
        call_command("demo_totp", "pharmacist", stdout=StringIO())


# --- Done when -----------------------------------------------------------------------------------
def test_a_pharmacist_signs_in_with_two_factors_and_records_a_decision(client, db, settings):
    settings.DEBUG = True
    out = StringIO()
    call_command("seed_demo", stdout=out)
    password = re.search(r"'pharmacist' \(Pharmacist\) with password '([^']+)'", out.getvalue()).group(1)
    shown_code = StringIO()
    call_command("demo_totp", "pharmacist", stdout=shown_code)
    intake = flagged_intake()

    assert sign_in(client, username="pharmacist", password=password, token=shown_code.getvalue().strip()).status_code == 302
    queue = client.get(reverse("admin:patients_intake_changelist"), {"queue": "flagged_today"}).content.decode()
    assert intake_url(intake) in queue
    assert "Sentinel-explanation" in client.get(intake_url(intake)).content.decode()
    client.post(intake_url(intake), review_post(intake, review_status=Intake.ReviewStatus.NOT_CANDIDATE))
    intake.refresh_from_db()
    assert intake.review_status == Intake.ReviewStatus.NOT_CANDIDATE
    assert intake.reviewed_by.username == "pharmacist"
