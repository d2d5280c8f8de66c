"""Words with boxes from a PDF's own text layer (pdfplumber), and whether that layer can be trusted."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from docproc.settings import OcrSettings
from models.domain import BBox, PageText, SealText, TextSource, Word
from ocr.ink import InkRange, is_ink_pdf_color
from ocr.layout import group_lines

log = logging.getLogger(__name__)

PRIVATE_USE = range(0xE000, 0xF900)


Box = tuple[float, float, float, float]  # x0, top, x1, bottom in points


def _is_rotated(char: dict[str, Any]) -> bool:
    """Not set on a horizontal baseline (turned by any angle, upside down included)."""
    a, b, c, d = (float(x) for x in (char.get("matrix") or (1, 0, 0, 1, 0, 0))[:4])
    return abs(b) > 1e-3 or abs(c) > 1e-3 or a < 0 or d < 0


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
    rotated = [c for c in chars if _is_rotated(c) and is_ink_pdf_color(c.get("non_stroking_color"), ink)]
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


def without_ink_text(page: Any, ink: InkRange | None) -> Any:
    """The page minus seal text: ink-coloured characters inside a round seal (they pollute lines otherwise)."""
    if ink is None:
        return page
    seals = seal_boxes(page.chars, ink)
    if not seals:
        return page

    def keep(obj: dict[str, Any]) -> bool:
        if obj.get("object_type") != "char" or not is_ink_pdf_color(obj.get("non_stroking_color"), ink):
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
    """Angle in degrees of a point around a centre, 0 at twelve o'clock, growing clockwise (y points down)."""
    return math.degrees(math.atan2(point[0] - centre[0], centre[1] - point[1])) % 360.0


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


def read_seals(page: Any, ink: InkRange | None) -> list[SealText]:
    """The lettering of each round seal on a text-layer page: its rings and its straight centre lines."""
    if ink is None:
        return []
    seals: list[SealText] = []
    for box in seal_boxes(page.chars, ink):
        inside = [
            c
            for c in page.chars
            if is_ink_pdf_color(c.get("non_stroking_color"), ink) and _inside(_centre(c), box, margin=2.0)
        ]
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
    """Read one pdfplumber page. Tables are kept as rows of cells when pdfplumber finds ruled ones.

    Seal lettering is not among the words; it is kept apart in ``PageText.seals``.
    """
    view = without_ink_text(page, ink)
    raw = view.extract_words(keep_blank_chars=False, use_text_flow=False, extra_attrs=["size"])
    words = [
        Word(text=w["text"], bbox=BBox(x0=w["x0"], y0=w["top"], x1=w["x1"], y1=w["bottom"]), confidence=1.0)
        for w in raw
        if w["text"].strip()
    ]
    tables: list[list[list[str | None]]] = []
    try:
        tables = [t for t in view.extract_tables() if t]
    except Exception:  # noqa: BLE001 - a table we cannot parse is not a reason to lose the page's words
        tables = []
    return PageText(
        page_no=page_no,
        width=float(page.width),
        height=float(page.height),
        unit="pt",
        source=TextSource.TEXT_LAYER,
        words=words,
        lines=group_lines(words),
        tables=tables,
        seals=_seals_or_none(page, ink, page_no),
    )


def _seals_or_none(page: Any, ink: InkRange | None, page_no: int) -> list[SealText]:
    try:
        return read_seals(page, ink)
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


def assess_text_layer(page: Any, ink: InkRange | None = None) -> TextLayerQuality:
    real = garbage = 0
    for char in without_ink_text(page, ink).chars:
        text = char.get("text", "")
        if _is_garbage(text):
            garbage += 1
        elif any(ch.isalnum() for ch in text):
            real += 1
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
