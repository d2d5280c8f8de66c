"""A content-addressed file store: one file per key, written atomically, an unreadable entry is a miss.

It is a cache, never a source of truth: a read-only, full or corrupt store makes work slower, never
wrong and never failing. Keys are hex digests (sha256) chosen by the caller; files live under
``root/<key[:2]>/<key><suffix>`` so that no folder grows too large. Several processes may read and
write the same store at once: a writer renames a finished temporary file into place, so a reader
sees the whole entry or none.

``ModelStore`` keeps pydantic models as JSON (the OCR page cache, the stage caches of the pipeline).

Nothing removes an entry by itself: ``prune`` / ``prune_stores`` bound a store by age and total size.
A hit refreshes the entry's mtime, so an entry's mtime is its last use (mtime, not atime: most disks
are mounted ``relatime``/``noatime``), and pruning removes the least recently used entries first.
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

from pydantic import BaseModel, ValidationError

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)

_TEMP_PREFIX = ".tmp-"
# A writer's temporary file older than this was left by a killed process: entries are small and
# written in one go, so no live write takes that long, and removing it cannot break one.
STALE_TEMP_AGE_S = 3600.0
# Keys are hex digests; entries live in folders named after the key's first characters.
_FAN_OUT = 2
# A writer whose fan-out folder a concurrent prune just removed as empty creates it again.
_WRITE_ATTEMPTS = 3


@dataclass(frozen=True)
class StoreStats:
    entries: int
    bytes: int  # the entries' sizes (not the disk blocks they occupy)
    oldest_use: float | None  # epoch seconds (an entry's mtime: its last write or hit)
    newest_use: float | None


@dataclass
class PruneReport:
    removed: int = 0
    freed_bytes: int = 0
    kept: int = 0
    kept_bytes: int = 0
    stale_temp_removed: int = 0  # ``.tmp-*`` files of killed writers
    dry_run: bool = False

    def add(self, other: PruneReport) -> PruneReport:
        return PruneReport(
            removed=self.removed + other.removed,
            freed_bytes=self.freed_bytes + other.freed_bytes,
            kept=self.kept + other.kept,
            kept_bytes=self.kept_bytes + other.kept_bytes,
            stale_temp_removed=self.stale_temp_removed + other.stale_temp_removed,
            dry_run=self.dry_run or other.dry_run,
        )


@dataclass(frozen=True)
class _File:
    path: Path
    size: int
    mtime_ns: int

    @property
    def mtime(self) -> float:
        return self.mtime_ns / 1e9


class FileStore:
    def __init__(self, root: Path, suffix: str = ".json") -> None:
        self.root = Path(root)
        self.suffix = suffix

    def path(self, key: str) -> Path:
        return self.root / key[:_FAN_OUT] / f"{key}{self.suffix}"

    def get_bytes(self, key: str) -> bytes | None:
        path = self.path(key)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            log.warning("ignoring unreadable cache entry %s: %s", path, exc)
            return None
        _mark_used(path)
        return data

    def put_bytes(self, key: str, data: bytes) -> bool:
        """Write atomically (temp file + rename); False when the store cannot be written."""
        path = self.path(key)
        tmp: str | None = None
        try:
            fd, tmp = self._temp_file(path.parent)
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

    def _temp_file(self, folder: Path) -> tuple[int, str]:
        for attempt in range(_WRITE_ATTEMPTS):
            try:
                folder.mkdir(parents=True, exist_ok=True)
                return tempfile.mkstemp(dir=folder, prefix=_TEMP_PREFIX, suffix=self.suffix)
            except (FileNotFoundError, FileExistsError):
                # A concurrent prune removed the empty folder between our mkdir and mkstemp (or within
                # mkdir, which then reports it as existing but not a folder): create it again.
                if attempt == _WRITE_ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")

    def stats(self) -> StoreStats:
        entries, _ = self._scan()
        times = [entry.mtime for entry in entries]
        return StoreStats(
            entries=len(entries),
            bytes=sum(entry.size for entry in entries),
            oldest_use=min(times, default=None),
            newest_use=max(times, default=None),
        )

    def prune(
        self,
        *,
        max_age_s: float | None = None,
        max_bytes: int | None = None,
        dry_run: bool = False,
        now: float | None = None,
    ) -> PruneReport:
        """See ``prune_stores``."""
        return prune_stores([self], max_age_s=max_age_s, max_bytes=max_bytes, dry_run=dry_run, now=now)[0]

    # ------------------------------------------------------------------ scanning

    def _fan_out_dirs(self) -> Iterator[os.DirEntry[str]]:
        try:
            with os.scandir(self.root) as listing:
                for item in listing:
                    if len(item.name) == _FAN_OUT and item.is_dir(follow_symlinks=False):
                        yield item
        except FileNotFoundError:  # never written to: an empty store
            return

    def _scan(self) -> tuple[list[_File], list[_File]]:
        """The store's entries and the writers' temporary files; anything else in the folders is not ours."""
        entries: list[_File] = []
        temps: list[_File] = []
        for folder in self._fan_out_dirs():
            try:
                with os.scandir(folder.path) as listing:
                    items = list(listing)
            except OSError:  # removed meanwhile (a concurrent prune) or unreadable
                continue
            for item in items:
                is_temp = item.name.startswith(_TEMP_PREFIX)
                if not is_temp and not (
                    item.name.startswith(folder.name) and item.name.endswith(self.suffix)
                ):
                    continue
                try:
                    if not item.is_file(follow_symlinks=False):
                        continue
                    stat = item.stat(follow_symlinks=False)
                except OSError:  # vanished: used and removed by another process
                    continue
                found = _File(Path(item.path), stat.st_size, stat.st_mtime_ns)
                (temps if is_temp else entries).append(found)
        return entries, temps

    def _remove_empty_folders(self) -> None:
        for folder in self._fan_out_dirs():
            try:
                os.rmdir(folder.path)
            except OSError:  # not empty (the usual case), or a writer got there first
                pass


def prune_stores(
    stores: Sequence[FileStore],
    *,
    max_age_s: float | None = None,
    max_bytes: int | None = None,
    dry_run: bool = False,
    now: float | None = None,
) -> list[PruneReport]:
    """Bound ``stores`` together; one report per store, in order.

    Removes entries not used for longer than ``max_age_s``; then, while all stores together are over
    ``max_bytes``, the least recently used entries (of any store). Also removes ``.tmp-*`` files older
    than ``STALE_TEMP_AGE_S`` and empty fan-out folders. Safe while other processes use the stores: an
    entry used or rewritten since the scan (its mtime moved) is kept, a file that vanished is skipped,
    and a fresh temporary file is never touched. At worst a removed entry is computed again.
    """
    now = time.time() if now is None else now
    reports = [PruneReport(dry_run=dry_run) for _ in stores]
    candidates: list[tuple[_File, int]] = []
    for index, store in enumerate(stores):
        entries, temps = store._scan()
        for temp in temps:
            if now - temp.mtime > STALE_TEMP_AGE_S and (dry_run or _unlink(temp.path)):
                reports[index].stale_temp_removed += 1
        for entry in entries:
            expired = max_age_s is not None and now - entry.mtime > max_age_s
            if not (expired and _remove(entry, reports[index], dry_run)):
                candidates.append((entry, index))

    total = sum(entry.size for entry, _ in candidates)
    candidates.sort(key=lambda item: item[0].mtime_ns)  # least recently used first
    for entry, index in candidates:
        report = reports[index]
        if max_bytes is not None and total > max_bytes and _remove(entry, report, dry_run):
            total -= entry.size
        else:
            report.kept += 1
            report.kept_bytes += entry.size

    if not dry_run:
        for store in stores:
            store._remove_empty_folders()
    return reports


def _remove(entry: _File, report: PruneReport, dry_run: bool) -> bool:
    """Remove ``entry`` unless it was used or rewritten since the scan; counts a removal in ``report``."""
    if not dry_run:
        try:
            current: int | None = entry.path.stat().st_mtime_ns
        except FileNotFoundError:
            current = entry.mtime_ns  # another prune got there first: gone all the same
        except OSError:
            current = None
        if current != entry.mtime_ns or not _unlink(entry.path):
            return False
    report.removed += 1
    report.freed_bytes += entry.size
    return True


def _unlink(path: Path) -> bool:
    try:
        path.unlink()
        return True
    except FileNotFoundError:
        return True
    except OSError as exc:  # a read-only store: pruning it is someone else's job
        log.warning("could not remove cache file %s: %s", path, exc)
        return False


def _mark_used(path: Path) -> None:
    """Refresh mtime so that pruning sees the entry as recently used; best effort (read-only stores)."""
    try:
        os.utime(path)
    except OSError:
        pass


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
