"""The letter to the patient's prescriber: one page of PDF, written from a signed record (fpdf2).

It holds what the patient gave and what the pharmacist concluded, nothing else: the pharmacy and
the pharmacist, the patient's name and date of birth, the medicines as the patient listed them,
what screening raised on their own answers (never a staff-only flag) with how the pharmacist
resolved each point, the recommendation, and a proposed titration for the prescriber to confirm.
The pharmacy gives or sends it itself: this system sends nothing by fax or Direct messaging.

fpdf2's built-in fonts cover Latin-1 only; ``_latin1`` puts typographic characters into their
plain forms and anything else as "?", so no text a patient typed can fail the download.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from django.utils import timezone
from fpdf import FPDF

from patients.models import Intake

from . import selectors
from .models import ConsultationRecord

PLAIN = str.maketrans({"–": "-", "—": "-", "‘": "'", "’": "'", "“": '"', "”": '"', "•": "-", "…": "...", "\u00a0": " "})
FONT_SIZES = (10, 9, 8, 7)  # smaller until the letter fits one page
MAX_CHARS = 1200  # past this a single answer is cut (at the smallest size only)


def _latin1(text: str) -> str:
    text = unicodedata.normalize("NFC", (text or "").translate(PLAIN))
    return text.encode("latin-1", "replace").decode("latin-1")


@dataclass(frozen=True)
class Section:
    heading: str
    lines: list[str]


def letter_sections(record: ConsultationRecord) -> tuple[list[str], list[Section]]:
    """The letter's header lines and its sections, as text (tests read the same back from the PDF)."""
    appointment = record.appointment
    patient = appointment.patient
    intake: Intake | None = appointment.intake
    pharmacy = selectors.pharmacy()
    consultation_day = timezone.localdate(appointment.start)
    header = [
        pharmacy.name,
        pharmacy.address if pharmacy.pk else "",
        f"Phone {selectors.pharmacy_phone()}",
        f"Date: {timezone.localdate(record.signed_at):%B %-d, %Y}",
    ]
    to = record.prescriber_name or "The patient's prescriber"
    if record.prescriber_clinic:
        to += f", {record.prescriber_clinic}"

    if intake is None:
        medications = ["No intake was on file for this consultation."]
    elif intake.takes_no_medications:
        medications = ["The patient said they take no medicines or supplements."]
    else:
        medications = [
            " ".join(part for part in (m.text, m.dose, m.frequency) if part) for m in intake.medications.all()
        ]

    screening: list[str] = []
    if intake is not None:
        for flag in intake.flags.filter(staff_only=False).order_by("id"):
            screening.append(f"Raised: {flag.explanation}")
            resolution = record.flag_resolutions.get(str(flag.pk), "")
            screening.append(f"Resolved: {resolution or 'Discussed at the consultation; see the recommendation.'}")
    if not screening:
        screening = ["Screening raised nothing on the patient's answers."]

    outcome = ConsultationRecord.Outcome(record.outcome).label
    recommendation = [f"Outcome: {outcome}."]
    if record.outcome == ConsultationRecord.Outcome.NOT_SUITABLE_NOW:
        recommendation.append(f"Not suitable now because: {record.not_suitable_reason}")
        if record.review_after:
            recommendation.append(f"To be reviewed again after {record.review_after:%B %-d, %Y}.")
    if record.recommendation:
        recommendation.append(record.recommendation)

    sections = [
        Section("To", [to]),
        Section(
            "From",
            [f"{record.signed_name}, pharmacist, {pharmacy.name}",
             f"Consultation on {consultation_day:%B %-d, %Y}; signed {timezone.localtime(record.signed_at):%B %-d, %Y %-I:%M %p %Z}"],
        ),
        Section(
            "Patient",
            [f"{patient.full_name}, born {patient.date_of_birth:%B %-d, %Y}",
             f"The patient agreed on {timezone.localdate(record.prescriber_consent_at):%B %-d, %Y} "
             "that the pharmacy may contact you about this consultation."],
        ),
        Section("Current medications, as the patient listed them", medications),
        Section("What screening raised and how it was resolved", screening),
        Section("Pharmacist's recommendation", recommendation),
        Section("Proposed titration, for you to confirm", [record.titration or "None proposed."]),
    ]
    return [line for line in header if line], sections


FOOTER = (
    "Low dose naltrexone is compounded only on a prescription. Please confirm, change or decline "
    "the proposed titration. This letter is not sent by fax or Direct messaging from our booking "
    "system; the pharmacy gives it to the patient or sends it to you itself."
)


def _render(header: list[str], sections: list[Section], size: int, cut: bool) -> FPDF:
    pdf = FPDF(format="Letter", unit="mm")
    pdf.set_auto_page_break(auto=True, margin=14)
    pdf.set_margins(18, 16, 18)
    pdf.add_page()
    line = size * 0.5
    pdf.set_font("Helvetica", "B", size + 4)
    pdf.multi_cell(0, line + 2, _latin1("Letter to the prescriber: low dose naltrexone (LDN)"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", size)
    for text in header:
        pdf.multi_cell(0, line, _latin1(text), new_x="LMARGIN", new_y="NEXT")
    for section in sections:
        pdf.ln(line * 0.6)
        pdf.set_font("Helvetica", "B", size + 1)
        pdf.multi_cell(0, line + 0.5, _latin1(section.heading), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", size)
        for text in section.lines:
            if cut and len(text) > MAX_CHARS:
                text = text[:MAX_CHARS] + " [...]"
            pdf.multi_cell(0, line, _latin1(text), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(line)
    pdf.set_font("Helvetica", "I", size - 1)
    pdf.multi_cell(0, line, _latin1(FOOTER), new_x="LMARGIN", new_y="NEXT")
    return pdf


def prescriber_letter_pdf(*, record: ConsultationRecord) -> bytes:
    """The letter as PDF bytes, on one page: the font shrinks, and at the smallest size very long
    answers are cut, until it fits."""
    header, sections = letter_sections(record)
    pdf = None
    for size in FONT_SIZES:
        pdf = _render(header, sections, size, cut=False)
        if pdf.pages_count == 1:
            return bytes(pdf.output())
    pdf = _render(header, sections, FONT_SIZES[-1], cut=True)
    return bytes(pdf.output())


def letter_filename(record: ConsultationRecord) -> str:
    # No name in the file name: downloads folders and browser histories keep it.
    return f"prescriber-letter-{record.appointment_id}.pdf"
