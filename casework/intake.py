"""Taking in applications and documents (and reprocessing them): rows in one transaction, then the queue.

An upload is answered (202) as soon as the rows are committed and one planning job is on the
queue: no document is read, and no document job is assigned, in the request (a worker plans the
round, see ``casework.rounds``). Contents this pipeline already read are given their reading at
once. If the queue is unreachable the upload is still safe in the database, and the client is told
to retry (an identical retry changes nothing) or the operator runs ``docproc requeue``. The API,
``docproc batch --queue`` and reprocessing all come through here; refusals are ``casework.errors``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from casework import queues as q
from casework.access import Principal, sees_applicant
from casework.audit import record_event
from casework.errors import ApplicantOutOfScope, ApplicationExists, QueueUnavailable, ReprocessTooSoon
from casework.rounds import (
    CheckPlan,
    cache_checker,
    enqueue_plan,
    enqueue_planning_job,
    plan_check,
    reuse_cached_readings,
    start_round,
)
from foundation.settings import Settings
from ingest.blobs_in_database import store_source
from ingest.uploads import UploadCheck
from models import repository as repo
from models.db import ApplicationRow, DocumentRow, DocumentStatus
from models.domain import Application

log = logging.getLogger(__name__)


def create_application(session: Session, application: Application, principal: Principal) -> ApplicationRow:
    """The application's row (and its audit event); refused outside the key's applicants or when the
    applicant already has this dossier id."""
    if not sees_applicant(principal, application.applicant.bin):
        raise ApplicantOutOfScope(f"Ключ не может подавать заявки заявителя с БИН {application.applicant.bin}.")
    conflict = ApplicationExists(
        f"У этого заявителя уже есть заявка с dossier_id «{application.dossier_id}»."
    )
    if repo.find_application(session, application.dossier_id, application.applicant.bin) is not None:
        raise conflict
    try:
        with session.begin_nested():  # two clients creating one dossier_id at once: one wins
            app = repo.upsert_application(session, application)
    except IntegrityError as exc:
        raise conflict from exc
    record_event(session, "application.create", app.id, api_key_id=principal.key_id, dossier_id=app.dossier_id)
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
    record_event(
        session,
        "documents.upload",
        app.id,
        api_key_id=principal.key_id,
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


def claim_forced_reprocess(connection: Redis, settings: Settings, application_id: str) -> None:
    """Refuse (``ReprocessTooSoon``) a forced re-read of an application re-read less than ``reprocess_min_interval_s`` ago.

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
        raise QueueUnavailable(
            "Очередь обработки сейчас недоступна; повторите запрос позже.", application_id=application_id
        ) from exc
    raise ReprocessTooSoon(
        f"Документы этой заявки уже перечитывались недавно; повторить можно через {max(1, -(-wait_s // 60))} мин. "
        "Перепроверка без перечитывания (scope=check) доступна сразу.",
        retry_after_s=wait_s,
    )


def enqueue_or_explain(
    plan: CheckPlan | OpenedRound | None, settings: Settings, connection: Redis
) -> None:
    """Queue committed work; a Redis failure becomes ``QueueUnavailable`` that says the upload itself is safe."""
    if plan is None:
        return
    try:
        if isinstance(plan, OpenedRound):
            enqueue_planning_job(plan.application_id, plan.revision, settings, connection)
        else:
            enqueue_plan(plan, settings, connection, cache_checker(settings))
    except RedisError as exc:
        log.exception("enqueue failed for application %s", plan.application_id)
        raise QueueUnavailable(
            "Документы сохранены, но очередь обработки сейчас недоступна. Повторите запрос позже "
            "(повтор ничего не задвоит) — или обработка начнётся после восстановления очереди.",
            application_id=plan.application_id,
        ) from exc


def reprocess_application(
    session: Session,
    app: ApplicationRow,
    principal: Principal,
    settings: Settings,
    connection: Redis,
    reread: bool,
) -> CheckPlan:
    """A new check round of ``app``: its documents read again (``reread``) or only the dossier checked.

    The caller holds ``app``'s row lock, commits, then queues the plan (``enqueue_or_explain``).
    """
    forced: set[str] = set()
    if reread:
        claim_forced_reprocess(connection, settings, app.id)
        for doc in app.documents:
            doc.status = DocumentStatus.QUEUED.value
            forced.add(doc.sha256)
    plan = plan_check(session, app, settings, force=forced, locked=True)
    record_event(
        session, "application.reprocess", app.id, api_key_id=principal.key_id, scope="documents" if reread else "check"
    )
    return plan


def reprocess_document(
    session: Session, doc: DocumentRow, principal: Principal, settings: Settings, connection: Redis
) -> CheckPlan:
    """Read one document again and check its application in a new round (queued after the commit)."""
    claim_forced_reprocess(connection, settings, doc.application_id)
    doc.status = DocumentStatus.QUEUED.value
    app = doc.application
    plan = plan_check(session, app, settings, force={doc.sha256})
    record_event(session, "document.reprocess", app.id, doc.id, api_key_id=principal.key_id)
    return plan
