"""Get a DocumentText for every corpus file, for the extraction benchmark.

Prefers the OCR stage's ``ocr.reader.read_document`` when it exists; otherwise falls back to a
throwaway reader (text layer via pdfplumber, tesseract ``image_to_data`` for scans and photos,
openpyxl for XLSX) whose results are cached as JSON under ``/tmp/dev_texts`` so that repeated
benchmark runs do not re-OCR. The fallback is a development crutch, not product code.
"""

from __future__ import annotations

import hashlib
import io
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from models.domain import BBox, DocumentText, FileKind, PageText, TextSource, Word
from ocr.layout import group_lines

CACHE = Path(os.environ.get("DEV_TEXTS", "/tmp/dev_texts"))


def sniff_kind(data: bytes) -> FileKind:
    if data.startswith(b"%PDF"):
        return FileKind.PDF
    if data.startswith(b"\xff\xd8"):
        return FileKind.JPEG
    if data.startswith(b"\x89PNG"):
        return FileKind.PNG
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return FileKind.TIFF
    if data.startswith(b"PK"):
        return FileKind.XLSX if b"xl/" in data[:4000] or b"[Content_Types]" in data[:200] else FileKind.ZIP
    return FileKind.UNKNOWN


def _ocr_image(img: object, page_no: int) -> PageText:
    import pytesseract

    d = pytesseract.image_to_data(img, lang="rus+kaz+eng", output_type=pytesseract.Output.DICT)
    words: list[Word] = []
    for i, txt in enumerate(d["text"]):
        if not txt or not txt.strip():
            continue
        conf = float(d["conf"][i])
        words.append(
            Word(
                text=txt.strip(),
                bbox=BBox(
                    x0=d["left"][i], y0=d["top"][i], x1=d["left"][i] + d["width"][i], y1=d["top"][i] + d["height"][i]
                ),
                confidence=max(0.0, min(1.0, conf / 100.0)),
                block=int(d["block_num"][i]),
                line=int(d["par_num"][i]) * 1000 + int(d["line_num"][i]),
            )
        )
    w, h = img.size  # type: ignore[attr-defined]
    mean = sum(x.confidence for x in words) / len(words) if words else 0.0
    return PageText(
        page_no=page_no, width=w, height=h, unit="px", source=TextSource.OCR, words=words,
        lines=group_lines(words), mean_confidence=mean, ocr_engine="tesseract rus+kaz+eng psm 3 (bench)",
    )


def _fallback_read(name: str, data: bytes) -> DocumentText:
    kind = sniff_kind(data)
    sha = hashlib.sha256(data).hexdigest()
    pages: list[PageText] = []
    if kind == FileKind.PDF:
        pages = _text_layer_without_stamps(data)
        if sum(len(w.text) for p in pages for w in p.words) < 40 * max(1, len(pages)):
            import pypdfium2 as pdfium

            pdf = pdfium.PdfDocument(data)
            pages = []
            for i in range(len(pdf)):
                img = pdf[i].render(scale=300 / 72).to_pil().convert("L")
                pages.append(_ocr_image(img, i + 1))
    elif kind in (FileKind.JPEG, FileKind.PNG, FileKind.TIFF):
        from PIL import Image, ImageOps

        img = ImageOps.exif_transpose(Image.open(io.BytesIO(data))).convert("L")
        pages = [_ocr_image(img, 1)]
    elif kind == FileKind.XLSX:
        pages = [_xlsx_page(data)]
    return DocumentText(file=name, kind=kind, sha256=sha, pages=pages)


def _is_stamp_ink(obj: dict) -> bool:
    """Blue/violet fill = seal or stamp overprint (the OCR stage filters these the same way)."""
    colour = obj.get("non_stroking_color")
    if not isinstance(colour, (tuple, list)) or len(colour) != 3:
        return False
    r, g, b = (float(c) for c in colour)
    return b - max(r, g) > 0.2


def _text_layer_without_stamps(data: bytes) -> list[PageText]:
    import pdfplumber

    from ocr.text_layer import text_layer_page

    pages: list[PageText] = []
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for i, page in enumerate(pdf.pages, start=1):
            clean = page.filter(lambda o: not (o.get("object_type") == "char" and _is_stamp_ink(o)))
            pages.append(text_layer_page(clean, i))
            page.close()
    return pages


def _xlsx_page(data: bytes) -> PageText:
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(data), data_only=True, read_only=True)
    ws = wb.worksheets[0]
    words: list[Word] = []
    rows: list[list[str | None]] = []
    for r, row in enumerate(ws.iter_rows(values_only=True), start=1):
        cells: list[str | None] = []
        for c, val in enumerate(row, start=1):
            s = None if val is None else str(val)
            cells.append(s)
            if s:
                for k, tok in enumerate(s.split()):
                    words.append(Word(text=tok, bbox=BBox(x0=c * 100 + k, y0=r, x1=c * 100 + k + 1, y1=r + 0.8)))
        rows.append(cells)
    return PageText(page_no=1, width=2000, height=len(rows) + 1, unit="cell", source=TextSource.STRUCTURED,
                    words=words, lines=group_lines(words), tables=[rows])


def load_text(path: Path) -> DocumentText:
    data = path.read_bytes()
    try:
        from ocr.reader import read_document  # type: ignore[import-not-found]
    except Exception:  # noqa: BLE001 - the OCR stage may not exist yet
        read_document = None
    use_reader = read_document is not None and not os.environ.get("EXTRACT_BENCH_FALLBACK")
    prefix = "reader-" if use_reader else ""
    key = CACHE / f"{prefix}{hashlib.sha256(data).hexdigest()[:20]}.json"
    if use_reader:
        if key.exists() and not os.environ.get("EXTRACT_BENCH_REFRESH"):
            doc = DocumentText.model_validate_json(key.read_text(encoding="utf-8"))
            return doc.model_copy(update={"file": path.name})
        from foundation.settings import get_settings
        from ingest.errors import UnreadableDocument

        try:
            doc = read_document(path.name, data, sniff_kind(data), get_settings())
        except UnreadableDocument:
            doc = DocumentText(file=path.name, kind=sniff_kind(data), sha256=hashlib.sha256(data).hexdigest())
        CACHE.mkdir(parents=True, exist_ok=True)
        key.write_text(doc.model_dump_json(), encoding="utf-8")
        return doc
    if key.exists():
        doc = DocumentText.model_validate_json(key.read_text(encoding="utf-8"))
        return doc.model_copy(update={"file": path.name})
    doc = _fallback_read(path.name, data)
    CACHE.mkdir(parents=True, exist_ok=True)
    key.write_text(doc.model_dump_json(), encoding="utf-8")
    return doc


if __name__ == "__main__":
    corpus = Path(sys.argv[1] if len(sys.argv) > 1 else ROOT.parent / "shared" / "corpus" / "dev")
    for p in sorted(corpus.glob("*/*")):
        if p.name in ("expected.json", "application.json"):
            continue
        doc = load_text(p)
        print(p.parent.name, p.name, doc.kind.value, len(doc.pages), sum(len(pg.words) for pg in doc.pages), flush=True)
