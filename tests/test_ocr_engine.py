"""Engine seam: tesseract output parsing, registry, timeouts and real recognition (slow)."""

from __future__ import annotations

import numpy as np
import pytest

from foundation.settings import OcrSettings
from ocr.engine import (
    OcrEngine,
    OcrError,
    OcrTimeout,
    TesseractEngine,
    create_engine,
    register_engine,
    words_from_tesseract_data,
)
from ocr.image_ops import to_grayscale
from tests.test_ocr_support import CountingEngine, text_image


def test_tesseract_rows_become_words_with_unique_lines() -> None:
    data = {
        "text": ["", "ДОГОВОР", "№", "  ", "15/22", "Итого"],
        "conf": ["-1", "96.5", "80", "-1", "91", "-1"],
        "block_num": [1, 1, 1, 1, 2, 2],
        "par_num": [1, 1, 1, 1, 1, 1],
        "line_num": [1, 1, 1, 1, 1, 1],
        "left": [0, 10, 120, 0, 10, 5],
        "top": [0, 20, 20, 0, 80, 90],
        "width": [0, 100, 20, 0, 60, 5],
        "height": [0, 30, 30, 0, 30, 5],
    }
    words = words_from_tesseract_data(data)  # type: ignore[arg-type]
    assert [w.text for w in words] == ["ДОГОВОР", "№", "15/22"]
    assert words[0].confidence == pytest.approx(0.965)
    assert (words[0].bbox.x0, words[0].bbox.y0, words[0].bbox.x1, words[0].bbox.y1) == (10, 20, 110, 50)
    assert words[0].line == words[1].line != words[2].line  # block 2's line 1 is another line
    assert words[2].block == 2


def test_registry_creates_engines_by_name() -> None:
    assert isinstance(create_engine(OcrSettings()), TesseractEngine)
    register_engine("counting", lambda settings: CountingEngine())
    engine = create_engine(OcrSettings(engine="counting"))
    assert isinstance(engine, CountingEngine) and isinstance(engine, OcrEngine)
    with pytest.raises(ValueError, match="unknown OCR engine"):
        create_engine(OcrSettings(engine="nope"))


@pytest.mark.slow
def test_tesseract_reads_words_and_reports_confidence() -> None:
    engine = TesseractEngine(timeout_s=60)
    words = engine.recognize(to_grayscale(text_image()), "rus+kaz+eng", 3)
    texts = [w.text for w in words]
    assert "Қазақстан" in texts and "ұйым" in texts
    assert all(0.0 <= w.confidence <= 1.0 for w in words)
    assert engine.version[0].isdigit()


@pytest.mark.slow
def test_tesseract_timeout_raises() -> None:
    big = np.tile(to_grayscale(text_image()), (6, 2))
    with pytest.raises(OcrTimeout):
        TesseractEngine(timeout_s=0.05).recognize(big, "rus+kaz+eng", 3)


@pytest.mark.slow
def test_osd_on_a_sparse_page_is_an_ocr_error() -> None:
    blank = np.full((800, 600), 255, np.uint8)
    with pytest.raises(OcrError):
        TesseractEngine(timeout_s=60).detect_orientation(blank)
