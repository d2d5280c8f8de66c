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


def test_shared_bank_requisites_do_not_outweigh_the_declared_document_type() -> None:
    # Two English documents between the same two companies, both with the parties' IBAN, SWIFT code
    # and BIN. The translation declares a contract; the contract is a scan whose OCR lost its number
    # and damaged its requisites, so the invoice shares more numbers with the translation than the
    # contract does — but they are the parties' numbers, not the document's.
    requisites = ["Beneficiary bank: Harbour Commercial Bank plc, SWIFT HCBKGB2L",
                  "IBAN GB29NWBK60161331926819", "Customer BIN 120240075230, IBAN KZ818563260060105101"]
    contract = lines_document(
        "scan_0007.pdf",
        ["SERVICE AGREEMENT", "London, 3 March 2023", "Between Kestrel Process Advisory Ltd (Contractor)",
         "and Aral Feed Mills LLP (Customer)", "The contract price is USD 48,500.00",
         "Beneficiary bank: Harbour Commercial Bank plc, SWlFT HCBKG82L", "lBAN G829NWBK6O161331926819"],
    )
    invoice = lines_document(
        "att_2.pdf",
        ["INVOICE No. KPA-0912", "Date: 30 June 2023", "Kestrel Process Advisory Ltd", "Bill to: Aral Feed Mills LLP",
         "Total due USD 48,500.00", *requisites],
    )
    translation = lines_document(
        "perevod.pdf",
        ["Перевод с английского языка на русский язык", "ДОГОВОР НА ОКАЗАНИЕ УСЛУГ", "г. Лондон, 03.03.2023",
         "ТОО «Арал Фид Миллс» (Заказчик) и Kestrel Process Advisory Ltd (Исполнитель)",
         "Цена договора составляет 48 500,00 долларов США",
         "Банк получателя: Harbour Commercial Bank plc, SWIFT HCBKGB2L, IBAN GB29NWBK60161331926819",
         "БИН Заказчика 120240075230, ИИК KZ818563260060105101"],
    )
    texts = {d.file: d for d in (contract, invoice, translation)}
    docs = [extract_document(t) for t in texts.values()]
    by_file = {d.file: d for d in docs}
    assert by_file["scan_0007.pdf"].doc_type == DocType.CONTRACT
    assert by_file["att_2.pdf"].doc_type == DocType.INVOICE
    link_translations(docs, texts)
    assert by_file["perevod.pdf"].translation_of == "scan_0007.pdf"


def test_a_translation_that_names_what_it_translates_prefers_an_original_of_that_type() -> None:
    # The foreign invoice cites the contract's number, date, sum and term; the contract is a scan whose
    # OCR damaged its number and lost the term line. On shared evidence alone the contract's
    # translation fits the invoice better than the contract it translates.
    contract = lines_document(
        "scan_a.pdf",
        ["CONSULTING AGREEMENT No. CA-552l", "Singapore, 14 March 2023", "Orchid Lean Partners Pte. Ltd.",
         "and Ertis Paper LLP", "Total fee USD 61,000.00"],
    )
    invoice = lines_document(
        "att_b.pdf",
        ["INVOICE No. OLP-2023-044", "Date: 2 October 2023", "Orchid Lean Partners Pte. Ltd.",
         "Bill to: Ertis Paper LLP", "Under Consulting Agreement No. CA-5521 of 14 March 2023",
         "Contract fee USD 61,000.00", "Amount due USD 61,000.00", "Services until 30 September 2023"],
    )
    translation = lines_document(
        "perevod_1.pdf",
        ["Перевод с английского языка на русский язык", "ДОГОВОР НА КОНСАЛТИНГОВЫЕ УСЛУГИ № CA-5521",
         "г. Сингапур, 14.03.2023", "Orchid Lean Partners Pte. Ltd. и ТОО «Эртис Пэйпер»",
         "Общее вознаграждение 61 000,00 долларов США", "Срок: до 30.09.2023"],
    )
    texts = {d.file: d for d in (contract, invoice, translation)}
    docs = [extract_document(t) for t in texts.values()]
    by_file = {d.file: d for d in docs}
    assert (by_file["scan_a.pdf"].doc_type, by_file["att_b.pdf"].doc_type) == (DocType.CONTRACT, DocType.INVOICE)
    link_translations(docs, texts)
    assert by_file["perevod_1.pdf"].translation_of == "scan_a.pdf"
