"""Upload checks (ingest.uploads) and the database blob store, without the web layer."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from foundation.settings import Limits
from ingest.blobs import BlobNotFound, sha256_hex
from ingest.blobs_in_database import DatabaseBlobStore
from ingest.errors import IngestError
from ingest.uploads import check_upload, safe_upload_name
from models.db import make_engine, upgrade_database
from tests.test_service_support import (
    APPLICATION,
    FONT,
    dossier_documents,
    dossier_zip,
    make_service_env,
    zip_bytes,
)

pytestmark = pytest.mark.skipif(not FONT.exists(), reason="DejaVu font needed to render test PDFs")
LIMITS = Limits()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("договор.pdf", "договор.pdf"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\me\\скан 1.jpg", "скан 1.jpg"),
        ("и\u0306.pdf", "й.pdf"),  # NFD from macOS becomes NFC
        (".hidden.pdf", "hidden.pdf"),
        ("", "file_3"),
        (None, "file_3"),
    ],
)
def test_upload_names_are_base_names(raw: str | None, expected: str) -> None:
    assert safe_upload_name(raw, 2) == expected


def test_files_are_accepted_with_their_page_counts() -> None:
    documents = dossier_documents()
    check = check_upload(list(documents.items()), LIMITS)
    assert check.rejected == []
    assert {a.source.name: a.pages for a in check.accepted} == {
        "dogovor.pdf": 2,
        "pp_1284.pdf": 1,
        "akt_7.pdf": 1,
        "schet_faktura_7.pdf": 1,
    }


def test_a_zip_is_unpacked_like_a_dossier_archive() -> None:
    documents = dossier_documents()
    nested = zip_bytes(
        {"svc_dossier_1/dogovor.pdf": documents["dogovor.pdf"], "svc_dossier_1/__MACOSX/._x": b"junk"}
    )
    check = check_upload([("docs.zip", nested)], LIMITS)
    assert [a.source.name for a in check.accepted] == [
        "dogovor.pdf"
    ]  # single top folder unwrapped, junk skipped

    with_application = check_upload([("dossier.zip", dossier_zip())], LIMITS)
    assert with_application.dossier is not None and with_application.dossier.application is not None
    assert with_application.dossier.application.dossier_id == APPLICATION["dossier_id"]
    assert len(with_application.accepted) == 4


def test_per_file_problems_are_collected_not_raised() -> None:
    contract = dossier_documents()["dogovor.pdf"]
    check = check_upload(
        [
            ("a.pdf", contract),
            ("a.pdf", contract),
            ("application.json", b"{}"),
            ("x.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"),
        ],
        LIMITS,
    )
    assert [a.source.name for a in check.accepted] == ["a.pdf"]
    codes = {r.name: r.code for r in check.rejected}
    assert codes == {
        "a.pdf": "duplicate_name",
        "application.json": "application_file_as_document",
        "x.doc": "unsupported_format",
    }
    assert "Microsoft Office" in next(r.reason for r in check.rejected if r.name == "x.doc")


def test_archive_level_problems_refuse_the_upload() -> None:
    contract = dossier_documents()["dogovor.pdf"]
    with pytest.raises(IngestError) as traversal:
        check_upload([("d.zip", zip_bytes({"a/../../b.pdf": contract}))], LIMITS)
    assert traversal.value.code == "zip_traversal"
    with pytest.raises(IngestError) as empty:
        check_upload([("d.zip", zip_bytes({"__MACOSX/._a": b"x"}))], LIMITS)
    assert empty.value.code == "empty_archive"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'blobs.sqlite3'}"
        return
    for env in make_service_env(tmp_path):
        yield env.settings.effective_database_url


def test_database_blob_store_is_content_addressed_and_race_free(database_url: str) -> None:
    url = database_url
    upgrade_database(url)
    engine = make_engine(url)
    try:
        store = DatabaseBlobStore(engine)
        data = dossier_documents()["pp_1284.pdf"]
        digest = store.put(data)
        assert digest == sha256_hex(data) and store.exists(digest) and store.get(digest) == data
        errors: list[BaseException] = []

        def put_again() -> None:
            try:
                store.put(data)
            except BaseException as exc:  # noqa: BLE001 - collected for the assertion below
                errors.append(exc)

        threads = [threading.Thread(target=put_again) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        assert not store.exists("0" * 64)
        with pytest.raises(BlobNotFound):
            store.get("0" * 64)
    finally:
        engine.dispose()
