"""Label → value search that does not depend on one form's layout.

A value sits right of its label on the same line ("Дата: 01.03.2022"), in the cell continuing below
the label ("ИИН/БИН" over "111040086517"), or in a column under a header ("Номер документа" over
"АВР-005970"). ``labelled`` tries those places in that order with a typed parser, so the label's
synonym list and the value's shape do the work, not coordinates of one template.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from extractors.found import FALLBACK_FACTOR, Found
from extractors.view import DocView, LabelHit, Snippet, VLine, VWord
from extractors.vocabulary import vocabulary

# A parser finds typed values in a text and returns (start, end, value, factor) tuples in order.
ParsedValue = tuple[int, int, Any, float]
Parser = Callable[[str], list[ParsedValue]]


@dataclass
class Region:
    snippet: Snippet
    start: int  # offset in snippet.text where the value may begin (right after the label)
    kind: str  # "right" | "below"


def label_like(hit: LabelHit) -> bool:
    """A label is used as one (not just a word in running text): it starts a cell or ends with ':' / ')'."""
    line = hit.line
    first_seg, _ = line.segment_of(hit.first)
    text = line.text
    end = _char_end(hit)
    after = text[end : end + 4].lstrip()
    if after[:1] in (":", "："):
        return True
    if after[:1] in (")", "）"):
        # "Сдал (Исполнитель):" is a label; "… Ltd. (Исполнитель) для …" is a designation in prose.
        return after[1:].lstrip()[:1] in (":", "：")
    if hit.first == first_seg:
        return True
    # A numbered form field ("7. Поставщик", "16. БИН", "3 (50K) Ordering customer"): the field's number starts the cell.
    if all(_FIELD_NUMBER.fullmatch(w.text) for w in line.words[first_seg : hit.first]):
        return True
    before = text[: _char_start(hit)].rstrip()
    return before.endswith(("(", "（"))


# A form field's number before its label: "7.", "27.3.", "2)", a bare row number "3", or a SWIFT tag "(50K)", ":59:".
_FIELD_NUMBER = re.compile(r"\d{1,2}(?:\.\d{1,2})*[.)]?|\(\d{2}[A-Z]?\)|:?\d{2}[A-Z]?:")


def _char_start(hit: LabelHit) -> int:
    return hit.start


def _char_end(hit: LabelHit) -> int:
    return hit.end


def find_hits(view: DocView, label: str, lines: Iterable[VLine] | None = None, only_label_like: bool = True) -> list[LabelHit]:
    hits = view.find_labels(label, vocabulary().label(label), lines)
    return [h for h in hits if label_like(h)] if only_label_like else hits


def right_region(view: DocView, hit: LabelHit, x_limit: float | None = None, continuation: int = 2) -> Region:
    """The hit's line from the label on (up to ``x_limit``) plus the cell's wrapped continuation lines."""
    line = hit.line
    words = [w for w in line.words[hit.first :] if x_limit is None or w.bbox.x0 < x_limit]
    rows: list[list[VWord]] = [words]
    if continuation and words:
        rows += continuation_rows(view, line, hit.first, x_limit, continuation)
    snippet = Snippet.from_lines(rows)
    start = _char_end(hit) - line.word_offsets[hit.first]
    return Region(snippet, max(0, start), "right")


def continuation_rows(
    view: DocView, line: VLine, pos: int, x_limit: float | None = None, max_rows: int = 2
) -> list[list[VWord]]:
    """Words on the following lines that continue the cell holding word ``pos`` (left-aligned with it)."""
    first, last = line.segment_of(pos)
    cell_x0 = line.words[first].bbox.x0
    cell_x1 = line.words[last - 1].bbox.x1
    right = x_limit if x_limit is not None else line.segment_right_edge(pos)
    h = line.height
    rows: list[list[VWord]] = []
    last_bottom = line.bottom
    for nxt in view.lines[line.index + 1 :]:
        if nxt.page != line.page or nxt.top - last_bottom > 2.5 * max(h, nxt.height):
            break
        seg_rows: list[VWord] = []
        for s in nxt.segment_starts:
            f, l = nxt.segment_of(s)
            sx0 = nxt.words[f].bbox.x0
            if cell_x0 - 1.5 * h <= sx0 <= cell_x0 + 0.5 * max(cell_x1 - cell_x0, 4 * h) and sx0 < right:
                seg_rows.extend(w for w in nxt.words[f:l] if w.bbox.x0 < right)
        if seg_rows:
            rows.append(seg_rows)
            last_bottom = nxt.bottom
            if len(rows) >= max_rows:
                break
    return rows


def below_region(view: DocView, hit: LabelHit, max_lines: int = 2, widen: float = 1.0) -> Region:
    """Words under the label's own extent (a header over its value)."""
    h = hit.line.height
    x0 = hit.x0 - widen * h
    x1 = hit.x1 + widen * h
    rows = [_whole_cells(view, row) for row in view.below(hit.line, x0, x1, max_lines=max_lines)]
    return Region(Snippet.from_lines(rows), 0, "below")


def _whole_cells(view: DocView, words: list[VWord]) -> list[VWord]:
    """A number that runs past the header's edge ("75 646 000,00" under "Сумма") is taken whole: the words after the
    column that continue it (figures and separators) within its cell are added; nothing else of the cell is."""
    if not words:
        return words
    line = view.lines[words[0].line]
    last = words[-1]
    if not _NUMBER_PART.fullmatch(last.text):
        return words
    _, cell_end = line.segment_of(last.pos)
    out = list(words)
    for w in line.words[last.pos + 1 : cell_end]:
        if not _NUMBER_PART.fullmatch(w.text):
            break
        out.append(w)
    return out


_NUMBER_PART = re.compile(r"[\d.,'’\u00a0-]*\d[\d.,'’\u00a0-]*")


def first_value(region: Region, parse: Parser) -> Found | None:
    text = region.snippet.text
    for s, e, value, factor in parse(text):
        if s < region.start:
            continue
        words = region.snippet.words_in(s, e)
        return Found(value=value, raw=text[s:e].strip(), words=words, factor=factor)
    return None


def labelled(
    view: DocView,
    label: str,
    parse: Parser,
    lines: Iterable[VLine] | None = None,
    exclude: str | None = None,
    max_gap_chars: int = 60,
    try_below: bool = True,
) -> Found | None:
    """The first value ``parse`` accepts next to a ``label`` hit (right of it, else under it).

    ``exclude`` names a label whose hits disqualify an overlapping hit ("Дата валютирования" is not
    the document date). ``max_gap_chars``: how far right of the label the value may start.
    """
    hits = find_hits(view, label, lines)
    if exclude:
        bad = find_hits(view, exclude, lines, only_label_like=False)
        hits = [h for h in hits if not any(_overlap(h, b) for b in bad)]
    for hit in hits:
        region = right_region(view, hit, continuation=0)
        found = first_value(region, parse)
        if found is not None:
            offset = region.snippet.text.find(found.raw or "", region.start)
            if offset - region.start <= max_gap_chars:
                return found
        if try_below:
            found = first_value(below_region(view, hit), parse)
            if found is not None:
                found.factor *= 0.95
                return found
    return None


def _overlap(a: LabelHit, b: LabelHit) -> bool:
    return a.line.index == b.line.index and a.first <= b.last and b.first <= a.last


# ---------------------------------------------------------------------- parsers


def regex_parser(pattern: re.Pattern[str], convert: Callable[[re.Match[str]], Any], factor: float = 1.0) -> Parser:
    def parse(text: str) -> list[ParsedValue]:
        out: list[ParsedValue] = []
        for m in pattern.finditer(text):
            value = convert(m)
            if value is not None:
                out.append((m.start(), m.end(), value, factor))
        return out

    return parse


def weaker(found: Found | None) -> Found | None:
    if found is not None:
        found.factor *= FALLBACK_FACTOR
    return found
