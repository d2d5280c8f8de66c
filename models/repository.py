"""The few writes and reads the pipeline makes; each is idempotent so a re-run costs nothing new.

The functions only ``flush``: the caller owns the transaction (one per stage step), so a worker
that dies mid-step leaves the database as it was.
"""

from __future__ import annotations

from typing import Any

from pydantic_core import to_jsonable_python
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from models.db import (
    ApplicationRow,
    ApplicationStatus,
    BlobRow,
    DocumentRow,
    DocumentStatus,
    FindingDecisionRow,
    FindingVerdict,
    PageRow,
    ReviewDecision,
)
from models.domain import Application, DocumentExtraction, PageText, PriorReimbursement, SourceFile
from models.search_index import drop_document, index_document


def upsert_application(session: Session, app: Application) -> ApplicationRow:
    """The row for the applicant's ``app.dossier_id``, created or updated from the declared application."""
    row = find_application(session, app.dossier_id, app.applicant.bin)
    if row is None:
        row = ApplicationRow(dossier_id=app.dossier_id, status=ApplicationStatus.RECEIVED.value)
        session.add(row)
    row.applicant_name = app.applicant.name
    row.applicant_bin = app.applicant.bin
    row.measure = app.measure
    row.cost_type = app.cost_type
    row.application_date = app.application_date
    row.payload = app.model_dump(mode="json")
    session.flush()
    return row


def find_application(session: Session, dossier_id: str, applicant_bin: str) -> ApplicationRow | None:
    """The applicant's application with this dossier id (ids are unique per applicant only)."""
    return session.scalars(
        select(ApplicationRow).where(
            ApplicationRow.applicant_bin == applicant_bin, ApplicationRow.dossier_id == dossier_id
        )
    ).one_or_none()


def prior_reimbursements(session: Session, application: Application) -> list[PriorReimbursement]:
    """Reimbursements recorded for the applicant's other applications for the same measure, applied
    for before this one (the validators count those in the window the rules set against the cap).

    An application a reviewer decided incomplete is not paid, so it does not count; one of the same
    date counts when it was registered earlier.
    """
    this = find_application(session, application.dossier_id, application.applicant.bin)
    reimbursement = ApplicationRow.result["computed"]["reimbursement_kzt"].as_float()
    rows = session.execute(
        select(
            ApplicationRow.dossier_id,
            ApplicationRow.application_date,
            ApplicationRow.created_at,
            ApplicationRow.review_decision,
            reimbursement,
        ).where(
            ApplicationRow.applicant_bin == application.applicant.bin,
            ApplicationRow.measure == application.measure,
            ApplicationRow.dossier_id != application.dossier_id,
            ApplicationRow.application_date <= application.application_date,
        )
    ).all()
    out = []
    for dossier_id, day, created_at, decision, amount in rows:
        if decision == ReviewDecision.INCOMPLETE.value or amount is None or amount <= 0:
            continue
        if day == application.application_date and this is not None and created_at >= this.created_at:
            continue
        out.append(
            PriorReimbursement(
                dossier_id=dossier_id, application_date=day, measure=application.measure, reimbursement_kzt=amount
            )
        )
    return sorted(out, key=lambda h: (h.application_date, h.dossier_id))


def dismissed_finding_keys(session: Session, application_id: str) -> frozenset[str]:
    """The findings of an application reviewers dismissed (``FindingDecisionRow.finding_key``): every
    check round reads them, so a dismissed finding that excluded a payment excludes it no more."""
    return frozenset(
        session.scalars(
            select(FindingDecisionRow.finding_key).where(
                FindingDecisionRow.application_id == application_id,
                FindingDecisionRow.verdict == FindingVerdict.DISMISSED.value,
            )
        )
    )


def set_application_status(session: Session, app_row: ApplicationRow, status: ApplicationStatus) -> None:
    app_row.status = ApplicationStatus(status).value
    session.flush()


def record_blob(session: Session, source: SourceFile) -> BlobRow:
    """Metadata for the bytes of ``source`` (stored once per content, however often uploaded)."""
    blob = session.get(BlobRow, source.sha256)
    if blob is None:
        blob = BlobRow(sha256=source.sha256, size=source.size, kind=source.kind.value)
        session.add(blob)
        session.flush()
    return blob


def record_document(session: Session, app_row: ApplicationRow, source: SourceFile) -> DocumentRow:
    """The document row for ``source`` in this application.

    Same name and same bytes: the existing row, untouched (its results stay valid). Same name,
    new bytes: the row is reset to ``queued`` and its pages and results are dropped.
    """
    record_blob(session, source)
    row = session.scalars(
        select(DocumentRow).where(
            DocumentRow.application_id == app_row.id, DocumentRow.file_name == source.name
        )
    ).one_or_none()
    if row is None:
        row = DocumentRow(
            application_id=app_row.id,
            file_name=source.name,
            sha256=source.sha256,
            kind=source.kind.value,
            status=DocumentStatus.QUEUED.value,
        )
        session.add(row)
    elif row.sha256 != source.sha256:
        session.execute(delete(PageRow).where(PageRow.document_id == row.id))
        session.expire(row, ["pages"])
        row.sha256 = source.sha256
        row.kind = source.kind.value
        _clear_results(row)
        drop_document(session, row.id)
    session.flush()
    return row


def _clear_results(row: DocumentRow) -> None:
    row.status = DocumentStatus.QUEUED.value
    row.failure_code = None
    row.failure_reason = None
    row.doc_type = None
    row.language = None
    row.file_format = None
    row.page_count = None
    row.extraction = None
    row.pipeline_key = None


def set_document_status(
    session: Session,
    doc_row: DocumentRow,
    status: DocumentStatus | str,
    failure_code: str | None = None,
    failure_reason: str | None = None,
) -> None:
    doc_row.status = DocumentStatus(status).value
    doc_row.failure_code = failure_code
    doc_row.failure_reason = failure_reason
    session.flush()
    # A reading's outcome is stored last (pages and values first): the search index follows it.
    if doc_row.status == DocumentStatus.DONE.value:
        index_document(session, doc_row)
    elif doc_row.status == DocumentStatus.FAILED.value:
        drop_document(session, doc_row.id)


def record_pages(session: Session, doc_row: DocumentRow, pages: list[PageText]) -> list[PageRow]:
    """Replace the document's pages (a re-run of OCR overwrites, never duplicates)."""
    session.execute(delete(PageRow).where(PageRow.document_id == doc_row.id))
    session.expire(doc_row, ["pages"])
    rows = [
        PageRow(
            document_id=doc_row.id,
            page_no=page.page_no,
            source=page.source.value,
            width=page.width,
            height=page.height,
            unit=page.unit,
            mean_confidence=page.mean_confidence,
            rotation=page.rotation,
            text=page.text,
        )
        for page in pages
    ]
    session.add_all(rows)
    doc_row.page_count = len(pages)
    session.flush()
    return rows


def save_extraction(
    session: Session,
    doc_row: DocumentRow,
    extraction: DocumentExtraction,
    pipeline_key: str | None = None,
) -> None:
    """Store what the extractors read, plus the columns reviewers filter on."""
    doc_row.extraction = extraction.model_dump(mode="json")
    doc_row.doc_type = extraction.doc_type.value
    doc_row.language = extraction.language
    doc_row.file_format = extraction.file_format
    if extraction.pages:
        doc_row.page_count = extraction.pages
    if pipeline_key is not None:
        doc_row.pipeline_key = pipeline_key
    session.flush()


def load_extraction(doc_row: DocumentRow) -> DocumentExtraction | None:
    return None if doc_row.extraction is None else DocumentExtraction.model_validate(doc_row.extraction)


def save_result(session: Session, app_row: ApplicationRow, result: dict[str, Any]) -> None:
    """Store the dossier result (the expected.json-shaped dict) and mark the application done."""
    app_row.result = to_jsonable_python(result)  # dates, enums and models inside become JSON values
    app_row.status = ApplicationStatus.DONE.value
    session.flush()
