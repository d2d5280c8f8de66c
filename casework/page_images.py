"""Page images rendered once and kept in the database (``page_images``), for the API and the
workspace alike; after a dossier is checked a worker renders its documents' pages ahead of any
request (``prerender_page_images``, run by ``worker.jobs.render_page_images_job``).

Rendering a scanned page costs 0.3–0.6 s of CPU (a 144-megapixel TIFF frame far more); a reviewer
looks at the same pages again and again. A page not rendered yet (the worker not there yet, or a
variant it does not draw) is rendered on the first request (``api.page_images``, under the API
process's heavy-work bound) and stored the same way.

A cached image is keyed by content (sha256), page and *variant*: everything else the picture depends
on — the renderer's version, the resolution and size settings, and for the workspace the OCR frame
(the page's quarter turn and the deskew settings the boxes were read in). A change to any of them is
a new variant, rendered afresh; old variants are simply never asked for again.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass

from redis import Redis
from rq import Queue
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from casework import queues as q
from casework.page_render import MAX_SIDE_PX, PAGED_KINDS, NoPageImage, PageImage, render_page_png
from foundation.settings import Settings
from ingest.blobs_in_database import load_bytes
from models.db import ApplicationRow, DocumentRow, DocumentStatus, PageImageRow
from models.domain import FileKind, TextSource

log = logging.getLogger(__name__)

PAGES_JOB = "worker.jobs.render_page_images_job"

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


@dataclass(frozen=True)
class PageToDraw:
    """One page image as the cache knows it: content, page, and the OCR frame (None: the plain page)."""

    sha256: str
    kind: FileKind
    page_no: int
    rotation: int | None

    def key(self, settings: Settings) -> tuple[str, int, str]:
        return (self.sha256, self.page_no, page_variant(settings, self.rotation))


def page_to_draw(doc: DocumentRow, page_no: int, ocr_frame: bool = False) -> PageToDraw:
    """Page ``page_no`` of ``doc``: the plain page, or with ``ocr_frame`` the frame its OCR boxes are in."""
    return PageToDraw(doc.sha256, FileKind(doc.kind), page_no, _ocr_rotation(doc, page_no) if ocr_frame else None)


def _ocr_rotation(doc: DocumentRow, page_no: int) -> int | None:
    """The quarter turn OCR applied to this page; None when its boxes are in the page's own frame."""
    row = next((p for p in doc.pages if p.page_no == page_no), None)
    if row is None or row.source != TextSource.OCR.value:
        return None
    return int(row.rotation or 0)


def stored_page_image(session: Session, page: PageToDraw, settings: Settings) -> PageImage | None:
    cached = session.get(PageImageRow, page.key(settings))
    return PageImage(png=cached.png, scale=cached.scale) if cached is not None else None


def draw_page(session: Session, page: PageToDraw, settings: Settings) -> PageImage:
    """Render the page now (no cache). Raises ``casework.page_render.NoPageImage``."""
    drawn = render_page_png(load_bytes(session, page.sha256), page.kind, page.page_no, settings)
    if page.rotation is not None:
        from casework.page_frames import ocr_frame_png

        drawn = PageImage(png=ocr_frame_png(drawn.png, page.rotation, settings.ocr), scale=drawn.scale)
    return drawn


def render_and_keep(
    session: Session,
    page: PageToDraw,
    settings: Settings,
    turn: Callable[[], AbstractContextManager[object]] = nullcontext,
) -> PageImage:
    """Render the page (inside ``turn``: the API's bound on heavy work) and store it; commits.
    Another process storing the same page meanwhile is fine: the same picture, the first one kept."""
    with turn():
        drawn = draw_page(session, page, settings)
    sha256, page_no, variant = page.key(settings)
    row = PageImageRow(sha256=sha256, page_no=page_no, variant=variant, png=drawn.png, scale=drawn.scale)
    try:
        with session.begin_nested():
            session.add(row)
        session.commit()
    except IntegrityError:
        session.rollback()
        log.debug("page image %s/%s/%s was stored by another process", sha256[:12], page_no, variant)
    return drawn


def pages_of_application(session: Session, application_id: str) -> list[PageToDraw]:
    """The page images the workspace shows for the application's read documents (the OCR frame where
    OCR read a page: the document page draws its boxes on that), each content once."""
    app = session.get(ApplicationRow, application_id)
    if app is None:
        return []
    pages: dict[tuple[str, int, int | None], PageToDraw] = {}
    for doc in app.documents:
        if doc.status != DocumentStatus.DONE.value or FileKind(doc.kind) not in PAGED_KINDS:
            continue
        for page_no in range(1, (doc.page_count or len(doc.pages) or 0) + 1):
            page = page_to_draw(doc, page_no, ocr_frame=True)
            pages.setdefault((page.sha256, page.page_no, page.rotation), page)
    return list(pages.values())


def prerender_page_images(session: Session, application_id: str, settings: Settings) -> int:
    """Render and store every page image of the application not in the cache yet; how many were drawn.
    A page that cannot be drawn is left to the request that asks for it (which says why)."""
    pages = pages_of_application(session, application_id)
    cached = _cached_keys(session, [p.key(settings) for p in pages])
    drawn = 0
    for page in pages:
        if page.key(settings) in cached:
            continue
        try:
            render_and_keep(session, page, settings)
        except NoPageImage as exc:
            log.info("page %s of %s has no image: %s", page.page_no, page.sha256[:12], exc)
            continue
        drawn += 1
    return drawn


def _cached_keys(session: Session, keys: list[tuple[str, int, str]]) -> set[tuple[str, int, str]]:
    if not keys:
        return set()
    found = session.execute(
        select(PageImageRow.sha256, PageImageRow.page_no, PageImageRow.variant).where(
            PageImageRow.sha256.in_({k[0] for k in keys}), PageImageRow.variant.in_({k[2] for k in keys})
        )
    )
    return {(sha, page_no, variant) for sha, page_no, variant in found}


def enqueue_page_images_job(application_id: str, revision: int, settings: Settings, connection: Redis) -> str | None:
    """Queue the drawing of a checked round's page images (unless ``prerender_page_images`` is off).
    No retries, no failure callback: a page not drawn ahead is drawn when a reviewer asks for it."""
    if not settings.service.prerender_page_images:
        return None
    job_id = q.pages_job_id(settings.service.queue_prefix, application_id, revision)
    Queue(q.queue_names(settings).pages, connection=connection).enqueue_call(
        PAGES_JOB,
        args=(application_id,),
        job_id=job_id,
        timeout=settings.service.job_timeout_max_s,
        result_ttl=settings.service.job_result_ttl_s,
        failure_ttl=settings.service.job_failure_ttl_s,
        description=f"draw the page images of application {application_id}",
    )
    return job_id
