"""One document's extraction: type, language and every field with its provenance and confidence."""

from __future__ import annotations

import logging
import re

from extractors.amounts import extract_amounts
from extractors.classify import Classification, classify
from extractors.doctype import DoctypeModel
from extractors.field_scoring import apply_field_model
from extractors.found import FALLBACK_FACTOR, Found, ev
from extractors.header import extract_date, extract_number
from extractors.parties import extract_parties
from extractors.payroll import extract_payroll, extract_period
from extractors.purpose import purpose_cell
from extractors.references import ContractRef as RefSpan
from extractors.references import find_contract_refs, legal_act_spans, period_spans
from extractors.regions import labelled, regex_parser
from extractors.spelt_amounts import extract_amount_words, reconcile_words
from extractors.structured import extraction_from_structured
from extractors.swift_mt import MtMessage, read_message, value_date
from extractors.swift_mt import reference as message_reference
from extractors.translation import certificate_hints
from extractors.view import DocView
from models.domain import ContractRef, DocType, DocumentExtraction, DocumentText

log = logging.getLogger(__name__)

# Which documents carry which fields (the corpus's semantics; a field not applicable stays None).
REFERENCING_TYPES = {DocType.PAYMENT_ORDER, DocType.ACT_OF_WORK, DocType.INVOICE, DocType.WORK_REPORT}
AMOUNT_WORD_TYPES = {
    DocType.PAYMENT_ORDER,
    DocType.CONTRACT,
    DocType.ACT_OF_WORK,
    DocType.INVOICE,
    DocType.APPLICATION_FORM,
    DocType.WORK_REPORT,
}
_KNP = re.compile(r"(?<!\d)(\d{3})(?!\d)")


def extract_document(
    text: DocumentText, doctype_model: DoctypeModel | None = None, use_field_model: bool = True
) -> DocumentExtraction:
    """Classify a document, tell its language, and read its fields. Never raises for odd content.

    ``doctype_model``: another type-and-language model than the shipped one (leave-one-family-out runs).
    ``use_field_model=False`` leaves out the learned field scorer (``extractors.field_scoring``): what the label
    readers alone find, which is what the scorer is trained on top of.
    """
    base = DocumentExtraction(file=text.file, sha256=text.sha256, pages=len(text.pages))
    view = DocView(text)
    if not view.lines:
        if text.structured:
            return extraction_from_structured(text, base)
        base.unreadable_reason = "В документе не найден текст для извлечения данных."
        return base
    cls = classify(view, doctype_model)
    base.language = cls.language
    base.doc_type = cls.doc_type
    base.doc_type_confidence = cls.confidence
    # Whether it is a translation is decided with the dossier (``link_translations``); a translator's
    # certificate, wherever it stands, is kept as evidence for that.
    base.translation_hints = certificate_hints(view)
    if text.structured and text.structured.get("format") == "esf":
        return extraction_from_structured(text, base)
    if cls.doc_type == DocType.UNKNOWN:
        return base
    _read_fields(view, cls, base)
    if use_field_model:
        apply_field_model(view, cls, base)
    return base


def _read_fields(view: DocView, cls: Classification, out: DocumentExtraction) -> None:
    doc_type = cls.doc_type
    refs = find_contract_refs(view.text)
    masks = legal_act_spans(view.text) + period_spans(view.text)
    # A contract's own title ("ДОГОВОР № 4-02/22") reads like a reference to a contract: it is not one.
    own = [r for r in refs if doc_type == DocType.CONTRACT and _on_title(view, r, cls.title_line)]
    foreign_refs = [r for r in refs if r not in own]
    out.number = ev(extract_number(view, doc_type, cls.title_line, foreign_refs, masks))
    out.date = ev(extract_date(view, doc_type, cls.title_line, foreign_refs, masks))
    # A SWIFT message copy's tagged fields, read once for the party, amount and header readers.
    message = read_message(view) if doc_type == DocType.PAYMENT_ORDER else None
    out.parties = extract_parties(view, doc_type, message)
    words = extract_amount_words(view) if doc_type in AMOUNT_WORD_TYPES else None
    out.amount_words = ev(words)
    out.amounts = extract_amounts(view, doc_type, words, message)
    reconcile_words(view, out.amounts, out.amount_words, from_ocr=view.doc.needed_ocr)
    if doc_type in REFERENCING_TYPES:
        out.contract_ref = _contract_ref(view, refs)
    if doc_type == DocType.PAYROLL:
        out.period = ev(extract_period(view))
        out.payroll_rows, out.payroll_totals = extract_payroll(view)
    if doc_type == DocType.PAYMENT_ORDER:
        _fill_from_message(view, out, message)
        out.payment_purpose = ev(_purpose(view))
        out.knp = ev(labelled(view, "knp", regex_parser(_KNP, lambda m: m.group(1)), max_gap_chars=12))


def _fill_from_message(view: DocView, out: DocumentExtraction, message: MtMessage | None) -> None:
    """A SWIFT message copy's reference and value date where the page's labels gave none."""
    if message is None:
        return
    if out.number is None:
        out.number = ev(message_reference(view, message))
    if out.date is None:
        out.date = ev(value_date(view, message))


def _on_title(view: DocView, ref: RefSpan, title_line: int | None) -> bool:
    if title_line is None:
        return False
    return abs(view.line_at(ref.start).index - title_line) <= 1


def _contract_ref(view: DocView, refs: list[RefSpan]) -> ContractRef | None:
    if not refs:
        return None
    complete = [r for r in refs if r.number and r.date]
    ref = complete[0] if complete else next((r for r in refs if r.number), refs[0])
    factor = 1.0 if complete else FALLBACK_FACTOR
    number = date = None
    if ref.number and ref.number_span:
        s, e = ref.number_span
        number = Found(value=ref.number, raw=view.text[s:e], words=view.words_in(s, e), factor=factor)
    if ref.date and ref.date_span:
        s, e = ref.date_span
        date = Found(value=ref.date, raw=view.text[s:e], words=view.words_in(s, e), factor=factor)
    return ContractRef(number=ev(number), date=ev(date))


def _purpose(view: DocView) -> Found | None:
    cell = purpose_cell(view)
    if cell is None:
        return None
    value = re.sub(r"\s+", " ", cell.text).strip(" :")
    return Found(value=value, raw=cell.text, words=cell.words, factor=0.9)
