"""Round seals on colour scans and photos, read apart from the page as ``SealText``.

Stamp ink is painted out before a colour page is OCR'd (``ocr.preprocess.suppress_ink``): seal
lettering crosses the lines under it and would tear them. But on work reports, strategies and
signature pages the seal is often the only place a party's BIN is printed, and text-layer PDFs keep
their seals as a fallback layer (``PageText.seals``, ``ocr.text_layer.read_seals``) that extractors
use (``extractors.seals``). This module gives scanned colour pages the same layer:

1. find round seals in the ink mask: circle candidates (Hough) kept only when ink runs around most of
   the circle, and the outermost such circle taken as the seal's edge;
2. draw the seal's ink alone (black on white; the page's black text under it is left out, since
   pixels too dark for ink are never in the mask);
3. unwrap the band of ring lettering with a polar transform into a straight strip (letters stand
   on the ring with their tops outwards, read clockwise), erase the seal's circles (constant radius:
   straight rules in the strip), and start it in the widest gap so that no word is cut;
4. OCR the strip and the centre of the seal (inside the inner circle) in one engine call, stacked.

Grey scans have no ink to tell the seal by; there it is told by being paler than the text, and only
its circles and ring lettering are painted out before OCR (``erase_grey_seal_rings``, called by the
``suppress_stamps`` step): the centre, with the BIN, stays in the page's words, where the signature
block readers find it. Pages without a seal cost only the circle search on a reduced copy.

Why one file: finding a seal ring, painting it out and reading its lettering share the ring's geometry and
colour model; split apart they would pass the same half-dozen intermediate arrays back and forth.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from models.domain import BBox, SealText, Word
from ocr.engine import OcrEngine, OcrError
from ocr.image_ops import PAPER_WHITE, PageTransform, is_colourless, resize
from ocr.ink import InkRange, ink_mask
from ocr.layout import group_lines
from ocr.line_retry import stack_crops
from ocr.opencv import cv2

# Part of the OCR cache key: bump when seal handling (grey rings painted out, colour seals read) or the
# second reading of doubtful runs (``ocr.line_retry``) changes.
SEAL_READER_SIGNATURE = "scan-seals 1, doubtful runs read again 3"

# Seal ink is drawn thinner and paler than signatures: its letters' pixels are mostly less saturated than
# the ink that preprocessing paints out (``OcrSettings.stamp_min_saturation``). Seals are found and
# drawn with this lower bound instead (on dev scans half of a seal's pixels lie between 30 and 70; grey
# paper and black text stay below 15 even on JPEG photos).
SEAL_MIN_SATURATION = 30
# Seals are searched on a copy whose shorter side is this long: enough for circles of a few mm.
DETECT_SIDE_PX = 900
# A seal's radius as a share of the page image's shorter side. Round seals are 35..50 mm across, an A4
# page 210 mm wide (radius 0.08..0.12); photos show the page smaller than the frame, close-ups larger.
MIN_RADIUS_SHARE = 0.04
MAX_RADIUS_SHARE = 0.16
# A piece of a seal's circle spans at least this share of the smallest seal radius one way, and a third
# of it the other way (a quarter of a circle spans 0.7 radius both ways; a faded circle breaks into arcs).
ARC_MIN_SPAN = 0.6
# A straight run this many smallest-seal radii long is a rule, not an arc (a circle's flattest stretch,
# at its top, is shorter).
RULE_MIN_SPAN = 1.5
# On grey pages every mark darker than this (reduced copy) may be seal ink: text and rules included.
GREY_MARK_MAX = 200
# A grey seal is painted out of its ring only when its ink is at least this much paler (0..255) than
# the page's text, which is then told apart from it by darkness alone.
GREY_SEAL_MIN_CONTRAST = 40
# Text darkness: this percentile of the page's marks (stroke cores; antialiased edges are paler).
TEXT_LEVEL_PERCENTILE = 10
# The ring is painted out a little beyond the detected edge (share of the radius): the edge line's
# outer half and the scanner's blur around it.
GREY_RING_REACH_SHARE = 0.04
# A seal's circle line is painted out down to this much (0..255) darker than the seal's median ink.
GREY_SEAL_INK_SPREAD = 25
# A ring letter is at least this share of the seal's radius tall or wide (a 40 mm seal's letters are
# 3 mm, 0.15 of the radius; a decimal comma of 10 pt text is 1 mm).
RING_LETTER_MIN_SHARE = 0.07
# Pale outline around a ring letter (antialiasing, scanner blur), painted out with it, in pixels.
GREY_OUTLINE_PX = 2
# Fewer ink pixels than this share of the reduced page cannot hold a seal's ring of lettering.
MIN_INK_SHARE = 0.0005
# Hough accumulator threshold on the reduced mask (lower finds broken, unevenly inked rings too; every
# candidate is then checked by its angular coverage).
HOUGH_VOTES = 30
HOUGH_MAX_CANDIDATES = 12
# Accumulator at the reduced copy's resolution (half of it lets through more candidates: measured slower).
HOUGH_DP = 1
# A circle drawn by the seal: ink found in at least this share of angular sectors at its radius.
# Signatures and handwriting never close a circle, and ring lettering, gaps between letters and
# words included, covers at most about 0.7 (dev scans); a drawn circle, even unevenly inked or crossed
# by a signature, covers 0.95..1.
CIRCLE_MIN_COVERAGE = 0.85
ANGLE_SECTORS = 90
# A circle candidate is looked at closer only when, around its rough centre, some radius already has
# ink in this share of the angular sectors.
CANDIDATE_MIN_COVERAGE = 0.5
# A circle line spans this share of the radius beyond the radii where it was found (lines are found on
# a reduced copy, where a pixel is three on the page, and have soft edges).
LINE_MARGIN_SHARE = 0.02
# The circle search's centre is refined within this many pixels (reduced copy) each way.
CENTRE_SEARCH_PX = 2
# The seal's edge is searched up to this factor beyond the Hough radius (Hough may lock onto an inner
# circle of the same centre).
EDGE_SEARCH_FACTOR = 1.9
# Circles beyond this share of the outer radius belong to the seal's edge (often a double line); the
# next circle inside bounds the ring lettering from within.
EDGE_MIN_SHARE = 0.8
# Without an inner circle, centre lines are read inside this share of the outer radius.
DEFAULT_INNER_SHARE = 0.58
# The seal is cut out with this much room around its edge (share of the radius).
CROP_MARGIN_SHARE = 1.05
# Seal lettering is read at this outer radius in pixels (a 40 mm seal at 300 dpi); smaller seals on low
# resolution photos are enlarged first, larger ones left alone.
OCR_SEAL_RADIUS_PX = 240
# Seals space their ring letters about a letter apart; the unwrapped strip is condensed along the ring
# by this factor, which tesseract reads better (two dev-corpus seals: "Энерго" and "литейный завод"
# read at 0.75, not at 1.0; 0.6 and 0.5 lose letters).
RING_CONDENSE = 0.75
# A strip column (one radius) inked over this share of its length is a circle line, not lettering.
RULE_MIN_COVERAGE = 0.5
# A signature in the seal's colour is told apart by being darker: a minority (at most this share) of
# the ink's stroke cores, on average this much darker (0..255, HSV value) than the rest. The two dev
# colour seals: 23 % of the cores 54 darker (left out), 36 % 48 darker (kept: the limit of the rule).
# Too few ink pixels tell nothing.
PEN_MAX_SHARE = 0.4
PEN_MIN_CONTRAST = 50
PEN_MIN_PIXELS = 200
# Around a pen stroke's core this many pixels of soft edge go with it.
PEN_EDGE_PX = 2
# Stroke cores: ink at least this saturated (edges of strokes blend with the paper).
PEN_CORE_SATURATION = 90
# Blank rows between the ring strip and the centre crop in the image sent to the engine.
STACK_GAP_PX = 40
# The seal is drawn black where its ink is as saturated as this percentile of its ink pixels (the median:
# a signature in the same colour is often more saturated than the whole seal).
STRONG_INK_PERCENTILE = 50
# Two seal candidates whose centres are closer than this share of the larger radius are one seal.
SAME_SEAL_SHARE = 0.5
# Page segmentation mode for the stacked seal image: one uniform block of lines.
SEAL_PSM = 6


@dataclass(frozen=True)
class SealGeometry:
    """A seal in page pixels: centre, outer edge, and the band of ring lettering between two radii."""

    cx: float
    cy: float
    r: float  # the outermost circle, the seal's edge
    band_outer: float  # the innermost line of the edge (edges are often double)
    band_inner: float  # the outside of the inner circle
    centre_r: float  # the inside of the inner circle: the centre lines lie within
    lines: tuple[tuple[float, float], ...] = ()  # each drawn circle as its (first, last) radius


# --------------------------------------------------------------------------- finding seals


def _occupancy(mask: np.ndarray, cx: float, cy: float, max_r: float) -> np.ndarray:
    """Boolean (radius in whole pixels, angular sector): is there ink at that radius in that sector."""
    # Only the square around the circle matters: a page of text has far more marks elsewhere.
    left, top = max(int(cx - max_r), 0), max(int(cy - max_r), 0)
    ys, xs = np.nonzero(mask[top : int(cy + max_r) + 1, left : int(cx + max_r) + 1])
    dx, dy = xs + left - cx, ys + top - cy
    dist = np.rint(np.hypot(dx, dy)).astype(np.int64)
    near = dist < int(max_r)
    sector = ((np.arctan2(dy[near], dx[near]) + math.pi) / (2 * math.pi) * ANGLE_SECTORS).astype(np.int64)
    occupied = np.zeros((int(max_r), ANGLE_SECTORS), dtype=bool)
    occupied[dist[near], sector % ANGLE_SECTORS] = True
    return occupied


def _arcs_only(mask: np.ndarray, min_r: float) -> np.ndarray:
    """Marks that can be part of a seal's circle: connected marks spanning a good part of the smallest
    seal both ways. Letters, words and straight rules are dropped (the circle search would spend
    seconds on a page of text otherwise)."""
    marks = mask.astype(np.uint8)
    # Table grids are one large connected mark: take their straight rules out first.
    length = max(int(RULE_MIN_SPAN * min_r), 3)
    rules = cv2.bitwise_or(
        cv2.morphologyEx(marks, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (length, 1))),
        cv2.morphologyEx(marks, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, length))),
    )
    marks[rules > 0] = 0
    _, labels, stats, _ = cv2.connectedComponentsWithStats(marks, connectivity=8)
    w, h = stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT]
    keep = (np.maximum(w, h) >= ARC_MIN_SPAN * min_r) & (np.minimum(w, h) >= ARC_MIN_SPAN / 3 * min_r)
    keep[0] = False  # the background
    return keep[labels]


def _refined_centre(mask: np.ndarray, cx: float, cy: float, r: float) -> tuple[float, float]:
    """The centre, within a few pixels of the circle search's answer, around which one radius holds the
    most ink all the way round: circles then come out as sharp lines, the inner one included."""
    best, best_score = (cx, cy), -1.0
    span = CENTRE_SEARCH_PX
    for dy in range(-span, span + 1):
        for dx in range(-span, span + 1):
            occupied = _occupancy(mask, cx + dx, cy + dy, EDGE_SEARCH_FACTOR * r)
            score = float(occupied.mean(axis=1).max()) if occupied.size else 0.0
            if score > best_score:
                best, best_score = (cx + dx, cy + dy), score
    return best


def _circle_lines(mask: np.ndarray, cx: float, cy: float, max_r: float) -> list[tuple[int, int]]:
    """The closed circles drawn around (cx, cy) as (first, last) radius of each line, outermost first."""
    occupied = _occupancy(mask, cx, cy, max_r)
    if occupied.shape[0] < 3:
        return []
    # The centre may be a pixel off: a sector's ink at a neighbouring radius counts too.
    widened = occupied.copy()
    widened[1:] |= occupied[:-1]
    widened[:-1] |= occupied[1:]
    closed = widened.mean(axis=1) >= CIRCLE_MIN_COVERAGE
    lines: list[tuple[int, int]] = []
    start = None
    for i, flag in enumerate([*closed, False]):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            lines.append((start, i - 1))
            start = None
    return lines[::-1]


def seal_ink(ink: InkRange) -> InkRange:
    """The stamp colours, down to the pale ink of seal lettering."""
    return replace(ink, min_saturation=min(ink.min_saturation, SEAL_MIN_SATURATION))


def find_seals(rgb: np.ndarray, ink: InkRange) -> list[SealGeometry]:
    """Round seals on a colour page, in page pixels; [] on grey pages."""
    if rgb.ndim != 3 or is_colourless(rgb):
        return []
    shrink = min(1.0, DETECT_SIDE_PX / min(rgb.shape[:2]))
    small = resize(rgb, shrink) if shrink < 1.0 else rgb
    return _find_circled(ink_mask(small, seal_ink(ink)), shrink)


def find_grey_seals(gray: np.ndarray) -> list[SealGeometry]:
    """Round seals on a grey page: the same circles, found among all marks darker than paper."""
    shrink = min(1.0, DETECT_SIDE_PX / min(gray.shape[:2]))
    small = resize(gray, shrink) if shrink < 1.0 else gray
    return _find_circled(small < GREY_MARK_MAX, shrink)


def _find_circled(mask: np.ndarray, shrink: float) -> list[SealGeometry]:
    """Seals in a mask of a page reduced by ``shrink``, as geometry in page pixels."""
    if mask.mean() < MIN_INK_SHARE:
        return []
    side = min(mask.shape[:2])
    min_r, max_r = MIN_RADIUS_SHARE * side, MAX_RADIUS_SHARE * side
    mask = _arcs_only(mask, min_r)
    blurred = cv2.GaussianBlur(mask.astype(np.uint8) * PAPER_WHITE, (5, 5), 0)
    candidates = cv2.HoughCircles(
        blurred,
        cv2.HOUGH_GRADIENT,
        dp=HOUGH_DP,
        minDist=min_r,
        param1=100,
        param2=HOUGH_VOTES,
        minRadius=int(min_r),
        maxRadius=int(max_r),
    )
    if candidates is None:
        return []
    seals: list[SealGeometry] = []
    for cx, cy, r in candidates[0][:HOUGH_MAX_CANDIDATES]:
        rough = _occupancy(mask, float(cx), float(cy), EDGE_SEARCH_FACTOR * r)
        if not rough.size or rough.mean(axis=1).max() < CANDIDATE_MIN_COVERAGE:
            continue  # nothing near a closed circle here: not worth refining
        cx, cy = _refined_centre(mask, float(cx), float(cy), float(r))
        lines = [
            (a, b)
            for a, b in _circle_lines(mask, cx, cy, EDGE_SEARCH_FACTOR * r)
            if min_r <= (a + b) / 2 <= max_r
        ]
        if not lines:
            continue
        outer = (lines[0][0] + lines[0][1]) / 2
        edge = [line for line in lines if (line[0] + line[1]) / 2 >= EDGE_MIN_SHARE * outer]
        inside = [line for line in lines if (line[0] + line[1]) / 2 < EDGE_MIN_SHARE * outer]
        # The lines' found radii are widened by a margin: on the page a reduced pixel is several.
        margin = LINE_MARGIN_SHARE * outer
        band_outer = min(a for a, _ in edge) - margin
        if inside:
            band_inner, centre = inside[0][1] + margin, inside[0][0] - margin
        else:
            band_inner = centre = DEFAULT_INNER_SHARE * outer
        seal = SealGeometry(
            cx / shrink,
            cy / shrink,
            (lines[0][1] + 1) / shrink,
            band_outer / shrink,
            band_inner / shrink,
            centre / shrink,
            tuple(((a - margin) / shrink, (b + margin) / shrink) for a, b in lines),
        )
        if any(
            math.dist((seal.cx, seal.cy), (s.cx, s.cy)) < SAME_SEAL_SHARE * max(seal.r, s.r) for s in seals
        ):
            continue
        seals.append(seal)
    return seals


# --------------------------------------------------------------------------- grey pages


def erase_grey_seal_rings(gray: np.ndarray) -> np.ndarray:
    """A grey page with the circles and ring lettering of its seals painted out; the centre of each
    seal, and text crossing the ring, are left as they are.

    On a grey scan a seal's ink is mid-grey and the text darker. Its ring crosses the lines it is
    stamped over (dates, signature lines): tesseract then reads the ring's letters into them and loses
    characters. Two kinds of marks go, neither of which can take text with it:

    * the drawn circles: within each circle line's width, what is paler than halfway between the
      text's darkness and the seal's (a line is a few pixels wide: a letter it crosses loses at most
      its palest pixels there);
    * ring letters: marks in the ring band with no pixel as dark as text (a text glyph that touches
      the seal's ink keeps it: such a mark is left whole).

    The centre, where seals print the BIN, is kept: the page's words carry it to the signature
    block's readers. A seal as dark as the text (nothing to tell them apart by) is left alone.
    """
    seals = find_grey_seals(gray)
    text_level = _text_level(gray) if seals else None
    out = gray
    for seal in seals:
        level = _seal_level(gray, seal)
        if level is None or text_level is None or level - text_level < GREY_SEAL_MIN_CONTRAST:
            continue
        if out is gray:
            out = gray.copy()
        _erase_seal(out, seal, text_level, level)
    return out


def _erase_seal(gray: np.ndarray, seal: SealGeometry, text_level: float, seal_level: float) -> None:
    reach = seal.r * (1 + GREY_RING_REACH_SHARE)
    left, top = max(int(seal.cx - reach), 0), max(int(seal.cy - reach), 0)
    right, bottom = min(int(seal.cx + reach) + 1, gray.shape[1]), min(int(seal.cy + reach) + 1, gray.shape[0])
    window = gray[top:bottom, left:right]  # a view: painting it paints the page
    yy, xx = np.mgrid[top:bottom, left:right]
    dist = np.hypot(xx - seal.cx, yy - seal.cy)
    cut = (text_level + seal_level) / 2
    # Painted in the paper's own tone: pure white on grey paper would draw the ring again as an edge.
    paper = window[window >= GREY_MARK_MAX]
    tone = int(np.median(paper)) if paper.size else PAPER_WHITE
    # Text strokes darker than halfway to the seal's ink, and the pixel around them (their soft edge),
    # are never painted.
    grow = cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3))
    text = cv2.dilate((window <= cut).astype(np.uint8), grow) > 0
    # A circle line: only what is as pale as the seal's own ink (a line running along a text line must
    # not take the letters' grey edges with it).
    line_cut = max(cut, seal_level - GREY_SEAL_INK_SPREAD)
    on_line = np.zeros(window.shape, dtype=bool)
    for first, last in seal.lines:
        on_line |= (dist >= first) & (dist <= last)
    window[on_line & (window > line_cut) & ~text] = tone
    # Ring letters: marks in the band with no text-dark pixel, with their pale outline.
    band = (dist > seal.centre_r) & (dist <= reach)
    marks = ((window < GREY_MARK_MAX) & band).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(marks, connectivity=8)
    if count <= 1:
        return
    darkest = np.full(count, PAPER_WHITE, dtype=np.int32)
    np.minimum.at(darkest, labels[marks > 0], window[marks > 0].astype(np.int32))
    # Punctuation of the text under the ring (decimal commas, dots) is small and, blurred, may be as pale
    # as the seal: only marks of a ring letter's size go.
    size = np.maximum(stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT])
    seal_only = (darkest > cut) & (size >= RING_LETTER_MIN_SHARE * seal.r)
    seal_only[0] = False
    letters = cv2.dilate(seal_only[labels].astype(np.uint8), grow, iterations=GREY_OUTLINE_PX) > 0
    window[letters & band & (window > cut) & ~text] = tone


def _text_level(gray: np.ndarray) -> float | None:
    """How dark the page's text is: a low percentile of the marks darker than paper."""
    sample = gray[::4, ::4]
    marks = sample[sample < GREY_MARK_MAX]
    return float(np.percentile(marks, TEXT_LEVEL_PERCENTILE)) if marks.size else None


def _seal_level(gray: np.ndarray, seal: SealGeometry) -> float | None:
    """How dark the seal's ink is: the median of the marks on its edge (a drawn line, seal ink only)."""
    reach = seal.r + 2
    left, top = max(int(seal.cx - reach), 0), max(int(seal.cy - reach), 0)
    window = gray[top : int(seal.cy + reach) + 1, left : int(seal.cx + reach) + 1]
    yy, xx = np.mgrid[top : top + window.shape[0], left : left + window.shape[1]]
    dist = np.hypot(xx - seal.cx, yy - seal.cy)
    edge = window[(dist >= seal.band_outer) & (dist <= seal.r) & (window < GREY_MARK_MAX)]
    return float(np.median(edge)) if edge.size else None


# --------------------------------------------------------------------------- drawing and unwrapping


def ink_strength_image(rgb: np.ndarray, ink: InkRange) -> np.ndarray:
    """Stamp ink as dark on white, shaded by its saturation; everything else (black text included) white.

    A hard mask breaks pale, thin seal lettering into specks; saturation keeps each glyph's shape and
    its soft edges. Stretched so that the seal's strong ink is black.
    """
    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)
    hue, sat, val = hsv[..., 0], hsv[..., 1].astype(np.float32), hsv[..., 2]
    in_hue = (hue >= ink.hue_min) & (hue <= ink.hue_max) & (val >= ink.min_value)
    strength = np.where(in_hue, sat, 0.0)
    pen = _pen_strokes(val, strength >= SEAL_MIN_SATURATION, strength >= PEN_CORE_SATURATION)
    if pen is not None:
        strength[pen] = 0.0
    inked = strength[strength >= SEAL_MIN_SATURATION]
    if inked.size == 0:
        return np.full(rgb.shape[:2], PAPER_WHITE, dtype=np.uint8)
    full = max(float(np.percentile(inked, STRONG_INK_PERCENTILE)), 1.0)
    # Below SEAL_MIN_SATURATION is paper tint and JPEG colour noise: it stays white.
    shade = np.clip((strength - SEAL_MIN_SATURATION / 2) / (full - SEAL_MIN_SATURATION / 2), 0.0, 1.0)
    return (PAPER_WHITE * (1.0 - shade)).astype(np.uint8)


def _pen_strokes(val: np.ndarray, inked: np.ndarray, cores: np.ndarray) -> np.ndarray | None:
    """Pixels of a signature in the seal's colour: a darker minority of the ink, clearly apart from the rest.

    A pen's ink is dark and dense where a stamp's is pale; a signature across the seal's BIN makes its
    digits unreadable. The two are told apart on stroke cores (the soft edges of both are pale).
    Left in (None) when the ink has no such dark minority (a dark stamp, no pen).
    """
    values = val[cores]
    if values.size < PEN_MIN_PIXELS:
        return None
    split, _ = cv2.threshold(
        values.reshape(-1, 1).astype(np.uint8), 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU
    )
    dark = values <= split
    if not dark.any() or dark.all() or dark.mean() > PEN_MAX_SHARE:
        return None
    if float(values[~dark].mean()) - float(values[dark].mean()) < PEN_MIN_CONTRAST:
        return None
    pen = (inked & (val <= split)).astype(np.uint8)
    # The pen's soft edges are as pale as stamp ink: they go with the strokes.
    grow = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * PEN_EDGE_PX + 1, 2 * PEN_EDGE_PX + 1))
    return cv2.dilate(pen, grow) > 0


def seal_ink_image(
    rgb: np.ndarray, seal: SealGeometry, ink: InkRange
) -> tuple[np.ndarray, float, float, float]:
    """The seal's ink alone, dark on white, enlarged to the OCR size; with the crop's page origin and scale.

    The crop is a square around the whole seal, padded with paper where the seal runs off the page.
    """
    pad = math.ceil(seal.r * CROP_MARGIN_SHARE)
    left, top = int(seal.cx) - pad, int(seal.cy) - pad
    x0, y0 = max(left, 0), max(top, 0)
    x1, y1 = min(int(seal.cx) + pad + 1, rgb.shape[1]), min(int(seal.cy) + pad + 1, rgb.shape[0])
    crop = rgb[y0:y1, x0:x1]
    drawn = ink_strength_image(crop, ink)
    side = 2 * pad + 1
    drawn = cv2.copyMakeBorder(
        drawn,
        y0 - top,
        side - (y1 - top),
        x0 - left,
        side - (x1 - left),
        cv2.BORDER_CONSTANT,
        value=PAPER_WHITE,
    )
    scale = max(1.0, OCR_SEAL_RADIUS_PX / max(seal.r, 1.0))
    return resize(drawn, scale), float(left), float(top), scale


def _strip_start(strip: np.ndarray) -> int:
    """Column in the middle of the widest blank run (circular), where the ring's lettering starts and ends."""
    inked = (strip < PAPER_WHITE // 2).any(axis=0)
    if inked.all() or not inked.any():
        return 0
    n = inked.size
    best_len, best_mid, run_start = 0, 0, None
    doubled = np.concatenate([inked, inked])
    for i in range(2 * n):
        if not doubled[i] and run_start is None:
            run_start = i
        elif doubled[i] and run_start is not None:
            if i - run_start > best_len:
                best_len, best_mid = i - run_start, (run_start + i) // 2
            run_start = None
    return best_mid % n


def ring_strip(drawn: np.ndarray, cx: float, cy: float, r_in: float, r_out: float) -> np.ndarray:
    """The ring band between ``r_in`` and ``r_out`` (pixels of ``drawn``) unwrapped into a strip.

    Clockwise angle runs left to right, condensed (``RING_CONDENSE``); the seal's outside is up.
    """
    mid = (r_in + r_out) / 2
    angles = max(round(2 * math.pi * mid * RING_CONDENSE), 1)
    max_radius = math.ceil(r_out) + 1
    polar = cv2.warpPolar(
        drawn,
        (max_radius, angles),
        (cx, cy),
        max_radius,
        cv2.WARP_POLAR_LINEAR + cv2.INTER_LINEAR,
    )
    polar = polar[:, int(r_in) : math.ceil(r_out)]
    # Rows are angles (clockwise on screen, y pointing down), columns radii: turning it a quarter
    # counter-clockwise puts the angle along x and the outside of the seal on top.
    strip = np.ascontiguousarray(np.rot90(polar))
    dark = strip < PAPER_WHITE // 2
    rules = dark.mean(axis=1) >= RULE_MIN_COVERAGE
    strip[rules, :] = PAPER_WHITE
    return np.roll(strip, -_strip_start(strip), axis=1)


def centre_crop(drawn: np.ndarray, cx: float, cy: float, r: float) -> tuple[np.ndarray, int, int]:
    """The disc of radius ``r`` (inside the inner circle), everything outside it painted white."""
    x0, y0 = max(int(cx - r), 0), max(int(cy - r), 0)
    x1, y1 = min(int(cx + r) + 1, drawn.shape[1]), min(int(cy + r) + 1, drawn.shape[0])
    crop = drawn[y0:y1, x0:x1].copy()
    yy, xx = np.mgrid[y0:y1, x0:x1]
    crop[np.hypot(xx - cx, yy - cy) > r] = PAPER_WHITE
    return crop, x0, y0


# --------------------------------------------------------------------------- page frame


def to_page_frame(
    x: float, y: float, shape: tuple[int, ...], transform: PageTransform
) -> tuple[float, float]:
    """A point of the rendered page image in the frame of the page's word boxes (turned, deskewed)."""
    h, w = shape[:2]
    turn = transform.rotation % 360
    if turn == 90:
        x, y, w, h = h - 1 - y, x, h, w
    elif turn == 180:
        x, y = w - 1 - x, h - 1 - y
    elif turn == 270:
        x, y, w, h = y, w - 1 - x, h, w
    if transform.skew_angle:
        matrix = cv2.getRotationMatrix2D((w / 2.0, h / 2.0), transform.skew_angle, 1.0)
        x, y = (
            matrix[0, 0] * x + matrix[0, 1] * y + matrix[0, 2],
            matrix[1, 0] * x + matrix[1, 1] * y + matrix[1, 2],
        )
    return float(x), float(y)


def _box_to_page(box: BBox, shape: tuple[int, ...], transform: PageTransform) -> BBox:
    corners = [to_page_frame(x, y, shape, transform) for x in (box.x0, box.x1) for y in (box.y0, box.y1)]
    xs, ys = [c[0] for c in corners], [c[1] for c in corners]
    return BBox(x0=min(xs), y0=min(ys), x1=max(xs), y1=max(ys))


# --------------------------------------------------------------------------- reading


def _line_texts(words: list[Word]) -> list[str]:
    return [" ".join(words[i].text for i in line) for line in group_lines(words)]


def read_seal(
    rgb: np.ndarray,
    seal: SealGeometry,
    ink: InkRange,
    engine: OcrEngine,
    languages: str,
    transform: PageTransform,
) -> SealText | None:
    drawn, ox, oy, scale = seal_ink_image(rgb, seal, ink)
    cx, cy = (seal.cx - ox) * scale, (seal.cy - oy) * scale
    strip = ring_strip(drawn, cx, cy, seal.band_inner * scale, seal.band_outer * scale)
    centre, centre_x0, centre_y0 = centre_crop(drawn, cx, cy, seal.centre_r * scale)
    # Strip on top, centre below: one image, one engine call.
    stacked, (_, centre_top) = stack_crops([strip, centre], border=STACK_GAP_PX)
    centre_left = STACK_GAP_PX
    words = engine.recognize(stacked, languages, SEAL_PSM)
    boundary = centre_top - STACK_GAP_PX / 2
    ring_words = [w for w in words if (w.bbox.y0 + w.bbox.y1) / 2 < boundary]
    centre_words: list[Word] = []
    for w in words:
        if (w.bbox.y0 + w.bbox.y1) / 2 < boundary:
            continue
        # From the stacked image back to the rendered page, then into the frame of the page's words.
        page_box = BBox(
            x0=ox + (w.bbox.x0 - centre_left + centre_x0) / scale,
            y0=oy + (w.bbox.y0 - centre_top + centre_y0) / scale,
            x1=ox + (w.bbox.x1 - centre_left + centre_x0) / scale,
            y1=oy + (w.bbox.y1 - centre_top + centre_y0) / scale,
        )
        centre_words.append(w.model_copy(update={"bbox": _box_to_page(page_box, rgb.shape, transform)}))
    centre_words = [centre_words[i] for line in group_lines(centre_words) for i in line]
    rings = _line_texts(ring_words)
    if not rings and not centre_words:
        return None
    seal_box = BBox(x0=seal.cx - seal.r, y0=seal.cy - seal.r, x1=seal.cx + seal.r, y1=seal.cy + seal.r)
    return SealText(bbox=_box_to_page(seal_box, rgb.shape, transform), rings=rings, words=centre_words)


def read_scan_seals(
    rgb: np.ndarray, ink: InkRange, engine: OcrEngine, languages: str, transform: PageTransform
) -> list[SealText]:
    """Every round seal on a colour page image, read; [] on grey pages and pages without seals.

    ``transform``: what preprocessing did to the page, so that boxes land in the frame of its words.
    An engine failure on a seal loses that seal only, never the page.
    """
    out: list[SealText] = []
    for geometry in find_seals(rgb, ink):
        try:
            seal = read_seal(rgb, geometry, ink, engine, languages, transform)
        except OcrError:
            continue
        if seal is not None:
            out.append(seal)
    return out
