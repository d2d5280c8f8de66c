"""Readings that must not depend on one layout or wording: amounts by meaning and by arithmetic.

The documents are written here in wordings and layouts of their own (not the corpus's, not the
fixture builder's); each test names the general rule it guards.
"""

from __future__ import annotations

from extractors import extract_document
from extractors.amounts import plausible_vat
from extractors.payroll import row_confidence
from extractors.synthetic import layout_document, lines_document
from extractors.values import number_key
from models.domain import DocumentExtraction, PayrollRow, TextSource


def money(doc: DocumentExtraction) -> tuple[float | None, float | None, float | None]:
    a = doc.amounts
    assert a is not None
    v = lambda x: None if x is None else x.value
    return v(a.total), v(a.vat), v(a.amount_without_vat)


def contract(price_sentence: str) -> DocumentExtraction:
    return extract_document(
        lines_document(
            "c.pdf",
            [
                "ДОГОВОР ОКАЗАНИЯ УСЛУГ № 44/25",
                "г. Костанай 12 марта 2025 года",
                "ТОО «Сарыарка Полимер», именуемое «Заказчик», и ТОО «Дала Инжиниринг», именуемое «Исполнитель»,",
                "заключили настоящий договор о нижеследующем.",
                price_sentence,
                "Оплата производится в 2025 году в течение 10 банковских дней.",
            ],
        )
    )


def test_a_year_is_never_a_price() -> None:
    # the price sentence names the year before the sum
    x = contract("Цена Договора на 2025 год составляет 3 360 000,00 тенге, в том числе НДС 12% 360 000,00 тенге.")
    assert money(x) == (3360000.0, 360000.0, 3000000.0)


def test_price_stated_without_vat_first_is_resolved_by_arithmetic() -> None:
    x = contract(
        "Стоимость работ без учета НДС составляет 5 000 000,00 тенге, НДС 12% — 600 000,00 тенге, "
        "всего с НДС 5 600 000,00 тенге."
    )
    assert money(x) == (5600000.0, 600000.0, 5000000.0)


def test_total_with_vat_label_is_not_a_vat_line() -> None:
    act = lines_document(
        "a.pdf",
        [
            "АКТ ОКАЗАННЫХ УСЛУГ № 7",
            "Дата: 05.05.2024",
            "Исполнитель: ТОО «Дала Инжиниринг»",
            "Заказчик: ТОО «Сарыарка Полимер»",
            "1  Аудит  1  800 000,00  800 000,00",
            "Итого  800 000,00",
            "НДС не облагается",
            "Всего с НДС  800 000,00",
        ],
    )
    assert money(extract_document(act)) == (800000.0, 0.0, 800000.0)


def test_kazakh_including_vat_phrase() -> None:
    pp = lines_document(
        "pp.pdf",
        [
            "Төлем тапсырмасы № 55",
            "Жасалған күні: 02.02.2024",
            "Төлем сомасы: 1 120 000,00 KZT",
            "Төлем мақсаты: шарт бойынша қызметтер үшін төлем, ҚҚС 12% қоса алғанда 120 000,00",
        ],
    )
    assert money(extract_document(pp)) == (1120000.0, 120000.0, 1000000.0)


def test_vat_cannot_exceed_its_share_of_the_total() -> None:
    assert plausible_vat(120.0, 1120.0)
    assert not plausible_vat(1120.0, 1120.0)
    assert plausible_vat(5.0, None)


def test_claimed_costs_in_prose_and_in_a_wrapped_label_cell() -> None:
    prose = lines_document(
        "z.pdf",
        [
            "ЗАЯВКА № 12-2025",
            "Дата подачи: 3 мая 2025 года",
            "ТОО «Сарыарка Полимер» просит возместить часть затрат. Сумма фактически понесенных затрат,",
            "заявленных к возмещению, составляет 7 250 000,00 тенге; сумма возмещения — 2 900 000,00 тенге.",
        ],
    )
    assert money(extract_document(prose))[0] == 7250000.0
    wrapped = layout_document(
        "z2.pdf",
        [
            (50, 40, "ЗАЯВКА № 13-2025"),
            (50, 60, "Дата подачи: 4 мая 2025 года"),
            (50, 100, "Сумма затрат, заявленных"),
            (300, 106, "7 250 000,00"),
            (50, 112, "к возмещению, тенге"),
            (50, 140, "Выручка за 2 года, тенге"),
            (300, 140, "900 000 000,00"),
        ],
    )
    assert money(extract_document(wrapped))[0] == 7250000.0


def test_claimed_costs_do_not_take_the_next_fields_sum() -> None:
    doc = lines_document(
        "z3.pdf",
        [
            "ЗАЯВКА № 14-2025",
            "Сумма затрат, заявленных к возмещению, тенге",
            "Выручка от реализации за два предшествующих года, тенге 900 000 000,00",
        ],
    )
    x = extract_document(doc)
    assert x.amounts is None or x.amounts.total is None or x.amounts.total.value != 900000000.0


def test_amount_in_words_around_an_interleaved_label() -> None:
    # a two-column form: the label cell sits between the two lines of the spelt amount
    pp = lines_document(
        "pp2.pdf",
        [
            "ПЛАТЕЖНОЕ ПОРУЧЕНИЕ № 88",
            "Дата: 10.10.2023",
            "Сумма: 2 345 678,00 KZT",
            "Два миллиона триста сорок пять тысяч шестьсот семьдесят восемь тенге 00",
            "Сумма (прописью) тиын",
        ],
    )
    x = extract_document(pp)
    assert x.amount_words is not None
    assert x.amount_words.value == "Два миллиона триста сорок пять тысяч шестьсот семьдесят восемь тенге 00 тиын"
    pp = lines_document(
        "pp3.pdf",
        [
            "ПЛАТЕЖНОЕ ПОРУЧЕНИЕ № 89",
            "Сумма: 41 000,50 KZT",
            "Сорок одна",
            "Сумма прописью: тысяча тенге 50 тиын",
        ],
    )
    x = extract_document(pp)
    assert x.amount_words is not None and x.amount_words.value == "Сорок одна тысяча тенге 50 тиын"


def _ocr_payment(words_line: str) -> DocumentExtraction:
    placements = [
        (50, 40, "ПЛАТЕЖНОЕ ПОРУЧЕНИЕ № 90"),
        (50, 60, "Дата: 11.11.2023"),
        (50, 80, "Сумма: 104 208 000,00 KZT"),
        (50, 100, words_line),
        (50, 120, "Назначение платежа: оплата по договору № 5 от 01.01.2023, без НДС"),
    ]
    return extract_document(layout_document("pp.jpg", placements, source=TextSource.OCR, confidence=0.9))


def test_ocr_words_disagreeing_with_figures_are_not_trusted() -> None:
    x = _ocr_payment("Сумма прописью: миллиона двести восемь тысяч тенге 00 тиын")
    assert x.amount_words is not None and x.amount_words.confidence < 0.5
    agree = _ocr_payment("Сумма прописью: Сто четыре миллиона двести восемь тысяч тенге 00 тиын")
    assert agree.amount_words is not None and agree.amount_words.confidence >= 0.5


def test_ocr_words_that_lost_their_first_word_leave_the_figures_trusted() -> None:
    x = _ocr_payment("Сумма прописью: Четыре миллиона двести восемь тысяч тенге 00 тиын")
    assert x.amount_words is not None and x.amount_words.confidence < 0.5
    assert x.amounts is not None and x.amounts.total is not None and x.amounts.total.confidence >= 0.5


def test_text_layer_disagreement_is_left_for_the_validators() -> None:
    pp = lines_document(
        "pp4.pdf",
        ["ПЛАТЕЖНОЕ ПОРУЧЕНИЕ № 91", "Сумма: 5 000,00 KZT", "Сумма прописью: Шесть тысяч тенге 00 тиын"],
    )
    x = extract_document(pp)
    assert x.amount_words is not None and x.amount_words.confidence >= 0.5
    assert x.amounts is not None and x.amounts.total is not None and x.amounts.total.confidence >= 0.5


def test_payroll_row_trusted_only_when_consistent() -> None:
    ok = PayrollRow(name="Ким Анна", accrued=500000.0, withheld=110000.0, net=390000.0)
    bad = PayrollRow(name="Ким Анна", accrued=500000.0, withheld=110000.0, net=3900000.0)
    assert row_confidence(ok, []) >= 0.5
    assert row_confidence(bad, []) >= 0.5  # no OCR words: a text layer prints what it prints
    from extractors.found import Found
    from extractors.view import VWord  # noqa: F401 - words only carry confidence here

    ocr_words = [Found(value=1.0, raw="1", factor=0.9)]
    assert row_confidence(bad, ocr_words) < 0.5


def test_number_key_folds_ocr_digit_letter_confusions() -> None:
    assert number_key("К2-2023-052") == number_key("KZ-2023-052")
    assert number_key("5А-22077") == number_key("SA-22077")
    assert number_key("8-15/В") == number_key("B-15/8")
    assert number_key("l7/22") == number_key("17/22")
    assert number_key("17/22") != number_key("17/23")
