"""The fixture builder: deterministic, valid identifiers, ground truth that matches what is rendered and injected."""

from __future__ import annotations

import datetime as dt
import io
import json
import random
import zipfile
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pdfplumber
import pypdfium2 as pdfium
import pytest
from dateutil.relativedelta import relativedelta
from PIL import Image

from docproc.expected_shape import document_from_expected
from extractors.identifiers import BANK_CODE_TO_BIC, is_valid_bin, is_valid_iban
from tests.fixtures.builder import bad_inputs, scan
from tests.fixtures.builder.defects import CODES, CONFLICTS, DefectConflict, random_defects
from tests.fixtures.builder.generator import DossierSpec, generate
from tests.fixtures.builder.money import amount_in_words
from tests.fixtures.builder.plan import Company
from tests.fixtures.builder.presets import DEMO, GOLDEN
from tests.fixtures.builder.render import render_pdf
from tests.fixtures.builder.truth import application_json, expected_json
from tests.fixtures.builder.writer import build, render_files

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"

RATES = {"competence": 0.4, "technology": 0.4, "organization": 0.4, "digital": 0.5}
CAPS = {"competence": 30e6, "technology": 60e6, "organization": 60e6, "digital": 60e6}


# --------------------------------------------------------------------------- an independent oracle


def oracle_findings(expected: dict[str, Any], application: dict[str, Any], plan: Any) -> set[tuple[str, ...]]:
    """Findings re-derived from the ground-truth documents and the application, by the README's rules; from the plan
    only the payroll rows (the corpus shape keeps just the printed totals).

    It shares no code with the injectors: if the builder's bookkeeping and its printed values disagree, this shows it.
    """
    docs = expected["documents"]
    by_type: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for name, d in docs.items():
        by_type.setdefault(d["doc_type"], []).append((name, d))
    out: set[tuple[str, ...]] = set()
    employment = expected["cost_type"] == "foreign_employee"
    app_date = dt.date.fromisoformat(expected["application_date"])
    period_start = app_date - relativedelta(months=12 if employment else 24)

    # Duplicates: same type, number, date and amounts.
    seen: dict[str, str] = {}
    duplicates: set[str] = set()
    for name, d in docs.items():
        if d["doc_type"] == "translation":
            continue
        key = json.dumps([d["doc_type"], d["number"], d["date"], d["amounts"], d["parties"], d["period"]], sort_keys=True)
        if key in seen:
            out.add(("DUPLICATE_DOCUMENT", *sorted([name, seen[key]])))
            duplicates.add(name)
        else:
            seen[key] = name

    required = ["application_form", "statistics_consent", "contract", "payment_order", "work_report"]
    required += ["payroll"] if employment else ["act_of_work", "invoice"]
    if expected["measure"] == "digital":
        required.append("digital_strategy")
    for t in required:
        if t not in by_type:
            out.add(("MISSING_DOCUMENT", t))

    translated = {d["translation_of"] for d in docs.values() if d["doc_type"] == "translation"}
    for name, d in docs.items():
        if d["language"] not in ("ru", "kk") and name not in translated:
            out.add(("MISSING_TRANSLATION", name))

    contract = by_type["contract"][0][1]
    c_total = contract["amounts"]["total"]
    c_bins = {p["role"]: p["bin"] for p in contract["parties"]}
    applicant_bin = application["applicant"]["bin"]
    counter_bin = c_bins.get("supplier", c_bins.get("employee"))
    for t in ("act_of_work", "invoice"):
        if t in by_type and abs(sum(d["amounts"]["total"] for _, d in by_type[t]) - c_total) > 0.01:
            out.add(("AMOUNT_MISMATCH", t))
    distinct_payments = [(n, d) for n, d in by_type.get("payment_order", []) if n not in duplicates]
    if not employment and sum(d["amounts"]["total"] for _, d in distinct_payments) > c_total + 0.001:
        out.add(("PAYMENTS_EXCEED_CONTRACT",))

    for name, d in docs.items():
        t = d["doc_type"]
        a = d["amounts"]
        vat_doc = t in ("contract", "act_of_work", "invoice") and a and a["vat"]
        if vat_doc and abs(a["vat"] - round(a["amount_without_vat"] * 0.12, 2)) > 1.0:
            out.add(("VAT_MISCALCULATED", name))
        if d["amount_words"] and a:
            lang = d["language"]
            if d["amount_words"] != amount_in_words(Decimal(str(a["total"])), lang, a["currency"]):
                out.add(("AMOUNT_WORDS_MISMATCH", name))
        if t == "payment_order":
            day = dt.date.fromisoformat(d["date"])
            if day < period_start:
                out.add(("OUT_OF_PERIOD", name))
            elif day < dt.date.fromisoformat(contract["date"]):
                out.add(("PAYMENT_BEFORE_CONTRACT", name))
        if t == "payroll":
            sheet = next(doc.payroll for doc in plan.docs if doc.file == name)
            rows = {"accrued": sum(r.accrued for r in sheet.rows), "withheld": sum(r.withheld for r in sheet.rows),
                    "net": sum(r.net for r in sheet.rows)}
            if any(abs(float(rows[k]) - d["payroll_totals"][k]) > 0.01 for k in rows):
                out.add(("PAYROLL_TOTALS_MISMATCH", name))
        if t == "payroll" and employment:
            month_end = dt.date.fromisoformat(d["period"] + "-01") + relativedelta(months=1, days=-1)
            if month_end < period_start:
                out.add(("OUT_OF_PERIOD", name))
        contract_ref = {"number": contract["number"], "date": contract["date"]}
        if t in ("payment_order", "act_of_work", "invoice") and d["contract_ref"] not in (None, contract_ref):
            out.add(("WRONG_CONTRACT_REFERENCE", name))
        bins = [p["bin"] for p in d["parties"] if p["bin"]]
        if any(not is_valid_bin(b) for b in bins):
            out.add(("INVALID_BIN", name))
        elif t in ("payment_order", "act_of_work", "invoice", "work_report"):
            for p in d["parties"]:
                if p["bin"] is None:
                    continue
                own = p["role"] in ("payer", "customer", "employer")
                if p["bin"] != (applicant_bin if own else counter_bin):
                    out.add(("PARTY_MISMATCH", name))

    computed = expected["computed"]
    rate, cap = RATES[expected["measure"]], CAPS[expected["measure"]]
    if application["claimed_reimbursement_kzt"] > min(rate * application["claimed_eligible_costs_kzt"], cap) + 0.005:
        out.add(("CAP_EXCEEDED",))
    assert computed["rate"] == rate and computed["cap"] == cap
    return out


def declared_findings(expected: dict[str, Any]) -> set[tuple[str, ...]]:
    out: set[tuple[str, ...]] = set()
    for f in expected["findings"]:
        if f["code"] == "DUPLICATE_DOCUMENT":
            out.add(("DUPLICATE_DOCUMENT", *sorted([f["file"], f["duplicate_of"]])))
        elif "file" in f:
            out.add((f["code"], f["file"]))
        elif "doc_type" in f:
            out.add((f["code"], f["doc_type"]))
        else:
            out.add((f["code"],))
    return out


def _round2(x: Decimal) -> float:
    return float(x.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _plan_truth(spec: DossierSpec) -> tuple[Any, dict[str, Any], dict[str, Any]]:
    """Plan and truth without rendering (pages stay 0): fast enough to sweep many seeds."""
    plan = generate(spec)
    return plan, expected_json(plan), application_json(plan)


# --------------------------------------------------------------------------- generation and ground truth


@pytest.mark.parametrize("code", CODES)
def test_each_defect_yields_exactly_its_findings(code: str) -> None:
    for seed in range(6):
        plan, expected, application = _plan_truth(DossierSpec(seed=seed, defects=[code]))
        declared = declared_findings(expected)
        assert {f[0] for f in declared} == {code}, (seed, declared)
        assert oracle_findings(expected, application, plan) == declared, seed
        assert expected["clean"] is False


def test_random_defect_sets_match_the_oracle() -> None:
    rng = random.Random(7)
    checked = 0
    for seed in range(60):
        count = rng.choice([0, 1, 2, 3])
        defects = random_defects(rng, count=count) if count else []
        try:
            plan, expected, application = _plan_truth(DossierSpec(seed=seed, defects=defects))
        except DefectConflict:
            continue
        assert oracle_findings(expected, application, plan) == declared_findings(expected), (seed, defects)
        assert {f["code"] for f in expected["findings"]} == set(defects)
        assert expected["clean"] == (not defects)
        checked += 1
    assert checked >= 45


def test_conflicting_defects_are_refused() -> None:
    for pair in CONFLICTS:
        with pytest.raises(DefectConflict):
            generate(DossierSpec(seed=1, defects=sorted(pair)))
    with pytest.raises(DefectConflict):
        generate(DossierSpec(seed=1, measure="competence", cost_type="foreign_employee", defects=["AMOUNT_MISMATCH"]))
    with pytest.raises(DefectConflict):
        generate(DossierSpec(seed=1, defects=["NOT_A_CODE"]))


def test_identifiers_are_valid_except_injected_ones() -> None:
    for seed in range(40):
        plan, expected, application = _plan_truth(DossierSpec(seed=seed, defects=["INVALID_BIN"] if seed % 2 else []))
        invalid_files = {f["file"] for f in expected["findings"] if f["code"] == "INVALID_BIN"}
        assert is_valid_bin(application["applicant"]["bin"])
        for name, d in expected["documents"].items():
            bins = [p["bin"] for p in d["parties"] if p["bin"] is not None]
            if name in invalid_files:
                assert sum(not is_valid_bin(b) for b in bins) == 1
            else:
                assert all(is_valid_bin(b) for b in bins), (seed, name, bins)
        for entity in (plan.applicant, plan.counterparty):
            if isinstance(entity, Company) and not entity.foreign:
                assert is_valid_iban(entity.account.iban)
                assert BANK_CODE_TO_BIC[entity.account.iban[4:7]] == entity.account.bic
            elif isinstance(entity, Company) and entity.account.iban[:2].isalpha():
                assert is_valid_iban(entity.account.iban)


def test_amounts_are_coherent_in_a_clean_dossier() -> None:
    for seed in range(30):
        _plan, expected, application = _plan_truth(DossierSpec(seed=seed))
        docs = expected["documents"]
        contract = next(d for d in docs.values() if d["doc_type"] == "contract")
        c = contract["amounts"]
        assert round(c["amount_without_vat"] + c["vat"], 2) == c["total"]
        payments = [d for d in docs.values() if d["doc_type"] == "payment_order"]
        if expected["cost_type"] != "foreign_employee":
            assert round(sum(p["amounts"]["total"] for p in payments), 2) == c["total"]
        computed = expected["computed"]
        assert computed["eligible_costs_kzt"] == computed["claimed_costs_kzt"] == application["claimed_eligible_costs_kzt"]
        q = min(_round2(Decimal(str(computed["rate"])) * Decimal(str(computed["eligible_costs_kzt"]))), computed["cap"])
        assert computed["reimbursement_kzt"] == q
        assert computed["counter_obligation_kzt"] == pytest.approx(computed["prior_revenue_n"] + 2 * q, abs=0.005)
        for d in docs.values():  # the corpus shape loads into the domain model
            document_from_expected("x", d)


def test_excluded_payments_reduce_eligible_costs() -> None:
    _, expected, _ = _plan_truth(DossierSpec(seed=5, measure="technology", cost_type="commissioning",
                                             defects=["PAYMENT_BEFORE_CONTRACT"], n_payments=2))
    flagged = next(f["file"] for f in expected["findings"])
    pp = expected["documents"][flagged]["amounts"]
    c = expected["computed"]
    assert c["eligible_costs_kzt"] == pytest.approx(c["claimed_costs_kzt"] - (pp["total"] - pp["vat"]))


def test_generation_is_deterministic() -> None:
    spec = DossierSpec(seed=99, defects=["AMOUNT_WORDS_MISMATCH", "DUPLICATE_DOCUMENT"], scan_ratio=0.3)
    assert expected_json(generate(spec)) == expected_json(generate(spec))
    assert expected_json(generate(spec)) != expected_json(generate(DossierSpec(seed=100, scan_ratio=0.3)))


def test_layouts_and_wordings_vary_with_the_seed() -> None:
    looks: dict[str, set[tuple[int, int, str]]] = {}
    for seed in range(25):
        plan = generate(DossierSpec(seed=seed))
        for d in plan.docs:
            looks.setdefault(d.doc_type, set()).add((d.layout, d.wording, d.language))
    for doc_type in ("payment_order", "act_of_work", "invoice", "contract"):
        assert len({(layout, wording) for layout, wording, _ in looks[doc_type]}) >= 3, doc_type
    assert any(lang == "kk" for _, _, lang in looks["payment_order"])


# --------------------------------------------------------------------------- rendering


def _text(pdf: bytes) -> str:
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return "\n".join(page.extract_text() or "" for page in doc.pages)


def test_rendered_pdfs_carry_the_truth_values() -> None:
    plan = generate(DossierSpec(seed=12, measure="technology", cost_type="energy_audit", foreign_supplier=False,
                                defects=["AMOUNT_WORDS_MISMATCH:payment_order"]))
    truth = expected_json(plan)
    for doc in plan.docs:
        text = _text(render_pdf(doc, plan))
        flat = " ".join(text.split())
        if doc.number:
            assert doc.number in flat, (doc.key, doc.number)
        for party in doc.parties:
            if party.printed_bin:
                assert party.printed_bin in flat, (doc.key, party.role)
        words = truth["documents"][doc.file]["amount_words"]
        if words:  # wrapped lines may interleave with a label column: check the words in reading order
            tokens = iter(t.strip("():;,.") for t in flat.split())
            assert all(any(w == t for t in tokens) for w in words.split()), doc.key


def test_text_pdfs_are_byte_identical_for_a_seed() -> None:
    spec = DossierSpec(seed=31, scan_ratio=0.0)
    a, b = generate(spec), generate(spec)
    for key in ("contract", "pp1", "act1", "inv1"):
        assert render_pdf(a.doc(key), a) == render_pdf(b.doc(key), b), key


def test_kazakh_documents_use_kazakh_vocabulary() -> None:
    plan = generate(DossierSpec(seed=8, language="kk", foreign_supplier=False, measure="technology",
                                cost_type="commissioning"))
    expected_words = {"payment_order": ("ТӨЛЕМ", "Төлем"), "act_of_work": ("АКТІСІ", "актісі"),
                      "invoice": ("ШОТ-ФАКТУРА", "Шот-фактура"), "statistics_consent": ("КЕЛІСІМ",)}
    for doc in plan.docs:
        if doc.doc_type in expected_words:
            assert doc.language == "kk"
            text = _text(render_pdf(doc, plan))
            assert any(w in text for w in expected_words[doc.doc_type]), doc.key
            assert "теңге" in text or doc.doc_type in ("statistics_consent", "invoice") or "ҚҚС" in text


def test_scans_are_image_only_and_deterministic() -> None:
    plan = generate(DossierSpec(seed=3, measure="technology", cost_type="commissioning"))
    pdf = render_pdf(plan.doc("pp1"), plan)
    scanned = scan.to_scan_pdf(pdf, "t", scan.DEFAULT)
    assert scanned == scan.to_scan_pdf(pdf, "t", scan.DEFAULT)
    assert scanned != scan.to_scan_pdf(pdf, "u", scan.DEFAULT)
    with pdfplumber.open(io.BytesIO(scanned)) as doc:
        page = doc.pages[0]
        assert page.chars == [] and len(page.images) == 1
        assert round(page.width) in (595, 596) and round(page.height) in (841, 842)  # A4 at the scan's dpi
    low = scan.ScanProfile(dpi=72)  # small images keep this test quick; the pipeline is the same at 150-200 dpi
    photo = scan.to_image(pdf, "t", "jpg", "photo", low)
    assert photo == scan.to_image(pdf, "t", "jpg", "photo", low)
    assert Image.open(io.BytesIO(photo)).mode == "RGB"
    png = Image.open(io.BytesIO(scan.to_image(pdf, "t", "png", "flatbed", low)))
    assert png.mode == "P"


def test_built_dossier_files_match_expected() -> None:
    built = build(DossierSpec(seed=44, scan_ratio=0.3, defects=["DUPLICATE_DOCUMENT"]), scan.ScanProfile(dpi=72))
    assert set(built.files) == set(built.expected["documents"]) == set(built.application["files"])
    for name, d in built.expected["documents"].items():
        data = built.files[name]
        fmt = d["file_format"]
        if fmt in ("pdf_text", "pdf_scan"):
            assert data.startswith(b"%PDF")
            with pdfplumber.open(io.BytesIO(data)) as doc:
                assert len(doc.pages) == d["pages"]
                has_text = any(p.chars for p in doc.pages)
            assert has_text == (fmt == "pdf_text"), name
        elif fmt == "image_jpg":
            assert data[:3] == b"\xff\xd8\xff"
        elif fmt == "image_png":
            assert data[:8] == b"\x89PNG\r\n\x1a\n"
        elif fmt == "xlsx":
            assert zipfile.ZipFile(io.BytesIO(data)).testzip() is None


def test_payroll_xlsx_has_values_and_a_total_row() -> None:
    import openpyxl

    plan = generate(DossierSpec(seed=5, measure="competence", cost_type="foreign_employee",
                                defects=["PAYROLL_TOTALS_MISMATCH"]))
    for doc in plan.docs_of("payroll"):
        doc.fmt = "xlsx"
    files = render_files(plan)
    truth = expected_json(plan)
    for doc in plan.docs_of("payroll"):
        ws = openpyxl.load_workbook(io.BytesIO(files[doc.file])).active
        rows = [r for r in ws.iter_rows(values_only=True) if r and r[0] is not None or (r and r[1])]
        assert not any(isinstance(c, str) and c.startswith("=") for r in rows for c in r)
        total = next(r for r in rows if r[1] in ("Итого", "Всего", "ИТОГО по ведомости"))
        printed = truth["documents"][doc.file]["payroll_totals"]
        assert (total[3], total[7], total[8]) == (printed["accrued"], printed["withheld"], printed["net"])
        applicant_bin = plan.applicant.bin
        assert applicant_bin is not None
        assert any(applicant_bin in str(r[0]) for r in rows if r[0])


# --------------------------------------------------------------------------- committed fixtures


def _committed(path: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    return (json.loads((path / "expected.json").read_text(encoding="utf-8")),
            json.loads((path / "application.json").read_text(encoding="utf-8")))


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_golden_dossiers_are_current(name: str) -> None:
    folder = FIXTURES / "dossiers" / name
    expected, application = _committed(folder)
    plan = generate(GOLDEN[name])
    # Pages come from rendering; everything else must be what the builder generates today.
    fresh = expected_json(plan)
    for doc in fresh["documents"].values():
        doc["pages"] = None
    stored = json.loads(json.dumps(expected))
    for doc in stored["documents"].values():
        doc["pages"] = None
    assert fresh == stored, "regenerate: python -m tests.fixtures.builder golden tests/fixtures/dossiers"
    assert application == application_json(plan)
    assert sorted(p.name for p in folder.iterdir()) == sorted([*application["files"], "application.json", "expected.json"])
    assert oracle_findings(expected, application, plan) == declared_findings(expected)


def test_demo_dossier_is_current_and_small() -> None:
    folder = ROOT / "demo" / "dossier_demo"
    expected, application = _committed(folder)
    plan = generate(DEMO)
    assert application == application_json(plan)
    assert {f["code"] for f in expected["findings"]} == {"PAYMENT_BEFORE_CONTRACT", "VAT_MISCALCULATED", "DUPLICATE_DOCUMENT"}
    formats = [d["file_format"] for d in expected["documents"].values()]
    assert formats.count("pdf_scan") == 1 and formats.count("image_jpg") == 1
    assert any(d["language"] == "kk" and d["doc_type"] == "payment_order" for d in expected["documents"].values())
    assert sum(p.stat().st_size for p in folder.iterdir()) < 3 * 1024 * 1024


# --------------------------------------------------------------------------- bad inputs


def test_bad_inputs_are_what_they_claim() -> None:
    assert bad_inputs.empty() == b""
    for broken in (bad_inputs.truncated_pdf(), bad_inputs.corrupt_pdf(), bad_inputs.encrypted_pdf()):
        with pytest.raises(pdfium.PdfiumError):
            pdfium.PdfDocument(broken)
    assert len(pdfium.PdfDocument(bad_inputs.encrypted_pdf(), password="user-secret")) == 1
    with pytest.raises(Image.DecompressionBombError):
        Image.open(io.BytesIO(bad_inputs.huge_dimensions_png()))
    with pytest.raises(Image.DecompressionBombError):
        Image.open(io.BytesIO(bad_inputs.huge_dimensions_jpg()))
    assert not bad_inputs.random_bytes().startswith((b"%PDF", b"PK", b"\xff\xd8", b"\x89PNG"))

    names = zipfile.ZipFile(io.BytesIO(bad_inputs.zip_traversal())).namelist()
    assert "../../evil.txt" in names
    assert zipfile.ZipFile(io.BytesIO(bad_inputs.zip_absolute())).namelist()[0].startswith("/")
    link = zipfile.ZipFile(io.BytesIO(bad_inputs.zip_symlink())).infolist()[0]
    assert (link.external_attr >> 16) & 0o170000 == 0o120000
    declared = zipfile.ZipFile(io.BytesIO(bad_inputs.zip_bomb_declared())).infolist()[0]
    assert declared.file_size > 4_000_000_000
    bomb = bad_inputs.zip_bomb(uncompressed_mb=16)
    info = zipfile.ZipFile(io.BytesIO(bomb)).infolist()[0]
    assert info.file_size == 16 * 1024 * 1024 and len(bomb) < 64 * 1024
    assert len(zipfile.ZipFile(io.BytesIO(bad_inputs.zip_many_members(2100))).infolist()) == 2100


def test_committed_bad_inputs_match_the_manifest() -> None:
    folder = FIXTURES / "bad"
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest == bad_inputs.manifest()
    for name, entry in manifest.items():
        assert (folder / name).exists() == entry["committed"], name


@pytest.mark.slow
def test_default_scans_stay_legible_for_ocr() -> None:
    """The point of the scan simulation: degraded, yet tesseract still reads the key values."""
    import os

    import pytesseract

    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    plan = generate(DossierSpec(seed=3, measure="technology", cost_type="commissioning", language="ru"))
    doc = plan.doc("pp1")
    scanned = scan.to_image(render_pdf(doc, plan), "ocr", "png", "flatbed", scan.DEFAULT)
    text = pytesseract.image_to_string(Image.open(io.BytesIO(scanned)), lang="rus+kaz+eng")
    flat = text.replace(" ", "")
    assert doc.number and doc.number in flat
    assert plan.applicant.bin and plan.applicant.bin in flat
