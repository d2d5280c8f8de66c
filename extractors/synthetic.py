"""Hand-made ``DocumentText`` for tests and examples: place text at coordinates, get words with boxes.

    doc = layout_document("t.pdf", [(50, 40, "СЧЕТ-ФАКТУРА № 12 от 01.03.2022"), (50, 60, "Поставщик: ТОО «А»")])

Each placed string is split into words with a fixed advance per character (a 10 pt font), so
geometry-based reading (columns, cells, labels above values) can be exercised without a PDF.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from models.domain import BBox, DocumentText, FileKind, PageText, TextSource, Word
from ocr.layout import group_lines

CHAR_WIDTH = 5.0
SPACE_WIDTH = 2.5
LINE_HEIGHT = 10.0


def _words(x: float, y: float, text: str, confidence: float) -> list[Word]:
    out: list[Word] = []
    cursor = x
    for token in text.split(" "):
        if not token:
            cursor += SPACE_WIDTH
            continue
        width = CHAR_WIDTH * len(token)
        out.append(Word(text=token, bbox=BBox(x0=cursor, y0=y, x1=cursor + width, y1=y + LINE_HEIGHT), confidence=confidence))
        cursor += width + SPACE_WIDTH
    return out


def layout_page(
    placements: Sequence[tuple[float, float, str]],
    page_no: int = 1,
    source: TextSource = TextSource.TEXT_LAYER,
    confidence: float = 1.0,
    width: float = 595.0,
    height: float = 842.0,
) -> PageText:
    words: list[Word] = []
    for x, y, text in placements:
        words.extend(_words(x, y, text, confidence))
    return PageText(
        page_no=page_no,
        width=width,
        height=height,
        unit="pt" if source == TextSource.TEXT_LAYER else "px",
        source=source,
        words=words,
        lines=group_lines(words),
        mean_confidence=confidence,
    )


def layout_document(
    name: str,
    placements: Sequence[tuple[float, float, str]] | Sequence[Sequence[tuple[float, float, str]]],
    source: TextSource = TextSource.TEXT_LAYER,
    confidence: float = 1.0,
) -> DocumentText:
    """A document from placements (one page) or a list of pages of placements."""
    pages_in = placements if placements and isinstance(placements[0], list) else [placements]
    pages = [
        layout_page(list(p), page_no=i + 1, source=source, confidence=confidence)  # type: ignore[arg-type]
        for i, p in enumerate(pages_in)
    ]
    digest = hashlib.sha256(repr(placements).encode("utf-8")).hexdigest()
    kind = FileKind.PDF if not name.lower().endswith((".jpg", ".png")) else FileKind.JPEG
    return DocumentText(file=name, kind=kind, sha256=digest, pages=pages)


def lines_document(
    name: str,
    lines: list[str],
    x: float = 50.0,
    top: float = 40.0,
    step: float = 14.0,
    source: TextSource = TextSource.TEXT_LAYER,
) -> DocumentText:
    """Plain lines, one under another: for texts whose layout does not matter."""
    placements = [(x, top + i * step, line) for i, line in enumerate(lines)]
    return layout_document(name, placements, source=source, confidence=1.0 if source == TextSource.TEXT_LAYER else 0.9)
