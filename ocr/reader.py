"""The OCR stage's entry point: any accepted document to words with boxes, page by page.

PDF pages use their own text layer when it is good and are rendered and OCR'd otherwise (mixed PDFs
exist); images are OCR'd; XLSX, DOCX and XML are read structurally. One page at a time, so that memory
stays flat on long scans.
"""

from __future__ import annotations

import hashlib
import io
import logging
from collections.abc import Callable, Iterator

import numpy as np
import pdfplumber
import pypdfium2 as pdfium

from foundation.settings import OcrSettings, Settings
from ingest.errors import UnreadableDocument
from models.domain import BBox, DocumentText, FileKind, PageText, SealText, TextSource, Word
from ocr.cache import OcrCache, cache_key, image_hash
from ocr.engine import OcrEngine, OcrError, OcrTimeout, create_engine, engine_label
from ocr.image_ops import PageTransform, is_colourless
from ocr.ink import InkRange
from ocr.layout import group_lines, mean_word_confidence
from ocr.line_retry import retry_doubtful_runs
from ocr.pdfium_text import NeedsPdfplumber, read_char_page
from ocr.preprocess import (
    detect_orientation,
    pipeline_signature,
    preprocess,
    preprocess_deferring_orientation,
)
from ocr.raster import count_image_frames, image_pages, open_pdf, render_page
from ocr.seals_scan import SEAL_READER_SIGNATURE, read_scan_seals
from ocr.structured import read_docx, read_xlsx, read_xml
from ocr.text_layer import usable_text_layer_page

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]

IMAGE_KINDS = {FileKind.JPEG, FileKind.PNG, FileKind.TIFF}
FILE_FORMATS = {
    FileKind.JPEG: "image_jpg",
    FileKind.PNG: "image_png",
    FileKind.TIFF: "image_tiff",
    FileKind.XLSX: "xlsx",
    FileKind.DOCX: "docx",
    FileKind.XML: "xml",
}


class PageOcr:
    """OCR of one page image: cache lookup, preprocessing, engine, boxes back in the page's frame."""

    def __init__(self, settings: Settings, engine: OcrEngine | None, cache: OcrCache | None) -> None:
        self.settings = settings.ocr
        self._engine = engine
        self.cache = cache
        self.failures: list[OcrError] = []

    @property
    def engine(self) -> OcrEngine:
        if self._engine is None:  # created on first need: text-only documents never start tesseract
            self._engine = create_engine(self.settings)
        return self._engine

    def _retry_other_languages(
        self, image: np.ndarray, words: list[Word], languages: str
    ) -> tuple[list[Word], str]:
        """A page read with low confidence may be in another script (OSD misses mixed pages, e.g. a
        Chinese contract quoting Latin names): read it again with each fallback language set and keep
        the clearly better reading."""
        ocr = self.settings
        best, best_languages, best_conf = words, languages, mean_word_confidence(words)
        if best_conf >= ocr.fallback_below_confidence:
            return words, languages
        for alternative in ocr.fallback_languages:
            if alternative == languages:
                continue
            candidate = self.engine.recognize(image, alternative, ocr.psm)
            conf = mean_word_confidence(candidate)
            if conf >= best_conf + ocr.fallback_min_gain:
                best, best_languages, best_conf = candidate, alternative, conf
        return best, best_languages

    def _reads_seals(self, image: np.ndarray) -> bool:
        """Seals are read apart where preprocessing paints their ink out: colour pages (``ocr.seals_scan``)."""
        return "suppress_stamps" in self.settings.preprocess and not is_colourless(image)

    def read(self, image: np.ndarray, page_no: int) -> PageText:
        engine, ocr = self.engine, self.settings
        signature = pipeline_signature(ocr) + SEAL_READER_SIGNATURE
        key = cache_key(image_hash(image), engine.name, engine.version, ocr.languages, ocr.psm, signature)
        if self.cache is not None:
            hit = self.cache.get(key)
            if hit is not None:
                return hit.model_copy(update={"page_no": page_no})
        try:
            if ocr.orientation_check == "when_unsure" and "orient" in ocr.preprocess:
                processed, transform, words, languages = self._read_orienting_when_unsure(image)
            else:
                processed, transform = preprocess(image, ocr, engine)
                languages = languages_for_script(ocr, transform.script, transform.script_confidence)
                words = engine.recognize(processed, languages, ocr.psm)
            words, languages = self._retry_other_languages(processed, words, languages)
            words = retry_doubtful_runs(processed, words, engine, languages)
        except OcrError as exc:
            log.warning("OCR failed on page %d: %s", page_no, exc)
            self.failures.append(exc)
            return _failed_page(page_no, image, engine_label(engine, ocr.languages, ocr.psm))
        page = _ocr_page(page_no, processed, transform, words, engine_label(engine, languages, ocr.psm))
        if self._reads_seals(image):  # after the cache lookup: a hit never scans the page for colour
            page.seals = self._seals(image, transform, languages, page_no)
        if self.cache is not None:
            self.cache.put(key, page)
        return page

    def _seals(
        self, image: np.ndarray, transform: PageTransform, languages: str, page_no: int
    ) -> list[SealText]:
        ink = InkRange.from_settings(self.settings)
        try:
            return read_scan_seals(image, ink, self.engine, languages, transform)
        except Exception as exc:  # noqa: BLE001 - seals are a fallback layer: never lose the page's words for them
            log.warning("seals of page %d unreadable: %s", page_no, exc)
            return []

    def _read_orienting_when_unsure(
        self, image: np.ndarray
    ) -> tuple[np.ndarray, PageTransform, list[Word], str]:
        """Read the page as it stands; ask OSD only when that reading is unsure (``orientation_check``).

        A confident reading means the page is upright and in the default languages' script; turned pages
        and pages in another script read far below ``osd_below_confidence``. When OSD turns the page, it
        is preprocessed again from the start with that turn (deskew must see upright lines).
        """
        engine, ocr = self.engine, self.settings
        deferred = preprocess_deferring_orientation(image, ocr, engine)
        processed, transform = deferred.image, deferred.transform
        words = engine.recognize(processed, ocr.languages, ocr.psm)
        if deferred.osd_input is None or mean_word_confidence(words) >= ocr.osd_below_confidence:
            return processed, transform, words, ocr.languages
        try:
            osd = detect_orientation(deferred.osd_input, ocr, engine)
        except OcrError as exc:  # sparse pages: OSD cannot tell, keep the reading as it is
            transform.notes.append(f"osd: {exc}".strip()[:120])
            return processed, transform, words, ocr.languages
        del deferred  # the OSD input, a page-sized image, is not needed for what follows
        languages = languages_for_script(ocr, osd.script, osd.script_confidence)
        if osd.degrees % 360 != 0 and osd.confidence >= ocr.osd_min_confidence:
            processed, transform = preprocess(image, ocr, engine, orientation=osd)
        else:
            transform.script, transform.script_confidence = osd.script, osd.script_confidence
            if languages == ocr.languages:
                return processed, transform, words, languages  # upright, default script: nothing to redo
        return processed, transform, engine.recognize(processed, languages, ocr.psm), languages


def _unscale(word: Word, scale: float) -> Word:
    if scale == 1.0:
        return word
    b = word.bbox
    box = BBox(x0=b.x0 / scale, y0=b.y0 / scale, x1=b.x1 / scale, y1=b.y1 / scale)
    return word.model_copy(update={"bbox": box})


def _ocr_page(
    page_no: int, processed: np.ndarray, transform: PageTransform, words: list[Word], label: str
) -> PageText:
    """Boxes stay in the processed image's frame (turned by ``rotation``, deskewed) at the rendered scale."""
    words = [_unscale(w, transform.scale) for w in words]
    height, width = processed.shape[:2]
    return PageText(
        page_no=page_no,
        width=width / transform.scale,
        height=height / transform.scale,
        unit="px",
        source=TextSource.OCR,
        words=words,
        lines=group_lines(words),
        mean_confidence=float(np.mean([w.confidence for w in words])) if words else 0.0,
        rotation=transform.rotation,
        ocr_engine=label,
    )


def _failed_page(page_no: int, image: np.ndarray, label: str) -> PageText:
    height, width = image.shape[:2]
    return PageText(
        page_no=page_no,
        width=width,
        height=height,
        unit="px",
        source=TextSource.OCR,
        mean_confidence=0.0,
        ocr_engine=label,
    )


# --------------------------------------------------------------------------- PDF


def _text_layer_or_none(
    pdf: pdfium.PdfDocument, plumber: _LazyPlumber, index: int, settings: Settings
) -> PageText | None:
    """The page's own text layer when it is usable, else None (the page is OCR'd).

    Characters come from pdfium (``ocr.pdfium_text``); pdfplumber reads only the pages whose pdfium
    reading would differ from pdfminer's (unmapped glyphs, /ActualText, turned pages, ...).
    """
    ink = InkRange.from_settings(settings.ocr) if settings.ocr.drop_stamp_text else None
    try:
        page = read_char_page(pdf, index)
    except NeedsPdfplumber as exc:
        log.debug("page %d read with pdfplumber: %s", index + 1, exc)
        return _plumber_text_layer(plumber.get(), index, settings, ink)
    except Exception as exc:  # noqa: BLE001 - pdfplumber may still read what pdfium's text page cannot
        log.warning("pdfium cannot read the text of page %d, trying pdfplumber: %s", index + 1, exc)
        return _plumber_text_layer(plumber.get(), index, settings, ink)
    if not page.draws_text:
        return None
    return _usable_text_layer(page, index, settings, ink)


def _usable_text_layer(page: object, index: int, settings: Settings, ink: InkRange | None) -> PageText | None:
    try:
        return usable_text_layer_page(page, index + 1, ink, settings.ocr)
    except Exception as exc:  # noqa: BLE001 - a text layer pdfminer chokes on is read by OCR instead
        log.warning("text layer of page %d unreadable, using OCR: %s", index + 1, exc)
        return None


def _plumber_text_layer(
    plumber: pdfplumber.PDF | None, index: int, settings: Settings, ink: InkRange | None
) -> PageText | None:
    if plumber is None:
        return None
    page = plumber.pages[index]
    try:
        return _usable_text_layer(page, index, settings, ink)
    finally:
        page.close()


def _open_plumber(data: bytes) -> pdfplumber.PDF | None:
    try:
        return pdfplumber.open(io.BytesIO(data))
    except Exception as exc:  # noqa: BLE001 - pdfium opened it, so OCR can still read the pages
        log.warning("pdfplumber cannot open the PDF, OCR only: %s", exc)
        return None


class _LazyPlumber:
    """pdfplumber's view of the PDF, opened only for a page pdfium's reading leaves to it (``NeedsPdfplumber``)."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._pdf: pdfplumber.PDF | None = None
        self._tried = False

    def get(self) -> pdfplumber.PDF | None:
        if not self._tried:
            self._tried = True
            self._pdf = _open_plumber(self._data)
        return self._pdf

    def close(self) -> None:
        if self._pdf is not None:
            self._pdf.close()


def _pdf_pages(
    data: bytes, settings: Settings, ocr: PageOcr, progress: Progress | None
) -> Iterator[PageText]:
    pdf = open_pdf(data)
    plumber = _LazyPlumber(data)
    try:
        total = len(pdf)
        if total == 0:
            raise UnreadableDocument("pdf_empty", "PDF не содержит ни одной страницы.")
        if total > settings.limits.max_pdf_pages:  # never half-read: refuse instead of truncating
            raise UnreadableDocument(
                "too_many_pages",
                f"PDF содержит {total} страниц, допускается не более {settings.limits.max_pdf_pages}.",
            )
        for index in range(total):
            page = _text_layer_or_none(pdf, plumber, index, settings)
            if page is None:
                image = render_page(
                    pdf, index, settings.ocr.dpi, settings.limits.max_image_megapixels * 1_000_000
                )
                page = ocr.read(image, index + 1)
                del image
            if progress is not None:
                progress(index + 1, total)
            yield page
    finally:
        plumber.close()
        pdf.close()


def _image_file_pages(
    data: bytes, kind: FileKind, settings: Settings, ocr: PageOcr, progress: Progress | None
) -> Iterator[PageText]:
    total = count_image_frames(data, kind, settings.limits)
    for index, image in enumerate(image_pages(data, kind, settings.limits)):
        page = ocr.read(image, index + 1)
        if progress is not None:
            progress(index + 1, max(total, index + 1))
        yield page


# --------------------------------------------------------------------------- entry points


def read_document(
    name: str,
    data: bytes,
    kind: FileKind,
    settings: Settings,
    *,
    engine: OcrEngine | None = None,
    cache: OcrCache | None = None,
    progress: Progress | None = None,
) -> DocumentText:
    """Read a document; raises ``UnreadableDocument`` (code + Russian reason) when nothing can be read."""
    ocr = PageOcr(settings, engine, cache)
    structured = None
    if kind == FileKind.PDF:
        pages = list(_pdf_pages(data, settings, ocr, progress))
    elif kind in IMAGE_KINDS:
        pages = list(_image_file_pages(data, kind, settings, ocr, progress))
    elif kind == FileKind.XLSX:
        pages = read_xlsx(data)
    elif kind == FileKind.DOCX:
        pages = read_docx(data)
    elif kind == FileKind.XML:
        pages, structured = read_xml(data)
    else:
        raise UnreadableDocument("unsupported_format", "Формат файла не поддерживается для чтения.")
    if progress is not None and kind in (FileKind.XLSX, FileKind.DOCX, FileKind.XML):
        progress(len(pages), len(pages))
    _refuse_empty(pages, structured, ocr)
    return DocumentText(
        file=name, kind=kind, sha256=hashlib.sha256(data).hexdigest(), pages=pages, structured=structured
    )


def _refuse_empty(pages: list[PageText], structured: object, ocr: PageOcr) -> None:
    if structured is not None or any(p.words for p in pages):
        return
    ocr_pages = [p for p in pages if p.source == TextSource.OCR]
    if ocr_pages and len(ocr.failures) == len(ocr_pages):
        if all(isinstance(f, OcrTimeout) for f in ocr.failures):
            raise UnreadableDocument(
                "ocr_timeout", "Распознавание текста не уложилось в отведённое время ни на одной странице."
            )
        raise UnreadableDocument("ocr_failed", "Не удалось распознать текст ни на одной странице документа.")
    raise UnreadableDocument(
        "empty_document", "В документе не найден текст: страницы пустые или изображение нечитаемо."
    )


def file_format_of(doc: DocumentText) -> str:
    """The corpus's ``file_format``: a PDF counts as a scan when most of its pages needed OCR."""
    if doc.kind == FileKind.PDF:
        ocr_pages = sum(1 for p in doc.pages if p.source == TextSource.OCR)
        return "pdf_scan" if ocr_pages and ocr_pages * 2 >= len(doc.pages) else "pdf_text"
    return FILE_FORMATS.get(doc.kind, doc.kind.value)


def languages_for_script(ocr: OcrSettings, script: str, confidence: float) -> str:
    """The OCR languages for a page: the default set, or the set for a script OSD is sure of.

    ``rus+kaz+eng`` reads a Chinese page as noise; OSD names the script (``Han``) at no extra cost
    since orientation detection runs anyway, so such pages are read with ``chi_sim+eng`` instead.
    """
    if confidence >= ocr.script_min_confidence and script in ocr.script_languages:
        return ocr.script_languages[script]
    return ocr.languages
