"""Load the extractors' vocabularies (``vocabulary.yaml``) once per process, compiled."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

VOCABULARY_FILE = Path(__file__).with_name("vocabulary.yaml")

FLAGS = re.IGNORECASE | re.UNICODE


@dataclass(frozen=True)
class Vocabulary:
    raw: dict[str, Any]
    doc_types: dict[str, list[re.Pattern[str]]]
    translation_markers: list[re.Pattern[str]]
    translation_sources: dict[str, re.Pattern[str]]
    labels: dict[str, re.Pattern[str]]
    label_alternatives: dict[str, list[str]]
    months: dict[str, dict[str, int]]
    currencies: list[tuple[str, re.Pattern[str]]]
    minor_units: str
    legal_prefix: list[str]
    legal_suffix: list[str]
    latin_suffix: list[str]
    cjk_suffix: list[str]

    def label(self, name: str) -> re.Pattern[str]:
        return self.labels[name]


def _alternation(patterns: list[str]) -> str:
    # Longest first so that "ИИН/БИН" wins over "ИИН" at the same position.
    return "|".join(f"(?:{p})" for p in sorted(patterns, key=len, reverse=True))


# A label word at least this long may be split by OCR after its first letter: a table rule just left of
# a capital ("| Отправитель") leaves "о тправитель". Shorter words would match too much by chance.
OCR_SPLIT_MIN_LETTERS = 5
_LEADING_WORD = re.compile(rf"^[^\W\d_]{{{OCR_SPLIT_MIN_LETTERS},}}")


def ocr_tolerant(pattern: str) -> str:
    """A label pattern that also matches its first word split after the first letter by OCR."""
    if not _LEADING_WORD.match(pattern):
        return pattern
    return pattern[0] + r"\s?" + pattern[1:]


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    raw = yaml.safe_load(VOCABULARY_FILE.read_text(encoding="utf-8"))
    labels = {
        name: re.compile(_alternation([ocr_tolerant(p) for p in pats]), FLAGS) for name, pats in raw["labels"].items()
    }
    currencies = [
        (code, re.compile(rf"(?<![A-Za-zА-Яа-яЁё])(?:{_alternation(toks)})(?![A-Za-zА-Яа-яЁё])", FLAGS))
        for code, toks in raw["currencies"].items()
    ]
    lf = raw["legal_forms"]
    return Vocabulary(
        raw=raw,
        doc_types={t: [re.compile(p, FLAGS) for p in pats] for t, pats in raw["doc_types"].items()},
        translation_markers=[re.compile(p, FLAGS) for p in raw["translation_markers"]],
        translation_sources={
            lang: re.compile(_alternation(stems), FLAGS) for lang, stems in raw["translation_source_languages"].items()
        },
        labels=labels,
        label_alternatives={name: list(pats) for name, pats in raw["labels"].items()},
        months={lang: {k.lower(): int(v) for k, v in m.items()} for lang, m in raw["months"].items()},
        currencies=currencies,
        minor_units=_alternation(raw["minor_units"]),
        legal_prefix=list(lf["prefix"]),
        legal_suffix=list(lf["suffix"]),
        latin_suffix=list(lf["latin_suffix"]),
        cjk_suffix=list(lf["cjk_suffix"]),
    )
