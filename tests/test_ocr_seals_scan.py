"""Round seals on colour scans: found in the stamp ink, their ring unwrapped and read apart from the page.

The page and the seal are drawn here, not by the fixture builder: a violet seal with a double edge,
ring lettering that starts at the bottom left and runs three quarters of the circle, an inner circle
around two centre lines (the BIN, then a city), a signature in the same ink crossing it, and the
page's own black text under the seal. A work report in Russian with the seal over the contractor's
signature, whose requisites print no BIN.
"""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from extractors import extract_document
from extractors.identifiers import is_valid_bin
from foundation.settings import OcrSettings, Settings
from models.domain import DocType, DocumentText, FileKind
from ocr.engine import create_engine
from ocr.image_ops import PageTransform
from ocr.ink import InkRange
from ocr.reader import PageOcr
from ocr.seals_scan import erase_grey_seal_rings, find_grey_seals, find_seals, read_scan_seals, to_page_frame
from tests.test_ocr_support import CountingEngine

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT = FONT_DIR / "DejaVuSans.ttf"
BOLD = FONT_DIR / "DejaVuSans-Bold.ttf"
SEAL_BIN = "030940011459"
SEAL_NAME = "Береке Логистик"
VIOLET = (92, 52, 168)
SEAL_CENTRE = (430, 1030)
SEAL_RADIUS = 165
INNER_SHARE = 0.66  # the inner circle, around the centre lines
PAGE = (1654, 2339)  # A4 at 200 dpi

needs_tesseract = pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract is not installed")


def _ring_text(
    draw_on: Image.Image,
    text: str,
    radius: float,
    start_deg: float,
    span_deg: float,
    size: int,
    colour: tuple[int, int, int],
) -> None:
    """Letters along a circle, clockwise from ``start_deg`` (0 = twelve o'clock), tops outwards."""
    font = ImageFont.truetype(str(BOLD), size)
    cx, cy = SEAL_CENTRE
    step = span_deg / len(text)
    for i, ch in enumerate(text):
        angle = start_deg + i * step
        glyph = Image.new("RGBA", (2 * size, 2 * size), (0, 0, 0, 0))
        ImageDraw.Draw(glyph).text((size, size), ch, font=font, fill=(*colour, 255), anchor="mm")
        glyph = glyph.rotate(-angle, resample=Image.Resampling.BICUBIC)
        x = cx + radius * math.sin(math.radians(angle)) - size
        y = cy - radius * math.cos(math.radians(angle)) - size
        draw_on.alpha_composite(glyph, (int(x), int(y)))


def _stamped_page(
    colour: bool = True, stamped: bool = True, seal_colour: tuple[int, int, int] = VIOLET
) -> np.ndarray:
    page = Image.new("RGBA", PAGE, (250, 250, 247, 255))
    draw = ImageDraw.Draw(page)
    text_font = ImageFont.truetype(str(FONT), 30)
    lines = [
        (560, 200, "ОТЧЕТ О ВЫПОЛНЕННЫХ РАБОТАХ № 7"),
        (150, 300, "по договору № 12/24 от 15.01.2024                                 20.03.2024"),
        (150, 400, "Исполнитель ТОО «Береке Логистик» выполнил для ТОО «Шыгыс Агро»"),
        (150, 450, "(Заказчик) работы по аудиту складской логистики в полном объеме."),
        (250, 858, "Дата подписания: 20.03.2024"),
        (150, 950, "Исполнитель:"),
        (150, 1030, "__________ / Нурланов Б.К. /"),
        (950, 950, "Заказчик:"),
        (950, 1030, "__________ / Ахметова Г.С. /"),
    ]
    for x, y, line in lines:
        draw.text((x, y), line, fill=(25, 25, 25, 255), font=text_font)
    if not stamped:
        page = page.convert("RGB")
        return np.asarray(page.convert("L").convert("RGB") if not colour else page).copy()
    seal = Image.new("RGBA", PAGE, (0, 0, 0, 0))
    sdraw = ImageDraw.Draw(seal)
    cx, cy = SEAL_CENTRE
    r = SEAL_RADIUS
    for radius, width in ((r, 5), (r - 12, 2), (int(r * INNER_SHARE), 3)):
        sdraw.ellipse(
            (cx - radius, cy - radius, cx + radius, cy + radius), outline=(*seal_colour, 255), width=width
        )
    _ring_text(
        seal,
        f"ТОО «{SEAL_NAME}» * г. Семей",
        radius=r - 38,
        start_deg=225,
        span_deg=280,
        size=30,
        colour=seal_colour,
    )
    centre_font = ImageFont.truetype(str(BOLD), 18)
    sdraw.text((cx, cy - 16), f"БИН {SEAL_BIN}", font=centre_font, fill=(*seal_colour, 255), anchor="mm")
    sdraw.text((cx, cy + 20), "Семей", font=centre_font, fill=(*seal_colour, 255), anchor="mm")
    # A signature in the same ink, crossing the seal's left edge.
    points = [(cx - 250 + 12 * k, cy + 40 + 25 * math.sin(k / 2.5)) for k in range(22)]
    sdraw.line(points, fill=(*seal_colour, 255), width=4)
    # Stamp ink is translucent: the page's black text shows through it.
    seal.putalpha(seal.getchannel("A").point(lambda a: int(a * 0.85)))
    page = Image.alpha_composite(page, seal).convert("RGB")
    if not colour:
        page = page.convert("L").convert("RGB")
    return np.asarray(page).copy()


def _grey(page: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(page[..., 0])


def _ink() -> InkRange:
    return InkRange.from_settings(OcrSettings())


def test_the_seal_is_found_in_the_ink_with_its_edge_and_inner_circle() -> None:
    seals = find_seals(_stamped_page(), _ink())
    assert len(seals) == 1
    seal = seals[0]
    assert math.dist((seal.cx, seal.cy), SEAL_CENTRE) < 6
    assert abs(seal.r - SEAL_RADIUS) < 8
    assert seal.band_outer < seal.r  # the edge is a double line: the lettering lies inside both
    assert abs(seal.band_inner - SEAL_RADIUS * INNER_SHARE) < 8


def test_grey_pages_and_pages_without_seals_have_none() -> None:
    assert find_seals(_stamped_page(colour=False), _ink()) == []
    blank = np.full((800, 600, 3), 250, dtype=np.uint8)
    blank[100:110, 50:550] = (92, 52, 168)  # a violet rule, no circle
    assert find_seals(blank, _ink()) == []


def test_points_follow_the_page_into_its_turned_and_deskewed_frame() -> None:
    shape = (200, 100, 3)  # height 200, width 100
    assert to_page_frame(10, 20, shape, PageTransform(rotation=90)) == (179, 10)
    assert to_page_frame(10, 20, shape, PageTransform(rotation=180)) == (89, 179)
    assert to_page_frame(10, 20, shape, PageTransform(rotation=270)) == (20, 89)
    x, y = to_page_frame(50, 100, shape, PageTransform(skew_angle=3.0))  # the centre does not move
    assert (round(x, 6), round(y, 6)) == (50, 100)


@needs_tesseract
def test_ring_and_centre_are_read_apart_from_the_page() -> None:
    assert is_valid_bin(SEAL_BIN)
    engine = create_engine(OcrSettings())
    seals = read_scan_seals(_stamped_page(), _ink(), engine, "rus+kaz+eng", PageTransform())
    assert len(seals) == 1
    seal = seals[0]
    assert SEAL_BIN in seal.centre_text.replace(" ", ""), seal.centre_text
    ring = " ".join(seal.rings).replace(" ", "").lower()
    assert "берекелогистик" in ring, seal.rings
    # The seal's box is where it was drawn.
    cx, cy = SEAL_CENTRE
    assert seal.bbox.x0 < cx < seal.bbox.x1 and seal.bbox.y0 < cy < seal.bbox.y1


@needs_tesseract
def test_a_scanned_seal_gives_its_party_the_bin_the_requisites_lack(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    page = PageOcr(settings, None, None).read(_stamped_page(), 1)
    assert SEAL_BIN not in " ".join(w.text for w in page.words)  # the ink was painted out before OCR
    assert page.seals
    doc = extract_document(DocumentText(file="otchet.png", kind=FileKind.PNG, sha256="1" * 64, pages=[page]))
    assert doc.doc_type == DocType.WORK_REPORT
    parties = {p.role: p for p in doc.parties}
    assert parties["supplier"].bin is not None and parties["supplier"].bin.value == SEAL_BIN
    assert parties["supplier"].bin.confidence < 1.0
    assert parties["customer"].bin is None  # the seal is not the customer's


def test_grey_pages_ask_the_engine_nothing_more() -> None:
    engine = CountingEngine()
    settings = Settings(ocr=OcrSettings(preprocess=["suppress_stamps", "grayscale"]))
    page = PageOcr(settings, engine, None).read(_stamped_page(colour=False), 1)
    assert engine.calls == 1 and page.seals == []


def test_an_engine_failure_on_a_seal_keeps_the_page() -> None:
    class FailingOnSeals(CountingEngine):
        def recognize(self, image: np.ndarray, languages: str, psm: int) -> list:  # type: ignore[override]
            if self.calls >= 1:
                raise RuntimeError("engine crashed on the seal")
            return super().recognize(image, languages, psm)

    settings = Settings(ocr=OcrSettings(preprocess=["suppress_stamps", "grayscale"]))
    page = PageOcr(settings, FailingOnSeals(), None).read(_stamped_page(), 1)
    assert [w.text for w in page.words] == ["Счет-фактура", "№", "42"] and page.seals == []


# --------------------------------------------------------------------------- grey scans


def test_a_grey_seal_is_found_among_the_text() -> None:
    seals = find_grey_seals(_grey(_stamped_page(colour=False)))
    assert len(seals) == 1
    assert math.dist((seals[0].cx, seals[0].cy), SEAL_CENTRE) < 6
    assert find_grey_seals(_grey(_stamped_page(colour=False, stamped=False))) == []


def test_a_grey_seal_ring_is_painted_out_and_the_text_under_it_kept() -> None:
    page = _grey(_stamped_page(colour=False))
    erased = erase_grey_seal_rings(page)
    cx, cy = SEAL_CENTRE
    edge = (slice(cy - 3, cy + 4), slice(cx + SEAL_RADIUS - 3, cx + SEAL_RADIUS + 1))  # the right edge line
    assert page[edge].min() < 140 and erased[edge].min() >= 240  # painted in the paper tone
    # Black text crossing the ring keeps its strokes; the seal's centre (its BIN) is untouched.
    text = (slice(858, 900), slice(250, 900))
    assert (erased[text] < 80).sum() >= 0.8 * (page[text] < 80).sum()
    centre = (slice(cy - 40, cy + 40), slice(cx - 60, cx + 60))
    assert np.array_equal(erased[centre], page[centre])


def test_a_seal_as_dark_as_the_text_is_left_alone() -> None:
    page = _grey(_stamped_page(colour=False, seal_colour=(25, 25, 25)))
    assert erase_grey_seal_rings(page) is page


@needs_tesseract
def test_a_date_under_a_grey_seal_ring_is_read_once_the_ring_is_gone(tmp_path: Path) -> None:
    page = PageOcr(Settings(data_dir=tmp_path), None, None).read(_stamped_page(colour=False), 1)
    lines = [page.line_text(i) for i in range(len(page.lines))]
    assert any("Дата подписания: 20.03.2024" in line for line in lines), lines
    assert any(SEAL_BIN in line.replace(" ", "") for line in lines)  # the centre stays among the words
