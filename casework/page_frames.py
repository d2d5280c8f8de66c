"""A page image in the frame its OCR boxes are in, so that boxes drawn over it fit the words.

OCR reads a scan after turning it upright (quarter turns, stored as the page's ``rotation``) and
straightening it (a small skew rotation about the centre, keeping the frame: not stored). The boxes
are in that straightened frame. For display the same geometry is applied again: the quarter turn
from the stored rotation, the skew re-estimated with the reader's own ``estimate_skew`` and the same
thresholds, on an image brought to the width the reader's estimate works at. Text-layer pages need
none of this: their boxes are in PDF points.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from foundation.settings import OcrSettings

# estimate_skew works on a text mask this wide (ocr.preprocess._text_mask_for_skew); estimating at
# that width whatever the display resolution gives the angle the reader found at its 300 dpi.
_SKEW_WORK_WIDTH = 1000


def ocr_frame_png(png: bytes, rotation: int, settings: OcrSettings) -> bytes:
    from ocr.image_ops import resize, rotate_quarter, rotate_small, to_grayscale
    from ocr.preprocess import estimate_skew

    steps = settings.preprocess
    turn = rotation if "orient" in steps else 0
    if not turn and "deskew" not in steps:
        return png
    image = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))
    if turn:
        image = rotate_quarter(image, turn)
    if "deskew" in steps:
        gray = to_grayscale(image)
        width = gray.shape[1]
        probe = resize(gray, _SKEW_WORK_WIDTH / width) if width < _SKEW_WORK_WIDTH else gray
        angle, gain = estimate_skew(probe, settings.deskew_max_angle)
        if abs(angle) >= settings.deskew_min_angle and gain >= settings.deskew_min_gain:
            image = rotate_small(image, angle)
    out = io.BytesIO()
    Image.fromarray(image).save(out, format="PNG")
    return out.getvalue()
