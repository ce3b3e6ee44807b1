"""Finding English left over on a page or in an email that should be Spanish.

What a patient reads is collected from the HTML (``visible_text``): text outside scripts and
styles, the <title>, and the attributes a patient sees or hears — alt, title, aria-label,
placeholder, the value of buttons, and the data-*-message texts the page's scripts show. Each
piece is cut into segments at sentence ends and separators, and a segment is English when
(``english_leftovers``):

- it has three words or more, at least half of them are common English words (a list below:
  function words and the interface's own vocabulary), and they outnumber any Spanish words more
  than two to one — a Spanish sentence is full of "de", "la", "que", "su", "usted", accents; or
- it is a short label (one or two words: a button, a table heading, a day name) made only of
  common English words and nothing Spanish.

Things that legitimately stay English are taken out first (``ALLOWED_PHRASES``, ``DRUG_NAMES``):
the pharmacy's and the site's names, drug and product names, the test data a fixture typed
(names, address), and addresses, links and phone numbers. Words that are the same in both
languages (no, a, me, total, video, error, hospital...) are in neither list, so they count for
nothing; so do AM and PM, a clock notation US Spanish uses too (an email's "9:00 AM CST" inside
a Spanish sentence and a page's lone "9:00 AM" button must get the same verdict). The day
picker's two-letter English column heads count as English, except "Tu" and "Su", which are Spanish
words too, and a lone Spanish head "Do" (domingo) is not the English "do".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

# --- What stays English on a Spanish page, and why --------------------------------------------------
# Proper names: the site, the pharmacy and the fixtures' people and address (data, not interface).
ALLOWED_PHRASES = [
    "Welltopia Compounding Pharmacy",  # the Location row's name (tests.factories.LocationFactory)
    "Welltopia Consult",  # the site's name
    "Welltopia",
    "2400 University Avenue",  # the fixture pharmacy's street
    "Madison, WI 53726",
    "Madison",
    "PharmD",  # a US degree after a pharmacist's name
    "Google Meet",
    "Zoom",
]
# Drug and product names a patient reads on the home page, the summary and the explanations.
DRUG_NAMES = [
    "LDN", "naltrexone", "Naltrexone", "naltrexona", "methadone", "buprenorphine", "Suboxone",
    "oxycodone", "OxyContin", "tramadol", "codeine", "hydrocodone", "morphine", "fentanyl",
    "metformin", "Vivitrol", "Revia", "Tylenol", "Vicodin", "Percocet",
]
URL = re.compile(r"(?:https?://|www\.)\S+|/[\w\-/]+/(?=\s|$)")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
PHONE = re.compile(r"\+?\(?\d[\d\s().-]{6,}\d")
# Segments end at sentence ends, separators and line breaks.
SEGMENT_END = re.compile(r"(?<=[.!?;:·•|])\s+|\n+|\s[·•|–—]\s")
WORD = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿ][A-Za-zÀ-ÖØ-öø-ÿ'’]*")
SPANISH_LETTERS = re.compile(r"[áéíóúñüÁÉÍÓÚÑÜ¿¡]")

# Common English words: function words and the interface's vocabulary (booking, intake, health).
# None of them is also an everyday Spanish word.
_ENGLISH_WORDS = """
    the an and or but if then than that this these those there here what which who whom whose when
    where why how all any each every some not nor only also just very more most much many few
    less least other another such same own so too can could will would shall should may might must
    do does did done doing have has had having be is are was were been being i you your yours we
    our ours us they them their it its him his she her of to in on at by for with without from
    into onto about above below after before during until while since up down out over under again
    once off as per via please thank thanks yes okay ok hello hi dear welcome sorry
    book booked booking bookings appointment appointments consultation consultations time times
    date dates day days week weeks month months year years today tomorrow yesterday morning
    afternoon evening night hour hours minute minutes now later soon earliest first last next back
    previous continue submit send sent save saved cancel cancelled canceled change changed changes
    reschedule rescheduled move moved confirm confirmed confirmation review choose chose pick
    select start started begin end ends finish done close open opened get got go going come see
    show find found call called calls email emails link links address phone number name names
    details detail page pages home privacy notice policy help questions question answer answers
    answered ask asked tell told need needs needed want wants like know keep kept take takes taken
    taking give given make made read let try again left right new old free full available
    unavailable booked still already other way ways step steps yourself about here your
    pharmacist pharmacists pharmacy medicine medicines medication medications supplement
    supplements dose doses prescription prescribed prescriber doctor provider healthcare health
    pain chronic pregnant pregnancy breastfeeding opioid opioids treatment allergies allergy
    condition conditions intake form forms field fields required optional check checked
    something nothing anything everything someone anyone nobody everyone thing things
    person people patient patients reminder reminders invitation invite calendar attached
    with who whom where when while what which wrong right good sure unsure yes agree agreed
    understand understood consent privacy stopped stop often daily twice weekly monthly
    birth born first last enter entered type typed write wrote again mobile landline
    online offline person visit visits join joined meeting
    monday tuesday wednesday thursday friday saturday sunday
    january february march april may june july august september october november december
    eastern pacific mountain standard daylight
    errors problem problems sorry wait waiting please tried trying try
    care careful carefully safe safety usually usual simple quick minutes long short
    briefly blocks bring brings withdrawal approved study studies evidence results
    add added remove removed list listed mail app opens download downloaded
    mo th fr sa
"""
ENGLISH = set(_ENGLISH_WORDS.split())
# Everyday Spanish words, none of them also an English word: a segment with these is Spanish.
_SPANISH_WORDS = """
    el la los las lo le les del al de que y en un una unos unas por para con sin su sus es son
    está están esta este estos estas ese esa eso usted ustedes nosotros nuestro nuestra
    nuestros nuestras mi mis tu tus se si sí ya muy más pero como cuando donde dónde cómo qué
    cuál quién hay ser estar tiene tienen puede pueden debe hacer hora horas día días semana
    mes año hoy mañana tarde noche cita citas consulta consultas farmacéutico farmacéutica
    farmacia medicamento medicamentos dosis receta correo teléfono nombre apellido fecha
    nacimiento enviar reservar cancelar cambiar volver siguiente anterior continuar elegir
    confirmar gracias hola por favor aviso privacidad página inicio ayuda preguntas
    lunes martes miércoles jueves viernes sábado domingo enero febrero marzo abril mayo junio
    julio agosto septiembre octubre noviembre diciembre
"""
SPANISH = set(_SPANISH_WORDS.split())
# The day picker's Spanish two-letter column heads; "Do" (domingo) alone is not the English "do".
SPANISH_WEEKDAY_HEADS = {"lu", "ma", "mi", "ju", "vi", "sá", "do"}


@dataclass(frozen=True)
class Leftover:
    where: str
    text: str

    def __str__(self):
        return f"{self.where}: {self.text!r}"


class _VisibleText(HTMLParser):
    """Text and spoken attributes, in page order; nothing from <script>, <style> or <template>."""

    SKIP = {"script", "style", "template"}
    SPOKEN = ("alt", "title", "aria-label", "placeholder", "aria-description")
    BUTTON_TYPES = {"submit", "button", "reset"}
    BLOCKS = {
        "p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "section", "header",
        "footer", "nav", "main", "form", "fieldset", "legend", "label", "table", "tr", "td", "th",
        "br", "button", "a", "option", "select", "title", "dt", "dd", "summary", "details", "span",
        "strong", "input", "textarea", "small", "em", "abbr", "time",
    }

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.pieces: list[str] = []
        self._skipping = 0
        self._text: list[str] = []
        self.html_lang: str | None = None

    def _flush(self):
        text = " ".join("".join(self._text).split())
        if text:
            self.pieces.append(text)
        self._text = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "html":
            self.html_lang = attributes.get("lang")
        if tag in self.SKIP:
            self._skipping += 1
            return
        # Inline tags do not end a segment (a link inside a sentence is part of the sentence);
        # block tags and form controls do.
        if tag in self.BLOCKS and tag not in {"a", "strong", "em", "span", "abbr", "time", "small"}:
            self._flush()
        for name in self.SPOKEN:
            if attributes.get(name):
                self.pieces.append(" ".join(attributes[name].split()))
        for name, value in attributes.items():
            if name.startswith("data-") and name.endswith(("message", "label", "text")) and value:
                self.pieces.append(" ".join(value.split()))
        if tag == "input" and (attributes.get("type") or "").lower() in self.BUTTON_TYPES and attributes.get("value"):
            self.pieces.append(attributes["value"])

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag in self.SKIP:
            self._skipping -= 1

    def handle_endtag(self, tag):
        if tag in self.SKIP:
            self._skipping = max(0, self._skipping - 1)
            return
        if tag in self.BLOCKS and tag not in {"a", "strong", "em", "span", "abbr", "time", "small"}:
            self._flush()

    def handle_data(self, data):
        if not self._skipping:
            self._text.append(data)

    def close(self):
        super().close()
        self._flush()


def visible_text(html: str) -> list[str]:
    """What a patient reads or hears on a page, as pieces in page order."""
    parser = _VisibleText()
    parser.feed(html)
    parser.close()
    return parser.pieces


def html_lang(html: str) -> str | None:
    parser = _VisibleText()
    parser.feed(html)
    parser.close()
    return parser.html_lang


def template_syntax_shown(html: str) -> list[str]:
    """Pieces of visible text holding Django template syntax: a {# #} comment written over two
    lines (it only works on one), or a tag or variable a translation broke."""
    return [piece for piece in visible_text(html) if re.search(r"\{[#%{]|[#%}]\}", piece)]


# Spanish always contracts "a el" and "de el" to "al" and "del" (not before "él", the pronoun).
MISSED_CONTRACTION = re.compile(r"(?<!\w)(?:a|de)\s+el(?!\w)", re.IGNORECASE)


def contractions_missed(pieces) -> list[str]:
    """Pieces where "a el" / "de el" was left uncontracted: what a translation that fills a
    placeholder or joins two phrases tends to produce."""
    return [piece for piece in pieces if MISSED_CONTRACTION.search(piece)]


def _without_allowed(text: str, extra_allowed=()) -> str:
    for pattern in (URL, EMAIL, PHONE):
        text = pattern.sub(" ", text)
    for phrase in sorted([*ALLOWED_PHRASES, *extra_allowed], key=len, reverse=True):
        if phrase:
            text = re.sub(rf"(?<!\w){re.escape(phrase)}(?!\w)", " ", text)
    for name in DRUG_NAMES:
        text = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", " ", text, flags=re.IGNORECASE)
    return text


def segments(text: str) -> list[str]:
    return [part.strip() for part in SEGMENT_END.split(text) if part and part.strip()]


def is_english(segment: str) -> bool:
    words = [w.lower().strip("'’") for w in WORD.findall(segment)]
    if not words:
        return False
    english = sum(1 for w in words if w in ENGLISH)
    spanish = sum(1 for w in words if w in SPANISH) + len(SPANISH_LETTERS.findall(segment))
    if len(words) == 1 and words[0] in SPANISH_WEEKDAY_HEADS:
        return False
    if len(words) <= 2:
        return english == len(words) and spanish == 0
    return english >= 2 and english * 2 >= len(words) and english > 2 * spanish


def english_leftovers(pieces, *, where: str, allowed=()) -> list[Leftover]:
    """Each English segment left in ``pieces`` (strings), named by ``where``."""
    found = []
    for piece in pieces:
        for segment in segments(_without_allowed(piece, allowed)):
            if is_english(segment):
                found.append(Leftover(where, " ".join(segment.split())))
    return found


def english_in_html(html: str, *, where: str, allowed=()) -> list[Leftover]:
    return english_leftovers(visible_text(html), where=where, allowed=allowed)


def english_in_text(text: str, *, where: str, allowed=()) -> list[Leftover]:
    """For plain-text emails and subjects: every line is a piece."""
    return english_leftovers(text.splitlines(), where=where, allowed=allowed)


def report(leftovers) -> str:
    lines = [f"{len(leftovers)} English segment(s) left on Spanish pages or emails:"]
    lines.extend(f"  - {leftover}" for leftover in leftovers)
    return "\n".join(lines)
