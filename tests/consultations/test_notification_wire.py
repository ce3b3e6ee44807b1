"""A batch writes each email from skeletons (templates rendered once with markers, the row's values
put back) and sends the bytes it writes itself: the patient must get exactly the email a whole
render and the email package would have written, whatever the names, language, mode or kind."""

import itertools
import random
import secrets
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.policy import default

import pytest
from django.core.mail import message as django_message
from django.template import engines
from django.urls import NoReverseMatch
from django.utils import timezone

from consultations.models import Appointment, Notification
from consultations.notifications import messages
from consultations.notifications.delivery import notifications_send_due
from consultations.notifications.messages import _manage_url, _sanitized, message_pieces, notification_message
from consultations.selectors import appointment_manage_url
from tests.consultations.test_notifications import book, reschedule
from tests.factories import AppointmentFactory, IntakeFactory, PatientFactory

NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
START = NOW + timedelta(days=3)
Kind = Notification.Kind

NAMES = [
    "Alice",
    "Máire O'Brien",
    'Zoë "Zed" <b>&amp;</b>',
    "José & Ana <script>alert(1)</script>",
    "Дарья 李 %(first_name)s {{ when }}",
]
PHARMACISTS = ["Sam Lee, PharmD", "Dr. Ávila & Sons <i>", "Noor 'Q' Haddad"]
LINK = "https://meet.example.com/room?a=1&b=<2>"
MODES = [
    {"mode": Appointment.Mode.PHONE},
    {"mode": Appointment.Mode.IN_PERSON},
    {"mode": Appointment.Mode.VIDEO, "meeting_link": LINK},
    {"mode": Appointment.Mode.VIDEO, "meeting_link": ""},
]
# (kind, how the row was moved): a notice naming the old time, one without it, one "moved" to the same time.
KINDS = [(Kind.CONFIRMATION, None), (Kind.REMINDER, None), (Kind.RESCHEDULED, "earlier"),
         (Kind.RESCHEDULED, None), (Kind.RESCHEDULED, "same"), (Kind.CANCELLED, None)]


@pytest.fixture
def fixed_clock(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW)


def a_row(n, *, kind, moved, mode, language, late, intake):
    start = START + timedelta(minutes=30 * n)
    if late:
        start = NOW + timedelta(minutes=90)  # inside the notice: the email says to call
    patient = PatientFactory(first_name=NAMES[n % len(NAMES)], language=language)
    appointment = AppointmentFactory(
        intake=IntakeFactory(patient=patient) if intake else None,
        patient=patient,
        pharmacist__display_name=PHARMACISTS[n % len(PHARMACISTS)],
        pharmacist__location__address_line2="Suite 3 & 4 <rear>",
        start=start,
        status=Appointment.Status.CANCELLED if kind == Kind.CANCELLED else Appointment.Status.BOOKED,
        **mode,
    )
    moved_from = {"earlier": start - timedelta(days=1), "same": start, None: None}[moved]
    return Notification(
        appointment=appointment, kind=kind, appointment_version=1, due_at=NOW, moved_from=moved_from,
        reminder_offset=timedelta(hours=24) if kind == Kind.REMINDER else None,
    )


def every_variant():
    combinations = itertools.product(KINDS, MODES, ["en", "es"], [False, True])
    for n, ((kind, moved), mode, language, late) in enumerate(combinations):
        # Each shape twice, with different names: the second row reuses the first row's skeleton.
        for repeat in range(2):
            yield a_row(2 * n + repeat, kind=kind, moved=moved, mode=mode, language=language, late=late,
                        intake=(n + repeat) % 3 != 0)


def test_a_batch_writes_every_email_as_a_whole_render_would(db, fixed_clock):
    pieces = message_pieces()
    rows = list(every_variant())
    assert len(rows) == 6 * 4 * 2 * 2 * 2

    for row in rows:
        batched = notification_message(notification=row, now=NOW, pieces=pieces)
        alone = notification_message(notification=row, now=NOW)

        assert batched.subject == alone.subject
        assert batched.body == alone.body
        assert batched.alternatives == alone.alternatives
        assert batched.calendar == alone.calendar


def test_the_markup_in_names_is_escaped_in_html_and_kept_as_typed_in_text(db, fixed_clock):
    row = a_row(13, kind=Kind.CONFIRMATION, moved=None, mode=MODES[2], language="en", late=False, intake=True)

    message = notification_message(notification=row, now=NOW, pieces=message_pieces())

    (html, _), = message.alternatives
    assert "Hello José &amp; Ana &lt;script&gt;alert(1)&lt;/script&gt;," in html
    assert "<script>" not in html
    assert "Dr. Ávila &amp; Sons &lt;i&gt;" in html
    assert 'href="https://meet.example.com/room?a=1&amp;b=&lt;2&gt;"' in html
    assert "Hello José & Ana <script>alert(1)</script>," in message.body
    assert LINK in message.body


def test_template_syntax_in_a_name_is_printed_not_read(db, fixed_clock):
    row = a_row(4, kind=Kind.REMINDER, moved=None, mode=MODES[0], language="es", late=False, intake=True)

    message = notification_message(notification=row, now=NOW, pieces=message_pieces())

    assert "Дарья 李 %(first_name)s {{ when }}" in message.body
    assert "Дарья 李 %(first_name)s {{ when }}" in message.alternatives[0][0]


@pytest.fixture
def same_draws(monkeypatch):
    """Boundaries and Date as the email package would draw them, replayed identically per call."""
    monkeypatch.setattr(django_message, "formatdate", lambda localtime=False: "Tue, 01 Dec 2026 15:00:00 -0000")
    monkeypatch.setattr("email.utils.formatdate", lambda localtime=False: "Tue, 01 Dec 2026 15:00:00 -0000")

    def replay(seed):
        draws = random.Random(seed)
        monkeypatch.setattr(secrets, "randbits", draws.getrandbits)

    return replay


def test_the_bytes_sent_are_the_bytes_the_email_package_writes(db, fixed_clock, same_draws):
    pieces = message_pieces()
    for seed, row in enumerate(every_variant()):
        message = notification_message(notification=row, now=NOW, pieces=pieces)
        same_draws(seed)
        written = message.wire_bytes()
        same_draws(seed)
        built = message.message().as_bytes(linesep="\r\n")

        assert written == built, (row.kind, row.appointment.mode, row.appointment.patient.language)


def test_a_line_too_long_for_8bit_is_left_to_the_email_package(db, fixed_clock):
    row = a_row(0, kind=Kind.CONFIRMATION, moved=None, mode=MODES[0], language="en", late=False, intake=True)
    message = notification_message(notification=row, now=NOW, pieces=message_pieces())
    message.body += "x" * 1000

    assert message.wire_bytes() is None
    assert "quoted-printable" in message.message().as_string()


@pytest.mark.parametrize(
    "address",
    ["alice@example.com", "a.b+tag@mail.example.co.uk", "o'brien@example.ie", "x_y-z@sub-domain.example",
     "UPPER@Example.COM", "a!#$%&*/=?^`{|}~@example.com"],
)
def test_a_plain_address_is_sent_as_django_would_sanitise_it(address):
    assert _sanitized(address) == django_message.sanitize_address(address, "utf-8") == address


@pytest.mark.parametrize("address", ["José <jose@example.com>", "jo.sé@exämple.com", '"a b"@example.com'])
def test_any_other_address_goes_through_django_s_sanitising(address):
    assert _sanitized(address) == django_message.sanitize_address(address, "utf-8")


def test_a_spanish_patient_s_moved_appointment_arrives_with_her_name_as_typed(db, smtp_server):
    patient = PatientFactory(first_name="Pilar <Peña> & \"Co\"", language="es", email="pilar@example.com")
    appointment = book(intake=IntakeFactory(patient=patient), patient=patient, now=NOW)
    notifications_send_due(now=NOW)
    new_start = START + timedelta(days=2)
    reschedule(appointment, start=new_start, now=NOW + timedelta(minutes=5))
    notifications_send_due(now=NOW + timedelta(minutes=5))

    booked, moved = (message_from_bytes(m.as_bytes(), policy=default) for m in smtp_server.messages)
    assert moved["To"] == "pilar@example.com"
    assert "diciembre" in moved["Subject"] and "Your" not in moved["Subject"]
    text = moved.get_body(("plain",)).get_content()
    html = moved.get_body(("html",)).get_content()
    assert 'Pilar <Peña> & "Co"' in text
    assert "Pilar &lt;Peña&gt; &amp; &quot;Co&quot;" in html
    assert '<html lang="es">' in html
    # The old time and the new one, each written in Spanish.
    assert "4 de diciembre" in text and "6 de diciembre" in text
    for message in (booked, moved):
        (calendar,) = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
        assert "Peña" in calendar.get_content()


@pytest.mark.parametrize("token", ["aX5gM3ZtSc9fPFIwsebGqWZBm7u1Qiy0KXZz8ka35AY", "T" * 43, "a_b-" * 6])
def test_a_batch_writes_the_manage_link_reverse_would(db, token):
    appointment = AppointmentFactory()
    appointment.manage_token = token
    pieces = message_pieces()
    _manage_url(pieces, AppointmentFactory())  # a batch that has written another link already

    assert _manage_url(pieces, appointment) == appointment_manage_url(appointment)


@pytest.mark.parametrize("token", ["short-token", "has space " * 3, "x" * 65])
def test_a_token_the_urls_refuse_is_refused_in_a_batch_too(db, token):
    appointment = AppointmentFactory()
    appointment.manage_token = token

    with pytest.raises(NoReverseMatch):
        _manage_url(message_pieces(), appointment)


def rendered_from(monkeypatch, source):
    """The HTML ``_rendered`` writes in a batch, from a template written here."""
    template = engines["django"].from_string(source)
    monkeypatch.setattr(messages, "_render", lambda pieces, name, context: template.render(context))
    pieces = message_pieces()
    return lambda **context: messages._rendered(pieces, "any", context)[2]  # the HTML


def test_every_text_of_the_context_is_the_row_s_own_and_every_flag_shapes_the_email(monkeypatch):
    render = rendered_from(
        monkeypatch, "{{ nickname }}{% if vip %} (VIP){% endif %}{% if note %}: {{ note }}{% endif %}"
    )

    assert render(nickname="Ann", vip=True, note="") == "Ann (VIP)"
    assert render(nickname="Bob", vip=False, note="") == "Bob"
    assert render(nickname="Cy & Di", vip=False, note="hi") == "Cy &amp; Di: hi"
    assert render(nickname="Ed", vip=True, note="<b>") == "Ed (VIP): &lt;b&gt;"


def test_a_template_that_changes_a_value_is_rendered_whole_for_every_row(monkeypatch):
    render = rendered_from(monkeypatch, "{{ nickname|upper }} at {{ when|slice:':3' }}")

    assert render(nickname="Ann", when="Monday") == "ANN at Mon"
    assert render(nickname="Bob", when="Tuesday") == "BOB at Tue"


def test_a_template_that_cuts_a_value_is_rendered_whole_for_every_row(monkeypatch):
    render = rendered_from(monkeypatch, "at {{ when|slice:':3' }}")

    assert render(when="Monday") == "at Mon"
    assert render(when="Friday") == "at Fri"
