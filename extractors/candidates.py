"""Typed candidates: every value of a field's type on a document, with the neighbourhood that tells fields apart.

The first half of "candidates + scoring" (``extractors/field_scoring.py`` is the second): instead of one rule per
label and place, every date, amount, document-number-like token and 12-digit identifier on the pages becomes a
candidate, and each carries what a reader uses to tell which field it is — the words left of it on its line and in the
cell before it, the column header above it, the section heading over it, where it sits on the page, how it is set —
none of which names one layout. Generation is deliberately generous (recall first); the scorer decides.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

from extractors.dates import find_dates
from extractors.money import MONEY
from extractors.values import NUMBER_SIGN, clean_number
from extractors.view import DocView, VLine, VWord

CandidateKind = Literal["date", "amount", "number", "bin"]

# How far a label may sit from its value: words left on the same line, lines above in the same column.
LEFT_CONTEXT_WORDS = 8
ABOVE_CONTEXT_LINES = 3
ABOVE_MAX_GAP_HEIGHTS = 3.5
# The column a header governs reaches this many line heights beyond the header's own extent.
COLUMN_SLACK_HEIGHTS = 2.0
# Number-like tokens are candidates on the first page, and anywhere after a number sign.
MAX_NUMBER_LENGTH = 30

_NUMBER_TOKEN = re.compile(r"[^\s«»\"“”()\[\]{},;:]+")
_HAS_DIGIT = re.compile(r"\d")
_SIGN_BEFORE = re.compile(rf"(?:{NUMBER_SIGN})\s*[:：]?\s*$", re.UNICODE)
_BIN_TOKEN = re.compile(r"(?<!\d)\d{12}(?!\d)")
_IBAN_LIKE = re.compile(r"^[A-Z]{2}\d{2}[A-Z0-9]{10,30}$")
_PHONE_LIKE = re.compile(r"^\+?\d[\d\-() ]{8,}$")


@dataclass
class Candidate:
    kind: CandidateKind
    value: Any  # date, float, or str (number / BIN digits)
    raw: str
    start: int  # offsets in DocView.text
    end: int
    words: list[VWord]
    line: VLine
    info: dict[str, Any] = field(default_factory=dict)  # kind-specific facts (textual month, kopecks, sign…)

    @property
    def x0(self) -> float:
        return min(w.bbox.x0 for w in self.words) if self.words else self.line.x0

    @property
    def x1(self) -> float:
        return max(w.bbox.x1 for w in self.words) if self.words else self.line.x1

    @property
    def first_pos(self) -> int:
        return self.words[0].pos if self.words else 0

    @property
    def last_pos(self) -> int:
        return self.words[-1].pos if self.words else 0


@dataclass
class Neighbourhood:
    """The words a reader looks at to name a value: left on its line, the cell before, the header above."""

    left: str  # words left of the value in its own cell, nearest last
    cell_before: str  # the previous cell of the line (a label cell in a two-column form)
    line_start: str  # the line from its start up to the value
    above: str  # column header: lines above whose words overlap the value's column, nearest last
    heading: str  # the nearest short line above that reads like a section heading
    right: str  # words right of the value on its line (a unit, a currency, "%")


def _span_words(view: DocView, line: VLine, s: int, e: int) -> list[VWord]:
    return [w for w in line.words if w.start < line.start + e and w.end > line.start + s]


def date_candidates(view: DocView) -> list[Candidate]:
    out = []
    for line in view.lines:
        for d in find_dates(line.text):
            words = _span_words(view, line, d.start, d.end)
            out.append(
                Candidate("date", d.value, line.text[d.start : d.end], line.start + d.start, line.start + d.end,
                          words, line, {"textual": d.textual})
            )
    return out


def amount_candidates(view: DocView) -> list[Candidate]:
    out = []
    for line in view.lines:
        for s, e, value, _ in MONEY(line.text):
            raw = line.text[s:e]
            words = _span_words(view, line, s, e)
            kopecks = bool(re.search(r"[.,-]\d{2}$", raw.strip()))
            out.append(Candidate("amount", float(value), raw, line.start + s, line.start + e, words, line,
                                 {"kopecks": kopecks}))
    return out


def bin_candidates(view: DocView) -> list[Candidate]:
    out = []
    for line in view.lines:
        for m in _BIN_TOKEN.finditer(line.text):
            words = _span_words(view, line, m.start(), m.end())
            out.append(Candidate("bin", m.group(0), m.group(0), line.start + m.start(), line.start + m.end(),
                                 words, line))
    return out


def number_candidates(view: DocView, dates: list[Candidate]) -> list[Candidate]:
    """Tokens that can be a document number: they hold a digit, are not a date, an amount with kopecks, an IBAN,
    a phone or a 12-digit identifier. On the first page every such token; elsewhere only after a number sign."""
    first_page = view.lines[0].page if view.lines else 1
    date_spans = [(c.start, c.end) for c in dates]
    out = []
    for line in view.lines:
        for m in _NUMBER_TOKEN.finditer(line.text):
            token = clean_number(m.group(0))
            if not token or not _HAS_DIGIT.search(token) or len(token) > MAX_NUMBER_LENGTH:
                continue
            offset = m.group(0).find(token)
            s = m.start() + max(offset, 0)
            e = s + len(token)
            gs, ge = line.start + s, line.start + e
            if any(ds < ge and gs < de for ds, de in date_spans):
                continue
            signed = bool(_SIGN_BEFORE.search(line.text[: s])) or m.group(0) != token and bool(
                re.match(rf"\s*{NUMBER_SIGN}", m.group(0))
            )
            if line.page != first_page and not signed:
                continue
            if _excluded_number(token):
                continue
            words = _span_words(view, line, s, e)
            out.append(Candidate("number", token, token, gs, ge, words, line, {"signed": signed}))
    return out


def _excluded_number(token: str) -> bool:
    digits = re.sub(r"\D", "", token)
    if re.fullmatch(r"\d{12}", token) or _IBAN_LIKE.match(token.upper()) or _PHONE_LIKE.match(token):
        return True
    if re.fullmatch(r"\d{1,3}(?:[ .,]\d{3})*[.,]\d{2}", token):  # an amount with kopecks
        return True
    if re.fullmatch(r"\d+(?:[.,]\d+)?%", token):
        return True
    return len(digits) > 20


class Candidates:
    """A document's candidates, found per kind on first use (a document may need only its dates)."""

    def __init__(self, view: DocView) -> None:
        self.view = view
        self._found: dict[CandidateKind, list[Candidate]] = {}

    def of(self, kind: CandidateKind) -> list[Candidate]:
        if kind not in self._found:
            if kind == "date":
                found = date_candidates(self.view)
            elif kind == "amount":
                found = amount_candidates(self.view)
            elif kind == "number":
                found = number_candidates(self.view, self.of("date"))
            else:
                found = bin_candidates(self.view)
            self._found[kind] = found
        return self._found[kind]


def all_candidates(view: DocView) -> dict[CandidateKind, list[Candidate]]:
    found = Candidates(view)
    kinds: tuple[CandidateKind, ...] = ("date", "amount", "number", "bin")
    return {kind: found.of(kind) for kind in kinds}


# --------------------------------------------------------------------------- neighbourhood


def neighbourhood(view: DocView, c: Candidate) -> Neighbourhood:
    line = c.line
    first, last = c.first_pos, c.last_pos
    seg_first, _ = line.segment_of(first)
    left_words = line.words[max(seg_first, first - LEFT_CONTEXT_WORDS) : first]
    cell_before = ""
    if seg_first > 0:
        prev_first, _ = line.segment_of(seg_first - 1)
        cell_before = " ".join(w.text for w in line.words[prev_first:seg_first])
    line_start = line.text[: max(0, c.start - line.start)]
    right = " ".join(w.text for w in line.words[last + 1 : last + 4])
    return Neighbourhood(
        left=" ".join(w.text for w in left_words),
        cell_before=cell_before,
        line_start=line_start,
        above=_column_header(view, c),
        heading=_heading_above(view, line),
        right=right,
    )


def _column_header(view: DocView, c: Candidate) -> str:
    """Text of the lines above whose words overlap the value's column, nearest line last."""
    line = c.line
    h = line.height
    x0, x1 = c.x0 - COLUMN_SLACK_HEIGHTS * h, c.x1 + COLUMN_SLACK_HEIGHTS * h
    rows: list[str] = []
    last_top = line.top
    for prev in reversed(view.lines[max(0, line.index - 12) : line.index]):
        if prev.page != line.page or last_top - prev.bottom > ABOVE_MAX_GAP_HEIGHTS * max(h, prev.height):
            break
        words = [w for w in prev.words if w.bbox.x1 > x0 and w.bbox.x0 < x1]
        if words:
            rows.append(" ".join(w.text for w in words))
            last_top = prev.top
            if len(rows) >= ABOVE_CONTEXT_LINES:
                break
    return " | ".join(reversed(rows))


_HEADING_MAX_WORDS = 8


def _heading_above(view: DocView, line: VLine) -> str:
    """The nearest line above (same page, within 12 lines) that is short and starts at the left: a section title
    such as "B. Поставщик" or "Реквизиты получателя"."""
    for prev in reversed(view.lines[max(0, line.index - 12) : line.index]):
        if prev.page != line.page:
            break
        if len(prev.words) <= _HEADING_MAX_WORDS and not _HAS_DIGIT.search(prev.text.split(" ", 1)[-1]):
            return prev.text
    return ""
