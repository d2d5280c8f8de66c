"""The FastAPI application: ``create_app()`` (uvicorn factory: ``api.app:create_app``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from api.errors import install_error_handlers
from api.gate import RequestGate
from api.metrics import metrics_registry
from api.multipart import BodySizeLimit
from api.routes import admin, applications, documents, ops, search, webhooks
from api.web.install import install_web
from casework import connections
from foundation.settings import Settings
from foundation.versions import PIPELINE_VERSION
from models.db import upgrade_database

DESCRIPTION = """
Проверка комплектности досье на возмещение затрат (Правила № 308).

Порядок работы: создать заявку (`POST /v1/applications`, тело — `application.json`) или подать
досье одним архивом (`POST /v1/dossiers`); загрузить документы (`POST /v1/applications/{id}/documents`,
поле `files`) — ответ 202 приходит сразу, документы обрабатываются в очереди; следить за статусом
(`GET /v1/applications/{id}`) или подписаться на уведомление (`POST /v1/webhooks`); забрать результат
(`GET /v1/applications/{id}/results` — тот же JSON, что пишет `docproc check --json`).

Доступ — по ключу API (`Authorization: Bearer dpk_…`) с ролью `portal`, `reviewer`, `consumer` или `admin`.
Ошибки: `{"detail": {"code": "…", "message": "…по-русски…"}}`.
"""

TAGS = [
    {"name": "applications", "description": "Заявки: создание, загрузка документов, статус, результат."},
    {
        "name": "documents",
        "description": "Документ: поля с местом на странице, изображения страниц, исправления.",
    },
    {"name": "webhooks", "description": "Уведомления о завершении проверки (подпись HMAC-SHA256)."},
    {"name": "admin", "description": "Ключи API и журнал действий."},
    {"name": "operations", "description": "Здоровье и метрики."},
]


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or connections.current_settings()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        upgrade_database(settings.effective_database_url)
        yield

    app = FastAPI(
        title="docproc",
        version=PIPELINE_VERSION,
        description=DESCRIPTION,
        openapi_tags=TAGS,
        lifespan=lifespan,
        docs_url=None,  # served by install_offline_docs: no CDN on an agency's closed network
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.metrics_registry = metrics_registry(settings)
    install_error_handlers(app)
    # Outermost last: proxy headers (the real client and scheme), then authentication and the body
    # deadline before any body is read, then the size limit while it is read.
    app.add_middleware(BodySizeLimit, max_bytes=settings.service.max_request_bytes)
    app.add_middleware(RequestGate, settings=settings)
    app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.service.trusted_proxies)
    for module in (applications, documents, search, webhooks, admin, ops):
        app.include_router(module.router)
    install_offline_docs(app)
    install_web(app)  # the reviewers' workspace: /login, /dossiers, /documents/... (api/web)
    return app


DOCS_STATIC = "/docs-static"


def install_offline_docs(app: FastAPI) -> None:
    """Swagger UI at /docs and ReDoc at /redoc from files installed with the package (fastapi-offline
    bundles swagger-ui-dist and redoc): FastAPI's defaults load them from a public CDN."""
    import fastapi_offline

    static = Path(fastapi_offline.__file__).resolve().parent / "static"
    app.mount(DOCS_STATIC, StaticFiles(directory=static), name="docs-static")
    openapi_url = app.openapi_url or "/openapi.json"
    oauth2_redirect = app.swagger_ui_oauth2_redirect_url or "/docs/oauth2-redirect"

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(
            openapi_url=f"{root}{openapi_url}",
            title=f"{app.title} — Swagger UI",
            oauth2_redirect_url=f"{root}{oauth2_redirect}",
            swagger_js_url=f"{root}{DOCS_STATIC}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{DOCS_STATIC}/swagger-ui.css",
            swagger_favicon_url=f"{root}{DOCS_STATIC}/favicon.png",
        )

    @app.get(oauth2_redirect, include_in_schema=False)
    async def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get("/redoc", include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_redoc_html(
            openapi_url=f"{root}{openapi_url}",
            title=f"{app.title} — ReDoc",
            redoc_js_url=f"{root}{DOCS_STATIC}/redoc.standalone.js",
            redoc_favicon_url=f"{root}{DOCS_STATIC}/favicon.png",
            with_google_fonts=False,
        )
