"""``extractors.prefilter`` may skip a search only where the pattern cannot match.

Checked against ``re`` itself: every vocabulary pattern (document types, labels) on lines written for
this test in mixed case, with the characters ``re.IGNORECASE`` folds in its own way (Kelvin sign, long
s, dotted capital I, final sigma) — wherever ``search`` finds a match, the prefilter must let it through.
"""

from __future__ import annotations

import re

from extractors.prefilter import fold, may_match, needles
from extractors.vocabulary import vocabulary

LINES = [
    "ПЛАТЁЖНОЕ ПОРУЧЕНИЕ № 17",
    "Счёт-Фактура № СФ-0042 от 03.03.2025",
    "АКТ  сверки и АКТ выполненных работ (оказанных услуг)",
    "Дата документа: 12.05.2024; ИИК/IBAN KZ12 722S 0000 1234 5678; БИН 990340001234",
    "Отправитель денег: ТОО «Нұр Сервис», Бенефициар: Jiangsu Hengda Co.",
    "TOTAL AMOUNT incl. VAT; Gesamtbetrag inkl. MwSt; KDV DAHİL TOPLAM; İŞ RAPORU",
    "Invoice No. INV-7 — \u212aunde: Me\u017fsrs; \u212bngstr\u00f6m; \u03a3\u03bf\u03c6\u03af\u03b1\u03c2",
    "Тапсырыс беруші / Орындаушы: ЖШС «Дала»; ҚҚС сомасы; Барлығы төлеуге",
    "o тправитель (строка, разорванная OCR); Заказчик:; Исполнитель —",
    "Трудовой договор № 5; ЗАЯВКА на предоставление мер; Отчёт о выполненных работах",
]


def _patterns() -> list[re.Pattern[str]]:
    voc = vocabulary()
    out = [p for patterns in voc.doc_types.values() for p in patterns]
    return out + list(voc.labels.values())


def test_prefilter_never_hides_a_match() -> None:
    checked = 0
    for pattern in _patterns():
        found = needles(pattern)
        for line in LINES:
            for text in (line, line.upper(), line.lower(), line.swapcase()):
                if pattern.search(text):
                    checked += 1
                    assert may_match(found, fold(text)), (pattern.pattern, text)
    assert checked > 50  # the lines do exercise the patterns


def test_prefilter_skips_lines_without_the_literals() -> None:
    pattern = re.compile(r"плат[её]жн\w*\s+поручени\w*", re.IGNORECASE)
    found = needles(pattern)
    assert found is not None
    assert not may_match(found, fold("Счёт на оплату № 12"))
    assert may_match(found, fold("ПЛАТЁЖНОЕ ПОРУЧЕНИЕ"))


def test_fold_keeps_offsets_and_folds_as_the_regex_engine() -> None:
    text = "İSTANBUL \u212a \u017f ΣΑΣ"
    assert len(fold(text)) == len(text)
    for a, b in [("\u212a", "k"), ("\u017f", "s"), ("\u0130", "i"), ("\u03a3", "\u03c3")]:
        assert bool(re.fullmatch(b, a, re.IGNORECASE)) == (fold(a) == fold(b))


def test_patterns_without_certain_literals_are_always_searched() -> None:
    assert needles(re.compile(r"\d+", re.IGNORECASE)) is None
    assert needles(re.compile("договор")) is None  # case-sensitive patterns are not prefiltered
    assert may_match(None, "anything")
