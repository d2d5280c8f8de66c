"""How the API presents its objects: database rows to response bodies (``api.schemas``)."""

from __future__ import annotations

from collections import Counter

from api.schemas import (
    ApplicationDetail,
    ApplicationSummary,
    DocumentDetail,
    DocumentSummary,
    PageInfo,
    Progress,
    UploadedDocument,
    UploadResponse,
)
from casework.eligibility import EligibilityItemState
from models.db import ApplicationRow, DocumentRow
from models.domain import ChecklistItem, ComputedResult, DocumentExtraction, Finding


def document_summary(doc: DocumentRow) -> DocumentSummary:
    return DocumentSummary(
        id=doc.id,
        file_name=doc.file_name,
        sha256=doc.sha256,
        kind=doc.kind,
        status=doc.status,  # type: ignore[arg-type]
        failure_code=doc.failure_code,
        failure_reason=doc.failure_reason,
        doc_type=doc.doc_type,
        language=doc.language,
        file_format=doc.file_format,
        page_count=doc.page_count,
        attempts=doc.attempts or 0,
        corrected=bool(doc.corrections),
        queued_at=doc.queued_at,
        started_at=doc.started_at,
        finished_at=doc.finished_at,
    )


def application_summary(app: ApplicationRow) -> ApplicationSummary:
    return ApplicationSummary(
        id=app.id,
        dossier_id=app.dossier_id,
        applicant_name=app.applicant_name,
        applicant_bin=app.applicant_bin,
        measure=app.measure,
        cost_type=app.cost_type,
        application_date=app.application_date,
        status=app.status,  # type: ignore[arg-type]
        revision=app.revision or 0,
        checked_revision=app.checked_revision,
        clean=app.clean,
        error_count=app.error_count,
        finding_count=app.finding_count,
        failure_reason=app.failure_reason,
        created_at=app.created_at,
        updated_at=app.updated_at,
        checked_at=app.checked_at,
    )


def application_detail(
    app: ApplicationRow, eligibility: list[EligibilityItemState] | None = None
) -> ApplicationDetail:
    counts = Counter(doc.status for doc in app.documents)
    result = app.result or {}
    return ApplicationDetail(
        **application_summary(app).model_dump(),
        progress=Progress(
            total=len(app.documents),
            **{status: counts.get(status, 0) for status in ("queued", "processing", "done", "failed")},
        ),
        documents=[document_summary(doc) for doc in app.documents],
        checklist=[ChecklistItem.model_validate(c) for c in result["checklist"]]
        if "checklist" in result
        else None,
        findings=[Finding.model_validate(f) for f in result["findings"]] if "findings" in result else None,
        computed=ComputedResult.model_validate(result["computed"]) if result.get("computed") else None,
        eligibility=eligibility or [],
    )


def document_detail(doc: DocumentRow) -> DocumentDetail:
    from casework.corrections import apply_corrections

    extraction = DocumentExtraction.model_validate(doc.extraction) if doc.extraction else None
    if extraction is not None and doc.corrections:
        extraction = apply_corrections(extraction, doc.corrections)
    return DocumentDetail(
        **document_summary(doc).model_dump(),
        application_id=doc.application_id,
        extraction=extraction,
        corrections=doc.corrections or {},
        pages=[
            PageInfo(
                page_no=page.page_no,
                source=page.source,
                width=page.width,
                height=page.height,
                unit=page.unit,
                mean_confidence=page.mean_confidence,
                rotation=page.rotation,
                image_url=f"/v1/documents/{doc.id}/pages/{page.page_no}/image",
            )
            for page in doc.pages
        ],
    )


def upload_response(app: ApplicationRow, added: list[tuple[DocumentRow, int, bool]]) -> UploadResponse:
    return UploadResponse(
        application_id=app.id,
        revision=app.revision or 0,
        documents=[
            UploadedDocument(
                id=doc.id,
                file_name=doc.file_name,
                sha256=doc.sha256,
                kind=doc.kind,
                pages=pages,
                status=doc.status,  # type: ignore[arg-type]
                duplicate=duplicate,
                reused=not duplicate and doc.job_id is None and doc.status in ("done", "failed"),
            )
            for doc, pages, duplicate in added
        ],
    )
