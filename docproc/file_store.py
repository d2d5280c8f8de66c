"""A content-addressed file store: one file per key, written atomically, an unreadable entry is a miss.

It is a cache, never a source of truth: a read-only, full or corrupt store makes work slower, never
wrong and never failing. Keys are hex digests (sha256) chosen by the caller; files live under
``root/<key[:2]>/<key><suffix>`` so that no folder grows too large. Several processes may read and
write the same store at once: a writer renames a finished temporary file into place, so a reader
sees the whole entry or none.

``ModelStore`` keeps pydantic models as JSON (the OCR page cache, the stage caches of the pipeline).
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path
from typing import Generic, TypeVar

from pydantic import BaseModel, ValidationError

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)


class FileStore:
    def __init__(self, root: Path, suffix: str = ".json") -> None:
        self.root = Path(root)
        self.suffix = suffix

    def path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}{self.suffix}"

    def get_bytes(self, key: str) -> bytes | None:
        try:
            return self.path(key).read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            log.warning("ignoring unreadable cache entry %s: %s", self.path(key), exc)
            return None

    def put_bytes(self, key: str, data: bytes) -> bool:
        """Write atomically (temp file + rename); False when the store cannot be written."""
        path = self.path(key)
        tmp: str | None = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=self.suffix)
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, path)
            tmp = None
            return True
        except OSError as exc:  # a read-only or full cache must not fail the work it caches
            log.warning("could not write cache entry %s: %s", path, exc)
            return False
        finally:
            if tmp is not None:
                Path(tmp).unlink(missing_ok=True)


class ModelStore(FileStore, Generic[M]):
    """Pydantic models as JSON entries; an entry that no longer validates (corrupt, old shape) is a miss."""

    def __init__(self, root: Path, model: type[M]) -> None:
        super().__init__(root, ".json")
        self.model = model

    def get(self, key: str) -> M | None:
        raw = self.get_bytes(key)
        return None if raw is None else self.parse(key, raw)

    def parse(self, key: str, raw: bytes) -> M | None:
        try:
            return self.model.model_validate_json(raw)
        except (ValueError, ValidationError) as exc:
            log.warning("ignoring unreadable cache entry %s: %s", self.path(key), exc)
            return None

    def put(self, key: str, value: M) -> bool:
        return self.put_bytes(key, value.model_dump_json().encode())
