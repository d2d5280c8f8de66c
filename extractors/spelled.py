"""Amounts spelt in words back to numbers: "Пять миллионов сорок тысяч тенге 00 тиын" → 5040000.00.

Russian, Kazakh and English numerals (the languages amounts are spelt in on these documents). Used
to recover a total that OCR damaged in figures, never to overrule figures that were read cleanly.
"""

from __future__ import annotations

import re

_UNITS: dict[str, int] = {}
for _words, _value in (
    # Russian (nominative and the feminine/genitive forms used with "тысяча", "миллиона")
    ("ноль", 0), ("один одна одно", 1), ("два две", 2), ("три", 3), ("четыре", 4), ("пять", 5), ("шесть", 6),
    ("семь", 7), ("восемь", 8), ("девять", 9), ("десять", 10), ("одиннадцать", 11), ("двенадцать", 12),
    ("тринадцать", 13), ("четырнадцать", 14), ("пятнадцать", 15), ("шестнадцать", 16), ("семнадцать", 17),
    ("восемнадцать", 18), ("девятнадцать", 19), ("двадцать", 20), ("тридцать", 30), ("сорок", 40),
    ("пятьдесят", 50), ("шестьдесят", 60), ("семьдесят", 70), ("восемьдесят", 80), ("девяносто", 90),
    ("сто", 100), ("двести", 200), ("триста", 300), ("четыреста", 400), ("пятьсот", 500), ("шестьсот", 600),
    ("семьсот", 700), ("восемьсот", 800), ("девятьсот", 900),
    # Kazakh
    ("нөл", 0), ("бір", 1), ("екі", 2), ("үш", 3), ("төрт", 4), ("бес", 5), ("алты", 6), ("жеті", 7), ("сегіз", 8),
    ("тоғыз", 9), ("он", 10), ("жиырма", 20), ("отыз", 30), ("қырық", 40), ("елу", 50), ("алпыс", 60),
    ("жетпіс", 70), ("сексен", 80), ("тоқсан", 90),
    # English
    ("zero", 0), ("one", 1), ("two", 2), ("three", 3), ("four", 4), ("five", 5), ("six", 6), ("seven", 7),
    ("eight", 8), ("nine", 9), ("ten", 10), ("eleven", 11), ("twelve", 12), ("thirteen", 13), ("fourteen", 14),
    ("fifteen", 15), ("sixteen", 16), ("seventeen", 17), ("eighteen", 18), ("nineteen", 19), ("twenty", 20),
    ("thirty", 30), ("forty", 40), ("fifty", 50), ("sixty", 60), ("seventy", 70), ("eighty", 80), ("ninety", 90),
):
    for _w in _words.split():
        _UNITS[_w] = _value

_HUNDRED = {"жүз", "hundred"}  # multiplies what precedes it ("үш жүз" = 300)
_SCALES = [
    (re.compile(r"^(?:тысяч\w*|мың|thousand)$"), 1_000),
    (re.compile(r"^(?:миллион\w*|million)$"), 1_000_000),
    (re.compile(r"^(?:миллиард\w*|billion)$"), 1_000_000_000),
]
_MINOR = re.compile(r"(\d{1,2})\s*(?:тиын\w*|тиин\w*|копе\w+|цент\w*|фэн\w*|фен\w*|cents?|fen)\b", re.IGNORECASE)


def spelled_to_number(phrase: str) -> float | None:
    """The amount a phrase spells, with its minor units ("… 05 тиын"); None when it spells none."""
    text = phrase.lower().replace("ё", "е")
    minor = _MINOR.search(text)
    words_part = text[: minor.start()] if minor else text
    total = current = 0
    seen = False
    for token in re.findall(r"[^\W\d_]+", words_part):
        for part in token.split("-"):
            if part in _UNITS:
                current += _UNITS[part]
                seen = True
            elif part in _HUNDRED:
                current = max(current, 1) * 100
                seen = True
            else:
                for pattern, scale in _SCALES:
                    if pattern.match(part):
                        total += max(current, 1) * scale
                        current = 0
                        seen = True
                        break
    if not seen:
        return None
    value = float(total + current)
    if minor:
        value += int(minor.group(1)) / 100.0
    return value
