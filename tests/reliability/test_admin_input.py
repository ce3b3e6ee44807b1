"""Crafted admin input never answers 500: every changelist, filter, search, autocomplete, change
form and staff action is walked with hostile values as each role.

The hostile values are what a tampered URL or form carries: ids that are not numbers, NUL bytes
(PostgreSQL refuses them in any string, so they fail at query time, not when the filter is built),
numbers past any integer column, dates at the ends of the calendar and dates that do not exist.
A bad value may be ignored (Django's changelist redirects to ``?e=1``), refused with a message,
or answered 400/403/404 — anything but a server error. Run it on PostgreSQL too.
"""

import re
from contextlib import contextmanager
from datetime import UTC, datetime, time, timedelta
from html.parser import HTMLParser
from unittest import mock

import pytest
import time_machine
from django import forms
from django.contrib import admin
from django.template.base import Template
from django.test import utils as test_utils
from django.urls import NoReverseMatch, reverse

from consultations.models import AvailabilityException, Notification
from patients.models import AuditEvent
from tests.factories import AppointmentFactory, WorkingHoursFactory
from tests.staff import flagged_intake

# Tuesday 17 March 2026, 15:00 in Chicago.
NOW = datetime(2026, 3, 17, 20, 0, tzinfo=UTC)

HOSTILE = [
    "abc",
    "\x00",
    "1\x00",
    "-1",
    "99999999999999999999999",
    "1e400",
    "0001-01-01",
    "9999-12-31",
    "2026-02-30",
    "not-a-date",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-12:00",
    "' OR 1=1 --",
    "%_\\",
]
# Reschedule times: the form's list can be bypassed by anyone who edits the POST body.
HOSTILE_STARTS = HOSTILE + [
    "0001-01-01T00:00:00+00:00",
    "9999-12-31T23:59:00+00:00",
    "2026-03-18T10:00:00",  # no zone
    "2026-03-18T10:00:00+05:00\x00",
    "2026-03-18T03:00:00+00:00",  # a real time in the window, outside the pharmacist's hours
    "1900-01-01T15:00:00+00:00",
    "3026-03-18T15:00:00+00:00",
]
# For form fields, the values that can break a field of that kind: the forms are slow to render
# and every field is walked, so a text or choice field does not also get numbers and dates.
FORM_HOSTILE_ANY = ["abc", "\x00"]
FORM_HOSTILE_DATES = ["0001-01-01", "9999-12-31", "2026-02-30"]
FORM_HOSTILE_NUMBERS = ["-1", "99999999999999999999999"]
FORM_HOSTILE = FORM_HOSTILE_ANY + FORM_HOSTILE_NUMBERS + FORM_HOSTILE_DATES
# Calendar extremes matter where a date is converted or compared; to a time or a duration field
# they are one more unparseable string, the path "abc" already takes.
_DATE_FIELDS = (forms.DateField, forms.DateTimeField, forms.SplitDateTimeField)
_NUMBER_FIELDS = (forms.IntegerField, forms.DecimalField, forms.FloatField, forms.ModelChoiceField)
ROLES = ["pharmacist_user", "front_desk", "superuser"]
# Our admins. Django's auth, django-otp's and django-axes's are superuser-only and walked, more
# lightly, in tests/backoffice/test_account_admins.py; the outbox admin is walked on its own below.
OUR_APPS = {"patients", "consultations"}
NOT_YET_GUARDED = {Notification}


@pytest.fixture
def world(pharmacist):
    """One of everything, so every changelist has rows and every change form has an object."""
    with time_machine.travel(NOW, tick=False):
        # Two days of hours, not seven: each invalid form re-renders every row, and the walk below
        # needs a first and a last existing row, not a week of them.
        for weekday in (NOW.weekday(), NOW.weekday() + 1):
            WorkingHoursFactory(pharmacist=pharmacist, weekday=weekday, start=time(9), end=time(17))
        AvailabilityException.objects.create(
            pharmacist=pharmacist, day=NOW.date() + timedelta(days=3), kind=AvailabilityException.Kind.TIME_OFF
        )
        appointment = AppointmentFactory(
            pharmacist=pharmacist, intake=flagged_intake(), start=datetime(2026, 3, 18, 15, tzinfo=UTC)
        )
        Notification.objects.create(
            appointment=appointment,
            kind=Notification.Kind.CONFIRMATION,
            due_at=NOW,
            appointment_version=appointment.version,
        )
        AuditEvent.objects.create(
            at=NOW, username="someone", action=AuditEvent.Action.VIEW, object_type="intake", object_id="1"
        )
        yield appointment


@pytest.fixture(params=ROLES)
def client(request, world, staff_client):
    user = request.getfixturevalue(request.param)
    with time_machine.travel(NOW, tick=False):
        yield staff_client(user)


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def viewable(client, only=None):
    request = client.get(reverse("admin:index")).wsgi_request
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in OUR_APPS or model in NOT_YET_GUARDED:
            continue
        if only is not None and model is not only:
            continue
        if model_admin.has_view_permission(request):
            yield model, model_admin


# The two longest walks are one test per admin, so that pytest-xdist can share them out (each
# model's walk alone took up to a minute and a half of one process). A role that cannot view a
# model walks nothing there, as in the walk over all of them.
OUR_MODELS = sorted(
    (m for m in admin.site._registry if m._meta.app_label in OUR_APPS and m not in NOT_YET_GUARDED),
    key=lambda m: m._meta.label,
)
each_admin = pytest.mark.parametrize("model", OUR_MODELS, ids=lambda m: m._meta.label)


@contextmanager
def templates_not_recorded():
    """Pages rendered as outside tests: the test client keeps a copy of the context of every
    template a page renders (each widget of a form is one), for ``response.context``, which a check
    below never reads. The page is rendered all the same, so a value that breaks rendering still
    fails. Without the copies the walks take about a tenth less."""
    with mock.patch.object(Template, "_render", test_utils._TestState.saved_data.template_render):
        yield


class Failures(list):
    """Collects every 5xx or exception, so one run names all of them."""

    def check(self, client, method, url, data=None):
        try:
            with templates_not_recorded():
                response = getattr(client, method)(url, data or {})
        except Exception as error:  # noqa: BLE001 — the test client re-raises the view's exception
            self.append(f"{method.upper()} {url} {data!r}: {type(error).__name__}: {error}")
            return None
        if response.status_code >= 500:
            self.append(f"{method.upper()} {url} {data!r}: {response.status_code}")
        return response


def filter_parameters(client, model):
    """Every query parameter the changelist understands: its filters', search, ordering, paging."""
    response = client.get(admin_url(model, "changelist"))
    assert response.status_code == 200, model
    changelist = response.context["cl"]
    names = {"q", "o", "p", "all", "_to_field", "_popup", "_changelist_filters"}
    for spec in changelist.filter_specs:
        names.update(spec.expected_parameters())
    if changelist.date_hierarchy:
        names.update(f"{changelist.date_hierarchy}__{part}" for part in ("year", "month", "day"))
    return sorted(names)


@each_admin
def test_every_changelist_filter_and_search_survives_hostile_values(client, model):
    failures = Failures()
    for _viewable in viewable(client, only=model):
        url = admin_url(model, "changelist")
        for name in filter_parameters(client, model):
            for value in HOSTILE:
                failures.check(client, "get", url, {name: value})
        failures.check(client, "get", url, {"hostile\x00name": "1"})

    assert not failures, "\n".join(failures)


def test_autocomplete_survives_hostile_terms_and_names(client):
    failures = Failures()
    url = reverse("admin:autocomplete")
    for model, _model_admin in viewable(client):
        for field in model._meta.get_fields():
            if not (field.is_relation and field.concrete) or field.related_model._meta.app_label not in OUR_APPS:
                continue
            base = {"app_label": model._meta.app_label, "model_name": model._meta.model_name, "field_name": field.name}
            for value in HOSTILE:
                failures.check(client, "get", url, {**base, "term": value})
                failures.check(client, "get", url, {**base, "term": "a", "page": value})
        for value in HOSTILE:
            failures.check(client, "get", url, {"app_label": value, "model_name": value, "field_name": value})

    assert not failures, "\n".join(failures)


def test_every_object_page_survives_hostile_ids(client):
    failures = Failures()
    for model, _model_admin in viewable(client):
        for value in HOSTILE:
            for view in ("change", "history", "delete"):
                try:
                    url = admin_url(model, view, value)
                except NoReverseMatch:
                    continue
                failures.check(client, "get", url)

    assert not failures, "\n".join(failures)


class FormFields(HTMLParser):
    """The fields of the admin's main form as a browser would submit them."""

    def __init__(self, form_id):
        super().__init__()
        self.form_id, self.inside, self.select, self.textarea = form_id, False, None, None
        self.data = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit", "button", "file"):
            if attrs.get("type") in ("checkbox", "radio") and "checked" not in attrs:
                self.data.setdefault(name, [])
            else:
                self.data.setdefault(name, []).append(attrs.get("value", "on" if attrs.get("type") == "checkbox" else ""))
        elif tag == "select" and name:
            self.select = name
            self.data.setdefault(name, [])
        elif tag == "option" and self.select and "selected" in attrs:
            self.data[self.select].append(attrs.get("value", ""))
        elif tag == "textarea" and name:
            self.textarea = name
            self.data[name] = [""]

    def handle_data(self, data):
        if self.textarea:
            self.data[self.textarea][0] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None
        elif tag == "form":
            self.inside = False


def walked_fields(data):
    """The form's fields, with an inline's rows cut to its first and last (the empty extra). The
    hidden template row a browser copies to add a row ("…-__prefix__-…") is submitted but never read
    by Django, so it is not walked."""
    rows = {}
    for name in data:
        if match := re.fullmatch(r"(.+)-(\d+)-.+", name):
            rows.setdefault(match[1], set()).add(int(match[2]))
    for name in data:
        match = re.fullmatch(r"(.+)-(\d+)-.+", name)
        if name == "csrfmiddlewaretoken" or "-__prefix__-" in name:
            continue
        if match and int(match[2]) not in (0, max(rows[match[1]])):
            continue
        yield name


def form_data(client, url, model):
    """(what a browser would submit, the Django form field behind each submitted name)."""
    response = client.get(url)
    if response.status_code != 200:
        return None, {}
    parser = FormFields(f"{model._meta.model_name}_form")
    parser.feed(response.content.decode())
    return parser.data, form_fields(response.context)


def form_fields(context):
    forms_shown = [context["adminform"].form] if "adminform" in context else []
    for inline in context.get("inline_admin_formsets", []):
        # The management form's counts are integer fields: they get the values for numbers, not
        # dates too, which would only repeat what "abc" does to them.
        forms_shown += [*inline.formset.forms, inline.formset.empty_form, inline.formset.management_form]
    fields = {}
    for form in forms_shown:
        for name, field in form.fields.items():
            fields[form.add_prefix(name)] = field
    return fields


def hostile_values_for(name, fields):
    """The values for one submitted name: every kind when the field is not known ("start_0" is
    the date half of a split date and time)."""
    field = fields.get(name) or fields.get(name.rsplit("_", 1)[0])
    if field is None:
        return FORM_HOSTILE
    if isinstance(field, _DATE_FIELDS):
        return FORM_HOSTILE_ANY + FORM_HOSTILE_DATES
    if isinstance(field, _NUMBER_FIELDS):
        return FORM_HOSTILE_ANY + FORM_HOSTILE_NUMBERS
    return FORM_HOSTILE_ANY


def inline_prefixes(fields):
    """The inlines' prefixes on a form ("workinghours_set"), from its walked names."""
    return {match[1] for name in fields if (match := re.fullmatch(r"(.+)-(\d+)-.+", name))}


# Walked as the superuser only: it opens every add and change form the other roles can, with every
# field they can edit (theirs are subsets, the rest read-only), and each role's walk cost 2 minutes.
# One test per admin and form, so pytest-xdist can share the longest walks out.
@pytest.mark.parametrize("client", ["superuser"], indirect=True)
@pytest.mark.parametrize("form", ["add", "change"])
@each_admin
def test_every_add_and_change_form_refuses_hostile_values_with_a_message(client, model, form):
    failures = Failures()
    for _model, model_admin in viewable(client, only=model):
        request = client.get(reverse("admin:index")).wsgi_request
        obj = model._default_manager.order_by("pk").first()
        change_walked = obj is not None and model_admin.has_change_permission(request, obj)
        if form == "add" and model_admin.has_add_permission(request):
            url = admin_url(model, "add")
        elif form == "change" and change_walked:
            url = admin_url(model, "change", obj.pk)
        else:
            continue
        data, fields = form_data(client, url, model)
        if not data:
            continue
        names = list(walked_fields(data))
        if form == "add" and change_walked:
            # An inline's rows on the add form are its empty extra rows: the same form class the
            # change form's extra row gets, walked there. The add form's own fields are walked here.
            inlines = inline_prefixes(names)
            names = [n for n in names if not any(n.startswith(f"{prefix}-") for prefix in inlines)]
        for name in names:
            for value in hostile_values_for(name, fields):
                failures.check(client, "post", url, {**data, name: [value]})

    assert not failures, "\n".join(failures)


def test_changelist_actions_survive_hostile_selections(client):
    failures = Failures()
    request = client.get(reverse("admin:index")).wsgi_request
    for model, model_admin in viewable(client):
        url = admin_url(model, "changelist")
        # Each action this role has on this list, and a made-up one (the hostile value itself).
        actions = list(model_admin.get_actions(request))
        for value in HOSTILE:
            for action in (*actions, value):
                failures.check(
                    client, "post", url, {"action": action, "_selected_action": [value], "index": "0"}
                )
            failures.check(client, "post", url, {"action": "mark_completed", "select_across": value, "index": value})

    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("start", HOSTILE_STARTS)
def test_a_crafted_reschedule_time_is_refused_with_a_message(world, staff_client, front_desk, start):
    client = staff_client(front_desk)
    url = reverse("admin:consultations_appointment_reschedule", args=[world.pk])

    with time_machine.travel(NOW, tick=False):
        response = client.post(url, {"start": start})

    assert response.status_code == 200
    assert response.context["form"].errors
    world.refresh_from_db()
    assert world.start == datetime(2026, 3, 18, 15, tzinfo=UTC)
    assert world.version == 1


def test_the_pharmacist_filter_ignores_a_value_that_is_no_id(world, staff_client, pharmacist_user):
    client = staff_client(pharmacist_user)

    with time_machine.travel(NOW, tick=False):
        response = client.get(reverse("admin:patients_intake_changelist"), {"pharmacist": "abc"})

    assert response.status_code == 302
    assert response["Location"].endswith("?e=1")


def test_a_nul_byte_in_the_search_finds_nothing_and_says_why(world, staff_client, front_desk):
    client = staff_client(front_desk)

    with time_machine.travel(NOW, tick=False):
        response = client.get(reverse("admin:consultations_appointment_changelist"), {"when": "all", "q": "An\x00"})

    assert response.status_code in (200, 302)


def test_outbox_admin_survives_hostile_filters_and_selections(world, staff_client, front_desk):
    client = staff_client(front_desk)
    failures = Failures()
    with time_machine.travel(NOW, tick=False):
        for name in filter_parameters(client, Notification):
            for value in HOSTILE:
                failures.check(client, "get", admin_url(Notification, "changelist"), {name: value})
        for value in HOSTILE:
            failures.check(
                client, "post", admin_url(Notification, "changelist"),
                {"action": "retry", "_selected_action": [value], "index": "0"},
            )

    assert not failures, "\n".join(failures)


def test_a_crafted_row_count_builds_no_more_rows_than_a_save_can_hold(world, staff_client, superuser):
    """Django would build up to 2,000 forms for a crafted TOTAL_FORMS (seconds of server time and a
    page of megabytes); the inline refuses past its saved rows plus 50, with Django's message."""
    client = staff_client(superuser)
    pharmacist = world.pharmacist
    url = admin_url(type(pharmacist), "change", pharmacist.pk)
    with time_machine.travel(NOW, tick=False):
        data, _fields = form_data(client, url, type(pharmacist))
        data["display_name"] = ["Renamed"]
        response = client.post(url, {**data, "working_hours-TOTAL_FORMS": ["99999999999999999999999"]})

    assert response.status_code == 200
    assert "Please submit at most 52 forms." in response.content.decode()  # 2 saved rows + 50
    formset = next(f.formset for f in response.context["inline_admin_formsets"] if f.formset.prefix == "working_hours")
    assert len(formset.forms) == 52
    pharmacist.refresh_from_db()
    assert pharmacist.display_name != "Renamed"
