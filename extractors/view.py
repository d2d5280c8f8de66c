"""A searchable view of a ``DocumentText``: plain text whose every character maps back to a word box.

Extractors search text with regular expressions and ask the view where a match sits on the page
(provenance) and how sure the OCR was about it (word confidence). They also ask geometric
questions that make reading layout-independent: what is right of a label on its line, what is
below it in its column, which words form a cell. All geometry is relative to word heights, so it
works the same for PDF points, image pixels and spreadsheet cells.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property

from extractors.columns import reading_order
from extractors.prefilter import fold, may_match, needles
from models.domain import BBox, DocumentText, PageText, Provenance, Word

# A gap wider than this many word heights separates two columns (cells) of one line. Measured on
# the dev corpus: spaces between words are < 1.25 heights, column gutters > 2.
COLUMN_GAP_HEIGHTS = 1.8
# A line belongs to the block below another when it starts within this many heights underneath.
BELOW_MAX_GAP_HEIGHTS = 2.2
# Words further apart than this many heights are joined with two spaces in the view's text, so that
# "5 220 000,00  459 360,00" in neighbouring table columns is not read as one number.
WIDE_GAP_HEIGHTS = 0.9


def word_separator(prev: VWord, cur: VWord, height: float, cells: bool) -> str:
    if cells:
        return "  "
    gap = cur.bbox.x0 - prev.bbox.x1
    return "  " if gap > WIDE_GAP_HEIGHTS * height else " "


@dataclass
class VWord:
    page: int
    line: int  # global line index in the view
    pos: int  # position within its line
    word: Word
    start: int = 0  # char offset in DocView.text
    end: int = 0
    cells: bool = False  # comes from a spreadsheet grid
    sep_before: str = " "  # what separates it from the previous word of its line in the view's text

    @property
    def text(self) -> str:
        return self.word.text

    @property
    def bbox(self) -> BBox:
        return self.word.bbox

    @property
    def xc(self) -> float:
        return (self.word.bbox.x0 + self.word.bbox.x1) / 2


@dataclass
class VLine:
    index: int
    page: int
    words: list[VWord]
    page_width: float
    page_height: float
    line_on_page: int
    start: int = 0
    end: int = 0
    segment_starts: list[int] = field(default_factory=list)  # word positions where a new cell starts
    cells: bool = False  # a spreadsheet row: every word is its own cell

    def set_separators(self) -> None:
        for i, w in enumerate(self.words):
            w.sep_before = word_separator(self.words[i - 1], w, self.height, self.cells) if i else ""

    @cached_property
    def text(self) -> str:
        return "".join(w.sep_before + w.text for w in self.words)

    @cached_property
    def folded(self) -> str:
        """``text`` case-folded as ``re.IGNORECASE`` compares (for ``extractors.prefilter``)."""
        return fold(self.text)

    @cached_property
    def word_offsets(self) -> list[int]:
        """Offset of each word in ``text``."""
        out, offset = [], 0
        for w in self.words:
            offset += len(w.sep_before)
            out.append(offset)
            offset += len(w.text)
        return out

    @property
    def top(self) -> float:
        return min(w.bbox.y0 for w in self.words)

    @property
    def bottom(self) -> float:
        return max(w.bbox.y1 for w in self.words)

    @property
    def x0(self) -> float:
        return min(w.bbox.x0 for w in self.words)

    @property
    def x1(self) -> float:
        return max(w.bbox.x1 for w in self.words)

    @cached_property
    def height(self) -> float:
        return max(_median([w.bbox.y1 - w.bbox.y0 for w in self.words]), 1e-6)

    def segment_of(self, pos: int) -> tuple[int, int]:
        """[first, last) word positions of the cell holding word ``pos``."""
        starts = self.segment_starts or [0]
        first = max(s for s in starts if s <= pos)
        later = [s for s in starts if s > pos]
        return first, (later[0] if later else len(self.words))

    def segment_right_edge(self, pos: int) -> float:
        """Where the cell holding word ``pos`` ends: the next cell's left edge, or the page edge."""
        _, last = self.segment_of(pos)
        return self.words[last].bbox.x0 if last < len(self.words) else self.page_width


@dataclass
class Snippet:
    """Text assembled from view words, with each word's span in ``text``."""

    text: str
    words: list[VWord]
    spans: list[tuple[int, int]]

    @classmethod
    def from_lines(cls, lines: Iterable[list[VWord]]) -> Snippet:
        parts: list[str] = []
        words: list[VWord] = []
        spans: list[tuple[int, int]] = []
        offset = 0
        for line in lines:
            if not line:
                continue
            if parts:
                parts.append("\n")
                offset += 1
            for i, w in enumerate(line):
                if i:
                    prev = line[i - 1]
                    same = w.line == prev.line and w.pos == prev.pos + 1
                    sep = w.sep_before if same else "  "
                    parts.append(sep)
                    offset += len(sep)
                parts.append(w.text)
                words.append(w)
                spans.append((offset, offset + len(w.text)))
                offset += len(w.text)
        return cls("".join(parts), words, spans)

    def words_in(self, start: int, end: int) -> list[VWord]:
        return [w for w, (s, e) in zip(self.words, self.spans) if s < end and e > start]

    def __bool__(self) -> bool:
        return bool(self.text)


def bbox_union(words: Iterable[VWord]) -> BBox | None:
    box: BBox | None = None
    for w in words:
        box = w.bbox if box is None else box.union(w.bbox)
    return box


def provenance_of(words: list[VWord]) -> Provenance | None:
    if not words:
        return None
    page = words[0].page
    same_page = [w for w in words if w.page == page]
    return Provenance(page=page, bbox=bbox_union(same_page))


def confidence_of(words: list[VWord]) -> float:
    """The weakest word's OCR confidence (text layers say 1.0)."""
    return min((w.word.confidence for w in words), default=1.0)


@dataclass
class LabelHit:
    """A label found on a line: the words it covers."""

    name: str
    line: VLine
    first: int  # first word position
    last: int  # last word position (inclusive)
    match_text: str
    start: int = 0  # char offsets of the match in ``line.text``
    end: int = 0

    @property
    def words(self) -> list[VWord]:
        return self.line.words[self.first : self.last + 1]

    @property
    def x0(self) -> float:
        return self.line.words[self.first].bbox.x0

    @property
    def x1(self) -> float:
        return self.line.words[self.last].bbox.x1


class DocView:
    """Lines and words of a document in reading order, with one flat text for regex search."""

    def __init__(self, doc: DocumentText, skip_noise: bool = True) -> None:
        self.doc = doc
        self.lines: list[VLine] = []
        for page in doc.pages:
            self._add_page(page, skip_noise)
        parts: list[str] = []
        offset = 0
        for line in self.lines:
            line.start = offset
            for w, rel in zip(line.words, line.word_offsets):
                w.start = offset + rel
                w.end = w.start + len(w.text)
            parts.append(line.text)
            offset += len(line.text)
            line.end = offset
            parts.append("\n")
            offset += 1
        self.text = "".join(parts)
        self._line_starts = [ln.start for ln in self.lines]

    # ------------------------------------------------------------------ construction

    def _add_page(self, page: PageText, skip_noise: bool) -> None:
        kept: list[tuple[int, list[Word], list[float]]] = []
        for k, idx in enumerate(page.lines):
            words = [page.words[i] for i in idx if page.words[i].text.strip()]
            if skip_noise:
                words = _drop_scatter(words)
            # A table rule that OCR read as "|" separates two cells: it is a boundary, not a word.
            is_rule = [_is_rule_mark(w.text) for w in words]
            rules = [(w.bbox.x0 + w.bbox.x1) / 2 for w, rule in zip(words, is_rule) if rule]
            words = [w for w, rule in zip(words, is_rule) if not rule]
            if words:
                kept.append((k, sorted(words, key=lambda w: w.bbox.x0), rules))
        if page.unit != "cell":
            # Two columns of prose are read one after the other (extractors.columns); a split line keeps its
            # number on the page and the rules of its own side.
            ordered = reading_order([words for _, words, _ in kept], page.width)
            if len(ordered) != len(kept):
                line_of = {id(w): (k, rules) for k, words, rules in kept for w in words}
                kept = [(*line_of[id(ws[0])][:1], ws, line_of[id(ws[0])][1]) for ws in ordered]
        for k, words, rules in kept:
            line_no = len(self.lines)
            cells = page.unit == "cell"
            vwords = [
                VWord(page=page.page_no, line=line_no, pos=i, word=w, cells=cells) for i, w in enumerate(words)
            ]
            line = VLine(
                index=line_no,
                page=page.page_no,
                words=vwords,
                page_width=page.width,
                page_height=page.height,
                line_on_page=k,
                cells=cells,
            )
            line.segment_starts = list(range(len(vwords))) if cells else _segment_starts(vwords, line.height, rules)
            line.set_separators()
            self.lines.append(line)

    # ------------------------------------------------------------------ text <-> words

    def line_at(self, offset: int) -> VLine:
        import bisect

        i = bisect.bisect_right(self._line_starts, offset) - 1
        return self.lines[max(0, i)]

    def words_in(self, start: int, end: int) -> list[VWord]:
        out: list[VWord] = []
        if not self.lines:
            return out
        first = self.line_at(start).index
        for line in self.lines[first:]:
            if line.start >= end:
                break
            out.extend(w for w in line.words if w.start < end and w.end > start)
        return out

    def page_lines(self, page: int) -> list[VLine]:
        return [ln for ln in self.lines if ln.page == page]

    @cached_property
    def pages(self) -> list[int]:
        return sorted({ln.page for ln in self.lines})

    # ------------------------------------------------------------------ labels

    def find_labels(self, name: str, pattern: re.Pattern[str], lines: Iterable[VLine] | None = None) -> list[LabelHit]:
        hits: list[LabelHit] = []
        need = needles(pattern)
        for line in self.lines if lines is None else lines:
            if not may_match(need, line.folded):
                continue  # the line lacks text every match contains (extractors.prefilter)
            text = line.text
            for m in pattern.finditer(text):
                if m.end() == m.start():
                    continue
                if not _word_bounded(text, m.start(), m.end()):
                    continue
                first, last = _positions(line, m.start(), m.end())
                hit = LabelHit(name, line, first, last, m.group(0), m.start(), m.end())
                prev = hits[-1] if hits and hits[-1].line is line else None
                if prev is not None and _LABEL_PAIR_GAP.fullmatch(text[prev.end : m.start()]):
                    # One label printed in two languages ("Ақша жөнелтуші / Отправитель денег", "Күні / Дата"):
                    # one hit, so that the value is read after the pair, not from its second half.
                    hits[-1] = LabelHit(name, line, prev.first, last, text[prev.start : m.end()], prev.start, m.end())
                    continue
                hits.append(hit)
        return hits

    # ------------------------------------------------------------------ geometry

    def right_of(self, line: VLine, after_pos: int, stop_x: float | None = None) -> list[VWord]:
        """Words after position ``after_pos`` on the line (optionally only left of ``stop_x``)."""
        out = []
        for w in line.words[after_pos + 1 :]:
            if stop_x is not None and w.bbox.x0 >= stop_x:
                break
            out.append(w)
        return out

    def below(
        self,
        line: VLine,
        x0: float,
        x1: float,
        max_lines: int = 4,
        max_gap_heights: float = BELOW_MAX_GAP_HEIGHTS,
    ) -> list[list[VWord]]:
        """Lines underneath ``line`` restricted to the column [x0, x1): the words whose centre falls in it.

        Stops at the page end, at a vertical gap wider than ``max_gap_heights`` line heights (counting
        from the last line that had words in the column) or after ``max_lines`` non-empty lines.
        """
        out: list[list[VWord]] = []
        last_bottom = line.bottom
        h = line.height
        for nxt in self.lines[line.index + 1 :]:
            if nxt.page != line.page:
                break
            if nxt.top - last_bottom > max_gap_heights * max(h, nxt.height):
                break
            in_col = [w for w in nxt.words if x0 - 0.5 * h <= w.xc < x1 and w.bbox.x0 >= x0 - 1.5 * h]
            if in_col:
                out.append(in_col)
                last_bottom = nxt.bottom
                if len(out) >= max_lines:
                    break
        return out

    def header_lines(self, count: int = 8) -> list[VLine]:
        """The first lines of the first page (where titles, numbers and dates usually are)."""
        if not self.lines:
            return []
        first_page = self.lines[0].page
        return [ln for ln in self.lines if ln.page == first_page][:count]

    @cached_property
    def median_height(self) -> float:
        hs = [ln.height for ln in self.lines]
        return _median(hs) if hs else 1.0


# ---------------------------------------------------------------------- helpers


def _segment_starts(words: list[VWord], height: float, rules: list[float] | None = None) -> list[int]:
    """Where cells start: after a gutter wider than ``COLUMN_GAP_HEIGHTS``, or across a table rule at x."""
    starts = [0]
    for i in range(1, len(words)):
        left, right = words[i - 1].bbox.x1, words[i].bbox.x0
        gap = right - left
        if gap > COLUMN_GAP_HEIGHTS * height or any(left <= x <= right for x in rules or ()):
            starts.append(i)
    return starts


# A word made only of vertical bars is a table rule that OCR read as text.
_RULE_MARKS = "|¦│"


def _is_rule_mark(text: str) -> bool:
    return bool(text) and not text.strip(_RULE_MARKS)


def _median(values: list[float]) -> float:
    """``statistics.median`` (the same result), without its overhead: it runs for every line."""
    data = sorted(values)
    n = len(data)
    if n % 2:
        return data[n // 2]
    return (data[n // 2 - 1] + data[n // 2]) / 2


_SCATTER_OK = re.compile(r"^(?:[0-9№#%*()\-–—/:;.,]|[A-Za-zА-Яа-яЁё]\.)$")
# A lone letter this many word heights away from both neighbours is seal lettering, not a word.
SCATTER_GAP_HEIGHTS = 1.6


def _drop_scatter(words: list[Word]) -> list[Word]:
    """Drop lone single letters scattered around a seal (letters set along a circle).

    A one-character word is kept when it is a digit or punctuation, or sits within a (justified)
    space of a real word, as the Russian prepositions "в", "с", "и", "к" do.
    """
    if len(words) < 2:
        return words
    ordered = sorted(words, key=lambda w: w.bbox.x0)
    keep: list[Word] = []
    for i, w in enumerate(ordered):
        t = w.text.strip()
        if len(t) > 1 or _SCATTER_OK.match(t) or t in "«»\"“”":
            keep.append(w)
            continue
        h = max(w.bbox.y1 - w.bbox.y0, 1e-6)
        for j in (i - 1, i + 1):
            if 0 <= j < len(ordered):
                o = ordered[j]
                gap = max(o.bbox.x0 - w.bbox.x1, w.bbox.x0 - o.bbox.x1)
                if len(o.text.strip()) > 1 and gap < SCATTER_GAP_HEIGHTS * h:
                    keep.append(w)
                    break
    return keep


def iter_bounded(pattern: re.Pattern[str], text: str) -> Iterator[re.Match[str]]:
    """Matches of a vocabulary pattern that are whole words ("ust" must not match inside "Устава")."""
    for m in pattern.finditer(text):
        if m.end() > m.start() and _word_bounded(text, m.start(), m.end()):
            yield m


# Between the two halves of a bilingual label: a slash or a bar, nothing else but spaces.
_LABEL_PAIR_GAP = re.compile(r"\s*[/|]\s*")


def _word_bounded(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    first, last = text[start], text[end - 1]
    # Chinese and Japanese write without spaces: a CJK label is bounded wherever it is.
    ok_before = _is_cjk(first) or _is_cjk(before) or not (before.isalnum() and first.isalnum())
    ok_after = _is_cjk(last) or _is_cjk(after) or not (after.isalnum() and last.isalnum())
    return ok_before and ok_after


def _is_cjk(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"


def _positions(line: VLine, start: int, end: int) -> tuple[int, int]:
    """Word positions covering [start, end) of ``line.text``."""
    first = last = None
    for w, s in zip(line.words, line.word_offsets):
        e = s + len(w.text)
        if e > start and s < end:
            if first is None:
                first = w.pos
            last = w.pos
    if first is None:
        first = last = 0
    return first, last if last is not None else first
