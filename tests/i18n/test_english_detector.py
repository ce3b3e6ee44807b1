"""The check the Spanish walk relies on: it finds English and lets Spanish and proper names pass.

Plain Python over strings: no database, no translation needed. If one of these fails the walk's
verdicts mean nothing, so they are kept beside it.
"""

import pytest

from tests.i18n.english import (
    contractions_missed,
    english_in_html,
    english_in_text,
    html_lang,
    is_english,
    template_syntax_shown,
    visible_text,
)


@pytest.mark.parametrize(
    "sentence",
    [
        "Talk to a pharmacist about low dose naltrexone",
        "Please choose one of the ways listed.",
        "You told us you take no medications or supplements.",
        "Your consultation is booked",
        "Confirm booking",
        "Change the time",
        "Morning",
        "When",
        "Tuesday, June 2",
        "Tuesday 2 June, 9:00 am, Central Time",
        "Tuesday 2 June, 9:00, Central Time",
        "Before choosing a time, please tell us a little about yourself.",
        "Nothing here is a diagnosis.",
    ],
)
def test_english_is_found(sentence):
    assert is_english(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "Hable con un farmacéutico sobre la naltrexona en dosis bajas",
        "Por favor, elija una de las opciones de la lista.",
        "Usted nos dijo que no toma medicamentos ni suplementos.",
        "Su consulta está reservada",
        "Confirmar la cita",
        "Cambiar la hora",
        "Mañana",
        "Cuándo",
        "martes, 2 de junio",
        "martes 2 de junio, 9:00, hora del centro",
        "Nada de esto es un diagnóstico.",
        "Charlie Chen, PharmD",
        "Video",
        "No",
        "Do",
        "9:00 AM",
        "viernes 4 de diciembre de 2026, 9:00 AM CST",
    ],
)
def test_spanish_and_neutral_words_pass(sentence):
    assert not is_english(sentence)


def test_names_drugs_links_and_numbers_are_allowed_to_stay():
    html = (
        '<html lang="es"><body><p>Welltopia Compounding Pharmacy · 2400 University Avenue, Madison, WI 53726</p>'
        "<p>LDN, naltrexone, methadone, buprenorphine</p>"
        '<p><a href="https://example.com/x">https://welltopia.example/appointments/abc/</a> info@welltopia.example</p>'
        "<p>+1 608-555-0142</p></body></html>"
    )
    assert english_in_html(html, where="names") == []


def test_scripts_and_styles_are_not_read_but_spoken_attributes_are():
    html = (
        "<html><head><title>Book your time</title><style>.x{}</style></head><body>"
        "<script>var message = 'Please wait for the page to load';</script>"
        '<img src="x.png" alt="The pharmacy front door">'
        '<input type="submit" value="Send my answers">'
        '<input type="hidden" value="this is never shown to anyone">'
        '<input placeholder="for example twice a day">'
        '<a aria-label="Tuesday, June 2: five free times" href="/">2</a>'
        '<span title="Opens your mail app">?</span>'
        '<div data-full-message="You can add up to 40 medications."></div>'
        "</body></html>"
    )
    found = {leftover.text for leftover in english_in_html(html, where="sample")}

    assert found == {
        "Book your time",
        "The pharmacy front door",
        "Send my answers",
        "for example twice a day",
        "Tuesday, June 2:",
        "five free times",
        "Opens your mail app",
        "You can add up to 40 medications.",
    }


def test_a_spanish_page_with_one_english_sentence_reports_that_sentence():
    html = (
        '<html lang="es"><body><h1>Gracias, Dana</h1>'
        "<p>El farmacéutico leerá sus respuestas antes de la consulta. Please keep taking your medicines.</p>"
        "</body></html>"
    )
    assert [leftover.text for leftover in english_in_html(html, where="summary")] == [
        "Please keep taking your medicines."
    ]
    assert html_lang(html) == "es"


def test_plain_text_is_read_line_by_line():
    text = "Hola Dana:\n\nSu consulta está reservada.\nWhen: martes\nQuestions? Call the pharmacy."
    found = [leftover.text for leftover in english_in_text(text, where="email")]
    assert found == ["When:", "Questions?", "Call the pharmacy."]


def test_visible_text_keeps_a_link_inside_its_sentence():
    pieces = visible_text('<p>Lea el <a href="/privacy/">aviso de privacidad</a> antes de enviar.</p>')
    assert pieces == ["Lea el aviso de privacidad antes de enviar."]


def test_template_syntax_printed_on_a_page_is_found():
    html = "<header>{# a comment over\n two lines #}<nav>Inicio</nav></header><p>{{ name }}</p>"
    assert template_syntax_shown(html) == ["{# a comment over two lines #}", "{{ name }}"]
    assert template_syntax_shown("<p>Precio: {0}</p>") == []


def test_a_missed_spanish_contraction_is_found():
    assert contractions_missed(["Dígaselo a el farmacéutico.", "Llame al farmacéutico.", "Se lo decimos a él.",
                                "Antes de el lunes", "la hora del centro"]) == [
        "Dígaselo a el farmacéutico.", "Antes de el lunes",
    ]
