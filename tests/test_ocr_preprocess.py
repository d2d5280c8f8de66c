"""Preprocessing steps: stamp ink removal, deskew, orientation, upscaling, pipeline composition."""

from __future__ import annotations

import numpy as np
import pytest

from foundation.settings import OcrSettings
from ocr.engine import TesseractEngine
from ocr.image_ops import resize, rotate_quarter, rotate_small, to_grayscale
from ocr.ink import InkRange
from ocr.preprocess import (
    STEPS,
    estimate_skew,
    median_glyph_height,
    preprocess,
    remove_rulings,
    suppress_ink,
    upscale_factor,
)
from tests.test_ocr_support import CountingEngine, text_image

INK = InkRange.from_settings(OcrSettings())
STAMP_BLUE = (20, 38, 140)  # the corpus's seal colour, (0.08, 0.15, 0.55) in PDF terms
VIOLET = (110, 40, 160)


def _stamped_page() -> np.ndarray:
    import cv2

    page = text_image()
    cv2.circle(page, (400, 200), 150, STAMP_BLUE, 6)
    cv2.putText(page, "M.P.", (330, 215), cv2.FONT_HERSHEY_SIMPLEX, 1.5, VIOLET, 4)
    return page


def test_blue_and_violet_stamp_ink_becomes_paper_white() -> None:
    page = _stamped_page()
    blue = np.all(page == STAMP_BLUE, axis=2)
    violet = np.all(page == VIOLET, axis=2)
    black = np.all(page < 60, axis=2) & ~blue & ~violet
    assert blue.sum() > 1000 and violet.sum() > 100 and black.sum() > 1000

    cleaned = suppress_ink(page, INK)

    assert np.all(cleaned[blue] == 255)
    assert np.all(cleaned[violet] == 255)
    assert np.array_equal(cleaned[black], page[black]), "black text must survive"


def test_black_text_under_the_ink_is_kept() -> None:
    page = np.full((10, 10, 3), 255, np.uint8)
    page[:5] = STAMP_BLUE
    page[5:] = (15, 18, 45)  # black text seen through blue ink: dark, slightly blue
    cleaned = suppress_ink(page, INK)
    assert np.all(cleaned[:5] == 255)
    assert np.array_equal(cleaned[5:], page[5:])


def test_gray_images_pass_the_stamp_step_unchanged() -> None:
    gray = to_grayscale(_stamped_page())
    assert suppress_ink(gray, INK) is gray


@pytest.mark.parametrize("angle", [3.0, -3.0, 1.5])
def test_deskew_recovers_a_small_rotation(angle: float) -> None:
    many_lines = [f"Строка номер {i}: оплата по договору 15/22 от 01.03.2022" for i in range(14)]
    gray = to_grayscale(text_image(many_lines, size=28, width=1600))
    skewed = rotate_small(gray, angle)

    correction, gain = estimate_skew(skewed, max_angle=10.0)

    assert correction == pytest.approx(-angle, abs=0.3)
    assert gain > OcrSettings().deskew_min_gain


def test_deskew_leaves_a_straight_page_alone() -> None:
    gray = to_grayscale(text_image([f"Итого к оплате {i} 000,00 тенге" for i in range(12)], size=28))
    correction, _ = estimate_skew(gray, max_angle=10.0)
    assert abs(correction) < OcrSettings().deskew_min_angle


def test_small_text_is_upscaled_and_large_text_is_not() -> None:
    small = to_grayscale(text_image(size=14, width=600))
    large = to_grayscale(text_image(size=44))
    small_height, large_height = median_glyph_height(small), median_glyph_height(large)
    assert small_height is not None and large_height is not None
    assert small_height < 20 <= large_height
    assert upscale_factor(small_height, 20, 3.0) > 1.0
    assert upscale_factor(large_height, 20, 3.0) == 1.0
    assert upscale_factor(5.0, 20, 3.0) == 3.0  # bounded


def test_blank_page_has_no_glyph_height() -> None:
    assert median_glyph_height(np.full((500, 400), 255, np.uint8)) is None


def test_pipeline_records_the_upscale_and_runs_steps_in_order() -> None:
    settings = OcrSettings(preprocess=["suppress_stamps", "grayscale", "upscale"])
    image, transform = preprocess(text_image(size=12, width=500), settings, engine=None)
    assert image.ndim == 2
    assert transform.scale > 1.0
    assert image.shape[1] == pytest.approx(500 * transform.scale, abs=1)


def test_orientation_step_keeps_the_page_when_osd_cannot_tell() -> None:
    engine = CountingEngine()  # its OSD says "too few characters"
    page = to_grayscale(text_image())
    image, transform = preprocess(page, OcrSettings(preprocess=["orient"]), engine)
    assert engine.osd_calls == 1
    assert transform.rotation == 0 and image is page


def test_unknown_step_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown preprocessing"):
        preprocess(text_image(), OcrSettings(preprocess=["grayscale", "sharpen_magic"]), None)


def test_every_step_keeps_a_gray_page_gray_and_the_same_size() -> None:
    page = to_grayscale(text_image())
    for name in ("denoise", "contrast", "flatten_background", "binarize", "grayscale", "deskew"):
        out, _ = preprocess(page, OcrSettings(preprocess=[name]), None)
        assert out.ndim == 2 and out.shape == page.shape, name
    assert set(OcrSettings().preprocess) <= set(STEPS)


@pytest.mark.slow
@pytest.mark.parametrize("turn", [90, 180, 270])
def test_turned_page_comes_back_upright(turn: int) -> None:
    lines = [f"Настоящим подтверждаем оплату по договору поставки № {i}/22" for i in range(16)]
    upright = to_grayscale(text_image(lines, size=30, width=1500))
    turned = rotate_quarter(upright, turn)
    image, transform = preprocess(turned, OcrSettings(preprocess=["orient"]), TesseractEngine(timeout_s=60))
    assert transform.rotation == (360 - turn) % 360
    assert image.shape == upright.shape
    assert np.mean(np.abs(image.astype(int) - upright.astype(int))) < 1.0


def test_table_rules_are_erased_and_text_is_kept() -> None:
    import cv2

    page = to_grayscale(text_image())
    text_pixels = page < 100
    ruled = page.copy()
    height, width = ruled.shape
    for y in (30, height - 30):
        cv2.line(ruled, (20, y), (width - 20, y), 0, 3)
    for x in (20, width // 2, width - 20):
        cv2.line(ruled, (x, 30), (x, height - 30), 0, 3)
    rule_pixels = (ruled < 100) & ~text_pixels

    cleaned = remove_rulings(ruled)

    assert np.mean(cleaned[rule_pixels] == 255) > 0.97
    assert np.mean(cleaned[text_pixels] < 100) > 0.9, "letters must survive"
    assert np.array_equal(remove_rulings(page)[text_pixels], page[text_pixels])


def test_resize_is_identity_at_factor_one() -> None:
    page = to_grayscale(text_image())
    assert resize(page, 1.0) is page


def test_the_glyph_height_is_measured_once_per_page(monkeypatch: pytest.MonkeyPatch) -> None:
    import ocr.preprocess as pp

    calls: list[int] = []
    real = pp.median_glyph_height

    def counting(image: np.ndarray) -> float | None:
        calls.append(1)
        return real(image)

    monkeypatch.setattr(pp, "median_glyph_height", counting)
    settings = OcrSettings(preprocess=["grayscale", "upscale", "deskew", "remove_rulings"])
    preprocess(text_image(), settings, CountingEngine())
    assert len(calls) == 1  # by the upscale step; remove_rulings reuses it
    calls.clear()
    preprocess(text_image(), OcrSettings(preprocess=["grayscale", "remove_rulings"]), CountingEngine())
    assert len(calls) == 1  # without an upscale step, remove_rulings measures it itself
