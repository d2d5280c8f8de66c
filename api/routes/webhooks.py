"""/v1/webhooks: a key's subscriptions to "checks finished" notifications, and their deliveries."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, status
from fastapi.responses import Response
from sqlalchemy import func, select

from api.deps import SessionDep, SettingsDep, require
from api.errors import ApiError
from api.schemas import DeliveryOut, WebhookIn, WebhookOut
from casework.access import Action, Principal
from casework.audit import record_event
from casework.webhook_targets import WebhookPolicy, WebhookTargetRefused, check_webhook_url
from casework.webhooks import new_secret
from models.db import WebhookDeliveryRow, WebhookRow

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])

Subscriber = Annotated[Principal, Depends(require(Action.WEBHOOKS))]
_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Нет ключа API или он отозван."},
    404: {"description": "Подписки нет (или она принадлежит другому ключу)."},
}
_CREATE_ERRORS: dict[int | str, dict[str, Any]] = {
    **_ERRORS,
    409: {"description": "У ключа уже максимальное число подписок (code `too_many_webhooks`)."},
    422: {"description": "Адрес не принимается: не https, внутренняя сеть, нестандартная запись адреса."},
}


def _out(hook: WebhookRow, secret: str | None = None) -> WebhookOut:
    return WebhookOut(
        id=hook.id,
        url=hook.url,
        events=list(hook.events or []),
        active=hook.active,
        created_at=hook.created_at,
        secret=secret,
    )


def _own(session: Any, principal: Principal, webhook_id: str) -> WebhookRow:
    hook = session.get(WebhookRow, webhook_id)
    if hook is None or hook.api_key_id != principal.key_id:
        raise ApiError(status.HTTP_404_NOT_FOUND, "not_found", "Подписка не найдена.")
    return hook


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=WebhookOut,
    summary="Подписаться на уведомления о завершении проверки",
    responses=_CREATE_ERRORS,
)
def create_webhook(
    body: WebhookIn, principal: Subscriber, session: SessionDep, settings: SettingsDep
) -> WebhookOut:
    """Каждое уведомление — POST с JSON и заголовком `X-Docproc-Signature: t=…,v1=…`:
    HMAC-SHA256 от `"<t>.<тело>"` с секретом подписки. Секрет показывается только в этом ответе.
    Уведомления получают только о заявках, доступных ключу подписки.

    Адрес — только `https://` и только публичный: локальные, частные и служебные адреса (и имена,
    которые в них разрешаются) не принимаются; перенаправления не выполняются."""
    try:
        check_webhook_url(str(body.url), WebhookPolicy.of(settings.service))
    except WebhookTargetRefused as exc:
        raise ApiError(status.HTTP_422_UNPROCESSABLE_CONTENT, exc.code, exc.message) from exc
    cap = settings.service.max_webhooks_per_key
    active = session.scalar(
        select(func.count())
        .select_from(WebhookRow)
        .where(WebhookRow.api_key_id == principal.key_id, WebhookRow.active.is_(True))
    )
    if (active or 0) >= cap:
        raise ApiError(
            status.HTTP_409_CONFLICT,
            "too_many_webhooks",
            f"У ключа уже {cap} подписок — это предел. Удалите ненужную подписку и повторите.",
        )
    secret = body.secret or new_secret()
    hook = WebhookRow(
        api_key_id=principal.key_id, url=str(body.url), secret=secret, events=list(body.events), active=True
    )
    session.add(hook)
    session.flush()
    record_event(session, "webhook.create", api_key_id=principal.key_id, webhook_id=hook.id, url=hook.url)
    session.commit()
    return _out(hook, secret)


@router.get("", response_model=list[WebhookOut], summary="Подписки этого ключа", responses=_ERRORS)
def list_webhooks(principal: Subscriber, session: SessionDep) -> list[WebhookOut]:
    hooks = session.scalars(
        select(WebhookRow).where(WebhookRow.api_key_id == principal.key_id).order_by(WebhookRow.created_at)
    ).all()
    return [_out(h) for h in hooks]


@router.delete(
    "/{webhook_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Отписаться", responses=_ERRORS
)
def delete_webhook(webhook_id: str, principal: Subscriber, session: SessionDep) -> Response:
    hook = _own(session, principal, webhook_id)
    hook.active = False  # kept (inactive) so that its delivery history stays readable
    record_event(session, "webhook.delete", api_key_id=principal.key_id, webhook_id=hook.id)
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/{webhook_id}/deliveries", response_model=list[DeliveryOut], summary="Журнал доставок", responses=_ERRORS
)
def list_deliveries(
    webhook_id: str,
    principal: Subscriber,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[DeliveryOut]:
    _own(session, principal, webhook_id)
    rows = session.scalars(
        select(WebhookDeliveryRow)
        .where(WebhookDeliveryRow.webhook_id == webhook_id)
        .order_by(WebhookDeliveryRow.created_at.desc())
        .limit(limit)
    ).all()
    return [
        DeliveryOut(
            id=r.id,
            application_id=r.application_id,
            event=r.event,
            status=r.status,  # type: ignore[arg-type]
            attempts=r.attempts,
            response_status=r.response_status,
            last_error=r.last_error,
            created_at=r.created_at,
            delivered_at=r.delivered_at,
        )
        for r in rows
    ]
