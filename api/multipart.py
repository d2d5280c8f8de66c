"""Multipart files to (name, bytes), and a guard on the size of a whole request body."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastapi import UploadFile, status

from api.errors import ApiError
from foundation.settings import Limits, Settings
from ingest.sizes import format_size
from models.domain import INVALID_TEXT

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


def upload_limits(settings: Settings) -> Limits:
    """The limits an API upload is checked with: the command line's, with a lower cap on unpacked ZIPs."""
    limits = settings.limits
    cap = min(limits.max_archive_total_bytes, settings.service.max_upload_unpacked_bytes)
    return limits.model_copy(update={"max_archive_total_bytes": cap})


def read_files(files: list[UploadFile], settings: Settings) -> list[tuple[str | None, bytes]]:
    if not files:
        raise ApiError(
            status.HTTP_422_UNPROCESSABLE_CONTENT, "no_files", "В запросе нет файлов (поле files)."
        )
    if len(files) > settings.service.max_files_per_upload:
        raise ApiError(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            "too_many_files",
            f"В одном запросе не более {settings.service.max_files_per_upload} файлов; передано {len(files)}.",
        )
    out: list[tuple[str | None, bytes]] = []
    for upload in files:
        if upload.filename and INVALID_TEXT.search(upload.filename):
            raise ApiError(
                status.HTTP_422_UNPROCESSABLE_CONTENT,
                "invalid_text",
                "Имя файла содержит недопустимый символ (нулевой байт или управляющий символ).",
            )
        upload.file.seek(0)
        out.append((upload.filename, upload.file.read()))
    return out


class RequestTooLarge(Exception):
    pass


class BodySizeLimit:
    """Refuse a request body larger than ``max_bytes`` with 413, before it is parsed or spooled.

    A declared Content-Length is checked up front; a chunked body is counted as it streams in.
    """

    def __init__(self, app: Any, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(send)
            return
        received = 0
        too_large = False
        answered = False

        async def counting_receive() -> Message:
            nonlocal received, too_large
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    too_large = True
                    raise RequestTooLarge()
            return message

        async def guarded_send(message: Message) -> None:
            # Whatever the app answers to the interrupted body (a parse error, a 500) becomes our 413.
            nonlocal answered
            if too_large:
                if not answered and message["type"] == "http.response.start":
                    answered = True
                    await self._refuse(send)
                return
            answered = answered or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except RequestTooLarge:
            if not answered:
                await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        import json

        body = json.dumps(
            {
                "detail": {
                    "code": "request_too_large",
                    "message": f"Запрос слишком большой: допустимо не более {format_size(self.max_bytes)} за раз. "
                    "Загрузите документы несколькими запросами.",
                }
            },
            ensure_ascii=False,
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status.HTTP_413_CONTENT_TOO_LARGE,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
