"""Bounding the local caches: ``FileStore.prune`` / ``prune_stores`` and ``docproc cache stats|prune``.

Real files in a temporary folder; entries' last use is set with ``os.utime`` (a hit refreshes it).
"""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from docproc.cli import app
from docproc.cli.cache import CacheOptionError, cache_stores, parse_duration, parse_size
from docproc.stage_cache import StageCache
from foundation.file_store import (
    STALE_TEMP_AGE_S,
    FileStore,
    ModelStore,
    PruneReport,
    _File,
    _remove,
    prune_stores,
)
from foundation.settings import Settings, get_settings
from foundation.versions import StageFingerprint
from models.domain import PageText, TextSource

DAY = 86400.0
NOW = time.time()
ENTRY = b"x" * 100

runner = CliRunner()


def key(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()


def put(store: FileStore, name: str, age_s: float, data: bytes = ENTRY) -> Path:
    """An entry last used ``age_s`` seconds before ``NOW``."""
    assert store.put_bytes(key(name), data)
    path = store.path(key(name))
    os.utime(path, (NOW - age_s, NOW - age_s))
    return path


def temp_file(store: FileStore, age_s: float, name: str) -> Path:
    folder = store.root / "ab"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f".tmp-{name}.json"
    path.write_bytes(b"half-written")
    os.utime(path, (NOW - age_s, NOW - age_s))
    return path


def test_entries_unused_for_longer_than_the_age_are_removed_with_their_empty_folders(tmp_path: Path) -> None:
    store = FileStore(tmp_path / "store")
    old = put(store, "old", 40 * DAY)
    recent = put(store, "recent", 2 * DAY)
    (store.root / "README").write_text("not ours")  # files that are not entries are never touched

    report = store.prune(max_age_s=30 * DAY, now=NOW)

    assert not old.exists() and recent.exists()
    assert not old.parent.exists(), "the emptied fan-out folder is removed"
    assert (store.root / "README").exists()
    assert (report.removed, report.freed_bytes, report.kept, report.kept_bytes) == (1, 100, 1, 100)
    assert store.get_bytes(key("old")) is None and store.get_bytes(key("recent")) == ENTRY


def test_over_the_size_limit_the_least_recently_used_go_first(tmp_path: Path) -> None:
    store = FileStore(tmp_path / "store")
    paths = {name: put(store, name, age) for name, age in [("a", 4 * DAY), ("b", 1 * DAY), ("c", 3 * DAY)]}
    newest = put(store, "d", 60)

    report = store.prune(max_bytes=250, now=NOW)

    assert not paths["a"].exists() and not paths["c"].exists()
    assert paths["b"].exists() and newest.exists()
    assert (report.removed, report.freed_bytes, report.kept_bytes) == (2, 200, 200)
    assert store.stats().bytes == 200


def test_size_limit_applies_to_all_stores_together(tmp_path: Path) -> None:
    first, second = FileStore(tmp_path / "one"), FileStore(tmp_path / "two")
    oldest = put(first, "a", 5 * DAY)
    old = put(second, "b", 4 * DAY)
    kept = [put(first, "c", 1 * DAY), put(second, "d", 2 * DAY)]

    reports = prune_stores([first, second], max_bytes=200, now=NOW)

    assert not oldest.exists() and not old.exists() and all(p.exists() for p in kept)
    assert [r.removed for r in reports] == [1, 1] and [r.kept for r in reports] == [1, 1]


def test_a_hit_refreshes_the_last_use_so_a_used_entry_survives(tmp_path: Path) -> None:
    store = FileStore(tmp_path / "store")
    used = put(store, "used", 40 * DAY)
    unused = put(store, "unused", 40 * DAY)

    assert store.get_bytes(key("used")) == ENTRY
    assert used.stat().st_mtime > NOW - 60

    store.prune(max_age_s=30 * DAY)
    assert used.exists() and not unused.exists()


def test_stale_temp_files_are_removed_fresh_ones_never(tmp_path: Path) -> None:
    store = FileStore(tmp_path / "store")
    stale = temp_file(store, STALE_TEMP_AGE_S + 60, "killed")
    fresh = temp_file(store, 5, "writing")

    report = store.prune(max_age_s=30 * DAY, max_bytes=0, now=NOW)

    assert not stale.exists() and fresh.exists() and fresh.parent.exists()
    assert report.stale_temp_removed == 1 and report.removed == 0
    assert store.stats().entries == 0, "temporary files are not entries"


def test_dry_run_reports_and_removes_nothing(tmp_path: Path) -> None:
    store = FileStore(tmp_path / "store")
    old = put(store, "old", 40 * DAY)
    big = put(store, "big", 1 * DAY, b"y" * 1000)
    recent = put(store, "recent", 60)
    stale = temp_file(store, 2 * STALE_TEMP_AGE_S, "killed")

    report = store.prune(max_age_s=30 * DAY, max_bytes=500, dry_run=True, now=NOW)

    assert all(p.exists() for p in (old, big, recent, stale))
    assert (report.removed, report.freed_bytes, report.kept, report.stale_temp_removed) == (2, 1100, 1, 1)
    assert report.dry_run


def test_an_entry_used_after_the_scan_is_not_removed(tmp_path: Path) -> None:
    """The race with a reader: the entry's mtime moved since prune looked at it, so it is in use."""
    store = FileStore(tmp_path / "store")
    path = put(store, "busy", 40 * DAY)
    seen = _File(path, path.stat().st_size, path.stat().st_mtime_ns)
    store.get_bytes(key("busy"))  # a reader's hit between the scan and the removal

    report = PruneReport()
    assert not _remove(seen, report, dry_run=False)
    assert path.exists() and report.removed == 0


def test_a_write_after_pruning_recreates_the_folders(tmp_path: Path) -> None:
    store = FileStore(tmp_path / "store")
    put(store, "a", 40 * DAY)
    store.prune(max_age_s=DAY, now=NOW)
    assert list(store.root.iterdir()) == []
    assert store.put_bytes(key("a"), ENTRY) and store.get_bytes(key("a")) == ENTRY


def test_stats_count_entries_bytes_and_uses(tmp_path: Path) -> None:
    store = FileStore(tmp_path / "store")
    assert store.stats().entries == 0 and store.stats().oldest_use is None  # never written: no folder
    put(store, "a", 3 * DAY)
    put(store, "b", DAY, b"z" * 50)
    stats = store.stats()
    assert (stats.entries, stats.bytes) == (2, 150)
    assert stats.oldest_use == pytest.approx(NOW - 3 * DAY, abs=1)
    assert stats.newest_use == pytest.approx(NOW - DAY, abs=1)


def test_a_pruned_model_is_only_a_miss(tmp_path: Path) -> None:
    store = ModelStore(tmp_path / "ocr", PageText)
    page = PageText(page_no=1, width=100, height=100, source=TextSource.OCR)
    assert store.put(key("page"), page)
    os.utime(store.path(key("page")), (NOW - 40 * DAY, NOW - 40 * DAY))

    store.prune(max_age_s=30 * DAY, now=NOW)

    assert store.get(key("page")) is None  # recomputed by the caller, then cached again
    assert store.put(key("page"), page) and store.get(key("page")) == page


def test_the_cli_knows_every_store_of_the_stage_cache(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "var")
    fingerprints = {name: StageFingerprint(1, "") for name in ("reader", "extractor", "validator")}
    stage = StageCache(settings, fingerprints)
    roots = {named.store.root for named in cache_stores(settings)}
    assert {stage.texts.root, stage.extractions.root, stage.checks.root} <= roots
    assert settings.effective_ocr_cache_dir in roots


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("30d", 30 * DAY),
        ("12h", 12 * 3600),
        ("90m", 5400),
        ("2w", 14 * DAY),
        ("1,5 ч", 5400),
        ("7д", 7 * DAY),
    ],
)
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("500MB", 500 * 1024**2),
        ("5GB", 5 * 1024**3),
        ("5g", 5 * 1024**3),
        ("1.5 ГБ", 1536 * 1024**2),
        ("4096", 4096),
    ],
)
def test_sizes(text: str, size: int) -> None:
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["", "30", "d", "30 days ago", "-1d", "30x"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(CacheOptionError, match="--older-than"):
        parse_duration(text)


@pytest.mark.parametrize("text", ["", "GB", "5 PB", "-5GB", "5 gigs"])
def test_bad_sizes(text: str) -> None:
    with pytest.raises(CacheOptionError, match="--max-size"):
        parse_size(text)


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data dir with an old and a recent entry in the OCR cache and in the stage «текст» cache."""
    monkeypatch.delenv("DOCPROC_OCR_CACHE_DIR", raising=False)  # never prune a cache outside tmp_path
    get_settings.cache_clear()
    root = tmp_path / "var"
    for folder in (root / "cache" / "ocr", root / "cache" / "stages" / "text"):
        put(FileStore(folder), "old", 40 * DAY)
        put(FileStore(folder), "recent", 60)
    yield root
    get_settings.cache_clear()


def entries(root: Path) -> int:
    return sum(1 for path in root.rglob("*.json") if not path.name.startswith(".tmp-"))


def test_cli_stats(data_dir: Path) -> None:
    res = runner.invoke(app, ["cache", "stats", "--data-dir", str(data_dir)])
    assert res.exit_code == 0, res.output
    for label in ("OCR страниц", "«текст»", "«извлечение»", "«проверка»", "Всего"):
        assert label in res.output
    assert entries(data_dir) == 4


def test_cli_prune_dry_run_then_for_real(data_dir: Path) -> None:
    res = runner.invoke(
        app, ["cache", "prune", "--older-than", "30d", "--dry-run", "--data-dir", str(data_dir)]
    )
    assert res.exit_code == 0, res.output
    assert "пробный запуск" in res.output and entries(data_dir) == 4

    res = runner.invoke(app, ["cache", "prune", "--older-than", "30d", "--data-dir", str(data_dir)])
    assert res.exit_code == 0, res.output
    assert "Удалено" in res.output and entries(data_dir) == 2

    res = runner.invoke(app, ["cache", "prune", "--max-size", "100B", "--data-dir", str(data_dir)])
    assert res.exit_code == 0, res.output
    assert entries(data_dir) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--older-than", "month"], "--older-than: не понимаю «month»"),
        (["--max-size", "5 gigs"], "--max-size: не понимаю «5 gigs»"),
        ([], "укажите --older-than и/или --max-size"),
    ],
)
def test_cli_prune_refuses_bad_limits(data_dir: Path, args: list[str], message: str) -> None:
    res = runner.invoke(app, ["cache", "prune", *args, "--data-dir", str(data_dir)])
    assert res.exit_code == 2
    assert message in res.output
    assert entries(data_dir) == 4
