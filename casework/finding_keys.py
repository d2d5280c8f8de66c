"""A finding's identity across check rounds, and the short summary the audit log keeps of one.

Reviewers' verdicts are keyed by ``finding_key``; a correction's audit event lists the findings its
re-check resolved and raised by comparing keys before and after.
"""

from __future__ import annotations

from typing import Any

from models.db import ApplicationRow
from models.domain import Finding
from validators.findings import catalogue, finding_key  # noqa: F401 - one finding_key (the check reads it too)


def current_findings(app: ApplicationRow) -> list[Finding]:
    return [Finding.model_validate(f) for f in (app.result or {}).get("findings") or []]


def finding_summary(finding: Finding) -> dict[str, Any]:
    return {
        "code": finding.code,
        "label": catalogue().codes[finding.code].label if finding.code in catalogue().codes else finding.code,
        "severity": finding.severity.value,
        "file": finding.file,
        "message": finding.message,
    }
