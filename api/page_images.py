"""Page images rendered once, kept in the database, served from there after (API and workspace alike).

Rendering a scanned page costs 0.3–0.6 s of CPU (a 144-megapixel TIFF frame far more); a reviewer
looks at the same pages again and again. ``page_image`` renders a page the first time it is asked
for, under the process's heavy-work bound (``api.heavy``), stores the PNG in ``page_images`` (shared
by every API process and host, deleted with its blob) and answers every later request from there.

The images served last are also kept in the process's memory (``service.page_image_memory_mb``,
least recently used out first): a reviewer going back and forth between pages is answered without
fetching a megabyte from the database. The key never changes meaning, so nothing is ever invalidated.

A cached image is keyed by content (sha256), page and *variant*: everything else the picture depends
on — the renderer's version, the resolution and size settings, and for the workspace the OCR frame
(the page's quarter turn and the deskew settings the boxes were read in). A change to any of them is
a new variant, rendered afresh; old variants are simply never asked for again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.heavy import heavy_work
from api.pages import MAX_SIDE_PX, PageImage, render_page_png
from foundation.settings import Settings
from ingest.blobs_in_database import load_bytes
from models.db import DocumentRow, PageImageRow
from models.domain import FileKind, TextSource

log = logging.getLogger(__name__)

# Bump when render_page_png or ocr_frame_png draws differently: every cached image is then redrawn.
RENDERER_VERSION = 2


def page_variant(settings: Settings, ocr_rotation: int | None = None) -> str:
    """The variant key of a page image: the plain page, or (``ocr_rotation``) the page in its OCR frame."""
    # The OCR size ceiling sets the units an image page's boxes (and so X-Page-Scale) are in.
    plain = (
        f"r{RENDERER_VERSION}-dpi{settings.service.page_image_dpi}-max{MAX_SIDE_PX}"
        f"-ocr{settings.limits.max_ocr_megapixels}mp"
    )
    if ocr_rotation is None:
        return plain
    ocr = settings.ocr
    frame = {
        "preprocess": ocr.preprocess,
        "deskew": [ocr.deskew_max_angle, ocr.deskew_min_angle, ocr.deskew_min_gain],
    }
    digest = hashlib.sha256(json.dumps(frame, sort_keys=True).encode()).hexdigest()[:10]
    return f"{plain}-ocr{ocr_rotation}-{digest}"


def page_image(
    session: Session, doc: DocumentRow, page_no: int, settings: Settings, ocr_frame: bool = False
) -> PageImage:
    """The PNG of page ``page_no`` (the plain page, or with ``ocr_frame`` the frame its OCR boxes are
    in), rendered on the first request only. Raises ``api.pages.NoPageImage``."""
    rotation = _ocr_rotation(doc, page_no) if ocr_frame else None
    variant = page_variant(settings, rotation)
    key = (doc.sha256, page_no, variant)
    budget = settings.service.page_image_memory_mb * 1_000_000
    remembered = _recent.get(key)
    if remembered is not None:
        return remembered
    cached = session.get(PageImageRow, key)
    if cached is not None:
        page = PageImage(png=cached.png, scale=cached.scale)
        _recent.put(key, page, budget)
        return page

    def render() -> PageImage:
        page = render_page_png(load_bytes(session, doc.sha256), FileKind(doc.kind), page_no, settings)
        if rotation is not None:
            from api.web.page_frames import ocr_frame_png

            page = PageImage(png=ocr_frame_png(page.png, rotation, settings.ocr), scale=page.scale)
        return page

    page = _render_and_keep(session, doc.sha256, page_no, variant, render, settings)
    _recent.put(key, page, budget)
    return page


class _RecentImages:
    """The page images served last, up to a budget of bytes, least recently used out first (thread-safe:
    sync routes run in a thread pool)."""

    def __init__(self) -> None:
        self._images: OrderedDict[tuple[str, int, str], PageImage] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: tuple[str, int, str]) -> PageImage | None:
        with self._lock:
            page = self._images.get(key)
            if page is not None:
                self._images.move_to_end(key)
            return page

    def put(self, key: tuple[str, int, str], page: PageImage, budget: int) -> None:
        if len(page.png) > budget:
            return
        with self._lock:
            if key in self._images:
                return
            self._images[key] = page
            self._bytes += len(page.png)
            while self._bytes > budget:
                _, dropped = self._images.popitem(last=False)
                self._bytes -= len(dropped.png)

    def clear(self) -> None:
        with self._lock:
            self._images.clear()
            self._bytes = 0


_recent = _RecentImages()


def _ocr_rotation(doc: DocumentRow, page_no: int) -> int | None:
    """The quarter turn OCR applied to this page; None when its boxes are in the page's own frame."""
    row = next((p for p in doc.pages if p.page_no == page_no), None)
    if row is None or row.source != TextSource.OCR.value:
        return None
    return int(row.rotation or 0)


def _render_and_keep(
    session: Session,
    sha256: str,
    page_no: int,
    variant: str,
    render: Callable[[], PageImage],
    settings: Settings,
) -> PageImage:
    with heavy_work(settings):
        page = render()
    row = PageImageRow(sha256=sha256, page_no=page_no, variant=variant, png=page.png, scale=page.scale)
    try:
        with session.begin_nested():  # another request may have rendered the same page meanwhile
            session.add(row)
        session.commit()
    except IntegrityError:
        session.rollback()
        log.debug("page image %s/%s/%s was stored by another request", sha256[:12], page_no, variant)
    return page
