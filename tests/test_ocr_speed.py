"""What keeps the reader fast and small: OSD only when the reading is unsure, tesseract over stdin/stdout,
no pdfplumber for pure scans, one page image alive at a time."""

from __future__ import annotations

import gc
import io
import weakref

import numpy as np
import pytest
from fpdf import FPDF
from PIL import Image

from foundation.settings import OcrSettings, Settings
from models.domain import BBox, FileKind, TextSource, Word
from ocr.engine import OcrError, Orientation, TesseractEngine, bmp_bytes, parse_osd, parse_tsv
from ocr.image_ops import rotate_quarter, to_grayscale
from ocr.raster import open_pdf, page_draws_text
from ocr.reader import PageOcr, read_document
from tests.test_ocr_support import FONT, text_image


class OrientationAwareEngine:
    """Reads confidently only the upright page (anything else reads unsure, yet above the language fallback's
    threshold, so that only OSD decides); OSD answers with a fixed orientation."""

    name = "fake-orientation"
    version = "1"

    def __init__(self, upright: np.ndarray, osd: Orientation | None) -> None:
        self.upright = upright
        self.osd = osd
        self.seen: list[np.ndarray] = []
        self.osd_calls = 0

    def recognize(self, image: np.ndarray, languages: str, psm: int) -> list[Word]:
        self.seen.append(image)
        is_upright = image.shape == self.upright.shape and bool(np.array_equal(image, self.upright))
        confidence = 0.92 if is_upright else 0.7
        return [Word(text="слово", bbox=BBox(x0=0, y0=0, x1=10, y1=10), confidence=confidence)]

    def detect_orientation(self, image: np.ndarray) -> Orientation:
        self.osd_calls += 1
        if self.osd is None:
            raise OcrError("Too few characters")
        return self.osd


def _settings(check: str) -> Settings:
    return Settings(ocr=OcrSettings(preprocess=["grayscale", "orient"], orientation_check=check))


UPRIGHT = to_grayscale(text_image())


def test_a_confident_upright_page_is_read_once_without_osd() -> None:
    engine = OrientationAwareEngine(UPRIGHT, Orientation(0, 10.0, "Cyrillic", 5.0))
    page = PageOcr(_settings("when_unsure"), engine, cache=None).read(UPRIGHT, 1)
    assert engine.osd_calls == 0 and len(engine.seen) == 1
    assert page.rotation == 0 and page.mean_confidence == pytest.approx(0.92)


def test_before_ocr_asks_osd_on_every_page() -> None:
    engine = OrientationAwareEngine(UPRIGHT, Orientation(0, 10.0, "Cyrillic", 5.0))
    PageOcr(_settings("before_ocr"), engine, cache=None).read(UPRIGHT, 1)
    assert engine.osd_calls == 1 and len(engine.seen) == 1


@pytest.mark.parametrize("turn", [90, 180, 270])
def test_an_unsure_page_that_osd_turns_is_preprocessed_again_and_read_upright(turn: int) -> None:
    turned = rotate_quarter(UPRIGHT, turn)
    back = (360 - turn) % 360
    engine = OrientationAwareEngine(UPRIGHT, Orientation(back, 10.0, "Cyrillic", 5.0))
    page = PageOcr(_settings("when_unsure"), engine, cache=None).read(turned, 1)
    assert engine.osd_calls == 1 and len(engine.seen) == 2
    assert np.array_equal(engine.seen[1], UPRIGHT)
    assert page.rotation == back and page.mean_confidence == pytest.approx(0.92)


def test_an_unsure_upright_page_is_not_read_twice_when_osd_changes_nothing() -> None:
    engine = OrientationAwareEngine(np.zeros((1, 1), np.uint8), Orientation(0, 10.0, "Cyrillic", 5.0))
    page = PageOcr(_settings("when_unsure"), engine, cache=None).read(UPRIGHT, 1)
    assert engine.osd_calls == 1 and len(engine.seen) == 1
    assert page.rotation == 0


def test_an_unsure_page_keeps_its_reading_when_osd_cannot_tell() -> None:
    engine = OrientationAwareEngine(np.zeros((1, 1), np.uint8), osd=None)
    page = PageOcr(_settings("when_unsure"), engine, cache=None).read(UPRIGHT, 1)
    assert engine.osd_calls == 1 and len(engine.seen) == 1
    assert page.words and page.rotation == 0


def test_a_turn_osd_is_unsure_of_is_not_applied() -> None:
    engine = OrientationAwareEngine(UPRIGHT, Orientation(90, 0.5, "Cyrillic", 5.0))
    page = PageOcr(_settings("when_unsure"), engine, cache=None).read(rotate_quarter(UPRIGHT, 270), 1)
    assert len(engine.seen) == 1 and page.rotation == 0


@pytest.mark.slow
@pytest.mark.parametrize("turn", [90, 180, 270])
def test_real_ocr_turns_a_turned_page_back_with_default_settings(turn: int) -> None:
    lines = [f"Настоящим подтверждаем оплату по договору поставки № {i}/22" for i in range(16)]
    upright = text_image(lines, size=30, width=1500)
    reader = PageOcr(Settings(), TesseractEngine(timeout_s=120), cache=None)
    page = reader.read(rotate_quarter(upright, turn), 1)
    assert page.rotation == (360 - turn) % 360
    assert page.mean_confidence > 0.8
    assert "подтверждаем" in " ".join(w.text for w in page.words)


# --------------------------------------------------------------------------- tesseract transport


@pytest.mark.parametrize("channels", [0, 3, 4])
def test_bmp_bytes_carry_the_pixels_unchanged(channels: int) -> None:
    rng = np.random.default_rng(1)
    image = rng.integers(0, 256, (37, 53, channels) if channels else (37, 53), dtype=np.uint8)
    decoded = np.asarray(Image.open(io.BytesIO(bmp_bytes(image))).convert("RGB" if channels else "L"))
    assert np.array_equal(decoded, image[:, :, :3] if channels else image)
    with pytest.raises(OcrError):
        bmp_bytes(np.zeros((2, 2), np.float32))


def test_tsv_is_parsed_like_pytesseract_did() -> None:
    tsv = (
        "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n"
        "1\t1\t0\t0\t0\t0\t0\t0\t100\t50\t-1\t\n"
        "5\t1\t1\t1\t1\t1\t10\t20\t30\t12\t96.548\tДОГОВОР\n"
        "5\t1\t1\t1\t1\t2\t45\t20\t10\t12\t12.9\n"
    )
    data = parse_tsv(tsv)
    assert data["conf"] == [-1, 96, 12]  # whole percent, truncated, as before
    assert data["text"] == ["", "ДОГОВОР", ""]
    assert data["left"] == [0, 10, 45]
    assert parse_tsv("") == {}


def test_osd_report_is_parsed_and_garbage_is_an_ocr_error() -> None:
    report = (
        "Page number: 0\nOrientation in degrees: 270\nRotate: 90\nOrientation confidence: 12.5\n"
        "Script: Cyrillic\nScript confidence: 4.2\n"
    )
    assert parse_osd(report) == Orientation(90, 12.5, "Cyrillic", 4.2)
    with pytest.raises(OcrError):
        parse_osd("Error during processing.")


@pytest.mark.slow
def test_tesseract_over_stdin_reads_exactly_what_pytesseract_read() -> None:
    import pytesseract

    from ocr.engine import words_from_tesseract_data

    image = to_grayscale(text_image())
    before = words_from_tesseract_data(
        pytesseract.image_to_data(image, lang="rus+kaz+eng", config="--psm 6", output_type=pytesseract.Output.DICT)
    )
    now = TesseractEngine(timeout_s=60).recognize(image, "rus+kaz+eng", 6)
    assert now and [w.model_dump() for w in now] == [w.model_dump() for w in before]


# --------------------------------------------------------------------------- pure scans skip pdfplumber


def _pdf_with(text_page: bool, image_page: bool) -> bytes:
    pdf = FPDF()
    pdf.add_font("DejaVu", fname=str(FONT))
    pdf.set_font("DejaVu", size=12)
    if text_page:
        pdf.add_page()
        pdf.cell(0, 8, "ДОГОВОР ПОСТАВКИ № 15/22 между ТОО «Альфа» и ТОО «Бета»")
    if image_page:
        pdf.add_page()
        pdf.image(Image.fromarray(text_image()), x=10, y=10, w=190)
    return bytes(pdf.output())


def test_page_draws_text_tells_text_pages_from_images() -> None:
    pdf = open_pdf(_pdf_with(text_page=True, image_page=True))
    try:
        assert [page_draws_text(pdf, i) for i in range(len(pdf))] == [True, False]
    finally:
        pdf.close()


class _FixedEngine:
    name = "fixed"
    version = "1"

    def recognize(self, image: np.ndarray, languages: str, psm: int) -> list[Word]:
        return [Word(text="Договор", bbox=BBox(x0=0, y0=0, x1=10, y1=10), confidence=0.9)]

    def detect_orientation(self, image: np.ndarray) -> Orientation:
        return Orientation(0, 10.0)


def test_a_pure_scan_is_read_without_opening_pdfplumber(monkeypatch: pytest.MonkeyPatch) -> None:
    import pdfplumber

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("pdfplumber must not parse a PDF that has no text")

    monkeypatch.setattr(pdfplumber, "open", refuse)
    settings = Settings(ocr=OcrSettings(preprocess=["grayscale"]))
    doc = read_document("scan.pdf", _pdf_with(text_page=False, image_page=True), FileKind.PDF, settings,
                        engine=_FixedEngine())
    assert [p.source for p in doc.pages] == [TextSource.OCR]


def test_a_mixed_pdf_still_reads_its_text_page_from_the_text_layer() -> None:
    settings = Settings(ocr=OcrSettings(preprocess=["grayscale"]))
    doc = read_document("mixed.pdf", _pdf_with(text_page=True, image_page=True), FileKind.PDF, settings,
                        engine=_FixedEngine())
    assert [p.source for p in doc.pages] == [TextSource.TEXT_LAYER, TextSource.OCR]
    assert "ДОГОВОР" in doc.pages[0].text


def test_a_long_scan_keeps_one_page_image_alive_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    import ocr.reader

    rendered: list[weakref.ref[np.ndarray]] = []
    alive_while_reading: list[int] = []
    original_render = ocr.reader.render_page

    def tracked_render(*args: object, **kwargs: object) -> np.ndarray:
        image = original_render(*args, **kwargs)  # type: ignore[arg-type]
        rendered.append(weakref.ref(image))
        return image

    class CountingAlive(_FixedEngine):
        def recognize(self, image: np.ndarray, languages: str, psm: int) -> list[Word]:
            gc.collect()
            alive_while_reading.append(sum(1 for ref in rendered if ref() is not None))
            return super().recognize(image, languages, psm)

    monkeypatch.setattr(ocr.reader, "render_page", tracked_render)
    pdf = FPDF()
    for _ in range(4):
        pdf.add_page()
        pdf.image(Image.fromarray(text_image()), x=10, y=10, w=190)
    doc = read_document("long.pdf", bytes(pdf.output()), FileKind.PDF,
                        Settings(ocr=OcrSettings(preprocess=["grayscale"])), engine=CountingAlive())
    assert len(doc.pages) == 4 and len(rendered) == 4
    assert alive_while_reading == [1, 1, 1, 1]
