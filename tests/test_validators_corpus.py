"""The key test: on ground-truth documents, check_dossier gives exactly the expected findings and computation.

Documents are built from each dev dossier's expected.json (values only, no OCR), the application from
application.json. The ground truth has no payroll rows, so PAYROLL_TOTALS_MISMATCH (which needs them)
is the one expected code allowed to be absent; it is tested with hand-made fixtures instead.
"""

from __future__ import annotations

import importlib.util
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from docproc.expected_shape import document_from_expected
from models.domain import Application
from validators import check_dossier

SHARED = Path(__file__).resolve().parents[2] / "shared"
DEV = SHARED / "corpus" / "dev"
NEEDS_ROWS = {"PAYROLL_TOTALS_MISMATCH"}

pytestmark = [
    pytest.mark.corpus,
    pytest.mark.skipif(not DEV.exists(), reason="shared corpus not available"),
]


def _finding_key():  # the scorer's own identity of a finding
    spec = importlib.util.spec_from_file_location("corpus_score", SHARED / "tools" / "score.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.finding_key


def _dossiers() -> list[Path]:
    return sorted(p for p in DEV.iterdir() if (p / "expected.json").exists()) if DEV.exists() else []


def _run(path: Path) -> tuple[Any, dict[str, Any]]:
    app = Application.model_validate_json((path / "application.json").read_text(encoding="utf-8"))
    expected = json.loads((path / "expected.json").read_text(encoding="utf-8"))
    docs = [document_from_expected(f, e) for f, e in expected["documents"].items()]
    return check_dossier(app, docs), expected


def test_corpus_has_the_dev_dossiers() -> None:
    assert len(_dossiers()) == 24


@pytest.mark.parametrize("path", _dossiers(), ids=lambda p: p.name)
def test_findings_match_ground_truth(path: Path) -> None:
    key = _finding_key()
    result, expected = _run(path)
    got = Counter(
        key({"code": f.code, "file": f.file, "doc_type": f.doc_type, "duplicate_of": f.duplicate_of})
        for f in result.scored_findings
    )
    want = Counter(key(f) for f in expected["findings"])
    missing = want - got
    assert all(code in NEEDS_ROWS for code, _ in missing), f"missing {dict(missing)}"
    assert got - want == Counter(), f"unexpected {dict(got - want)}"
    if not missing:
        assert result.clean == expected["clean"]


@pytest.mark.parametrize("path", _dossiers(), ids=lambda p: p.name)
def test_computed_values_match_ground_truth(path: Path) -> None:
    result, expected = _run(path)
    c, e = result.computed, expected["computed"]
    assert c is not None
    assert c.rate == pytest.approx(e["rate"])
    assert c.cap == pytest.approx(e["cap"])
    assert c.period_months == e["period_months"]
    assert c.period_start.isoformat() == e["period_start"]
    for ours, theirs in (
        ("claimed_costs_kzt", "claimed_costs_kzt"),
        ("claimed_reimbursement_kzt", "claimed_reimbursement_kzt"),
        ("eligible_costs_kzt", "eligible_costs_kzt"),
        ("reimbursement_kzt", "reimbursement_kzt"),
        ("prior_revenue_n", "prior_revenue_n"),
        ("counter_obligation_kzt", "counter_obligation_kzt"),
    ):
        assert f"{getattr(c, ours):.2f}" == f"{e[theirs]:.2f}", ours


@pytest.mark.parametrize("path", _dossiers(), ids=lambda p: p.name)
def test_findings_carry_russian_messages_and_evidence(path: Path) -> None:
    result, _ = _run(path)
    for f in result.findings:
        assert any("а" <= ch.lower() <= "я" for ch in f.message), f.message
        assert "?" not in f.message, f"unfilled placeholder in {f.code}: {f.message}"
        if f.code != "UNVERIFIED_FIELD":
            assert f.evidence, f.code
    assert not any("внутренняя ошибка" in f.message for f in result.findings)


@pytest.mark.parametrize("path", _dossiers(), ids=lambda p: p.name)
def test_checklist_agrees_with_missing_document_findings(path: Path) -> None:
    result, _ = _run(path)
    missing_findings = {f.doc_type for f in result.findings if f.code == "MISSING_DOCUMENT"}
    missing_items = {
        i.doc_type for i in result.checklist if i.status == "missing" and i.doc_type != "translation"
    }
    assert missing_findings == missing_items
