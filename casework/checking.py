"""The dossier check of a round: what it sees, where its result goes, and checking again at once.

``application_outcomes`` is the dossier as the pipeline sees it (the dossier job and ``recheck_now``
alike); ``record_check`` stores a round's result. ``recheck_now`` checks an application again in the
caller's transaction when nothing needs reading: a reviewer's correction changes no document's
reading, only what the dossier checks see, so when every document of the application is read the
check (``docproc.pipeline.check_documents``: no OCR, tens of milliseconds) runs in the request and its
result is recorded as a new check round, exactly as the dossier job records it. A round still
waiting for documents needs nothing: its dossier job reads the corrections when it runs.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy.orm import Session

from casework.extraction_cache import document_outcome
from casework.webhooks import EVENT_CHECKED, create_deliveries
from docproc.document_outcome import DocumentOutcome
from docproc.pipeline import check_documents, rejected_outcome
from ingest.dossier import order_by_listing
from models import repository as repo
from models.db import UNFINISHED_DOCUMENT_STATUSES, ApplicationRow, utc_now
from models.domain import Application, DossierResult, Finding, Severity
from models.repository import dismissed_finding_keys, prior_reimbursements
from validators.findings import finding_key


@dataclass(frozen=True)
class Recheck:
    result: DossierResult
    revision: int
    deliveries: list[str]  # webhook deliveries to enqueue once the transaction is committed


def application_outcomes(session: Session, app: ApplicationRow) -> tuple[Application, list[DocumentOutcome]]:
    """The dossier as the pipeline sees it: documents in the order of ``application.json``
    (readings with the reviewer's corrections), then listed files never uploaded, as unreadable."""
    application = Application.model_validate(app.payload)
    by_name = {doc.file_name: doc for doc in app.documents}
    ordered, missing = order_by_listing(list(by_name), application.files)
    outcomes = [document_outcome(session, by_name[name]) for name in ordered]
    outcomes += [rejected_outcome(r.name, r.code, r.reason) for r in missing]
    return application, outcomes


def all_documents_read(app: ApplicationRow) -> bool:
    return all(doc.status not in UNFINISHED_DOCUMENT_STATUSES for doc in app.documents)


def recheck_now(session: Session, app: ApplicationRow) -> Recheck | None:
    """A new check round of ``app``, checked and recorded now; None while documents are being read.

    The caller holds ``app``'s row lock (``FOR NO KEY UPDATE``) for the transaction, like every
    writer that starts a round, so two rounds never get one number; a dossier job of an older
    round still on the queue finds itself superseded and steps aside.
    """
    if not all_documents_read(app):
        return None
    app.revision = (app.revision or 0) + 1
    application, outcomes = application_outcomes(session, app)
    result = check_documents(
        application, outcomes, prior_reimbursements(session, application), dismissed_finding_keys(session, app.id)
    )
    record_check(session, app, result.model_dump(mode="json"), app.revision)
    deliveries = create_deliveries(session, app, EVENT_CHECKED)
    return Recheck(result=result, revision=app.revision, deliveries=deliveries)


def record_check(session: Session, app: ApplicationRow, result_json: dict, revision: int) -> None:
    """Store a dossier result with the summary columns lists filter on."""
    repo.save_result(session, app, result_json)
    findings = result_json.get("findings") or []
    app.clean = bool(result_json.get("clean"))
    app.finding_count = len(findings)
    app.error_count = sum(1 for f in findings if f.get("severity") == Severity.ERROR.value)
    app.open_error_count = open_error_count(findings, dismissed_finding_keys(session, app.id))
    app.checked_revision = revision
    app.checked_at = utc_now()
    app.failure_reason = None
    session.flush()


def open_error_count(findings: list[dict], dismissed: Collection[str]) -> int:
    """The errors among ``findings`` (a result's JSON) whose ``finding_key`` no reviewer dismissed."""
    errors = [f for f in findings if f.get("severity") == Severity.ERROR.value]
    if not dismissed:
        return len(errors)
    return sum(1 for f in errors if finding_key(Finding.model_validate(f)) not in dismissed)


def refresh_open_error_count(session: Session, app: ApplicationRow) -> None:
    """After a reviewer's verdict on a finding: the count of open errors the list filters on."""
    findings = (app.result or {}).get("findings") if app.result is not None else None
    if isinstance(findings, list):
        app.open_error_count = open_error_count(findings, dismissed_finding_keys(session, app.id))
        session.flush()
