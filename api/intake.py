"""What an upload does: store the bytes and rows in one transaction, then queue the work.

The answer (202) goes out as soon as the rows are committed and one planning job is on the queue:
no document is read, and no document job is assigned, in the request (a worker plans the round,
see ``worker.scheduling``). Contents this pipeline already read are given their reading at once. If the queue is unreachable the upload is still safe in the
database, and the client is told to retry (an identical retry changes nothing) or the operator
runs ``docproc requeue``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from fastapi import status
from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.access import Principal
from api.errors import ApiError
from api.schemas import UploadedDocument, UploadResponse
from foundation.settings import Settings
from ingest.blobs_in_database import store_source
from ingest.uploads import UploadCheck
from models import repository as repo
from models.db import ApplicationRow, AuditEventRow, DocumentRow, DocumentStatus
from models.domain import Application
from worker import queues as q
from worker.scheduling import (
    CheckPlan,
    cache_checker,
    enqueue_plan,
    enqueue_planning_job,
    reuse_cached_readings,
    start_round,
)

log = logging.getLogger(__name__)


def audit(
    session: Session,
    principal: Principal | None,
    action: str,
    application_id: str | None = None,
    document_id: str | None = None,
    **details: Any,
) -> None:
    session.add(
        AuditEventRow(
            api_key_id=principal.key_id if principal else None,
            action=action,
            application_id=application_id,
            document_id=document_id,
            details=details,
        )
    )


def create_application(session: Session, application: Application, principal: Principal) -> ApplicationRow:
    conflict = ApiError(
        status.HTTP_409_CONFLICT,
        "application_exists",
        f"У этого заявителя уже есть заявка с dossier_id «{application.dossier_id}».",
    )
    if repo.find_application(session, application.dossier_id, application.applicant.bin) is not None:
        raise conflict
    try:
        with session.begin_nested():  # two clients creating one dossier_id at once: one wins
            app = repo.upsert_application(session, application)
    except IntegrityError as exc:
        raise conflict from exc
    audit(session, principal, "application.create", app.id, dossier_id=app.dossier_id)
    return app


@dataclass(frozen=True)
class OpenedRound:
    """A check round an upload opened; a worker plans it (``enqueue_planning_job``) after the commit."""

    application_id: str
    revision: int


def add_documents(
    session: Session,
    app: ApplicationRow,
    check: UploadCheck,
    settings: Settings,
    principal: Principal,
    locked: bool = False,
) -> tuple[OpenedRound | None, list[tuple[DocumentRow, int, bool]]]:
    """Rows for the accepted files; a check round unless every file was already there unchanged.

    The upload path is the hot one (the portal calls it for every file): a handful of statements
    whatever the size of the application, no reading of the documents already there, no planning.
    """
    names = [accepted.source.name for accepted in check.accepted]
    existing = {
        doc.file_name: doc
        for doc in session.scalars(
            select(DocumentRow).where(DocumentRow.application_id == app.id, DocumentRow.file_name.in_(names))
        )
    }
    added: list[tuple[DocumentRow, int, bool]] = []
    fresh: list[DocumentRow] = []
    for accepted in check.accepted:
        source = accepted.source
        store_source(session, source)
        doc = existing.get(source.name)
        duplicate = doc is not None and doc.sha256 == source.sha256
        if doc is None:
            doc = DocumentRow(
                application_id=app.id,
                file_name=source.name,
                sha256=source.sha256,
                kind=source.kind.value,
                status=DocumentStatus.QUEUED.value,
            )
            session.add(doc)
        elif not duplicate:
            doc = repo.record_document(session, app, source)  # new content under a known name: reset
        if not duplicate:
            doc.page_count = accepted.pages
            doc.job_id = None
            doc.attempts = 0
            doc.corrections = None
            fresh.append(doc)
        added.append((doc, accepted.pages, duplicate))
    opened = None
    if fresh or app.checked_revision is None:
        session.flush()
        # Answered at once ("reused") only for contents this applicant has uploaded before: another
        # applicant's identical file is read from the cache too, but by the worker, unannounced.
        known = contents_of_applicant(session, app.applicant_bin, fresh)
        reuse_cached_readings(session, [doc for doc in fresh if doc.sha256 in known], q.pipeline_key(settings))
        opened = OpenedRound(app.id, start_round(session, app, locked=locked))
    audit(
        session,
        principal,
        "documents.upload",
        app.id,
        files=[{"name": doc.file_name, "sha256": doc.sha256, "duplicate": dup} for doc, _, dup in added],
    )
    session.flush()
    return opened, added


def contents_of_applicant(session: Session, applicant_bin: str, fresh: list[DocumentRow]) -> set[str]:
    """The contents among ``fresh`` that this applicant already had in an earlier upload."""
    shas = sorted({doc.sha256 for doc in fresh})
    if not shas:
        return set()
    return set(
        session.scalars(
            select(DocumentRow.sha256)
            .join(ApplicationRow, DocumentRow.application_id == ApplicationRow.id)
            .where(
                ApplicationRow.applicant_bin == applicant_bin,
                DocumentRow.sha256.in_(shas),
                DocumentRow.id.not_in([doc.id for doc in fresh]),
            )
        )
    )


def upload_response(app: ApplicationRow, added: list[tuple[DocumentRow, int, bool]]) -> UploadResponse:
    return UploadResponse(
        application_id=app.id,
        revision=app.revision or 0,
        documents=[
            UploadedDocument(
                id=doc.id,
                file_name=doc.file_name,
                sha256=doc.sha256,
                kind=doc.kind,
                pages=pages,
                status=doc.status,  # type: ignore[arg-type]
                duplicate=duplicate,
                reused=not duplicate and doc.job_id is None and doc.status in ("done", "failed"),
            )
            for doc, pages, duplicate in added
        ],
    )


def claim_forced_reprocess(connection: Redis, settings: Settings, application_id: str) -> None:
    """Refuse (429) a forced re-read of an application re-read less than ``reprocess_min_interval_s`` ago.

    The mark lives in Redis (shared by every API process): losing it costs at most one extra re-read.
    """
    interval = settings.service.reprocess_min_interval_s
    if interval <= 0:
        return
    key = f"{settings.service.queue_prefix}:reprocess:{application_id}"
    try:
        if connection.set(key, "1", nx=True, ex=interval):
            return
        wait_s = max(int(connection.ttl(key)), 1)  # type: ignore[arg-type]
    except RedisError as exc:
        raise ApiError(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            "queue_unavailable",
            "Очередь обработки сейчас недоступна; повторите запрос позже.",
            application_id=application_id,
        ) from exc
    raise ApiError(
        status.HTTP_429_TOO_MANY_REQUESTS,
        "reprocess_too_soon",
        f"Документы этой заявки уже перечитывались недавно; повторить можно через {max(1, -(-wait_s // 60))} мин. "
        "Перепроверка без перечитывания (scope=check) доступна сразу.",
        headers={"Retry-After": str(wait_s)},
        retry_after_s=wait_s,
    )


def enqueue_or_explain(
    plan: CheckPlan | OpenedRound | None, settings: Settings, connection: Redis
) -> None:
    """Queue committed work; a Redis failure becomes a 503 that says the upload itself is safe."""
    if plan is None:
        return
    try:
        if isinstance(plan, OpenedRound):
            enqueue_planning_job(plan.application_id, plan.revision, settings, connection)
        else:
            enqueue_plan(plan, settings, connection, cache_checker(settings))
    except RedisError as exc:
        log.exception("enqueue failed for application %s", plan.application_id)
        raise ApiError(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            "queue_unavailable",
            "Документы сохранены, но очередь обработки сейчас недоступна. Повторите запрос позже "
            "(повтор ничего не задвоит) — или обработка начнётся после восстановления очереди.",
            application_id=plan.application_id,
        ) from exc
