"""Rules as versioned data: loading, selection by date, VAT by document date, the finding catalogue."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from models.domain import DocType
from models.program_rules import RULES_DIR, RulesError, RulesNotInForce, load_rules
from validators.findings import catalogue, doc_type_label, is_scored, make_finding

SHARED = Path(__file__).resolve().parents[2] / "shared"
VALIDATORS = Path(__file__).resolve().parents[1] / "validators"


def test_packaged_rules_load_and_every_topic_has_versions() -> None:
    rules = load_rules()
    assert rules.measures and rules.vat and rules.documents and rules.checks
    for version in (*rules.measures, *rules.vat, *rules.documents, *rules.checks):
        assert version.version and version.effective_from


@pytest.mark.parametrize(
    ("measure", "cost_type", "rate", "cap", "months"),
    [
        ("competence", "training", "0.4", 30_000_000, 24),
        ("competence", "foreign_employee", "0.4", 30_000_000, 12),
        ("technology", "commissioning", "0.4", 60_000_000, 24),
        ("organization", "lean", "0.4", 60_000_000, 24),
        ("digital", "automation_software", "0.5", 60_000_000, 24),
    ],
)
def test_2024_values_are_the_corpus_table(
    measure: str, cost_type: str, rate: str, cap: int, months: int
) -> None:
    m = load_rules().for_date(dt.date(2024, 5, 17)).measure(measure)
    assert m.rate == Decimal(rate)
    assert m.cap_kzt == cap
    assert m.period_months_for(cost_type) == months


def test_two_effective_dates_give_two_digital_rules() -> None:
    rules = load_rules()
    before = rules.for_date(dt.date(2025, 11, 2)).measure("digital")  # dev corpus: still 50 %
    after = rules.for_date(dt.date(2026, 2, 1)).measure("digital")  # Order 442 version
    assert (before.rate, before.period_anchor) == (Decimal("0.5"), "application_date")
    assert (after.rate, after.period_anchor) == (Decimal("0.4"), "last_payment")
    assert rules.for_date(dt.date(2026, 2, 1)).measure("technology").rate == Decimal("0.4")


def test_vat_rate_is_chosen_by_the_documents_own_date() -> None:
    rules = load_rules()
    assert rules.vat_rate_on(dt.date(2025, 12, 31)) == Decimal("0.12")
    assert rules.vat_rate_on(dt.date(2026, 1, 1)) == Decimal("0.16")
    # the dossier's rules carry the whole VAT history
    r2025 = rules.for_date(dt.date(2025, 6, 1))
    assert r2025.vat_rate_on(dt.date(2026, 3, 1)) == Decimal("0.16")


def test_no_rules_before_rules_308() -> None:
    rules = load_rules()
    with pytest.raises(RulesNotInForce):
        rules.for_date(dt.date(2021, 1, 1))
    resolved, fell_back = rules.nearest(dt.date(2021, 1, 1))
    assert "measures" in fell_back and resolved.measures.version == "308-2022"


def test_required_documents_matrix() -> None:
    docs = load_rules().for_date(dt.date(2024, 1, 1)).documents
    base = {
        DocType.APPLICATION_FORM,
        DocType.STATISTICS_CONSENT,
        DocType.CONTRACT,
        DocType.PAYMENT_ORDER,
        DocType.WORK_REPORT,
    }
    assert set(docs.required_for("technology", "commissioning")) == base | {
        DocType.ACT_OF_WORK,
        DocType.INVOICE,
    }
    assert set(docs.required_for("competence", "foreign_employee")) == base | {DocType.PAYROLL}
    assert set(docs.required_for("digital", "iiot")) == base | {
        DocType.ACT_OF_WORK,
        DocType.INVOICE,
        DocType.DIGITAL_STRATEGY,
    }
    assert docs.no_translation_languages == ["ru", "kk"]


def _copy_rules(tmp_path: Path) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(RULES_DIR, target)
    return target


def test_overlapping_versions_are_refused(tmp_path: Path) -> None:
    target = _copy_rules(tmp_path)
    vat = target / "vat.yaml"
    vat.write_text(
        vat.read_text(encoding="utf-8").replace("effective_to: 2025-12-31", "effective_to: 2026-06-30"),
        encoding="utf-8",
    )
    with pytest.raises(RulesError, match="overlap"):
        load_rules(target)


def test_malformed_rule_is_refused(tmp_path: Path) -> None:
    target = _copy_rules(tmp_path)
    measures = target / "measures.yaml"
    measures.write_text(
        measures.read_text(encoding="utf-8").replace("rate: 0.50", "rate: 5.0"), encoding="utf-8"
    )
    with pytest.raises(RulesError):
        load_rules(target)


def test_a_new_version_file_takes_effect_without_code(tmp_path: Path) -> None:
    target = _copy_rules(tmp_path)
    (target / "vat.yaml").write_text(
        (target / "vat.yaml")
        .read_text(encoding="utf-8")
        .replace("effective_to: null", "effective_to: 2026-12-31")
        + '  - version: "hypothetical-2027"\n    effective_from: 2027-01-01\n    rate: 0.18\n',
        encoding="utf-8",
    )
    assert load_rules(target).vat_rate_on(dt.date(2027, 5, 1)) == Decimal("0.18")


# --------------------------------------------------------------------------- finding catalogue


def test_every_code_raised_in_the_code_is_in_the_catalogue() -> None:
    source = "\n".join(p.read_text(encoding="utf-8") for p in VALIDATORS.glob("*.py"))
    used = set(re.findall(r'make_finding\(\s*"([A-Z_]+)"', source)) | {"UNVERIFIED_FIELD"}
    assert used <= set(catalogue().codes), used - set(catalogue().codes)


@pytest.mark.skipif(not SHARED.exists(), reason="shared corpus not available")
def test_catalogue_scored_codes_are_exactly_the_corpus_table() -> None:
    readme = (SHARED / "corpus" / "README.md").read_text(encoding="utf-8")
    table = set(re.findall(r"^\| `([A-Z_]+)` \|", readme, flags=re.MULTILINE))
    assert table and {c for c, s in catalogue().codes.items() if s.scored} == table


def test_unscored_extra_codes_are_flagged() -> None:
    for code in (
        "UNVERIFIED_FIELD",
        "UNREADABLE_DOCUMENT",
        "UNKNOWN_DOCUMENT_TYPE",
        "PAYROLL_TOTALS_INCONSISTENT",
    ):
        assert not is_scored(code)
    assert is_scored("MISSING_DOCUMENT")
    assert catalogue().spec("UNVERIFIED_FIELD").severity == "info"


def test_message_templates_fill_in_and_targets_follow_the_catalogue() -> None:
    f = make_finding(
        "DUPLICATE_DOCUMENT", file="b.jpg", duplicate_of="a.pdf", doc_type="payment_order", details="x"
    )
    assert (f.file, f.duplicate_of, f.doc_type) == ("b.jpg", "a.pdf", None)
    assert "b.jpg" in f.message and "a.pdf" in f.message
    g = make_finding("MISSING_DOCUMENT", file="ignored.pdf", doc_type="invoice", label="Счета-фактуры")
    assert (g.file, g.doc_type, g.severity) == (None, "invoice", "error")


def test_doc_type_labels_are_russian_and_total() -> None:
    assert doc_type_label("payment_order") == "Платежное поручение"
    assert doc_type_label(None) == doc_type_label("unknown") == "Документ неизвестного типа"
    for t in DocType:
        assert doc_type_label(t.value)[0].isupper()
