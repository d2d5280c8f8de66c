"""A finding's identity across check rounds, and the short summary the audit log keeps of one.

Reviewers' verdicts are keyed by ``finding_key``; a correction's audit event lists the findings its
re-check resolved and raised by comparing keys before and after.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from models.db import ApplicationRow
from models.domain import Finding
from validators.findings import catalogue


def finding_key(finding: Finding) -> str:
    """A finding's identity across check rounds: what it says and about which values.

    The same code on the same file with the same evidence is the same finding; once a correction
    changes a value it points at, it is a new finding and deserves a new look.
    """
    evidence = sorted(
        json.dumps([e.file, e.field, e.value], ensure_ascii=False, default=str) for e in finding.evidence
    )
    parts = [finding.code, finding.file or "", finding.doc_type or "", finding.duplicate_of or "", *evidence]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]


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
