"""The client address behind TRUSTED_PROXY_COUNT proxies, whatever form the proxy appended."""

import pytest
from django.test import RequestFactory
from django.urls import reverse

from patients.models import Intake
from tests.staff import flagged_intake, intake_url
from tests.welltopia.test_staff_signin import code, sign_in
from welltopia.client_ip import client_ip, parse_address

PEER = "10.0.0.5"


@pytest.fixture
def device(pharmacist_user):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.create(user=pharmacist_user, name="phone", confirmed=True)


def request_with(forwarded, remote=PEER):
    return RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)


@pytest.mark.parametrize(
    ("forwarded", "expected"),
    [
        ("1.2.3.4", "1.2.3.4"),
        ("1.2.3.4:5678", "1.2.3.4"),
        ("2001:db8::1", "2001:db8::1"),
        ("[2001:db8::1]:443", "2001:db8::1"),
        ("[2001:db8::1]", "2001:db8::1"),
        ("2001:DB8:0:0::1", "2001:db8::1"),
        ("fe80::1%eth0", "fe80::1"),
        ("unknown", PEER),
        ("_hidden", PEER),
        ("1.2.3.4:", "1.2.3.4"),
        ("999.1.1.1", PEER),
        ("[2001:db8::1", PEER),
        ("1.2.3.4 OR 1=1", PEER),
        ("203.0.113.66\x00", PEER),
    ],
)
def test_behind_one_proxy_each_form_becomes_an_address_or_the_peer(settings, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = 1

    assert client_ip(request_with(f"198.51.100.1, {forwarded}")) == expected


def test_parse_address_refuses_what_is_not_an_address():
    assert parse_address("unknown") is None
    assert parse_address("") is None
    assert parse_address("[::1]:8000") == "::1"


def test_a_sign_in_through_a_proxy_appending_ip_and_port_counts_towards_one_lockout(settings, client, device):
    settings.TRUSTED_PROXY_COUNT = 1
    for port in range(5000, 5005):
        # Each attempt comes from a new source port; it is still one client.
        sign_in(client, username=f"guess{port}", password="wrong", REMOTE_ADDR=PEER,
                HTTP_X_FORWARDED_FOR=f"203.0.113.66:{port}")

    locked = sign_in(client, token=code(device), REMOTE_ADDR=PEER, HTTP_X_FORWARDED_FOR="203.0.113.66:6000")
    assert locked.status_code == 429


@pytest.mark.parametrize("forwarded", ["1.2.3.4:5678", "[2001:db8::1]:443", "unknown"])
def test_sign_in_and_the_audited_intake_queue_answer_behind_an_odd_proxy(
    settings, client, device, staff_client, pharmacist_user, forwarded
):
    settings.TRUSTED_PROXY_COUNT = 1
    headers = {"REMOTE_ADDR": PEER, "HTTP_X_FORWARDED_FOR": forwarded}

    assert sign_in(client, password="wrong", **headers).status_code == 200
    assert sign_in(client, token=code(device), **headers).status_code == 302

    flagged_intake()
    staff = staff_client(pharmacist_user)
    queue = staff.get(reverse("admin:patients_intake_changelist"), **headers)
    assert queue.status_code == 200
    intake = Intake.objects.get()
    assert staff.get(intake_url(intake), **headers).status_code == 200


@pytest.mark.postgres
@pytest.mark.parametrize("forwarded", ["1.2.3.4:5678", "[2001:db8::1]:443", "unknown"])
def test_on_postgres_the_inet_columns_take_what_an_odd_proxy_sends(
    on_postgres, settings, client, device, staff_client, pharmacist_user, forwarded
):
    test_sign_in_and_the_audited_intake_queue_answer_behind_an_odd_proxy(
        settings, client, device, staff_client, pharmacist_user, forwarded
    )
