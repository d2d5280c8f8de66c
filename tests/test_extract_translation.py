"""Pairing translations with their foreign-language originals by content, not by file name."""

from __future__ import annotations

from extractors import extract_document, link_translations
from extractors.synthetic import lines_document
from models.domain import DocType

# File names are deliberately misleading: the "invoice" file is the contract and vice versa.
ORIGINALS = {
    "scan_01.pdf": lines_document(
        "scan_01.pdf",
        ["INVOICE No. INV-2024-190", "Date August 5, 2024", "Seller Lean Excellence Consulting Ltd",
         "Contract No. KZ-2024-015 / 25.04.2024", "TOTAL USD 124,200.00"],
    ),
    "invoice.pdf": lines_document(
        "invoice.pdf",
        ["服务合同", "合同编号：482/2023", "签订地点：无锡市 2023年10月14日", "本合同总金额为CNY 107,300.00"],
    ),
}
TRANSLATIONS = {
    "perevod_invoice.pdf": lines_document(
        "perevod_invoice.pdf",
        ["Перевод с китайского языка на русский язык", "ДОГОВОР № 482/2023", "г. Уси 14.10.2023",
         "Общая сумма договора составляет 107 300,00 юаней"],
    ),
    "perevod_2.pdf": lines_document(
        "perevod_2.pdf",
        ["Перевод с английского языка на русский язык", "ИНВОЙС № INV-2024-190 от 05.08.2024",
         "по контракту № KZ-2024-015 от 25.04.2024", "Итого 124 200,00 долларов США"],
    ),
}


def test_translations_link_to_originals_by_content() -> None:
    texts = {**ORIGINALS, **TRANSLATIONS}
    docs = [extract_document(t) for t in texts.values()]
    link_translations(docs, texts)
    by_file = {d.file: d for d in docs}
    assert by_file["perevod_invoice.pdf"].doc_type == DocType.TRANSLATION
    assert by_file["perevod_invoice.pdf"].translation_of == "invoice.pdf"
    assert by_file["perevod_2.pdf"].translation_of == "scan_01.pdf"
    assert by_file["scan_01.pdf"].translation_of is None


def test_translation_without_a_matching_original_stays_unlinked() -> None:
    orphan = lines_document(
        "perevod_x.pdf", ["Перевод с немецкого языка на русский язык", "ДОГОВОР № EXP-1", "Итого 5 000,00"]
    )
    texts = {**ORIGINALS, "perevod_x.pdf": orphan}
    docs = [extract_document(t) for t in texts.values()]
    link_translations(docs, texts)
    assert next(d for d in docs if d.file == "perevod_x.pdf").translation_of is None
