"""The rows a page is about, or the workspace's 404 page when there is none."""

from __future__ import annotations

from fastapi import status
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from api.web import review
from api.web.i18n import gettext
from api.web.security import WebError
from models.db import ApplicationRow, DocumentRow


def load_application(session: Session, application_id: str) -> ApplicationRow:
    app = session.scalars(
        select(ApplicationRow)
        .where(ApplicationRow.id == application_id)
        .options(selectinload(ApplicationRow.documents))
    ).one_or_none()
    return _found(app)


def _found(app: ApplicationRow | None) -> ApplicationRow:
    if app is None:
        raise WebError(status.HTTP_404_NOT_FOUND, gettext("Такого досье нет."), title=gettext("Досье не найдено"))
    return app


def load_locked_application(session: Session, application_id: str) -> ApplicationRow:
    return _found(review.lock_application(session, application_id))



def load_document(session: Session, document_id: str) -> DocumentRow:
    doc = session.get(DocumentRow, document_id)
    if doc is None:
        raise WebError(status.HTTP_404_NOT_FOUND, gettext("Такого документа нет."), title=gettext("Документ не найден"))
    return doc
