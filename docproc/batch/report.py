"""The batch report: one row per dossier, as CSV (opens in Excel) or JSON with the summary counts."""

from __future__ import annotations

import csv
import json
import os
from dataclasses import asdict
from enum import StrEnum
from pathlib import Path
from typing import Any

from docproc.batch.model import BatchSummary, Outcome

REPORT_COLUMNS = [
    "dossier_id",
    "status",
    "errors",
    "warnings",
    "reimbursement_kzt",
    "seconds",
    "documents",
    "pages",
    "reason_code",
    "reason",
    "source",
]


def write_report(path: Path, summary: BatchSummary) -> None:
    """CSV or JSON by the extension; written whole to a temporary file first."""
    rows = [{name: _report_value(asdict(row)[name]) for name in REPORT_COLUMNS} for row in summary.rows]
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    if path.suffix.casefold() == ".json":
        payload = {"summary": summary_counts(summary), "dossiers": rows}
        tmp.write_text(json.dumps(payload, ensure_ascii=False, indent=2), encoding="utf-8")
    else:
        with tmp.open("w", encoding="utf-8-sig", newline="") as handle:  # BOM: Excel opens it as UTF-8
            writer = csv.DictWriter(handle, fieldnames=REPORT_COLUMNS)
            writer.writeheader()
            writer.writerows(rows)
    os.replace(tmp, path)


def _report_value(value: Any) -> Any:
    return value.value if isinstance(value, StrEnum) else value


def summary_counts(summary: BatchSummary) -> dict[str, Any]:
    return {
        "dossiers": len(summary.rows),
        **{status.value: summary.count(status) for status in Outcome},
        "documents_read": summary.documents_read,
        "pages_read": summary.pages_read,
        "elapsed_s": round(summary.elapsed_s, 3),
        "interrupted": summary.interrupted,
        "journal": str(summary.journal) if summary.journal else None,
    }
