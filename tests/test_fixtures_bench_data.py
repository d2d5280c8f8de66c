"""Benchmark data from the fixture builder: text-layer PDFs of N pages, a streamed long scan of N pages."""

from __future__ import annotations

from pathlib import Path

import pdfplumber
import pypdfium2 as pdfium

from tests.fixtures.builder.__main__ import main
from tests.fixtures.builder.bench_data import text_pdfs, write_long_scan


def _pages(path: Path) -> int:
    pdf = pdfium.PdfDocument(path)
    try:
        return len(pdf)
    finally:
        pdf.close()


def test_text_pdfs_reach_the_page_count_with_real_text_layers(tmp_path: Path) -> None:
    assert main(["text-pdfs", "--pages", "6", str(tmp_path)]) == 0
    files = sorted(tmp_path.glob("*.pdf"))
    total = sum(_pages(f) for f in files)
    assert 6 <= total < 6 + 10  # stops with the document that reaches the count
    with pdfplumber.open(files[0]) as pdf:
        assert len(pdf.pages[0].chars) > 200


def test_text_pdfs_are_deterministic() -> None:
    first = [(p.name, p.data) for p in text_pdfs(3, seed=5)]
    again = [(p.name, p.data) for p in text_pdfs(3, seed=5)]
    assert first == again


def test_long_scan_has_the_pages_asked_for_and_no_text_layer(tmp_path: Path) -> None:
    out = tmp_path / "scan.pdf"
    assert main(["long-scan", "--pages", "3", str(out)]) == 0
    assert _pages(out) == 3
    with pdfplumber.open(out) as pdf:
        assert all(not page.chars and len(page.images) == 1 for page in pdf.pages)
        assert pdf.pages[0].width < pdf.pages[0].height  # A4 portrait at the scan's resolution
    pdf_doc = pdfium.PdfDocument(out)
    try:
        bitmap = pdf_doc[2].render(scale=0.5)
        assert bitmap.to_numpy().mean() > 100  # mostly paper, some ink: a real page image
    finally:
        pdf_doc.close()


def test_long_scan_is_deterministic_and_each_page_differs(tmp_path: Path) -> None:
    a, b = tmp_path / "a.pdf", tmp_path / "b.pdf"
    write_long_scan(a, 2, seed=3)
    write_long_scan(b, 2, seed=3)
    assert a.read_bytes() == b.read_bytes()
    with pdfplumber.open(a) as pdf:
        streams = [page.images[0]["stream"].get_rawdata() for page in pdf.pages]
    assert streams[0] != streams[1]
