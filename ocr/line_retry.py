"""A second look at the stretches of a page that OCR read with very low confidence.

With one uniform block (psm 6), tesseract sometimes loses a short cell whose baseline sits between
the lines of its neighbours (a one-line "Бенефициар: Ван Вэй" beside two-line "ЖСН/БСН" cells of a
payment order) and returns near-zero-confidence garbage for it ("pester Maps ) Ван ESS"). The same
stretch cut out alone reads cleanly. So a run of such words on a line is read again on its own, and
the new reading replaces the old only when it is clearly more confident: a retry can never make a
page worse than its confidence says. A few runs per page at most, all read in one engine call on a
small image: the cost of a model load and a few lines.
"""

from __future__ import annotations

import numpy as np

from models.domain import BBox, Word
from ocr.engine import OcrEngine, OcrError
from ocr.layout import group_lines, mean_word_confidence

# A word read with less confidence than this is doubtful; a run of at least RETRY_MIN_WORDS doubtful
# words on one line is read again (single doubtful words are mostly specks and stray marks).
DOUBTFUL_CONFIDENCE = 0.5
RETRY_MIN_WORDS = 2
# A run is worth a second reading only when it looks like text that OCR garbled: at least this many of
# its words hold this many letters or digits. Signatures and stamp specks read as short fragments
# ("we", "С", "<<"), and reading them again costs a model load for nothing.
RETRY_MIN_TEXT_WORDS = 2
TEXT_WORD_MIN_ALNUM = 3
# At most this many retries per page, the least confident runs first.
MAX_RETRIES_PER_PAGE = 4
# The new reading is kept when its mean confidence is at least this high and this much above the old.
ACCEPT_MIN_CONFIDENCE = 0.75
ACCEPT_MIN_GAIN = 0.3
# Room around the run's box, as a share of its height (ascenders, descenders, a slightly skewed line).
CROP_MARGIN_SHARE = 0.3
# White border around and between the crops: tesseract reads poorly to the very edge of an image, and
# the crops' lines must stay apart.
CROP_BORDER_PX = 20
# Page segmentation for the crop: one block, which may hold the cell's two lines.
RETRY_PSM = 6
PAPER_WHITE = 255


def _doubtful_runs(words: list[Word]) -> list[list[int]]:
    """Runs of consecutive doubtful words on each line (indexes into ``words``)."""
    runs: list[list[int]] = []
    for line in group_lines(words):
        run: list[int] = []
        for i in [*line, -1]:
            if i >= 0 and words[i].confidence < DOUBTFUL_CONFIDENCE:
                run.append(i)
                continue
            if len(run) >= RETRY_MIN_WORDS and _looks_like_text([words[j] for j in run]):
                runs.append(run)
            run = []
    return runs


def _looks_like_text(run: list[Word]) -> bool:
    wordy = sum(1 for w in run if sum(ch.isalnum() for ch in w.text) >= TEXT_WORD_MIN_ALNUM)
    return wordy >= RETRY_MIN_TEXT_WORDS


def _overlaps(box: BBox, other: BBox) -> bool:
    """The centre of ``box`` lies inside ``other``: the same mark read twice."""
    x, y = (box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2
    return other.x0 <= x <= other.x1 and other.y0 <= y <= other.y1


def retry_doubtful_runs(
    image: np.ndarray, words: list[Word], engine: OcrEngine, languages: str
) -> list[Word]:
    """``words`` (read from ``image``) with doubtful runs replaced by a clearly better reading of each.

    The runs' crops are stacked one under another and read in a single engine call (each call costs a
    model load, more than reading a small crop).
    """
    runs = sorted(_doubtful_runs(words), key=lambda run: mean_word_confidence([words[i] for i in run]))[
        :MAX_RETRIES_PER_PAGE
    ]
    cut = [(run, piece) for run in runs if (piece := _crop(image, [words[i] for i in run])) is not None]
    if not cut:
        return words
    stacked, tops = stack_crops([piece[0] for _, piece in cut])
    try:
        read = engine.recognize(stacked, languages, RETRY_PSM)
    except OcrError:
        return words
    replaced: set[int] = set()
    added: list[Word] = []
    for (run, (crop, left, top)), band_top in zip(cut, tops, strict=True):
        band_bottom = band_top + crop.shape[0]
        # Words of this crop, back in page coordinates.
        fresh = [
            _shifted(w, left - CROP_BORDER_PX, top - band_top)
            for w in read
            if band_top <= (w.bbox.y0 + w.bbox.y1) / 2 < band_bottom
        ]
        # Marks of neighbouring cells caught in the crop are already among the page's words.
        kept = [words[i] for i in range(len(words)) if i not in run]
        fresh = [w for w in fresh if not any(_overlaps(w.bbox, k.bbox) for k in kept)]
        old = [words[i] for i in run]
        if not fresh or mean_word_confidence(fresh) < ACCEPT_MIN_CONFIDENCE or mean_word_confidence(fresh) < mean_word_confidence(old) + ACCEPT_MIN_GAIN:
            continue
        replaced.update(run)
        added += fresh
    if not replaced:
        return words
    return [w for i, w in enumerate(words) if i not in replaced] + added


def _crop(image: np.ndarray, old: list[Word]) -> tuple[np.ndarray, int, int] | None:
    """The run's box with some room, as a grey image, and its page origin (left, top)."""
    height, width = image.shape[:2]
    x0, y0 = min(w.bbox.x0 for w in old), min(w.bbox.y0 for w in old)
    x1, y1 = max(w.bbox.x1 for w in old), max(w.bbox.y1 for w in old)
    margin = CROP_MARGIN_SHARE * (y1 - y0)
    left, top = max(int(x0 - margin), 0), max(int(y0 - margin), 0)
    right, bottom = min(int(x1 + margin) + 1, width), min(int(y1 + margin) + 1, height)
    if right <= left or bottom <= top:
        return None
    crop = image[top:bottom, left:right]
    if crop.ndim == 3:
        crop = crop.min(axis=2)  # the stack is grey; the page was turned grey before OCR anyway
    return crop, left, top


def stack_crops(crops: list[np.ndarray], border: int = CROP_BORDER_PX) -> tuple[np.ndarray, list[int]]:
    """Grey crops one under another on white, ``border`` apart and from the edges, left aligned at
    ``border``: several small images read in one engine call. Returns the image and each crop's top row."""
    width = max(c.shape[1] for c in crops) + 2 * border
    height = sum(c.shape[0] for c in crops) + (len(crops) + 1) * border
    out = np.full((height, width), PAPER_WHITE, dtype=np.uint8)
    tops: list[int] = []
    y = border
    for crop in crops:
        out[y : y + crop.shape[0], border : border + crop.shape[1]] = crop
        tops.append(y)
        y += crop.shape[0] + border
    return out, tops


def _shifted(word: Word, dx: float, dy: float) -> Word:
    b = word.bbox
    box = BBox(x0=b.x0 + dx, y0=b.y0 + dy, x1=b.x1 + dx, y1=b.y1 + dy)
    # Line ids of the crop mean nothing on the page: lines are regrouped from the boxes.
    return word.model_copy(update={"bbox": box, "block": 0, "line": 0})
