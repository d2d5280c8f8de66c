"""The document page: each field read (value, raw text, confidence, correction), boxes on the page
images where it was read, and the translation pairing."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from api.web.fields import (
    ADDABLE_PATHS,
    field_label,
    format_value,
    input_text,
    language_label,
    raw_differs,
    row_id,
    value_at,
    value_paths,
)
from api.web.i18n import current_lang, gettext
from api.web.page_models.formatting import confidence_class, document_link, money
from casework.corrections import apply_corrections
from casework.page_render import PAGED_KINDS
from foundation.gettext_marks import N_
from foundation.settings import Settings
from models.db import ApplicationRow, DocumentRow, PageRow
from models.domain import DocumentExtraction, Finding
from validators.finding_texts import finding_label


@dataclass
class Box:
    row_id: str  # the first field read at this place; rows lists every one (a total and its currency)
    page: int
    left: float  # percent of the page image
    top: float
    width: float
    height: float
    css: str
    title: str
    rows: list[str] = field(default_factory=list)


def merge_same_place(boxes: list[Box]) -> list[Box]:
    """One box per place: fields read from the same words share it instead of hiding each other."""
    merged: dict[tuple[float, ...], Box] = {}
    for box in boxes:
        place = tuple(round(v, 2) for v in (box.left, box.top, box.width, box.height))
        found = merged.get(place)
        if found is None:
            merged[place] = Box(**{**box.__dict__, "rows": [box.row_id]})
        else:
            found.rows.append(box.row_id)
            found.title = f"{found.title}; {box.title}"
    return list(merged.values())


@dataclass
class Snippet:
    """The place a field was read, cut out of its page image for the field's edit row (as verification
    stations show it): percent of the page, a margin around the box so the neighbouring words show."""

    image_url: str
    left: float
    top: float
    width: float
    height: float
    page_aspect: float  # the page's height / width: the snippet keeps the page's proportions


# Around a field's box, in percent of the page: enough for the label printed beside a value.
_SNIPPET_MARGIN_X = 6.0
_SNIPPET_MARGIN_Y = 1.5


def snippet_of(box: Box, image_url: str, page_aspect: float) -> Snippet:
    left = max(0.0, box.left - _SNIPPET_MARGIN_X)
    top = max(0.0, box.top - _SNIPPET_MARGIN_Y)
    right = min(100.0, box.left + box.width + _SNIPPET_MARGIN_X)
    bottom = min(100.0, box.top + box.height + _SNIPPET_MARGIN_Y)
    return Snippet(image_url, left, top, right - left, bottom - top, page_aspect)


@dataclass
class FieldRow:
    path: str
    row_id: str
    label: str
    value: str
    read_value: str
    raw: str | None
    raw_note: str | None  # the printed text, when it says more than the value shows
    confidence: float | None
    confidence_text: str
    css: str
    page: int | None
    corrected: bool
    input_value: str
    in_findings: list[str]
    snippet: Snippet | None = None

    @property
    def needs_attention(self) -> bool:
        """Read with low confidence, or named by a finding, and not yet corrected by a reviewer."""
        return not self.corrected and (self.css == "conf-low" or bool(self.in_findings))


@dataclass
class PageView:
    page_no: int
    image_url: str | None  # None for spreadsheets, DOCX and XML: their "pages" are text only
    text: str
    source: str
    mean_confidence: str
    boxes: list[Box]
    aspect: float  # height / width, so the frame keeps its shape before the image loads


@dataclass
class DocumentView:
    rows: list[FieldRow]
    pages: list[PageView]
    payroll_rows: list[dict[str, Any]]
    language: str
    foreign: bool
    addable: list[tuple[str, str]]

    @property
    def attention_rows(self) -> list[FieldRow]:
        return [r for r in self.rows if r.needs_attention]


# File kinds whose pages exist as images (casework/page_render.py renders them).
IMAGE_KINDS = frozenset(kind.value for kind in PAGED_KINDS)
_PAGE_SOURCE_LABELS = {
    "text_layer": N_("текстовый слой PDF"),
    "ocr": N_("распознавание (OCR)"),
    "structured": N_("таблица / XML"),
}


def _box(path_id: str, page: PageRow, bbox: Any, css: str, title: str) -> Box | None:
    if bbox is None or not page.width or not page.height:
        return None
    return Box(
        row_id=path_id,
        page=page.page_no,
        left=100 * bbox.x0 / page.width,
        top=100 * bbox.y0 / page.height,
        width=max(0.4, 100 * (bbox.x1 - bbox.x0) / page.width),
        height=max(0.4, 100 * (bbox.y1 - bbox.y0) / page.height),
        css=css,
        title=title,
    )


def document_view(doc: DocumentRow, findings: list[Finding], settings: Settings) -> DocumentView:
    read = DocumentExtraction.model_validate(doc.extraction) if doc.extraction else None
    corrections = doc.corrections or {}
    shown = apply_corrections(read, corrections) if read is not None and corrections else read
    pages = {p.page_no: p for p in doc.pages}
    by_field: dict[str, list[str]] = {}
    for f in findings:
        for e in f.evidence:
            if e.file == doc.file_name and e.field:
                by_field.setdefault(e.field, []).append(finding_label(f.code, current_lang()))
    rows: list[FieldRow] = []
    boxes: dict[int, list[Box]] = {}
    if read is not None and shown is not None:
        paths = list(dict.fromkeys([*value_paths(read), *value_paths(shown), *corrections]))
        currency_ev = value_at(shown, "amounts.currency")
        currency = str(currency_ev.value) if currency_ev and currency_ev.value else None
        for path in ["doc_type", "language", *paths]:
            rows.append(_field_row(path, read, shown, corrections, currency, by_field, settings))
            original = value_at(read, path)
            prov = original.provenance if original is not None else None
            if prov is not None and prov.page in pages:
                row = rows[-1]
                box = _box(row.row_id, pages[prov.page], prov.bbox, row.css, f"{row.label}: {row.value}")
                if box is not None:
                    boxes.setdefault(prov.page, []).append(box)
        for index, payroll in enumerate(read.payroll_rows):
            prov = payroll.provenance
            if prov is not None and prov.page in pages:
                css = confidence_class(payroll.confidence, settings)
                box = _box(f"payroll-{index}", pages[prov.page], prov.bbox, css, payroll.name)
                if box is not None:
                    boxes.setdefault(prov.page, []).append(box)
    has_images = doc.kind in IMAGE_KINDS
    if has_images:
        for row in rows:
            first = next((b for page_boxes in boxes.values() for b in page_boxes if b.row_id == row.row_id), None)
            if first is not None:
                page = pages[first.page]
                aspect = (page.height / page.width) if page.width else 1.414
                row.snippet = snippet_of(first, _page_image_url(doc, first.page), aspect)
    page_views = [
        PageView(
            page_no=p.page_no,
            image_url=_page_image_url(doc, p.page_no) if has_images else None,
            text=p.text,
            source=gettext(_PAGE_SOURCE_LABELS[p.source]) if p.source in _PAGE_SOURCE_LABELS else p.source,
            mean_confidence=f"{p.mean_confidence:.0%}",
            boxes=merge_same_place(boxes.get(p.page_no, [])),
            aspect=(p.height / p.width) if p.width else 1.414,
        )
        for p in doc.pages
    ]
    language = (shown.language if shown else None) or doc.language
    no_translation_needed = {"ru", "kk"}
    present = {r.path for r in rows}
    return DocumentView(
        rows=rows,
        pages=page_views,
        payroll_rows=[
            {
                "name": r.name,
                "accrued": money(r.accrued),
                "withheld": money(r.withheld),
                "net": money(r.net),
                "css": confidence_class(r.confidence, settings),
                "row_id": f"payroll-{i}",
            }
            for i, r in enumerate(read.payroll_rows if read else [])
        ],
        language=language_label(language),
        foreign=bool(language) and language not in no_translation_needed,
        addable=[(p, field_label(p, shown=True)) for p in ADDABLE_PATHS if p not in present],
    )


def _page_image_url(doc: DocumentRow, page_no: int) -> str:
    return f"/documents/{doc.id}/pages/{page_no}.png"


def _field_row(
    path: str,
    read: DocumentExtraction,
    shown: DocumentExtraction,
    corrections: dict[str, Any],
    currency: str | None,
    by_field: dict[str, list[str]],
    settings: Settings,
) -> FieldRow:
    if path in ("doc_type", "language"):
        read_value: Any = read.doc_type.value if path == "doc_type" else read.language
        value: Any = shown.doc_type.value if path == "doc_type" else shown.language
        confidence: float | None = read.doc_type_confidence if path == "doc_type" else None
        raw, page = None, None
    else:
        original, current = value_at(read, path), value_at(shown, path)
        read_value = original.value if original else None
        value = current.value if current else None
        confidence = original.confidence if original else None
        raw = original.raw if original else None
        page = original.provenance.page if original and original.provenance else None
    corrected = path in corrections
    return FieldRow(
        path=path,
        row_id=row_id(path),
        label=field_label(path, shown=True),
        value=format_value(path, value, currency),
        read_value=format_value(path, read_value, currency) if read_value is not None else gettext("не прочитано"),
        raw=raw,
        raw_note=raw if raw_differs(path, raw, read_value) else None,
        confidence=confidence,
        confidence_text=f"{confidence:.0%}" if confidence is not None else "—",
        css="corrected" if corrected else confidence_class(confidence, settings),
        page=page,
        corrected=corrected,
        input_value=input_text(path, value),
        in_findings=by_field.get(path, []),
    )


@dataclass
class Neighbours:
    """The documents before and after this one in the dossier's list (``rel="prev"`` / ``rel="next"``)."""

    position: int  # 1-based
    count: int
    previous: tuple[str, str] | None  # (file, link)
    next: tuple[str, str] | None


def neighbours(doc: DocumentRow, app: ApplicationRow) -> Neighbours:
    docs = list(app.documents)  # in the order the dossier page lists them
    at = next(i for i, d in enumerate(docs) if d.id == doc.id)
    before = docs[at - 1] if at > 0 else None
    after = docs[at + 1] if at + 1 < len(docs) else None
    return Neighbours(
        position=at + 1,
        count=len(docs),
        previous=(before.file_name, document_link(before.id)) if before is not None else None,
        next=(after.file_name, document_link(after.id)) if after is not None else None,
    )


@dataclass
class TranslationInfo:
    translation: tuple[str, str] | None  # (file, link) of the translation of this document
    original: tuple[str, str] | None  # (file, link) of the original, when this is a translation
    missing: Finding | None  # MISSING_TRANSLATION about this document


def translation_info(doc: DocumentRow, app: ApplicationRow, findings: list[Finding]) -> TranslationInfo:
    result_docs = [DocumentExtraction.model_validate(d) for d in (app.result or {}).get("documents") or []]
    ids = {d.file_name: d.id for d in app.documents}
    translation = next((d.file for d in result_docs if d.translation_of == doc.file_name), None)
    this = next((d for d in result_docs if d.file == doc.file_name), None)
    original = this.translation_of if this is not None else None
    missing = next((f for f in findings if f.code == "MISSING_TRANSLATION" and f.file == doc.file_name), None)
    return TranslationInfo(
        translation=(translation, document_link(ids[translation])) if translation in ids else None,
        original=(original, document_link(ids[original])) if original and original in ids else None,
        missing=missing,
    )
