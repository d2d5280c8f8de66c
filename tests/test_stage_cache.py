"""Stage caches in ``process_document``: text and extraction reused by content and stage version.

A scanned fixture document (its OCR replays from the committed cache, copied to a temporary folder)
and a text PDF; the OCR engine and the reader are replaced by tripwires to prove what is not re-run.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from docproc.pipeline import process_document
from docproc.stage_cache import StageCache
from foundation import versions
from foundation.file_store import FileStore, ModelStore
from foundation.settings import Settings
from foundation.versions import stage_fingerprints
from ingest.dossier import ingest_bytes
from models.domain import BBox, DocumentText, FileKind, PageText, SourceFile, TextSource, Word
from ocr.engine import reader_detail

ROOT = Path(__file__).resolve().parents[1]
SCAN = ROOT / "tests" / "fixtures" / "dossiers" / "defects_kk" / "scan_0005.pdf"
TEXT_PDF = ROOT / "tests" / "fixtures" / "dossiers" / "defects_kk" / "doc01.pdf"
REPLAY_CACHE = ROOT / "tests" / "fixtures" / "ocr_cache"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    cache = tmp_path / "ocr_cache"
    if REPLAY_CACHE.is_dir():
        shutil.copytree(REPLAY_CACHE, cache)
    return Settings(data_dir=tmp_path / "var", ocr_cache_dir=cache)


class Calls:
    def __init__(self) -> None:
        self.count = 0


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> Calls:
    """Counts ``read_document`` calls (the reader: text layer or OCR)."""
    import ocr.reader

    calls = Calls()
    real = ocr.reader.read_document

    def counting(*args: object, **kwargs: object) -> DocumentText:
        calls.count += 1
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ocr.reader, "read_document", counting)
    return calls


@pytest.fixture
def extractions(monkeypatch: pytest.MonkeyPatch) -> Calls:
    import extractors

    calls = Calls()
    real = extractors.extract_document

    def counting(text: DocumentText) -> object:
        calls.count += 1
        return real(text)

    monkeypatch.setattr(extractors, "extract_document", counting)
    return calls


def _source(path: Path, name: str | None = None) -> SourceFile:
    return ingest_bytes(name or path.name, path.read_bytes(), Settings().limits)


def _forbid_ocr(monkeypatch: pytest.MonkeyPatch) -> None:
    from ocr.engine import TesseractEngine

    def tripwire(*args: object, **kwargs: object) -> None:
        raise AssertionError("the OCR engine must not run")

    monkeypatch.setattr(TesseractEngine, "recognize", tripwire)
    monkeypatch.setattr(TesseractEngine, "detect_orientation", tripwire)


def test_a_document_read_before_is_not_read_again(
    settings: Settings, reads: Calls, extractions: Calls
) -> None:
    first = process_document(_source(TEXT_PDF), settings)
    second = process_document(_source(TEXT_PDF), settings)
    assert (reads.count, extractions.count) == (1, 1)
    assert first.extraction == second.extraction and first.text == second.text
    assert first.text_digest and first.text_digest == second.text_digest


def test_the_same_content_under_another_name_reuses_the_text_not_the_extraction(
    settings: Settings, reads: Calls, extractions: Calls
) -> None:
    process_document(_source(TEXT_PDF), settings)
    renamed = process_document(_source(TEXT_PDF, "другое_имя.pdf"), settings)
    assert reads.count == 1, "the text is the same reading of the same bytes"
    assert extractions.count == 2, "the extractors see the file name: extracted again"
    assert renamed.extraction.file == "другое_имя.pdf" and renamed.text is not None
    assert renamed.text.file == "другое_имя.pdf"


def test_an_extractor_upgrade_re_extracts_from_the_cached_text_without_ocr(
    settings: Settings, reads: Calls, extractions: Calls, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = process_document(_source(SCAN), settings)
    assert before.text is not None and any(p.source == TextSource.OCR for p in before.text.pages)
    assert (reads.count, extractions.count) == (1, 1)

    monkeypatch.setattr(versions, "EXTRACTOR_VERSION", versions.EXTRACTOR_VERSION + 1)
    _forbid_ocr(monkeypatch)
    after = process_document(_source(SCAN), settings)
    assert reads.count == 1, "no re-reading, no re-OCR"
    assert extractions.count == 2, "extracted again by the new extractor version"
    assert after.extraction == before.extraction


def test_a_reader_upgrade_reads_again(
    settings: Settings, reads: Calls, monkeypatch: pytest.MonkeyPatch
) -> None:
    process_document(_source(TEXT_PDF), settings)
    monkeypatch.setattr(versions, "READER_VERSION", versions.READER_VERSION + 1)
    process_document(_source(TEXT_PDF), settings)
    assert reads.count == 2


def test_switched_off_the_stage_cache_reads_every_time(settings: Settings, reads: Calls) -> None:
    off = settings.model_copy(update={"stage_cache": False})
    process_document(_source(TEXT_PDF), off)
    process_document(_source(TEXT_PDF), off)
    assert reads.count == 2
    assert not settings.stage_cache_dir.exists()


def test_failures_are_not_cached(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    import ocr.reader

    real = ocr.reader.read_document
    monkeypatch.setattr(ocr.reader, "read_document", lambda *a, **k: 1 / 0)  # a bug in the reader
    failed = process_document(_source(TEXT_PDF), settings)
    assert failed.extraction.unreadable_code == "read_failed"
    monkeypatch.setattr(ocr.reader, "read_document", real)
    fixed = process_document(_source(TEXT_PDF), settings)
    assert fixed.extraction.unreadable_code is None and fixed.extraction.doc_type != "unknown"


def test_a_text_with_an_empty_ocr_page_is_not_cached(settings: Settings) -> None:
    word = Word(text="Итого", bbox=BBox(x0=1, y0=2, x1=3, y1=4), confidence=0.9)
    good = PageText(page_no=1, width=10, height=10, unit="px", source=TextSource.OCR, words=[word])
    empty = PageText(page_no=2, width=10, height=10, unit="px", source=TextSource.OCR, mean_confidence=0.0)
    cache = StageCache(settings, stage_fingerprints(reader_detail(settings)))
    for pages, stored in (([good], True), ([good, empty], False)):
        sha = f"{len(pages):064d}"
        cache.put_text(DocumentText(file="a.pdf", kind=FileKind.PDF, sha256=sha, pages=pages))
        assert (cache.get_text(sha, "a.pdf") is not None) is stored


def test_a_corrupt_entry_is_a_miss_and_is_replaced(settings: Settings, reads: Calls) -> None:
    process_document(_source(TEXT_PDF), settings)
    for entry in (settings.stage_cache_dir / "text").rglob("*.json"):
        entry.write_text("{not json")
    again = process_document(_source(TEXT_PDF), settings)
    assert reads.count == 2 and again.extraction.unreadable_code is None
    process_document(_source(TEXT_PDF), settings)
    assert reads.count == 2, "the corrupt entry was rewritten"


def test_file_store_writes_atomically_and_survives_an_unwritable_root(tmp_path: Path) -> None:
    store = FileStore(tmp_path / "store", ".bin")
    assert store.put_bytes("ab" * 32, b"payload") and store.get_bytes("ab" * 32) == b"payload"
    assert not list((tmp_path / "store").rglob(".tmp-*"))
    blocker = tmp_path / "file"
    blocker.write_text("x")
    models = ModelStore(blocker, DocumentText)
    assert models.put("cd" * 32, DocumentText(file="a", kind=FileKind.PDF, sha256="0" * 64)) is False
    assert models.get("cd" * 32) is None


# --------------------------------------------------------------------------- the dossier check


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> Calls:
    """Counts ``check_documents`` calls (the validators run)."""
    from docproc import pipeline

    calls = Calls()
    real = pipeline.check_documents

    def counting(*args: object, **kwargs: object) -> object:
        calls.count += 1
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline, "check_documents", counting)
    return calls


def _application() -> object:
    from models.domain import Application

    return Application.model_validate_json((TEXT_PDF.parent / "application.json").read_text(encoding="utf-8"))


def test_the_dossier_check_is_cached_by_its_inputs_and_history(settings: Settings, checks: Calls) -> None:
    from docproc.pipeline import check_documents_cached
    from models.domain import PriorReimbursement

    application = _application()
    outcomes = [process_document(_source(TEXT_PDF), settings)]
    first = check_documents_cached(application, outcomes, settings)  # type: ignore[arg-type]
    again = check_documents_cached(application, [process_document(_source(TEXT_PDF), settings)], settings)  # type: ignore[arg-type]
    assert checks.count == 1 and again == first
    history = [
        PriorReimbursement(
            dossier_id="earlier", application_date="2024-01-10", measure="service_costs", reimbursement_kzt=1.0
        )
    ]
    check_documents_cached(application, outcomes, settings, history)  # type: ignore[arg-type]
    assert checks.count == 2  # another history is another check
    check_documents_cached(application, outcomes, settings, (), frozenset({"a-dismissed-finding"}))  # type: ignore[arg-type]
    assert checks.count == 3  # a reviewer's dismissal may bring a payment back: another check
    check_documents_cached(application, outcomes, settings, (), frozenset())  # type: ignore[arg-type]
    assert checks.count == 3  # no dismissal: the first check's key
    off = settings.model_copy(update={"stage_cache": False})
    check_documents_cached(application, outcomes, off)  # type: ignore[arg-type]
    assert checks.count == 4


def test_a_dossier_with_a_failure_of_ours_is_checked_every_time(settings: Settings, checks: Calls) -> None:
    from docproc.pipeline import check_documents_cached, rejected_outcome

    outcomes = [rejected_outcome("doc01.pdf", "worker_crashed", "Обработка документа прервалась.")]
    for _ in range(2):
        check_documents_cached(_application(), outcomes, settings)  # type: ignore[arg-type]
    assert checks.count == 2


def test_the_service_key_of_a_reading_is_made_of_the_reader_and_extractor_fingerprints(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import ocr.engine
    from casework.queues import pipeline_key

    settings = Settings()
    key = pipeline_key(settings)
    monkeypatch.setattr(versions, "VALIDATOR_VERSION", versions.VALIDATOR_VERSION + 1)
    assert pipeline_key(settings) == key  # a validator upgrade reads nothing again
    monkeypatch.setattr(ocr.engine, "_tesseract_version", lambda: "99.0.0")
    assert pipeline_key(settings) != key  # a new tesseract reads differently
    monkeypatch.undo()
    monkeypatch.setattr(versions, "EXTRACTOR_VERSION", versions.EXTRACTOR_VERSION + 1)
    assert pipeline_key(settings) != key
