"""A page as a PNG, for a reviewer to see where a value was read (bounding boxes are in page units).

PDF pages are rendered at ``page_image_dpi``; scans and photos are returned as the file's own frame
(upright, shrunk to ``MAX_SIDE_PX``). ``X-Page-Scale`` is image pixels per page unit (points for
PDF pages, pixels for images), so a box ``(x0, y0, x1, y1)`` is drawn at ``scale * x``.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image

from foundation.settings import Settings
from ingest.errors import IngestError
from models.domain import FileKind

MAX_SIDE_PX = 2400
_EXIF_ORIENTATION = 0x0112
_SIDE_SWAPPING_ORIENTATIONS = (5, 6, 7, 8)  # transposed or turned by a quarter
PAGED_KINDS = {FileKind.PDF, FileKind.JPEG, FileKind.PNG, FileKind.TIFF}


@dataclass
class PageImage:
    png: bytes
    scale: float  # image pixels per page unit


class NoPageImage(Exception):
    """This page does not exist as an image (spreadsheets, DOCX, XML; or out of range)."""


def render_page_png(data: bytes, kind: FileKind, page_no: int, settings: Settings) -> PageImage:
    if kind not in PAGED_KINDS:
        raise NoPageImage("no_page_images")
    if kind == FileKind.PDF:
        image, scale = _pdf_page(data, page_no, settings)
    else:
        image, scale = _image_frame(data, kind, page_no, settings)
    longest = max(image.size)
    if longest > MAX_SIDE_PX:
        shrink = MAX_SIDE_PX / longest
        image = image.resize((max(1, round(image.width * shrink)), max(1, round(image.height * shrink))))
        scale *= shrink
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False)
    return PageImage(png=out.getvalue(), scale=scale)


def _pdf_page(data: bytes, page_no: int, settings: Settings) -> tuple[Image.Image, float]:
    from ocr.raster import open_pdf, render_page

    pdf = open_pdf(data)
    try:
        if not 1 <= page_no <= len(pdf):
            raise NoPageImage("page_out_of_range")
        width, _ = pdf[page_no - 1].get_size()
        array = render_page(
            pdf,
            page_no - 1,
            settings.service.page_image_dpi,
            settings.limits.max_image_megapixels * 1_000_000,
        )
    finally:
        pdf.close()
    image = Image.fromarray(array)
    return image, image.width / width if width else settings.service.page_image_dpi / 72.0


def _image_frame(data: bytes, kind: FileKind, page_no: int, settings: Settings) -> tuple[Image.Image, float]:
    from ocr.raster import image_frame

    try:
        # Frame page_no is reached directly, and shrunk while it is decoded: a 10-frame TIFF of 144 Mpx
        # frames costs one frame's decoding at a fraction of its size, not ten at full size.
        image = image_frame(data, kind, page_no - 1, settings.limits, max_side=MAX_SIDE_PX)
        original = _frame_width(data, page_no - 1, settings)
    except IndexError as exc:
        raise NoPageImage("page_out_of_range") from exc
    except IngestError as exc:
        raise NoPageImage(exc.code) from exc
    return image, image.width / original if original else 1.0


def _frame_width(data: bytes, index: int, settings: Settings) -> float:
    """The frame's width in the units its boxes are in: its upright width as stored, shrunk as the
    reader shrinks frames too large for OCR. Read from the frame's header only."""
    from ocr.raster import ocr_frame_scale

    with Image.open(io.BytesIO(data)) as image:
        image.seek(index)
        turned = image.getexif().get(_EXIF_ORIENTATION, 1) in _SIDE_SWAPPING_ORIENTATIONS
        width = image.height if turned else image.width
        return width * ocr_frame_scale(image.width, image.height, settings.limits)
