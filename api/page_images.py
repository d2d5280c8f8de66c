"""Page images for API and workspace requests: from this process's memory, else the database cache
(``casework.page_images``: a worker renders a dossier's pages there once it is checked), else rendered
now under the process's heavy-work bound (``api.heavy``) and stored for every later request.

The images served last are kept in the process's memory (``service.page_image_memory_mb``, least
recently used out first): a reviewer going back and forth between pages is answered without
fetching a megabyte from the database. The key never changes meaning, so nothing is ever invalidated.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from sqlalchemy.orm import Session

from api.heavy import heavy_work
from casework.page_images import page_to_draw, render_and_keep, stored_page_image
from casework.page_render import PageImage
from foundation.settings import Settings
from models.db import DocumentRow


def page_image(
    session: Session, doc: DocumentRow, page_no: int, settings: Settings, ocr_frame: bool = False
) -> PageImage:
    """The PNG of page ``page_no`` (the plain page, or with ``ocr_frame`` the frame its OCR boxes are
    in), rendered only if no one did before. Raises ``casework.page_render.NoPageImage``."""
    page = page_to_draw(doc, page_no, ocr_frame)
    key = page.key(settings)
    budget = settings.service.page_image_memory_mb * 1_000_000
    remembered = _recent.get(key)
    if remembered is not None:
        return remembered
    found = stored_page_image(session, page, settings)
    if found is None:
        found = render_and_keep(session, page, settings, turn=lambda: heavy_work(settings))
    _recent.put(key, found, budget)
    return found


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
