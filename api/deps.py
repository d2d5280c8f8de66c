"""FastAPI dependencies: settings, database session, Redis, the caller's key and its rights."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from redis import Redis
from sqlalchemy.orm import Session, defer

from api.errors import ApiError, not_found
from api.gate import PRINCIPAL_STATE
from casework import connections
from casework.access import ACTION_LABELS_RU, Action, Principal, may, sees_applicant
from casework.api_keys import resolve_key
from foundation.settings import Settings
from models.db import ApplicationRow, DocumentRow

_bearer = HTTPBearer(auto_error=False, description="Ключ API: `Authorization: Bearer dpk_...`")


def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_app_settings)]


def get_session(settings: SettingsDep) -> Iterator[Session]:
    with connections.sessions(settings)() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def get_redis(settings: SettingsDep) -> Redis:
    return connections.redis_connection(settings)


RedisDep = Annotated[Redis, Depends(get_redis)]


def get_principal(
    request: Request,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    resolved = getattr(request.state, PRINCIPAL_STATE, None)
    if isinstance(resolved, Principal):
        return resolved  # api.gate resolved the key before the body was read
    unauthorized = {"WWW-Authenticate": "Bearer"}
    if credentials is None or not credentials.credentials:
        raise _unauthorized(
            "missing_api_key", "Нужен ключ API: заголовок «Authorization: Bearer КЛЮЧ».", unauthorized
        )
    with connections.sessions(settings)() as session:
        principal = resolve_key(session, credentials.credentials, settings.service.auth_cache_ttl_s)
    if principal is None:
        raise _unauthorized("invalid_api_key", "Ключ API не найден или отозван.", unauthorized)
    return principal


def _unauthorized(code: str, message: str, headers: dict[str, str]) -> ApiError:
    return ApiError(status.HTTP_401_UNAUTHORIZED, code, message, headers=headers)


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def require(action: Action) -> Callable[[Principal], Principal]:
    """A dependency that lets through only keys whose role may perform ``action``."""

    def check(principal: PrincipalDep) -> Principal:
        if not may(principal, action):
            raise ApiError(
                status.HTTP_403_FORBIDDEN,
                "forbidden",
                f"Ключу с ролью «{principal.role.value}» не разрешено {ACTION_LABELS_RU[action]}.",
                role=principal.role.value,
            )
        return principal

    return check


def visible_application(
    session: Session, principal: Principal, application_id: str, for_update: bool = False
) -> ApplicationRow:
    """The application, if it exists and the key may see it; otherwise 404 (never 403: no leaks).

    ``for_update``: lock the row for this transaction (writers that start a check round), which
    serialises writers of one application and lets ``plan_check`` skip its own locking read.
    """
    lock = {"key_share": True} if for_update else None
    # Writers (uploads above all) do not read the stored result, a JSON of tens of kilobytes once a
    # dossier has been checked; it loads on first access if one does.
    options = [defer(ApplicationRow.result)] if for_update else []
    app = session.get(ApplicationRow, application_id, with_for_update=lock, options=options)
    if app is None or not sees_applicant(principal, app.applicant_bin):
        raise not_found()
    return app


def visible_document(session: Session, principal: Principal, document_id: str) -> DocumentRow:
    doc = session.get(DocumentRow, document_id)
    if doc is None or not sees_applicant(principal, doc.application.applicant_bin):
        raise not_found("Документ")
    return doc
