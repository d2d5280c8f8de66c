"""The document page (``/documents/{id}``): its pages with the fields read on them, its file, and
the reviewer's corrections of its values."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import quote

from fastapi import Form, Request, status
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from api import page_images
from api.deps import SessionDep, SettingsDep
from api.web import review
from api.web.fields import LANGUAGE_LABELS, FieldValueError, field_label, language_label, parse_value, row_id
from api.web.i18n import doc_type_title, gettext
from api.web.page_models.audit import correction_notice
from api.web.page_models.document import document_view, neighbours, translation_info
from api.web.page_models.dossier import corrected_type_and_language, doc_ids_of
from api.web.page_models.findings import finding_views
from api.web.page_models.labels import DOCUMENT_STATUS_LABELS
from api.web.pages.lookup import load_document, load_locked_application
from api.web.reads import DOCUMENT_VIEW, FILE_DOWNLOAD, PAGE_IMAGE_VIEW, record_read
from api.web.rendering import page_router, redirect, render
from api.web.security import ReviewerDep, UserDep, WebError, WebUser
from casework import connections
from casework.finding_keys import current_findings
from casework.page_render import NoPageImage
from casework.webhooks import enqueue_webhooks_after_commit
from foundation.settings import Settings
from ingest.blobs_in_database import load_bytes
from models.db import AuditEventRow, DocumentRow
from models.domain import DocType

router = page_router()


def document_context(
    session: Session,
    doc: DocumentRow,
    user: WebUser,
    settings: Settings,
    selected: str = "",
    error: str | None = None,
    typed: str = "",
    notice: str | None = None,
) -> dict[str, Any]:
    app = doc.application
    findings = current_findings(app)
    doc_ids = doc_ids_of(app)
    related = [
        f for f in findings if f.file == doc.file_name or any(e.file == doc.file_name for e in f.evidence)
    ]
    views = finding_views(related, doc_ids, review.finding_verdicts(session, app.id), {}, settings)
    shown_type, _ = corrected_type_and_language(doc)
    return {
        "user": user,
        "app": app,
        "doc": doc,
        "doc_type": doc_type_title(shown_type) if shown_type else gettext("тип не определён"),
        "status_label": gettext(DOCUMENT_STATUS_LABELS.get(doc.status, doc.status)),
        "view": document_view(doc, findings, settings),
        "findings": views,
        "translation": translation_info(doc, app, findings),
        "nav": neighbours(doc, app),
        "notice": notice,
        "selected": selected,
        "selected_row_id": row_id(selected) if selected else "",
        "error": error,
        "typed": typed,
        "may_review": user.may("review"),
        "doc_types": [(t.value, doc_type_title(t.value)) for t in DocType if t != DocType.UNKNOWN],
        "languages": [(code, language_label(code)) for code in LANGUAGE_LABELS],
    }


@router.get("/documents/{document_id}", response_class=HTMLResponse)
def document_page(
    request: Request,
    document_id: str,
    user: UserDep,
    session: SessionDep,
    settings: SettingsDep,
    field: str = "",
    event: str = "",
) -> HTMLResponse:
    doc = load_document(session, document_id)
    notice = None
    if event:  # back from a correction: what changed and what the re-check found
        row = session.get(AuditEventRow, event)
        if row is not None and row.application_id == doc.application_id:
            notice = correction_notice(row) or gettext("Сохранено.")
    context = document_context(session, doc, user, settings, selected=field, notice=notice)
    record_read(session, user, DOCUMENT_VIEW, doc.application_id, doc.id, file=doc.file_name)
    return render(request, "document.html", context)


@router.get("/documents/{document_id}/pages/{page_no}.png")
def page_image(
    document_id: str, page_no: int, user: UserDep, session: SessionDep, settings: SettingsDep
) -> Response:
    started = time.perf_counter()
    doc = load_document(session, document_id)
    try:
        # Scanned pages are shown in the frame their OCR boxes are in (turned and straightened).
        page = page_images.page_image(session, doc, page_no, settings, ocr_frame=True)
    except NoPageImage as exc:
        raise WebError(status.HTTP_404_NOT_FOUND, gettext("У этой страницы нет изображения.")) from exc
    record_read(session, user, PAGE_IMAGE_VIEW, doc.application_id, doc.id, file=doc.file_name, page=page_no)
    # Server-Timing: the handler's time (lookup, cached or rendered image, audit row), for the bench
    # script (bench/page_image_bench.py) and the browser's developer tools.
    elapsed_ms = (time.perf_counter() - started) * 1000
    return Response(
        page.png,
        media_type="image/png",
        headers={"Cache-Control": "private, max-age=3600", "Server-Timing": f"app;dur={elapsed_ms:.1f}"},
    )


@router.get("/documents/{document_id}/file")
def document_file(document_id: str, user: UserDep, session: SessionDep) -> Response:
    from api.routes.documents import _MEDIA_TYPES

    doc = load_document(session, document_id)
    data = load_bytes(session, doc.sha256)
    record_read(session, user, FILE_DOWNLOAD, doc.application_id, doc.id, file=doc.file_name)
    return Response(
        data,
        media_type=_MEDIA_TYPES.get(doc.kind, "application/octet-stream"),
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(doc.file_name, safe='')}"},
    )


@router.post("/documents/{document_id}/corrections")
def correct_document(
    request: Request,
    document_id: str,
    user: ReviewerDep,
    session: SessionDep,
    settings: SettingsDep,
    path: str = Form(""),
    value: str = Form(""),
    comment: str = Form(""),
    action: str = Form("save"),
) -> Response:
    doc = load_document(session, document_id)
    app = load_locked_application(session, doc.application_id)
    try:
        if action == "withdraw":
            outcome = review.withdraw_correction(session, app, doc, user.id, path, comment)
        else:
            outcome = review.correct_value(
                session, app, doc, user.id, path, parse_value(path, value), comment
            )
    except (FieldValueError, review.ReviewError) as exc:
        session.rollback()
        doc = load_document(session, document_id)
        message = f"{field_label(path)}: {exc}"
        context = document_context(session, doc, user, settings, selected=path, error=message, typed=value)
        return render(request, "document.html", context, status.HTTP_422_UNPROCESSABLE_CONTENT)
    session.commit()
    enqueue_webhooks_after_commit(outcome.deliveries, settings, connections.redis_connection(settings))
    # The reviewer stays on the document, the corrected field selected, the re-check's outcome in view.
    return redirect(f"/documents/{doc.id}?field={quote(path, safe='')}&event={outcome.event.id}")
