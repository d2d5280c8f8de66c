"""The extraction cache (one reading per content and pipeline version) and what it writes to documents.

The database is the source of truth: a document's status is written when it is queued, when a
worker takes it, and when it is done or failed; a reading is stored once per content and pipeline
version (``extraction_cache``) and copied to every document row with that content.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.corrections import apply_corrections
from casework.search import reindex_document
from docproc.document_outcome import DocumentOutcome
from models import repository as repo
from models.db import (
    UNFINISHED_DOCUMENT_STATUSES,
    CacheStatus,
    DocumentRow,
    DocumentStatus,
    ExtractionCacheRow,
    utc_now,
)
from models.domain import DocumentExtraction, DocumentText, TextSource


def pack_text(text: DocumentText | None) -> bytes | None:
    return None if text is None else zlib.compress(text.model_dump_json().encode("utf-8"), 6)


def unpack_text(data: bytes | None) -> DocumentText | None:
    return None if data is None else DocumentText.model_validate_json(zlib.decompress(data))


def find_cache(session: Session, sha256: str, key: str) -> ExtractionCacheRow | None:
    return session.get(ExtractionCacheRow, (sha256, key))


def save_cache(
    session: Session, sha256: str, key: str, outcome: DocumentOutcome, duration_s: float
) -> ExtractionCacheRow:
    """Store one reading (replacing an older one of the same content and version)."""
    extraction = outcome.extraction
    row = find_cache(session, sha256, key)
    if row is None:
        row = ExtractionCacheRow(sha256=sha256, pipeline_key=key)
        session.add(row)
    failed = bool(extraction.unreadable_reason)
    row.status = (CacheStatus.FAILED if failed else CacheStatus.DONE).value
    row.extraction = extraction.model_dump(mode="json")
    row.text = pack_text(outcome.text)
    row.failure_code = extraction.unreadable_code if failed else None
    row.failure_reason = extraction.unreadable_reason if failed else None
    row.page_count = extraction.pages or None
    row.ocr_pages = (
        sum(1 for page in outcome.text.pages if page.source == TextSource.OCR) if outcome.text else 0
    )
    row.duration_s = duration_s
    row.created_at = utc_now()
    session.flush()
    return row


def unfinished_documents(session: Session, sha256: str, key: str | None = None) -> list[DocumentRow]:
    """Document rows with this content that still wait for a reading (any application)."""
    query = select(DocumentRow).where(
        DocumentRow.sha256 == sha256, DocumentRow.status.in_(UNFINISHED_DOCUMENT_STATUSES)
    )
    if key is not None:
        query = query.where(DocumentRow.pipeline_key == key)
    return list(session.scalars(query.order_by(DocumentRow.created_at)))


def apply_cache(session: Session, doc: DocumentRow, cache: ExtractionCacheRow) -> None:
    """Give ``doc`` the reading in ``cache``: fields, pages, status."""
    extraction = DocumentExtraction.model_validate(cache.extraction)
    extraction.file = doc.file_name
    repo.save_extraction(session, doc, extraction, pipeline_key=cache.pipeline_key)
    text = unpack_text(cache.text)
    if text is not None:
        repo.record_pages(session, doc, text.pages)
    if cache.status == CacheStatus.FAILED.value:
        repo.set_document_status(
            session,
            doc,
            DocumentStatus.FAILED,
            failure_code=cache.failure_code,
            failure_reason=cache.failure_reason,
        )
    else:
        repo.set_document_status(session, doc, DocumentStatus.DONE)
        if doc.corrections:  # the repository indexed the reading as read
            reindex_document(session, doc)
    doc.finished_at = utc_now()
    session.flush()


def fail_documents(session: Session, docs: Sequence[DocumentRow], code: str, reason: str) -> None:
    for doc in docs:
        repo.set_document_status(
            session, doc, DocumentStatus.FAILED, failure_code=code, failure_reason=reason
        )
        doc.finished_at = utc_now()
    session.flush()


def document_outcome(session: Session, doc: DocumentRow) -> DocumentOutcome:
    """A finished document as the pipeline's ``DocumentOutcome`` (reading + reviewer's corrections)."""
    cache = find_cache(session, doc.sha256, doc.pipeline_key) if doc.pipeline_key else None
    if doc.extraction is not None:
        extraction = DocumentExtraction.model_validate(doc.extraction)
    else:
        extraction = DocumentExtraction(
            file=doc.file_name,
            sha256=doc.sha256,
            unreadable_code=doc.failure_code or "processing_failed",
            unreadable_reason=doc.failure_reason or "Документ не удалось обработать.",
        )
    extraction.file = doc.file_name
    if doc.status == DocumentStatus.FAILED.value and not extraction.unreadable_reason:
        extraction.unreadable_code = doc.failure_code
        extraction.unreadable_reason = doc.failure_reason or "Документ не удалось обработать."
    if doc.corrections:
        extraction = apply_corrections(extraction, doc.corrections)
    text = unpack_text(cache.text) if cache is not None and not extraction.unreadable_reason else None
    if text is not None:
        text.file = doc.file_name
    return DocumentOutcome(extraction=extraction, text=text)
