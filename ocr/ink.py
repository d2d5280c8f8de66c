"""Stamp and signature ink: blue..violet, saturated. One definition for PDF text colours and pixels.

Hues use OpenCV's scale (0..179, i.e. degrees / 2) and saturation 0..255, as in ``cv2.COLOR_RGB2HSV``.
"""

from __future__ import annotations

import colorsys
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from foundation.settings import OcrSettings
from ocr.opencv import cv2


@dataclass(frozen=True)
class InkRange:
    hue_min: int
    hue_max: int
    min_saturation: int
    min_value: int  # darker pixels are text showing through the ink, never ink alone
    seal_min_rotated: int = 5  # PDF text layers: turned ink glyphs that make a round seal

    @classmethod
    def from_settings(cls, settings: OcrSettings) -> InkRange:
        return cls(
            settings.stamp_hue_min,
            settings.stamp_hue_max,
            settings.stamp_min_saturation,
            settings.stamp_min_value,
            settings.seal_min_rotated_chars,
        )


def pdf_color_to_rgb(color: object) -> tuple[float, float, float] | None:
    """pdfplumber's ``non_stroking_color`` (gray, RGB or CMYK tuple in 0..1) as RGB; None for patterns."""
    if color is None or isinstance(color, str):
        return None
    if isinstance(color, (int, float)):
        components: Sequence[float] = (float(color),)
    elif isinstance(color, Sequence):
        try:
            components = [float(c) for c in color]
        except (TypeError, ValueError):
            return None
    else:
        return None
    if len(components) == 1:
        g = components[0]
        return (g, g, g)
    if len(components) == 3:
        r, g, b = components
        return (r, g, b)
    if len(components) == 4:
        c, m, y, k = components
        return ((1 - c) * (1 - k), (1 - m) * (1 - k), (1 - y) * (1 - k))
    return None


def is_ink_color(rgb: tuple[float, float, float], ink: InkRange) -> bool:
    h, s, v = colorsys.rgb_to_hsv(*(min(max(c, 0.0), 1.0) for c in rgb))
    hue = h * 180.0  # colorsys gives 0..1 for a full turn; OpenCV hue is degrees / 2
    return (
        ink.hue_min <= hue <= ink.hue_max and s * 255.0 >= ink.min_saturation and v * 255.0 >= ink.min_value
    )


def is_ink_pdf_color(color: object, ink: InkRange) -> bool:
    rgb = pdf_color_to_rgb(color)
    return rgb is not None and is_ink_color(rgb, ink)


def ink_mask(rgb_image: np.ndarray, ink: InkRange) -> np.ndarray:
    """Boolean mask of pixels drawn in stamp / signature colours."""
    hsv = cv2.cvtColor(rgb_image, cv2.COLOR_RGB2HSV)
    hue, sat, val = hsv[..., 0], hsv[..., 1], hsv[..., 2]
    return (hue >= ink.hue_min) & (hue <= ink.hue_max) & (sat >= ink.min_saturation) & (val >= ink.min_value)
