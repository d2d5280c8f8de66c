"""Helpers for the OCR tests (no tests here): text images drawn with DejaVuSans, a counting fake engine."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from models.domain import BBox, Word
from ocr.engine import OcrError, Orientation

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT = FONT_DIR / "DejaVuSans.ttf"
SHARED = Path(__file__).resolve().parents[2] / "shared"

# Russian and Kazakh words; the Kazakh ones carry ә ғ қ ң ө ұ ү һ і.
LINES = [
    "ДОГОВОР ПОСТАВКИ № 15/22",
    "Тапсырыс беруші: Қазақстан",
    "Сәуір айының ақшасы төленді",
    "Өнім сапасы жоғары, ұйым үшін",
    "Жұмыс һәм есеп 2024",
]


def text_image(lines: list[str] = LINES, size: int = 40, width: int = 1400, margin: int = 60) -> np.ndarray:
    """A white RGB page with black lines of text."""
    font = ImageFont.truetype(str(FONT), size)
    height = margin * 2 + int(len(lines) * size * 1.8)
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((margin, margin + int(i * size * 1.8)), line, fill="black", font=font)
    return np.asarray(image).copy()


def png_bytes(image: np.ndarray, fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format=fmt)
    return buffer.getvalue()


class CountingEngine:
    """A plug-in engine for tests: returns fixed words and counts how often it was asked."""

    name = "fake"
    version = "1"

    def __init__(self, words: list[str] | None = None, fail: Exception | None = None) -> None:
        self.words = words if words is not None else ["Счет-фактура", "№", "42"]
        self.fail = fail
        self.calls = 0
        self.osd_calls = 0

    def recognize(self, image: np.ndarray, languages: str, psm: int) -> list[Word]:
        self.calls += 1
        if self.fail is not None:
            raise self.fail
        return [
            Word(text=t, bbox=BBox(x0=10 + 100 * i, y0=10, x1=90 + 100 * i, y1=40), confidence=0.9)
            for i, t in enumerate(self.words)
        ]

    def detect_orientation(self, image: np.ndarray) -> Orientation:
        self.osd_calls += 1
        raise OcrError("Too few characters")
