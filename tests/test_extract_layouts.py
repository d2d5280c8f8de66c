"""Parties and money on layouts the dev corpus does not have: side-by-side label/value blocks,
letterheads and addressees, and totals rows whose cells wrap."""

from __future__ import annotations

from extractors import extract_document
from extractors.synthetic import layout_document
from models.domain import DocType

CUSTOMER_BIN = "180240754302"
SUPPLIER_BIN = "870307318261"


def _party(doc, role):  # type: ignore[no-untyped-def]
    return next((p for p in doc.parties if p.role == role), None)


def test_label_centred_against_a_wrapped_value_block_reads_the_name_above_it() -> None:
    # The role label sits between the first and second line of its value cell (Р-1 style header).
    doc = extract_document(
        layout_document(
            "act.pdf",
            [
                (200, 40, "АКТ ВЫПОЛНЕННЫХ РАБОТ № 17"),
                (200, 54, "Дата: 03.04.2024"),
                (180, 100, "АО «Северный Элеватор», 150000, г. Петропавловск,"),
                (54, 106, "Покупатель"),
                (180, 112, "ул. Жамбыла, 12"),
                (54, 127, "БИН"),
                (180, 127, CUSTOMER_BIN),
                (180, 142, "ТОО «Кедр Сервис», 010000, г. Астана,"),
                (54, 148, "Подрядчик"),
                (180, 154, "пр. Абая, 3"),
                (54, 169, "БИН"),
                (180, 169, SUPPLIER_BIN),
                (300, 220, "Итого 1 000 000.00"),
            ],
        )
    )
    assert doc.doc_type == DocType.ACT_OF_WORK
    customer, supplier = _party(doc, "customer"), _party(doc, "supplier")
    assert customer is not None and customer.name is not None and "Северный Элеватор" in customer.name.value
    assert customer.bin is not None and customer.bin.value == CUSTOMER_BIN
    assert supplier is not None and supplier.name is not None and "Кедр Сервис" in supplier.name.value
    assert supplier.bin is not None and supplier.bin.value == SUPPLIER_BIN


def test_bill_to_block_and_letterhead_supplier() -> None:
    doc = extract_document(
        layout_document(
            "inv.pdf",
            [
                (50, 40, "Northwind Analytics GmbH"),
                (50, 55, "Hauptstrasse 5, 10115 Berlin, Germany"),
                (50, 80, "INVOICE"),
                (50, 100, "Invoice No. 2024-88"),
                (50, 115, "Date 12.03.2024"),
                (150, 140, f"Steppe Grain LLP, BIN {CUSTOMER_BIN}, 5 Abay Ave.,"),
                (50, 147, "Sold to"),
                (150, 154, "Almaty, Kazakhstan"),
                (60, 200, "TOTAL 12,500.00 EUR"),
            ],
        )
    )
    assert doc.doc_type == DocType.INVOICE
    customer, supplier = _party(doc, "customer"), _party(doc, "supplier")
    assert customer is not None and customer.name is not None and customer.name.value == "Steppe Grain LLP"
    assert customer.bin is not None and customer.bin.value == CUSTOMER_BIN
    assert supplier is not None and supplier.name is not None and supplier.name.value == "Northwind Analytics GmbH"


def test_addressee_of_a_report_is_the_customer() -> None:
    doc = extract_document(
        layout_document(
            "report.pdf",
            [
                (60, 40, f"ТОО «Кедр Сервис» БИН {SUPPLIER_BIN}, г. Астана"),
                (60, 70, "Исх. № 5 от 04.05.2024"),
                (260, 90, f"Руководителю АО «Северный Элеватор» (БИН {CUSTOMER_BIN})"),
                (200, 130, "Отчет о выполненных работах"),
                (60, 150, "Работы по договору № 7 от 01.02.2024 выполнены в полном объеме."),
            ],
        )
    )
    assert doc.doc_type == DocType.WORK_REPORT
    customer, supplier = _party(doc, "customer"), _party(doc, "supplier")
    assert customer is not None and customer.name is not None and "Северный Элеватор" in customer.name.value
    assert customer.bin is not None and customer.bin.value == CUSTOMER_BIN
    assert supplier is not None and supplier.name is not None and "Кедр Сервис" in supplier.name.value


def _invoice_with_totals(rows: list[tuple[float, float, str]]):  # type: ignore[no-untyped-def]
    head = [
        (50, 40, "СЧЕТ-ФАКТУРА № 31 от 02.02.2024"),
        (50, 60, f"Поставщик: ТОО «Кедр Сервис», БИН {SUPPLIER_BIN}"),
        (50, 75, f"Покупатель: АО «Северный Элеватор», БИН {CUSTOMER_BIN}"),
        (60, 100, "Наименование"),
        (250, 100, "Стоимость без НДС"),
        (400, 100, "Сумма НДС"),
        (500, 100, "Стоимость с НДС"),
    ]
    return extract_document(layout_document("sf.pdf", head + rows))


def test_totals_row_vat_cell_wrapped_over_two_lines_is_joined() -> None:
    doc = _invoice_with_totals(
        [
            (420, 189, "3 120"),
            (60, 200, "Итого"),
            (250, 200, "26 000 000.00"),
            (500, 200, "29 120 000.00"),
            (415, 211, "000.00"),
        ]
    )
    assert doc.amounts is not None
    assert doc.amounts.vat is not None and doc.amounts.vat.value == 3_120_000.00
    assert doc.amounts.vat.provenance is not None and doc.amounts.vat.raw == "3 120 000.00"
    assert doc.amounts.amount_without_vat is not None and doc.amounts.amount_without_vat.value == 26_000_000.00
    assert doc.amounts.total is not None and doc.amounts.total.value == 29_120_000.00


def test_header_without_vat_is_not_a_vat_free_statement() -> None:
    doc = _invoice_with_totals([(60, 200, "Итого"), (500, 200, "29 120 000.00")])
    assert doc.amounts is not None and doc.amounts.vat is not None
    # Nothing states the VAT: a zero is only an assumption and must not look like a reading.
    assert doc.amounts.vat.value != 0.0 or doc.amounts.vat.confidence < 0.5


def test_inconsistent_triple_is_not_confident() -> None:
    doc = _invoice_with_totals(
        [(60, 200, "Итого"), (250, 200, "26 000 000.00"), (400, 200, "3 000 000.00"), (500, 200, "29 500 000.00")]
    )
    amounts = doc.amounts
    assert amounts is not None and amounts.total is not None and amounts.vat is not None
    assert amounts.total.confidence < 0.5 and amounts.vat.confidence < 0.5


def test_triple_whose_total_and_base_agree_at_a_rate_keeps_the_printed_vat_trusted() -> None:
    # 26 000 000 × 1.12 = 29 120 000: total and base agree, so the printed VAT is the document's own
    # miscalculation (for the validators to report), not a misreading.
    doc = _invoice_with_totals(
        [(60, 200, "Итого"), (250, 200, "26 000 000.00"), (400, 200, "3 000 000.00"), (500, 200, "29 120 000.00")]
    )
    amounts = doc.amounts
    assert amounts is not None and amounts.total is not None and amounts.vat is not None
    assert amounts.vat.value == 3_000_000.00
    assert amounts.total.confidence >= 0.5 and amounts.vat.confidence >= 0.5


def test_explicit_vat_free_gives_zero() -> None:
    doc = _invoice_with_totals([(60, 200, "Итого"), (500, 200, "29 120 000.00"), (60, 215, "Без НДС")])
    assert doc.amounts is not None and doc.amounts.vat is not None
    assert doc.amounts.vat.value == 0.0 and doc.amounts.vat.confidence >= 0.9


def test_a_party_block_heading_over_name_and_identifier_rows() -> None:
    # An online-banking print-out: the role heads a block of label | value rows ("Наименование", "ИИН/БИН").
    for heading, name_label, payer in (
        ("Отправитель денег", "Наименование", "ТОО «Арал Сүт»"),
        ("Ақша жөнелтуші", "Атауы", "«Арал Сүт» ЖШС"),
    ):
        doc = extract_document(
            layout_document(
                "pp.pdf",
                [
                    (50, 40, "ПЛАТЕЖНОЕ ПОРУЧЕНИЕ № 1522"),
                    (50, 55, "Дата: 26.11.2022"),
                    (50, 80, heading),
                    (50, 95, name_label),
                    (170, 95, payer),
                    (50, 110, "ИИН/БИН"),
                    (170, 110, CUSTOMER_BIN),
                    (50, 135, "Бенефициар"),
                    (50, 150, name_label),
                    (170, 150, "ТОО «Квант Систем»"),
                    (50, 165, "ИИН/БИН"),
                    (170, 165, SUPPLIER_BIN),
                    (50, 190, "Сумма 1 396 640,00 KZT"),
                ],
            )
        )
        found, beneficiary = _party(doc, "payer"), _party(doc, "beneficiary")
        assert found is not None and found.name is not None and found.name.value == payer, heading
        assert found.bin is not None and found.bin.value == CUSTOMER_BIN
        assert beneficiary is not None and beneficiary.name is not None
        assert beneficiary.name.value == "ТОО «Квант Систем»"


def test_latin_names_with_compound_legal_forms_and_family_name_particles() -> None:
    from extractors.names import find_org_names

    def names(text: str) -> list[str]:
        return [n.name for n in find_org_names(text)]

    assert names("Seller: Lindner Automatisierung GmbH & Co. KG, Hamburg") == ["Lindner Automatisierung GmbH & Co. KG"]
    assert names("Supplier: Van der Meer Procesautomatisering B.V.") == ["Van der Meer Procesautomatisering B.V."]
    assert names("Meyer von der Heide GmbH") == ["Meyer von der Heide GmbH"]
    assert names("Vertrag mit der Weber GmbH") == ["Weber GmbH"]  # an article, not a particle


def test_a_vat_row_repeating_the_base_does_not_double_the_total() -> None:
    # "Всего с НДС" carries the word НДС and the base again; the VAT is the free row's 0,00.
    doc = extract_document(
        layout_document(
            "akt.pdf",
            [
                (50, 40, "АКТ ВЫПОЛНЕННЫХ РАБОТ № 384400"),
                (50, 55, "Дата: 12.05.2025"),
                (50, 300, "Итого без НДС / Total"),
                (400, 300, "65 100,00 EUR"),
                (50, 315, "Без НДС / VAT: not applicable"),
                (400, 315, "0,00 EUR"),
                (50, 330, "Всего с НДС / Total including VAT"),
                (400, 330, "65 100,00 EUR"),
            ],
        )
    )
    assert doc.amounts is not None and doc.amounts.total is not None
    assert doc.amounts.total.value == 65100.0
    assert doc.amounts.vat is not None and doc.amounts.vat.value == 0.0
