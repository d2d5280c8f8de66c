"""Party requisites, VAT, payroll columns and contract numbers on layouts and damage the dev corpus
does not show: numbered e-invoice fields, signature blocks with a BIN but no name, OCR-torn labels,
table rules read as "|", VAT lines torn off their label, payroll titles that name a column's word."""

from __future__ import annotations

import datetime as dt

from extractors import extract_document, reconcile_contract_numbers
from extractors.dossier import same_printed_number
from extractors.references import find_contract_refs
from extractors.synthetic import layout_document, lines_document
from extractors.vocabulary import ocr_tolerant
from models.domain import ContractRef, DocType, DocumentExtraction, ExtractedValue, Party, TextSource
from tests.fixtures.validator_samples import CONTRACT_DATE, CONTRACT_NO, works_dossier
from validators import check_dossier

SUPPLIER_BIN = "180240754302"
CUSTOMER_BIN = "870307318261"
PAYER_BIN = "990140003438"


def _party(doc: DocumentExtraction, role: str) -> Party | None:
    return next((p for p in doc.parties if p.role == role), None)


def _bin(doc: DocumentExtraction, role: str) -> str | None:
    party = _party(doc, role)
    return None if party is None or party.bin is None else str(party.bin.value)


def test_numbered_invoice_fields_with_the_bin_above_the_party_label() -> None:
    # Russian numbered e-invoice print: "6. БИН" over "7. Поставщик", a section heading per party.
    doc = extract_document(
        lines_document(
            "sf.pdf",
            [
                "СЧЕТ-ФАКТУРА",
                "1. № 4471",
                "2. Дата выписки 14.03.2024",
                "Раздел B. Реквизиты поставщика",
                f"6. БИН {SUPPLIER_BIN}",
                "7. Поставщик ТОО «Кедр Сервис»",
                "8. Адрес г. Астана, пр. Абая, 3",
                "13. ИИК KZ849658910129890701",
                "Раздел C. Реквизиты получателя",
                f"16. БИН {CUSTOMER_BIN}",
                "17. Получатель АО «Северный Элеватор»",
                "18. Адрес г. Петропавловск, ул. Жамбыла, 12",
                "Раздел E. Договор (контракт)",
                "27.3. № 15/24",
                "27.4. Дата 01.02.2024",
                "Всего по счету 1 000 000,00 120 000,00 1 120 000,00",
            ],
        )
    )
    assert doc.doc_type == DocType.INVOICE
    assert _bin(doc, "supplier") == SUPPLIER_BIN
    assert _bin(doc, "customer") == CUSTOMER_BIN
    assert doc.contract_ref is not None and doc.contract_ref.number is not None
    assert doc.contract_ref.number.value == "15/24"
    assert doc.contract_ref.date is not None and str(doc.contract_ref.date.value) == "2024-02-01"


def test_kazakh_numbered_invoice_heading_closes_the_previous_party_block() -> None:
    # "Алушының деректемелері" (the recipient's requisites) ends the supplier's block even though its
    # BIN line comes before the recipient's own label.
    doc = extract_document(
        lines_document(
            "shot.pdf",
            [
                "ШОТ-ФАКТУРА",
                "1. № 206",
                "2. Жазылған күні 03.06.2023",
                "B бөлімі. Жеткізушінің деректемелері",
                "7. Жеткізуші «Кедр Сервис» ЖШС",
                "8. Мекенжайы Астана қ., Абай д-лы, 3",
                "C бөлімі. Алушының деректемелері",
                f"16. ЖСН/БСН {CUSTOMER_BIN}",
                "17. Алушы «Северный Элеватор» АҚ",
                "Шот бойынша барлығы 1 000 000,00 120 000,00 1 120 000,00",
            ],
        )
    )
    assert doc.doc_type == DocType.INVOICE
    assert _bin(doc, "customer") == CUSTOMER_BIN
    assert _bin(doc, "supplier") is None  # its block prints none: never the recipient's


def test_signature_block_bin_under_a_role_label_without_a_name() -> None:
    doc = extract_document(
        layout_document(
            "report.jpg",
            [
                (150, 40, "ОТЧЕТ О ВЫПОЛНЕННЫХ РАБОТАХ"),
                (50, 70, "Настоящий отчет подготовлен ТОО «Кедр Сервис» (Исполнитель) для АО «Северный"),
                (50, 84, "Элеватор» (Заказчик) по договору № 7/24 от 05.01.2024."),
                (50, 130, "Исполнитель:"),
                (330, 130, "Заказчик:"),
                (90, 146, f"БИН {SUPPLIER_BIN}"),
                (90, 160, "М.П."),
                (50, 176, "________ / Ким А.А. /"),
                (330, 176, "________ / Ли Б.Б. /"),
            ],
            source=TextSource.OCR,
            confidence=0.9,
        )
    )
    assert _bin(doc, "supplier") == SUPPLIER_BIN
    assert _bin(doc, "customer") is None


def test_signature_block_bin_failing_its_check_digit_is_not_taken() -> None:
    misread = SUPPLIER_BIN[:-1] + str((int(SUPPLIER_BIN[-1]) + 3) % 10)
    doc = extract_document(
        layout_document(
            "report.jpg",
            [
                (150, 40, "ОТЧЕТ О ВЫПОЛНЕННЫХ РАБОТАХ"),
                (50, 70, "Настоящий отчет подготовлен ТОО «Кедр Сервис» (Исполнитель) для АО «Северный"),
                (50, 84, "Элеватор» (Заказчик) по договору № 7/24 от 05.01.2024."),
                (50, 130, "Исполнитель:"),
                (90, 146, f"БИН {misread}"),
            ],
            source=TextSource.OCR,
            confidence=0.9,
        )
    )
    assert all(p.bin is None for p in doc.parties)


def test_payment_order_payer_with_a_torn_name_is_kept_by_its_bin() -> None:
    # OCR split the label's first letter off ("О тправитель") and lost the name's closing quote.
    doc = extract_document(
        layout_document(
            "pp.jpg",
            [
                (200, 30, "ПЛАТЕЖНОЕ ПОРУЧЕНИЕ № 518"),
                (200, 44, "Дата: 11.04.2024"),
                (50, 70, "О тправитель денег: ТОО «Степной"),
                (330, 70, "ИИН/БИН"),
                (330, 84, PAYER_BIN),
                (50, 100, "Бенефициар: ТОО «Кедр Сервис»"),
                (330, 100, "ИИН/БИН"),
                (330, 114, SUPPLIER_BIN),
                (50, 140, "Сумма: 1 120 000,00 KZT"),
            ],
            source=TextSource.OCR,
            confidence=0.9,
        )
    )
    assert doc.doc_type == DocType.PAYMENT_ORDER
    payer = _party(doc, "payer")
    assert payer is not None and payer.name is None and _bin(doc, "payer") == PAYER_BIN
    assert _bin(doc, "beneficiary") == SUPPLIER_BIN


def test_ocr_tolerant_label_pattern() -> None:
    assert ocr_tolerant(r"отправитель\s+денег") == r"о\s?тправитель\s+денег"
    assert ocr_tolerant("БИН") == "БИН"  # short words would match too much
    assert ocr_tolerant("[üu]berweisung") == "[üu]berweisung"


def test_table_rules_read_as_bars_separate_cells() -> None:
    # "| Номер документа | Дата составления |" over "| 152 | 18.07.2024 |": the bars are cell borders.
    doc = extract_document(
        layout_document(
            "akt.jpg",
            [
                (40, 40, "Заказчик ТОО «Кедр Сервис»"),
                (40, 56, "Договор (контракт) № 7/24 от 05.01.2024"),
                (300, 80, "|"),
                (315, 80, "Номер документа"),
                (400, 80, "|"),
                (415, 80, "Дата составления"),
                (500, 80, "|"),
                (300, 94, "|"),
                (320, 94, "152"),
                (400, 94, "|"),
                (420, 94, "18.07.2024"),
                (500, 94, "|"),
                (150, 120, "АКТ ВЫПОЛНЕННЫХ РАБОТ (ОКАЗАННЫХ УСЛУГ)"),
                (40, 160, "Итого 1 000 000,00"),
            ],
            source=TextSource.OCR,
            confidence=0.9,
        )
    )
    assert doc.doc_type == DocType.ACT_OF_WORK
    assert doc.number is not None and doc.number.value == "152"


def test_payment_vat_torn_from_its_label_is_found_by_arithmetic() -> None:
    doc = extract_document(
        lines_document(
            "pp.jpg",
            [
                "ПЛАТЕЖНОЕ ПОРУЧЕНИЕ № 77",
                "Дата: 11.04.2024",
                "Сумма: 2 508 800,00 KZT",
                "Назначение платежа: оплата по договору № 7/24 от 05.01.2024, в",
                "сте? % 268 800,00",
            ],
            source=TextSource.OCR,  # OCR tore the label: only a scan can lose it
        )
    )
    assert doc.amounts is not None and doc.amounts.vat is not None
    assert doc.amounts.vat.value == 268800.0
    assert doc.amounts.amount_without_vat is not None and doc.amounts.amount_without_vat.value == 2240000.0


def test_miscalculated_vat_keeps_total_and_base_trusted() -> None:
    # Without VAT × 1.12 = total: the printed VAT is the document's error, not a misreading.
    doc = extract_document(
        lines_document(
            "sf.pdf",
            [
                "СЧЕТ-ФАКТУРА № 12 от 01.03.2024",
                "Поставщик: ТОО «Кедр Сервис»",
                "Получатель: АО «Северный Элеватор»",
                "Итого 1 000 000,00 150 000,00 1 120 000,00",
            ],
        )
    )
    a = doc.amounts
    assert a is not None and a.vat is not None and a.total is not None and a.amount_without_vat is not None
    assert (a.amount_without_vat.value, a.vat.value, a.total.value) == (1000000.0, 150000.0, 1120000.0)
    assert min(a.vat.confidence, a.total.confidence, a.amount_without_vat.confidence) >= 0.5


def test_payroll_title_naming_a_column_word_is_not_the_column_header() -> None:
    doc = extract_document(
        layout_document(
            "vedomost.pdf",
            [
                (40, 30, "ТОО «Кедр Сервис», БИН " + SUPPLIER_BIN),
                (40, 46, "Ведомость начисления и удержания заработной платы"),
                (40, 60, "за март 2024 г."),
                (330, 84, "Всего"),
                (40, 92, "№ Ф.И.О. Начислено ОПВ 10% ИПН 10%"),
                (475, 92, "К выплате"),
                (325, 100, "удержано"),
                (40, 116, "1 Ким Алия Сергеевна 500 000.00 50 000.00 45 000.00 95 000.00 405 000.00"),
                (40, 132, "2 Ли Борис Олегович 300 000.00 30 000.00 27 000.00 57 000.00 243 000.00"),
                (40, 148, "ИТОГО 800 000.00 80 000.00 72 000.00 152 000.00 648 000.00"),
            ],
        )
    )
    assert doc.doc_type == DocType.PAYROLL
    totals = doc.payroll_totals
    assert totals is not None and totals.withheld is not None and totals.net is not None
    assert totals.withheld.value == 152000.0
    assert totals.net.value == 648000.0


def test_contract_number_in_numbered_form_fields() -> None:
    refs = find_contract_refs("Договор (контракт)\n27.3. № ДУ-2022/177\n27.4. Дата 27.06.2022\n")
    assert [(r.number, str(r.date)) for r in refs] == [("ДУ-2022/177", "2022-06-27")]
    # A numbered list that mentions a contract does not make the next item's number a reference.
    assert find_contract_refs("2. Договор\n3. Платежное поручение № 2314 от 01.02.2022") == []


def test_same_printed_number_folds_only_look_alike_characters() -> None:
    assert same_printed_number("К2-2023-052", "KZ-2023-052")
    assert same_printed_number("К7-2024-015", "KZ-2024-015")
    assert same_printed_number("79-TO", "79-ТО")
    assert not same_printed_number("2023", "2024")  # a digit for a digit is another number
    assert not same_printed_number("AB-1", "AC-1")


def _doc(name: str, fmt: str, doc_type: DocType, number: str, ref: str | None = None) -> DocumentExtraction:
    doc = DocumentExtraction(file=name, file_format=fmt, doc_type=doc_type)
    if doc_type == DocType.CONTRACT:
        doc.number = ExtractedValue(value=number, raw=number)
    if ref is not None:
        doc.contract_ref = ContractRef(number=ExtractedValue(value=ref, raw=ref, confidence=0.9))
    return doc


def test_reconcile_contract_numbers_repairs_ocr_readings_only() -> None:
    contract = _doc("dogovor.pdf", "pdf_text", DocType.CONTRACT, "KZ-2023-052")
    scan = _doc("akt.jpg", "image_jpg", DocType.ACT_OF_WORK, "", ref="К2-2023-052")
    other = _doc("pp.jpg", "image_jpg", DocType.PAYMENT_ORDER, "", ref="KZ-2023-053")
    reconcile_contract_numbers([contract, scan, other])
    assert scan.contract_ref is not None and scan.contract_ref.number is not None
    assert scan.contract_ref.number.value == "KZ-2023-052"
    assert scan.contract_ref.number.raw == "К2-2023-052"  # as OCR read it
    assert scan.contract_ref.number.confidence < 0.9
    # A digit for a digit is another contract: left for the validators to report.
    assert other.contract_ref is not None and other.contract_ref.number is not None
    assert other.contract_ref.number.value == "KZ-2023-053"
    # A text layer is read exactly: what it prints stays, even a letter O among digits.
    text = _doc("sf.pdf", "pdf_text", DocType.INVOICE, "", ref="KZ-2O23-052")
    reconcile_contract_numbers([contract, text])
    assert text.contract_ref is not None and text.contract_ref.number is not None
    assert text.contract_ref.number.value == "KZ-2O23-052"


def test_reconcile_contract_numbers_leaves_an_ambiguous_reading() -> None:
    first = _doc("dogovor.pdf", "pdf_text", DocType.CONTRACT, "KZ-2023-052")
    second = _doc("dop.pdf", "pdf_text", DocType.CONTRACT, "K2-2023-052")
    scan = _doc("akt.jpg", "image_jpg", DocType.ACT_OF_WORK, "", ref="К2-2023-052")
    reconcile_contract_numbers([first, second, scan])
    assert scan.contract_ref is not None and scan.contract_ref.number is not None
    assert scan.contract_ref.number.value == "К2-2023-052"


def test_a_scanned_contract_whose_number_ocr_lost_takes_the_number_its_dossier_cites() -> None:
    application, docs = works_dossier()
    by_file = {d.file: d for d in docs}
    contract = by_file["dogovor.pdf"]
    contract.file_format, contract.number = "pdf_scan", None  # OCR lost the number, kept the date
    late = by_file["pp_102.pdf"]
    assert late.contract_ref is not None
    late.contract_ref.date = ExtractedValue(value=dt.date(2023, 3, 11), raw="11.03.2023")  # the defect
    reconcile_contract_numbers(docs)
    assert contract.number is not None and contract.number.value == CONTRACT_NO
    assert contract.number.raw is None and contract.number.provenance is None  # inferred, not read
    assert contract.number.confidence <= 0.5
    findings = [(f.code, f.file) for f in check_dossier(application, docs).findings]
    assert ("WRONG_CONTRACT_REFERENCE", "pp_102.pdf") in findings
    assert contract.date is not None and contract.date.value == CONTRACT_DATE


def test_a_lost_contract_number_is_not_inferred_from_one_citation_or_from_a_text_layer() -> None:
    _, docs = works_dossier()
    contract = next(d for d in docs if d.file == "dogovor.pdf")
    cited = [d for d in docs if d.contract_ref is not None and d.file != "pp_101.pdf"]
    for doc in cited:
        doc.contract_ref = None  # only pp_101 still cites the contract: one citation is not enough
    contract.file_format, contract.number = "pdf_scan", None
    reconcile_contract_numbers(docs)
    assert contract.number is None
    _, docs = works_dossier()
    contract = next(d for d in docs if d.file == "dogovor.pdf")
    contract.file_format, contract.number = "pdf_text", None  # a text layer printing no number
    reconcile_contract_numbers(docs)
    assert contract.number is None


def test_a_scanned_contract_date_two_citations_contradict_is_inferred_from_them() -> None:
    application, docs = works_dossier()
    by_file = {d.file: d for d in docs}
    contract = by_file["dogovor.pdf"]
    citing = [d for d in docs if d.contract_ref is not None and d.contract_ref.date is not None]
    assert len(citing) >= 2 and all(str(d.contract_ref.date.value) == str(CONTRACT_DATE) for d in citing)
    # OCR took an appendix's date on page 3 for the contract's date.
    contract.file_format = "pdf_scan"
    contract.date = ExtractedValue(value=dt.date(2023, 12, 10), raw="10.12.2023", confidence=0.93)
    reconcile_contract_numbers(docs)
    assert contract.date.value == CONTRACT_DATE and contract.date.raw is None and contract.date.confidence <= 0.5
    codes = {f.code for f in check_dossier(application, docs).findings}
    assert "WRONG_CONTRACT_REFERENCE" not in codes and "PAYMENT_BEFORE_CONTRACT" not in codes


def test_a_contract_date_is_kept_when_read_from_a_text_layer_or_contradicted_once() -> None:
    _, docs = works_dossier()
    contract = next(d for d in docs if d.file == "dogovor.pdf")
    misread = ExtractedValue(value=dt.date(2023, 12, 10), raw="10.12.2023", confidence=0.93)
    contract.date = misread.model_copy()  # a text layer prints what it prints
    reconcile_contract_numbers(docs)
    assert contract.date.value == dt.date(2023, 12, 10)
    _, docs = works_dossier()
    contract = next(d for d in docs if d.file == "dogovor.pdf")
    contract.file_format, contract.date = "pdf_scan", misread.model_copy()
    citing = [d for d in docs if d.contract_ref is not None and d.contract_ref.date is not None]
    for doc in citing[1:]:
        doc.contract_ref = None  # one citation could be the defect itself
    reconcile_contract_numbers(docs)
    assert contract.date.value == dt.date(2023, 12, 10)


def test_a_text_layer_contract_date_the_citations_and_its_own_text_agree_on_is_taken() -> None:
    application, docs = works_dossier()
    contract = next(d for d in docs if d.file == "dogovor.pdf")
    # The date reader took the signing date on the last page; the contract prints its own date in its header.
    contract.date = ExtractedValue(value=dt.date(2023, 12, 10), raw="10.12.2023", confidence=0.95)
    printed = layout_document(
        "dogovor.pdf", [(50, 40, f"ДОГОВОР № {CONTRACT_NO} от {CONTRACT_DATE:%d.%m.%Y}"), (50, 700, "10.12.2023")]
    )
    defect = next(d for d in docs if d.file == "pp_102.pdf")
    assert defect.contract_ref is not None
    defect.contract_ref.date = ExtractedValue(value=dt.date(2023, 3, 11), raw="11.03.2023")  # the applicant's error
    reconcile_contract_numbers(docs, {"dogovor.pdf": printed})
    assert contract.date.value == CONTRACT_DATE and contract.date.confidence >= 0.5
    findings = [(f.code, f.file) for f in check_dossier(application, docs).findings]
    assert ("WRONG_CONTRACT_REFERENCE", "pp_102.pdf") in findings  # a third date is still reported
    assert [f for f in findings if f[0] == "WRONG_CONTRACT_REFERENCE"] == [("WRONG_CONTRACT_REFERENCE", "pp_102.pdf")]
    # Without the contract's text to corroborate, a text layer's date stays as printed.
    _, docs = works_dossier()
    contract = next(d for d in docs if d.file == "dogovor.pdf")
    contract.date = ExtractedValue(value=dt.date(2023, 12, 10), raw="10.12.2023", confidence=0.95)
    reconcile_contract_numbers(docs, {"dogovor.pdf": layout_document("dogovor.pdf", [(50, 40, "ДОГОВОР")])})
    assert contract.date.value == dt.date(2023, 12, 10)


def test_a_reference_number_at_the_edge_of_the_keyword_window_is_read_whole() -> None:
    # "Контракт" heads a wide table row; its number stands on the next line, past the 70-character window.
    text = "Contract / Контракт  Currency / Валюта  Terms of payment / Условия оплаты\nNo. 100/2023-EXP dated 28 July"
    refs = find_contract_refs(text)
    assert refs and refs[0].number == "100/2023-EXP"


def test_a_basis_field_naming_the_contract_by_number_and_date_is_a_reference() -> None:
    refs = find_contract_refs("АКТ № 14\nОснование № 178-У/2023 от 06.07.2023\nИтого 1 000,00")
    assert [(r.number, str(r.date)) for r in refs] == [("178-У/2023", "2023-07-06")]
    kazakh = find_contract_refs("3. Негіздеме: № ДУ-2022/180 07.08.2022")
    assert [(r.number, str(r.date)) for r in kazakh] == [("ДУ-2022/180", "2022-08-07")]
    # A power of attorney the signatory acts on is not the contract; nor is a basis that is an order.
    assert find_contract_refs("действующего на основании доверенности № 15 от 10.01.2023") == []
    assert find_contract_refs("Основание: приказ № 12 от 01.02.2023") == []
    # A reference by the word "договор" is preferred to a basis field.
    both = find_contract_refs("по договору № 5 от 01.02.2022\nОснование № 7 от 01.01.2022")
    assert [r.number for r in both] == ["5"]


def test_an_act_whose_contract_is_named_only_in_its_basis_field_refers_to_it() -> None:
    doc = extract_document(
        lines_document(
            "akt_9.pdf",
            ["АКТ ВЫПОЛНЕННЫХ РАБОТ (ОКАЗАННЫХ УСЛУГ) № 9 от 30.11.2023",
             "Исполнитель: ТОО «Тобол Сервис» БИН 150240690367",
             "Заказчик: ТОО «Ертіс Қағаз» БИН 130240964630",
             "Основание № 44-У/2023 от 12.09.2023",
             "Итого 2 240 000,00 в т.ч. НДС 240 000,00"],
        )
    )
    assert doc.contract_ref is not None and doc.contract_ref.number is not None
    assert doc.contract_ref.number.value == "44-У/2023"
    assert doc.date is not None and str(doc.date.value) == "2023-11-30"  # not the contract's date


def test_a_contract_date_after_a_wrapped_label_cell_and_a_kazakh_basis_field() -> None:
    # Reading order of a two-column form: the left column's label ("Назначение") between the number
    # and "от DATE" of the purpose text.
    wrapped = find_contract_refs("Зарплата за май по трудовому договору № ТД-7/24\nНазначение\nот 03.01.2024\nКод 311")
    assert [(r.number, str(r.date)) for r in wrapped] == [("ТД-7/24", "2024-01-03")]
    # A line with figures in between is another field, not a label: no date is linked across it.
    apart = find_contract_refs("по договору № 5\nИтого к оплате 1 000\nот 01.02.2022")
    assert [(r.number, r.date) for r in apart] == [("5", None)]
    kazakh = find_contract_refs("Негіздеме 2023 жылғы 9 наурыз № 81/23\nАВР-5 13.10.2023")
    assert [(r.number, str(r.date)) for r in kazakh] == [("81/23", "2023-03-09")]
