"""Bounded cost per request and per document (issue 15, item 2).

Figures (CPU seconds, peak memory) are printed by ``bench/hostile_files.py``; these tests check the
mechanisms: what is refused, what is decoded, what is rendered once, what waits for a turn.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, TiffImagePlugin

from bench.hostile_files import flate_bomb_pdf
from foundation.settings import Limits, Settings
from ingest.archive import read_zip_members
from ingest.errors import IngestError, UnreadableDocument
from ingest.limits import check_limits
from models.domain import FileKind
from tests.test_service_support import (
    APPLICATION,
    Keys,
    ServiceEnv,
    auth,
    dossier_documents,
    files_field,
    make_service_env,
    needs_services,
)

MIB = 1024 * 1024


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def _tiff(frames: int, side: int) -> bytes:
    out = io.BytesIO()
    pages = [Image.new("L", (side, side), 255 - 20 * n) for n in range(frames)]
    pages[0].save(out, format="TIFF", save_all=True, append_images=pages[1:], compression="tiff_deflate")
    return out.getvalue()


# --------------------------------------------------------------------------- archives


def test_many_small_members_are_a_bomb_together() -> None:
    # Each member is at the per-member threshold (1 MiB): only the archive-wide ratio sees the bomb.
    bomb = _zip({f"page_{n:03d}.txt": bytes(MIB) for n in range(60)})
    assert len(bomb) < 200_000
    with pytest.raises(IngestError) as refused:
        read_zip_members(bomb, Limits())
    assert refused.value.code == "zip_bomb"
    # An ordinary archive of well-compressing text is still fine.
    text = "".join(
        f"Акт № {n}, строка {n * 7 % 113}: сумма {n * 7919 % 1000003:,} тенге, БИН {n * 104729 % 10**12:012d}.\n"
        for n in range(40000)
    ).encode()
    assert len(read_zip_members(_zip({"akt.txt": text, "sf.txt": text}), Limits())) == 2


@pytest.fixture(name="service_env")
def small_caps_env(tmp_path: Path) -> Iterator[ServiceEnv]:
    yield from make_service_env(
        tmp_path,
        limits={"max_pdf_stream_bytes": 4 * MIB, "max_pdf_decoded_bytes": 16 * MIB},
        max_upload_unpacked_bytes=2 * MIB,
        heavy_concurrency=1,
        heavy_wait_s=0.2,
    )


@needs_services
def test_uploads_have_a_lower_unpacked_cap_than_the_command_line(client: Any, keys: Keys) -> None:
    import os

    incompressible = {f"scan_{n}.bin": os.urandom(MIB) for n in range(3)}  # 3 MiB, ratio ~1
    archive = _zip(incompressible)
    assert len(read_zip_members(archive, Limits())) == 3  # the command line's cap (500 MiB) lets it in
    app_id = client.post("/v1/applications", json=APPLICATION, headers=auth(keys.portal)).json()["id"]
    response = client.post(
        f"/v1/applications/{app_id}/documents",
        files={"files": ("docs.zip", archive, "application/zip")},
        headers=auth(keys.portal),
    )
    assert response.status_code == 413 and response.json()["detail"]["code"] == "zip_bomb"


# --------------------------------------------------------------------------- images


def test_a_multi_page_tiff_has_a_pixel_budget_over_all_frames() -> None:
    data = _tiff(frames=3, side=1000)  # 3 Mpx in all, 1 Mpx a frame
    limits = Limits(max_image_megapixels=2, max_decoded_megapixels_per_file=2)
    with pytest.raises(IngestError) as refused:
        check_limits(data, FileKind.TIFF, limits)
    assert refused.value.code == "image_too_large"
    from ocr.raster import image_pages

    with pytest.raises(UnreadableDocument):
        list(image_pages(data, FileKind.TIFF, limits))
    assert check_limits(data, FileKind.TIFF, Limits(max_decoded_megapixels_per_file=3)) == 3


def test_a_tiff_page_is_reached_without_decoding_the_pages_before(monkeypatch: pytest.MonkeyPatch) -> None:
    from casework.page_render import render_page_png

    decoded: list[int] = []
    real_load = TiffImagePlugin.TiffImageFile.load

    def counting_load(self: Any) -> Any:
        if self.tile:  # pixel data not decoded yet
            decoded.append(self.tell())
        return real_load(self)

    monkeypatch.setattr(TiffImagePlugin.TiffImageFile, "load", counting_load)
    page = render_page_png(_tiff(frames=5, side=600), FileKind.TIFF, 5, Settings())
    assert decoded == [4]
    assert Image.open(io.BytesIO(page.png)).size == (600, 600)


def test_the_upload_check_decodes_only_the_first_tiff_page(monkeypatch: pytest.MonkeyPatch) -> None:
    decoded: list[int] = []
    real_load = TiffImagePlugin.TiffImageFile.load

    def counting_load(self: Any) -> Any:
        if self.tile:
            decoded.append(self.tell())
        return real_load(self)

    monkeypatch.setattr(TiffImagePlugin.TiffImageFile, "load", counting_load)
    assert check_limits(_tiff(frames=4, side=400), FileKind.TIFF, Limits()) == 4
    assert decoded == [0]


# --------------------------------------------------------------------------- PDF streams


def test_a_pdf_flate_bomb_is_refused_before_it_is_parsed() -> None:
    limits = Limits(max_pdf_stream_bytes=4 * MIB, max_pdf_decoded_bytes=16 * MIB)
    with pytest.raises(IngestError) as refused:
        check_limits(flate_bomb_pdf(inflated_mb=32), FileKind.PDF, limits)
    assert refused.value.code == "pdf_bomb"
    # Many streams, each within its budget, over the file's budget together.
    from ingest.pdf_streams import check_pdf_streams

    with pytest.raises(IngestError):
        check_pdf_streams(flate_bomb_pdf(inflated_mb=3), Limits(max_pdf_stream_bytes=4 * MIB, max_pdf_decoded_bytes=MIB))
    assert check_limits(dossier_documents()["dogovor.pdf"], FileKind.PDF, limits) == 2


@needs_services
def test_an_uploaded_pdf_bomb_is_answered_413(client: Any, keys: Keys) -> None:
    app_id = client.post("/v1/applications", json=APPLICATION, headers=auth(keys.portal)).json()["id"]
    response = client.post(
        f"/v1/applications/{app_id}/documents",
        files=files_field({"bomb.pdf": flate_bomb_pdf(inflated_mb=32)}),
        headers=auth(keys.portal),
    )
    assert response.status_code == 413 and response.json()["detail"]["code"] == "pdf_bomb"


# --------------------------------------------------------------------------- page images: once, and one at a time


def _uploaded_document(client: Any, keys: Keys, name: str, data: bytes) -> str:
    app_id = client.post("/v1/applications", json=APPLICATION, headers=auth(keys.portal)).json()["id"]
    upload = client.post(
        f"/v1/applications/{app_id}/documents", files=files_field({name: data}), headers=auth(keys.portal)
    )
    assert upload.status_code == 202, upload.text
    return str(upload.json()["documents"][0]["id"])


@needs_services
def test_a_page_image_is_rendered_once_then_served_from_the_cache(
    client: Any, keys: Keys, monkeypatch: pytest.MonkeyPatch
) -> None:
    import casework.page_images

    renders: list[int] = []
    real = casework.page_images.render_page_png

    def counting(data: bytes, kind: FileKind, page_no: int, settings: Settings) -> Any:
        renders.append(page_no)
        return real(data, kind, page_no, settings)

    monkeypatch.setattr(casework.page_images, "render_page_png", counting)
    doc_id = _uploaded_document(client, keys, "scan.tif", _tiff(frames=3, side=500))
    images = [
        client.get(f"/v1/documents/{doc_id}/pages/3/image", headers=auth(keys.portal)) for _ in range(3)
    ]
    assert [r.status_code for r in images] == [200, 200, 200]
    assert images[0].content == images[2].content and images[0].headers["X-Page-Scale"] == images[2].headers["X-Page-Scale"]
    assert renders == [3]


@needs_services
def test_heavy_work_waits_for_a_turn_then_answers_503(
    service_env: ServiceEnv, client: Any, keys: Keys
) -> None:
    from api.heavy import turns

    doc_id = _uploaded_document(client, keys, "scan.tif", _tiff(frames=2, side=400))
    semaphore = turns(service_env.settings)
    assert semaphore.acquire(timeout=5)  # another request's heavy work holds the only turn
    try:
        busy = client.get(f"/v1/documents/{doc_id}/pages/1/image", headers=auth(keys.portal))
    finally:
        semaphore.release()
    assert busy.status_code == 503 and busy.json()["detail"]["code"] == "busy" and busy.headers["Retry-After"]
    assert client.get(f"/v1/documents/{doc_id}/pages/1/image", headers=auth(keys.portal)).status_code == 200


def test_a_frame_too_large_for_ocr_is_shrunk_first_and_its_page_image_scale_follows() -> None:
    from casework.page_render import render_page_png
    from ocr.raster import image_pages

    data = _tiff(frames=1, side=2000)  # 4 Mpx
    limits = Limits(max_ocr_megapixels=1)
    (page,) = list(image_pages(data, FileKind.TIFF, limits))
    assert page.shape[0] * page.shape[1] <= 1_000_000 and page.shape[:2] == (1000, 1000)
    # Boxes read on that page are in its (shrunk) pixels: the API's scale maps them onto its image.
    image = render_page_png(data, FileKind.TIFF, 1, Settings(limits=limits))
    width = Image.open(io.BytesIO(image.png)).width
    assert image.scale * 1000 == pytest.approx(width, abs=1)
