"""Field extraction on small hand-made documents in different layouts and wordings.

Each case is written twice (or more) in layouts the corpus does not use: label-value lines vs
two-column tables with role headers, labels above values, reordered blocks, other synonyms. The
same values must come out of every layout, so a reading tied to one template fails here.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from extractors import extract_document, link_translations
from extractors.synthetic import layout_document, lines_document
from models.domain import DocType, DocumentExtraction, TextSource

SUPPLIER_BIN = "111040086517"
CUSTOMER_BIN = "100640558769"
SUPPLIER_IBAN = "KZ685511883060648324"


def parties(doc: DocumentExtraction) -> dict[str, tuple[str | None, str | None]]:
    return {
        p.role: (p.name.value if p.name else None, p.bin.value if p.bin else None) for p in doc.parties
    }


def amounts(doc: DocumentExtraction) -> tuple[float | None, float | None, float | None, str | None]:
    a = doc.amounts
    assert a is not None
    v = lambda x: None if x is None else x.value
    return v(a.total), v(a.vat), v(a.amount_without_vat), v(a.currency)


# ---------------------------------------------------------------------- invoice in three layouts

INVOICE_KEY_VALUE = lines_document(
    "sf.pdf",
    [
        "СЧЕТ-ФАКТУРА № 77 от 15.03.2023",
        "Поставщик: ТОО «Альфа Сервис»",
        f"БИН: {SUPPLIER_BIN}",
        f"ИИК: {SUPPLIER_IBAN} в АО «Народный Банк Казахстана», БИК HSBKKZKX",
        "Покупатель: АО «Бета Групп»",
        f"БИН: {CUSTOMER_BIN}",
        "Договор (контракт) на поставку: № 12/23 от 01.02.2023",
        "№ Наименование Кол-во Цена Стоимость без НДС Сумма НДС Всего с НДС",
        "1 Энергоаудит 1 1 000 000,00 1 000 000,00 120 000,00 1 120 000,00",
        "Итого 1 000 000,00 120 000,00 1 120 000,00",
    ],
)

INVOICE_TWO_COLUMNS = layout_document(
    "invoice_scan.pdf",
    [
        (220, 30, "Счет-фактура"),
        (60, 55, "Номер документа"),
        (300, 55, "Дата составления"),
        (80, 68, "77"),
        (310, 68, "15.03.2023"),
        (60, 95, "Продавец"),
        (330, 95, "Покупатель"),
        (60, 108, "ТОО «Альфа Сервис»"),
        (330, 108, "АО «Бета Групп»"),
        (60, 121, f"БИН {SUPPLIER_BIN}"),
        (330, 121, f"БИН {CUSTOMER_BIN}"),
        (60, 134, f"IBAN {SUPPLIER_IBAN}"),
        (60, 160, "Основание: контракт № 12/23 от 01.02.2023"),
        (60, 190, "Всего к оплате: 1 120 000,00 тенге"),
        (60, 203, "в том числе НДС 12% – 120 000,00"),
    ],
)

INVOICE_KAZAKH = lines_document(
    "shot.pdf",
    [
        "15.03.2023 № 77 ШОТ-ФАКТУРА",
        "Жеткізуші: «Альфа Сервис» ЖШС",
        f"БСН: {SUPPLIER_BIN}",
        "Сатып алушы: «Бета Групп» АҚ",
        f"БСН: {CUSTOMER_BIN}",
        "Шарт (келісімшарт): 01.02.2023 № 12/23",
        "Жиыны 1 000 000,00 120 000,00 1 120 000,00",
    ],
)


@pytest.mark.parametrize("doc", [INVOICE_KEY_VALUE, INVOICE_TWO_COLUMNS, INVOICE_KAZAKH], ids=["kv", "columns", "kk"])
def test_invoice_same_values_in_every_layout(doc) -> None:  # type: ignore[no-untyped-def]
    x = extract_document(doc)
    assert x.doc_type == DocType.INVOICE
    assert x.number is not None and x.number.value == "77"
    assert x.date is not None and x.date.value == dt.date(2023, 3, 15)
    got = parties(x)
    assert got["supplier"][1] == SUPPLIER_BIN
    assert got["customer"][1] == CUSTOMER_BIN
    assert "Альфа Сервис" in (got["supplier"][0] or "")
    assert "Бета Групп" in (got["customer"][0] or "")
    assert amounts(x) == (1120000.0, 120000.0, 1000000.0, "KZT")
    assert x.contract_ref is not None and x.contract_ref.number is not None
    assert x.contract_ref.number.value == "12/23"
    assert x.contract_ref.date is not None and x.contract_ref.date.value == dt.date(2023, 2, 1)


def test_provenance_points_at_the_words() -> None:
    x = extract_document(INVOICE_TWO_COLUMNS)
    assert x.number is not None and x.number.provenance is not None
    box = x.number.provenance.bbox
    assert box is not None and box.x0 == pytest.approx(80) and box.y0 == pytest.approx(68)
    customer = next(p for p in x.parties if p.role == "customer")
    assert customer.bin is not None and customer.bin.provenance is not None
    assert customer.bin.provenance.bbox is not None and customer.bin.provenance.bbox.x0 > 300


# ---------------------------------------------------------------------- payment orders


PAYMENT_ROWS = lines_document(
    "pp.pdf",
    [
        "ПЛАТЕЖНОЕ ПОРУЧЕНИЕ № 345",
        "Дата: 20.04.2023",
        f"Плательщик: АО «Бета Групп» БИН {CUSTOMER_BIN}",
        f"Получатель денег: ТОО «Альфа Сервис» БИН {SUPPLIER_BIN} ИИК {SUPPLIER_IBAN}",
        "Сумма: 560 000-00 KZT",
        "Код назначения платежа 859",
        "Назначение платежа: оплата по договору № 12/23 от 01.02.2023, в т.ч. НДС 12% – 60 000,00",
    ],
)

PAYMENT_KAZAKH_GRID = layout_document(
    "tt.jpg",
    [
        (60, 30, "ТӨЛЕМ ТАПСЫРМАСЫ № 345"),
        (60, 45, "Күні: 20.04.2023"),
        (60, 70, "Төлеуші:"),
        (250, 70, "БСН"),
        (60, 83, "«Бета Групп» АҚ"),
        (250, 83, CUSTOMER_BIN),
        (60, 110, "Бенефициар:"),
        (250, 110, "БСН"),
        (60, 123, "«Альфа Сервис» ЖШС"),
        (250, 123, SUPPLIER_BIN),
        (60, 150, "Сомасы: 560 000,00 теңге"),
        (60, 165, "Төлемнің мақсаты: 01.02.2023 № 12/23 шарт бойынша төлем, оның ішінде ҚҚС 12% – 60 000,00"),
    ],
    source=TextSource.OCR,
    confidence=0.8,
)


@pytest.mark.parametrize("doc", [PAYMENT_ROWS, PAYMENT_KAZAKH_GRID], ids=["rows", "kk-grid"])
def test_payment_order(doc) -> None:  # type: ignore[no-untyped-def]
    x = extract_document(doc)
    assert x.doc_type == DocType.PAYMENT_ORDER
    assert x.number is not None and x.number.value == "345"
    assert x.date is not None and x.date.value == dt.date(2023, 4, 20)
    got = parties(x)
    assert got["payer"][1] == CUSTOMER_BIN and "Бета Групп" in (got["payer"][0] or "")
    assert got["beneficiary"][1] == SUPPLIER_BIN and "Альфа Сервис" in (got["beneficiary"][0] or "")
    assert amounts(x) == (560000.0, 60000.0, 500000.0, "KZT")
    assert x.contract_ref is not None and x.contract_ref.number is not None
    assert x.contract_ref.number.value == "12/23"


def test_ocr_values_carry_lower_confidence() -> None:
    text_conf = extract_document(PAYMENT_ROWS).number
    ocr_conf = extract_document(PAYMENT_KAZAKH_GRID).number
    assert text_conf is not None and ocr_conf is not None
    assert ocr_conf.confidence < text_conf.confidence


def test_vat_free_payment() -> None:
    doc = lines_document(
        "pp2.pdf",
        [
            "Платежное поручение № 9",
            "Дата: 01.06.2023",
            f"Плательщик: ТОО «Альфа Сервис» БИН {SUPPLIER_BIN}",
            "Бенефициар: Jiangsu Hengda Machinery Co., Ltd.",
            "Сумма: 53 650,00 CNY",
            "Сумма прописью: Пятьдесят три тысячи шестьсот пятьдесят юаней 00 фэней",
            "Назначение платежа: предоплата по контракту № 482/2023 от 14.10.2023, без НДС",
        ],
    )
    x = extract_document(doc)
    assert amounts(x) == (53650.0, 0.0, 53650.0, "CNY")
    got = parties(x)
    assert got["beneficiary"] == ("Jiangsu Hengda Machinery Co., Ltd.", None)
    assert x.amount_words is not None
    assert x.amount_words.value == "Пятьдесят три тысячи шестьсот пятьдесят юаней 00 фэней"


# ---------------------------------------------------------------------- contracts


def test_contract_parties_from_preamble_and_price_from_prose() -> None:
    doc = lines_document(
        "d.pdf",
        [
            "КОНТРАКТ № 12/23",
            "г. Астана «1» февраля 2023 г.",
            "АО «Бета Групп», именуемое в дальнейшем «Покупатель», в лице директора Иванова И.И., и",
            "ТОО «Альфа Сервис», именуемое в дальнейшем «Поставщик», в лице директора Петрова П.П.,",
            "заключили настоящий контракт.",
            "Цена договора составляет 1 120 000,00 (Один миллион сто двадцать тысяч тенге 00 тиын)",
            "тенге, в том числе НДС 12% – 120 000,00 тенге.",
            "Оплата по приказу № 5 от 01.01.2020 не производится.",
        ],
    )
    x = extract_document(doc)
    assert x.doc_type == DocType.CONTRACT
    assert x.number is not None and x.number.value == "12/23"
    assert x.date is not None and x.date.value == dt.date(2023, 2, 1)
    got = parties(x)
    assert got["customer"][0] == "АО «Бета Групп»"
    assert got["supplier"][0] == "ТОО «Альфа Сервис»"
    assert amounts(x) == (1120000.0, 120000.0, 1000000.0, "KZT")
    assert x.amount_words is not None and x.amount_words.value.startswith("Один миллион")


def test_employment_contract_roles() -> None:
    doc = lines_document(
        "td.pdf",
        [
            "ТРУДОВОЙ ДОГОВОР № ТД-7",
            "г. Актобе 10 марта 2023 года",
            "ТОО «Альфа Сервис», именуемое в дальнейшем «Работодатель», и гражданин Германии",
            "Томас Мюллер, именуемый в дальнейшем «Работник», заключили настоящий договор.",
            "Общий фонд оплаты труда составляет 6 000 000,00 тенге.",
        ],
    )
    x = extract_document(doc)
    got = parties(x)
    assert set(got) == {"employer", "employee"}
    assert got["employer"][0] == "ТОО «Альфа Сервис»"
    assert got["employee"][0] == "Томас Мюллер"
    assert amounts(x)[0] == 6000000.0


# ---------------------------------------------------------------------- one-party documents


def test_application_form_table_and_key_value() -> None:
    table = layout_document(
        "z.pdf",
        [
            (200, 30, "ЗАЯВКА № 15-2023/ЗВ"),
            (60, 60, "Наименование заявителя"),
            (260, 60, "АО «Бета Групп»"),
            (60, 75, "БИН"),
            (260, 75, CUSTOMER_BIN),
            (60, 90, "Сумма понесенных затрат, тенге"),
            (260, 90, "8 400 000,00"),
            (60, 120, "Дата подачи заявки: 03.04.2023"),
        ],
    )
    kv = lines_document(
        "z2.pdf",
        [
            "Заявка на возмещение затрат № 15-2023/ЗВ",
            f"Заявитель: АО «Бета Групп», БИН {CUSTOMER_BIN}",
            "Дата подачи: 03.04.2023",
            "Сумма затрат: 8 400 000,00 тенге",
        ],
    )
    for doc in (table, kv):
        x = extract_document(doc)
        assert x.doc_type == DocType.APPLICATION_FORM
        assert x.number is not None and x.number.value == "15-2023/ЗВ"
        assert x.date is not None and x.date.value == dt.date(2023, 4, 3)
        assert parties(x) == {"applicant": ("АО «Бета Групп»", CUSTOMER_BIN)}
        assert amounts(x) == (8400000.0, None, 8400000.0, "KZT")


@pytest.mark.parametrize("order", [("Начислено", "Удержано", "К выдаче"), ("К выдаче", "Начислено", "Удержано")])
def test_payroll_columns_found_by_header_not_position(order: tuple[str, str, str]) -> None:
    values = {"Начислено": ("900 000,00", "300 000,00"), "Удержано": ("200 000,00", "60 000,00"),
              "К выдаче": ("700 000,00", "240 000,00")}
    xs = [250, 350, 450]
    placements = [
        (60, 20, "ТОО «Альфа Сервис»"),
        (60, 33, f"БИН {SUPPLIER_BIN}"),
        (60, 46, "ПЛАТЕЖНАЯ ВЕДОМОСТЬ за март 2023 г."),
        (60, 59, "Дата составления: 31.03.2023"),
        (60, 80, "ФИО"),
        (60, 95, "Иванов Иван Иванович"),
        (60, 110, "Итого"),
    ]
    for x, col in zip(xs, order):
        placements += [(x, 80, col), (x, 95, values[col][1]), (x, 110, values[col][0])]
    x = extract_document(layout_document("v.pdf", placements))
    assert x.doc_type == DocType.PAYROLL
    assert x.period is not None and x.period.value == "2023-03"
    assert x.date is not None and x.date.value == dt.date(2023, 3, 31)
    t = x.payroll_totals
    assert t is not None and t.accrued is not None and t.withheld is not None and t.net is not None
    assert (t.accrued.value, t.withheld.value, t.net.value) == (900000.0, 200000.0, 700000.0)
    assert parties(x) == {"employer": ("ТОО «Альфа Сервис»", SUPPLIER_BIN)}


def test_statistics_consent_kazakh() -> None:
    doc = lines_document(
        "k.pdf",
        [
            "Алғашқы статистикалық деректерді таратуға",
            "КЕЛІСІМ",
            f"«Бета Групп» АҚ (БСН {CUSTOMER_BIN}), директор атынан, өз келісімін береді.",
            "Күні: 04.09.2023",
        ],
    )
    x = extract_document(doc)
    assert x.doc_type == DocType.STATISTICS_CONSENT and x.language == "kk"
    assert x.number is None
    assert x.date is not None and x.date.value == dt.date(2023, 9, 4)
    assert parties(x) == {"applicant": ("«Бета Групп» АҚ", CUSTOMER_BIN)}


def test_translation_keeps_only_its_type_language_and_original() -> None:
    doc = lines_document(
        "perevod.pdf",
        ["Перевод с английского языка на русский язык", "ИНВОЙС № INV-9 от 05.08.2024", "Итого 124 200,00"],
    )
    original = lines_document("inv.pdf", ["INVOICE No. INV-9", "Date: 5 August 2024", "Total USD 124,200.00"])
    x, o = extract_document(doc), extract_document(original)
    assert x.doc_type == DocType.INVOICE and x.translation_hints["certificate"]["source_language"] == "en"
    link_translations([x, o], {"perevod.pdf": doc, "inv.pdf": original})
    assert x.doc_type == DocType.TRANSLATION and x.translated_doc_type == DocType.INVOICE
    assert x.translation_of == "inv.pdf" and x.language == "ru"
    assert x.number is None and x.parties == [] and x.amounts is None
    assert "INV-9" in x.translation_hints["content"]["numbers"]


def test_empty_document_is_not_a_crash() -> None:
    x = extract_document(layout_document("blank.pdf", []))
    assert x.doc_type == DocType.UNKNOWN and x.unreadable_reason


def test_payment_order_as_label_value_table_with_two_references() -> None:
    doc = layout_document(
        "pp3.pdf",
        [
            (200, 20, "Платежное поручение № 88"),
            (60, 40, "Дата"), (220, 40, "02.03.2023"),
            (60, 55, "Плательщик"), (220, 55, "ТОО «Альфа Сервис»"),
            (60, 70, "БИН"), (220, 70, SUPPLIER_BIN),
            (60, 85, "ИИК"), (220, 85, SUPPLIER_IBAN),
            (60, 100, "Получатель"), (220, 100, "ТОО «Бета Групп»"),
            (60, 115, "БИН"), (220, 115, CUSTOMER_BIN),
            (60, 130, "Сумма"), (220, 130, "1 000 000,00"),
            (60, 145, "Назначение платежа"),
            (220, 145, "Оплата по счету-фактуре № 5 от 01.02.2023 по договору № 7 от 01.01.2023, НДС не облагается"),
        ],
    )
    x = extract_document(doc)
    assert parties(x) == {"payer": ("ТОО «Альфа Сервис»", SUPPLIER_BIN), "beneficiary": ("ТОО «Бета Групп»", CUSTOMER_BIN)}
    payer = next(p for p in x.parties if p.role == "payer")
    assert payer.iban is not None and payer.iban.value == SUPPLIER_IBAN
    # The invoice number in the purpose is not the contract reference.
    assert x.contract_ref is not None and x.contract_ref.number is not None and x.contract_ref.number.value == "7"
    assert amounts(x) == (1000000.0, 0.0, 1000000.0, "KZT")


ESF_SAMPLE = Path(__file__).resolve().parents[2] / "shared" / "real" / "esep-esf-xsd" / "esf-vat.xml"


@pytest.mark.skipif(not ESF_SAMPLE.exists(), reason="needs ../shared/real/esep-esf-xsd")
def test_esf_xml_is_read_as_an_invoice() -> None:
    from models.domain import DocumentText, FileKind
    from ocr.structured import read_xml

    pages, structured = read_xml(ESF_SAMPLE.read_bytes())
    x = extract_document(DocumentText(file="esf.xml", kind=FileKind.XML, sha256="-", pages=pages, structured=structured))
    assert x.doc_type == DocType.INVOICE and x.language == "ru"
    total, vat, without, currency = amounts(x)
    assert total is not None and vat is not None and without is not None
    assert abs(total - vat - without) < 0.01 and currency == "KZT"
    assert {p.role for p in x.parties} == {"supplier", "customer"}


def test_a_totals_row_ocr_garbled_beyond_reading_gives_way_to_the_item_rows_sum() -> None:
    # A scanned act of three item rows; the totals row lost its label and its numbers broke across
    # lines ("Итого" read as "ltoro ;", each sum split in two), so the largest readable sum is one row.
    rows = [
        (40, 60, "АКТ ВЫПОЛНЕННЫХ РАБОТ (ОКАЗАННЫХ УСЛУГ) № 77 от 12.09.2024"),
        (40, 80, "Исполнитель: ТОО «Сарыарка Инжиниринг» БИН 150240690367"),
        (40, 95, "Заказчик: ТОО «Балхаш Металл» БИН 130240964630"),
        (40, 120, "№ Наименование Кол. Стоимость без НДС НДС 12% Стоимость с НДС"),
        (40, 135, "1 Аудит энергопотребления 1 4 150 000,00 498 000,00 4 648 000,00"),
        (40, 150, "2 Обучение персонала 1 2 300 000,00 276 000,00 2 576 000,00"),
        (40, 165, "3 Настройка оборудования 2 1 200 000,00 144 000,00 1 344 000,00"),
        (40, 180, "ltoro ; 7 650 918 8 568"),
        (40, 192, ",00 000,00 000,00"),
    ]
    doc = extract_document(layout_document("akt_77.pdf", rows, source=TextSource.OCR, confidence=1.0))
    assert doc.amounts is not None and doc.amounts.total is not None
    assert doc.amounts.total.value == 8_568_000.0
    assert doc.amounts.amount_without_vat is not None and doc.amounts.amount_without_vat.value == 7_650_000.0
    # Derived, not printed: below the validators' trust threshold (a mismatch it caused would be
    # reported as unverified, not as an error).
    assert doc.amounts.total.confidence < 0.5


def test_a_totals_row_whose_label_ocr_garbled_is_not_counted_as_another_item_row() -> None:
    # One item row and the totals row repeating it under a label OCR misread ("Итою ХМ"): the total is
    # the row's sum once, not twice.
    rows = [
        (40, 60, "СЧЕТ-ФАКТУРА № 5521 от 03.04.2024"),
        (40, 80, "Поставщик: ТОО «Каспий Аудит» БИН 150240690367"),
        (40, 95, "Получатель: ТОО «Балхаш Металл» БИН 130240964630"),
        (40, 120, "№ Наименование Кол. Стоимость без НДС Ставка НДС Сумма НДС Всего с НДС"),
        (40, 135, "1 Энергоаудит услуга 1 2 537 000,00 12% 304 440,00 2 841 440,00"),
        (40, 150, "Итою ХМ 2 537 000,00 304 440,00 2 841 440,00"),
    ]
    doc = extract_document(layout_document("sf_5521.pdf", rows, source=TextSource.OCR, confidence=0.9))
    assert doc.amounts is not None and doc.amounts.total is not None
    assert doc.amounts.total.value == 2_841_440.0


def test_a_value_wider_than_its_header_is_read_whole() -> None:
    # "Сумма" heads a column narrower than the amount printed under it: the figures past its edge belong to it.
    doc = layout_document("pp.pdf", [
        (50, 40, "ПЛАТЕЖНОЕ ПОРУЧЕНИЕ № 2175"), (400, 40, "Дата: 21.01.2024"),
        (50, 80, "Сумма прописью"), (420, 80, "Сумма"),
        (50, 95, "Семьдесят пять миллионов шестьсот сорок шесть тысяч тенге 00 тиын"), (410, 95, "75 646 000,00 тг."),
    ])
    x = extract_document(doc)
    assert x.amounts is not None and x.amounts.total is not None
    assert x.amounts.total.value == 75_646_000.0


def test_a_text_layers_price_stands_against_words_that_spell_another_sum() -> None:
    # The applicant's words disagree with the printed figures: the figures are the contract's price (the finding is
    # AMOUNT_WORDS_MISMATCH), even when the price is found by a weaker strategy than a labelled total.
    doc = lines_document("dogovor.pdf", [
        "ДОГОВОР № 119-ТО",
        "г. Алматы 18.11.2023",
        "2.1. Общая стоимость услуг по настоящему Договору составляет 80.441.390,31 тенге",
        "(Восемьдесят миллионов четыреста четырнадцать тысяч триста девяносто тенге 31 тиын),",
        "без НДС (Исполнитель не является плательщиком НДС).",
    ])
    x = extract_document(doc)
    assert x.amounts is not None and x.amounts.total is not None
    assert x.amounts.total.value == 80_441_390.31


def test_a_swift_transfer_application_names_its_payer_beside_a_tagged_label() -> None:
    # The label is a numbered field with its SWIFT tag, vertically centred against the party's block, which
    # opens with the account: the name is the block's first line that is not an account.
    doc = layout_document("zayavlenie.pdf", [
        (100, 40, "ЗАЯВЛЕНИЕ НА ПЕРЕВОД ИНОСТРАННОЙ ВАЛЮТЫ № 528"),
        (72, 100, "2  Сумма прописью"), (284, 96, "Сто восемьдесят две тысячи сто долларов США 00"),
        (284, 106, "центов"),
        (284, 122, "/KZ729657280162849804"),
        (284, 134, "ALTAIKABEL LLP"),
        (72, 140, "3 (50K)  Перевододатель / Ordering customer"),
        (284, 146, "BIN 170840579781"),
        (284, 158, "115 ZHAMBYLA ST., TARAZ"),
        (72, 176, "4 (52A)  Банк перевододателя"), (284, 176, "IRTYKZKA"),
    ])
    x = extract_document(doc)
    payer = next(p for p in x.parties if p.role == "payer")
    assert payer.name is not None and payer.name.value == "ALTAIKABEL LLP"
    assert payer.bin is not None and payer.bin.value == "170840579781"
