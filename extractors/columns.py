"""Text printed in two columns of running prose — a bilingual contract or act, English left and Russian right — is
read one column after the other, not across the gutter line by line.

Read across, every line of such a page mixes the two languages ("(the Customer) and Krishna Digital  ТОО «Алтай
Литейный"), and whatever reads a phrase (a party's designation, an amount in words) reads half of one and half of the
other. A block of lines is two prose columns when its lines leave one common vertical gutter free and most of them
print a full run of words on each side of it: a table's row has more cells than two, and a form's label-value row has
a short label, so neither is taken for prose.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from models.domain import Word

# A prose line fills its column: each side of the gutter prints at least this many words ...
PROSE_MIN_WORDS = 5
# ... over at least this share of the page's width (a column of two is under half of it).
PROSE_MIN_WIDTH_SHARE = 0.28
# Two columns are a block of at least this many prose lines, and prose is most of the block's lines.
MIN_PROSE_LINES = 4
MIN_PROSE_SHARE = 0.5
# The gutter: wider than this many word heights (a space inside justified prose is narrower) on a prose line;
# the lines between leave at least this many heights of it free (a ragged column's line may reach further).
GUTTER_MIN_HEIGHTS = 1.8
MIN_FREE_HEIGHTS = 0.5


@dataclass
class _Gutter:
    x0: float
    x1: float

    def through(self, words: Sequence[Word]) -> _Gutter | None:
        """The part of the gutter that ``words`` (a line, left to right) leave free, if it stays a gutter."""
        edges = [float("-inf")] + [x for w in words for x in (w.bbox.x0, w.bbox.x1)] + [float("inf")]
        h = _height(words)
        for x0, x1 in zip(edges[::2], edges[1::2]):  # the spaces between words, and before and after the line
            free = _Gutter(max(self.x0, x0), min(self.x1, x1))
            if free.x1 - free.x0 >= MIN_FREE_HEIGHTS * h:
                return free
        return None


def _height(words: Sequence[Word]) -> float:
    heights = sorted(w.bbox.y1 - w.bbox.y0 for w in words)
    return max(heights[len(heights) // 2], 1e-6)


def _prose_gutter(words: Sequence[Word], page_width: float) -> _Gutter | None:
    """The gutter of a line printing one run of prose on each side of it, or None."""
    h = _height(words)
    gaps = [i for i in range(1, len(words)) if words[i].bbox.x0 - words[i - 1].bbox.x1 > GUTTER_MIN_HEIGHTS * h]
    if len(gaps) != 1:
        return None  # one run of words or a table's row
    left, right = words[: gaps[0]], words[gaps[0] :]
    for side in (left, right):
        width = side[-1].bbox.x1 - side[0].bbox.x0
        if len(side) < PROSE_MIN_WORDS or width < PROSE_MIN_WIDTH_SHARE * page_width:
            return None
    return _Gutter(left[-1].bbox.x1, right[0].bbox.x0)


def reading_order(lines: list[list[Word]], page_width: float) -> list[list[Word]]:
    """The page's lines (each sorted left to right) in reading order: a two-column prose block's left column lines
    first, then its right column's; every other line as it is."""
    out: list[list[Word]] = []
    gutters = [_prose_gutter(line, page_width) for line in lines]
    i = 0
    while i < len(lines):
        block = _block_at(lines, gutters, i)
        if block is None:
            out.append(lines[i])
            i += 1
            continue
        end, gutter = block
        left = [[w for w in ln if w.bbox.x1 <= gutter.x0] for ln in lines[i:end]]
        right = [[w for w in ln if w.bbox.x0 >= gutter.x1] for ln in lines[i:end]]
        out += [ln for ln in left if ln] + [ln for ln in right if ln]
        i = end
    return out


def _block_at(lines: list[list[Word]], gutters: list[_Gutter | None], start: int) -> tuple[int, _Gutter] | None:
    """(end, gutter) of the two-column prose block that starts with line ``start``, or None (``gutters``: each line's
    own prose gutter)."""
    gutter = gutters[start]
    if gutter is None:
        return None
    prose = 1
    end = start + 1  # just after the last prose line: the lines under the block's last one are not its
    i = start + 1
    while i < len(lines):
        line = lines[i]
        narrowed = gutter.through(line)
        if narrowed is None:
            break
        gutter = narrowed
        if gutters[i] is not None:
            prose += 1
            end = i + 1
        i += 1
    if prose < MIN_PROSE_LINES or prose < MIN_PROSE_SHARE * (end - start):
        return None
    return end, gutter
