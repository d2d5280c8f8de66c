"""Correcting a document's extracted values: the one path the API and the reviewers' workspace take.

Behaviour (argued in docs/ARCHITECTURE.md, "Corrections"): the correction is stored and, when every
document of the application is read, the dossier is checked again at once in the same transaction
(``casework.checking.recheck_now``: no OCR, tens of milliseconds) and recorded as a new check round;
while documents are still being read, the round in progress uses the correction when its dossier
job runs. Either way one audit event records it, with what the re-check resolved and raised.
Subscribers are told of the new result like after any check: the caller queues ``deliveries`` once
it has committed (``casework.webhooks.enqueue_webhooks_after_commit``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from casework.audit import record_event
from casework.checking import Recheck, recheck_now
from casework.corrections import merge_corrections
from casework.finding_keys import current_findings, finding_key, finding_summary
from casework.search import reindex_document
from models.db import ApplicationRow, AuditEventRow, DocumentRow
from models.domain import Finding

CORRECT = "document.correct"
WITHDRAW = "document.withdraw_correction"


@dataclass
class CorrectionOutcome:
    event: AuditEventRow
    recheck: Recheck | None  # None: documents are still being read; their round will use the correction
    resolved: list[Finding] = field(default_factory=list)  # findings the re-check no longer raises
    raised: list[Finding] = field(default_factory=list)  # findings it raises anew

    @property
    def rechecked(self) -> bool:
        return self.recheck is not None

    @property
    def deliveries(self) -> list[str]:
        """Webhook deliveries of the re-check, to queue once the transaction is committed."""
        return self.recheck.deliveries if self.recheck is not None else []


def _lock(session: Session, app: ApplicationRow, doc: DocumentRow) -> None:
    """Lock ``app``'s row (like every writer that starts a round) and read both rows afresh, so two
    reviewers correcting one document at once never lose one another's change."""
    session.refresh(app, with_for_update={"key_share": True})
    session.refresh(doc)


def correct_document(
    session: Session,
    app: ApplicationRow,
    doc: DocumentRow,
    fields: dict[str, Any],
    withdraw: Iterable[str] = (),
    *,
    action: str = CORRECT,
    comment: str | None = "",
    api_key_id: str | None = None,
    user_id: str | None = None,
    details: dict[str, Any] | None = None,
) -> CorrectionOutcome:
    """Set ``fields`` and withdraw the ``withdraw`` paths of ``doc``'s corrections, check again, audit.

    Raises ``CorrectionError`` (nothing changed) for an unknown path or an impossible value. The
    caller commits afterwards. ``details`` are the caller's own audit details (the API: the fields
    as sent; the workspace: the field, its label, before and after).
    """
    _lock(session, app, doc)
    merged = merge_corrections(doc.corrections, fields, withdraw)
    old = {finding_key(f): f for f in current_findings(app)}
    doc.corrections = merged or None
    session.flush()
    reindex_document(session, doc)
    recheck = recheck_now(session, app)
    outcome_details: dict[str, Any] = {"rechecked": recheck is not None}
    resolved: list[Finding] = []
    raised: list[Finding] = []
    if recheck is not None:
        new = {finding_key(f): f for f in recheck.result.findings}
        resolved = [f for k, f in old.items() if k not in new]
        raised = [f for k, f in new.items() if k not in old]
        outcome_details.update(
            revision=recheck.revision,
            resolved=[finding_summary(f) for f in resolved],
            raised=[finding_summary(f) for f in raised],
            deliveries=recheck.deliveries,
        )
    event = record_event(
        session,
        action,
        app.id,
        doc.id,
        api_key_id=api_key_id,
        user_id=user_id,
        **(details or {}),
        comment=comment,
        **outcome_details,
    )
    return CorrectionOutcome(event=event, recheck=recheck, resolved=resolved, raised=raised)
