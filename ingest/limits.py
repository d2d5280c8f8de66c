"""Refuse what is too big or cannot be opened, before any stage spends time on it.

Every check here is bounded: PDFs have their streams inflated under a byte budget and are opened
(page tree only, nothing rendered), images have their headers read and their first frame decoded,
containers have their directory inspected. The result is a
page count the pipeline can use to size its work (and its timeouts).
"""

from __future__ import annotations

import io
import warnings
import zipfile
from collections.abc import Callable

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeElementTree
from PIL import Image, UnidentifiedImageError

from foundation.settings import Limits
from ingest.archive import read_zip_members
from ingest.errors import IngestError, UnreadableDocument
from ingest.pdf_streams import check_pdf_streams
from ingest.sizes import format_size
from ingest.sniff import describe_unsupported
from models.domain import FileKind

ACCEPTED_FORMATS_TEXT = "PDF, JPEG, PNG, TIFF, XLSX, DOCX, XML (ЭСФ) или ZIP-архив с ними"

_PIL_FORMATS: dict[FileKind, str] = {FileKind.JPEG: "JPEG", FileKind.PNG: "PNG", FileKind.TIFF: "TIFF"}
_XLSX_WORKBOOK = "xl/workbook.xml"
_XLSX_SHEETS = "xl/worksheets/"
_SPREADSHEET_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_MEGAPIXEL = 1_000_000


def check_limits(data: bytes, kind: FileKind, limits: Limits) -> int:
    """Return the number of pages of ``data`` (sheets for XLSX; 1 for DOCX/XML; members for ZIP).

    Raises ``IngestError`` when the file is refused (file_too_large, too_many_pages,
    image_too_large, unsupported_format, archive codes) and ``UnreadableDocument`` when it is
    accepted but cannot be read (encrypted_pdf, corrupt_pdf, corrupt_image, corrupt_xlsx, ...).
    """
    check_file_size(len(data), limits)
    checker = _CHECKERS.get(kind)
    if checker is None:
        raise unsupported_format(data)
    return checker(data, kind, limits)


def check_file_size(size: int, limits: Limits) -> None:
    if size > limits.max_file_bytes:
        raise IngestError(
            "file_too_large",
            f"Файл слишком большой: {format_size(size)}, допустимо не более "
            f"{format_size(limits.max_file_bytes)}. Уменьшите разрешение скана или разделите документ.",
        )


def unsupported_format(data: bytes) -> IngestError:
    recognised = describe_unsupported(data)
    what = f"Это {recognised} — такой формат не принимается" if recognised else "Формат файла не распознан"
    return IngestError("unsupported_format", f"{what}. Принимаются: {ACCEPTED_FORMATS_TEXT}.")


# --------------------------------------------------------------------------- PDF


def _check_pdf(data: bytes, kind: FileKind, limits: Limits) -> int:
    # Before pdfium sees the file: opening it already inflates object and cross-reference streams.
    check_pdf_streams(data, limits)
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if getattr(exc, "err_code", None) == pdfium_c.FPDF_ERR_PASSWORD:
            raise UnreadableDocument(
                "encrypted_pdf",
                "PDF защищён паролем: содержимое нельзя прочитать. Загрузите копию без пароля.",
            ) from exc
        raise UnreadableDocument(
            "corrupt_pdf",
            "PDF повреждён или не является PDF-документом: его не удалось открыть. "
            "Сохраните документ заново и загрузите ещё раз.",
        ) from exc
    try:
        pages = len(document)
    finally:
        document.close()
    if pages == 0:
        raise UnreadableDocument("corrupt_pdf", "В PDF нет ни одной страницы. Загрузите документ заново.")
    _check_page_count(pages, limits)
    return pages


def _check_page_count(pages: int, limits: Limits) -> None:
    if pages > limits.max_pdf_pages:
        raise IngestError(
            "too_many_pages",
            f"В документе {pages} страниц, допустимо не более {limits.max_pdf_pages}. "
            "Разделите документ на части.",
        )


# --------------------------------------------------------------------------- images


def _check_image(data: bytes, kind: FileKind, limits: Limits) -> int:
    max_pixels = limits.max_image_megapixels * _MEGAPIXEL
    # Pillow's own guard (warning at the limit, error at twice it) is the backstop for every
    # later Image.open in this process; the explicit check below is what gives the reason.
    Image.MAX_IMAGE_PIXELS = max_pixels
    pil_format = _PIL_FORMATS[kind]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[pil_format]) as image:
                pixels = image.width * image.height
                if pixels > max_pixels:
                    raise _image_too_large(pixels, limits)
                frames = int(getattr(image, "n_frames", 1))
                _check_page_count(frames, limits)
                _decode_image(image, pil_format, limits)
                return frames
    except Image.DecompressionBombError as exc:
        raise _image_too_large(None, limits) from exc
    except IngestError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise UnreadableDocument(
            "corrupt_image",
            "Изображение повреждено или обрезано: его не удалось прочитать. "
            "Отсканируйте или сфотографируйте документ заново.",
        ) from exc


def _decode_image(image: Image.Image, pil_format: str, limits: Limits) -> None:
    """Prove the pixel data decodes, as cheaply as each format allows."""
    if pil_format == "JPEG":
        # DCT scaling decodes the whole stream at 1/8 size: truncation is found without the memory.
        image.draft("L", (max(1, image.width // 8), max(1, image.height // 8)))
        image.load()
    elif pil_format == "PNG":
        image.verify()  # walks every chunk and its CRC without inflating the pixels
    else:
        # Multi-page TIFF: every page's size is read from its directory (seeking decodes nothing),
        # checked alone and added to the file's pixel budget; only the first page is decoded here.
        # A later page that does not decode is reported by the reader, which decodes each anyway.
        check_tiff_frames(image, limits)
        image.seek(0)
        image.load()


def check_tiff_frames(image: Image.Image, limits: Limits) -> int:
    """Each frame's size, and all frames' pixels against ``max_decoded_megapixels_per_file``; returns the total."""
    total = 0
    for frame in range(int(getattr(image, "n_frames", 1))):
        image.seek(frame)
        pixels = image.width * image.height
        if pixels > limits.max_image_megapixels * _MEGAPIXEL:
            raise _image_too_large(pixels, limits)
        total += pixels
        if total > limits.max_decoded_megapixels_per_file * _MEGAPIXEL:
            raise IngestError(
                "image_too_large",
                f"Изображение слишком большое: его страницы вместе больше "
                f"{limits.max_decoded_megapixels_per_file} Мпикс. Уменьшите разрешение (300 dpi достаточно) "
                "или разделите документ на части.",
            )
    return total


def _image_too_large(pixels: int | None, limits: Limits) -> IngestError:
    size = f" ({pixels / _MEGAPIXEL:.0f} Мпикс)" if pixels else ""
    return IngestError(
        "image_too_large",
        f"Изображение слишком большое{size}: допустимо не более {limits.max_image_megapixels} Мпикс. "
        "Уменьшите разрешение (300 dpi достаточно).",
    )


# --------------------------------------------------------------------------- containers and XML


def _check_xlsx(data: bytes, kind: FileKind, limits: Limits) -> int:
    parts = _container_parts(data, limits, "corrupt_xlsx", "Таблица Excel (XLSX)")
    workbook = parts.get(_XLSX_WORKBOOK)
    if workbook is None:
        sheets = sum(1 for name in parts if name.startswith(_XLSX_SHEETS) and name.endswith(".xml"))
    else:
        try:
            root = SafeElementTree.fromstring(workbook)
        except (DefusedXmlException, SafeElementTree.ParseError) as exc:
            raise UnreadableDocument(
                "corrupt_xlsx", "Таблица Excel (XLSX) повреждена: список листов не читается."
            ) from exc
        sheets = len(root.findall(f"{_SPREADSHEET_NS}sheets/{_SPREADSHEET_NS}sheet"))
    if sheets == 0:
        raise UnreadableDocument("corrupt_xlsx", "В таблице Excel (XLSX) нет ни одного листа.")
    _check_page_count(sheets, limits)
    return sheets


def _check_docx(data: bytes, kind: FileKind, limits: Limits) -> int:
    parts = _container_parts(data, limits, "corrupt_docx", "Документ Word (DOCX)")
    if not any(name.startswith("word/") and name.endswith(".xml") for name in parts):
        raise UnreadableDocument(
            "corrupt_docx", "Документ Word (DOCX) повреждён: в нём нет текста документа."
        )
    return 1  # DOCX has no fixed pages; the text is one flow


def _container_parts(data: bytes, limits: Limits, code: str, label: str) -> dict[str, bytes]:
    """All parts of an Office container, read with the archive guards (bombs hide in XLSX too)."""
    try:
        members = read_zip_members(data, limits, depth=0, expand_nested=False)
    except IngestError as exc:
        if exc.code == "corrupt_zip":
            raise UnreadableDocument(code, f"{label}: файл повреждён и не открывается.") from exc
        raise
    return {member.name: member.data for member in members}


def _check_zip(data: bytes, kind: FileKind, limits: Limits) -> int:
    # Only the directory and declared sizes here; the members are read (with real-byte counting)
    # when the archive is unpacked.
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = [info for info in archive.infolist() if not info.is_dir()]
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
        raise IngestError("corrupt_zip", "Архив повреждён и не читается. Упакуйте документы заново.") from exc
    if len(infos) > limits.max_archive_members:
        raise IngestError(
            "zip_too_many_members",
            f"В архиве слишком много файлов ({len(infos)}); допустимо не более {limits.max_archive_members}.",
        )
    return len(infos)


def _check_xml(data: bytes, kind: FileKind, limits: Limits) -> int:
    try:
        SafeElementTree.fromstring(data)
    except DefusedXmlException as exc:
        raise IngestError(
            "xml_forbidden_constructs",
            "XML-файл отклонён: он содержит объявления сущностей (DTD/ENTITY), "
            "которые в электронных документах не используются и небезопасны.",
        ) from exc
    except SafeElementTree.ParseError as exc:
        raise UnreadableDocument(
            "corrupt_xml", f"XML-файл повреждён: {_xml_position(exc)}. Выгрузите документ заново."
        ) from exc
    return 1


def _xml_position(exc: SafeElementTree.ParseError) -> str:
    line, column = getattr(exc, "position", (0, 0))
    return f"ошибка разметки в строке {line}, позиция {column}" if line else "ошибка разметки"


_CHECKERS: dict[FileKind, Callable[[bytes, FileKind, Limits], int]] = {
    FileKind.PDF: _check_pdf,
    FileKind.JPEG: _check_image,
    FileKind.PNG: _check_image,
    FileKind.TIFF: _check_image,
    FileKind.XLSX: _check_xlsx,
    FileKind.DOCX: _check_docx,
    FileKind.ZIP: _check_zip,
    FileKind.XML: _check_xml,
}
