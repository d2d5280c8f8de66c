"""Amounts spelt in words back to numbers, for the extractors: a float view of
``extractors.amount_words.words_to_number`` (the one parser of spelt amounts; validators use it too).

Used to recover a total that OCR damaged in figures, never to overrule figures that were read
cleanly; ``None`` whenever the phrase does not spell a number with confidence.
"""

from __future__ import annotations

from extractors.amount_words import words_to_number


def spelled_to_number(phrase: str) -> float | None:
    """The amount a phrase spells, with its minor units ("… 05 тиын"); None when it spells none."""
    value = words_to_number(phrase)
    return None if value is None else float(value)
