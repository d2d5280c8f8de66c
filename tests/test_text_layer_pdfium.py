"""pdfium's reading of PDF text layers (``ocr.pdfium_text``) against pdfplumber's, through the same code.

The bar is equivalence: the same words (text identical, boxes within half a point) line by line, the
same seals and the same "is this layer usable" decision. The layouts here are built by the test (fpdf2):
DejaVu at sizes from 6 to 16 pt, a bold title, a grid table, words set tight, a line-end hyphen, a
superscript, text turned by 90° in the margin, an image, a blue heading, a round seal of turned violet
lettering on two rings with a straight centre line, and a page in the standard 14 fonts (whose metrics
pdfminer takes from its own tables), one line turned by 30°; then the fixture dossiers' PDFs. Pages
pdfium would read differently are left to pdfplumber (a font without Unicode, text at size zero).
"""

from __future__ import annotations

import io
import math
from pathlib import Path

import pdfplumber
import pypdfium2 as pdfium
import pytest

from foundation.settings import OcrSettings, Settings
from models.domain import FileKind, PageText, Word
from ocr import reader
from ocr.ink import InkRange
from ocr.pdfium_text import NeedsPdfplumber, read_char_page
from ocr.text_layer import TextLayerQuality, assess_text_layer, text_layer_is_usable, text_layer_page

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
BOLD = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
FIXTURES = Path(__file__).parent / "fixtures" / "dossiers"
TOLERANCE_PT = 0.5
SEAL_VIOLET = (92, 40, 170)
HEADING_BLUE = (30, 70, 200)


def _fpdf() -> object:
    fpdf = pytest.importorskip("fpdf")
    if not (FONT.exists() and BOLD.exists()):
        pytest.skip("DejaVu fonts are not installed")
    pdf = fpdf.FPDF(unit="mm", format="A4")
    pdf.add_font("Doc", "", str(FONT))
    pdf.add_font("Doc", "B", str(BOLD))
    return pdf


def _ring(pdf: object, cx: float, cy: float, radius: float, text: str, start_deg: float, span_deg: float) -> None:
    step = span_deg / max(len(text), 1)
    for i, ch in enumerate(text):
        theta = start_deg - i * step
        rad = math.radians(theta)
        x = cx + radius * math.cos(rad)
        y = cy - radius * math.sin(rad)
        with pdf.rotation(theta - 90, x, y):  # type: ignore[attr-defined]
            pdf.text(x - pdf.get_string_width(ch) / 2, y, ch)  # type: ignore[attr-defined]


def _layout() -> bytes:
    """Three pages of a layout of this test's own (no fixture builder, no corpus wording)."""
    from PIL import Image

    pdf = _fpdf()
    pdf.add_page()
    pdf.set_font("Doc", "B", 16)
    pdf.text(40, 18, "АКТ СВЕРКИ ВЗАИМОРАСЧЁТОВ № 7/Б")
    pdf.set_font("Doc", "", 10)
    pdf.text(20, 28, "г. Караганда, «03» марта 2025 г.; БИН 990340001234, ИИК KZ12 722S 0000 1234 5678")
    pdf.set_font("Doc", "", 6)
    pdf.text(20, 33, "мелкий шрифт: сноска к договору займа; все суммы указаны в тенге (KZT)")
    pdf.set_font("Doc", "", 10)
    pdf.text(20, 42, "Настоящий акт составлен для подтверждения сальдо и обслу-")
    pdf.text(20, 47, "живания счетов; Қазақстан Республикасы, Өскемен қаласы.")
    pdf.text(20, 54, "плотно:")
    x = 36.0
    for token in ("1", "000", "000,00", "тг.", "итого"):
        pdf.text(x, 54, token)
        x += pdf.get_string_width(token) + 0.6  # gaps under pdfplumber's 3 pt tolerance: one word
    pdf.text(20, 61, "Площадь 12 м")
    pdf.set_font("Doc", "", 6)
    pdf.text(20 + pdf.get_string_width("Площадь 12 м") * 10 / 6 + 0.2, 59.8, "2")
    pdf.set_font("Doc", "", 9)
    pdf.set_xy(20, 68)
    with pdf.table(col_widths=(15, 70, 35, 40), text_align="LEFT") as table:
        for row in (
            ("№", "Наименование", "Дата", "Сумма"),
            ("1", "Поставка реагентов", "05.01.2025", "1 250 000,00"),
            ("2", "Сервисное обслуживание", "17.02.2025", "310 500,50"),
        ):
            cells = table.row()
            for value in row:
                cells.cell(value)
    with pdf.local_context(text_color=HEADING_BLUE):
        pdf.set_font("Doc", "B", 12)
        pdf.text(20, 110, "Синий заголовок вне печати")
    pdf.set_font("Doc", "", 8)
    with pdf.rotation(90, 12, 200):
        pdf.text(12, 200, "Документ сформирован в учётной системе")
    image = Image.new("RGB", (60, 30), (200, 200, 200))
    pdf.image(image, x=150, y=120, w=40, h=20)
    pdf.set_font("Doc", "", 10)
    pdf.text(20, 150, "Директор ______________ / Ахметов Р.Т. /")
    cx, cy = 60.0, 160.0
    with pdf.local_context(text_color=SEAL_VIOLET, draw_color=SEAL_VIOLET):
        pdf.circle(cx, cy, 20)
        pdf.set_font("Doc", "B", 6.5)
        _ring(pdf, cx, cy, 17.0, "ТОВАРИЩЕСТВО С ОГРАНИЧЕННОЙ ОТВЕТСТВЕННОСТЬЮ", start_deg=225, span_deg=270)
        pdf.set_font("Doc", "", 5.5)
        _ring(pdf, cx, cy, 12.0, "«Нұр Сервис» БИН 990340001234", start_deg=200, span_deg=220)
        pdf.text(cx - 6, cy - 1, "г. Караганда")
        pdf.text(cx - 3, cy + 3, "М.П.")
    pdf.add_page()
    pdf.set_font("Doc", "", 11)
    for k in range(30):
        pdf.text(20, 20 + 8 * k, f"Строка {k + 1}: оплата по счёту № {100 + k} от {k % 28 + 1:02d}.03.2025 — {k * 1000 + 5},00 тг")
    pdf.add_page()  # the standard 14 fonts: pdfminer takes their metrics from its own AFM tables
    for k, (family, style) in enumerate((("Helvetica", ""), ("Helvetica", "B"), ("Times", ""), ("Times", "I"), ("Courier", ""))):
        pdf.set_font(family, style, 10 + k)
        pdf.text(20, 20 + 12 * k, f"Invoice No. INV-2025/{k}: total 1,250,000.00 KZT incl. VAT 12%; Almaty Trade LLP")
    with pdf.rotation(30, 100, 150):
        pdf.set_font("Helvetica", "", 9)
        pdf.text(100, 150, "Turned Helvetica line")
    return bytes(pdf.output())


def _readings(data: bytes) -> list[tuple[tuple[TextLayerQuality, PageText | None], tuple[TextLayerQuality, PageText | None]]]:
    """Per page: (pdfplumber's quality and page, pdfium's quality and page); pages pdfium refuses are left out."""
    settings = OcrSettings()
    ink = InkRange.from_settings(settings)
    out = []
    pdf = pdfium.PdfDocument(data)
    try:
        with pdfplumber.open(io.BytesIO(data)) as plumber:
            for index, old_page in enumerate(plumber.pages):
                try:
                    new_page = read_char_page(pdf, index)
                except NeedsPdfplumber:
                    continue
                pair = []
                for page in (old_page, new_page):
                    quality = assess_text_layer(page, ink)
                    text = text_layer_page(page, index + 1, ink) if text_layer_is_usable(quality, settings) else None
                    pair.append((quality, text))
                out.append((pair[0], pair[1]))
    finally:
        pdf.close()
    return out


def _reading_order(page: PageText) -> list[list[Word]]:
    return [[page.words[i] for i in line] for line in page.lines]


def _assert_same_page(old: PageText, new: PageText) -> None:
    # Extractors see words line by line (``PageText.lines``). The flat word list may be ordered
    # differently: pdfminer's float noise can split one font size in two, and pdfplumber groups
    # characters by size before it groups them into lines.
    old_lines, new_lines = _reading_order(old), _reading_order(new)
    assert [[w.text for w in line] for line in new_lines] == [[w.text for w in line] for line in old_lines]
    for a, b in zip((w for line in old_lines for w in line), (w for line in new_lines for w in line)):
        for side in ("x0", "y0", "x1", "y1"):
            assert getattr(b.bbox, side) == pytest.approx(getattr(a.bbox, side), abs=TOLERANCE_PT), a.text
    assert (new.width, new.height) == pytest.approx((old.width, old.height))
    assert len(new.seals) == len(old.seals)
    for a_seal, b_seal in zip(old.seals, new.seals):
        assert b_seal.rings == a_seal.rings
        assert [w.text for w in b_seal.words] == [w.text for w in a_seal.words]
        for side in ("x0", "y0", "x1", "y1"):
            assert getattr(b_seal.bbox, side) == pytest.approx(getattr(a_seal.bbox, side), abs=TOLERANCE_PT)


def _assert_same(data: bytes) -> int:
    pages = _readings(data)
    for (old_quality, old), (new_quality, new) in pages:
        assert (new is None) == (old is None)
        assert new_quality.real_chars == old_quality.real_chars
        assert new_quality.garbage_chars == old_quality.garbage_chars
        assert new_quality.image_coverage == pytest.approx(old_quality.image_coverage, abs=1e-3)
        if old is not None and new is not None:
            _assert_same_page(old, new)
    return len(pages)


def test_own_layout_reads_the_same_as_pdfplumber() -> None:
    data = _layout()
    assert _assert_same(data) == 3  # no page was handed back to pdfplumber
    (_, old), (_, new) = _readings(data)[0]
    assert old is not None and new is not None
    texts = [w.text for w in new.words]
    assert "обслу-" in texts and "живания" in texts  # pdfium's joined hyphen comes back as it is printed
    assert "Синий" in texts  # ink-coloured, but not in a seal: kept
    assert "ТОВАРИЩЕСТВО" not in " ".join(texts)
    assert len(new.seals) == 1 and new.seals[0].rings and "М.П." in new.seals[0].centre_text


def test_fixture_dossier_pdfs_read_the_same_as_pdfplumber() -> None:
    files = sorted(FIXTURES.rglob("*.pdf"))
    if not files:
        pytest.skip("no fixture dossiers")
    compared = sum(_assert_same(path.read_bytes()) for path in files)
    assert compared >= len(files) // 2


def _pdf_with_unmapped_glyphs() -> bytes:
    """A composite font with no ToUnicode map and no font program: pdfminer reads "(cid:N)"."""
    codes = "".join(f"{0x41 + k % 20:04X}" for k in range(40)).encode()
    content = b"BT /F1 12 Tf 72 720 Td <" + codes + b"> Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        (
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> "
            b"/Contents 4 0 R >>"
        ),
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type0 /BaseFont /NoSuchFont /Encoding /Identity-H /DescendantFonts [6 0 R] >>",
        (
            b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /NoSuchFont /DW 500 "
            b"/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor 7 0 R >>"
        ),
        (
            b"<< /Type /FontDescriptor /FontName /NoSuchFont /Flags 4 /FontBBox [0 -200 1000 800] /ItalicAngle 0 "
            b"/Ascent 800 /Descent -200 /CapHeight 700 /StemV 80 >>"
        ),
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def test_unmapped_glyphs_are_left_to_pdfplumber(tmp_path: Path) -> None:
    data = _pdf_with_unmapped_glyphs()
    pdf = pdfium.PdfDocument(data)
    try:
        with pytest.raises(NeedsPdfplumber):
            read_char_page(pdf, 0)
        with pdfplumber.open(io.BytesIO(data)) as plumber:
            quality = assess_text_layer(plumber.pages[0], None)
        assert quality.garbage_chars > 0 and not text_layer_is_usable(quality, OcrSettings())
        # The reader takes pdfplumber's decision: the layer is garbage, the page goes to OCR.
        settings = Settings(data_dir=tmp_path, stage_cache=False)
        assert reader._text_layer_or_none(pdf, reader._LazyPlumber(data), 0, settings) is None
    finally:
        pdf.close()


def test_reader_reads_through_pdfium_and_gives_pdfplumbers_pages(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    data = _layout()
    settings = Settings(data_dir=tmp_path, stage_cache=False, ocr_cache_dir=tmp_path / "ocr")
    opened: list[bytes] = []
    original_open = reader._open_plumber
    monkeypatch.setattr(reader, "_open_plumber", lambda raw: opened.append(raw) or original_open(raw))
    fast = reader.read_document("own.pdf", data, FileKind.PDF, settings)
    assert opened == []  # pdfplumber never opened: every page read through pdfium

    def refuse(pdf: object, index: int) -> None:
        raise NeedsPdfplumber("forced by the test")

    monkeypatch.setattr(reader, "read_char_page", refuse)
    slow = reader.read_document("own.pdf", data, FileKind.PDF, settings)
    assert opened  # now it was
    assert len(fast.pages) == len(slow.pages) == 3
    for old, new in zip(slow.pages, fast.pages):
        _assert_same_page(old, new)


def test_text_at_size_zero_is_left_to_pdfplumber() -> None:
    pdf = _fpdf()
    pdf.add_page()
    pdf.set_font("Doc", "", 11)
    pdf.text(20, 20, "Видимый текст страницы")
    pdf.set_font_size(0)
    pdf.text(20, 30, "скрытый")  # pdfium's text page leaves it out, pdfminer keeps it
    document = pdfium.PdfDocument(bytes(pdf.output()))
    try:
        with pytest.raises(NeedsPdfplumber):
            read_char_page(document, 0)
    finally:
        document.close()


def test_ring_lettering_at_twelve_oclock_reads_first_whichever_side_float_noise_puts_it() -> None:
    from ocr.text_layer import _clockwise_from_top

    centre = (100.0, 100.0)
    assert _clockwise_from_top((100.0 - 1e-4, 60.0), centre) == 0.0  # a hair left of the top
    assert _clockwise_from_top((100.0 + 1e-4, 60.0), centre) == pytest.approx(0.0, abs=1e-3)
    assert _clockwise_from_top((99.0, 60.0), centre) == pytest.approx(358.57, abs=0.01)  # a glyph step left


def test_scan_page_has_no_text_to_read(tmp_path: Path) -> None:
    from PIL import Image

    pdf = _fpdf()
    pdf.add_page()
    pdf.image(Image.new("RGB", (200, 280), (255, 255, 255)), x=0, y=0, w=210, h=297)
    document = pdfium.PdfDocument(bytes(pdf.output()))
    try:
        page = read_char_page(document, 0)
    finally:
        document.close()
    assert not page.draws_text and page.chars == []
