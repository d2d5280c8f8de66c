"""Check an application again at once, in the caller's transaction, when nothing needs reading.

A reviewer's correction changes no document's reading, only what the dossier checks see: when every
document of the application is read, the check (``docproc.pipeline.check_documents``: no OCR, tens
of milliseconds) runs in the request and its result is recorded as a new check round, exactly as the
dossier job records it. A round still waiting for documents needs nothing: its dossier job reads the
corrections when it runs.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from docproc.document_outcome import DocumentOutcome
from docproc.pipeline import check_documents, rejected_outcome
from ingest.dossier import order_by_listing
from models.db import UNFINISHED_DOCUMENT_STATUSES, ApplicationRow
from models.domain import Application, DossierResult
from models.repository import dismissed_finding_keys, prior_reimbursements
from worker.store import document_outcome, record_check
from worker.webhooks import EVENT_CHECKED, create_deliveries


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
