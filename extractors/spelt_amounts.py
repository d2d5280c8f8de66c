"""The amount written in words on a document: finding it, and weighing it against the figures on OCR pages.

``extract_amount_words`` finds the spelt amount as printed ("Сумма прописью: …", in parentheses, or
any run of numerals ending in "NN тиын / cents / fen"); ``spelt_value`` is the number it spells
(parsed by ``extractors.amount_words``); ``reconcile_words`` lowers the confidence of whichever of
figures and words the document's other numbers do not support. ``extractors.amounts`` reads the figures.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from extractors.amount_words import words_lost_leading_part, words_to_number
from extractors.found import Found
from extractors.money import MONEY, VAT_RATES
from extractors.view import DocView
from extractors.vocabulary import vocabulary
from models.domain import Amounts, ExtractedValue


@lru_cache(maxsize=1)
def _number_words() -> tuple[frozenset[str], tuple[str, ...], frozenset[str]]:
    raw = vocabulary().raw["number_words"]
    exact: set[str] = set()
    stems: list[str] = []
    for lang, words in raw.items():
        if lang == "connectors":
            continue
        for w in words:
            if len(w) >= 4:
                stems.append(w)
            else:
                exact.add(w)
    return frozenset(exact), tuple(stems), frozenset(raw["connectors"])


def _is_number_word(token: str) -> bool:
    exact, stems, _ = _number_words()
    parts = [p for p in re.split(r"[-‐]", token.lower()) if p]
    return bool(parts) and all(p in exact or any(p.startswith(s) for s in stems) for p in parts)


def _is_run_word(token: str) -> bool:
    """A word that may stand inside a spelt amount: numerals, currency names, "and", kopeck digits."""
    _, _, connectors = _number_words()
    t = token.strip(",.;:()«»").lower()
    if not t:
        return True
    if _is_number_word(t) or t in connectors or re.fullmatch(r"\d{1,2}", t):
        return True
    if re.fullmatch(vocabulary().minor_units, t, re.IGNORECASE):
        return True
    return any(p.fullmatch(t) for _, p in vocabulary().currencies)


def _is_label_word(token: str) -> bool:
    """A word of the "Сумма прописью" label that a two-column form prints between the lines of the
    spelt amount ("… триста семьдесят / Сумма прописью / один тенге 91 тиын")."""
    t = token.strip(",.;:()（）«»[]|").lower()
    if not t:
        return False
    voc = vocabulary()
    return any(p.fullmatch(t) for p in (voc.label("amount_words"), voc.label("payment_amount")))


@dataclass
class SpeltRun:
    start: int
    # spans inside the run that are not part of the amount (label words and OCR noise next to them)
    skipped: list[tuple[int, int]]


def _spelt_run(text: str, end: int) -> SpeltRun | None:
    """The spelt amount that ends at ``end`` (just after "00 тиын"), walking back word by word."""
    lo = max(0, end - 400)  # a spelt amount is a few lines at most
    tokens = [(m.start() + lo, m.group(0)) for m in re.finditer(r"[^\s(（]+", text[lo:end])]
    start = None
    unknown: list[tuple[int, int]] = []
    skipped: list[tuple[int, int]] = []
    numerals = 0
    for tok_start, word in reversed(tokens):
        span = (tok_start, tok_start + len(word))
        if _is_label_word(word):
            skipped.append(span)
            continue
        if _is_run_word(word):
            if _is_number_word(word.strip(",.;:()«»")):
                numerals += 1
                start = tok_start
                skipped.extend(u for u in unknown if _next_to(u, skipped, text))
                unknown = []
            continue
        unknown.append(span)
        if len(unknown) > 1:  # one OCR-damaged word inside the phrase is tolerated, two end it
            break
    if start is None or numerals == 0:
        return None
    return SpeltRun(start=start, skipped=[sp for sp in skipped if sp[0] >= start])


def _next_to(span: tuple[int, int], others: list[tuple[int, int]], text: str) -> bool:
    """A noise token touching a label word ("Guana прописью"): part of the garbled label."""
    return any(text[min(span[1], o[1]) : max(span[0], o[0])].strip() == "" for o in others)


def extract_amount_words(view: DocView) -> Found | None:
    """The amount written in words, as printed: after "Сумма прописью:"-like labels, or in parentheses,
    or wherever a run of numerals ends in "NN тиын / cents / fen" or in English "only"."""
    text = view.text
    voc = vocabulary()
    minor = rf"(?:\d{{1,2}}\s*)?(?:{voc.minor_units})(?!\w)"
    closing = rf"(?<!\w)(?P<closing>{voc.amount_words_end})(?!\w)"
    for m in re.finditer(f"{minor}|{closing}", text, re.IGNORECASE):
        run = _spelt_run(text, m.end())
        if run is None or run.start >= m.start():
            continue
        found = _words_found(view, run.start, m.end(), run.skipped)
        if m.group("closing") and words_to_number(str(found.value)) is None:
            continue  # "only" is a common word: it closes an amount only after words that spell one
        return found
    return None


def _words_found(view: DocView, s: int, e: int, skipped: list[tuple[int, int]] | None = None) -> Found:
    raw = view.text[s:e]
    kept = raw
    for a, b in sorted(skipped or [], reverse=True):
        kept = kept[: a - s] + " " + kept[b - s :]
    if skipped:
        kept = re.sub(r"(?<!\S)[()（）\[\]|:]+(?!\S)", " ", kept)  # brackets left from the label
    value = re.sub(r"\s+", " ", kept).strip(" :;,")
    factor = 0.9 if skipped else 1.0  # put together around an interleaved label
    return Found(value=value, raw=raw, words=view.words_in(s, e), factor=factor)


# ---------------------------------------------------------------------- figures vs words on OCR pages

UNSURE = 0.45  # below the validators' trust threshold: they report "could not verify", not a mismatch


def reconcile_words(view: DocView, amounts: Amounts | None, words: ExtractedValue | None, from_ocr: bool) -> None:
    """On an OCR page, figures and words that disagree are not trusted blindly: the reading that the
    other numbers of the document support (the same sum printed elsewhere, VAT arithmetic) wins, and
    what stays ambiguous gets a confidence below 0.5. On a text layer the figures are authoritative
    and a disagreement is a real defect, so nothing is changed there."""
    if not from_ocr or amounts is None or amounts.total is None or words is None:
        return
    spelt = spelt_value(words)
    total = float(amounts.total.value)
    if spelt is None or abs(spelt - total) <= 0.011:
        return
    vat = float(amounts.vat.value) if amounts.vat is not None and amounts.vat.raw else None
    figures_ok = _supported(view, total, vat, exclude=amounts.total.raw)
    words_ok = _supported(view, spelt, vat, exclude=None)
    if (figures_ok and not words_ok) or words_lost_leading_part(total, spelt):
        words.confidence = min(words.confidence, UNSURE)
    elif words_ok and not figures_ok:
        amounts.total.confidence = min(amounts.total.confidence, UNSURE)
    else:
        words.confidence = min(words.confidence, UNSURE)
        amounts.total.confidence = min(amounts.total.confidence, UNSURE)


def spelt_value(words: Found | ExtractedValue) -> float | None:
    """The amount the words spell (``extractors.amount_words``), or None when they spell none for sure."""
    parsed = words_to_number(str(words.value))
    return None if parsed is None else float(parsed)


def _supported(view: DocView, value: float, vat: float | None, exclude: str | None) -> bool:
    """Whether the document's other numbers back ``value`` as its total: a stated VAT that is a
    known rate of it, or the same sum printed a second time."""
    if vat:
        base = value - vat
        if base > 0 and any(abs(base * r - vat) <= 1.0 for r in VAT_RATES):
            return True
    seen = [v for _, _, v, _ in MONEY(view.text) if abs(v - value) <= 0.011]
    return len(seen) >= (2 if exclude is not None else 1)
