"""Translations: a document that mirrors another one in another language, paired with it by content.

A translation says what its original says: the same document numbers, dates, amounts, BINs, IBANs and SWIFT
codes, the parties' names transliterated. It is about what its original is about (a translated contract is
classified as a contract, ``extractors.classify``), so it is paired, at dossier level, with a document of the
same type in another language whose identifiers it repeats — wherever the translator's or the notary's
certificate stands, and whether or not there is one: a certificate ("Перевод с турецкого языка на русский
язык выполнен переводчиком …", "Аударманы аудармашы … орындады", a notary's block under it) is evidence, not
a requirement, and its position means nothing.

Guarded against the opposite error: two documents in the same language are never a pair (a Russian act and
a Russian invoice of one deal share its numbers, dates and amounts); nor are documents of different types,
unless a certificate says one is a translation and the other's type could not be told; a Russian document
translates a Kazakh one (or the other way round) only when it carries a certificate.

A paired translation becomes ``doc_type = translation`` with ``translation_of`` = the original's file and keeps
only its type, language and the original (the corpus convention): its fields are its original's, read there.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from rapidfuzz import fuzz

from extractors.dates import find_dates
from extractors.identifiers import is_valid_iban
from extractors.names import find_org_names
from extractors.prefilter import Needles, fold, may_match, needles
from extractors.values import find_amounts, looks_like_money
from extractors.view import DocView
from extractors.vocabulary import vocabulary
from models.domain import DocType, DocumentExtraction, DocumentText

NATIONAL_LANGUAGES = {"ru", "kk"}

# Mirror evidence: what a pair of documents shares, in points.
# Evidence that identifies the document itself (its number) weighs more than evidence that only
# identifies its parties: every document between the same two companies shares their BINs, IBANs,
# SWIFT codes and account numbers, so together they count as one name match.
DOCUMENT_NUMBER_WEIGHT = 3.0
SHORT_NUMBER_WEIGHT = 1.0
PARTY_EVIDENCE_WEIGHT = 1.0
NAME_MATCH_WEIGHT = 1.0
NAME_MATCH_MIN_RATIO = 80  # rapidfuzz token_set_ratio of transliterated organisation names
MAX_DATE_POINTS = 3.0
MAX_AMOUNT_POINTS = 3.0
# What a certificate declares for or against a candidate original: the source language it names.
DECLARED_MATCH = 2.0
DECLARED_CONTRADICTED = -2.0
# A translator's certificate on the candidate translation.
CERTIFICATE_WEIGHT = 2.0
# Points a pair needs: with a certificate, one shared document number is enough; without one, the
# mirror alone must be plain — a document number and more (its date, its amount), or as many dates and
# amounts as a number and a date — and cover most of both documents' facts (``mirror_coverage``). In the
# seven families measured, every translation is certified; uncertified pairs of one deal's papers reach
# a coverage of 0.57, certified translations range from 0.25 (a long original, a noisy scan) to 1.0.
MIN_LINK_SCORE = 3.0 + CERTIFICATE_WEIGHT
MIN_MIRROR_SCORE = 5.0
MIN_MIRROR_COVERAGE = 0.6
# A certified translation paired with an original of another type needs this much more evidence.
TYPE_CONTRADICTED_MARGIN = 3.0

_NUMBER_LIKE = re.compile(
    r"(?<![\w/.-])([A-Za-zА-Яа-яЁё0-9][A-Za-zА-Яа-яЁё0-9/-]*\d[A-Za-zА-Яа-яЁё0-9/-]*)(?![\w/-])"
)
_SWIFT_TAG = re.compile(r"\d{2}[A-ZА-Я]")
# Cyrillic letters that look like Latin ones: "ЕХР-2358" typed or read in Cyrillic is "EXP-2358".
_HOMOGLYPHS = str.maketrans("АВЕКМНОРСТУХ", "ABEKMHOPCTYX")

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


# --------------------------------------------------------------------------- the certificate


@dataclass(frozen=True)
class Certificate:
    """A translator's (or a notary's about a translator's) statement found in a document."""

    page: int
    line: int  # view line index
    text: str
    source_language: str | None  # the language it says was translated from, when it names one


_TARGET_ONLY = re.compile(r"с\s+(?:русского|казахского)", re.IGNORECASE)


@lru_cache(maxsize=1)
def _any_marker() -> tuple[re.Pattern[str], Needles]:
    """All markers as one alternation (one pass finds the first of any), and the literals a match holds."""
    markers = vocabulary().translation_markers
    pattern = re.compile("|".join(f"(?:{p.pattern})" for p in markers), markers[0].flags if markers else 0)
    return pattern, needles(pattern)


def find_certificate(view: DocView) -> Certificate | None:
    """The first statement of a translation anywhere in the document (``vocabulary.yaml:
    translation_markers``): at the top, at the end, on a page of its own, under a notary's block."""
    voc = vocabulary()
    pattern, literals = _any_marker()
    if not may_match(literals, fold(view.text)):  # nearly every document: no certificate, no search
        return None
    first = pattern.search(view.text)
    if first is None:
        return None
    line = view.line_at(first.start())
    text = re.sub(r"\s+", " ", view.text[line.start : max(line.end, first.end())])
    source = None
    near = view.text[first.start() : first.end() + 30]
    for lang, stems in voc.translation_sources.items():
        if stems.search(near):
            source = lang
            break
    # "Перевод на русский" names the target: the source is the other language.
    if source in NATIONAL_LANGUAGES and _TARGET_ONLY.search(near) is None:
        source = None
    return Certificate(page=line.page, line=line.index, text=text.strip(), source_language=source)


def certificate_hints(view: DocView) -> dict[str, Any]:
    """What the extraction keeps of a certificate for the dossier-level pairing (``translation_hints``)."""
    cert = find_certificate(view)
    if cert is None:
        return {}
    return {"certificate": {"page": cert.page, "text": cert.text[:200], "source_language": cert.source_language}}


# --------------------------------------------------------------------------- what a document says


def _document_numbers(text: str) -> set[str]:
    found = set()
    for m in _NUMBER_LIKE.finditer(text):
        token = m.group(1)
        if re.fullmatch(r"\d{1,3}", token):
            continue  # clause numbers, counts, days
        if _SWIFT_TAG.fullmatch(token):
            continue  # a SWIFT field's tag (":32A:", "(50K)") is printed on every transfer: it tells no two apart
        found.add(token.upper().translate(_HOMOGLYPHS).strip("-/"))
    return found


def content_features(text: str) -> dict[str, Any]:
    """Numbers, dates, amounts and transliterated organisation names a document states."""
    dates = {d.value.isoformat() for d in find_dates(text)}
    amounts = {round(v, 2) for s, e, v in find_amounts(text, 100.0) if looks_like_money(text[s:e])}
    names = {transliterate(n.name) for n in find_org_names(text)}
    return {
        "numbers": sorted(_document_numbers(text)),
        "dates": sorted(dates),
        "amounts": sorted(amounts),
        "names": sorted(names),
    }


def _with_fields(feats: dict[str, Any], doc: DocumentExtraction) -> dict[str, set[Any]]:
    """A document's features plus its own fields as read (an OCR-damaged text may still have given them)."""
    numbers = set(feats.get("numbers", []))
    if doc.number is not None and doc.number.value:
        numbers.add(str(doc.number.value).upper().translate(_HOMOGLYPHS))
    dates = set(feats.get("dates", []))
    if doc.date is not None and hasattr(doc.date.value, "isoformat"):
        dates.add(doc.date.value.isoformat())
    amounts = {float(a) for a in feats.get("amounts", [])}
    if doc.amounts and doc.amounts.total and isinstance(doc.amounts.total.value, (int, float)):
        amounts.add(round(float(doc.amounts.total.value), 2))
    names = set(feats.get("names", [])) | {transliterate(str(p.name.value)) for p in doc.parties if p.name}
    return {"numbers": numbers, "dates": dates, "amounts": amounts, "names": names}


def mirror_score(a: dict[str, set[Any]], b: dict[str, set[Any]]) -> float:
    """Points for what two documents both state (symmetric)."""
    shared_numbers = a["numbers"] & b["numbers"]
    requisites = {n for n in shared_numbers if is_party_requisite(n)}
    # Long identifiers (document numbers) weigh more than short ones.
    score = sum(
        DOCUMENT_NUMBER_WEIGHT if len(n) >= 5 or re.search(r"[A-ZА-Я/-]", n) else SHORT_NUMBER_WEIGHT
        for n in shared_numbers - requisites
    )
    if requisites:
        score += PARTY_EVIDENCE_WEIGHT
    score += min(MAX_DATE_POINTS, float(len(a["dates"] & b["dates"])))
    score += min(MAX_AMOUNT_POINTS, float(len(a["amounts"] & b["amounts"])))
    best_name = max((fuzz.token_set_ratio(x, y) for x in a["names"] for y in b["names"]), default=0.0)
    if best_name >= NAME_MATCH_MIN_RATIO:
        score += NAME_MATCH_WEIGHT
    return score


# --------------------------------------------------------------------------- pairing


@dataclass
class _Candidate:
    doc: DocumentExtraction
    text: DocumentText | None
    content_type: DocType  # what it is about (a translation already marked: what its original is)
    certificate: dict[str, Any] | None
    _features: dict[str, set[Any]] | None = None

    @property
    def features(self) -> dict[str, set[Any]]:
        """Computed on first use: most pairs are ruled out before any evidence is weighed."""
        if self._features is None:
            stored = (self.doc.translation_hints or {}).get("content")
            feats = content_features(self.text.text) if self.text is not None else (stored or {})
            self._features = _with_fields(feats, self.doc)
        return self._features


def _candidate(doc: DocumentExtraction, text: DocumentText | None) -> _Candidate:
    content = doc.translated_doc_type if doc.doc_type == DocType.TRANSLATION else doc.doc_type
    certificate = (doc.translation_hints or {}).get("certificate")
    return _Candidate(doc, text, content or DocType.UNKNOWN, certificate)


def _decided(doc: DocumentExtraction) -> bool:
    """A type set with certainty (a reviewer's correction, a machine-readable ЭСФ) is not re-decided here."""
    return doc.doc_type != DocType.TRANSLATION and doc.doc_type_confidence >= 1.0


def _may_translate(t: _Candidate, o: _Candidate, *, same_type: bool) -> bool:
    """Whether ``t`` may be a translation of ``o`` at all, before weighing the evidence.

    ``same_type``: the first pass pairs only documents about the same thing; the second pass lets a
    certified translation take an original of another type (its original's type was misread: a foreign
    layout, a poor scan — the translation, in a language the model knows, is usually typed right).
    """
    lt, lo = t.doc.language, o.doc.language
    if not lt or not lo or lt == lo or lt not in NATIONAL_LANGUAGES:
        return False
    if o.doc.doc_type == DocType.TRANSLATION:
        return False
    if lo in NATIONAL_LANGUAGES:
        # Kazakh and Russian versions of one document: only a certificate tells which is which, and only
        # documents of one type are versions of one document.
        return t.certificate is not None and o.certificate is None and t.content_type == o.content_type
    if t.content_type == o.content_type and t.content_type != DocType.UNKNOWN:
        return same_type
    return not same_type and t.certificate is not None


def mirror_coverage(a: dict[str, set[Any]], b: dict[str, set[Any]]) -> float:
    """The smaller of the shares of each document's own facts (numbers, dates, amounts) that the other
    states too: a translation repeats most of what its original says, another paper of the same deal
    only some of it (its contract's number and date, the parties, perhaps the price)."""

    def facts(x: dict[str, set[Any]]) -> set[tuple[str, Any]]:
        numbers = {("n", n) for n in x["numbers"] if not is_party_requisite(n)}
        return numbers | {("d", d) for d in x["dates"]} | {("a", v) for v in x["amounts"]}

    fa, fb = facts(a), facts(b)
    if not fa or not fb:
        return 0.0
    shared = len(fa & fb)
    return min(shared / len(fa), shared / len(fb))


def link_score(t: _Candidate, o: _Candidate) -> float:
    score = mirror_score(t.features, o.features)
    if t.certificate is not None:
        score += CERTIFICATE_WEIGHT
        declared = t.certificate.get("source_language")
        if declared:
            score += DECLARED_MATCH if declared == o.doc.language else DECLARED_CONTRADICTED
    return score


def _acceptable(t: _Candidate, o: _Candidate, score: float, same_type: bool) -> bool:
    if t.certificate is None:
        # Without a certificate only a plain mirror: enough shared evidence and most of both documents' facts.
        return score >= MIN_MIRROR_SCORE and mirror_coverage(t.features, o.features) >= MIN_MIRROR_COVERAGE
    return score >= (MIN_LINK_SCORE if same_type else MIN_LINK_SCORE + TYPE_CONTRADICTED_MARGIN)


def link_translations(docs: list[DocumentExtraction], texts: Mapping[str, DocumentText | None]) -> None:
    """Find the translations among a dossier's documents and pair each with its original.

    A document that mirrors another of its type in another language becomes a ``translation`` of it; a
    certified translation left without one then takes the best-mirrored original of another type that no
    translation has taken; one that certifies itself a translation and mirrors nothing stays a translation
    without an original (the checks then say its original could not be told). Run again on its own
    output, it changes nothing.
    """
    readable = [d for d in docs if not d.unreadable_reason]
    candidates = {d.file: _candidate(d, texts.get(d.file)) for d in readable}
    maybe_translations = [
        d
        for d in readable
        if d.language in NATIONAL_LANGUAGES
        and not _decided(d)
        and not (d.doc_type == DocType.TRANSLATION and d.translation_of)
    ]
    by_file = {d.file: d for d in readable}
    translations: set[str] = set()
    originals: set[tuple[str, str | None]] = set()
    for same_type in (True, False):
        pairs: list[tuple[float, float, str, str]] = []
        for t_doc in maybe_translations:
            t = candidates[t_doc.file]
            if t_doc.file in translations:
                continue
            for o_doc in readable:
                o = candidates[o_doc.file]
                if o_doc is t_doc or not _may_translate(t, o, same_type=same_type):
                    continue
                score = link_score(t, o)
                if _acceptable(t, o, score, same_type):
                    pairs.append((score, mirror_coverage(t.features, o.features), t_doc.file, o_doc.file))
        # Strongest evidence first (on equal evidence, the original whose facts the translation repeats the more
        # of); a translation has one original, an original one translation per language, and a document is
        # either a translation or an original.
        for _, _, t_file, o_file in sorted(pairs, key=lambda p: (-p[0], -p[1])):
            t_doc = by_file[t_file]
            if t_file in translations or o_file in translations or (o_file, t_doc.language) in originals:
                continue
            if any(t_file == o for o, _ in originals) or (not same_type and any(o_file == o for o, _ in originals)):
                continue
            translations.add(t_file)
            originals.add((o_file, t_doc.language))
            mark_translation(t_doc, candidates[t_file], o_file)
    for t_doc in maybe_translations:
        cand = candidates[t_doc.file]
        if t_doc.file not in translations and cand.certificate is not None:
            mark_translation(t_doc, cand, None)


def mark_translation(doc: DocumentExtraction, cand: _Candidate, original: str | None) -> None:
    """Turn ``doc`` into a translation (of ``original`` when known): it keeps its type, language and what
    the pairing needs, not the fields its original carries."""
    if doc.doc_type != DocType.TRANSLATION:
        doc.translated_doc_type = cand.content_type if cand.content_type != DocType.UNKNOWN else None
        doc.doc_type = DocType.TRANSLATION
    doc.translation_of = original
    doc.translation_hints = {
        **(doc.translation_hints or {}),
        "content": {k: sorted(v) for k, v in cand.features.items()},
    }
    doc.number = doc.date = doc.amount_words = doc.contract_ref = None
    doc.period = doc.payment_purpose = doc.knp = None
    doc.parties = []
    doc.amounts = None
    doc.payroll_rows = []
    doc.payroll_totals = None
