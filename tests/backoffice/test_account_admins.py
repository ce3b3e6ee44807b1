"""Django's, django-otp's and django-axes' own admins (logins, groups, two-factor devices,
lockouts) answer crafted filters and searches with the list or a message, never a 500.

They are superuser pages; before the back office put its guard on them, a NUL byte in a filter or
a search answered 500 on PostgreSQL (which refuses NUL in any string)."""

import pytest
from django.contrib import admin
from django.urls import reverse

from backoffice.admin.accounts import GUARDED_APPS
from tests.reliability.test_admin_input import Failures, admin_url, filter_parameters

# One value of each kind the database adapter or a lookup can choke on.
CRAFTED = ["\x00", "1\x00", "abc", "-1", "99999999999999999999999", "0001-01-01", "9999-12-31", "2026-02-30"]


def third_party_models():
    return [model for model in admin.site._registry if model._meta.app_label in GUARDED_APPS]


def test_the_account_admins_are_the_ones_walked():
    labels = {model._meta.label for model in third_party_models()}

    assert {"auth.User", "auth.Group", "otp_totp.TOTPDevice", "axes.AccessAttempt"} <= labels


# One test per admin, so that pytest-xdist can share them out.
@pytest.mark.parametrize("model", third_party_models(), ids=lambda model: model._meta.label)
def test_every_account_admin_filter_and_search_survives_crafted_values(staff_client, superuser, model):
    client = staff_client(superuser)
    failures = Failures()
    url = admin_url(model, "changelist")
    for name in filter_parameters(client, model):
        for value in CRAFTED:
            failures.check(client, "get", url, {name: value})
    failures.check(client, "get", url, {"hostile\x00name": "1"})
    failures.check(client, "post", url, {"action": "delete_selected", "_selected_action": ["1\x00", "x"]})

    assert not failures, "\n".join(failures)


def test_the_account_autocomplete_survives_crafted_terms(staff_client, superuser):
    client = staff_client(superuser)
    failures = Failures()
    for value in CRAFTED:
        failures.check(
            client, "get", reverse("admin:autocomplete"),
            {"app_label": "auth", "model_name": "user", "field_name": "groups", "term": value},
        )

    assert not failures, "\n".join(failures)
