"""Content-addressed local blob store: stored once, sharded, atomic, hash-checked paths."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from ingest.blobs import BlobNotFound, BlobStore, LocalBlobStore


def test_put_get_exists_and_sharding(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    assert isinstance(store, BlobStore)
    data = b"%PDF-1.4 payment order"
    digest = store.put(data)
    assert digest == hashlib.sha256(data).hexdigest()
    assert (tmp_path / digest[:2] / digest[2:4] / digest).read_bytes() == data
    assert store.exists(digest) and store.get(digest) == data


def test_same_bytes_are_stored_once_and_no_temporary_files_remain(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    first = store.put(b"same")
    second = store.put(b"same")
    other = store.put(b"other")
    assert first == second != other
    stored = sorted(p.name for p in tmp_path.rglob("*") if p.is_file())
    assert stored == sorted({first, other})


def test_missing_blob_and_malformed_hash(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    absent = hashlib.sha256(b"never stored").hexdigest()
    assert not store.exists(absent)
    with pytest.raises(BlobNotFound):
        store.get(absent)
    with pytest.raises(ValueError):
        store.get("../../etc/passwd")
