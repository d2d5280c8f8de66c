"""«Уведомление о замечаниях»: the letter to the applicant, from the open findings and the missing
documents, in Russian or Kazakh (texts: ``letters.yaml``, data, not code).

The reviewer gets a generated text, edits it, saves it as a draft and issues it; an issued letter is
kept as sent (``applicant_letters``) and every save and issue is audited with the text. The letter is
printed as PDF (the report's fpdf2 machinery, ``api.web.report_pdf``) or DOCX (python-docx).

The caller locks the application row before writing (``review.lock_application``) and commits afterwards.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.audit import record_event
from models.db import ApplicantLetterRow, ApplicationRow, FindingDecisionRow, FindingVerdict, utc_now
from models.domain import Finding, Severity
from validators.findings import catalogue, doc_type_label, finding_key

LETTER_TEXTS_PATH = Path(__file__).resolve().parent / "letters.yaml"
LETTER_SAVE = "letter.save"
LETTER_ISSUE = "letter.issue"


class LetterTexts(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    title: str
    to: str
    intro: str
    missing_heading: str
    remarks_heading: str
    nothing: str
    closing: str
    signed: str
    dated: str
    draft_mark: str
    remark_file: str
    doc_types: dict[str, str] = {}  # empty: the catalogue's (Russian) names
    findings: dict[str, str] = {}


class LetterCatalogue(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    internal_codes: frozenset[str]
    languages: dict[str, LetterTexts]


@lru_cache(maxsize=1)
def letter_catalogue() -> LetterCatalogue:
    return LetterCatalogue.model_validate(yaml.safe_load(LETTER_TEXTS_PATH.read_text(encoding="utf-8")))


def letter_language(lang: str) -> str:
    """A language the letter is written in (``ru`` for anything else)."""
    return lang if lang in letter_catalogue().languages else "ru"


class LetterError(ValueError):
    """The letter cannot be saved or issued as asked (Russian message); nothing was changed."""


@dataclass(frozen=True)
class LetterFacts:
    applicant: str
    bin: str
    dossier: str
    date: str  # the application's date, dd.mm.yyyy
    measure: str
    reviewer: str
    today: str  # dd.mm.yyyy


def open_letter_findings(findings: list[Finding], verdicts: dict[str, FindingDecisionRow]) -> list[Finding]:
    """What the letter names: errors and warnings no reviewer dismissed, the applicant can act on."""
    internal = letter_catalogue().internal_codes
    return [
        f
        for f in findings
        if f.severity in (Severity.ERROR, Severity.WARNING)
        and f.code not in internal
        and getattr(verdicts.get(finding_key(f)), "verdict", None) != FindingVerdict.DISMISSED.value
    ]


def compose_letter(findings: list[Finding], facts: LetterFacts, lang: str) -> str:
    """The letter as plain text (lines; list items start with a number), ready to be edited."""
    texts = letter_catalogue().languages[letter_language(lang)]
    missing = [f for f in findings if f.code == "MISSING_DOCUMENT"]
    remarks = [f for f in findings if f.code != "MISSING_DOCUMENT"]
    fill = {"applicant": facts.applicant, "bin": facts.bin, "dossier": facts.dossier, "date": facts.date,
            "measure": facts.measure}
    lines = [texts.to.format(**fill), "", texts.intro.format(**fill), ""]
    if missing:
        lines.append(texts.missing_heading)
        names = dict.fromkeys(_doc_type_name(texts, f.doc_type) for f in missing)
        lines += [f"{n}. {name}" for n, name in enumerate(names, 1)]
        lines.append("")
    if remarks:
        lines.append(texts.remarks_heading)
        lines += [f"{n}. {_remark(texts, f, lang)}" for n, f in enumerate(remarks, 1)]
        lines.append("")
    if not missing and not remarks:
        lines += [texts.nothing, ""]
    lines += [texts.closing, "", texts.signed.format(reviewer=facts.reviewer), texts.dated.format(date=facts.today)]
    return "\n".join(lines)


def _doc_type_name(texts: LetterTexts, doc_type: str | None) -> str:
    name = texts.doc_types.get(doc_type or "") if texts.doc_types else None
    return name[:1].upper() + name[1:] if name else doc_type_label(doc_type)


def _remark(texts: LetterTexts, finding: Finding, lang: str) -> str:
    if letter_language(lang) == "ru":
        return finding.message  # the catalogue's Russian message names the document and the values
    label = texts.findings.get(finding.code) or catalogue().label(finding.code)
    return f"{label}: {texts.remark_file.format(file=finding.file)}." if finding.file else f"{label}."


# --------------------------------------------------------------------------- drafts and issued letters


def draft_of(session: Session, application_id: str, lang: str) -> ApplicantLetterRow | None:
    return session.scalars(
        select(ApplicantLetterRow).where(
            ApplicantLetterRow.application_id == application_id,
            ApplicantLetterRow.lang == lang,
            ApplicantLetterRow.issued_at.is_(None),
        )
    ).first()


def issued_letters(session: Session, application_id: str) -> list[ApplicantLetterRow]:
    return list(
        session.scalars(
            select(ApplicantLetterRow)
            .where(ApplicantLetterRow.application_id == application_id, ApplicantLetterRow.issued_at.is_not(None))
            .order_by(ApplicantLetterRow.issued_at.desc())
        )
    )


def save_draft(session: Session, app: ApplicationRow, user_id: str, lang: str, body: str) -> ApplicantLetterRow:
    """The reviewer's text becomes the draft of this language (audited with the text)."""
    row = _store(session, app, user_id, lang, body)
    record_event(session, LETTER_SAVE, app.id, user_id=user_id, letter_id=row.id, lang=lang, body=row.body)
    return row


def issue_letter(session: Session, app: ApplicationRow, user_id: str, lang: str, body: str) -> ApplicantLetterRow:
    """The text as sent: stored and issued at once; from then on it is kept unchanged (audited with the text)."""
    if app.result is None:
        raise LetterError("Проверка досье ещё не завершена: уведомление можно выдать после неё.")
    row = _store(session, app, user_id, lang, body)
    row.issued_by, row.issued_at = user_id, utc_now()
    session.flush()
    record_event(session, LETTER_ISSUE, app.id, user_id=user_id, letter_id=row.id, lang=lang, body=row.body)
    return row


def _store(session: Session, app: ApplicationRow, user_id: str, lang: str, body: str) -> ApplicantLetterRow:
    text = _clean(body)
    row = draft_of(session, app.id, lang)
    if row is None:
        row = ApplicantLetterRow(application_id=app.id, lang=lang, body=text)
        session.add(row)
    row.body, row.updated_by, row.updated_at = text, user_id, utc_now()
    session.flush()
    return row


def _clean(body: str) -> str:
    text = "\n".join(line.rstrip() for line in body.replace("\r\n", "\n").split("\n")).strip()
    if not text:
        raise LetterError("Текст уведомления пуст.")
    return text


# --------------------------------------------------------------------------- PDF and DOCX


def letter_pdf(title: str, body: str, footer: str, draft_mark: str | None) -> bytes:
    """The letter as PDF: the report's pages and fonts (DejaVu, Cyrillic and Kazakh letters)."""
    from api.web.report_pdf import FONT, _Report

    pdf = _Report(footer)
    pdf.add_page()
    if draft_mark:
        pdf.set_font(FONT, "B", 9)
        pdf.set_text_color(180, 35, 24)
        pdf.cell(0, 5, draft_mark, align="R", new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)
    pdf.set_font(FONT, "B", 14)
    pdf.multi_cell(0, 7, title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font(FONT, size=10.5)
    for line in body.split("\n"):
        if line.strip():
            pdf.multi_cell(0, 5.4, line, align="L", new_x="LMARGIN", new_y="NEXT")
        else:
            pdf.ln(3)
    return bytes(pdf.output())


def letter_docx(title: str, body: str, draft_mark: str | None) -> bytes:
    """The letter as DOCX (python-docx), for the applicant's file or further editing in an office suite."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    document: Any = Document()
    if draft_mark:
        mark = document.add_paragraph(draft_mark)
        mark.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    heading = document.add_heading(title, level=1)
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for line in body.split("\n"):
        document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
