"""Content-addressed storage of uploaded bytes: the same file uploaded twice is stored once.

The database keeps only metadata (``models.db.BlobRow``); the bytes live behind ``BlobStore`` so the
embedded mode can use a folder and the service mode another backend without touching callers.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path
from typing import Protocol, runtime_checkable

_SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")


class BlobNotFound(KeyError):
    """No blob with that hash is stored."""


@runtime_checkable
class BlobStore(Protocol):
    def put(self, data: bytes) -> str:
        """Store ``data`` (idempotent) and return its SHA-256 hex digest."""
        ...

    def get(self, sha256: str) -> bytes:
        """The bytes stored under ``sha256``; raises ``BlobNotFound``."""
        ...

    def exists(self, sha256: str) -> bool: ...


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class LocalBlobStore:
    """Blobs as files ``root/ab/cd/<sha256>``; two-level sharding keeps directories small."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def put(self, data: bytes) -> str:
        digest = sha256_hex(data)
        target = self._path(digest)
        if target.exists():
            return digest
        target.parent.mkdir(parents=True, exist_ok=True)
        # Write beside the target and rename: readers (other workers) never see a half-written blob,
        # and two writers racing on the same content both end with the same complete file.
        handle, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{digest[:8]}.", suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as tmp:
                tmp.write(data)
                tmp.flush()
                os.fsync(tmp.fileno())
            os.replace(tmp_name, target)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
        return digest

    def get(self, sha256: str) -> bytes:
        path = self._path(sha256)
        try:
            return path.read_bytes()
        except FileNotFoundError as exc:
            raise BlobNotFound(sha256) from exc

    def exists(self, sha256: str) -> bool:
        return self._path(sha256).is_file()

    def _path(self, sha256: str) -> Path:
        # The hash becomes a path: anything but 64 lowercase hex digits could point elsewhere.
        if not _SHA256_HEX.match(sha256):
            raise ValueError(f"not a SHA-256 hex digest: {sha256!r}")
        return self.root / sha256[:2] / sha256[2:4] / sha256
