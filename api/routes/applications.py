"""/v1/applications: create, upload, status, results, reprocess, list."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Query, UploadFile, status
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from api.deps import RedisDep, SessionDep, SettingsDep, require, visible_application
from api.errors import ApiError, from_ingest_error, not_found, rejected_files_error
from api.heavy import heavy_work
from api.multipart import read_files, upload_limits
from api.presenters import application_detail, application_summary, document_summary, upload_response
from api.schemas import (
    ApplicationDetail,
    ApplicationIn,
    ApplicationList,
    DocumentSummary,
    EligibilityDecisionIn,
    ReprocessResponse,
    ReprocessScope,
    UploadResponse,
)
from casework import intake
from casework.access import Action, Principal, sees_applicant
from casework.eligibility import (
    EligibilityError,
    EligibilityItemState,
    decide_eligibility,
    eligibility_states,
)
from casework.intake import add_documents, create_application, enqueue_or_explain
from docproc.expected_shape import dossier_to_expected
from ingest.errors import IngestError
from ingest.uploads import UploadCheck, check_upload, check_zip_upload
from models.db import ApplicationRow, ApplicationStatus, EligibilityVerdict
from models.domain import Application, DossierResult

router = APIRouter(prefix="/v1", tags=["applications"])

Creator = Annotated[Principal, Depends(require(Action.CREATE))]
Uploader = Annotated[Principal, Depends(require(Action.UPLOAD))]
Reader = Annotated[Principal, Depends(require(Action.READ))]
Reprocessor = Annotated[Principal, Depends(require(Action.REPROCESS))]
Reviewer = Annotated[Principal, Depends(require(Action.REVIEW))]
FilesField = Annotated[
    list[UploadFile], File(description="Один или несколько документов, либо один ZIP-архив с ними.")
]

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Нет ключа API или он отозван."},
    403: {"description": "Роли ключа это действие не разрешено."},
    404: {"description": "Заявки нет (или она недоступна этому ключу)."},
}


def _checked_upload(
    files: list[tuple[str | None, bytes]], settings: Any, zip_only: bool = False
) -> UploadCheck:
    limits = upload_limits(settings)
    try:
        with heavy_work(settings):
            if zip_only:
                name, data = files[0]
                check = check_zip_upload(name or "dossier.zip", data, limits)
            else:
                check = check_upload(files, limits)
    except IngestError as exc:
        raise from_ingest_error(exc) from exc
    if check.rejected:
        raise rejected_files_error(check.rejected)
    return check


@router.post(
    "/applications",
    status_code=status.HTTP_201_CREATED,
    response_model=ApplicationDetail,
    summary="Создать заявку",
    responses={**_ERRORS, 409: {"description": "Заявка с таким dossier_id уже есть."}},
)
def create(body: ApplicationIn, principal: Creator, session: SessionDep) -> ApplicationDetail:
    """Тело — декларация заявителя в формате `application.json` корпуса."""
    payload = body.model_dump(mode="json")
    payload["dossier_id"] = body.dossier_id or f"app-{uuid.uuid4().hex[:16]}"
    app = create_application(session, Application.model_validate(payload), principal)
    session.commit()
    return application_detail(app)


@router.post(
    "/dossiers",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=UploadResponse,
    summary="Подать досье одним ZIP-архивом (application.json + документы)",
    responses={**_ERRORS, 409: {"description": "Заявка с таким dossier_id уже есть."}},
)
def create_from_zip(
    file: Annotated[UploadFile, File(description="ZIP: application.json и документы досье.")],
    principal: Creator,
    settings: SettingsDep,
    session: SessionDep,
    redis: RedisDep,
) -> UploadResponse:
    if principal.role.value not in ("portal", "admin"):
        raise ApiError(
            status.HTTP_403_FORBIDDEN, "forbidden", "Подавать досье могут только ключи portal и admin."
        )
    check = _checked_upload(read_files([file], settings), settings, zip_only=True)
    loaded = check.dossier
    if loaded is None or loaded.application is None:
        reason = loaded.application_error if loaded else None
        raise ApiError(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            "application_invalid",
            reason or "В архиве нет корректного файла application.json.",
        )
    app = create_application(session, loaded.application, principal)
    plan, added = add_documents(session, app, check, settings, principal)
    session.commit()
    enqueue_or_explain(plan, settings, redis)
    return upload_response(app, added)


@router.get("/applications", response_model=ApplicationList, summary="Список заявок", responses=_ERRORS)
def list_applications(
    principal: Reader,
    session: SessionDep,
    settings: SettingsDep,
    status_: Annotated[
        Literal["received", "processing", "done", "failed"] | None,
        Query(alias="status", description="Статус заявки."),
    ] = None,
    has_errors: Annotated[bool | None, Query(description="Есть замечания уровня error.")] = None,
    applicant: Annotated[str | None, Query(description="БИН заявителя или часть наименования.")] = None,
    date_from: Annotated[dt.date | None, Query(description="Дата заявки не раньше.")] = None,
    date_to: Annotated[dt.date | None, Query(description="Дата заявки не позже.")] = None,
    limit: Annotated[int, Query(ge=1, description="Не больше list_max_limit (200).")] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> ApplicationList:
    limit = min(limit, settings.service.list_max_limit)
    query = select(ApplicationRow)
    if principal.scoped:
        query = query.where(ApplicationRow.applicant_bin.in_(sorted(principal.applicant_bins)))
    if status_ is not None:
        query = query.where(ApplicationRow.status == status_)
    if has_errors is True:
        query = query.where(ApplicationRow.error_count > 0)
    elif has_errors is False:
        query = query.where(ApplicationRow.error_count == 0)
    if applicant:
        needle = applicant.strip()
        query = query.where(
            or_(ApplicationRow.applicant_bin == needle, ApplicationRow.applicant_name.ilike(f"%{needle}%"))
        )
    if date_from is not None:
        query = query.where(ApplicationRow.application_date >= date_from)
    if date_to is not None:
        query = query.where(ApplicationRow.application_date <= date_to)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(ApplicationRow.created_at.desc(), ApplicationRow.id).limit(limit).offset(offset)
    ).all()
    return ApplicationList(
        items=[application_summary(r) for r in rows], total=total, limit=limit, offset=offset
    )


@router.get(
    "/applications/{application_id}",
    response_model=ApplicationDetail,
    summary="Статус заявки: документы, комплектность, замечания, возмещение",
    responses=_ERRORS,
)
def get_application(application_id: str, principal: Reader, session: SessionDep) -> ApplicationDetail:
    app = session.scalars(
        select(ApplicationRow)
        .where(ApplicationRow.id == application_id)
        .options(selectinload(ApplicationRow.documents))
    ).one_or_none()
    if app is None or not sees_applicant(principal, app.applicant_bin):
        raise not_found()
    return application_detail(app, eligibility_states(session, app))


@router.get(
    "/applications/{application_id}/documents",
    response_model=list[DocumentSummary],
    summary="Документы заявки и их статусы",
    responses=_ERRORS,
)
def list_documents(application_id: str, principal: Reader, session: SessionDep) -> list[DocumentSummary]:
    app = visible_application(session, principal, application_id)
    return [document_summary(doc) for doc in app.documents]


@router.get(
    "/applications/{application_id}/results",
    summary="Результат проверки — тот же JSON, что пишет CLI",
    responses={
        **_ERRORS,
        200: {
            "description": "`format=full`: DossierResult (как `docproc check --json`); `format=expected`: формат expected.json."
        },
        409: {"description": "Проверка ещё не завершена (code `results_not_ready`)."},
    },
)
def get_results(
    application_id: str,
    principal: Reader,
    session: SessionDep,
    format: Annotated[Literal["full", "expected"], Query(description="full или expected")] = "full",
) -> dict[str, Any]:
    app = visible_application(session, principal, application_id)
    if app.status != ApplicationStatus.DONE.value or app.result is None:
        raise ApiError(
            status.HTTP_409_CONFLICT,
            "results_not_ready",
            "Проверка заявки ещё не завершена."
            if app.status != ApplicationStatus.FAILED.value
            else f"Проверка заявки не выполнена: {app.failure_reason or 'ошибка обработки'}",
            status=app.status,
            revision=app.revision,
        )
    if format == "expected":
        return dossier_to_expected(DossierResult.model_validate(app.result))
    return app.result


@router.post(
    "/applications/{application_id}/documents",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=UploadResponse,
    summary="Загрузить документы (несколько файлов или один ZIP)",
    responses={
        **_ERRORS,
        413: {"description": "Файл или запрос слишком большой, архив-бомба."},
        415: {"description": "Формат файла не принимается (определяется по содержимому)."},
        422: {"description": "Файл зашифрован, повреждён, слишком много страниц, опасный путь в ZIP…"},
        503: {"description": "Документы сохранены, но очередь недоступна; повтор безопасен."},
    },
)
def upload_documents(
    application_id: str,
    files: FilesField,
    principal: Uploader,
    settings: SettingsDep,
    session: SessionDep,
    redis: RedisDep,
) -> UploadResponse:
    """Ответ приходит сразу (202): документы поставлены в очередь, их статус — в `GET /v1/applications/{id}`.

    Файл с тем же именем и содержимым, что уже есть в заявке, не обрабатывается повторно; содержимое,
    уже прочитанное в любой заявке, берётся из кэша.
    """
    check = _checked_upload(read_files(files, settings), settings)
    app = visible_application(session, principal, application_id, for_update=True)
    plan, added = add_documents(session, app, check, settings, principal, locked=True)
    session.commit()
    enqueue_or_explain(plan, settings, redis)
    return upload_response(app, added)


@router.post(
    "/applications/{application_id}/reprocess",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=ReprocessResponse,
    summary="Повторить обработку заявки",
    responses={**_ERRORS, 429: {"description": "Документы заявки уже перечитывались недавно (Retry-After)."}},
)
def reprocess_application(
    application_id: str,
    principal: Reprocessor,
    settings: SettingsDep,
    session: SessionDep,
    redis: RedisDep,
    scope: Annotated[
        ReprocessScope, Query(description="documents — перечитать документы; check — только проверка")
    ] = (ReprocessScope.documents),
) -> ReprocessResponse:
    app = visible_application(session, principal, application_id, for_update=True)
    plan = intake.reprocess_application(
        session, app, principal, settings, redis, reread=scope == ReprocessScope.documents
    )
    session.commit()
    enqueue_or_explain(plan, settings, redis)
    return ReprocessResponse(
        application_id=app.id, revision=plan.revision, documents_requeued=len(plan.documents)
    )


@router.get(
    "/applications/{application_id}/eligibility",
    response_model=list[EligibilityItemState],
    summary="Условия участия: заявление заявителя и решение проверяющего",
    responses=_ERRORS,
)
def get_eligibility(application_id: str, principal: Reader, session: SessionDep) -> list[EligibilityItemState]:
    return eligibility_states(session, visible_application(session, principal, application_id))


@router.put(
    "/applications/{application_id}/eligibility/{item}",
    response_model=list[EligibilityItemState],
    summary="Подтвердить или отклонить условие участия (записывается в журнал)",
    responses={
        **_ERRORS,
        422: {"description": "Неизвестное условие, отказ без комментария, отмена несуществующего решения."},
    },
)
def put_eligibility(
    application_id: str, item: str, body: EligibilityDecisionIn, principal: Reviewer, session: SessionDep
) -> list[EligibilityItemState]:
    app = visible_application(session, principal, application_id, for_update=True)
    verdict = EligibilityVerdict(body.verdict) if body.verdict else None
    try:
        decide_eligibility(session, app, item, verdict, body.comment, api_key_id=principal.key_id)
    except EligibilityError as exc:
        raise ApiError(status.HTTP_422_UNPROCESSABLE_CONTENT, "eligibility_refused", str(exc), item=item) from exc
    session.commit()
    return eligibility_states(session, app)
