"""Loading a dossier folder or ZIP: order, exclusions, nested archives, per-file rejections."""

from __future__ import annotations

import hashlib
import io
import json
import re
import unicodedata
import zipfile
from pathlib import Path
from typing import Any

import pytest
from fpdf import FPDF
from PIL import Image

from foundation.settings import Limits
from ingest.dossier import LoadedDossier, ingest_bytes, load_dossier
from ingest.errors import IngestError
from models.domain import FileKind

SHARED = Path(__file__).resolve().parents[2] / "shared"
CORPUS_DEV = SHARED / "corpus" / "dev"


def make_pdf(text: str) -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text=text)
    return bytes(pdf.output())


def make_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("L", (50, 50), 200).save(buffer, "PNG")
    return buffer.getvalue()


def make_zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def application(files: list[str], **overrides: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "dossier_id": "dossier_9001",
        "applicant": {"name": "ТОО «Тест»", "bin": "111040086517"},
        "measure": "technology",
        "cost_type": "commissioning",
        "application_date": "2024-05-17",
        "claimed_eligible_costs_kzt": 48000000.0,
        "claimed_reimbursement_kzt": 19200000.0,
        "prior_revenue_n_kzt": 5230000000.0,
        "files": files,
    }
    payload.update(overrides)
    return payload


def dossier_files() -> dict[str, bytes]:
    """A dossier with every awkward case: listed, unlisted, missing, junk, nested, bad files."""
    return {
        "application.json": json.dumps(
            application(["dogovor.pdf", "platezhi.zip", "net_takogo.pdf", "zayavka.pdf"]), ensure_ascii=False
        ).encode(),
        "expected.json": b'{"documents": {}}',
        "zayavka.pdf": make_pdf("application"),
        "dogovor.pdf": make_pdf("contract"),
        "platezhi.zip": make_zip({"pp_2.pdf": make_pdf("pp 2"), "pp_1.pdf": make_pdf("pp 1")}),
        "bomb.zip": make_zip({"zeros.bin": bytes(3_000_000)}),
        "scan.png": make_png(),
        "empty.pdf": b"",
        "notes.txt": "примечание".encode(),
        "Акты/akt_1.pdf": make_pdf("act"),
        ".hidden.pdf": make_pdf("hidden"),
        "__MACOSX/._zayavka.pdf": b"fork",
    }


def write_folder(root: Path, files: dict[str, bytes]) -> Path:
    for name, data in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return root


LIMITS = Limits(max_archive_ratio=200.0, archive_ratio_min_bytes=1_000_000)
EXPECTED_ORDER = [
    "dogovor.pdf",
    "platezhi.zip/pp_1.pdf",
    "platezhi.zip/pp_2.pdf",
    "zayavka.pdf",
    "scan.png",
    "Акты/akt_1.pdf",
]


def assert_expected_dossier(dossier: LoadedDossier) -> None:
    assert dossier.application is not None and dossier.application_error is None
    assert [f.name for f in dossier.files] == EXPECTED_ORDER
    rejected = {r.name: r.code for r in dossier.rejected}
    assert rejected == {
        "net_takogo.pdf": "file_missing",
        "bomb.zip": "zip_bomb",
        "empty.pdf": "empty_file",
        "notes.txt": "unsupported_format",
    }
    assert all(re.search("[а-яё]", r.reason, re.IGNORECASE) for r in dossier.rejected)
    kinds = {f.name: f.kind for f in dossier.files}
    assert kinds["scan.png"] == FileKind.PNG and kinds["dogovor.pdf"] == FileKind.PDF


def test_folder_dossier(tmp_path: Path) -> None:
    dossier = load_dossier(write_folder(tmp_path / "dossier_9001", dossier_files()), LIMITS)
    assert dossier.source_name == "dossier_9001"
    assert_expected_dossier(dossier)


def test_zip_dossier_with_a_single_top_folder_and_decomposed_names(tmp_path: Path) -> None:
    files = {f"dossier_9001/{name}": data for name, data in dossier_files().items()}
    # macOS archivers write NFD names; application.json (typed by a person) is NFC.
    files = {unicodedata.normalize("NFD", name): data for name, data in files.items()}
    archive = tmp_path / "upload.zip"
    archive.write_bytes(make_zip(files))
    dossier = load_dossier(archive, LIMITS)
    assert dossier.source_name == "upload"
    assert_expected_dossier(dossier)


def test_invalid_json_keeps_the_documents(tmp_path: Path) -> None:
    files = dossier_files()
    files["application.json"] = b'{"dossier_id": "x", '
    dossier = load_dossier(write_folder(tmp_path / "d", files), LIMITS)
    assert dossier.application is None
    assert dossier.application_error is not None and "JSON" in dossier.application_error
    assert re.search("строка 1", dossier.application_error)
    # Without a file list, documents come sorted by name.
    assert [f.name for f in dossier.files] == sorted(EXPECTED_ORDER)


def test_schema_errors_are_described_in_russian_and_the_file_order_is_kept(tmp_path: Path) -> None:
    files = dossier_files()
    broken = application(["zayavka.pdf"], measure="space_program")
    del broken["applicant"]["bin"]
    files["application.json"] = json.dumps(broken).encode()
    dossier = load_dossier(write_folder(tmp_path / "d", files), LIMITS)
    assert dossier.application is None
    error = dossier.application_error or ""
    assert "applicant.bin" in error and "measure" in error and "нет обязательного поля" in error
    assert dossier.files[0].name == "zayavka.pdf"


def test_missing_application_json(tmp_path: Path) -> None:
    files = dossier_files()
    del files["application.json"]
    dossier = load_dossier(write_folder(tmp_path / "d", files), LIMITS)
    assert dossier.application is None and "application.json" in (dossier.application_error or "")
    assert "file_missing" not in {r.code for r in dossier.rejected}


def test_oversized_file_is_rejected_without_failing_the_dossier(tmp_path: Path) -> None:
    files = {
        "application.json": json.dumps(application([])).encode(),
        "big.pdf": make_pdf("x") + bytes(20_000),
    }
    dossier = load_dossier(write_folder(tmp_path / "d", files), Limits(max_file_bytes=10_000))
    assert [(r.name, r.code) for r in dossier.rejected] == [("big.pdf", "file_too_large")]
    assert dossier.application is not None


def test_paths_that_are_not_dossiers(tmp_path: Path) -> None:
    with pytest.raises(IngestError) as caught:
        load_dossier(tmp_path / "absent", LIMITS)
    assert caught.value.code == "dossier_not_found"
    pdf = tmp_path / "single.pdf"
    pdf.write_bytes(make_pdf("x"))
    with pytest.raises(IngestError) as caught:
        load_dossier(pdf, LIMITS)
    assert caught.value.code == "dossier_not_folder_or_zip"


def test_ingest_bytes() -> None:
    data = make_pdf("hello")
    source = ingest_bytes("doc04.bin", data, LIMITS)
    assert source.kind == FileKind.PDF  # by content, whatever the name says
    assert source.sha256 == hashlib.sha256(data).hexdigest() and source.size == len(data)
    assert "data" not in repr(source)  # bytes never end up in logs
    with pytest.raises(IngestError) as caught:
        ingest_bytes("empty.pdf", b"", LIMITS)
    assert caught.value.code == "empty_file"


@pytest.mark.corpus
@pytest.mark.skipif(not CORPUS_DEV.exists(), reason="shared corpus not available")
def test_corpus_dossiers_load_completely_in_declared_order() -> None:
    for folder in sorted(CORPUS_DEV.iterdir()):
        dossier = load_dossier(folder, Limits())
        assert dossier.application is not None, dossier.application_error
        assert dossier.rejected == []
        assert [f.name for f in dossier.files] == dossier.application.files
        assert "expected.json" not in {f.name for f in dossier.files}
