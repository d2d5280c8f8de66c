"""Seals as a fallback source of a party's BIN: read from a PDF text layer apart from the page's words,
and used only for the party whose name the seal bears, when its requisites print no BIN.

The seals drawn here are not the fixture builder's: two rings of lettering (the name outside, the city
and the BIN inside), lettering starting at the bottom left, a Kazakh-language work report.
"""

from __future__ import annotations

import io
import math
from pathlib import Path

import pdfplumber
import pytest

from extractors import extract_document
from extractors.identifiers import is_valid_bin
from extractors.synthetic import layout_document
from foundation.settings import OcrSettings
from models.domain import BBox, DocType, DocumentText, FileKind, SealText, Word
from ocr.ink import InkRange
from ocr.text_layer import read_seals, text_layer_page

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
SUPPLIER_BIN = "180240754302"
CUSTOMER_BIN = "870307318261"
SEAL_BLUE = (40, 60, 190)


def _ring(pdf: object, cx: float, cy: float, radius: float, text: str, start_deg: float, span_deg: float) -> None:
    """Letters along a circle, clockwise, each turned to stand on the ring (as a seal is cut)."""
    step = span_deg / max(len(text), 1)
    for i, ch in enumerate(text):
        theta = start_deg - i * step  # degrees, counter-clockwise from 3 o'clock: decreasing = clockwise
        rad = math.radians(theta)
        x = cx + radius * math.cos(rad)
        y = cy - radius * math.sin(rad)
        with pdf.rotation(theta - 90, x, y):  # type: ignore[attr-defined]
            pdf.text(x - pdf.get_string_width(ch) / 2, y, ch)  # type: ignore[attr-defined]


def _stamped_report(seal_name: str, seal_bin: str) -> bytes:
    fpdf = pytest.importorskip("fpdf")
    if not FONT.exists():
        pytest.skip("DejaVu fonts are not installed")
    pdf = fpdf.FPDF(unit="mm", format="A4")
    pdf.add_font("Doc", "", str(FONT))
    pdf.add_page()
    pdf.set_font("Doc", size=12)
    pdf.text(60, 20, "ОРЫНДАЛҒАН ЖҰМЫСТАР ТУРАЛЫ ЕСЕП")
    pdf.set_font("Doc", size=10)
    pdf.text(20, 32, "2024 жылғы 12.02.2024 № 18-Ш шарт бойынша")
    pdf.text(20, 42, "Осы есепті «Дала Инжиниринг» ЖШС (Орындаушы) «Ертіс Агро» ЖШС (Тапсырыс беруші)")
    pdf.text(20, 48, "үшін дайындады. Жұмыстар толық көлемде орындалды.")
    pdf.text(20, 70, "Орындаушы: ____________ / Сейтқали Н.Б. /")
    pdf.text(120, 70, "Тапсырыс беруші: ____________ / Омаров Е.К. /")
    cx, cy = 45.0, 72.0
    with pdf.local_context(text_color=SEAL_BLUE, draw_color=SEAL_BLUE):
        pdf.circle(cx, cy, 19)
        pdf.set_font("Doc", size=6)
        _ring(pdf, cx, cy, 16.0, f"«{seal_name}» ЖШС", start_deg=210, span_deg=240)
        _ring(pdf, cx, cy, 11.5, f"Павлодар қ. БСН {seal_bin}", start_deg=200, span_deg=220)
        pdf.text(cx - 3, cy + 1, "М.О.")
    return bytes(pdf.output())


def _page(data: bytes) -> tuple[list[SealText], list[str]]:
    ink = InkRange.from_settings(OcrSettings())
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        page = pdf.pages[0]
        seals = read_seals(page, ink)
        words = [w.text for w in text_layer_page(page, 1, ink).words]
    return seals, words


def _document(data: bytes) -> DocumentText:
    ink = InkRange.from_settings(OcrSettings())
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        pages = [text_layer_page(p, i + 1, ink) for i, p in enumerate(pdf.pages)]
    return DocumentText(file="esep.pdf", kind=FileKind.PDF, sha256="0" * 64, pages=pages)


def test_seal_lettering_is_kept_apart_from_the_page_words() -> None:
    seals, words = _page(_stamped_report("Дала Инжиниринг", SUPPLIER_BIN))
    assert len(seals) == 1
    seal = seals[0]
    assert len(seal.rings) == 2, seal.rings  # the name outside, city and BIN inside
    assert "Дала Инжиниринг" in seal.rings[0]
    assert SUPPLIER_BIN in seal.rings[1].replace(" ", "")
    assert seal.centre_text == "М.О."
    assert SUPPLIER_BIN not in " ".join(words) and "М.О." not in words
    assert "Орындаушы:" in words  # the page's own text is untouched


def test_seal_bin_goes_to_the_party_whose_name_the_seal_bears() -> None:
    assert is_valid_bin(SUPPLIER_BIN)
    doc = extract_document(_document(_stamped_report("Дала Инжиниринг", SUPPLIER_BIN)))
    assert doc.doc_type == DocType.WORK_REPORT
    parties = {p.role: p for p in doc.parties}
    assert parties["supplier"].bin is not None and parties["supplier"].bin.value == SUPPLIER_BIN
    assert parties["supplier"].bin.confidence < 1.0  # a fallback, believed less than requisites
    assert parties["customer"].bin is None


def test_seal_of_another_organisation_gives_no_bin() -> None:
    doc = extract_document(_document(_stamped_report("Қостанай Құрылыс", SUPPLIER_BIN)))
    assert all(p.bin is None for p in doc.parties)


def _report_with_seal(seal: SealText) -> DocumentText:
    text = layout_document(
        "report.pdf",
        [
            (150, 40, "ОТЧЕТ О ВЫПОЛНЕННЫХ РАБОТАХ"),
            (50, 60, "по договору № 7/24 от 05.01.2024"),
            (50, 80, "Настоящий отчет подготовлен ТОО «Кедр Сервис» (Исполнитель) для АО «Северный"),
            (50, 94, "Элеватор» (Заказчик) по результатам выполнения работ."),
            (50, 140, "Исполнитель: ________ / Ким А.А. /"),
            (320, 140, "Заказчик: ________ / Ли Б.Б. /"),
        ],
    )
    text.pages[0].seals.append(seal)
    return text


def _seal(ring: str, centre: list[str]) -> SealText:
    words = [Word(text=t, bbox=BBox(x0=330, y0=150 + 8 * i, x1=380, y1=157 + 8 * i)) for i, t in enumerate(centre)]
    return SealText(bbox=BBox(x0=310, y0=120, x1=400, y1=210), rings=[ring], words=words)


def test_ring_read_from_any_starting_point_matches_the_name() -> None:
    # The ring has no beginning: the reader may start it mid-name.
    doc = extract_document(_report_with_seal(_seal("ный Элеватор» * г. Петропавловск * АО «Север", ["БИН", CUSTOMER_BIN])))
    parties = {p.role: p for p in doc.parties}
    assert parties["customer"].bin is not None and parties["customer"].bin.value == CUSTOMER_BIN
    assert parties["supplier"].bin is None


def test_seal_bin_with_a_wrong_check_digit_is_not_used() -> None:
    wrong = CUSTOMER_BIN[:-1] + str((int(CUSTOMER_BIN[-1]) + 1) % 10)
    assert not is_valid_bin(wrong)
    doc = extract_document(_report_with_seal(_seal("АО «Северный Элеватор» *", [f"БИН{wrong}"])))
    assert all(p.bin is None for p in doc.parties)


def test_label_glued_to_digits_in_a_seal_still_gives_the_bin() -> None:
    doc = extract_document(_report_with_seal(_seal("АО «Северный Элеватор» *", [f"БИН{CUSTOMER_BIN}"])))
    parties = {p.role: p for p in doc.parties}
    assert parties["customer"].bin is not None and parties["customer"].bin.value == CUSTOMER_BIN
