"""/health and /metrics (no API key: expose them to the monitoring network only)."""

from __future__ import annotations

from fastapi import APIRouter, Request, status
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST
from redis.exceptions import RedisError
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from api.deps import SettingsDep
from api.metrics import render
from api.schemas import HealthOut
from casework import connections
from casework.queues import pipeline_key

router = APIRouter(tags=["operations"])


@router.get(
    "/health",
    response_model=HealthOut,
    summary="Проверка базы данных и Redis",
    responses={503: {"model": HealthOut, "description": "База данных или Redis недоступны."}},
)
def health(settings: SettingsDep) -> JSONResponse:
    database = redis = "ok"
    try:
        with connections.engine(settings).connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        database = f"error: {type(exc).__name__}"
    try:
        connections.redis_connection(settings).ping()
    except RedisError as exc:
        redis = f"error: {type(exc).__name__}"
    healthy = database == "ok" and redis == "ok"
    body = HealthOut(
        status="ok" if healthy else "degraded",
        database=database,
        redis=redis,
        pipeline_key=pipeline_key(settings),
    )
    return JSONResponse(
        body.model_dump(), status_code=status.HTTP_200_OK if healthy else status.HTTP_503_SERVICE_UNAVAILABLE
    )


@router.get("/metrics", summary="Метрики Prometheus", response_class=Response)
def metrics(request: Request) -> Response:
    return Response(render(request.app.state.metrics_registry), media_type=CONTENT_TYPE_LATEST)
