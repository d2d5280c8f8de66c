"""What a reviewer can change, each change audited (``casework.audit``) with who, when, before and after.

* correct an extracted value (or withdraw a correction): through ``casework.correcting``, the one
  path the API's ``PATCH /v1/documents/{id}`` takes too; the reading stays recorded and the dossier
  is checked again at once when every document is read, so the page shows the new result;
* accept or dismiss a finding with a comment (a verdict keyed by ``finding_key``); dismissing a finding
  that left a payment out of the computation (or taking that back) checks the dossier again at once
  (``casework.checking.recheck_now``), and the payment counts again (or no more);
* confirm or refuse each eligibility condition (``casework.eligibility``);
* decide the dossier: complete or incomplete (complete only once every eligibility condition is decided).

The caller locks the application row first (``lock_application``) and commits afterwards.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.web.fields import field_label, value_at
from api.web.i18n import current_lang, gettext, ngettext
from casework import eligibility
from casework.audit import record_event
from casework.checking import recheck_now, refresh_open_error_count
from casework.correcting import CORRECT, WITHDRAW, CorrectionOutcome, correct_document
from casework.errors import CorrectionError
from casework.finding_keys import current_findings, finding_key, finding_summary
from models.db import (
    ApplicationRow,
    AuditEventRow,
    DocumentRow,
    FindingDecisionRow,
    FindingVerdict,
    ReviewDecision,
    utc_now,
)
from models.domain import DocumentExtraction, Finding, Severity
from models.program_rules import default_rules
from validators.finding_texts import in_language

# Audit actions written by the workspace (corrections: ``casework.correcting.CORRECT`` and ``WITHDRAW``).
FINDING_ACTIONS = {
    FindingVerdict.ACCEPTED: "finding.accept",
    FindingVerdict.DISMISSED: "finding.dismiss",
    None: "finding.reopen",
}
DOSSIER_DECISION = "application.review"
SIGN_IN = "user.login"
SIGN_OUT = "user.logout"
# Failed sign-ins reached a throttling limit (details: login as typed, client address, which limits).
SIGN_IN_LOCKED = "user.login_locked"


class ReviewError(ValueError):
    """The action cannot be done as asked (Russian message); nothing was changed."""


def lock_application(session: Session, application_id: str) -> ApplicationRow | None:
    """The application, locked for this transaction like every writer that starts a check round."""
    return session.get(
        ApplicationRow, application_id, with_for_update={"key_share": True}, populate_existing=True
    )


# --------------------------------------------------------------------------- corrections


def correct_value(
    session: Session,
    app: ApplicationRow,
    doc: DocumentRow,
    user_id: str,
    path: str,
    value: Any,
    comment: str = "",
) -> CorrectionOutcome:
    """Set ``path`` of ``doc`` to ``value`` (the reading stays recorded) and check the dossier again."""
    return _change_corrections(session, app, doc, user_id, path, {path: value}, (), comment, CORRECT)


def withdraw_correction(
    session: Session, app: ApplicationRow, doc: DocumentRow, user_id: str, path: str, comment: str = ""
) -> CorrectionOutcome:
    """Go back to what the reader read for ``path`` and check the dossier again."""
    if path not in (doc.corrections or {}):
        raise ReviewError(gettext("Значение «{field}» не исправлялось.").format(field=field_label(path, shown=True)))
    return _change_corrections(session, app, doc, user_id, path, {}, (path,), comment, WITHDRAW)


def _change_corrections(
    session: Session,
    app: ApplicationRow,
    doc: DocumentRow,
    user_id: str,
    path: str,
    fields: dict[str, Any],
    withdraw: tuple[str, ...],
    comment: str,
    action: str,
) -> CorrectionOutcome:
    if doc.application_id != app.id:
        raise ReviewError(gettext("Документ не относится к этой заявке."))
    read = _read_value(doc, path)
    corrections = doc.corrections or {}
    before = corrections.get(path, read)
    after = fields.get(path, read)
    if action == CORRECT and path in corrections and before == after:
        raise ReviewError(gettext("Значение «{field}» уже исправлено на это.").format(field=field_label(path, shown=True)))
    try:
        return correct_document(
            session,
            app,
            doc,
            fields,
            withdraw,
            action=action,
            comment=comment.strip(),
            user_id=user_id,
            details={
                "file": doc.file_name,
                "field": path,
                "label": field_label(path),
                "read": read,
                "before": before,
                "after": after,
            },
        )
    except CorrectionError as exc:
        raise ReviewError(str(exc)) from exc


def _read_value(doc: DocumentRow, path: str) -> Any:
    """What the reader read for ``path`` (before any correction)."""
    if not doc.extraction:
        return None
    extraction = DocumentExtraction.model_validate(doc.extraction)
    if path == "doc_type":
        return extraction.doc_type.value
    if path in ("language", "translation_of"):
        return getattr(extraction, path)
    found = value_at(extraction, path)
    return None if found is None else found.value


# --------------------------------------------------------------------------- findings


def decide_finding(
    session: Session,
    app: ApplicationRow,
    user_id: str,
    key: str,
    verdict: FindingVerdict | None,
    comment: str = "",
) -> AuditEventRow:
    """Accept or dismiss a current finding (``None``: take the verdict back)."""
    finding = next((f for f in current_findings(app) if finding_key(f) == key), None)
    if finding is None:
        raise ReviewError(gettext("Этого замечания больше нет: досье проверено заново. Обновите страницу."))
    comment = comment.strip()
    if verdict == FindingVerdict.DISMISSED and not comment:
        raise ReviewError(gettext("Укажите в комментарии, почему замечание отклоняется."))
    row = session.scalars(
        select(FindingDecisionRow).where(
            FindingDecisionRow.application_id == app.id, FindingDecisionRow.finding_key == key
        )
    ).first()
    before = {"verdict": row.verdict, "comment": row.comment} if row is not None else None
    if verdict is None:
        if row is None:
            raise ReviewError(gettext("По этому замечанию ещё нет решения."))
        session.delete(row)
        after = None
    else:
        if row is None:
            row = FindingDecisionRow(application_id=app.id, finding_key=key)
            session.add(row)
        row.code, row.file = finding.code, finding.file
        row.verdict, row.comment = verdict.value, comment
        row.user_id, row.decided_at = user_id, utc_now()
        after = {"verdict": verdict.value, "comment": comment}
    session.flush()
    was_dismissed = (before or {}).get("verdict") == FindingVerdict.DISMISSED.value
    excludes_payment = _excludes_a_payment(app, finding)
    recomputed: dict[str, Any] = {}
    if excludes_payment and was_dismissed != (verdict == FindingVerdict.DISMISSED):
        recomputed = {"recomputed": _recompute(session, app, finding)}
    refresh_open_error_count(session, app)
    return record_event(
        session,
        FINDING_ACTIONS[verdict],
        app.id,
        user_id=user_id,
        finding_key=key,
        finding=finding_summary(finding),
        before=before,
        after=after,
        comment=comment,
        excludes_payment=excludes_payment,
        **recomputed,
    )


def _excludes_a_payment(app: ApplicationRow, finding: Finding) -> bool:
    """Whether the finding leaves its payment order or payroll sheet out of the computation."""
    rules, _ = default_rules().nearest(app.application_date)
    return bool(finding.file) and finding.code in rules.checks.excluding_codes


def _recompute(session: Session, app: ApplicationRow, finding: Finding) -> dict[str, Any]:
    """Check the dossier again now that an excluding finding was dismissed (or its dismissal taken
    back): the payment counts again (or no more). What the audit log keeps: Q before and after."""
    before = ((app.result or {}).get("computed") or {}).get("reimbursement_kzt")
    recheck = recheck_now(session, app)
    if recheck is None:
        return {"rechecked": False, "file": finding.file, "reimbursement_before": before}
    computed = recheck.result.computed
    return {
        "rechecked": True,
        "file": finding.file,
        "revision": recheck.revision,
        "reimbursement_before": before,
        "reimbursement_after": computed.reimbursement_kzt if computed is not None else None,
        "deliveries": recheck.deliveries,
    }


def finding_verdicts(session: Session, application_id: str) -> dict[str, FindingDecisionRow]:
    rows = session.scalars(
        select(FindingDecisionRow).where(FindingDecisionRow.application_id == application_id)
    )
    return {row.finding_key: row for row in rows}


def open_errors(findings: list[Finding], verdicts: dict[str, FindingDecisionRow]) -> list[Finding]:
    """Errors no reviewer dismissed."""
    return [
        f
        for f in findings
        if f.severity == Severity.ERROR
        and getattr(verdicts.get(finding_key(f)), "verdict", None) != FindingVerdict.DISMISSED.value
    ]


# --------------------------------------------------------------------------- the dossier


def decide_dossier(
    session: Session,
    app: ApplicationRow,
    user_id: str,
    decision: ReviewDecision | None,
    comment: str = "",
) -> AuditEventRow:
    """Mark the dossier complete or incomplete (``None``: back to undecided)."""
    comment = comment.strip()
    if decision is not None and app.result is None:
        raise ReviewError(gettext("Проверка досье ещё не завершена: решение можно принять после неё."))
    if decision == ReviewDecision.COMPLETE:
        still_open = eligibility.open_items(session, app)
        if still_open:
            raise ReviewError(
                gettext(
                    "Досье нельзя признать комплектным, пока не проверены условия участия: {items}. "
                    "Подтвердите или отклоните каждое условие."
                ).format(items="; ".join(f"«{_condition(item.label)}»" for item in still_open))
            )
        refused = eligibility.refused_items(session, app)
        if refused and not comment:
            raise ReviewError(
                gettext(
                    "Условия участия не выполнены: {items}. Чтобы признать досье комплектным, "
                    "объясните решение в комментарии."
                ).format(items="; ".join(f"«{_condition(item.label)}»" for item in refused))
            )
        unresolved = open_errors(current_findings(app), finding_verdicts(session, app.id))
        if unresolved and not comment:
            raise ReviewError(
                ngettext(
                    "В досье %(n)s неотклонённая ошибка. Чтобы признать досье комплектным, отклоните ошибки "
                    "с комментарием или объясните решение в комментарии.",
                    "В досье %(n)s неотклонённых ошибок. Чтобы признать досье комплектным, отклоните ошибки "
                    "с комментарием или объясните решение в комментарии.",
                    len(unresolved),
                )
                % {"n": len(unresolved)}
            )
    before = {"decision": app.review_decision, "comment": app.review_comment}
    app.review_decision = decision.value if decision is not None else None
    app.review_comment = comment or None
    app.reviewed_by = user_id if decision is not None else None
    app.reviewed_at = utc_now() if decision is not None else None
    return record_event(
        session,
        DOSSIER_DECISION,
        app.id,
        user_id=user_id,
        before=before,
        after={"decision": app.review_decision, "comment": app.review_comment},
        comment=comment,
    )


def _condition(label: str) -> str:
    """A condition of participation (Russian in the rules) as the reader reads it."""
    return in_language(label, current_lang()) or label
