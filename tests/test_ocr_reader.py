"""The OCR stage's dispatcher: text layers, mixed PDFs, images, unreadable inputs, file formats."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from fpdf import FPDF
from PIL import Image

from foundation.settings import OcrSettings, Settings
from ingest.errors import UnreadableDocument
from models.domain import FileKind, TextSource
from ocr.cache import OcrCache
from ocr.engine import OcrError, OcrTimeout
from ocr.reader import file_format_of, read_document
from tests.test_ocr_support import FONT, LINES, SHARED, CountingEngine, png_bytes, text_image

SETTINGS = Settings(ocr=OcrSettings(preprocess=["suppress_stamps", "grayscale"]))


SEAL_BLUE = (20, 38, 140)


def _seal(pdf: FPDF, cx: float, cy: float, radius: float, ring: str, centre: str) -> None:
    """A round seal as PDF generators draw it: blue glyphs turned along a circle, blue text inside."""
    import math

    pdf.set_text_color(*SEAL_BLUE)
    for i, char in enumerate(ring):
        angle = 360.0 * i / len(ring)
        x = cx + radius * math.sin(math.radians(angle))
        y = cy - radius * math.cos(math.radians(angle))
        with pdf.rotation(-angle, x, y):
            pdf.text(x, y, char)
    pdf.text(cx - radius / 2, cy, centre)
    pdf.set_text_color(0, 0, 0)


def _pdf(
    pages: list[list[str] | np.ndarray], stamp: str | None = None, blue_heading: str | None = None
) -> bytes:
    """Text pages (lists of lines) and image-only pages (arrays), optionally with a seal and a blue heading."""
    pdf = FPDF()
    pdf.add_font("DejaVu", fname=str(FONT))
    pdf.set_font("DejaVu", size=12)
    for content in pages:
        pdf.add_page()
        if isinstance(content, np.ndarray):
            pdf.image(Image.fromarray(content), x=10, y=10, w=190)
            continue
        for line in content:
            pdf.cell(0, 8, line, new_x="LMARGIN", new_y="NEXT")
        if stamp:
            _seal(pdf, 80, 140, 18, "ТОО «ЛЕВАЯ КОНТОРА» * ", stamp)
        if blue_heading:
            pdf.set_text_color(*SEAL_BLUE)
            pdf.text(20, 200, blue_heading)
            pdf.set_text_color(0, 0, 0)
    return bytes(pdf.output())


class NoOcr(CountingEngine):
    def recognize(self, image: np.ndarray, languages: str, psm: int) -> list:  # type: ignore[override]
        raise AssertionError("a good text layer must not be OCR'd")


def test_text_layer_pdf_is_read_without_ocr() -> None:
    doc = read_document("dogovor.pdf", _pdf([LINES]), FileKind.PDF, SETTINGS, engine=NoOcr())
    assert [p.source for p in doc.pages] == [TextSource.TEXT_LAYER]
    assert "Тапсырыс беруші: Қазақстан" in doc.text
    assert "Өнім сапасы жоғары, ұйым үшін" in doc.text
    assert file_format_of(doc) == "pdf_text"
    assert doc.pages[0].unit == "pt"


def test_seal_text_is_dropped_from_the_text_layer_but_other_blue_text_is_kept() -> None:
    data = _pdf([LINES], stamp="БИН 999888777666", blue_heading="Синий заголовок 2024")
    kept = read_document(
        "x.pdf", data, FileKind.PDF, Settings(ocr=OcrSettings(drop_stamp_text=False)), engine=NoOcr()
    )
    dropped = read_document("x.pdf", data, FileKind.PDF, SETTINGS, engine=NoOcr())
    assert "999888777666" in kept.text and "«" in kept.text
    assert "999888777666" not in dropped.text
    assert not any(w.text in ("Л", "Е", "В", "*", "«") for w in dropped.pages[0].words)
    assert "Синий заголовок 2024" in dropped.text
    assert "ДОГОВОР ПОСТАВКИ № 15/22" in dropped.text


def test_mixed_pdf_ocrs_only_the_scanned_page() -> None:
    engine = CountingEngine(words=["Акт", "№", "62/22"])
    progress: list[tuple[int, int]] = []
    data = _pdf([LINES, text_image()])
    doc = read_document(
        "mixed.pdf",
        data,
        FileKind.PDF,
        SETTINGS,
        engine=engine,
        progress=lambda d, t: progress.append((d, t)),
    )
    assert [p.source for p in doc.pages] == [TextSource.TEXT_LAYER, TextSource.OCR]
    assert engine.calls == 1
    assert doc.pages[1].text == "Акт № 62/22"
    assert (
        doc.pages[1].unit == "px" and doc.pages[1].ocr_engine == f"fake 1 rus+kaz+eng psm {SETTINGS.ocr.psm}"
    )
    assert doc.pages[1].mean_confidence == pytest.approx(0.9)
    assert progress == [(1, 2), (2, 2)]
    assert file_format_of(doc) == "pdf_scan"  # half the pages needed OCR


def test_image_only_pdf_is_a_scan() -> None:
    doc = read_document("scan.pdf", _pdf([text_image()]), FileKind.PDF, SETTINGS, engine=CountingEngine())
    assert file_format_of(doc) == "pdf_scan" and doc.needed_ocr


def test_same_page_twice_costs_one_engine_call(tmp_path: Path) -> None:
    engine = CountingEngine()
    cache = OcrCache(tmp_path)
    data = png_bytes(text_image())
    first = read_document("a.png", data, FileKind.PNG, SETTINGS, engine=engine, cache=cache)
    second = read_document("b.png", data, FileKind.PNG, SETTINGS, engine=engine, cache=cache)
    assert engine.calls == 1
    assert second.pages == first.pages
    other = Settings(ocr=OcrSettings(preprocess=["grayscale"], psm=6))
    read_document("c.png", data, FileKind.PNG, other, engine=engine, cache=cache)
    assert engine.calls == 2, "another psm is another cache key"


def test_images_are_read_with_their_format(tmp_path: Path) -> None:
    page = text_image()
    for kind, fmt, expected in [(FileKind.PNG, "PNG", "image_png"), (FileKind.JPEG, "JPEG", "image_jpg")]:
        doc = read_document("p", png_bytes(page, fmt), kind, SETTINGS, engine=CountingEngine())
        assert file_format_of(doc) == expected
        assert (doc.pages[0].width, doc.pages[0].height) == (page.shape[1], page.shape[0])


def test_multi_page_tiff_gives_one_page_per_frame() -> None:
    frames = [Image.fromarray(text_image()), Image.fromarray(text_image(LINES[:2]))]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="TIFF", save_all=True, append_images=frames[1:])
    engine = CountingEngine()
    doc = read_document("scan.tiff", buffer.getvalue(), FileKind.TIFF, SETTINGS, engine=engine)
    assert [p.page_no for p in doc.pages] == [1, 2] and engine.calls == 2
    assert file_format_of(doc) == "image_tiff"


def test_palette_and_alpha_images_are_read() -> None:
    page = Image.fromarray(text_image())
    for converted in (page.convert("P"), page.convert("RGBA"), page.convert("LA")):
        buffer = io.BytesIO()
        converted.save(buffer, format="PNG")
        doc = read_document("p.png", buffer.getvalue(), FileKind.PNG, SETTINGS, engine=CountingEngine())
        assert doc.pages[0].words


def test_corrupt_pdf_is_unreadable() -> None:
    with pytest.raises(UnreadableDocument) as err:
        read_document("x.pdf", b"%PDF-1.7\n garbage garbage", FileKind.PDF, SETTINGS, engine=CountingEngine())
    assert err.value.code == "pdf_corrupt" and "PDF" in err.value.reason


def test_encrypted_pdf_is_unreadable() -> None:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(0, 10, "secret contract")
    pdf.set_encryption(owner_password="owner", user_password="user")
    with pytest.raises(UnreadableDocument) as err:
        read_document("x.pdf", bytes(pdf.output()), FileKind.PDF, SETTINGS, engine=CountingEngine())
    assert err.value.code == "pdf_encrypted" and "парол" in err.value.reason


def test_corrupt_image_is_unreadable() -> None:
    data = png_bytes(text_image())[:200]
    with pytest.raises(UnreadableDocument) as err:
        read_document("x.png", data, FileKind.PNG, SETTINGS, engine=CountingEngine())
    assert err.value.code == "image_corrupt"


def test_image_above_the_pixel_limit_is_refused() -> None:
    settings = Settings(ocr=SETTINGS.ocr, limits={"max_image_megapixels": 1})
    data = png_bytes(np.full((1100, 1000, 3), 255, np.uint8))
    with pytest.raises(UnreadableDocument) as err:
        read_document("x.png", data, FileKind.PNG, settings, engine=CountingEngine())
    assert err.value.code == "image_too_large"


def test_ocr_failure_on_every_page_is_unreadable() -> None:
    data = png_bytes(text_image())
    with pytest.raises(UnreadableDocument) as err:
        read_document("x.png", data, FileKind.PNG, SETTINGS, engine=CountingEngine(fail=OcrError("crash")))
    assert err.value.code == "ocr_failed"
    with pytest.raises(UnreadableDocument) as err:
        read_document("x.png", data, FileKind.PNG, SETTINGS, engine=CountingEngine(fail=OcrTimeout("slow")))
    assert err.value.code == "ocr_timeout"


def test_one_failed_page_does_not_lose_the_others() -> None:
    class FailsOnce(CountingEngine):
        def recognize(self, image, languages, psm):  # type: ignore[no-untyped-def]
            if self.calls == 0:
                self.calls += 1
                raise OcrTimeout("slow")
            return super().recognize(image, languages, psm)

    doc = read_document(
        "x.pdf", _pdf([text_image(), text_image(LINES[:1])]), FileKind.PDF, SETTINGS, engine=FailsOnce()
    )
    assert [bool(p.words) for p in doc.pages] == [False, True]
    assert doc.pages[0].mean_confidence == 0.0


def test_blank_page_is_unreadable() -> None:
    blank = png_bytes(np.full((300, 200, 3), 255, np.uint8))
    with pytest.raises(UnreadableDocument) as err:
        read_document("x.png", blank, FileKind.PNG, SETTINGS, engine=CountingEngine(words=[]))
    assert err.value.code == "empty_document"


def test_unknown_kind_is_unreadable() -> None:
    with pytest.raises(UnreadableDocument) as err:
        read_document("x.bin", b"\x00\x01", FileKind.UNKNOWN, SETTINGS)
    assert err.value.code == "unsupported_format"


@pytest.mark.slow
def test_real_ocr_reads_russian_and_kazakh_words() -> None:
    doc = read_document("scan.png", png_bytes(text_image()), FileKind.PNG, Settings())
    words = {w.text for p in doc.pages for w in p.words}
    for expected in [
        "ДОГОВОР",
        "15/22",
        "Қазақстан",
        "Сәуір",
        "ақшасы",
        "төленді",
        "Өнім",
        "жоғары,",
        "ұйым",
        "үшін",
        "2024",
    ]:
        assert expected in words, (expected, sorted(words))
    page = doc.pages[0]
    assert page.source == TextSource.OCR and page.mean_confidence > 0.8
    assert page.ocr_engine is not None and page.ocr_engine.startswith("tesseract")
    assert len(page.lines) == len(LINES)


@pytest.mark.skipif(not SHARED.exists(), reason="needs ../shared/corpus")
def test_corpus_payment_order_loses_its_seal_letters() -> None:
    path = SHARED / "corpus" / "dev" / "dossier_0002" / "pp_574.pdf"
    if not path.exists():
        pytest.skip("corpus file not present")
    data = path.read_bytes()
    raw = read_document(
        path.name, data, FileKind.PDF, Settings(ocr=OcrSettings(drop_stamp_text=False)), engine=NoOcr()
    )
    clean = read_document(path.name, data, FileKind.PDF, Settings(), engine=NoOcr())
    assert len(clean.pages[0].words) < len(raw.pages[0].words)
    single_latin = [
        w.text for w in clean.pages[0].words if len(w.text) == 1 and w.text.isascii() and w.text.isalpha()
    ]
    assert single_latin == []
    assert "ПЛАТЕЖНОЕ ПОРУЧЕНИЕ № 574" in clean.text


def test_pdf_over_the_page_limit_is_refused_not_truncated() -> None:
    settings = Settings(ocr=SETTINGS.ocr, limits={"max_pdf_pages": 1})
    with pytest.raises(UnreadableDocument) as err:
        read_document("x.pdf", _pdf([LINES, LINES]), FileKind.PDF, settings, engine=NoOcr())
    assert err.value.code == "too_many_pages"
