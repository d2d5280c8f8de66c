"""Page-image preprocessing before OCR: small single-purpose OpenCV steps, composed from settings.

Each step is a plain function on a numpy image; ``STEPS`` adapts them to a pipeline that settings name
(``OcrSettings.preprocess``). What a step did to the geometry (scale, quarter turns, skew) is recorded in
``PageTransform`` so the reader can say which frame the word boxes are in.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import cv2
import numpy as np

from docproc.settings import OcrSettings
from ocr.engine import OcrEngine, OcrError
from ocr.ink import InkRange, ink_mask

PAPER_WHITE = 255


@dataclass
class PageTransform:
    scale: float = 1.0  # processed pixels per rendered pixel
    rotation: int = 0  # clockwise quarter turns applied, in degrees
    skew_angle: float = 0.0  # small counter-clockwise correction applied, in degrees
    script: str = ""  # the script OSD saw ("Han", "Cyrillic", …), when it could tell
    script_confidence: float = 0.0
    notes: list[str] = field(default_factory=list)


@dataclass
class StepContext:
    settings: OcrSettings
    engine: OcrEngine | None
    transform: PageTransform = field(default_factory=PageTransform)


# --------------------------------------------------------------------------- the steps as plain functions


def suppress_ink(image: np.ndarray, ink: InkRange) -> np.ndarray:
    """Paint blue / violet stamp and signature ink paper-white (colour images only; gray passes through)."""
    if image.ndim != 3:
        return image
    out = image.copy()
    out[ink_mask(image, ink)] = PAPER_WHITE
    return out


def to_grayscale(image: np.ndarray) -> np.ndarray:
    if image.ndim == 2:
        return image
    return cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)


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


def resize(image: np.ndarray, factor: float) -> np.ndarray:
    if abs(factor - 1.0) < 1e-3:
        return image
    interpolation = cv2.INTER_CUBIC if factor > 1 else cv2.INTER_AREA
    return cv2.resize(image, None, fx=factor, fy=factor, interpolation=interpolation)


def rotate_quarter(image: np.ndarray, degrees_clockwise: int) -> np.ndarray:
    turns = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}
    code = turns.get(degrees_clockwise % 360)
    return image if code is None else cv2.rotate(image, code)


def rotate_small(image: np.ndarray, degrees_counterclockwise: float) -> np.ndarray:
    """Rotate about the centre keeping the frame; uncovered corners become paper white."""
    h, w = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2.0, h / 2.0), degrees_counterclockwise, 1.0)
    border = (PAPER_WHITE,) * (3 if image.ndim == 3 else 1)
    return cv2.warpAffine(
        image, matrix, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=border
    )


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


def _profile_score(binary: np.ndarray, angle: float) -> float:
    rotated = binary if angle == 0 else rotate_small_binary(binary, angle)
    rows = rotated.sum(axis=1, dtype=np.float64)
    return float(np.var(rows))


def rotate_small_binary(binary: np.ndarray, angle: float) -> np.ndarray:
    h, w = binary.shape
    matrix = cv2.getRotationMatrix2D((w / 2.0, h / 2.0), angle, 1.0)
    return cv2.warpAffine(binary, matrix, (w, h), flags=cv2.INTER_NEAREST, borderValue=0)


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
    base = _profile_score(binary, 0.0)
    if base <= 0:
        return 0.0, 1.0
    coarse = np.arange(-max_angle, max_angle + 1e-9, coarse_step)
    best = max(coarse, key=lambda a: _profile_score(binary, float(a)))
    fine = np.arange(best - coarse_step, best + coarse_step + 1e-9, fine_step)
    best = max(fine, key=lambda a: _profile_score(binary, float(a)))
    best = float(np.clip(best, -max_angle, max_angle))
    return round(best, 2), _profile_score(binary, best) / base


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
    gray: np.ndarray, min_length_ratio: float = 1 / 25, min_glyph_multiple: float = 5.0
) -> np.ndarray:
    """Erase long horizontal and vertical rules (table grids, underlines).

    Ruled tables make tesseract's page segmentation split rows into fragments and drop cells; without
    the grid, each row reads as a line of text. A rule is a straight dark run longer than both
    ``min_length_ratio`` of the page side and ``min_glyph_multiple`` letter heights, so letter strokes
    never qualify.
    """
    g = _gray(gray)
    height, width = g.shape[:2]
    glyph = median_glyph_height(g) or 0.0
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
    return suppress_ink(image, InkRange.from_settings(ctx.settings))


def _step_grayscale(image: np.ndarray, ctx: StepContext) -> np.ndarray:
    return to_grayscale(image)


def _step_upscale(image: np.ndarray, ctx: StepContext) -> np.ndarray:
    factor = upscale_factor(
        median_glyph_height(image), ctx.settings.min_glyph_height_px, ctx.settings.max_upscale
    )
    if factor == 1.0:
        return image
    ctx.transform.scale *= factor
    return resize(image, factor)


def _step_orient(image: np.ndarray, ctx: StepContext) -> np.ndarray:
    if ctx.engine is None:
        return image
    shrink = min(1.0, ctx.settings.osd_max_side_px / max(image.shape[:2]))
    try:
        osd = ctx.engine.detect_orientation(resize(image, shrink) if shrink < 1.0 else image)
    except OcrError as exc:  # sparse pages: OSD cannot tell, keep the page as it is
        ctx.transform.notes.append(f"osd: {exc}".strip()[:120])
        return image
    ctx.transform.script, ctx.transform.script_confidence = osd.script, osd.script_confidence
    degrees, confidence = osd.degrees, osd.confidence
    if degrees % 360 == 0 or confidence < ctx.settings.osd_min_confidence:
        return image
    ctx.transform.rotation = (ctx.transform.rotation + degrees) % 360
    return rotate_quarter(image, degrees)


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
    "remove_rulings": _gray_step(remove_rulings),
}


def validate_pipeline(names: Sequence[str]) -> None:
    unknown = [n for n in names if n not in STEPS]
    if unknown:
        raise ValueError(f"unknown preprocessing steps {unknown}; known: {sorted(STEPS)}")


def preprocess(
    image: np.ndarray, settings: OcrSettings, engine: OcrEngine | None
) -> tuple[np.ndarray, PageTransform]:
    """Run the configured steps in order; returns the image to OCR and what was done to its geometry."""
    validate_pipeline(settings.preprocess)
    ctx = StepContext(settings=settings, engine=engine)
    for name in settings.preprocess:
        image = STEPS[name](image, ctx)
    return image, ctx.transform


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
    )
    return repr({name: getattr(settings, name) for name in fields})
