"""The `foreign` fixture family: dossiers render, and expected.json says what the documents print.

``check_dossier`` is also run over whole generated sets (``python -m tests.test_fixtures_family_foreign DIR``).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import sys
from decimal import Decimal
from pathlib import Path

import openpyxl
import pypdfium2 as pdfium
import pytest
from PIL import Image

from tests.fixtures.builder.families.foreign import fmt
from tests.fixtures.builder.families.foreign.adapt import CERTIFICATE_PLACES
from tests.fixtures.builder.generator import DossierSpec, generate
from tests.fixtures.builder.writer import build

OWN = ("ru", "kk")


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text).lower()


def _date_forms(day: dt.date) -> set[str]:
    forms = {fmt.swift_date(day)}
    for lang, styles in fmt.DATE_STYLES.items():
        for style in styles:
            forms.add(fmt.date(day, lang, style))
    return {_squash(f) for f in forms}


def _amount_forms(value: float) -> set[str]:
    amount = Decimal(str(value)).quantize(Decimal("0.01"))
    forms = {fmt.figures(amount, style) for style in [*fmt.FIGURES, "indian"]}
    if amount == amount.to_integral_value():
        forms |= {fmt.figures(amount, style, cents=False) for style in ("en", "fr", "de")}
    return {_squash(f) for f in forms}


def _text_of(data: bytes) -> str:
    """The text layer in drawing order (pdfium keeps a table cell's or a column's lines together)."""
    pdf = pdfium.PdfDocument(data)
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in pdf)
    finally:
        pdf.close()


def _pages(name: str, data: bytes) -> int:
    if name.endswith(".pdf"):
        pdf = pdfium.PdfDocument(data)
        try:
            return len(pdf)
        finally:
            pdf.close()
    if name.endswith(".xlsx"):
        openpyxl.load_workbook(io.BytesIO(data), read_only=True).close()
        return 1
    Image.open(io.BytesIO(data)).verify()
    return 1


def check_dossier(files: dict[str, bytes], expected: dict) -> list[str]:
    """Every disagreement between expected.json and the files (empty: coherent)."""
    problems: list[str] = []
    docs = expected["documents"]
    if set(docs) != set(files):
        problems.append(f"files {sorted(set(files) ^ set(docs))} are not both in expected.json and on disk")
    translated = {d["translation_of"] for d in docs.values() if d["doc_type"] == "translation"}
    withheld = {f["file"] for f in expected["findings"] if f["code"] == "MISSING_TRANSLATION"}
    for name, truth in docs.items():
        data = files.get(name, b"")
        if not data:
            problems.append(f"{name}: empty")
            continue
        if _pages(name, data) != truth["pages"]:
            problems.append(f"{name}: {truth['pages']} pages in expected.json, {_pages(name, data)} in the file")
        if truth["doc_type"] == "translation":
            original = docs.get(truth["translation_of"])
            if original is None or original["language"] in OWN or truth["language"] not in OWN:
                problems.append(f"{name}: translation of {truth['translation_of']} ({original and original['language']})")
        elif truth["language"] not in OWN and (name in translated) == (name in withheld):
            problems.append(f"{name}: language {truth['language']}, translated={name in translated}, withheld={name in withheld}")
        if truth["file_format"] != "pdf_text":
            continue
        text = _text_of(data)
        flat = _squash(text)
        if truth["doc_type"] == "translation":
            number = docs[truth["translation_of"]]["number"]
            if number and _squash(number) not in flat:
                problems.append(f"{name}: the translation does not carry the original's number {number}")
            continue
        wanted: list[tuple[str, set[str]]] = []
        if truth["number"]:
            wanted.append(("number", {_squash(truth["number"])}))
        if truth["date"]:
            wanted.append(("date", _date_forms(dt.date.fromisoformat(truth["date"]))))
        for party in truth["parties"]:
            wanted.append((f"{party['role']} name", {_squash(party["name"])}))
            if party["bin"]:
                wanted.append((f"{party['role']} bin", {party["bin"]}))
        if truth["amounts"]:
            wanted.append(("total", _amount_forms(truth["amounts"]["total"])))
            wanted.append(("currency", {truth["amounts"]["currency"].lower(), _squash(fmt.SYMBOLS.get(truth["amounts"]["currency"], "?"))}
                           | ({"tl"} if truth["amounts"]["currency"] == "TRY" else set())
                           | ({"тенге", "теңге"} if truth["amounts"]["currency"] == "KZT" else set())))
            if truth["amounts"]["vat"]:
                wanted.append(("vat", _amount_forms(truth["amounts"]["vat"])))
        if truth["amount_words"]:
            wanted.append(("words", {_squash(truth["amount_words"])}))
        if truth["contract_ref"]:
            wanted.append(("contract_ref.number", {_squash(truth["contract_ref"]["number"])}))
            wanted.append(("contract_ref.date", _date_forms(dt.date.fromisoformat(truth["contract_ref"]["date"]))))
        if truth["payroll_totals"]:
            for key, value in truth["payroll_totals"].items():
                wanted.append((f"payroll {key}", _amount_forms(value)))
        for what, forms in wanted:
            if not any(f in flat for f in forms):
                problems.append(f"{name} ({truth['doc_type']}, {truth['language']}): {what} {sorted(forms)[:3]} not in the text")
    return problems


@pytest.fixture(scope="module")
def built():
    spec = DossierSpec(seed=424242, dossier_id="foreign_check", family="foreign", foreign_supplier=True, scan_ratio=0.25,
                       defects=["MISSING_TRANSLATION:invoice", "AMOUNT_WORDS_MISMATCH:payment_order", "DUPLICATE_DOCUMENT"],
                       n_acts=2, n_payments=3)
    return build(spec)


def test_a_foreign_dossier_renders_and_truth_matches_the_print(built):
    assert check_dossier(built.files, built.expected) == []
    docs = built.expected["documents"]
    languages = {d["language"] for d in docs.values()}
    assert languages - {"ru", "kk"}, "a foreign supplier's dossier has documents in a foreign language"
    assert any(d["doc_type"] == "translation" for d in docs.values())
    contract = next(d for d in docs.values() if d["doc_type"] == "contract")
    assert contract["pages"] >= 2
    supplier = next(p for p in contract["parties"] if p["role"] == "supplier")
    assert supplier["bin"] is None and contract["amounts"]["currency"] != "KZT" and contract["amounts"]["vat"] == 0


def test_findings_follow_the_injected_defects(built):
    codes = sorted(f["code"] for f in built.expected["findings"])
    assert codes == ["AMOUNT_WORDS_MISMATCH", "DUPLICATE_DOCUMENT", "MISSING_TRANSLATION"]
    docs = built.expected["documents"]
    by_code = {f["code"]: f for f in built.expected["findings"]}
    missing = by_code["MISSING_TRANSLATION"]["file"]
    assert docs[missing]["doc_type"] == "invoice" and docs[missing]["language"] not in OWN
    assert all(d["translation_of"] != missing for d in docs.values())
    words = docs[by_code["AMOUNT_WORDS_MISMATCH"]["file"]]
    assert words["doc_type"] == "payment_order" and words["amount_words"]
    dup = by_code["DUPLICATE_DOCUMENT"]
    first, second = docs[dup["file"]], docs[dup["duplicate_of"]]
    assert {k: v for k, v in first.items() if k not in ("file_format", "pages")} == \
        {k: v for k, v in second.items() if k not in ("file_format", "pages")}


def test_the_family_covers_its_languages_certificates_and_layouts():
    """Across seeds: every language the family promises, every certificate place, Kazakh translations, payments
    as SWIFT copies and as transfer applications, foreign employees and domestic dossiers."""
    languages: set[str] = set()
    places: set[str] = set()
    payment_forms: set[str] = set()
    kinds: set[str] = set()
    translation_languages: set[str] = set()
    currencies: set[str] = set()
    for seed in range(60):
        plan = generate(DossierSpec(seed=seed, family="foreign"))
        kinds.add("employment" if plan.is_employment else "foreign" if plan.foreign_supplier else "domestic")
        for doc in plan.docs:
            languages.add(doc.language)
            if doc.money:
                currencies.add(doc.money.currency)
            look = doc.info.get("foreign", {})
            if doc.doc_type == "translation":
                places.add(look["certificate"])
                translation_languages.add(doc.language)
            if doc.doc_type == "payment_order":
                payment_forms.add(look.get("form", ""))
            if doc.language not in OWN and doc.doc_type != "translation":
                assert any(t.translation_of == doc.key for t in plan.docs) or doc.duplicate_of, (seed, doc.key)
    assert {"ru", "kk", "en", "de", "fr", "nl", "tr", "zh"} <= languages
    assert set(CERTIFICATE_PLACES) <= places and translation_languages == {"ru", "kk"}
    assert {"application", "mt103_ru", "mt103_en", "ru"} <= payment_forms
    assert kinds == {"employment", "foreign", "domestic"}
    assert {"USD", "EUR", "CNY", "TRY", "KZT"} <= currencies


def test_amounts_in_words_as_vendors_print_them():
    assert fmt.chinese_capital(Decimal(88000)) == "捌万捌仟圆整"
    assert fmt.chinese_capital(Decimal("10500.30")) == "壹万零伍佰圆叁角"
    assert fmt.chinese_capital(Decimal("120034.05")) == "壹拾贰万零叁拾肆圆零伍分"
    assert fmt.words(Decimal("12521.50"), "tr", "TRY") == "ONİKİBİNBEŞYÜZYİRMİBİR TÜRK LİRASI ELLİ KURUŞ"
    assert fmt.words(Decimal(2001), "ru", "TRY") == "Две тысячи одна турецкая лира 00 курушей"
    assert fmt.words(Decimal(12500), "en", "USD", style=1) == "US Dollars Twelve Thousand Five Hundred Only"
    assert fmt.money(Decimal("1234567.89"), "INR", "en", "sym_before") == "₹12,34,567.89"
    assert fmt.money(Decimal("4904.94"), "EUR", "de", "code_before") == "EUR 4.904,94"
    assert fmt.date(dt.date(2024, 3, 12), "zh", "zh") == "2024年3月12日"
    assert fmt.date(dt.date(2024, 3, 12), "de", "d. month y") == "12. März 2024"


def main(root: Path) -> int:
    """Check every dossier of a generated set; print the problems."""
    bad = 0
    for folder in sorted(p for p in root.iterdir() if (p / "expected.json").exists()):
        import json

        expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
        files = {name: (folder / name).read_bytes() for name in expected["documents"] if (folder / name).exists()}
        for problem in check_dossier(files, expected):
            bad += 1
            print(f"{folder.name}: {problem}")
    print(f"{bad} problems")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main(Path(sys.argv[1])))
