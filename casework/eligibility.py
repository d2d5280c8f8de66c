"""Eligibility conditions a reviewer confirms or refuses (validators/rules/eligibility.yaml).

The same functions serve the reviewers' workspace and the API: the items in force on the application
date, the applicant's declaration beside each (``application.json`` ``declarations``), the verdicts
recorded so far, and a verdict changed with an audit event. A dossier cannot be marked complete while
an item is open (``api.web.review.decide_dossier``).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.audit import record_event
from casework.errors import CaseworkError
from foundation.gettext_marks import N_
from models.db import ApplicationRow, AuditEventRow, EligibilityDecisionRow, EligibilityVerdict, utc_now
from models.domain import Finding
from models.program_rules import EligibilityItem, default_rules

# Audit actions (details: item, label, before, after, comment).
ELIGIBILITY_ACTIONS = {
    EligibilityVerdict.CONFIRMED: "eligibility.confirm",
    EligibilityVerdict.REFUSED: "eligibility.refuse",
    None: "eligibility.reopen",
}
VERDICT_LABELS = {
    None: N_("не проверено"),
    EligibilityVerdict.CONFIRMED.value: N_("подтверждено"),
    EligibilityVerdict.REFUSED.value: N_("не выполнено"),
}
# Findings that bear on an item: shown beside it so the reviewer sees what the documents say.
RELATED_FINDINGS = {"sme": ("SME_LIMIT_EXCEEDED", "PRIOR_REVENUE_INVALID")}


class EligibilityError(CaseworkError, ValueError):
    """The verdict cannot be recorded as asked (Russian message); nothing was changed."""

    code = "eligibility_refused"


class EligibilityItemState(BaseModel):
    """One condition, what the applicant declared and what a reviewer decided (API shape)."""

    key: str
    label: str
    declared: Any = None  # the applicant's declaration, as given (None: not declared)
    declared_text: str | None = None  # the same in words (Russian)
    verdict: str | None = None  # confirmed | refused | None (open)
    verdict_label: str
    comment: str = ""
    decided_by_user: str | None = None
    decided_by_key: str | None = None
    decided_at: str | None = None
    related: list[str] = []  # messages of the findings that bear on the item


def items_for(app: ApplicationRow) -> list[EligibilityItem]:
    rules, _ = default_rules().nearest(app.application_date)
    return list(rules.eligibility.items)


def _declaration(payload: dict[str, Any], item: EligibilityItem) -> Any:
    if not item.declaration:
        return None
    declarations = payload.get("declarations") or {}
    return declarations.get(item.declaration) if isinstance(declarations, dict) else None


def declaration_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return N_("заявлено: да") if value else N_("заявлено: нет")
    return f"заявлено: {value}"


def verdict_rows(session: Session, application_id: str) -> dict[str, EligibilityDecisionRow]:
    rows = session.scalars(
        select(EligibilityDecisionRow).where(EligibilityDecisionRow.application_id == application_id)
    )
    return {row.item: row for row in rows}


def eligibility_states(session: Session, app: ApplicationRow) -> list[EligibilityItemState]:
    payload = app.payload or {}
    verdicts = verdict_rows(session, app.id)
    findings = [Finding.model_validate(f) for f in (app.result or {}).get("findings") or []]
    states = []
    for item in items_for(app):
        row = verdicts.get(item.key)
        declared = _declaration(payload, item)
        codes = RELATED_FINDINGS.get(item.key, ())
        states.append(
            EligibilityItemState(
                key=item.key,
                label=item.label,
                declared=declared,
                declared_text=declaration_text(declared),
                verdict=row.verdict if row else None,
                verdict_label=VERDICT_LABELS.get(row.verdict if row else None, ""),
                comment=row.comment if row else "",
                decided_by_user=row.user_id if row else None,
                decided_by_key=row.api_key_id if row else None,
                decided_at=row.decided_at.isoformat() if row else None,
                related=[f.message for f in findings if f.code in codes],
            )
        )
    return states


def open_items(session: Session, app: ApplicationRow) -> list[EligibilityItem]:
    """Items no reviewer has confirmed or refused yet."""
    decided = verdict_rows(session, app.id)
    return [item for item in items_for(app) if item.key not in decided]


def refused_items(session: Session, app: ApplicationRow) -> list[EligibilityItem]:
    decided = verdict_rows(session, app.id)
    return [
        item
        for item in items_for(app)
        if item.key in decided and decided[item.key].verdict == EligibilityVerdict.REFUSED.value
    ]


def decide_eligibility(
    session: Session,
    app: ApplicationRow,
    key: str,
    verdict: EligibilityVerdict | None,
    comment: str = "",
    *,
    user_id: str | None = None,
    api_key_id: str | None = None,
) -> AuditEventRow:
    """Confirm or refuse one condition (``None``: take the verdict back), with an audit event."""
    item = next((i for i in items_for(app) if i.key == key), None)
    if item is None:
        raise EligibilityError(f"Условия «{key}» нет в перечне условий участия на дату заявки.")
    comment = comment.strip()
    if verdict == EligibilityVerdict.REFUSED and not comment:
        raise EligibilityError("Укажите в комментарии, почему условие не выполнено.")
    row = verdict_rows(session, app.id).get(key)
    before = {"verdict": row.verdict, "comment": row.comment} if row is not None else None
    if verdict is None:
        if row is None:
            raise EligibilityError("По этому условию ещё нет решения.")
        session.delete(row)
        after = None
    else:
        if row is None:
            row = EligibilityDecisionRow(application_id=app.id, item=key)
            session.add(row)
        row.verdict, row.comment = verdict.value, comment
        row.user_id, row.api_key_id, row.decided_at = user_id, api_key_id, utc_now()
        after = {"verdict": verdict.value, "comment": comment}
    details = {
        "item": key,
        "label": item.label,
        "declared": _declaration(app.payload or {}, item),
        "before": before,
        "after": after,
        "comment": comment,
    }
    return record_event(
        session, ELIGIBILITY_ACTIONS[verdict], app.id, user_id=user_id, api_key_id=api_key_id, **details
    )
