"""What every request passes before its body is read: authentication, valid text, a body deadline.

Starlette reads (and spools) a request body before any dependency runs, so a stranger could make the
API take in 200 MB, or hold a connection open by sending a byte every few seconds, before being
told that the key is missing. ``RequestGate`` answers first:

* ``/v1/…`` without a key, or with a key that is unknown or revoked: 401 at once; the body is never
  read. The principal it resolved is handed on (``api.deps.get_principal`` does not look it up again).
* A workspace form (POST to a page other than ``/login`` or its language switch) without a live session:
  to the sign-in page.
* A path or query with a NUL byte or another control character: 422 (PostgreSQL refuses NUL in text).
* The body must keep arriving: after ``body_grace_s`` seconds a client must have sent at least
  ``body_min_rate_bytes_s`` per second since the request began, or it is answered 408 and closed.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import unquote

import anyio
from fastapi import status

from foundation.settings import Settings
from models.domain import INVALID_TEXT

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

API_PREFIX = "/v1/"
SIGN_IN_PATH = "/login"
# Forms a browser without a session may send: signing in, and the sign-in page's language switch.
SIGNED_OUT_FORMS = frozenset({SIGN_IN_PATH, "/login/language"})
PRINCIPAL_STATE = "principal"  # request.state key of the key resolved here
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class BodyTooSlow(Exception):
    pass


class RequestGate:
    def __init__(self, app: Any, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if has_invalid_text(scope):
            await send_json(
                send,
                status.HTTP_422_UNPROCESSABLE_CONTENT,
                "invalid_text",
                "Адрес запроса содержит недопустимые символы (нулевой байт или управляющий символ).",
            )
            return
        path: str = scope["path"]
        if path.startswith(API_PREFIX):
            refusal = await self._check_api_key(scope)
            if refusal is not None:
                await send_json(send, status.HTTP_401_UNAUTHORIZED, *refusal, headers={"WWW-Authenticate": "Bearer"})
                return
        elif scope["method"] not in _SAFE_METHODS and path not in SIGNED_OUT_FORMS and not await self._has_session(scope):
            await send_redirect(send, _sign_in_url(scope))
            return
        await self._with_body_deadline(scope, receive, send)

    # ------------------------------------------------------------------ authentication

    async def _check_api_key(self, scope: Scope) -> tuple[str, str] | None:
        key = bearer_key(scope)
        if not key:
            return "missing_api_key", "Нужен ключ API: заголовок «Authorization: Bearer КЛЮЧ»."
        principal = await anyio.to_thread.run_sync(self._resolve_key, key)
        if principal is None:
            return "invalid_api_key", "Ключ API не найден или отозван."
        scope.setdefault("state", {})[PRINCIPAL_STATE] = principal
        return None

    def _resolve_key(self, key: str) -> Any:
        from casework import connections
        from casework.api_keys import resolve_key

        with connections.sessions(self.settings)() as session:
            return resolve_key(session, key, self.settings.service.auth_cache_ttl_s)

    async def _has_session(self, scope: Scope) -> bool:
        from api.web.session_cookie import SESSION_COOKIE

        token = cookie(scope, SESSION_COOKIE)
        return bool(token) and await anyio.to_thread.run_sync(self._session_is_live, token)

    def _session_is_live(self, token: str) -> bool:
        from casework import connections
        from casework.user_accounts import resolve_session

        with connections.sessions(self.settings)() as session:
            return resolve_session(session, token) is not None

    # ------------------------------------------------------------------ the body

    async def _with_body_deadline(self, scope: Scope, receive: Receive, send: Send) -> None:
        service = self.settings.service
        started = time.monotonic()
        received = 0
        body_done = False
        too_slow = False
        answered = False

        async def receive_in_time() -> Message:
            nonlocal received, body_done, too_slow
            if body_done:
                return await receive()  # waiting for a disconnect after the body: no deadline
            deadline = started + service.body_grace_s + received / service.body_min_rate_bytes_s
            try:
                with anyio.fail_after(max(deadline - time.monotonic(), 0.0)):
                    message = await receive()
            except TimeoutError:
                too_slow = True
                raise BodyTooSlow() from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                body_done = not message.get("more_body", False)
            return message

        async def guarded_send(message: Message) -> None:
            # Whatever the app answers to the interrupted body (a parse error, a 500) becomes our 408.
            nonlocal answered
            if too_slow:
                if not answered and message["type"] == "http.response.start":
                    answered = True
                    await _refuse_slow_body(send)
                return
            answered = answered or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive_in_time, guarded_send)
        except Exception:
            if not too_slow:
                raise
        if too_slow and not answered:
            await _refuse_slow_body(send)


async def _refuse_slow_body(send: Send) -> None:
    await send_json(
        send,
        status.HTTP_408_REQUEST_TIMEOUT,
        "request_body_timeout",
        "Тело запроса передаётся слишком медленно; соединение закрыто. Повторите загрузку.",
        headers={"Connection": "close"},
    )


# --------------------------------------------------------------------------- helpers


def has_invalid_text(scope: Scope) -> bool:
    query = scope.get("query_string", b"").decode("latin-1")
    return bool(INVALID_TEXT.search(scope.get("path", "")) or INVALID_TEXT.search(unquote(query)))


def header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers") or []:
        if key == name:
            return str(value.decode("latin-1"))
    return None


def bearer_key(scope: Scope) -> str:
    value = header(scope, b"authorization") or ""
    scheme, _, credentials = value.partition(" ")
    return credentials.strip() if scheme.lower() == "bearer" else ""


def cookie(scope: Scope, name: str) -> str:
    from http.cookies import CookieError, SimpleCookie

    raw = header(scope, b"cookie")
    if not raw:
        return ""
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(raw)
    except CookieError:
        return ""
    morsel = jar.get(name)
    return morsel.value if morsel is not None else ""


def _sign_in_url(scope: Scope) -> str:
    from api.web.session_cookie import login_url

    referer = header(scope, b"referer") or ""
    host = header(scope, b"host") or ""
    marker = f"://{host}"
    back = referer.split(marker, 1)[1] if host and marker in referer else "/dossiers"
    return login_url(back or "/dossiers")


async def send_json(
    send: Send, status_code: int, code: str, message: str, headers: dict[str, str] | None = None
) -> None:
    body = json.dumps({"detail": {"code": code, "message": message}}, ensure_ascii=False).encode()
    raw_headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw_headers += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status_code, "headers": raw_headers})
    await send({"type": "http.response.body", "body": body})


async def send_redirect(send: Send, location: str) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status.HTTP_303_SEE_OTHER,
            "headers": [(b"location", location.encode()), (b"content-length", b"0")],
        }
    )
    await send({"type": "http.response.body", "body": b""})
