"""Findings with their evidence, verdicts and links, grouped by severity (dossier and document pages)."""

from __future__ import annotations

from dataclasses import dataclass

from api.web.fields import field_label, format_value, is_value_path
from api.web.i18n import current_lang, gettext
from api.web.page_models.formatting import document_link, local_time, money
from api.web.page_models.labels import APPLICATION_FIELD_LABELS, VERDICT_LABELS
from foundation.settings import Settings
from models.db import FindingDecisionRow, FindingVerdict
from models.domain import Evidence, Finding
from validators.finding_texts import finding_label, finding_message, in_language
from validators.findings import finding_key, fmt_pct
from validators.labels import SEVERITY_HEADINGS, SEVERITY_LABELS, SEVERITY_ORDER


@dataclass
class EvidenceView:
    label: str
    value: str
    note: str | None
    link: str | None
    file: str | None


@dataclass
class FindingView:
    key: str
    code: str
    label: str
    severity: str
    severity_label: str
    message: str
    file: str | None
    file_link: str | None
    evidence: list[EvidenceView]
    verdict: str | None
    verdict_label: str
    verdict_comment: str
    verdict_by: str
    verdict_at: str


@dataclass
class FindingGroup:
    severity: str
    heading: str
    findings: list[FindingView]

    @property
    def open_count(self) -> int:
        return sum(1 for f in self.findings if f.verdict != FindingVerdict.DISMISSED.value)


def evidence_view(ev: Evidence, doc_ids: dict[str, str]) -> EvidenceView:
    lang = current_lang()
    doc_id = doc_ids.get(ev.file or "")
    path = ev.field or ""
    on_document = bool(ev.file) and path not in APPLICATION_FIELD_LABELS
    if on_document:
        label = field_label(path, shown=True) if path else gettext("Документ")
        value = format_value(path, ev.value) if ev.value is not None else gettext("не прочитано")
    else:
        if path in APPLICATION_FIELD_LABELS:
            label = gettext(APPLICATION_FIELD_LABELS[path])
        else:
            label = field_label(path, shown=True) if path else gettext("Досье")
        if isinstance(ev.value, bool):
            value = gettext("да") if ev.value else gettext("нет")
        elif path.endswith("_kzt") and isinstance(ev.value, int | float):
            value = money(float(ev.value))
        elif path == "rate" and isinstance(ev.value, int | float):
            value = f"{fmt_pct(ev.value)} %"
        else:
            value = format_value(path, ev.value) if ev.value is not None else ""
    link = None
    if doc_id is not None:
        link = document_link(doc_id, path if on_document and is_value_path(path) else None)
    return EvidenceView(label=label, value=value, note=in_language(ev.note, lang), link=link, file=ev.file)


def finding_views(
    findings: list[Finding],
    doc_ids: dict[str, str],
    verdicts: dict[str, FindingDecisionRow],
    people: dict[str, str],
    settings: Settings,
) -> list[FindingView]:
    views = []
    lang = current_lang()
    for f in findings:
        key = finding_key(f)
        verdict = verdicts.get(key)
        views.append(
            FindingView(
                key=key,
                code=f.code,
                label=finding_label(f.code, lang),
                severity=f.severity.value,
                severity_label=gettext(SEVERITY_LABELS[f.severity]),
                message=finding_message(f, lang),
                file=f.file,
                file_link=document_link(doc_ids[f.file]) if f.file in doc_ids else None,
                evidence=[evidence_view(e, doc_ids) for e in f.evidence],
                verdict=verdict.verdict if verdict else None,
                verdict_label=gettext(VERDICT_LABELS.get(verdict.verdict if verdict else None, "")),
                verdict_comment=verdict.comment if verdict else "",
                verdict_by=people.get(verdict.user_id or "", "") if verdict else "",
                verdict_at=local_time(verdict.decided_at, settings) if verdict else "",
            )
        )
    return views


def group_findings(views: list[FindingView]) -> list[FindingGroup]:
    return [
        FindingGroup(s.value, gettext(SEVERITY_HEADINGS[s]), [v for v in views if v.severity == s.value])
        for s in SEVERITY_ORDER
        if any(v.severity == s.value for v in views)
    ]
