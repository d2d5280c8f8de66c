"""Words with boxes from a PDF's own text layer (pdfplumber)."""

from __future__ import annotations

import io

import pdfplumber

from models.domain import BBox, PageText, TextSource, Word
from ocr.layout import group_lines


def text_layer_page(page: "pdfplumber.page.Page", page_no: int) -> PageText:
    """Read one pdfplumber page. Tables are kept as rows of cells when pdfplumber finds ruled ones."""
    raw = page.extract_words(keep_blank_chars=False, use_text_flow=False, extra_attrs=["size"])
    words = [
        Word(text=w["text"], bbox=BBox(x0=w["x0"], y0=w["top"], x1=w["x1"], y1=w["bottom"]), confidence=1.0)
        for w in raw
        if w["text"].strip()
    ]
    tables: list[list[list[str | None]]] = []
    try:
        tables = [t for t in page.extract_tables() if t]
    except Exception:  # noqa: BLE001 - a table we cannot parse is not a reason to lose the page's words
        tables = []
    return PageText(
        page_no=page_no,
        width=float(page.width),
        height=float(page.height),
        unit="pt",
        source=TextSource.TEXT_LAYER,
        words=words,
        lines=group_lines(words),
        tables=tables,
    )


def count_text_chars(page: "pdfplumber.page.Page") -> int:
    return sum(1 for c in page.chars if c.get("text", "").strip())


def read_text_layer(data: bytes) -> list[PageText]:
    """All pages from the text layer, closing each page to keep memory flat on long PDFs."""
    pages: list[PageText] = []
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for i, page in enumerate(pdf.pages, start=1):
            pages.append(text_layer_page(page, i))
            page.close()
    return pages
