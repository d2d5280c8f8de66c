"""Page images: PDF pages rendered one at a time, and photographed / scanned image files.

Images are RGB ``uint8`` numpy arrays (height, width, 3). Everything here is a generator so that a
200-page scan never sits in memory as a whole.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

from foundation.settings import Limits
from ingest.errors import UnreadableDocument
from models.domain import FileKind

PIL_FORMATS: dict[FileKind, list[str]] = {
    FileKind.JPEG: ["JPEG"],
    FileKind.PNG: ["PNG"],
    FileKind.TIFF: ["TIFF"],
}


# --------------------------------------------------------------------------- PDF


def open_pdf(data: bytes) -> pdfium.PdfDocument:  # type: ignore[name-defined]  # noqa: F821
    """Open with pypdfium2, turning encryption and corruption into reasons a reviewer understands."""
    import pypdfium2 as pdfium

    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        message = str(exc).lower()
        if "password" in message:
            raise UnreadableDocument(
                "pdf_encrypted", "PDF защищён паролем: откройте доступ или загрузите копию без пароля."
            ) from exc
        raise UnreadableDocument("pdf_corrupt", "PDF повреждён и не может быть прочитан.") from exc


def render_scale(width_pt: float, height_pt: float, dpi: int, max_pixels: int) -> float:
    """Points-to-pixels scale for ``dpi``, reduced so that a giant page cannot exhaust memory."""
    scale = dpi / 72.0
    pixels = width_pt * height_pt * scale * scale
    if pixels > max_pixels > 0:
        scale *= (max_pixels / pixels) ** 0.5
    return scale


def render_page(pdf: pdfium.PdfDocument, index: int, dpi: int, max_pixels: int) -> np.ndarray:  # type: ignore[name-defined]  # noqa: F821
    page = pdf[index]
    try:
        width, height = page.get_size()
        # RGB byte order straight from pdfium, copied out once (through PIL it took three copies of a
        # 26 MB page); the copy must be made before the bitmap's buffer is released.
        bitmap = page.render(scale=render_scale(width, height, dpi, max_pixels), rev_byteorder=True)
        try:
            pixels = bitmap.to_numpy()
            return np.array(pixels[:, :, :3] if pixels.ndim == 3 and pixels.shape[2] == 4 else pixels)
        finally:
            bitmap.close()
    finally:
        page.close()


def page_draws_text(pdf: pdfium.PdfDocument, index: int) -> bool:  # type: ignore[name-defined]  # noqa: F821
    """Whether the page draws any text at all (form XObjects included).

    A page that does not is a pure image (a scan): its text layer need not be parsed. Costs a fraction of
    a millisecond, against tens for pdfplumber, which would also keep the page's image stream in memory.
    """
    import pypdfium2.raw as pdfium_c

    page = pdf[index]
    try:
        return next(iter(page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_TEXT])), None) is not None
    finally:
        page.close()


def render_pdf_pages(data: bytes, dpi: int, limits: Limits) -> Iterator[np.ndarray]:
    """Every page as an image, one at a time (the reader renders only the pages that need OCR)."""
    pdf = open_pdf(data)
    try:
        for index in range(len(pdf)):
            yield render_page(pdf, index, dpi, limits.max_image_megapixels * 1_000_000)
    finally:
        pdf.close()


# --------------------------------------------------------------------------- image files


def to_rgb(image: Image.Image) -> Image.Image:
    """Palette, alpha, 16-bit, bilevel and CMYK images to plain RGB (transparent areas become paper white)."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        paper = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(paper, rgba).convert("RGB")
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        array = np.asarray(image, dtype=np.float64)
        top = float(array.max()) or 1.0
        return Image.fromarray((array * (255.0 / top)).astype(np.uint8)).convert("RGB")
    if image.mode != "RGB":
        return image.convert("RGB")
    return image


@contextmanager
def _pixel_limit(limits: Limits) -> Iterator[None]:
    """Pillow's bomb guard at our limit; its warning zone (limit..2x limit) is refused too."""
    previous = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = limits.max_image_megapixels * 1_000_000
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            yield
    finally:
        Image.MAX_IMAGE_PIXELS = previous


def count_image_frames(data: bytes, kind: FileKind, limits: Limits) -> int:
    """How many pages an image file has (multi-page TIFF); 1 when it cannot tell."""
    with _pixel_limit(limits):
        try:
            with Image.open(io.BytesIO(data), formats=PIL_FORMATS.get(kind, [])) as image:
                return max(int(getattr(image, "n_frames", 1)), 1)
        except Exception:  # noqa: BLE001 - image_pages reports the real error with a reason
            return 1


def image_pages(data: bytes, kind: FileKind, limits: Limits) -> Iterator[np.ndarray]:
    """Frames of an image file as RGB arrays, upright per EXIF; a multi-page TIFF yields several.

    A frame above ``max_ocr_megapixels`` is shrunk to it first (``ocr_frame_scale``): its page then
    has that smaller size, and the boxes read on it are in its pixels.
    """
    with image_frames(data, kind, limits) as frames:
        budget = limits.max_decoded_megapixels_per_file * 1_000_000
        for frame in frames:
            budget -= frame.width * frame.height
            if budget < 0:
                raise _too_large(limits)
            with _decoding_errors(limits):
                scale = ocr_frame_scale(frame.width, frame.height, limits)
                working = frame if scale == 1.0 else frame.resize(_scaled(frame.size, scale), reducing_gap=2.0)
                upright = ImageOps.exif_transpose(working)
                yield np.asarray(to_rgb(upright if upright is not None else working))


def ocr_frame_scale(width: int, height: int, limits: Limits) -> float:
    """The factor an image frame of this size is shrunk by before OCR (1.0: read as it is)."""
    pixels = width * height
    ceiling = limits.max_ocr_megapixels * 1_000_000
    return 1.0 if pixels <= ceiling else (ceiling / pixels) ** 0.5


def _scaled(size: tuple[int, int], scale: float) -> tuple[int, int]:
    return max(1, int(size[0] * scale)), max(1, int(size[1] * scale))


def image_frame(data: bytes, kind: FileKind, index: int, limits: Limits, max_side: int | None = None) -> Image.Image:
    """Frame ``index`` (0-based) of an image file, upright, RGB; reached directly, the frames before it
    are not decoded (a TIFF seek reads page directories only). ``max_side``: shrunk to fit while it is
    decoded, so a huge frame never exists in memory at full size in RGB. ``IndexError`` past the end."""
    with _pixel_limit(limits), _decoding_errors(limits):
        image = Image.open(io.BytesIO(data), formats=_formats(kind))
        try:
            frames = int(getattr(image, "n_frames", 1))
            if not 0 <= index < frames:
                raise IndexError(index)
            image.seek(index)
            if image.width * image.height > limits.max_image_megapixels * 1_000_000:
                raise Image.DecompressionBombError("frame above the configured pixel limit")
            if max_side is not None and max(image.size) > max_side:
                # reduce() by an integer factor first, then a resampling pass: a fraction of the cost.
                image.thumbnail((max_side, max_side), reducing_gap=2.0)
            else:
                image.load()
            upright = ImageOps.exif_transpose(image)
            return to_rgb(upright if upright is not None else image)
        finally:
            image.close()


@contextmanager
def image_frames(data: bytes, kind: FileKind, limits: Limits) -> Iterator[Iterator[Image.Image]]:
    """The frames of an image file, each checked against the per-frame pixel limit before it is decoded."""
    formats = _formats(kind)
    with _pixel_limit(limits), _decoding_errors(limits):
        image = Image.open(io.BytesIO(data), formats=formats)

        def checked() -> Iterator[Image.Image]:
            for frame in ImageSequence.Iterator(image):
                if frame.width * frame.height > limits.max_image_megapixels * 1_000_000:
                    raise Image.DecompressionBombError("frame above the configured pixel limit")
                yield frame

        try:
            yield checked()
        finally:
            image.close()


def _formats(kind: FileKind) -> list[str]:
    formats = PIL_FORMATS.get(kind)
    if formats is None:
        raise UnreadableDocument("unsupported_image", "Формат изображения не поддерживается.")
    return formats


def _too_large(limits: Limits) -> UnreadableDocument:
    return UnreadableDocument(
        "image_too_large",
        f"Изображение слишком большое (более {limits.max_image_megapixels} млн пикселей на странице "
        f"или {limits.max_decoded_megapixels_per_file} млн во всём файле).",
    )


@contextmanager
def _decoding_errors(limits: Limits) -> Iterator[None]:
    try:
        yield
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _too_large(limits) from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise UnreadableDocument("image_corrupt", "Изображение повреждено и не может быть прочитано.") from exc
