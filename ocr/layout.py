"""Reading order: group word boxes into lines, top to bottom, left to right."""

from __future__ import annotations

from models.domain import BBox, Word


def group_lines(words: list[Word], y_tolerance: float = 0.5) -> list[list[int]]:
    """Return lines as lists of word indexes, in reading order.

    Two words share a line when their vertical centres are closer than ``y_tolerance``
    times the smaller word height; this copes with slightly skewed scans where
    words of one line drift by a few pixels.
    """
    order = sorted(
        range(len(words)), key=lambda i: ((words[i].bbox.y0 + words[i].bbox.y1) / 2, words[i].bbox.x0)
    )
    lines: list[list[int]] = []
    line_centres: list[float] = []
    line_heights: list[float] = []
    for i in order:
        b = words[i].bbox
        centre = (b.y0 + b.y1) / 2
        height = max(b.y1 - b.y0, 1e-6)
        if lines and abs(centre - line_centres[-1]) <= y_tolerance * min(height, line_heights[-1]):
            lines[-1].append(i)
            n = len(lines[-1])
            line_centres[-1] = (line_centres[-1] * (n - 1) + centre) / n
            line_heights[-1] = max(line_heights[-1], height)
        else:
            lines.append([i])
            line_centres.append(centre)
            line_heights.append(height)
    for line in lines:
        line.sort(key=lambda i: words[i].bbox.x0)
    return lines


def bbox_of(words: list[Word]) -> BBox | None:
    if not words:
        return None
    box = words[0].bbox
    for w in words[1:]:
        box = box.union(w.bbox)
    return box


def mean_word_confidence(words: list[Word]) -> float:
    return sum(w.confidence for w in words) / len(words) if words else 0.0
