"""The multilingual label lexicon (extractors/lexicon.yaml) and its fuzzy matcher (extractors/lexicon.py)."""

from __future__ import annotations

import pytest

from extractors.lexicon import Lexicon, LexiconMatcher, label_similarity, lexicon

LANGUAGES = {"ru", "kk", "en", "de", "fr", "nl", "tr", "zh"}
REQUIRED_FIELDS = {
    "doc_number", "doc_date", "excluded_date", "total", "amount_without_vat", "vat", "vat_rate", "vat_exempt",
    "currency", "amount_words", "contract_ref", "payer", "beneficiary", "customer", "supplier", "employer",
    "employee", "applicant", "bin_iin", "iban", "bic", "knp", "kbe", "period", "payroll_accrued",
    "payroll_withheld", "payroll_net",
}

# The main labels of each language, as forms and print-outs write them, with the field they name.
MAIN_LABELS: dict[str, list[tuple[str, str]]] = {
    "ru": [
        ("Счет-фактура №", "doc_number"), ("Дата выписки", "doc_date"), ("Дата валютирования", "excluded_date"),
        ("Итого к оплате:", "total"), ("Всего с НДС", "total"), ("Итого без НДС", "amount_without_vat"),
        ("в т.ч. НДС", "vat"), ("Ставка НДС", "vat_rate"), ("НДС не облагается", "vat_exempt"),
        ("Сумма прописью:", "amount_words"), ("Отправитель денег", "payer"), ("Плательщик", "payer"),
        ("Бенефициар", "beneficiary"), ("Заказчик", "customer"), ("Покупатель", "customer"),
        ("Исполнитель", "supplier"), ("Поставщик", "supplier"), ("Работодатель", "employer"),
        ("Работник", "employee"), ("Заявитель", "applicant"), ("БИН/ИИН", "bin_iin"), ("ИИК", "iban"),
        ("БИК", "bic"), ("КНП", "knp"), ("Кбе", "kbe"), ("Отчетный период", "period"),
        ("Всего начислено", "payroll_accrued"), ("Всего удержано", "payroll_withheld"),
        ("К выдаче", "payroll_net"), ("Валюта платежа", "currency"), ("Основание", "contract_ref"),
    ],
    "kk": [
        ("Құжат нөмірі", "doc_number"), ("Жасалған күні", "doc_date"), ("Төлеуге барлығы", "total"),
        ("ҚҚС сомасы", "vat"), ("ҚҚС-сыз", "vat_exempt"), ("Жіберуші", "payer"), ("Төлеуші", "payer"),
        ("Алушы", "beneficiary"), ("Тапсырыс беруші", "customer"), ("Сатып алушы", "customer"),
        ("Орындаушы", "supplier"), ("Жеткізуші", "supplier"), ("БСН/ЖСН", "bin_iin"), ("ЖСК", "iban"),
        ("БСК", "bic"), ("ТМК", "knp"), ("Жұмыс беруші", "employer"), ("Өтініш беруші", "applicant"),
    ],
    "en": [
        ("Invoice No.", "doc_number"), ("Invoice date", "doc_date"), ("Due date", "excluded_date"),
        ("Grand Total", "total"), ("Subtotal", "amount_without_vat"), ("VAT amount", "vat"),
        ("VAT rate", "vat_rate"), ("Reverse charge", "vat_exempt"), ("Ordering customer", "payer"),
        ("Beneficiary customer", "beneficiary"), ("Bill to", "customer"), ("Seller", "supplier"),
        ("Vendor", "supplier"), ("SWIFT", "bic"), ("IBAN", "iban"), ("Amount in words", "amount_words"),
        ("Currency", "currency"), ("Employee", "employee"),
    ],
    "de": [
        ("Rechnungsnummer", "doc_number"), ("Rechnungsdatum", "doc_date"), ("Fälligkeitsdatum", "excluded_date"),
        ("Gesamtbetrag", "total"), ("Nettobetrag", "amount_without_vat"), ("MwSt.", "vat"), ("USt", "vat"),
        ("Steuerfrei", "vat_exempt"), ("Auftraggeber", "payer"), ("Empfänger", "beneficiary"),
        ("Kunde", "customer"), ("Lieferant", "supplier"), ("Währung", "currency"),
    ],
    "fr": [
        ("Facture n°", "doc_number"), ("Date de facture", "doc_date"), ("Date d'échéance", "excluded_date"),
        ("Total TTC", "total"), ("Total HT", "amount_without_vat"), ("TVA", "vat"),
        ("Exonéré de TVA", "vat_exempt"), ("Donneur d'ordre", "payer"), ("Bénéficiaire", "beneficiary"),
        ("Client", "customer"), ("Fournisseur", "supplier"), ("Devise", "currency"),
    ],
    "nl": [
        ("Factuurnummer", "doc_number"), ("Factuurdatum", "doc_date"), ("Vervaldatum", "excluded_date"),
        ("Totaal", "total"), ("Subtotaal", "amount_without_vat"), ("BTW", "vat"), ("BTW verlegd", "vat_exempt"),
        ("Begunstigde", "beneficiary"), ("Klant", "customer"), ("Leverancier", "supplier"),
    ],
    "tr": [
        ("Fatura No", "doc_number"), ("Fatura Tarihi", "doc_date"), ("Genel Toplam", "total"),
        ("Ara Toplam", "amount_without_vat"), ("KDV", "vat"), ("KDV'den muaf", "vat_exempt"),
        ("Müşteri", "customer"), ("Satıcı", "supplier"), ("Para birimi", "currency"),
    ],
    "zh": [
        ("发票号码", "doc_number"), ("开票日期", "doc_date"), ("价税合计", "total"), ("合计", "total"),
        ("税额", "vat"), ("税率", "vat_rate"), ("购买方", "customer"), ("销售方", "supplier"),
        ("收款人", "beneficiary"), ("大写", "amount_words"),
    ],
}


def _top(context: str) -> tuple[str | None, float]:
    m = lexicon().best(context)
    return (m.field, m.score) if m else (None, 0.0)


def test_main_labels_of_every_language() -> None:
    wrong = {}
    for lang, labels in MAIN_LABELS.items():
        for context, field in labels:
            sim = label_similarity(context)
            best = max(sim.values())
            if sim[field] < 0.9 or sim[field] < best:
                wrong[(lang, context)] = (field, round(sim[field], 2), _top(context))
    assert wrong == {}


@pytest.mark.parametrize(
    "context, field",
    [
        ("Пла тельщик", "payer"),  # a word split by OCR
        ("о тправитель денег", "payer"),  # split after the first letter by a table rule
        ("Плательщк", "payer"),  # a letter lost
        ("Итог о к оплате", "total"),
        ("БИH", "bin_iin"),  # Latin H inside a Cyrillic word
        ("IВАN", "iban"),  # Cyrillic В and А inside a Latin word
        ("ИТОГ0", "total"),  # zero for O
        ("Falligkeitsdatum", "excluded_date"),  # umlaut lost
        ("Odenecek Tutar", "total"),
        ("Жеткiзушi", "supplier"),  # Latin i for Kazakh і
        ("ККС сомасы", "vat"),  # Kazakh letters without their tails
        ("Rechnungsnumer", "doc_number"),
        ("GESAMT BETRAG:", "total"),
        ("Bcero к оплате", "total"),  # a Russian word read wholly in Latin letters
        ("HOMEP", "doc_number"),
        ("Счет на оплату Ме", "doc_number"),  # "№" read as "Ме"
    ],
)
def test_ocr_damaged_labels(context: str, field: str) -> None:
    found, score = _top(context)
    assert found == field and score >= 0.6, (found, score)


def test_a_longer_context_containing_the_label_still_matches() -> None:
    assert _top("Итого к оплате по счету № 15 с учетом скидки")[0] == "total"
    assert label_similarity("Итого к оплате по счету № 15 с учетом скидки")["total"] >= 0.85
    assert _top("Amount chargeable (in words)")[0] == "amount_words"
    # the more specific phrase wins over the one it contains
    assert _top("Итого без НДС")[0] == "amount_without_vat"
    assert _top("Subtotal")[0] == "amount_without_vat"
    assert _top("ИТОГО С НДС")[0] == "total"


def test_words_that_are_no_label_match_nothing() -> None:
    for context in ["page 2 of 3", "Телефон", "Адрес", "Quantity", "Наименование товара", "Подпись"]:
        assert max(label_similarity(context).values()) < 0.5, context
    # short labels match whole words only: "ust" is not in "August", "tin" not in "Martin"
    assert label_similarity("August")["vat"] == 0.0
    assert label_similarity("Martin Schulz")["bin_iin"] == 0.0


def test_similarities_cover_every_field_in_range() -> None:
    sim = label_similarity("Всего к оплате")
    assert REQUIRED_FIELDS <= set(sim)
    assert all(0.0 <= v <= 1.0 for v in sim.values())
    assert label_similarity("") == dict.fromkeys(lexicon().fields, 0.0)


def test_every_phrase_records_its_language() -> None:
    lex = lexicon()
    assert {p.lang for p in lex.phrases} == LANGUAGES
    for field in REQUIRED_FIELDS - {"knp", "kbe"}:  # КНП and КБе are Kazakh payment codes
        langs = {p.lang for p in lex.phrases if p.field == field}
        assert {"ru", "kk", "en"} <= langs, (field, langs)
    assert lexicon().matches("Gesamtbetrag")["total"].lang == "de"


def test_the_lexicon_is_extended_by_data_alone() -> None:
    raw = {
        "matcher": {"short_phrase_chars": 4, "fuzzy_floor": 0.7, "min_score": 0.25, "coverage_weight": 0.15,
                    "mid_word_factor": 0.6, "trigram_share": 0.34, "max_context_chars": 200,
                    "anchor_chars": 12},
        "fields": {"total": {"pl": ["razem do zapłaty"]}, "vat": {"pl": ["kwota vat"]}},
    }
    lex = Lexicon(raw)
    assert lex.best("RAZEM DO ZAPŁATY:").field == "total"  # type: ignore[union-attr]
    assert lex.best("Kwota VAT").field == "vat"  # type: ignore[union-attr]


def test_a_label_counts_less_the_farther_it_stands_from_the_value() -> None:
    near = label_similarity("Поставщик: ТОО «Альфа», итого к оплате", anchored_end=True)
    assert near["total"] > 0.8 and near["supplier"] < 0.5
    # without anchoring both labels of the context count
    loose = label_similarity("Поставщик: ТОО «Альфа», итого к оплате")
    assert loose["supplier"] > 0.8
    # the same label, nearer the value, scores higher
    assert (
        label_similarity("Итого к оплате", anchored_end=True)["total"]
        > label_similarity("Итого к оплате по счёту № 15 от 12.03.2024", anchored_end=True)["total"]
    )


def test_the_matcher_for_candidate_features() -> None:
    matcher = LexiconMatcher()
    assert matcher.names == lexicon().fields
    scores = matcher.scores("Gesamtbetrag", anchored_end=True)
    assert len(scores) == len(matcher.names) and scores[matcher.names.index("total")] == 1.0
