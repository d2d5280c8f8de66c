"""A finding's label and message in the reader's language: Russian from the finding itself, Kazakh from
``findings.kk.yaml`` filled with the parameters the check stored on the finding (``Finding.params``).

Parameters that are names from ``findings.yaml``'s tables (a document type, a party's role, a language,
a rules topic) or whole phrases listed under ``phrases`` are given in Kazakh; other prose a check passed
(a reason, a list of differences) stays as it was written.
"""

from __future__ import annotations

import re
import string
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict

from models.domain import Finding
from validators.findings import NameTables, catalogue

KK_CATALOGUE_PATH = Path(__file__).resolve().parent / "findings.kk.yaml"
LANGUAGES = ("ru", "kk")
_TABLES = tuple(NameTables.model_fields)
# Amounts in messages end in the currency word, spelled «теңге» in Kazakh (validators.findings.fmt_money).
_NAMED_FILE = re.compile(r"^(.+?) («[^»]*»)$")
_KK_AMOUNT_ENDINGS = ((" тенге без НДС", " теңге ҚҚС-сыз"), (" тенге", " теңге"))


class KkText(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    label: str
    message: str


class KkCatalogue(NameTables):
    codes: dict[str, KkText]
    phrases: dict[str, str]
    patterns: list[tuple[str, str]]


@lru_cache(maxsize=1)
def kk_catalogue() -> KkCatalogue:
    return KkCatalogue.model_validate(yaml.safe_load(KK_CATALOGUE_PATH.read_text(encoding="utf-8")))


@lru_cache(maxsize=1)
def _kk_phrases() -> dict[str, str]:
    """Russian text -> Kazakh: every name of findings.yaml's tables (by key) and the listed phrases."""
    russian, kazakh = catalogue(), kk_catalogue()
    table: dict[str, str] = {}
    for name in _TABLES:
        kk_names: dict[str, str] = getattr(kazakh, name)
        for key, ru in getattr(russian, name).items():
            if key in kk_names:
                table[ru] = kk_names[key]
                table[ru[:1].upper() + ru[1:]] = kk_names[key][:1].upper() + kk_names[key][1:]
    table.update(kazakh.phrases)
    return table


def in_language(text: str | None, lang: str | None = "ru") -> str | None:
    """A name or fixed phrase a check wrote in Russian (an evidence note, a parameter) in ``lang``, where
    the Kazakh catalogue has it, and an amount with its currency word; anything else as written."""
    if text is None or normalise_lang(lang) != "kk":
        return text
    phrases = _kk_phrases()
    if text in phrases:
        return phrases[text]
    named = _NAMED_FILE.match(text)  # «Платежное поручение «pp_7.pdf»»: a name and the file it is about
    if named and named.group(1) in phrases:
        return f"{phrases[named.group(1)]} {named.group(2)}"
    for pattern, replacement in _kk_patterns():
        if pattern.match(text):
            text = pattern.sub(replacement, text)
            break
    for russian, kazakh in _KK_AMOUNT_ENDINGS:
        if text.endswith(russian):
            return text.removesuffix(russian) + kazakh
    return text


@lru_cache(maxsize=1)
def _kk_patterns() -> list[tuple[re.Pattern[str], str]]:
    return [(re.compile(pattern), replacement) for pattern, replacement in kk_catalogue().patterns]


def normalise_lang(lang: str | None) -> str:
    return lang if lang in LANGUAGES else "ru"


def finding_label(code: str, lang: str | None = "ru") -> str:
    """A finding code in words, in ``lang``; the Russian label where no Kazakh one is written."""
    if normalise_lang(lang) == "kk":
        text = kk_catalogue().codes.get(code)
        if text is not None:
            return text.label
    return catalogue().label(code)


def doc_type_name(doc_type: str | None, lang: str | None = "ru") -> str:
    """A document type's name in ``lang`` (lower case, as inside a sentence)."""
    kazakh = kk_catalogue().doc_type_labels.get(doc_type or "unknown") if normalise_lang(lang) == "kk" else None
    return kazakh or catalogue().doc_type_label(doc_type)


def role_name(role: str | None, lang: str | None = "ru") -> str:
    """A party's role in ``lang`` (lower case)."""
    kazakh = kk_catalogue().role_labels.get(role or "") if normalise_lang(lang) == "kk" else None
    return kazakh or catalogue().role_label(role)


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def finding_message(finding: Finding, lang: str | None = "ru") -> str:
    """The finding's message in ``lang``. Kazakh needs the check's parameters: a finding without one
    its Kazakh template names (stored before parameters were kept) keeps its Russian message."""
    if normalise_lang(lang) != "kk":
        return finding.message
    text = kk_catalogue().codes.get(finding.code)
    if text is None:
        return finding.message
    values: dict[str, Any] = {"note": "", **finding.params}
    if finding.file is not None:
        values.setdefault("file", finding.file)
    if finding.duplicate_of is not None:
        values.setdefault("duplicate_of", finding.duplicate_of)
    if not _placeholders(text.message) <= values.keys():
        return finding.message
    kazakh = {key: in_language(value, "kk") if isinstance(value, str) else value for key, value in values.items()}
    if finding.doc_type and "label" in kazakh:  # the rules' own name of a missing document type
        kazakh["label"] = doc_type_name(finding.doc_type, "kk")
    message = text.message.format_map(kazakh)
    return message[:1].upper() + message[1:]  # a parameter may open the sentence («{what} сомасы …»)

