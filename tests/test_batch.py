"""``docproc batch``: resumable, idempotent, safe with hostile archives, stage versions, reports, --queue.

Dossiers are small text-PDF dossiers rendered here (no OCR: a run takes about a second); the scan
case uses a fixture dossier whose OCR replays from the committed cache. Work is counted by wrapping
``docproc.pipeline.process_document`` (and the reader and the dossier check where it matters), so
"no work" is asserted as zero calls, never as a duration.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from docproc import pipeline
from docproc.batch.journal import EntryStatus, Journal
from docproc.batch.model import (
    BatchObserver,
    BatchOptions,
    BatchRow,
    BatchSummary,
    Mode,
    Outcome,
    Reason,
)
from docproc.batch.report import write_report
from docproc.batch.run import run_batch
from docproc.document_outcome import DocumentOutcome
from foundation import versions
from foundation.settings import Settings
from models.domain import SourceFile
from tests.test_service_support import (
    APPLICATION,
    FONT,
    ServiceEnv,
    dossier_documents,
    needs_services,
    run_worker_in_process,
    write_dossier,
    zip_bytes,
)

ROOT = Path(__file__).resolve().parents[1]
SCAN_DOSSIER = ROOT / "tests" / "fixtures" / "dossiers" / "defects_kk"
REPLAY_CACHE = ROOT / "tests" / "fixtures" / "ocr_cache"
DOCUMENTS_PER_DOSSIER = len(APPLICATION["files"])  # type: ignore[arg-type]

pytestmark = pytest.mark.skipif(
    not FONT.exists(), reason=f"DejaVu font missing at {FONT} (renders test PDFs)"
)


# --------------------------------------------------------------------------- fixtures


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    cache = tmp_path / "ocr_cache"
    if REPLAY_CACHE.is_dir():
        shutil.copytree(REPLAY_CACHE, cache)
    return Settings(data_dir=tmp_path / "var", ocr_cache_dir=cache)


class Counter:
    def __init__(self) -> None:
        self.names: list[str] = []

    @property
    def count(self) -> int:
        return len(self.names)


@pytest.fixture
def processed(monkeypatch: pytest.MonkeyPatch) -> Counter:
    """Every document the batch hands to the pipeline."""
    counter = Counter()
    real = pipeline.process_document

    def counting(source: SourceFile, settings: Settings) -> DocumentOutcome:
        counter.names.append(source.name)
        return real(source, settings)

    monkeypatch.setattr(pipeline, "process_document", counting)
    return counter


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> Counter:
    """Every document actually read (text layer or OCR), past the stage cache."""
    import ocr.reader

    counter = Counter()
    real = ocr.reader.read_document

    def counting(name: str, *args: Any, **kwargs: Any) -> Any:
        counter.names.append(name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(ocr.reader, "read_document", counting)
    return counter


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> Counter:
    counter = Counter()
    real = pipeline.check_documents

    def counting(application: Any, outcomes: Any, *history: Any) -> Any:
        counter.names.append(application.dossier_id)
        return real(application, outcomes, *history)

    monkeypatch.setattr(pipeline, "check_documents", counting)
    return counter


def make_dossier(
    root: Path, index: int, date: str = "2024-05-17", extra: dict[str, bytes] | None = None
) -> Path:
    """Dossier ``dossier_NN``: the works dossier with its own supplier name, so no two share a file."""
    name = f"dossier_{index:02d}"
    documents = {**dossier_documents(variant=str(index)), **(extra or {})}
    application = {**APPLICATION, "dossier_id": name, "application_date": date, "files": list(documents)}
    return write_dossier(root / name, application, documents)


def make_archive(root: Path, count: int) -> Path:
    for index in range(1, count + 1):
        make_dossier(root, index)
    return root


def by_id(summary: BatchSummary) -> dict[str, BatchRow]:
    return {row.dossier_id: row for row in summary.rows}


def statuses(summary: BatchSummary) -> dict[str, tuple[Outcome, Reason]]:
    return {row.dossier_id: (row.status, row.reason_code) for row in summary.rows}


class StopAfterDocuments(BatchObserver):
    """Ctrl-C after the n-th document (the same KeyboardInterrupt a terminal sends)."""

    def __init__(self, documents: int) -> None:
        self.left = documents

    def on_document(self, name: str, pages: int) -> None:
        self.left -= 1
        if self.left == 0:
            raise KeyboardInterrupt


# --------------------------------------------------------------------------- idempotent and resumable


def test_a_second_run_over_an_unchanged_archive_does_no_work(
    tmp_path: Path, settings: Settings, processed: Counter
) -> None:
    archive = make_archive(tmp_path / "archive", 3)
    first = run_batch([archive], settings, BatchOptions())
    assert statuses(first) == {f"dossier_0{i}": (Outcome.DONE, Reason.NEW) for i in (1, 2, 3)}
    assert processed.count == 3 * DOCUMENTS_PER_DOSSIER
    for row in first.rows:
        assert row.documents == DOCUMENTS_PER_DOSSIER and row.pages >= DOCUMENTS_PER_DOSSIER
        assert row.reimbursement_kzt is not None and row.reimbursement_kzt > 0

    processed.names.clear()
    second = run_batch([archive], settings, BatchOptions())
    assert processed.count == 0
    assert statuses(second) == {f"dossier_0{i}": (Outcome.SKIPPED, Reason.UNCHANGED) for i in (1, 2, 3)}
    for before, after in zip(first.rows, second.rows, strict=True):
        assert (after.errors, after.warnings, after.reimbursement_kzt) == (
            before.errors,
            before.warnings,
            before.reimbursement_kzt,
        )


def test_without_the_journal_the_stage_caches_answer_with_identical_results(
    tmp_path: Path, settings: Settings, reads: Counter, checks: Counter
) -> None:
    archive = make_archive(tmp_path / "archive", 2)
    cold = tmp_path / "cold"
    uncached = settings.model_copy(update={"stage_cache": False})
    run_batch([archive], uncached, BatchOptions(out_dir=cold, journal_path=tmp_path / "j0.sqlite3"))
    run_batch([archive], settings, BatchOptions(journal_path=tmp_path / "j1.sqlite3"))  # fills the caches
    reads.names.clear()
    checks.names.clear()
    warm = tmp_path / "warm"
    summary = run_batch([archive], settings, BatchOptions(out_dir=warm, journal_path=tmp_path / "j2.sqlite3"))
    assert [row.status for row in summary.rows] == [Outcome.DONE, Outcome.DONE]
    assert reads.count == 0, "every text came from the stage cache"
    assert checks.count == 0, "every dossier check came from the stage cache"
    for result in sorted(cold.glob("*.json")):
        assert json.loads((warm / result.name).read_text()) == json.loads(result.read_text())


def test_an_interrupted_run_resumes_without_redoing_finished_dossiers(
    tmp_path: Path, settings: Settings, processed: Counter
) -> None:
    archive = make_archive(tmp_path / "archive", 3)
    # Ctrl-C in the middle of the second dossier.
    stopped = run_batch([archive], settings, BatchOptions(), StopAfterDocuments(DOCUMENTS_PER_DOSSIER + 2))
    assert stopped.interrupted
    with Journal(settings.data_dir / "batch" / "journal.sqlite3") as journal:
        assert [e.status for e in journal.entries("local")] == [EntryStatus.DONE, EntryStatus.STARTED]

    processed.names.clear()
    resumed = run_batch([archive], settings, BatchOptions())
    assert statuses(resumed) == {
        "dossier_01": (Outcome.SKIPPED, Reason.UNCHANGED),
        "dossier_02": (Outcome.DONE, Reason.INTERRUPTED),
        "dossier_03": (Outcome.DONE, Reason.NEW),
    }
    assert processed.count == 2 * DOCUMENTS_PER_DOSSIER


def test_a_killed_run_leaves_a_consistent_journal_and_resumes(
    tmp_path: Path, settings: Settings, processed: Counter
) -> None:
    archive = make_archive(tmp_path / "archive", 6)
    journal_path = settings.data_dir / "batch" / "journal.sqlite3"
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCPROC_")}
    env.update({"DOCPROC_DATA_DIR": str(settings.data_dir), "PYTHONPATH": str(ROOT)})
    command = [sys.executable, "-m", "docproc.cli", "batch", str(archive), "-j", "1", "-q"]
    child = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 300
        while child.poll() is None and time.monotonic() < deadline and not _done_sources(journal_path):
            time.sleep(0.05)
    finally:
        child.kill()  # SIGKILL: no handler runs, no cleanup
        child.wait()
    done_before = _done_sources(journal_path)
    assert done_before, "the child finished at least one dossier before it was killed"
    with sqlite3.connect(journal_path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

    processed.names.clear()
    resumed = run_batch([archive], settings, BatchOptions())
    for row in resumed.rows:
        if row.source in done_before:
            assert (row.status, row.reason_code) == (Outcome.SKIPPED, Reason.UNCHANGED)
        else:
            assert row.status == Outcome.DONE and row.reason_code in (Reason.NEW, Reason.INTERRUPTED)
    assert processed.count == (6 - len(done_before)) * DOCUMENTS_PER_DOSSIER


def _done_sources(journal: Path) -> set[str]:
    if not journal.exists():
        return set()
    try:
        with sqlite3.connect(journal, timeout=5) as db:
            return {row[0] for row in db.execute("SELECT source FROM dossiers WHERE status = 'done'")}
    except sqlite3.Error:  # created but not yet initialised by the child
        return set()


# --------------------------------------------------------------------------- stage versions


def _forbid_ocr(monkeypatch: pytest.MonkeyPatch) -> None:
    from ocr.engine import TesseractEngine

    def tripwire(*args: object, **kwargs: object) -> None:
        raise AssertionError("the OCR engine must not run")

    monkeypatch.setattr(TesseractEngine, "recognize", tripwire)
    monkeypatch.setattr(TesseractEngine, "detect_orientation", tripwire)


def test_an_extractor_upgrade_re_extracts_without_re_ocr_and_a_validator_upgrade_only_checks(
    tmp_path: Path, settings: Settings, reads: Counter, checks: Counter, monkeypatch: pytest.MonkeyPatch
) -> None:
    import extractors

    extracted = Counter()
    real_extract = extractors.extract_document

    def counting_extract(text: Any) -> Any:
        extracted.names.append(text.file)
        return real_extract(text)

    monkeypatch.setattr(extractors, "extract_document", counting_extract)
    archive = tmp_path / "archive"
    shutil.copytree(SCAN_DOSSIER, archive / SCAN_DOSSIER.name)
    make_dossier(archive, 1)
    first = run_batch([archive], settings, BatchOptions())
    assert [row.status for row in first.rows] == [Outcome.DONE, Outcome.DONE]
    assert any(name.startswith("scan_") for name in reads.names), (
        "the scan was read (OCR replayed from the cache)"
    )
    extracted_first = sorted(extracted.names)

    extracted.names.clear()
    monkeypatch.setattr(versions, "EXTRACTOR_VERSION", versions.EXTRACTOR_VERSION + 1)
    _forbid_ocr(monkeypatch)
    reads.names.clear()
    checks.names.clear()

    plan = run_batch([archive], settings, BatchOptions(dry_run=True))
    assert {row.reason_code for row in plan.rows} == {Reason.UPGRADED}
    upgrade = f"«извлечение данных»: {versions.EXTRACTOR_VERSION - 1}→{versions.EXTRACTOR_VERSION}"
    assert all(upgrade in row.reason for row in plan.rows)
    assert reads.count == extracted.count == checks.count == 0, "a dry run does nothing"

    upgraded = run_batch([archive], settings, BatchOptions())
    assert [row.status for row in upgraded.rows] == [Outcome.DONE, Outcome.DONE]
    assert reads.count == 0, "no document was read again: no OCR"
    assert sorted(extracted.names) == extracted_first, "every text extracted again"
    assert checks.count == 2

    monkeypatch.setattr(versions, "VALIDATOR_VERSION", versions.VALIDATOR_VERSION + 1)
    extracted.names.clear()
    checks.names.clear()
    revalidated = run_batch([archive], settings, BatchOptions())
    assert {row.reason_code for row in revalidated.rows} == {Reason.UPGRADED}
    assert "«проверки»" in revalidated.rows[0].reason
    assert (reads.count, extracted.count, checks.count) == (0, 0, 2)


# --------------------------------------------------------------------------- --dry-run, --only-failed, --since


FAILING = "сбой.pdf"


def test_dry_run_says_what_would_run_and_why_and_only_failed_reruns_failures(
    tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = tmp_path / "archive"
    make_dossier(archive, 1)
    make_dossier(archive, 2)
    make_dossier(archive, 3, extra={FAILING: dossier_documents("3")["akt_7.pdf"]})
    real = pipeline.process_document

    def flaky(source: SourceFile, settings: Settings) -> DocumentOutcome:
        if source.name == FAILING:
            return pipeline.rejected_outcome(
                source.name, "read_failed", "Документ не удалось прочитать: сбой."
            )
        return real(source, settings)

    monkeypatch.setattr(pipeline, "process_document", flaky)
    first = run_batch([archive], settings, BatchOptions())
    assert by_id(first)["dossier_03"].status == Outcome.FAILED
    assert FAILING in by_id(first)["dossier_03"].reason
    monkeypatch.setattr(pipeline, "process_document", real)  # the bug is fixed

    (archive / "dossier_02" / "akt_7.pdf").write_bytes(dossier_documents("changed")["akt_7.pdf"])
    make_dossier(archive, 4)
    journal = settings.data_dir / "batch" / "journal.sqlite3"
    before = journal.read_bytes()

    counter = Counter()

    def counting(source: SourceFile, settings: Settings) -> DocumentOutcome:
        counter.names.append(source.name)
        return real(source, settings)

    monkeypatch.setattr(pipeline, "process_document", counting)
    plan = run_batch([archive], settings, BatchOptions(dry_run=True))
    assert statuses(plan) == {
        "dossier_01": (Outcome.SKIPPED, Reason.UNCHANGED),
        "dossier_02": (Outcome.WOULD_RUN, Reason.INPUT_CHANGED),
        "dossier_03": (Outcome.WOULD_RUN, Reason.FAILED_BEFORE),
        "dossier_04": (Outcome.WOULD_RUN, Reason.NEW),
    }
    assert "сбой" in by_id(plan)["dossier_03"].reason
    assert counter.count == 0 and journal.read_bytes() == before, "a dry run changes nothing"

    retried = run_batch([archive], settings, BatchOptions(only_failed=True))
    assert statuses(retried) == {
        "dossier_01": (Outcome.SKIPPED, Reason.NOT_FAILED),
        "dossier_02": (Outcome.SKIPPED, Reason.NOT_FAILED),
        "dossier_03": (Outcome.DONE, Reason.FAILED_BEFORE),
        "dossier_04": (Outcome.SKIPPED, Reason.NOT_FAILED),
    }
    assert sorted(set(counter.names)) == sorted([*dossier_documents("3"), FAILING])

    rest = run_batch([archive], settings, BatchOptions())
    assert {k: v[0] for k, v in statuses(rest).items()} == {
        "dossier_01": Outcome.SKIPPED,
        "dossier_02": Outcome.DONE,
        "dossier_03": Outcome.SKIPPED,
        "dossier_04": Outcome.DONE,
    }


def test_since_limits_the_batch_to_applications_from_that_date(
    tmp_path: Path, settings: Settings, processed: Counter
) -> None:
    import datetime as dt

    archive = tmp_path / "archive"
    make_dossier(archive, 1, date="2023-01-10")
    make_dossier(archive, 2, date="2024-05-17")
    summary = run_batch([archive], settings, BatchOptions(since=dt.date(2024, 1, 1)))
    assert statuses(summary) == {
        "dossier_01": (Outcome.SKIPPED, Reason.BEFORE_SINCE),
        "dossier_02": (Outcome.DONE, Reason.NEW),
    }
    assert "10.01.2023" in by_id(summary)["dossier_01"].reason
    assert processed.count == DOCUMENTS_PER_DOSSIER


# --------------------------------------------------------------------------- archives, manifests, hostile input


def _dossier_members(prefix: str, index: int) -> dict[str, bytes]:
    documents = dossier_documents(variant=str(index))
    application = {**APPLICATION, "dossier_id": f"zip_{index:02d}", "files": list(documents)}
    members = {f"{prefix}application.json": json.dumps(application, ensure_ascii=False).encode()}
    members.update({f"{prefix}{name}": data for name, data in documents.items()})
    return members


def _write_zip(path: Path, members: list[tuple[zipfile.ZipInfo | str, bytes]]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in members:
            archive.writestr(info, data)
    return path


def _symlink(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info


def test_a_hostile_archive_refuses_the_bad_dossiers_and_reads_the_rest(
    tmp_path: Path, settings: Settings
) -> None:
    members: list[tuple[zipfile.ZipInfo | str, bytes]] = []
    members += list(_dossier_members("good/", 1).items())
    members += list(_dossier_members("escape/", 2).items()) + [("escape/../../evil.pdf", b"%PDF-1.4 evil")]
    members += list(_dossier_members("linked/", 3).items()) + [
        (_symlink("linked/passwd.pdf"), b"/etc/passwd")
    ]
    members += list(_dossier_members("bomb/", 4).items()) + [("bomb/zeros.pdf", bytes(4 * 1024 * 1024))]
    members += [("/etc/cron.d/evil", b"* * * * * root true")]
    members += [("inner/zip_05.zip", zip_bytes(_dossier_members("zip_05/", 5)))]
    archive = _write_zip(tmp_path / "hostile.zip", members)

    out = tmp_path / "out"
    summary = run_batch([archive], settings, BatchOptions(out_dir=out))
    rows = {row.source.split("!", 1)[1]: row for row in summary.rows}
    assert rows["good/"].status == Outcome.DONE
    assert rows["inner/zip_05.zip"].status == Outcome.DONE, "a dossier ZIP nested one level is read"
    refused = {key: row.reason for key, row in rows.items() if row.status == Outcome.REFUSED}
    assert set(refused) == {"escape/", "linked/", "bomb/", "/etc/cron.d/evil"}
    assert "выводит за пределы архива" in refused["escape/"]
    assert "символическая ссылка" in refused["linked/"]
    assert "сжат" in refused["bomb/"] and "архивные бомбы" in refused["bomb/"]
    assert "абсолютным путём" in refused["/etc/cron.d/evil"]
    assert sorted(p.name for p in out.iterdir()) == ["zip_01.json", "zip_05.json"]
    assert not (tmp_path / "evil.pdf").exists() and not (tmp_path.parent / "evil.pdf").exists()


def test_archive_wide_caps_refuse_the_whole_archive_before_reading(
    tmp_path: Path, settings: Settings
) -> None:
    members = list(_dossier_members("a/", 1).items()) + list(_dossier_members("b/", 2).items())
    archive = _write_zip(tmp_path / "big.zip", members)  # type: ignore[arg-type]
    capped = settings.model_copy(
        update={"batch": settings.batch.model_copy(update={"max_archive_members": len(members) - 1})}
    )
    summary = run_batch([archive], capped, BatchOptions())
    assert [(row.status, row.dossier_id) for row in summary.rows] == [(Outcome.REFUSED, "big.zip")]
    assert "Разделите архив на части" in summary.rows[0].reason


def test_nesting_inside_a_nested_dossier_zip_is_limited(tmp_path: Path, settings: Settings) -> None:
    # archive.zip → deep.zip → docs.zip → more.zip → dogovor.pdf: the batch archive is a level too.
    documents = dossier_documents(variant="7")
    innermost = zip_bytes({"more.zip": zip_bytes({"dogovor.pdf": documents["dogovor.pdf"]})})

    def dossier_zip(dossier_id: str) -> bytes:
        application = {**APPLICATION, "dossier_id": dossier_id, "files": ["pp_1284.pdf", "docs.zip"]}
        return zip_bytes(
            {
                "application.json": json.dumps(application, ensure_ascii=False).encode(),
                "pp_1284.pdf": documents["pp_1284.pdf"],
                "docs.zip": innermost,
            }
        )

    dossier = dossier_zip("deep")
    archive = _write_zip(tmp_path / "archive.zip", [("deep.zip", dossier), ("second.zip", dossier_zip("second"))])
    nested = run_batch([archive], settings, BatchOptions(out_dir=tmp_path / "nested"))
    assert [row.status for row in nested.rows] == [Outcome.DONE, Outcome.DONE]
    (tmp_path / "deep.zip").write_bytes(dossier)
    alone = run_batch([tmp_path / "deep.zip"], settings, BatchOptions(out_dir=tmp_path / "alone"))
    assert [row.status for row in alone.rows] == [Outcome.DONE]

    def codes(out: Path) -> dict[str, str | None]:
        result = json.loads((out / "deep.json").read_text())
        return {doc["file"]: doc["unreadable_code"] for doc in result["documents"]}

    assert codes(tmp_path / "nested")["docs.zip"] == "zip_nested_too_deep"
    assert codes(tmp_path / "alone")["docs.zip/more.zip/dogovor.pdf"] is None, "one level higher it is read"


def test_a_csv_manifest_lists_dossiers_and_a_missing_one_is_reported(
    tmp_path: Path, settings: Settings
) -> None:
    archive = make_archive(tmp_path / "archive", 2)
    manifest = tmp_path / "manifest.csv"
    manifest.write_text(
        "dossier_dir;note\narchive/dossier_01;x\n" + f"{archive / 'dossier_02'};y\narchive/нет_такого;z\n",
        encoding="utf-8",
    )
    summary = run_batch([manifest], settings, BatchOptions())
    assert [row.status for row in summary.rows] == [Outcome.DONE, Outcome.DONE, Outcome.REFUSED]
    assert "Строка 4" in summary.rows[2].reason and "не найдено" in summary.rows[2].reason


def test_a_second_dossier_with_the_same_dossier_id_is_refused_not_overwriting_the_first(
    tmp_path: Path, settings: Settings
) -> None:
    # A re-submission copied into the same archive: both folders say dossier_id "dossier_01". Results
    # are keyed by dossier_id, so checking both would leave one --out file for two dossiers.
    archive = make_archive(tmp_path / "archive", 1)
    copy = archive / "dossier_01_resubmitted"
    shutil.copytree(archive / "dossier_01", copy)
    out = tmp_path / "out"
    for _ in range(2):  # a rerun refuses it again (refusals are re-examined) and skips the first
        summary = run_batch([archive], settings, BatchOptions(out_dir=out))
        rows = {Path(row.source).name: row for row in summary.rows}
        assert rows["dossier_01"].status in (Outcome.DONE, Outcome.SKIPPED)
        refused = rows["dossier_01_resubmitted"]
        assert refused.status == Outcome.REFUSED
        assert "dossier_01" in refused.reason and "уже встречался" in refused.reason
    assert sorted(p.name for p in out.iterdir()) == ["dossier_01.json"]


def test_inputs_that_are_not_dossiers_are_refused_rows_not_crashes(
    tmp_path: Path, settings: Settings
) -> None:
    archive = make_archive(tmp_path / "archive", 1)
    (archive / "broken").mkdir()
    (archive / "broken" / "application.json").write_text("{not json", encoding="utf-8")
    (archive / "link").symlink_to(archive / "dossier_01")
    os.mkfifo(archive / "dossier_01" / "pipe.pdf")  # reading it would block for ever
    (archive / "corrupt.zip").write_bytes(b"PK\x03\x04 this is not really a zip")
    text = tmp_path / "notes.txt"
    text.write_text("x")
    summary = run_batch([archive, text, tmp_path / "missing"], settings, BatchOptions())
    rows = {Path(row.source.split("!")[0]).name: row for row in summary.rows}
    assert rows["dossier_01"].status == Outcome.DONE
    assert rows["dossier_01"].documents == DOCUMENTS_PER_DOSSIER + 1, "the pipe is listed, as unreadable"
    assert rows["broken"].status == Outcome.REFUSED and "application.json" in rows["broken"].reason
    assert rows["link"].status == Outcome.REFUSED and "символическая ссылка" in rows["link"].reason
    assert rows["corrupt.zip"].status == Outcome.REFUSED
    assert rows["notes.txt"].status == Outcome.REFUSED and "CSV" in rows["notes.txt"].reason
    assert rows["missing"].status == Outcome.REFUSED and "Не найдено" in rows["missing"].reason


# --------------------------------------------------------------------------- processes, reports, CLI


def test_a_crashed_worker_process_fails_only_its_dossiers_and_they_can_be_retried(
    tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = make_archive(tmp_path / "archive", 3)
    make_dossier(archive, 4, extra={"crash.pdf": dossier_documents("4")["akt_7.pdf"]})
    real = pipeline.process_document

    def crashing(source: SourceFile, settings: Settings) -> DocumentOutcome:
        if source.name == "crash.pdf":
            os._exit(1)  # the worker process dies (OOM killer, segfault in a native library)
        return real(source, settings)

    monkeypatch.setattr(pipeline, "process_document", crashing)  # inherited by the forked workers
    first = run_batch([archive], settings, BatchOptions(jobs=2))
    rows = by_id(first)
    assert rows["dossier_04"].status == Outcome.FAILED and "аварийно" in rows["dossier_04"].reason
    assert all(row.status in (Outcome.DONE, Outcome.FAILED) for row in first.rows)
    assert len(first.rows) == 4, "the batch went on after the crash"

    monkeypatch.setattr(pipeline, "process_document", real)
    retried = run_batch([archive], settings, BatchOptions(jobs=2, only_failed=True))
    assert {row.dossier_id for row in retried.rows if row.status == Outcome.DONE} == {
        row.dossier_id for row in first.rows if row.status == Outcome.FAILED
    }
    final = run_batch([archive], settings, BatchOptions(jobs=2))
    assert {row.status for row in final.rows} == {Outcome.SKIPPED}


def test_reports_in_csv_and_json(tmp_path: Path, settings: Settings) -> None:
    archive = make_archive(tmp_path / "archive", 2)
    (archive / "empty").mkdir()
    (archive / "empty" / "application.json").write_text("{}", encoding="utf-8")
    summary = run_batch([archive], settings, BatchOptions())
    write_report(tmp_path / "report.csv", summary)
    write_report(tmp_path / "report.json", summary)

    rows = list(csv.DictReader(io.StringIO((tmp_path / "report.csv").read_text(encoding="utf-8-sig"))))
    assert [row["status"] for row in rows] == ["done", "done", "refused"]
    for column in ("dossier_id", "status", "errors", "warnings", "reimbursement_kzt", "seconds", "reason"):
        assert column in rows[0]
    assert float(rows[0]["reimbursement_kzt"]) > 0 and float(rows[0]["seconds"]) > 0
    assert "нет обязательного поля" in rows[2]["reason"]

    payload = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert payload["summary"]["done"] == 2 and payload["summary"]["refused"] == 1
    assert [row["dossier_id"] for row in payload["dossiers"]][:2] == ["dossier_01", "dossier_02"]


def test_the_command_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from docproc.cli import app
    from foundation.settings import get_settings

    archive = make_archive(tmp_path / "archive", 2)
    monkeypatch.setenv("DOCPROC_DATA_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    runner = CliRunner()
    try:
        report = tmp_path / "report.csv"
        first = runner.invoke(app, ["batch", str(archive), "-j", "2", "--report", str(report)])
        assert first.exit_code == 0, first.output
        assert "Итог пакетной обработки" in first.output and report.is_file()

        (archive / "dossier_01" / "akt_7.pdf").write_bytes(b"")  # now an unreadable (empty) document
        plan = runner.invoke(app, ["batch", str(archive), "--dry-run"])
        assert plan.exit_code == 0, plan.output
        assert "изменились файлы досье" in plan.output

        wrong = runner.invoke(app, ["batch", str(archive), "--report", str(tmp_path / "report.txt")])
        assert wrong.exit_code == 2
        refused = runner.invoke(app, ["batch", str(tmp_path / "nowhere"), "-q"])
        assert refused.exit_code == 1
    finally:
        get_settings.cache_clear()


# --------------------------------------------------------------------------- --queue


@needs_services
def test_queue_mode_hands_the_dossiers_to_the_service_workers(
    tmp_path: Path, service_env: ServiceEnv
) -> None:
    from casework import connections
    from casework.queues import queues
    from models import repository as repo

    archive = make_archive(tmp_path / "archive", 2)
    settings = service_env.settings
    options = BatchOptions(mode=Mode.QUEUE, journal_path=tmp_path / "journal.sqlite3")
    summary = run_batch([archive], settings, options)
    assert statuses(summary) == {f"dossier_0{i}": (Outcome.QUEUED, Reason.NEW) for i in (1, 2)}
    assert all(row.documents == DOCUMENTS_PER_DOSSIER for row in summary.rows)

    run_worker_in_process(service_env)
    with connections.sessions(settings)() as session:
        for dossier_id in ("dossier_01", "dossier_02"):
            app = repo.find_application(session, dossier_id, APPLICATION["applicant"]["bin"])  # type: ignore[index]
            assert app is not None and app.status == "done", dossier_id

    again = run_batch([archive], settings, options)
    assert {row.status for row in again.rows} == {Outcome.SKIPPED}
    assert all(queue.count == 0 for queue in queues(settings, service_env.redis).values())


def test_queue_mode_needs_the_service_database(tmp_path: Path, settings: Settings) -> None:
    from docproc.batch.model import BatchError

    with pytest.raises(BatchError, match="DATABASE_URL"):
        run_batch([tmp_path], settings, BatchOptions(mode=Mode.QUEUE))
