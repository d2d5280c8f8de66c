"""The ``forms`` renderer family (issue 11): Kazakhstan's official forms and bank print-outs.

Each dossier the family builds must be coherent: every file renders, page counts are what expected.json says, the
values expected.json records are printed (checked in the text layer of the text PDFs), and the findings are exactly
those the injected defects cause (re-derived by the builder tests' independent oracle).
"""

from __future__ import annotations

import datetime as dt
import io
import random
from collections import defaultdict
from decimal import Decimal
from typing import Any

import pypdfium2 as pdfium
import pytest
from openpyxl import load_workbook
from PIL import Image

from extractors.identifiers import is_valid_bin
from tests.fixtures.builder.defects import DefectConflict, random_defects
from tests.fixtures.builder.families.forms import PDF_RENDERERS, fmt
from tests.fixtures.builder.families.forms.looks import SCAN_FORMATS
from tests.fixtures.builder.generator import DossierSpec, generate
from tests.fixtures.builder.money import amount_in_words
from tests.fixtures.builder.render import render_pdf
from tests.fixtures.builder.render.common import month_name
from tests.fixtures.builder.truth import application_json, expected_json
from tests.fixtures.builder.writer import BuiltDossier, build
from tests.test_fixtures_builder import declared_findings, oracle_findings

FAMILY = "forms"
DOC_TYPES = {"application_form", "statistics_consent", "contract", "payment_order", "act_of_work", "invoice",
             "work_report", "digital_strategy", "payroll", "translation"}


def _pages_text(data: bytes) -> list[str]:
    pdf = pdfium.PdfDocument(data)
    try:
        out = []
        for page in pdf:
            textpage = page.get_textpage()
            out.append(textpage.get_text_range())
            textpage.close()
            page.close()
        return out
    finally:
        pdf.close()


def _squash(text: str) -> str:
    return "".join(text.split())


def _printed_in_some_style(value: float, text: str) -> bool:
    return any(_squash(fmt.amount_text(Decimal(str(value)), style)) in text for style in fmt.AMOUNT_STYLES)


def _date_printed(iso: str, text: str) -> bool:
    day = dt.date.fromisoformat(iso)
    return any(_squash(fmt.date_text(day, lang, style)) in text for lang in ("ru", "kk", "en") for style in fmt.DATE_STYLES)


def _check_printed(name: str, truth: dict[str, Any], text: str, expected: dict[str, Any]) -> None:
    """The values expected.json records for a text PDF are in its text layer."""
    flat = _squash(text)
    if truth["doc_type"] == "translation":
        original = expected["documents"][truth["translation_of"]]
        assert _squash(original["number"]) in flat, name
        return
    if truth["number"]:
        assert _squash(truth["number"]) in flat, (name, truth["number"])
    if truth["date"] and truth["doc_type"] != "payroll":
        assert _date_printed(truth["date"], flat), (name, truth["date"])
    for party in truth["parties"]:
        assert _squash(party["name"]) in flat, (name, party["name"])
        if party["bin"]:
            assert party["bin"] in flat, (name, party["bin"])
    amounts = truth["amounts"]
    if amounts:
        assert _printed_in_some_style(amounts["total"], flat), (name, amounts["total"])
        if amounts["vat"]:
            assert _printed_in_some_style(amounts["vat"], flat), (name, amounts["vat"])
    if truth["amount_words"]:
        assert _squash(truth["amount_words"]) in flat, (name, truth["amount_words"])
    if truth["contract_ref"]:
        assert _squash(truth["contract_ref"]["number"]) in flat, (name, truth["contract_ref"])
        assert _date_printed(truth["contract_ref"]["date"], flat), (name, truth["contract_ref"])
    if truth["payroll_totals"]:
        for key, value in truth["payroll_totals"].items():
            assert _printed_in_some_style(value, flat), (name, key, value)
        year, month = truth["period"].split("-")
        assert _squash(month_name(int(year), int(month), truth["language"])) in flat, (name, truth["period"])


def _check_dossier(built: BuiltDossier) -> None:
    expected = built.expected
    assert set(built.files) == set(expected["documents"])
    for name, truth in expected["documents"].items():
        data = built.files[name]
        fmt_ = truth["file_format"]
        if fmt_ == "xlsx":
            _check_xlsx(name, truth, data)
            continue
        if fmt_ in ("image_jpg", "image_png"):
            Image.open(io.BytesIO(data)).verify()
            assert truth["pages"] == 1
            continue
        pages = _pages_text(data)
        assert len(pages) == truth["pages"], name
        if fmt_ == "pdf_scan":
            assert not "".join(pages).strip(), f"{name}: a scan must have no text layer"
            continue
        _check_printed(name, truth, "\n".join(pages), expected)
        if truth["doc_type"] == "contract":
            assert 3 <= truth["pages"] <= 6, (name, truth["pages"])
            last = _squash(pages[-1])
            assert all(p["bin"] in last for p in truth["parties"] if p["bin"]), f"{name}: requisites not on the last page"
    assert oracle_findings(expected, built.application, built.plan) == declared_findings(expected)


def _check_xlsx(name: str, truth: dict[str, Any], data: bytes) -> None:
    ws = load_workbook(io.BytesIO(data)).active
    assert ws is not None
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert any(r.startswith("D7:F7") for r in merged) and any(r.startswith("G7:J7") for r in merged), merged
    total_row = max(r for r in range(1, ws.max_row + 1) if isinstance(ws.cell(r, 6).value, (int, float)))
    printed = {"accrued": float(ws.cell(total_row, 6).value), "withheld": float(ws.cell(total_row, 10).value),
               "net": float(ws.cell(total_row, 11).value)}
    assert printed == truth["payroll_totals"], name
    values = [c.value for row in ws.iter_rows() for c in row if c.value is not None]
    assert not any(isinstance(v, str) and v.startswith("=") for v in values), f"{name}: values, not formulas"


# ------------------------------------------------------------------ plans (fast: no rendering)


def test_the_family_renders_every_document_type() -> None:
    assert set(PDF_RENDERERS) == DOC_TYPES


def test_family_findings_match_the_oracle_over_many_seeds() -> None:
    rng = random.Random(11)
    checked = 0
    for seed in range(50):
        count = rng.choice([0, 1, 2, 3])
        defects = random_defects(rng, count=count) if count else []
        try:
            plan = generate(DossierSpec(seed=seed, defects=defects, family=FAMILY, scan_ratio=0.3))
        except DefectConflict:
            continue
        expected, application = expected_json(plan), application_json(plan)
        assert oracle_findings(expected, application, plan) == declared_findings(expected), (seed, defects)
        assert {f["code"] for f in expected["findings"]} == set(defects)
        assert all("layout" in d.info["forms"] for d in plan.docs), seed
        checked += 1
    assert checked >= 40


def test_family_varies_layouts_languages_and_file_names() -> None:
    layouts: dict[str, set[str]] = defaultdict(set)
    languages: dict[str, set[tuple[str, bool]]] = defaultdict(set)
    names: list[str] = []
    treatments: set[str] = set()
    for seed in range(60):
        plan = generate(DossierSpec(seed=seed, family=FAMILY, scan_ratio=0.4))
        for d in plan.docs:
            looks = d.info["forms"]
            layouts[d.doc_type].add(looks["layout"])
            languages[d.doc_type].add((d.language, bool(looks.get("bilingual"))))
            names.append(d.file)
            scan = looks.get("scan", {})
            treatments |= {k for k, v in scan.items() if v}
    assert layouts["payment_order"] == {"nbrk", "online", "fx_application"}
    assert layouts["act_of_work"] == {"r1", "short"}
    assert {"esf", "paper", "foreign"} <= layouts["invoice"]
    assert layouts["application_form"] == {"annex", "portal"}
    assert layouts["work_report"] == {"letter", "structured"}
    assert layouts["translation"] == {"notarised", "translator"}
    for doc_type in ("payment_order", "act_of_work", "invoice", "statistics_consent", "contract"):
        langs = languages[doc_type]
        assert ("kk", True) in langs and ("ru", True) in langs, (doc_type, langs)  # bilingual, each language first
    assert ("kk", False) in languages["payment_order"]
    assert any(not n.isascii() for n in names) and any(n.isascii() for n in names)
    assert treatments == {"rotate", "fax", "pen"}


def test_duplicates_print_like_their_original() -> None:
    compared = 0
    for seed in range(40):
        if compared >= 4:
            break
        plan = generate(DossierSpec(seed=seed, family=FAMILY, defects=["DUPLICATE_DOCUMENT"]))
        for dup in (d for d in plan.docs if d.duplicate_of):
            original = plan.doc(dup.duplicate_of or "")
            assert dup.language == original.language and dup.words_amount == original.words_amount
            assert {k: v for k, v in dup.info["forms"].items() if k != "scan"} == \
                {k: v for k, v in original.info["forms"].items() if k != "scan"}
            treated = [any(d.info["forms"]["scan"].values()) for d in (dup, original)]
            if not any(treated):  # a turned, faxed or marked copy differs by exactly that
                assert render_pdf(dup, plan) == render_pdf(original, plan)
                compared += 1
    assert compared >= 4


# ------------------------------------------------------------------ built dossiers (render, read back)


def test_domestic_dossier_is_coherent() -> None:
    spec = DossierSpec(seed=4242, family=FAMILY, measure="technology", cost_type="energy_audit", foreign_supplier=False,
                       n_payments=3, n_acts=2, scan_ratio=0.3,
                       defects=["AMOUNT_WORDS_MISMATCH:payment_order", "INVALID_BIN:invoice", "DUPLICATE_DOCUMENT"])
    built = build(spec)
    _check_dossier(built)
    expected = built.expected
    codes = {f["code"] for f in expected["findings"]}
    assert codes == {"AMOUNT_WORDS_MISMATCH", "INVALID_BIN", "DUPLICATE_DOCUMENT"}
    for f in expected["findings"]:
        truth = expected["documents"][f["file"]]
        if f["code"] == "INVALID_BIN":
            assert truth["doc_type"] == "invoice"
            assert any(p["bin"] and not is_valid_bin(p["bin"]) for p in truth["parties"])
        if f["code"] == "AMOUNT_WORDS_MISMATCH":
            assert truth["doc_type"] == "payment_order"
            right = amount_in_words(Decimal(str(truth["amounts"]["total"])), truth["language"], "KZT")
            assert truth["amount_words"] and truth["amount_words"] != right


@pytest.mark.parametrize("spec", [
    DossierSpec(seed=515, family=FAMILY, foreign_supplier=True, measure="digital", cost_type="automation_software",
                defects=["MISSING_TRANSLATION:invoice", "PAYMENT_BEFORE_CONTRACT"], scan_ratio=0.2),
    DossierSpec(seed=616, family=FAMILY, measure="competence", cost_type="foreign_employee",
                defects=["PAYROLL_TOTALS_MISMATCH", "WRONG_CONTRACT_REFERENCE"], scan_ratio=0.3,
                format_overrides={"payroll1": "xlsx", "payroll2": "pdf_text"}),
], ids=["foreign_supplier", "foreign_employee"])
def test_foreign_and_employment_dossiers_are_coherent(spec: DossierSpec) -> None:
    built = build(spec)
    _check_dossier(built)
    assert {f["code"] for f in built.expected["findings"]} == {d.split(":")[0] for d in spec.defects}


def test_bilingual_form_records_the_language_printed_first() -> None:
    for seed in range(200):
        plan = generate(DossierSpec(seed=seed, family=FAMILY, foreign_supplier=False))
        doc = next((d for d in plan.docs if d.doc_type == "payment_order" and d.info["forms"]["layout"] == "nbrk"
                    and d.info["forms"]["bilingual"] and d.language == "kk"), None)
        if doc is not None:
            break
    else:
        pytest.fail("no bilingual Kazakh-first payment order in 200 seeds")
    text = "\n".join(_pages_text(render_pdf(doc, plan)))
    assert text.index("ТӨЛЕМ ТАПСЫРМАСЫ") < text.index("ПЛАТЕЖНОЕ ПОРУЧЕНИЕ")
    truth = expected_json(plan)["documents"][doc.file]
    assert truth["language"] == "kk"
    payer = next(p for p in truth["parties"] if p["role"] == "payer")
    assert payer["name"].endswith(("ЖШС", "АҚ")) and _squash(payer["name"]) in _squash(text)
    assert _squash(truth["amount_words"]) in _squash(text) and "теңге" in truth["amount_words"]


def test_scan_treatments_turn_fax_and_mark_the_page() -> None:
    seen: set[str] = set()
    for seed in range(80):
        plan = generate(DossierSpec(seed=seed, family=FAMILY, scan_ratio=0.6))
        for doc in plan.docs:
            scan = doc.info["forms"]["scan"]
            if doc.fmt == "xlsx" or not scan or doc.doc_type == "contract":
                continue
            assert doc.fmt in SCAN_FORMATS
            if scan["rotate"] and "rotate" not in seen:
                pdf = pdfium.PdfDocument(render_pdf(doc, plan))
                assert pdf[0].get_rotation() == scan["rotate"]
                seen.add("rotate")
            if scan["fax"] and "fax" not in seen:
                data = render_pdf(doc, plan)
                assert not "".join(_pages_text(data)).strip()  # the fax pass leaves an image only
                assert data == render_pdf(doc, plan)
                seen.add("fax")
        if seen == {"rotate", "fax"}:
            break
    assert seen == {"rotate", "fax"}
