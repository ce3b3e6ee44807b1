"""Booking and manage pages. Thin: read the choices, ask the selectors or call one service, render.

The patient's intake is the one the intake flow left in the session (``patients.session``);
choices travel in the querystring (type slug, mode, pharmacist id, day, ISO start) and the
confirmed booking's token in ``request.session["booking_confirmed_token"]``. What is free comes
from ``selectors``; nothing here computes availability or re-checks what a service checks.
"""

from __future__ import annotations

from datetime import date
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.sessions.backends.base import UpdateError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext, gettext_lazy, pgettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from patients.models import Intake
from patients.services import patient_language_set
from patients.session import intake_from_session, intake_reference_in_session
from welltopia.honeypot import honeypot_checked
from welltopia.ratelimit import rate_limited

from . import availability, calendar, selectors, services
from .day_picker import month_grids
from .formats import formatted
from .forms import FIRST_AVAILABLE, ConsultationChoiceForm, DayForm, StartForm, iso_start
from .models import Appointment

CONFIRMED_SESSION_KEY = "booking_confirmed_token"


# --- helpers ------------------------------------------------------------------------------------


def _with_intake(view, *, booking_state: bool):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        intake: Intake | None = (
            selectors.intake_with_booking_state(reference=intake_reference_in_session(request), now=timezone.now())
            if booking_state
            else intake_from_session(request, with_answers=False)
        )
        if intake is None:
            # The intake may be saved while the session that held it expired: offer the way back.
            messages.info(
                request,
                format_html(
                    gettext(
                        "Before choosing a time, please tell us a little about yourself. It takes a few minutes. "
                        'Already answered the questions? <a href="{}">Get a link by email</a> to pick up where '
                        "you left off."
                    ),
                    reverse("patients:intake_continue"),
                ),
            )
            return redirect("patients:intake_start")
        return view(request, intake, *args, **kwargs)

    return wrapper


def intake_required(view):
    """The booking pages need the intake the patient just submitted; without it, start there."""
    return _with_intake(view, booking_state=False)


def intake_required_with_booking_state(view):
    """``intake_required`` for the pages that first ask whether the intake is booked already and
    whether it is a follow-up's check-in: both are read with the intake (``intake_booking_state``)."""
    return _with_intake(view, booking_state=True)


def _remember_chosen_language(request, patient) -> None:
    """The booking's page is where an email leads: a patient who chose a language with the switch
    (its cookie; the browser's Accept-Language alone is no choice) gets their emails in it from now
    on, as after sending an intake. The switch returns to this page, so it is stored at once."""
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if chosen:
        patient_language_set(patient=patient, language=chosen)


def _with_query(url_name: str, *args, **params) -> str:
    url = reverse(f"consultations:{url_name}", args=args)
    return f"{url}?{urlencode(params)}" if params else url


def _links_to(url_name: str, param: str, as_text, **fixed):
    """``_with_query`` for the many links of one page to one step (a day's, a time's): the path is
    reversed once, not once a link."""
    url = reverse(f"consultations:{url_name}")
    # The fixed part is encoded once too: ``urlencode(fixed)`` then ``&param=`` is what encoding
    # the whole dict gave, character for character.
    start = f"{url}?{urlencode(fixed)}&" if fixed else f"{url}?"
    return lambda value: start + urlencode({param: as_text(value)})


def _choice_or_redirect(request, data):
    """The type, mode and pharmacist chosen in step one, or a redirect back to it with the errors."""
    form = ConsultationChoiceForm(data)
    if form.is_valid():
        return form, None
    picked = {key: data[key] for key in ("type", "mode", "pharmacist") if data.get(key)}
    return None, redirect(_with_query("book_start", **picked))


def _choice_and_start_or_redirect(request, data):
    """Step one's choice and the picked start time, or a redirect to the step that needs redoing."""
    choice, back = _choice_or_redirect(request, data)
    if back:
        return None, None, back
    start_form = StartForm(data)
    if not start_form.is_valid():
        return None, None, redirect(_with_query("book_day", **choice.querystring_values()))
    return choice, start_form.cleaned_data["start"], None


MORNING = gettext_lazy("Morning")
AFTERNOON = gettext_lazy("Afternoon")


def _time_groups(times: list[availability.FreeTime], link_for_start) -> list[dict]:
    """Morning and afternoon buttons. Each time's clock text ("1:30 PM") and zone ("CDT") are
    written here with the format translated once, as the date filter wrote them in the template
    (in the page's time zone), at a fraction of the cost a button."""
    tz = availability.pharmacy_zone()
    zones = {t.start.astimezone(tz).tzname() for t in times}
    # A Django time format, translated (as the "date" template filter read it).
    clock_format = gettext("g:i A")
    groups = {MORNING: [], AFTERNOON: []}
    for free in times:
        local = free.start.astimezone(tz)
        shown = timezone.localtime(free.start)
        groups[MORNING if local.hour < 12 else AFTERNOON].append(
            {
                "start": free.start,
                "url": link_for_start(free.start),
                "show_zone": len(zones) > 1,
                "label": time_label(local, show_zone=len(zones) > 1),
                "clock": formatted(shown, clock_format),
                "zone": formatted(shown, "T"),
            }
        )
    return [{"name": str(name), "times": entries} for name, entries in groups.items() if entries]


def time_label(local, *, show_zone: bool = False) -> str:
    """What a screen reader says for a time button: "Tuesday 4 March, 1:30 pm, Central Time" (the
    button shows only "1:30 PM"); on a day the clocks change, the zone's abbreviation too."""
    half = pgettext("before noon, spoken", "am") if local.hour < 12 else pgettext("after noon, spoken", "pm")
    clock = f"{local.hour % 12 or 12}:{local:%M} {half}"
    zone = gettext("Central Time (%(zone)s)") % {"zone": local.tzname()} if show_zone else gettext("Central Time")
    # Translators: a Django date format (see the "date" template filter), e.g. "Tuesday 4 March".
    day = formatted(local, pgettext("time button, spoken", "l j F"))
    return f"{day}, {clock}, {zone}"


def _zone_names(times) -> str:
    tz = availability.pharmacy_zone()
    return " / ".join(sorted({t.start.astimezone(tz).tzname() for t in times})) or timezone.now().astimezone(
        tz
    ).tzname()


def _render_times(request, template, *, day, times, link_for_start, context, status=200):
    return render(
        request,
        template,
        {
            **context,
            "day": day,
            "groups": _time_groups(times, link_for_start),
            "zone_names": _zone_names(times),
            "times_count": len(times),
        },
        status=status,
    )


def _appointment_or_404(token: str) -> Appointment:
    appointment = selectors.appointment_by_token(token)
    if appointment is None:
        raise Http404
    return appointment


# --- booking --------------------------------------------------------------------------------------


def _already_booked(request, intake):
    """The booking this intake already holds, shown on any booking step the patient comes back to
    (Back after confirming lands on the review page): "this is your booking", never "that time is
    no longer free" about their own time."""
    upcoming = selectors.appointment_upcoming_for_intake(intake=intake, now=timezone.now())
    if upcoming is None:
        return None
    return render(
        request,
        "consultations/book_already.html",
        {
            "appointment": upcoming,
            "manage_url": selectors.appointment_manage_url(upcoming),
            "just_booked": request.session.get(CONFIRMED_SESSION_KEY) == upcoming.manage_token,
        },
    )


@never_cache
@intake_required_with_booking_state
def book_start(request, intake):
    if already := _already_booked(request, intake):
        return already
    # Any answer in the querystring means the form was submitted (radio buttons left empty send
    # nothing, but the pharmacist select always does), so show what is missing.
    if request.GET:
        form = ConsultationChoiceForm(request.GET)
        if form.is_valid():
            return redirect(_with_query("book_day", **form.querystring_values()))
    else:
        form = ConsultationChoiceForm(initial={"pharmacist": FIRST_AVAILABLE})
    return render(request, "consultations/book_start.html", {"form": form})


@never_cache
@intake_required_with_booking_state
def book_day(request, intake):
    if already := _already_booked(request, intake):
        return already
    choice, back = _choice_or_redirect(request, request.GET)
    if back:
        return back
    values = choice.querystring_values()
    free = selectors.booking_free_days(
        consultation_type=choice.cleaned_data["type"], pharmacist=choice.cleaned_data["pharmacist"], now=timezone.now()
    )
    # A follow-up is booked inside its window around the date the pharmacist set.
    window = selectors.follow_up_window(intake)
    counts = {day: free.count_on(day) for day in free.days if selectors.in_follow_up_window(day, window)}
    first_day = next((day for day, count in counts.items() if count), None)
    first = free.times_on(first_day)[0] if first_day else None
    return render(
        request,
        "consultations/book_day.html",
        {
            "choice": choice.cleaned_data,
            "months": month_grids(counts, _links_to("book_time", "day", date.isoformat, **values)),
            "first_free": first,
            "first_free_url": first
            and _with_query("book_review", **values, start=iso_start(first.start)),
            "change_url": _with_query("book_start", **values),
            "follow_up_window": window,
        },
    )


def _book_times_page(request, choice, day, *, intake, status=200):
    values = choice.querystring_values()
    times, in_window = selectors.booking_times_on(
        consultation_type=choice.cleaned_data["type"],
        pharmacist=choice.cleaned_data["pharmacist"],
        day=day,
        now=timezone.now(),
    )
    if not selectors.in_follow_up_window(day, selectors.follow_up_window(intake)):
        times, in_window = [], False
    return _render_times(
        request,
        "consultations/book_time.html",
        day=day,
        times=times,
        link_for_start=_links_to("book_review", "start", iso_start, **values),
        context={
            "choice": choice.cleaned_data,
            "days_url": _with_query("book_day", **values),
            "in_window": in_window,
        },
        status=status,
    )


@never_cache
@intake_required_with_booking_state
def book_time(request, intake):
    if already := _already_booked(request, intake):
        return already
    choice, back = _choice_or_redirect(request, request.GET)
    if back:
        return back
    day_form = DayForm(request.GET)
    if not day_form.is_valid():
        return redirect(_with_query("book_day", **choice.querystring_values()))
    return _book_times_page(request, choice, day_form.cleaned_data["day"], intake=intake)


@never_cache
@intake_required_with_booking_state
def book_review(request, intake):
    if already := _already_booked(request, intake):
        return already
    choice, start, back = _choice_and_start_or_redirect(request, request.GET)
    if back:
        return back
    kind = choice.cleaned_data["type"]
    pharmacist = selectors.booking_pharmacist_at(
        consultation_type=kind, start=start, pharmacist=choice.cleaned_data["pharmacist"], now=timezone.now()
    )
    if not selectors.in_follow_up_window(availability.local_day(start), selectors.follow_up_window(intake)):
        pharmacist = None
    if pharmacist is None:
        messages.warning(request, gettext("Sorry, that time is no longer free. Here are the times still free."))
        return _book_times_page(request, choice, availability.local_day(start), intake=intake)
    values = choice.querystring_values()
    return render(
        request,
        "consultations/book_review.html",
        {
            "choice": choice.cleaned_data,
            "values": {**values, "start": iso_start(start)},
            "start": start,
            "end": start + kind.duration,
            "pharmacist": pharmacist,
            "location": pharmacist.location,
            "times_url": _with_query("book_time", **values, day=availability.local_day(start).isoformat()),
        },
    )


@never_cache
@require_POST
@rate_limited("booking", setting="RATE_LIMIT_BOOKING")
@honeypot_checked
@intake_required
def book_confirm(request, intake):
    choice, start, back = _choice_and_start_or_redirect(request, request.POST)
    if back:
        return back
    try:
        # One commit for the booking and the session that remembers it: a durable commit waits for
        # the disk (about 4 ms on this machine, against 0.1 for a statement), and the session
        # written after the view would be a second one.
        with transaction.atomic():
            appointment = services.appointment_book(
                intake=intake,
                consultation_type=choice.cleaned_data["type"],
                mode=choice.cleaned_data["mode"],
                start=start,
                pharmacist=choice.cleaned_data["pharmacist"],
            )
            _remember_confirmed(request, appointment)
    except services.SlotUnavailable as refusal:
        messages.warning(request, refusal.message)
        return _book_times_page(request, choice, availability.local_day(start), intake=intake)
    except services.AlreadyBooked as refusal:
        request.session[CONFIRMED_SESSION_KEY] = refusal.appointment.manage_token
        messages.info(request, refusal.message)
        return redirect("consultations:book_confirmed")
    except services.NotAllowed as refusal:
        messages.error(request, refusal.message)
        return redirect(_with_query("book_start", **choice.querystring_values()))
    return redirect("consultations:book_confirmed")


def _remember_confirmed(request, appointment: Appointment) -> None:
    """Keep the booking's manage token in the session for the confirmed page, written now, in the
    booking's transaction, so the session middleware has nothing left to write. A session deleted
    meanwhile is left to the middleware, which says so as it always did; the booking stands."""
    request.session[CONFIRMED_SESSION_KEY] = appointment.manage_token
    try:
        request.session.save()
    except UpdateError:
        return
    request.session.modified = False


@never_cache
def book_confirmed(request):
    appointment = selectors.appointment_by_token(request.session.get(CONFIRMED_SESSION_KEY, ""))
    if appointment is None:
        return redirect("consultations:book_start")
    return render(
        request,
        "consultations/book_confirmed.html",
        {
            "appointment": appointment,
            "manage_url": selectors.appointment_manage_url(appointment),
            "video": selectors.video_join(appointment, now=timezone.now()),
        },
    )


# --- the manage link -------------------------------------------------------------------------------


def _refuse_if_locked(request, appointment):
    """A redirect to the manage page with the reason, when the patient may no longer change it.

    The pickers are not offered then; the service still decides when a change is posted.
    """
    if selectors.patient_may_change(appointment, now=timezone.now()):
        return None
    if appointment.is_active:
        messages.error(request, selectors.too_late_message(appointment))
    else:
        messages.info(request, gettext("This consultation can no longer be changed."))
    return redirect("consultations:manage", token=appointment.manage_token)


@never_cache
@rate_limited("manage", setting="RATE_LIMIT_MANAGE")
def manage(request, token):
    appointment = _appointment_or_404(token)
    _remember_chosen_language(request, appointment.patient)
    now = timezone.now()
    changeable = selectors.patient_may_change(appointment, now=now)
    return render(
        request,
        "consultations/manage_detail.html",
        {
            "appointment": appointment,
            "changeable": changeable,
            "video": selectors.video_join(appointment, now=now),
            "too_late": appointment.is_active and not changeable and selectors.too_late_message(appointment),
            "manage_url": selectors.appointment_manage_url(appointment),
        },
    )


@never_cache
@rate_limited("manage", setting="RATE_LIMIT_MANAGE")
def manage_reschedule_day(request, token):
    appointment = _appointment_or_404(token)
    if refused := _refuse_if_locked(request, appointment):
        return refused
    days = selectors.reschedule_days(appointment=appointment, now=timezone.now())
    link = lambda day: _with_query("manage_reschedule_time", token, day=day.isoformat())  # noqa: E731
    return render(
        request,
        "consultations/manage_reschedule_day.html",
        {"appointment": appointment, "months": month_grids({day: len(times) for day, times in days.items()}, link)},
    )


def _manage_times_page(request, appointment, day, *, status=200):
    times, in_window = selectors.reschedule_times_on(appointment=appointment, day=day, now=timezone.now())
    token = appointment.manage_token
    return _render_times(
        request,
        "consultations/manage_reschedule_time.html",
        day=day,
        times=times,
        link_for_start=lambda start: _with_query("manage_reschedule_review", token, start=iso_start(start)),
        context={
            "appointment": appointment,
            "days_url": reverse("consultations:manage_reschedule_day", args=[token]),
            "in_window": in_window,
        },
        status=status,
    )


@never_cache
@rate_limited("manage", setting="RATE_LIMIT_MANAGE")
def manage_reschedule_time(request, token):
    appointment = _appointment_or_404(token)
    if refused := _refuse_if_locked(request, appointment):
        return refused
    day_form = DayForm(request.GET)
    if not day_form.is_valid():
        return redirect("consultations:manage_reschedule_day", token=token)
    return _manage_times_page(request, appointment, day_form.cleaned_data["day"])


@never_cache
@require_http_methods(["GET", "POST"])
@rate_limited("manage", setting="RATE_LIMIT_MANAGE")
def manage_reschedule_review(request, token):
    appointment = _appointment_or_404(token)
    if refused := _refuse_if_locked(request, appointment):
        return refused
    start_form = StartForm(request.POST if request.method == "POST" else request.GET)
    if not start_form.is_valid():
        return redirect("consultations:manage_reschedule_day", token=token)
    start = start_form.cleaned_data["start"]
    if request.method == "POST":
        try:
            moved = services.appointment_reschedule(appointment=appointment, start=start)
        except services.SlotUnavailable as refusal:
            messages.warning(request, refusal.message)
            return _manage_times_page(request, appointment, availability.local_day(start))
        except services.BookingError as refusal:
            messages.error(request, refusal.message)
            return redirect("consultations:manage", token=token)
        messages.success(request, gettext("Your consultation has been moved. We have emailed you the new time."))
        return redirect("consultations:manage", token=moved.manage_token)
    if not selectors.reschedule_is_free(appointment=appointment, start=start, now=timezone.now()):
        messages.warning(request, gettext("Sorry, that time is not free. Here are the times still free."))
        return _manage_times_page(request, appointment, availability.local_day(start))
    return render(
        request,
        "consultations/manage_reschedule_review.html",
        {
            "appointment": appointment,
            "start": start,
            "end": start + appointment.consultation_type.duration,
            "start_iso": iso_start(start),
            "times_url": _with_query(
                "manage_reschedule_time", token, day=availability.local_day(start).isoformat()
            ),
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
@rate_limited("manage", setting="RATE_LIMIT_MANAGE")
def manage_cancel(request, token):
    """GET only asks; a POST (from the button, with its CSRF token) cancels. Link scanners only GET."""
    appointment = _appointment_or_404(token)
    if refused := _refuse_if_locked(request, appointment):
        return refused
    if request.method == "POST":
        try:
            services.appointment_cancel(appointment=appointment)
        except services.BookingError as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(request, gettext("Your consultation is cancelled. We have emailed you a confirmation."))
        return redirect("consultations:manage", token=token)
    return render(request, "consultations/manage_cancel.html", {"appointment": appointment})


@never_cache
@rate_limited("manage", setting="RATE_LIMIT_MANAGE")
def manage_ics(request, token):
    appointment = _appointment_or_404(token)
    method = calendar.ics_method(appointment)
    if method is None:
        raise Http404
    response = HttpResponse(
        calendar.appointment_ics(appointment=appointment, method=method), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{calendar.ICS_FILENAME}"'
    return response

