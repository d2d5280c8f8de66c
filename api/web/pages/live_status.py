"""Live status (``/dossiers/{id}/status``): a small JSON answer the list and the dossier page ask for
every few seconds while the dossier's documents are read (``app.js`` ``pollStatus``), so a reviewer
sees the reading end without reloading the page."""

from __future__ import annotations

from fastapi.responses import JSONResponse
from pydantic import BaseModel

from api.deps import SessionDep
from api.web.i18n import gettext, ngettext
from api.web.page_models.labels import APPLICATION_STATUS_LABELS, DOCUMENT_STATUS_LABELS
from api.web.pages.lookup import load_application
from api.web.rendering import page_router
from api.web.security import UserDep
from models.db import ApplicationStatus

router = page_router()

# While the dossier is in one of these, its pages keep asking.
IN_PROGRESS = frozenset({ApplicationStatus.RECEIVED.value, ApplicationStatus.PROCESSING.value})


class DocumentStatus(BaseModel):
    id: str
    status: str
    status_label: str


class DossierStatus(BaseModel):
    status: str
    status_label: str
    processing: bool
    progress: str  # «прочитано 3 из 9 документов»
    documents: list[DocumentStatus]


@router.get("/dossiers/{application_id}/status")
def dossier_status(application_id: str, user: UserDep, session: SessionDep) -> JSONResponse:
    app = load_application(session, application_id)
    documents = [
        DocumentStatus(id=d.id, status=d.status, status_label=gettext(DOCUMENT_STATUS_LABELS.get(d.status, d.status)))
        for d in app.documents
    ]
    read = sum(1 for d in app.documents if d.status in ("done", "failed"))
    answer = DossierStatus(
        status=app.status,
        status_label=gettext(APPLICATION_STATUS_LABELS.get(app.status, app.status)),
        processing=app.status in IN_PROGRESS,
        # After «из» the genitive: «из 1 документа», «из 3 документов», «из 21 документа».
        progress=ngettext("прочитано %(read)s из %(n)s документа", "прочитано %(read)s из %(n)s документов", len(documents))
        % {"read": read, "n": len(documents)},
        documents=documents,
    )
    return JSONResponse(answer.model_dump(), headers={"Cache-Control": "no-store"})
