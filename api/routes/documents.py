"""/v1/documents: one document with its fields and provenance, its file, page images, corrections."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, status
from fastapi.responses import Response

from api import page_images
from api.deps import RedisDep, SessionDep, SettingsDep, require, visible_document
from api.errors import ApiError
from api.presenters import document_detail
from api.schemas import CorrectionIn, DocumentDetail, ReprocessResponse
from casework import correcting, intake
from casework.access import Action, Principal
from casework.page_render import NoPageImage
from casework.webhooks import enqueue_webhooks_after_commit
from ingest.blobs_in_database import load_bytes

router = APIRouter(prefix="/v1/documents", tags=["documents"])

Reader = Annotated[Principal, Depends(require(Action.READ))]
Reprocessor = Annotated[Principal, Depends(require(Action.REPROCESS))]
Corrector = Annotated[Principal, Depends(require(Action.CORRECT))]

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Нет ключа API или он отозван."},
    403: {"description": "Роли ключа это действие не разрешено."},
    404: {"description": "Документа нет (или он недоступен этому ключу)."},
}
_MEDIA_TYPES = {
    "pdf": "application/pdf",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "tiff": "image/tiff",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xml": "application/xml",
}


@router.get(
    "/{document_id}",
    response_model=DocumentDetail,
    summary="Документ: поля с местом на странице",
    responses=_ERRORS,
)
def get_document(document_id: str, principal: Reader, session: SessionDep) -> DocumentDetail:
    return document_detail(visible_document(session, principal, document_id))


@router.get(
    "/{document_id}/file",
    summary="Исходный файл",
    responses={**_ERRORS, 200: {"content": {"application/octet-stream": {}}}},
    response_class=Response,
)
def get_file(document_id: str, principal: Reader, session: SessionDep) -> Response:
    doc = visible_document(session, principal, document_id)
    return Response(
        load_bytes(session, doc.sha256),
        media_type=_MEDIA_TYPES.get(doc.kind, "application/octet-stream"),
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{_quote(doc.file_name)}"},
    )


@router.get(
    "/{document_id}/pages/{page_no}/image",
    summary="Изображение страницы (PNG)",
    responses={
        **_ERRORS,
        200: {
            "content": {"image/png": {}},
            "description": "Заголовок X-Page-Scale — пикселей изображения на единицу страницы (рамки полей).",
        },
    },
    response_class=Response,
)
def get_page_image(
    document_id: str,
    principal: Reader,
    session: SessionDep,
    settings: SettingsDep,
    page_no: Annotated[int, Path(ge=1)],
) -> Response:
    doc = visible_document(session, principal, document_id)
    try:
        page = page_images.page_image(session, doc, page_no, settings)
    except NoPageImage as exc:
        message = (
            f"В документе нет страницы {page_no}."
            if str(exc) == "page_out_of_range"
            else "У этого документа нет изображений страниц (таблица, DOCX, XML или файл не читается)."
        )
        raise ApiError(status.HTTP_404_NOT_FOUND, "no_page_image", message) from exc
    return Response(page.png, media_type="image/png", headers={"X-Page-Scale": f"{page.scale:.6f}"})


@router.post(
    "/{document_id}/reprocess",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=ReprocessResponse,
    summary="Перечитать документ и перепроверить заявку",
    responses={**_ERRORS, 429: {"description": "Документы заявки уже перечитывались недавно (Retry-After)."}},
)
def reprocess_document(
    document_id: str, principal: Reprocessor, session: SessionDep, settings: SettingsDep, redis: RedisDep
) -> ReprocessResponse:
    doc = visible_document(session, principal, document_id)
    plan = intake.reprocess_document(session, doc, principal, settings, redis)
    session.commit()
    intake.enqueue_or_explain(plan, settings, redis)
    return ReprocessResponse(
        application_id=plan.application_id, revision=plan.revision, documents_requeued=len(plan.documents)
    )


@router.patch(
    "/{document_id}",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=DocumentDetail,
    summary="Исправить извлечённые значения (проверяющий); заявка перепроверяется",
    responses={**_ERRORS, 422: {"description": "Неизвестное поле или недопустимое значение."}},
)
def correct_document(
    document_id: str,
    body: CorrectionIn,
    principal: Corrector,
    session: SessionDep,
    settings: SettingsDep,
    redis: RedisDep,
) -> DocumentDetail:
    """Исправление записывается; если все документы заявки уже прочитаны, досье проверяется заново до ответа
    (новый результат и номер раунда — в `GET /v1/applications/{id}`), иначе исправление учтёт идущая проверка.
    Подписчики получают `application.checked`, как после любой проверки."""
    doc = visible_document(session, principal, document_id)
    outcome = correcting.correct_document(
        session,
        doc.application,
        doc,
        body.fields,
        body.withdraw,
        comment=body.comment,
        api_key_id=principal.key_id,
        details={"fields": body.fields, "withdraw": body.withdraw},
    )
    session.commit()
    enqueue_webhooks_after_commit(outcome.deliveries, settings, redis)
    return document_detail(doc)


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")
