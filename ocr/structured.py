"""Machine-readable documents: XLSX sheets, DOCX paragraphs and tables, XML (ЭСФ e-invoices).

Their "pages" use ``unit="cell"``: a word's box is its grid position (column, row, column + 1, row + 1),
which is what a reviewer needs to find the value again (sheet, row, column).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from typing import Any
from xml.etree.ElementTree import Element, ParseError

from ingest.errors import UnreadableDocument
from models.domain import BBox, PageText, TextSource, Word

# --------------------------------------------------------------------------- shared


def _grid_page(
    page_no: int, rows: list[list[str]], tables: list[list[list[str | None]]] | None = None
) -> PageText:
    """A page whose lines are ``rows`` and whose words are the rows' items, boxed by grid position."""
    words: list[Word] = []
    lines: list[list[int]] = []
    width = 0
    for row_index, items in enumerate(rows):
        line: list[int] = []
        for col_index, text in enumerate(items):
            if not text:
                continue
            line.append(len(words))
            words.append(
                Word(
                    text=text,
                    bbox=BBox(x0=col_index, y0=row_index, x1=col_index + 1, y1=row_index + 1),
                    confidence=1.0,
                )
            )
            width = max(width, col_index + 1)
        if line:
            lines.append(line)
    return PageText(
        page_no=page_no,
        width=float(width),
        height=float(len(rows)),
        unit="cell",
        source=TextSource.STRUCTURED,
        words=words,
        lines=lines,
        tables=tables or [],
    )


def _trim(row: list[str | None]) -> list[str | None]:
    end = len(row)
    while end and not row[end - 1]:
        end -= 1
    return row[:end]


# --------------------------------------------------------------------------- XLSX

_LITERALS = re.compile(r'"[^"]*"|\[[^\]]*\]|\\.|_.|\*.')
_SIMPLE_NUMBER = re.compile(r"^[#0,\s\u00a0]*(?:\.(?P<dec>0+)#*)?(?P<pct>%)?$")


def _number_format_decimals(number_format: str | None) -> tuple[int, bool] | None:
    """(decimals, is_percent) of a simple number format such as ``# ##0.00`` or ``0%``; None otherwise."""
    if not number_format:
        return None
    section = _LITERALS.sub("", number_format.split(";")[0]).strip()
    if not section or "0" not in section and "#" not in section:
        return None
    match = _SIMPLE_NUMBER.match(section)
    if match is None:
        return None
    return len(match["dec"] or ""), bool(match["pct"])


def cell_text(value: Any, number_format: str | None = None) -> str | None:
    """A cell as a faithful, machine-parseable string.

    Numbers keep the decimals their format shows (``# ##0.00`` -> ``2270000.00``) but no grouping and a
    dot as decimal separator, so that they parse unambiguously; "General" numbers lose only float noise
    (``2270000.0`` -> ``2270000``). Dates are written the Kazakh way, ``dd.mm.yyyy``.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        return "ИСТИНА" if value else "ЛОЖЬ"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.strftime("%d.%m.%Y")
        return value.strftime("%d.%m.%Y %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, (int, float)):
        decimals = _number_format_decimals(number_format)
        if decimals is not None:
            places, percent = decimals
            number = float(value) * (100 if percent else 1)
            return f"{number:.{places}f}" + ("%" if percent else "")
        if isinstance(value, int) or float(value).is_integer():
            return str(int(value))
        return repr(float(value))
    text = str(value).strip()
    return text or None


def read_xlsx(data: bytes) -> list[PageText]:
    """Each sheet becomes a page: one word per non-empty cell, lines = rows, ``tables`` = the sheet's rows."""
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as exc:
        raise UnreadableDocument("xlsx_corrupt", "Файл Excel повреждён и не может быть прочитан.") from exc
    pages: list[PageText] = []
    try:
        for sheet_no, sheet in enumerate(workbook.worksheets, start=1):
            rows: list[list[str | None]] = []
            for row in sheet.iter_rows():
                rows.append(_trim([cell_text(c.value, getattr(c, "number_format", None)) for c in row]))
            while rows and not rows[-1]:
                rows.pop()
            grid = [[t or "" for t in r] for r in rows]
            pages.append(_grid_page(sheet_no, grid, tables=[rows] if rows else []))
    except (KeyError, ValueError, OSError, zipfile.BadZipFile) as exc:
        raise UnreadableDocument("xlsx_corrupt", "Файл Excel повреждён и не может быть прочитан.") from exc
    finally:
        workbook.close()
    return pages


# --------------------------------------------------------------------------- DOCX


def _docx_blocks(document: Any) -> Iterator[tuple[str, Any]]:
    """Headers, then the body's paragraphs and tables in document order."""
    from docx.table import Table

    seen_headers: set[str] = set()
    for section in document.sections:
        for paragraph in section.header.paragraphs:
            text = paragraph.text.strip()
            if text and text not in seen_headers:
                seen_headers.add(text)
                yield "paragraph", text
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            yield "table", block
        else:
            yield "paragraph", block.text


def _table_rows(table: Any) -> list[list[str | None]]:
    rows: list[list[str | None]] = []
    for row in table.rows:
        cells: list[str | None] = []
        previous = None
        for cell in row.cells:
            if cell._tc is previous:  # a merged cell repeats itself once per grid column it spans
                continue
            previous = cell._tc
            cells.append(cell.text.strip() or None)
        rows.append(cells)
    return rows


def read_docx(data: bytes) -> list[PageText]:
    """One page: paragraphs as lines of words, table rows as lines of cells; tables kept in ``tables``."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(data))
        lines: list[list[str]] = []
        tables: list[list[list[str | None]]] = []
        for kind, block in _docx_blocks(document):
            if kind == "table":
                rows = _table_rows(block)
                tables.append(rows)
                lines.extend([[c or "" for c in row] for row in rows if any(row)])
            elif block.strip():
                lines.append(block.split())
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise UnreadableDocument("docx_corrupt", "Файл Word повреждён и не может быть прочитан.") from exc
    return [_grid_page(1, lines, tables=tables)]


# --------------------------------------------------------------------------- XML (ЭСФ)


def local_name(tag: object) -> str:
    """``{ns}tag`` and ``prefix:tag`` both become ``tag``."""
    text = str(tag)
    return text.rsplit("}", 1)[-1].rsplit(":", 1)[-1]


def _children(element: Element, name: str) -> Iterator[Element]:
    return (child for child in element if local_name(child.tag) == name)


def _child(element: Element | None, name: str) -> Element | None:
    return None if element is None else next(_children(element, name), None)


def _descendant(element: Element | None, name: str) -> Element | None:
    if element is None:
        return None
    return next((e for e in element.iter() if e is not element and local_name(e.tag) == name), None)


def _text(element: Element | None, name: str) -> str | None:
    found = _child(element, name)
    if found is None or found.text is None:
        return None
    return found.text.strip() or None


def _xml_lines(root: Element) -> list[list[str]]:
    """``parent.tag: value`` for every element that carries text, in document order."""
    lines: list[list[str]] = []

    def walk(element: Element, parent: str) -> None:
        name = local_name(element.tag)
        text = (element.text or "").strip()
        if text:
            label = f"{parent}.{name}" if parent else name
            lines.append(f"{label}: {text}".split())
        for child in element:
            walk(child, name)

    walk(root, "")
    return lines


def _party(element: Element | None, fields: Iterable[str]) -> dict[str, str | None]:
    return {field: _text(element, field) for field in fields}


def esf_fields(root: Element) -> dict[str, Any] | None:
    """Key fields of an ЭСФ invoice (first invoice of a container), tolerant of prefixes and gaps.

    Values are strings as written in the XML (``None`` when absent or empty); parsing them is the
    extractors' job. None when the XML is not an e-invoice.
    """
    invoices = [e for e in root.iter() if local_name(e.tag) == "invoice"]
    invoice = invoices[0] if invoices else (root if _child(root, "num") is not None else None)
    if invoice is None:
        return None
    product_set = _descendant(invoice, "productSet")
    delivery = _descendant(invoice, "deliveryTerm")
    rates = sorted({(e.text or "").strip() for e in invoice.iter() if local_name(e.tag) == "ndsRate"} - {""})
    return {
        "format": "esf",
        "invoice_count": max(len(invoices), 1),
        "num": _text(invoice, "num"),
        "date": _text(invoice, "date"),
        "turnoverDate": _text(invoice, "turnoverDate"),
        "invoiceType": _text(invoice, "invoiceType"),
        "seller": _party(
            _descendant(invoice, "seller"), ("tin", "name", "iik", "bik", "bank", "kbe", "address")
        ),
        "customer": _party(_descendant(invoice, "customer"), ("tin", "name", "address", "countryCode")),
        "contract": {
            "hasContract": _text(delivery, "hasContract"),
            "num": _text(delivery, "contractNum"),
            "date": _text(delivery, "contractDate"),
        },
        "totals": {
            "priceWithoutTax": _text(product_set, "totalPriceWithoutTax"),
            "ndsAmount": _text(product_set, "totalNdsAmount"),
            "priceWithTax": _text(product_set, "totalPriceWithTax"),
        },
        "ndsRate": rates[0] if len(rates) == 1 else (rates or None),
        "currency": _text(product_set, "currencyCode"),
    }


def read_xml(data: bytes) -> tuple[list[PageText], dict[str, Any] | None]:
    """A page of ``tag: value`` lines, and the e-invoice's key fields when it is one (entities refused)."""
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring

    try:
        root = fromstring(data)
    except DefusedXmlException as exc:
        raise UnreadableDocument(
            "xml_forbidden", "XML содержит запрещённые конструкции (сущности или внешние ссылки)."
        ) from exc
    except (ParseError, ValueError) as exc:
        raise UnreadableDocument("xml_corrupt", "XML повреждён и не может быть прочитан.") from exc
    return [_grid_page(1, _xml_lines(root))], esf_fields(root)
