"""Page-image preprocessing before OCR: small single-purpose OpenCV steps, composed from settings.

Each step is a plain function on a numpy image; ``STEPS`` adapts them to a pipeline that settings name
(``OcrSettings.preprocess``). What a step did to the geometry (scale, quarter turns, skew) is recorded in
``PageTransform`` (``ocr.image_ops``) so the reader can say which frame the word boxes are in.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from foundation.settings import OcrSettings
from ocr.engine import OcrEngine, OcrError, Orientation
from ocr.image_ops import (
    PAPER_WHITE,
    PageTransform,
    is_colourless,
    resize,
    rotate_quarter,
    rotate_small,
    to_grayscale,
)
from ocr.ink import InkRange, ink_mask
from ocr.opencv import cv2
from ocr.seals_scan import erase_grey_seal_rings


@dataclass
class StepContext:
    settings: OcrSettings
    engine: OcrEngine | None
    transform: PageTransform = field(default_factory=PageTransform)
    # The orient step: with ``orientation`` set it applies that answer instead of asking OSD; with
    # ``defer_orientation`` it only keeps its input in ``osd_input`` for the reader to ask later, if needed.
    orientation: Orientation | None = None
    defer_orientation: bool = False
    osd_input: np.ndarray | None = None
    # Median letter height in the current image's pixels, measured once by the upscale step (the steps
    # after it only turn the page a little); remove_rulings uses it instead of measuring again.
    glyph_height: float | None = None


# --------------------------------------------------------------------------- the steps as plain functions


def suppress_ink(image: np.ndarray, ink: InkRange) -> np.ndarray:
    """Paint blue / violet stamp and signature ink paper-white (colour images only; gray passes through)."""
    if is_colourless(image):  # no hue, no saturation: nothing is ink (and the HSV pass costs ~50 ms a page)
        return image
    out = image.copy()
    out[ink_mask(image, ink)] = PAPER_WHITE
    return out


def _gray(image: np.ndarray) -> np.ndarray:
    return to_grayscale(image)


def median_glyph_height(image: np.ndarray) -> float | None:
    """Median height of letter-sized dark connected components; None when the page has no text-like marks."""
    gray = _gray(image)
    _, binary = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    count, _, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=8)
    if count <= 1:
        return None
    w = stats[1:, cv2.CC_STAT_WIDTH]
    h = stats[1:, cv2.CC_STAT_HEIGHT]
    area = stats[1:, cv2.CC_STAT_AREA]
    letter_like = (h >= 4) & (w >= 2) & (h <= gray.shape[0] / 20) & (w <= 3 * h) & (area >= 0.1 * w * h)
    if int(letter_like.sum()) < 20:  # too few marks to call it text
        return None
    return float(np.median(h[letter_like]))


def upscale_factor(glyph_height: float | None, min_height: float, max_factor: float) -> float:
    if glyph_height is None or glyph_height >= min_height:
        return 1.0
    return float(min(max_factor, min_height / max(glyph_height, 1.0)))


def _text_mask_for_skew(gray: np.ndarray, work_width: int = 1000) -> np.ndarray:
    """A downscaled binary image of text strokes, without large blobs (photo backgrounds, dark borders)."""
    factor = min(1.0, work_width / gray.shape[1])
    small = resize(gray, factor) if factor < 1.0 else gray
    binary = cv2.adaptiveThreshold(small, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 25, 15)
    _, labels, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=8)
    too_big = (stats[:, cv2.CC_STAT_HEIGHT] > small.shape[0] / 15) & (
        stats[:, cv2.CC_STAT_WIDTH] > small.shape[1] / 15
    )
    too_big[0] = True  # the background label
    binary[too_big[labels]] = 0
    return binary


class _RowProfiles:
    """Sharpness of the row histogram of a binary image turned by any small angle.

    Each stroke pixel is moved to its turned position (nearest pixel) and counted in its row, instead of
    turning the whole image with ``warpAffine``: about a third of the cost (a page has ~10^5 stroke pixels
    in 1.4·10^6) for nearly the same profile (on 31 dev-corpus scans the same angle 30 times, 0.1° apart
    once; every OCR reading of the corpus unchanged). Angles asked twice (the fine search revisits coarse
    ones) are computed once.
    """

    def __init__(self, binary: np.ndarray) -> None:
        self.height, self.width = binary.shape
        ys, xs = np.nonzero(binary)
        self.xs, self.ys = xs.astype(np.float64), ys.astype(np.float64)
        self._scores: dict[float, float] = {}

    def score(self, angle: float) -> float:
        key = round(float(angle), 6)
        if key not in self._scores:
            self._scores[key] = self._score(key)
        return self._scores[key]

    def _score(self, angle: float) -> float:
        if angle == 0:
            rows = self.ys.astype(np.int64)
        else:
            matrix = cv2.getRotationMatrix2D((self.width / 2.0, self.height / 2.0), angle, 1.0)
            turned_x = np.rint(matrix[0, 0] * self.xs + matrix[0, 1] * self.ys + matrix[0, 2])
            turned_y = np.rint(matrix[1, 0] * self.xs + matrix[1, 1] * self.ys + matrix[1, 2])
            inside = (turned_x >= 0) & (turned_x < self.width) & (turned_y >= 0) & (turned_y < self.height)
            rows = turned_y[inside].astype(np.int64)
        return float(np.var(np.bincount(rows, minlength=self.height).astype(np.float64)))


def estimate_skew(
    gray: np.ndarray, max_angle: float, coarse_step: float = 0.5, fine_step: float = 0.1
) -> tuple[float, float]:
    """The counter-clockwise rotation (degrees) that makes text lines horizontal, and its gain.

    Projection profiles: text lines turned horizontal give the sharpest row histogram. The gain is the
    best score over the unrotated score; a gain near 1 means the page gave no clear answer.
    """
    binary = _text_mask_for_skew(_gray(gray))
    if not binary.any():
        return 0.0, 1.0
    profiles = _RowProfiles(binary)
    base = profiles.score(0.0)
    if base <= 0:
        return 0.0, 1.0
    coarse = np.arange(-max_angle, max_angle + 1e-9, coarse_step)
    best = max(coarse, key=lambda a: profiles.score(float(a)))
    fine = np.arange(best - coarse_step, best + coarse_step + 1e-9, fine_step)
    best = max(fine, key=lambda a: profiles.score(float(a)))
    best = float(np.clip(best, -max_angle, max_angle))
    return round(best, 2), profiles.score(best) / base


def remove_noise(gray: np.ndarray) -> np.ndarray:
    """Light median filter: salt-and-pepper specks from scanners and JPEG, without eating thin strokes."""
    return cv2.medianBlur(gray, 3)


def equalize_contrast(gray: np.ndarray) -> np.ndarray:
    """CLAHE: local contrast for photographs with uneven light."""
    clahe = cv2.createCLAHE(clipLimit=2.0, tileGridSize=(8, 8))
    return clahe.apply(_gray(gray))


def flatten_background(gray: np.ndarray) -> np.ndarray:
    """Divide by a blurred background estimate so shadows and light falloff on photos become white paper."""
    g = _gray(gray)
    kernel = max(15, (min(g.shape[:2]) // 30) | 1)
    background = cv2.morphologyEx(
        g, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (kernel, kernel))
    )
    return cv2.divide(g, background, scale=255)


def remove_rulings(
    gray: np.ndarray,
    min_length_ratio: float = 1 / 25,
    min_glyph_multiple: float = 5.0,
    glyph_height: float | None = None,
) -> np.ndarray:
    """Erase long horizontal and vertical rules (table grids, underlines).

    Ruled tables make tesseract's page segmentation split rows into fragments and drop cells; without
    the grid, each row reads as a line of text. A rule is a straight dark run longer than both
    ``min_length_ratio`` of the page side and ``min_glyph_multiple`` letter heights, so letter strokes
    never qualify.
    """
    g = _gray(gray)
    height, width = g.shape[:2]
    glyph = (glyph_height if glyph_height is not None else median_glyph_height(g)) or 0.0
    min_run = max(int(glyph * min_glyph_multiple), 10)
    dark = cv2.adaptiveThreshold(g, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 25, 15)
    horizontal = cv2.getStructuringElement(cv2.MORPH_RECT, (max(int(width * min_length_ratio), min_run), 1))
    vertical = cv2.getStructuringElement(cv2.MORPH_RECT, (1, max(int(height * min_length_ratio), min_run)))
    rules = cv2.bitwise_or(
        cv2.morphologyEx(dark, cv2.MORPH_OPEN, horizontal), cv2.morphologyEx(dark, cv2.MORPH_OPEN, vertical)
    )
    if not rules.any():
        return g
    rules = cv2.dilate(rules, cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3)))
    out = g.copy()
    out[rules > 0] = PAPER_WHITE
    return out


def binarize(gray: np.ndarray) -> np.ndarray:
    """Adaptive threshold: black text on white, robust to uneven light."""
    return cv2.adaptiveThreshold(_gray(gray), 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY, 31, 15)


# --------------------------------------------------------------------------- pipeline adapters


def _step_suppress_stamps(image: np.ndarray, ctx: StepContext) -> np.ndarray:
    if is_colourless(image):
        # Grey scans have no stamp colour: their seals are told from the text by being paler.
        return erase_grey_seal_rings(to_grayscale(image))
    return suppress_ink(image, InkRange.from_settings(ctx.settings))


def _step_grayscale(image: np.ndarray, ctx: StepContext) -> np.ndarray:
    return to_grayscale(image)


def _step_upscale(image: np.ndarray, ctx: StepContext) -> np.ndarray:
    glyph = median_glyph_height(image)
    factor = upscale_factor(glyph, ctx.settings.min_glyph_height_px, ctx.settings.max_upscale)
    ctx.glyph_height = glyph * factor if glyph is not None else None
    if factor == 1.0:
        return image
    ctx.transform.scale *= factor
    return resize(image, factor)


def detect_orientation(image: np.ndarray, settings: OcrSettings, engine: OcrEngine) -> Orientation:
    """OSD on a copy shrunk to ``osd_max_side_px`` (as reliable, and much faster than at 300 dpi).

    Raises ``OcrError`` when the page has too little text to tell.
    """
    shrink = min(1.0, settings.osd_max_side_px / max(image.shape[:2]))
    return engine.detect_orientation(resize(image, shrink) if shrink < 1.0 else image)


def apply_orientation(image: np.ndarray, osd: Orientation, ctx: StepContext) -> np.ndarray:
    """Record the script OSD saw; turn the page when OSD is sure enough that it is not upright."""
    ctx.transform.script, ctx.transform.script_confidence = osd.script, osd.script_confidence
    if osd.degrees % 360 == 0 or osd.confidence < ctx.settings.osd_min_confidence:
        return image
    ctx.transform.rotation = (ctx.transform.rotation + osd.degrees) % 360
    if osd.degrees % 180:
        ctx.glyph_height = None  # measured on the page lying on its side: letters' widths, not heights
    return rotate_quarter(image, osd.degrees)


def _step_orient(image: np.ndarray, ctx: StepContext) -> np.ndarray:
    if ctx.orientation is not None:
        return apply_orientation(image, ctx.orientation, ctx)
    if ctx.defer_orientation:
        ctx.osd_input = image  # steps never modify their input in place: a reference is enough
        return image
    if ctx.engine is None:
        return image
    try:
        osd = detect_orientation(image, ctx.settings, ctx.engine)
    except OcrError as exc:  # sparse pages: OSD cannot tell, keep the page as it is
        ctx.transform.notes.append(f"osd: {exc}".strip()[:120])
        return image
    return apply_orientation(image, osd, ctx)


def _step_deskew(image: np.ndarray, ctx: StepContext) -> np.ndarray:
    angle, gain = estimate_skew(image, ctx.settings.deskew_max_angle)
    if abs(angle) < ctx.settings.deskew_min_angle or gain < ctx.settings.deskew_min_gain:
        return image
    ctx.transform.skew_angle += angle
    return rotate_small(image, angle)


def _gray_step(fn: Callable[[np.ndarray], np.ndarray]) -> Callable[[np.ndarray, StepContext], np.ndarray]:
    return lambda image, ctx: fn(to_grayscale(image))


Step = Callable[[np.ndarray, StepContext], np.ndarray]

STEPS: dict[str, Step] = {
    "suppress_stamps": _step_suppress_stamps,
    "grayscale": _step_grayscale,
    "upscale": _step_upscale,
    "orient": _step_orient,
    "deskew": _step_deskew,
    "denoise": _gray_step(remove_noise),
    "contrast": _gray_step(equalize_contrast),
    "flatten_background": _gray_step(flatten_background),
    "binarize": _gray_step(binarize),
    "remove_rulings": lambda image, ctx: remove_rulings(to_grayscale(image), glyph_height=ctx.glyph_height),
}


def validate_pipeline(names: Sequence[str]) -> None:
    unknown = [n for n in names if n not in STEPS]
    if unknown:
        raise ValueError(f"unknown preprocessing steps {unknown}; known: {sorted(STEPS)}")


def preprocess(
    image: np.ndarray,
    settings: OcrSettings,
    engine: OcrEngine | None,
    *,
    orientation: Orientation | None = None,
) -> tuple[np.ndarray, PageTransform]:
    """Run the configured steps in order; returns the image to OCR and what was done to its geometry.

    ``orientation``: an OSD answer already known for this page; the orient step applies it without OSD.
    """
    ctx = StepContext(settings=settings, engine=engine, orientation=orientation)
    return _run_steps(image, ctx), ctx.transform


@dataclass
class DeferredOrientation:
    """A page preprocessed as if upright, and the image OSD would have been shown, to ask only if needed."""

    image: np.ndarray
    transform: PageTransform
    osd_input: np.ndarray | None  # None when the configured steps have no orient step


def preprocess_deferring_orientation(
    image: np.ndarray, settings: OcrSettings, engine: OcrEngine | None
) -> DeferredOrientation:
    """The configured steps with the orient step postponed (``OcrSettings.orientation_check``)."""
    ctx = StepContext(settings=settings, engine=engine, defer_orientation=True)
    processed = _run_steps(image, ctx)
    return DeferredOrientation(image=processed, transform=ctx.transform, osd_input=ctx.osd_input)


def _run_steps(image: np.ndarray, ctx: StepContext) -> np.ndarray:
    validate_pipeline(ctx.settings.preprocess)
    for name in ctx.settings.preprocess:
        image = STEPS[name](image, ctx)
    return image


# Part of the OCR cache key: bump when a step's code changes the image tesseract reads.
PREPROCESS_REVISION = 2  # 2: the glyph height measured once, by the upscale step


def pipeline_signature(settings: OcrSettings) -> str:
    """Everything about preprocessing that changes the OCR result: part of the cache key."""
    fields = (
        "preprocess",
        "osd_min_confidence",
        "osd_max_side_px",
        "stamp_hue_min",
        "stamp_hue_max",
        "stamp_min_saturation",
        "stamp_min_value",
        "deskew_max_angle",
        "deskew_min_angle",
        "deskew_min_gain",
        "min_glyph_height_px",
        "max_upscale",
        "script_languages",
        "script_min_confidence",
        "fallback_languages",
        "fallback_below_confidence",
        "fallback_min_gain",
        "orientation_check",
        "osd_below_confidence",
    )
    return repr({"revision": PREPROCESS_REVISION} | {name: getattr(settings, name) for name in fields})
