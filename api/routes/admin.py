"""/v1/keys and /v1/audit: administration (admin keys only)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, status
from fastapi.responses import Response
from sqlalchemy import select

from api.deps import SessionDep, require
from api.errors import ApiError
from api.schemas import AuditEventOut, KeyIn, KeyOut
from casework.access import Action, Principal
from casework.api_keys import create_key, revoke_key
from casework.audit import record_event
from models.db import ApiKeyRow, AuditEventRow

router = APIRouter(prefix="/v1", tags=["admin"])

Admin = Annotated[Principal, Depends(require(Action.ADMIN))]
_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Нет ключа API или он отозван."},
    403: {"description": "Только для ключей admin."},
}


def _out(row: ApiKeyRow, key: str | None = None) -> KeyOut:
    return KeyOut(
        id=row.id,
        name=row.name,
        role=row.role,
        key_prefix=row.key_prefix,
        applicant_bins=list(row.applicant_bins or []),
        created_at=row.created_at,
        revoked_at=row.revoked_at,
        last_used_at=row.last_used_at,
        key=key,
    )


@router.post(
    "/keys",
    status_code=status.HTTP_201_CREATED,
    response_model=KeyOut,
    summary="Создать ключ API",
    responses=_ERRORS,
)
def create(body: KeyIn, principal: Admin, session: SessionDep) -> KeyOut:
    if body.role == "portal" and not body.applicant_bins:
        raise ApiError(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            "portal_key_needs_bins",
            "Ключу portal нужен хотя бы один БИН заявителя (applicant_bins).",
        )
    created = create_key(session, body.role, body.applicant_bins, body.name)
    record_event(session, "key.create", api_key_id=principal.key_id,
        key_id=created.id,
        role=created.role.value,
        applicant_bins=created.applicant_bins,
    )
    session.commit()
    row = session.get(ApiKeyRow, created.id)
    assert row is not None
    return _out(row, created.key)


@router.get("/keys", response_model=list[KeyOut], summary="Ключи API (без самих ключей)", responses=_ERRORS)
def list_keys(principal: Admin, session: SessionDep) -> list[KeyOut]:
    return [_out(r) for r in session.scalars(select(ApiKeyRow).order_by(ApiKeyRow.created_at)).all()]


@router.delete(
    "/keys/{key_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Отозвать ключ", responses=_ERRORS
)
def revoke(key_id: str, principal: Admin, session: SessionDep) -> Response:
    if not revoke_key(session, key_id):
        raise ApiError(status.HTTP_404_NOT_FOUND, "not_found", "Ключ не найден или уже отозван.")
    record_event(session, "key.revoke", api_key_id=principal.key_id, key_id=key_id)
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/audit", response_model=list[AuditEventOut], summary="Журнал действий", responses=_ERRORS)
def audit_log(
    principal: Admin,
    session: SessionDep,
    application_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[AuditEventOut]:
    query = select(AuditEventRow)
    if application_id:
        query = query.where(AuditEventRow.application_id == application_id)
    rows = session.scalars(query.order_by(AuditEventRow.at.desc()).limit(limit).offset(offset)).all()
    return [
        AuditEventOut(
            id=r.id,
            at=r.at,
            api_key_id=r.api_key_id,
            user_id=r.user_id,
            action=r.action,
            application_id=r.application_id,
            document_id=r.document_id,
            details=r.details or {},
        )
        for r in rows
    ]
