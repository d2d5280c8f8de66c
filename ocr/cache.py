"""Content-addressed cache of OCR results: the same page image read the same way costs nothing twice.

Key = sha256 over (page image hash, engine name + version, languages, psm, preprocessing signature);
value = the page's ``PageText`` as JSON, one file per key. A corrupt or unreadable entry is a miss.
Tests can point the cache at a committed folder to replay OCR without tesseract.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from pathlib import Path

import numpy as np
from pydantic import ValidationError

from models.domain import PageText

log = logging.getLogger(__name__)


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


class OcrCache:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def get(self, key: str) -> PageText | None:
        path = self._path(key)
        try:
            return PageText.model_validate_json(path.read_bytes())
        except FileNotFoundError:
            return None
        except (OSError, ValueError, ValidationError) as exc:
            log.warning("ignoring unreadable OCR cache entry %s: %s", path, exc)
            return None

    def put(self, key: str, page: PageText) -> None:
        """Write atomically (temp file + rename) so concurrent workers never read half an entry."""
        path = self._path(key)
        tmp: str | None = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
            with os.fdopen(fd, "wb") as handle:
                handle.write(page.model_dump_json().encode())
            os.replace(tmp, path)
            tmp = None
        except OSError as exc:  # a read-only or full cache must not fail the OCR itself
            log.warning("could not write OCR cache entry %s: %s", path, exc)
        finally:
            if tmp is not None:
                Path(tmp).unlink(missing_ok=True)
