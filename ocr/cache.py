"""Content-addressed cache of OCR results: the same page image read the same way costs nothing twice.

Key = sha256 over (page image hash, engine name + version, languages, psm, preprocessing signature);
value = the page's ``PageText`` as JSON, one file per key (``foundation.file_store``: atomic writes; a
corrupt or unreadable entry is a miss).
Tests can point the cache at a committed folder to replay OCR without tesseract.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from foundation.file_store import ModelStore
from models.domain import PageText


def image_hash(image: np.ndarray) -> str:
    """Hash of the pixels together with their shape and type (two shapes of the same bytes differ)."""
    digest = hashlib.sha256()
    digest.update(f"{image.shape}|{image.dtype}".encode())
    digest.update(np.ascontiguousarray(image).tobytes())
    return digest.hexdigest()


def cache_key(
    image_sha: str, engine_name: str, engine_version: str, languages: str, psm: int, preprocessing: str
) -> str:
    parts = [image_sha, engine_name, engine_version, languages, str(psm), preprocessing]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


class OcrCache(ModelStore[PageText]):
    """OCR results per page, in the project's content-addressed file store (``foundation.file_store``)."""

    def __init__(self, root: Path) -> None:
        super().__init__(root, PageText)
