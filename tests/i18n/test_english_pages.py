"""Issue #18, the other side: with English (chosen at the switch, or never chosen) a few pages of
the same walk stay English — the translation must not leak Spanish to everyone."""

import pytest
from django.test import Client

from tests.i18n import test_spanish_pages as walk
from tests.i18n.conftest import choose_language
from tests.i18n.english import SPANISH, WORD, html_lang, template_syntax_shown, visible_text

pytestmark = pytest.mark.django_db

# A page, and words it says in English today (tests/welltopia, tests/patients, tests/consultations).
PAGES = [
    (walk.home, "Start your intake"),
    (walk.intake_with_errors, "answers need a second look"),
    (walk.summary_opioid, "Something to talk through first"),
    (walk.booking_step("day"), "Earliest free time"),
    (walk.manage_detail, "Change the time"),
    (walk.not_found, "find that page"),
]


# What the walk's patient typed in Spanish, shown back to them: data, not the interface.
TYPED = ("Dolores", "Díaz", "metformina", "dos veces al día", "cuando lo necesito", "cada día")


# The day picker's English column heads "Tu" and "Su" (Tuesday, Sunday) are also Spanish words
# ("your", "his"): as two-letter heads they say nothing about the page's language.
WEEKDAY_HEADS = {"Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"}


def spanish_words(html):
    pieces = [piece for piece in visible_text(html) if piece not in WEEKDAY_HEADS]
    for typed in TYPED:
        pieces = [piece.replace(typed, " ") for piece in pieces]
    return sorted({w for piece in pieces for w in WORD.findall(piece) if w.lower() in SPANISH})


@pytest.mark.parametrize("chosen", [True, False], ids=["english-chosen", "never-chosen"])
@pytest.mark.parametrize("visit,words", PAGES, ids=[visit.__name__ for visit, _ in PAGES])
def test_english_stays_english(visit, words, chosen, pharmacy, settings):
    settings.DEBUG = False
    client = choose_language(Client(), "en") if chosen else Client()

    response, status = visit(client, pharmacy, settings)

    html = response.content.decode()
    assert response.status_code == status
    assert html_lang(html) == "en"
    assert words in html
    assert spanish_words(html) == [], "Spanish on an English page"
    assert template_syntax_shown(html) == []
