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

# Kazakh letters to the Russian letters OCR reads them as when their tails are lost ("ҚҚС" -> "ККС",
# "сәуір" -> "сауир"); for comparing only (lower case).
KAZAKH_FOLD = str.maketrans("әғқңөұүһі", "агкноуухи")


@dataclass(frozen=True)
class CurrencySign:
    """A sign several currencies print ("$", "¥", "Rs", "kr"), the codes it may stand for, its default."""

    codes: tuple[str, ...]
    default: str | None


@dataclass(frozen=True)
class Vocabulary:
    raw: dict[str, Any]
    doc_types: dict[str, list[re.Pattern[str]]]
    translation_markers: list[re.Pattern[str]]
    translation_sources: dict[str, re.Pattern[str]]
    labels: dict[str, re.Pattern[str]]
    label_alternatives: dict[str, list[str]]
    months: dict[str, dict[str, int]]
    # every month name and abbreviation (Babel's and the YAML stems), lower case, without a final dot
    month_names: dict[str, int]
    currencies: list[tuple[str, re.Pattern[str]]]
    # any currency token of ``currencies`` or ``currency_signs`` (for amounts with a currency attached)
    currency_token: re.Pattern[str]
    currency_signs: dict[str, CurrencySign]
    minor_units: str
    amount_words_end: str
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


_LETTER_BOUNDARY_BEFORE = r"(?<![A-Za-zА-Яа-яЁёӘәҒғҚқҢңӨөҰұҮүІі])"
_LETTER_BOUNDARY_AFTER = r"(?![A-Za-zА-Яа-яЁёӘәҒғҚқҢңӨөҰұҮүІі])"


def _currency_alternative(token: str) -> str:
    """A currency token as a regex alternative: one written with a capital letter ("USD", "TL", "Rs")
    matches in that case only (so that "try" or "top" in English text is not a currency)."""
    letters = re.sub(r"\\[A-Za-z]", "", token)  # classes such as \s are not letters
    return f"(?-i:{token})" if re.search(r"[A-ZА-ЯЁ]", letters) else f"(?:{token})"


def _currency_pattern(tokens: list[str]) -> str:
    alternatives = "|".join(_currency_alternative(t) for t in sorted(tokens, key=len, reverse=True))
    return rf"{_LETTER_BOUNDARY_BEFORE}(?:{alternatives}){_LETTER_BOUNDARY_AFTER}"


def _month_names(locales: list[str], stems: dict[str, dict[str, int]]) -> dict[str, int]:
    """Month names of Babel's CLDR data (wide and abbreviated, format and stand-alone) plus the YAML stems."""
    from babel.dates import get_month_names  # imported here: only the vocabulary needs Babel

    names: dict[str, int] = {}
    for locale in locales:
        for width in ("wide", "abbreviated"):
            for context in ("format", "stand-alone"):
                for month, name in get_month_names(width, context, locale).items():
                    names.setdefault(name.lower().rstrip("."), int(month))
    for by_stem in stems.values():
        for stem, month in by_stem.items():
            names.setdefault(stem, month)
    return names


def lexicon_label_patterns(mapping: dict[str, str]) -> dict[str, list[str]]:
    """The label lexicon's phrases (``lexicon.yaml``: eight languages, from official forms and print-outs) as extra
    patterns of the readers' labels, per ``lexicon_labels`` (label -> lexicon field). A phrase that the lexicon also
    gives another mapped field ("получатель": beneficiary and customer) names neither for certain and is left out;
    the readers' own patterns decide those."""
    if not mapping:
        return {}
    lex = yaml.safe_load(Path(__file__).with_name("lexicon.yaml").read_text(encoding="utf-8"))["fields"]
    owners: dict[str, set[str]] = {}
    for field, by_lang in lex.items():
        for texts in by_lang.values():
            for text in texts:
                owners.setdefault(str(text).casefold(), set()).add(field)
    out: dict[str, list[str]] = {}
    for label, field in mapping.items():
        phrases = [t for texts in lex.get(field, {}).values() for t in texts]
        out[label] = [
            r"\s+".join(re.escape(w) for w in str(t).split())
            for t in phrases
            if len(owners[str(t).casefold()] & set(mapping.values())) == 1 and len(str(t)) >= 3
        ]
    return out


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    raw = yaml.safe_load(VOCABULARY_FILE.read_text(encoding="utf-8"))
    extra = lexicon_label_patterns(raw.get("lexicon_labels", {}))
    labels = {
        name: re.compile(_alternation([ocr_tolerant(p) for p in [*pats, *extra.get(name, [])]]), FLAGS)
        for name, pats in raw["labels"].items()
    }
    currencies = [(code, re.compile(_currency_pattern(toks), FLAGS)) for code, toks in raw["currencies"].items()]
    signs = {
        sign: CurrencySign(tuple(spec["codes"]), spec.get("default")) for sign, spec in raw["currency_signs"].items()
    }
    every_token = [t for toks in raw["currencies"].values() for t in toks] + [re.escape(s) for s in signs]
    months = {lang: {k.lower(): int(v) for k, v in m.items()} for lang, m in raw["months"].items()}
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
        months=months,
        month_names=_month_names(list(raw["month_locales"]), months),
        currencies=currencies,
        currency_token=re.compile(_currency_pattern(every_token), FLAGS),
        currency_signs=signs,
        minor_units=_alternation(raw["minor_units"]),
        amount_words_end=_alternation(raw["amount_words_end"]),
        legal_prefix=list(lf["prefix"]),
        legal_suffix=list(lf["suffix"]),
        latin_suffix=list(lf["latin_suffix"]),
        cjk_suffix=list(lf["cjk_suffix"]),
    )
