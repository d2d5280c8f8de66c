"""Words with boxes from a PDF's own text layer, and whether that layer can be trusted.

The functions take a pdfplumber page or an ``ocr.pdfium_text.CharPage`` (pdfium's reading of the same
page in pdfplumber's shape): both have ``chars``, ``images``, ``width``, ``height``, ``filter`` and
``extract_words``.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from pydantic import TypeAdapter

from foundation.settings import OcrSettings
from models.domain import BBox, PageText, SealText, TextSource, Word
from ocr.ink import InkRange, is_ink_pdf_color
from ocr.layout import group_lines
from ocr.pdfium_text import IDENTITY

log = logging.getLogger(__name__)

_WORDS = TypeAdapter(list[Word])

PRIVATE_USE = range(0xE000, 0xF900)


Box = tuple[float, float, float, float]  # x0, top, x1, bottom in points


def _is_rotated(char: dict[str, Any]) -> bool:
    """Not set on a horizontal baseline (turned by any angle, upside down included)."""
    m = char.get("matrix") or IDENTITY
    return abs(m[1]) > 1e-3 or abs(m[2]) > 1e-3 or m[0] < 0 or m[3] < 0


# Ink decisions per ink range, per colour: a page has a handful of colours and thousands of characters.
_INK_MEMOS: dict[InkRange, dict[object, bool]] = {}
INK_MEMO_MAX = 4096  # colours remembered per ink range before the memo starts over (text in a gradient)


def _ink_test(ink: InkRange) -> Callable[[object], bool]:
    """``is_ink_pdf_color`` for one ink range, remembering its answers per colour."""
    memo = _INK_MEMOS.setdefault(ink, {})

    def is_ink(color: object) -> bool:
        try:
            return memo[color]
        except KeyError:
            pass
        except TypeError:  # an unhashable colour (a list): decide without remembering
            return is_ink_pdf_color(color, ink)
        if len(memo) >= INK_MEMO_MAX:
            memo.clear()
        decided = memo[color] = is_ink_pdf_color(color, ink)
        return decided

    return is_ink


def _centre(char: dict[str, Any]) -> tuple[float, float]:
    return (float(char["x0"]) + float(char["x1"])) / 2, (float(char["top"]) + float(char["bottom"])) / 2


def _inside(point: tuple[float, float], box: Box, margin: float = 0.0) -> bool:
    x, y = point
    return box[0] - margin <= x <= box[2] + margin and box[1] - margin <= y <= box[3] + margin


def _touch(a: Box, b: Box, gap: float) -> bool:
    return a[0] - gap <= b[2] and b[0] - gap <= a[2] and a[1] - gap <= b[3] and b[1] - gap <= a[3]


def _union(a: Box, b: Box) -> Box:
    return (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))


def seal_boxes(chars: list[dict[str, Any]], ink: InkRange) -> list[Box]:
    """Areas of round seals: clusters of ink-coloured characters set along a curve (rotated glyphs).

    Only text inside such an area is seal text; ink-coloured text elsewhere (a blue heading, a link)
    is kept.
    """
    is_ink = _ink_test(ink)
    rotated = [c for c in chars if _is_rotated(c) and is_ink(c.get("non_stroking_color"))]
    if len(rotated) < ink.seal_min_rotated:
        return []
    gap = 3 * max(float(c.get("size", 10.0)) for c in rotated)
    clusters: list[tuple[Box, int]] = [
        ((float(c["x0"]), float(c["top"]), float(c["x1"]), float(c["bottom"])), 1) for c in rotated
    ]
    merged = True
    while merged:  # single-linkage: merge any two clusters closer than the gap until none are
        merged = False
        for i in range(len(clusters)):
            for j in range(i + 1, len(clusters)):
                if _touch(clusters[i][0], clusters[j][0], gap):
                    clusters[i] = (_union(clusters[i][0], clusters[j][0]), clusters[i][1] + clusters[j][1])
                    del clusters[j]
                    merged = True
                    break
            if merged:
                break
    return [box for box, count in clusters if count >= ink.seal_min_rotated]


def without_ink_text(page: Any, ink: InkRange | None, seals: list[Box] | None = None) -> Any:
    """The page minus seal text: ink-coloured characters inside a round seal (they pollute lines otherwise).

    ``seals``: the page's ``seal_boxes`` when the caller has them already.
    """
    if ink is None:
        return page
    if seals is None:
        seals = seal_boxes(page.chars, ink)
    if not seals:
        return page
    is_ink = _ink_test(ink)

    def keep(obj: dict[str, Any]) -> bool:
        if obj.get("object_type") != "char" or not is_ink(obj.get("non_stroking_color")):
            return True
        centre = _centre(obj)
        return not any(_inside(centre, seal, margin=2.0) for seal in seals)

    return page.filter(keep)


# A character whose centre lies this far out on the seal (share of the ring radius) is ring lettering,
# even when it happens to stand upright (the glyph at the top of the circle is not turned at all).
RING_MIN_RADIUS_SHARE = 0.75
# Ring characters whose distances from the centre differ by more than this many glyph sizes lie on
# different circles (seals often have an outer and an inner ring of text).
RING_SPLIT_GLYPHS = 0.8
# An angular gap between neighbouring ring characters this many times the usual step is a word break
# (where the ring has no space glyph) or, the widest one, where the lettering starts and ends.
RING_WORD_GAP_STEPS = 1.8
RING_START_GAP_STEPS = 2.5
# Degrees short of a full turn within which a ring character counts as at twelve o'clock (float noise
# of a glyph set exactly there is some 1e-4 degrees; lettering steps are several degrees).
RING_TOP_SNAP_DEG = 0.01
# Seal centre lines are set tight, often without space glyphs ("БИН 111040086517" one glyph gap apart):
# a gap this wide (points) already separates words there.
SEAL_WORD_GAP_PT = 1.5


def _fit_circle(points: list[tuple[float, float]]) -> tuple[float, float, float] | None:
    """Least-squares circle through points (algebraic fit): centre x, centre y, radius."""
    if len(points) < 3:
        return None
    xs = np.array([p[0] for p in points])
    ys = np.array([p[1] for p in points])
    design = np.column_stack([xs, ys, np.ones_like(xs)])
    try:
        (d, e, f), *_ = np.linalg.lstsq(design, -(xs**2 + ys**2), rcond=None)
    except np.linalg.LinAlgError:
        return None
    cx, cy = -d / 2, -e / 2
    r2 = cx * cx + cy * cy - f
    if not math.isfinite(r2) or r2 <= 0:
        return None
    return float(cx), float(cy), math.sqrt(r2)


def _clockwise_from_top(point: tuple[float, float], centre: tuple[float, float]) -> float:
    """Angle in degrees of a point around a centre, 0 at twelve o'clock, growing clockwise (y points down).

    A glyph set right at twelve o'clock (where a seal's lettering usually starts) lands a hair to either
    side of it by float noise alone; within ``RING_TOP_SNAP_DEG`` it counts as at twelve o'clock, so that
    the ring reads from it whichever way the noise went.
    """
    angle = math.degrees(math.atan2(point[0] - centre[0], centre[1] - point[1])) % 360.0
    return 0.0 if angle > 360.0 - RING_TOP_SNAP_DEG else angle


def _read_ring(chars: list[dict[str, Any]], centre: tuple[float, float]) -> str:
    """Characters of one circle in clockwise order, starting after the widest gap when there is one."""
    placed = sorted((_clockwise_from_top(_centre(c), centre), str(c.get("text", ""))) for c in chars)
    if not placed:
        return ""
    steps = [(placed[(i + 1) % len(placed)][0] - placed[i][0]) % 360.0 for i in range(len(placed))]
    usual = float(np.median(steps)) or 1.0
    widest = max(range(len(steps)), key=steps.__getitem__)
    start = (widest + 1) % len(placed) if steps[widest] > RING_START_GAP_STEPS * usual else 0
    out: list[str] = []
    for k in range(len(placed)):
        i = (start + k) % len(placed)
        out.append(placed[i][1])
        if k < len(placed) - 1 and steps[i] > RING_WORD_GAP_STEPS * usual:
            out.append(" ")
    return " ".join("".join(out).split())


def _split_rings(chars: list[dict[str, Any]], centre: tuple[float, float]) -> list[list[dict[str, Any]]]:
    """Ring characters grouped by circle, outermost first."""
    by_radius = sorted(chars, key=lambda c: -math.dist(_centre(c), centre))
    rings: list[list[dict[str, Any]]] = []
    last = None
    for c in by_radius:
        radius = math.dist(_centre(c), centre)
        size = float(c.get("size", 6.0))
        if last is None or last - radius > RING_SPLIT_GLYPHS * size:
            rings.append([])
        rings[-1].append(c)
        last = radius
    return rings


def read_seals(page: Any, ink: InkRange | None, boxes: list[Box] | None = None) -> list[SealText]:
    """The lettering of each round seal on a text-layer page: its rings and its straight centre lines.

    ``boxes``: the page's ``seal_boxes`` when the caller has them already.
    """
    if ink is None:
        return []
    seals: list[SealText] = []
    boxes = seal_boxes(page.chars, ink) if boxes is None else boxes
    if not boxes:
        return seals
    is_ink = _ink_test(ink)
    inked = [c for c in page.chars if is_ink(c.get("non_stroking_color"))]
    for box in boxes:
        inside = [c for c in inked if _inside(_centre(c), box, margin=2.0)]
        turned = [_centre(c) for c in inside if _is_rotated(c)]
        circle = _fit_circle(turned)
        if circle is None:
            centre, radius = ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2), (box[2] - box[0]) / 2
        else:
            centre, radius = (circle[0], circle[1]), circle[2]
        on_ring = [c for c in inside if math.dist(_centre(c), centre) >= RING_MIN_RADIUS_SHARE * radius]
        ring_ids = {id(c) for c in on_ring}
        straight = {id(c) for c in inside if id(c) not in ring_ids and str(c.get("text", "")).strip()}
        words: list[Word] = []
        if straight:
            centre_view = page.filter(lambda obj, keep=frozenset(straight): id(obj) in keep)
            words = [
                Word(text=w["text"], bbox=BBox(x0=w["x0"], y0=w["top"], x1=w["x1"], y1=w["bottom"]))
                for w in centre_view.extract_words(x_tolerance=SEAL_WORD_GAP_PT, use_text_flow=False)
                if w["text"].strip()
            ]
            words = [words[i] for line in group_lines(words) for i in line]
        rings = [text for ring in _split_rings(on_ring, centre) if (text := _read_ring(ring, centre))]
        seals.append(
            SealText(bbox=BBox(x0=box[0], y0=box[1], x1=box[2], y1=box[3]), rings=rings, words=words)
        )
    return seals


def text_layer_page(page: Any, page_no: int, ink: InkRange | None = None) -> PageText:
    """Read one page: a pdfplumber page or an ``ocr.pdfium_text.CharPage`` (the same chars and words).

    Seal lettering is not among the words; it is kept apart in ``PageText.seals``. Ruled tables are not
    read (``PageText.tables`` stays empty): no extractor uses them, and pdfplumber's table finder alone
    cost more than reading the whole page through pdfium.
    """
    seals = seal_boxes(page.chars, ink) if ink is not None else []
    return _page_text(page, without_ink_text(page, ink, seals), page_no, ink, seals)


def usable_text_layer_page(page: Any, page_no: int, ink: InkRange | None, settings: OcrSettings) -> PageText | None:
    """``text_layer_page`` when the layer passes ``text_layer_is_usable``, else None.

    The same as assessing and then reading, with the seal areas found once for both.
    """
    seals = seal_boxes(page.chars, ink) if ink is not None else []
    view = without_ink_text(page, ink, seals)
    if not text_layer_is_usable(_assess(page, view), settings):
        return None
    return _page_text(page, view, page_no, ink, seals)


def _page_text(page: Any, view: Any, page_no: int, ink: InkRange | None, seals: list[Box]) -> PageText:
    raw = view.extract_words(keep_blank_chars=False, use_text_flow=False, extra_attrs=["size"])
    # Validated as one list: a call into pydantic per word costs more than the page's word grouping.
    words = _WORDS.validate_python(
        [
            {"text": w["text"], "bbox": {"x0": w["x0"], "y0": w["top"], "x1": w["x1"], "y1": w["bottom"]}, "confidence": 1.0}
            for w in raw
            if w["text"].strip()
        ]
    )
    return PageText(
        page_no=page_no,
        width=float(page.width),
        height=float(page.height),
        unit="pt",
        source=TextSource.TEXT_LAYER,
        words=words,
        lines=group_lines(words),
        seals=_seals_or_none(page, ink, page_no, seals),
    )


def _seals_or_none(page: Any, ink: InkRange | None, page_no: int, boxes: list[Box] | None = None) -> list[SealText]:
    try:
        return read_seals(page, ink, boxes)
    except Exception as exc:  # noqa: BLE001 - seals are a fallback layer: never lose the page's words for them
        log.warning("seal lettering of page %d unreadable: %s", page_no, exc)
        return []


@dataclass(frozen=True)
class TextLayerQuality:
    real_chars: int  # letters and digits
    garbage_chars: int  # unmapped glyphs: "(cid:N)", U+FFFD, private-use code points
    image_coverage: float  # share of the page area under images (1.0 = a full-page scan)

    @property
    def garbage_ratio(self) -> float:
        total = self.real_chars + self.garbage_chars
        return self.garbage_chars / total if total else 0.0


def _is_garbage(text: str) -> bool:
    return text.startswith("(cid:") or any(ch == "\ufffd" or ord(ch) in PRIVATE_USE for ch in text)


# What a character's text counts as in the check: 1 real (a letter or digit), -1 garbage, 0 neither.
_KIND_MEMO: dict[str, int] = {}
KIND_MEMO_MAX = 65536  # texts remembered (single characters, mostly) before the memo starts over


def _char_kind(text: str) -> int:
    kind = _KIND_MEMO.get(text)
    if kind is None:
        if len(_KIND_MEMO) >= KIND_MEMO_MAX:
            _KIND_MEMO.clear()
        kind = _KIND_MEMO[text] = -1 if _is_garbage(text) else int(any(ch.isalnum() for ch in text))
    return kind


def assess_text_layer(page: Any, ink: InkRange | None = None) -> TextLayerQuality:
    return _assess(page, without_ink_text(page, ink))


def _assess(page: Any, view: Any) -> TextLayerQuality:
    real = garbage = 0
    for char in view.chars:
        kind = _char_kind(char.get("text", ""))
        if kind > 0:
            real += 1
        elif kind < 0:
            garbage += 1
    area = float(page.width) * float(page.height) or 1.0
    covered = 0.0
    for image in page.images:
        x0, x1 = max(float(image["x0"]), 0.0), min(float(image["x1"]), float(page.width))
        top, bottom = max(float(image["top"]), 0.0), min(float(image["bottom"]), float(page.height))
        covered += max(x1 - x0, 0.0) * max(bottom - top, 0.0)
    return TextLayerQuality(real_chars=real, garbage_chars=garbage, image_coverage=min(covered / area, 1.0))


def text_layer_is_usable(quality: TextLayerQuality, settings: OcrSettings) -> bool:
    """Trust the text layer unless it is thin, full of unmapped glyphs, or a scanner's stub over an image."""
    if quality.garbage_ratio > settings.max_text_layer_garbage_ratio:
        return False
    needed = settings.min_text_layer_chars
    if quality.image_coverage >= settings.scan_image_min_coverage:
        needed = max(needed, settings.min_text_layer_chars_over_image)
    return quality.real_chars >= needed
