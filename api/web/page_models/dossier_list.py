"""One row of the dossier list per application, from the row and the JSON parts read with it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from api.web.i18n import gettext
from api.web.page_models.clock import ClockView, clock_view
from api.web.page_models.formatting import measure_label
from api.web.page_models.labels import APPLICATION_STATUS_LABELS, DECISION_LABELS
from foundation.settings import Settings
from models.db import ApplicationRow
from models.domain import Finding, Severity
from validators.findings import finding_key, fmt_date


@dataclass
class DossierListRow:
    id: str
    dossier_id: str
    applicant: str
    bin: str
    measure: str
    application_date: str
    status: str
    status_css: str
    decision: str
    decision_css: str
    errors: int | None
    warnings: int | None
    clock: ClockView
    assignee: str = ""  # the reviewer the dossier is assigned to
    mine: bool = False


def dossier_list_rows(
    apps: Iterable[ApplicationRow],
    extras: dict[str, tuple[Any, Any]],
    settings: Settings,
    dismissed: dict[str, set[str]] | None = None,
    people: dict[str, str] | None = None,
    me: str | None = None,
) -> list[DossierListRow]:
    """``extras``: application id -> (findings list, measure name) read as JSON parts, not whole results;
    ``dismissed``: application id -> keys of the findings reviewers dismissed (not counted: the list
    shows open findings); ``people``: user id -> name of the assignees; ``me``: the user looking."""
    rows = []
    for app in apps:
        findings, measure_name = extras.get(app.id, (None, None))
        severities = (
            _open_severities(findings, (dismissed or {}).get(app.id, set())) if isinstance(findings, list) else None
        )
        rows.append(
            DossierListRow(
                id=app.id,
                dossier_id=app.dossier_id,
                applicant=app.applicant_name,
                bin=app.applicant_bin,
                measure=measure_label(app, {"measure_name": measure_name}),
                application_date=fmt_date(app.application_date),
                status=gettext(APPLICATION_STATUS_LABELS.get(app.status, app.status)),
                status_css=app.status,
                decision=gettext(DECISION_LABELS.get(app.review_decision, app.review_decision or "")),
                decision_css=app.review_decision or "pending",
                errors=severities.count(Severity.ERROR.value) if severities is not None else None,
                warnings=severities.count(Severity.WARNING.value) if severities is not None else None,
                clock=clock_view(app, settings),
                assignee=(people or {}).get(app.assigned_to or "", "") if app.assigned_to else "",
                mine=me is not None and app.assigned_to == me,
            )
        )
    return rows


def _open_severities(findings: list[Any], dismissed: set[str]) -> list[str]:
    """The severity of each finding no reviewer dismissed."""
    if not dismissed:
        return [str(f.get("severity")) for f in findings]
    return [
        str(f.get("severity")) for f in findings if finding_key(Finding.model_validate(f)) not in dismissed
    ]
