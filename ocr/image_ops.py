"""Page-image primitives shared by the preprocessing steps (``ocr.preprocess``) and the seal scan
(``ocr.seals_scan``): the paper's white, the colour test, grey conversion, resizing and turning, and the
record of what was done to a page's geometry (``PageTransform``).

Their own module so that the steps, which use the seal scan, and the seal scan, which uses these
primitives, do not import each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ocr.opencv import cv2

PAPER_WHITE = 255


@dataclass
class PageTransform:
    scale: float = 1.0  # processed pixels per rendered pixel
    rotation: int = 0  # clockwise quarter turns applied, in degrees
    skew_angle: float = 0.0  # small counter-clockwise correction applied, in degrees
    script: str = ""  # the script OSD saw ("Han", "Cyrillic", …), when it could tell
    script_confidence: float = 0.0
    notes: list[str] = field(default_factory=list)


def is_colourless(image: np.ndarray) -> bool:
    """Every pixel grey (R = G = B): a grey scan rendered to RGB. A coarse sample answers for colour pages."""
    if image.ndim != 3:
        return True
    for view in (image[::8, ::8], image):
        if not (np.array_equal(view[..., 0], view[..., 1]) and np.array_equal(view[..., 1], view[..., 2])):
            return False
    return True


def to_grayscale(image: np.ndarray) -> np.ndarray:
    if image.ndim == 2:
        return image
    return cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)


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
