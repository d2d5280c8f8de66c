"""Every refusal is ``{"detail": {"code": ..., "message": <Russian>, ...}}`` with a fitting 4xx status.

The casework's domain errors (``casework.errors``) get their status here: the service layer knows
no HTTP.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from casework.errors import (
    ApplicantOutOfScope,
    ApplicationExists,
    CaseworkError,
    CorrectionError,
    QueueUnavailable,
    ReprocessTooSoon,
)
from ingest.dossier import RejectedFile, describe_validation_error
from ingest.errors import IngestError

# Ingest codes whose natural HTTP answer is not the generic 422.
_STATUS_BY_CODE: dict[str, int] = {
    "file_too_large": status.HTTP_413_CONTENT_TOO_LARGE,
    "request_too_large": status.HTTP_413_CONTENT_TOO_LARGE,
    "zip_bomb": status.HTTP_413_CONTENT_TOO_LARGE,
    "pdf_bomb": status.HTTP_413_CONTENT_TOO_LARGE,
    "unsupported_format": status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
    "dossier_not_zip": status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
}

_STATUS_BY_CASEWORK_ERROR: dict[type[CaseworkError], int] = {
    ApplicantOutOfScope: status.HTTP_403_FORBIDDEN,
    ApplicationExists: status.HTTP_409_CONFLICT,
    QueueUnavailable: status.HTTP_503_SERVICE_UNAVAILABLE,
    ReprocessTooSoon: status.HTTP_429_TOO_MANY_REQUESTS,
    CorrectionError: status.HTTP_422_UNPROCESSABLE_CONTENT,
}


class ApiError(Exception):
    def __init__(
        self, status_code: int, code: str, message: str, headers: dict[str, str] | None = None, **extra: Any
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.status_code = status_code
        self.code = code
        self.message = message
        self.headers = headers
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return {"detail": {"code": self.code, "message": self.message, **self.extra}}


def status_for_code(code: str) -> int:
    return _STATUS_BY_CODE.get(code, status.HTTP_422_UNPROCESSABLE_CONTENT)


def from_ingest_error(exc: IngestError) -> ApiError:
    return ApiError(status_for_code(exc.code), exc.code, exc.reason)


def from_casework_error(exc: CaseworkError) -> ApiError:
    """The API's answer to a refusal of the casework (a class not listed is a 422)."""
    status_code = next(
        (code for cls, code in _STATUS_BY_CASEWORK_ERROR.items() if isinstance(exc, cls)),
        status.HTTP_422_UNPROCESSABLE_CONTENT,
    )
    headers = {"Retry-After": str(exc.retry_after_s)} if isinstance(exc, ReprocessTooSoon) else None
    return ApiError(status_code, exc.code, exc.message, headers=headers, **exc.details)


def rejected_files_error(rejected: list[RejectedFile]) -> ApiError:
    """One answer for an upload with refused files; nothing of it was stored."""
    codes = {r.code for r in rejected}
    statuses = {status_for_code(code) for code in codes}
    status_code = statuses.pop() if len(statuses) == 1 else status.HTTP_422_UNPROCESSABLE_CONTENT
    code = codes.pop() if len(codes) == 1 else "files_rejected"
    names = ", ".join(f"«{r.name}»" for r in rejected[:5]) + (" и другие" if len(rejected) > 5 else "")
    return ApiError(
        status_code,
        code,
        f"Загрузка отклонена, ни один файл не сохранён. Не приняты: {names}. Причины указаны в списке files.",
        files=[r.model_dump() for r in rejected],
    )


def not_found(what: str = "Заявка") -> ApiError:
    return ApiError(status.HTTP_404_NOT_FOUND, "not_found", f"{what} не найдена.")


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(exc.body(), status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(CaseworkError)
    async def _casework_error(_: Request, exc: CaseworkError) -> JSONResponse:
        error = from_casework_error(exc)
        return JSONResponse(error.body(), status_code=error.status_code, headers=error.headers)

    @app.exception_handler(IngestError)
    async def _ingest_error(_: Request, exc: IngestError) -> JSONResponse:
        error = from_ingest_error(exc)
        return JSONResponse(error.body(), status_code=error.status_code)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {
                "field": ".".join(str(p) for p in e.get("loc", ())),
                "problem": e.get("msg", ""),
                "type": e.get("type"),
            }
            for e in exc.errors()
        ]
        listed = "; ".join(describe_validation_error(e) for e in exc.errors()[:5])
        body = {
            "detail": {
                "code": "invalid_request",
                "message": f"Запрос содержит ошибки: {listed}.",
                "errors": problems,
            }
        }
        return JSONResponse(body, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        messages = {404: "Ресурс не найден.", 405: "Метод не поддерживается для этого адреса."}
        detail = (
            exc.detail
            if isinstance(exc.detail, dict)
            else {
                "code": {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error"),
                "message": messages.get(exc.status_code, str(exc.detail)),
            }
        )
        return JSONResponse(
            {"detail": detail}, status_code=exc.status_code, headers=getattr(exc, "headers", None)
        )
