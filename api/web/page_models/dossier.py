"""The dossier page's parts besides findings and computation: checklist, eligibility, documents."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from api.web.fields import language_label
from api.web.i18n import current_lang, doc_type_title, gettext
from api.web.page_models.formatting import document_link, local_time
from api.web.page_models.labels import DOCUMENT_STATUS_LABELS
from casework.eligibility import EligibilityItemState
from foundation.settings import Settings
from models.db import ApplicationRow, DocumentRow
from models.domain import DocType, DossierResult, Finding
from validators.finding_texts import finding_message, in_language
from validators.labels import CHECKLIST_STATUS_LABELS


@dataclass
class ChecklistRow:
    label: str
    required: bool
    status: str
    status_label: str
    files: list[tuple[str, str | None]]  # (file name, link)


def checklist_rows(result: DossierResult, doc_ids: dict[str, str]) -> list[ChecklistRow]:
    rows = []
    for item in result.checklist:
        if not item.required and item.status == "not_required":
            continue
        rows.append(
            ChecklistRow(
                label=item.label if current_lang() == "ru" else doc_type_title(item.doc_type),
                required=item.required,
                status=item.status,
                status_label=gettext(CHECKLIST_STATUS_LABELS.get(item.status, item.status)),
                files=[
                    (name, document_link(doc_ids[name]) if name in doc_ids else None) for name in item.files
                ],
            )
        )
    return rows


@dataclass
class EligibilityView:
    """One condition of participation as the page shows it: the state plus who decided, and when."""

    state: EligibilityItemState
    decided_by: str
    decided_at: str


def eligibility_views(
    states: list[EligibilityItemState],
    people: dict[str, str],
    settings: Settings,
    findings: list[Finding] | None = None,
) -> list[EligibilityView]:
    """``findings``: the dossier's findings, whose messages the conditions cite (read in the reader's language)."""
    return [
        EligibilityView(
            state=_in_reader_language(state, findings or []),
            decided_by=people.get(state.decided_by_user or "", "") or (gettext("ключ API") if state.decided_by_key else ""),
            decided_at=local_time(dt.datetime.fromisoformat(state.decided_at), settings) if state.decided_at else "",
        )
        for state in states
    ]


def _in_reader_language(state: EligibilityItemState, findings: list[Finding]) -> EligibilityItemState:
    lang = current_lang()
    if lang == "ru":
        return state
    messages = {f.message: finding_message(f, lang) for f in findings}
    return state.model_copy(
        update={
            "label": in_language(state.label, lang),
            "declared_text": gettext(state.declared_text) if state.declared_text else state.declared_text,
            "verdict_label": gettext(state.verdict_label),
            "related": [messages.get(message, message) for message in state.related],
        }
    )


@dataclass
class DocumentListRow:
    id: str
    file: str
    doc_type: str
    language: str
    status: str
    status_css: str
    pages: int | None
    corrected: int
    reason: str | None
    translation_of: str | None = None  # a translation: its original's file


def corrected_type_and_language(doc: DocumentRow) -> tuple[str | None, str | None]:
    """The document's type and language as the checks see them: a reviewer's correction wins."""
    corrections = doc.corrections or {}
    return corrections.get("doc_type", doc.doc_type), corrections.get("language", doc.language)


def document_rows(app: ApplicationRow) -> list[DocumentListRow]:
    # Whether a document is a translation, and of which, is decided with the dossier: the last check says.
    checked = {d.get("file"): d for d in (app.result or {}).get("documents") or [] if isinstance(d, dict)}
    rows = []
    for doc in app.documents:
        doc_type, language = corrected_type_and_language(doc)
        seen = checked.get(doc.file_name) or {}
        if "doc_type" not in (doc.corrections or {}) and seen.get("doc_type") == DocType.TRANSLATION.value:
            doc_type = DocType.TRANSLATION.value
        rows.append(_document_row(doc, doc_type, language, seen.get("translation_of")))
    return rows


def _document_row(
    doc: DocumentRow, doc_type: str | None, language: str | None, translation_of: str | None = None
) -> DocumentListRow:
    return DocumentListRow(
        id=doc.id,
        file=doc.file_name,
        doc_type=doc_type_title(doc_type) if doc_type else "—",
        translation_of=translation_of if doc_type == DocType.TRANSLATION.value else None,
        language=language_label(language) if language else "—",
        status=gettext(DOCUMENT_STATUS_LABELS.get(doc.status, doc.status)),
        status_css=doc.status,
        pages=doc.page_count,
        corrected=len(doc.corrections or {}),
        reason=doc.failure_reason,
    )


def doc_ids_of(app: ApplicationRow) -> dict[str, str]:
    return {doc.file_name: doc.id for doc in app.documents}
