"""Translations: what a translation says about the document it translates, and pairing it with that original.

A translation ("Перевод с китайского языка на русский язык") is matched to a foreign-language
original (language not ru/kk) by what both say — document numbers, dates, amounts, the type of the
translated document, its source language, party names across scripts — never by file names.
"""

from __future__ import annotations

import re
from typing import Any

from rapidfuzz import fuzz

from extractors.classify import Classification
from extractors.identifiers import is_valid_iban
from extractors.names import find_org_names
from extractors.values import find_amounts, find_dates, looks_like_money
from extractors.view import DocView
from models.domain import DocType, DocumentExtraction, DocumentText

NATIONAL_LANGUAGES = {"ru", "kk"}
# A pairing needs at least this much shared evidence (one shared document number is enough).
MIN_LINK_SCORE = 3.0
# What the translation declares (source language, type of the translated document) for or against
# a candidate. A contradicted type weighs as much as a contradicted language: "Перевод договора"
# is not the translation of an invoice, however many requisites the two share.
DECLARED_MATCH = 2.0
DECLARED_CONTRADICTED = -2.0
# Evidence that identifies the document itself (its number) weighs more than evidence that only
# identifies its parties: every document between the same two companies shares their BINs,
# IBANs, SWIFT codes and account numbers, so together they count as one name match.
DOCUMENT_NUMBER_WEIGHT = 3.0
SHORT_NUMBER_WEIGHT = 1.0
PARTY_EVIDENCE_WEIGHT = 1.0

_NUMBER_LIKE = re.compile(
    r"(?<![\w/.-])([A-Za-zА-Яа-яЁё0-9][A-Za-zА-Яа-яЁё0-9/-]*\d[A-Za-zА-Яа-яЁё0-9/-]*)(?![\w/-])"
)

_TRANSLIT = str.maketrans(
    {
        "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z", "и": "i",
        "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t",
        "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "sch", "ъ": "", "ы": "y", "ь": "",
        "э": "e", "ю": "yu", "я": "ya", "ә": "a", "ғ": "g", "қ": "k", "ң": "n", "ө": "o", "ұ": "u", "ү": "u",
        "һ": "h", "і": "i",
    }
)


_BIC = re.compile(r"[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}(?:[A-Z0-9]{3})?")
# BINs/IINs, account and phone numbers: long runs of digits that are not dates or amounts.
_LONG_DIGITS = re.compile(r"\d{9,}")


def transliterate(text: str) -> str:
    return text.lower().translate(_TRANSLIT)


def is_party_requisite(token: str) -> bool:
    """A BIN/IIN, IBAN, SWIFT/BIC or account number: it names a party, not a document."""
    compact = token.replace(" ", "")
    return (
        is_valid_iban(compact)
        or _BIC.fullmatch(compact) is not None
        or _LONG_DIGITS.fullmatch(compact) is not None
    )


def _features(text: str) -> dict[str, Any]:
    numbers = {
        m.group(1).upper().strip("-/")
        for m in _NUMBER_LIKE.finditer(text)
        if not re.fullmatch(r"\d{1,2}", m.group(1)) and not re.fullmatch(r"\d{1,3}", m.group(1))
    }
    dates = {d.value.isoformat() for d in find_dates(text)}
    amounts = {round(v, 2) for s, e, v in find_amounts(text, 100.0) if looks_like_money(text[s:e])}
    names = sorted({transliterate(n.name) for n in find_org_names(text)})
    return {"numbers": sorted(numbers), "dates": sorted(dates), "amounts": sorted(amounts), "names": names}


def translation_hints(view: DocView, cls: Classification) -> dict[str, Any]:
    hints = _features(view.text)
    hints["translated_doc_type"] = cls.translated_doc_type.value if cls.translated_doc_type else None
    hints["source_language"] = cls.source_language
    return hints


def _original_features(doc: DocumentExtraction, text: DocumentText | None) -> dict[str, Any]:
    feats = _features(text.text) if text is not None else {"numbers": [], "dates": [], "amounts": [], "names": []}
    numbers = set(feats["numbers"])
    if doc.number is not None:
        numbers.add(str(doc.number.value).upper())
    dates = set(feats["dates"])
    if doc.date is not None and hasattr(doc.date.value, "isoformat"):
        dates.add(doc.date.value.isoformat())
    amounts = set(feats["amounts"])
    if doc.amounts and doc.amounts.total and isinstance(doc.amounts.total.value, (int, float)):
        amounts.add(round(float(doc.amounts.total.value), 2))
    names = set(feats["names"]) | {transliterate(str(p.name.value)) for p in doc.parties if p.name}
    return {"numbers": numbers, "dates": dates, "amounts": amounts, "names": names}


def link_score(hints: dict[str, Any], original: DocumentExtraction, feats: dict[str, Any]) -> float:
    score = 0.0
    if hints.get("source_language"):
        score += DECLARED_MATCH if hints["source_language"] == original.language else DECLARED_CONTRADICTED
    if hints.get("translated_doc_type"):
        matches = hints["translated_doc_type"] == original.doc_type.value
        score += DECLARED_MATCH if matches else DECLARED_CONTRADICTED
    shared_numbers = set(hints.get("numbers", [])) & feats["numbers"]
    requisites = {n for n in shared_numbers if is_party_requisite(n)}
    # Long identifiers (document numbers) weigh more than short ones.
    score += sum(
        DOCUMENT_NUMBER_WEIGHT if len(n) >= 5 or re.search(r"[A-ZА-Я/-]", n) else SHORT_NUMBER_WEIGHT
        for n in shared_numbers - requisites
    )
    if requisites:
        score += PARTY_EVIDENCE_WEIGHT
    score += min(3.0, float(len(set(hints.get("dates", [])) & feats["dates"])))
    score += min(3.0, float(len(set(hints.get("amounts", [])) & {float(a) for a in feats["amounts"]})))
    best_name = 0.0
    for a in hints.get("names", []):
        for b in feats["names"]:
            best_name = max(best_name, fuzz.token_set_ratio(a, b))
    if best_name >= 80:
        score += 1.0
    return score


def link_translations(docs: list[DocumentExtraction], texts: dict[str, DocumentText]) -> None:
    """Set ``translation_of`` on every translation to the foreign-language original it matches best."""
    originals = [d for d in docs if d.doc_type != DocType.TRANSLATION and d.language not in NATIONAL_LANGUAGES]
    if not originals:
        return
    feats = {d.file: _original_features(d, texts.get(d.file)) for d in originals}
    for doc in docs:
        if doc.doc_type != DocType.TRANSLATION:
            continue
        hints = doc.translation_hints or (
            _features(texts[doc.file].text) if doc.file in texts else {}
        )
        scores = {o.file: link_score(hints, o, feats[o.file]) for o in originals}
        top = max(scores.values())
        if top < MIN_LINK_SCORE:
            continue
        best = [o for o in originals if scores[o.file] == top]
        if len(best) > 1:
            # Equal evidence: an invoice citing the contract's number, date and parties shares as
            # much with the contract's translation as the contract does. The type the translation
            # declares ("Перевод договора") decides then — only then, as OCR may misread it on a scan.
            declared = hints.get("translated_doc_type")
            best = [o for o in best if declared and o.doc_type.value == declared]
        if len(best) == 1:
            doc.translation_of = best[0].file
