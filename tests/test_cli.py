"""The ``docproc`` command end to end: check, extract, eval — on the project's own fixtures.

OCR results of the fixture scans replay from the committed cache (tests/fixtures/ocr_cache),
copied to a temporary folder so a run never writes into the repository; a missing entry is
simply computed (slower, same result).
"""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from docproc.cli import app
from foundation.settings import get_settings

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "demo" / "dossier_demo"
FIXTURE_DOSSIERS = ROOT / "tests" / "fixtures" / "dossiers"
BAD = ROOT / "tests" / "fixtures" / "bad"
REPLAY_CACHE = ROOT / "tests" / "fixtures" / "ocr_cache"

GOLDEN_MIN_FIELD_F1 = 0.94
GOLDEN_MIN_FINDING_F1 = 0.90

runner = CliRunner()


@pytest.fixture(name="env")
def env_fixture(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path / "ocr_cache"
    if REPLAY_CACHE.is_dir():
        shutil.copytree(REPLAY_CACHE, cache)
    monkeypatch.setenv("DOCPROC_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("DOCPROC_OCR_CACHE_DIR", str(cache))
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def _expected(dossier: Path) -> dict:
    return json.loads((dossier / "expected.json").read_text(encoding="utf-8"))


def _finding_keys(result: dict) -> set[tuple]:
    from docproc.scoring import finding_key

    return {finding_key(f) for f in result["findings"]}


def test_check_demo_shows_the_defects_it_is_built_to_show(env: Path) -> None:
    out = env / "demo.json"
    res = runner.invoke(app, ["check", str(DEMO), "--json", str(out), "--format", "expected", "--jobs", "2"])
    assert res.exit_code == 0, res.output
    # The terminal report: documents, checklist, findings, reimbursement.
    for heading in ("Документы", "Комплектность", "Замечания", "Возмещение Q"):
        assert heading in res.output
    result = json.loads(out.read_text(encoding="utf-8"))
    expected = _expected(DEMO)
    assert set(result["documents"]) == set(expected["documents"])
    assert _finding_keys(result) == _finding_keys(expected)
    for key in ("eligible_costs_kzt", "reimbursement_kzt", "counter_obligation_kzt"):
        assert result["computed"][key] == pytest.approx(expected["computed"][key], abs=0.01)
    # Recorded in the embedded database and blob store.
    assert (env / "var" / "docproc.sqlite3").is_file()
    assert any((env / "var" / "blobs").rglob("*"))


def test_full_json_carries_provenance_and_evidence(env: Path) -> None:
    out = env / "full.json"
    res = runner.invoke(app, ["check", str(FIXTURE_DOSSIERS / "clean_ru"), "--json", str(out), "-j", "1", "-q"])
    assert res.exit_code == 0, res.output
    full = json.loads(out.read_text(encoding="utf-8"))
    contract = next(d for d in full["documents"] if d["doc_type"] == "contract")
    total = contract["amounts"]["total"]
    assert total["raw"] and 0 < total["confidence"] <= 1
    assert total["provenance"]["page"] >= 1 and total["provenance"]["bbox"]["x1"] > total["provenance"]["bbox"]["x0"]
    assert {item["doc_type"] for item in full["checklist"]} >= {"contract", "payment_order", "invoice"}


def test_bad_documents_become_findings_and_the_rest_is_still_checked(env: Path) -> None:
    dossier = env / "dossier"
    shutil.copytree(FIXTURE_DOSSIERS / "clean_ru", dossier)
    (dossier / "expected.json").unlink()
    bad = ["empty.pdf", "encrypted.pdf", "truncated.pdf", "random_bytes.pdf", "zip_traversal.zip", "zip_bomb.zip"]
    for name in bad:
        shutil.copy(BAD / name, dossier / name)
    out = env / "full.json"
    res = runner.invoke(app, ["check", str(dossier), "--json", str(out), "-j", "1"])
    assert res.exit_code == 0, res.output
    full = json.loads(out.read_text(encoding="utf-8"))
    by_file = {d["file"]: d for d in full["documents"]}
    unreadable = {f["file"]: f for f in full["findings"] if f["code"] == "UNREADABLE_DOCUMENT"}
    for name in bad:
        assert name in by_file, f"{name} was dropped"
        assert by_file[name]["unreadable_reason"], name
        assert name in unreadable and unreadable[name]["severity"] == "error"
    # The good documents were still read and checked.
    readable = [d for d in full["documents"] if not d["unreadable_reason"]]
    assert len(readable) == 8 and all(d["doc_type"] != "unknown" for d in readable)
    assert full["computed"]["eligible_costs_kzt"] > 0


def test_a_zipped_dossier_is_checked_like_the_folder(env: Path) -> None:
    src = FIXTURE_DOSSIERS / "clean_ru"
    archive = env / "clean_ru.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for p in sorted(src.iterdir()):
            zf.write(p, f"clean_ru/{p.name}")
    outs = []
    for path in (src, archive):
        out = env / f"{path.name}.json"
        res = runner.invoke(app, ["check", str(path), "--json", str(out), "--format", "expected", "-j", "1", "-q"])
        assert res.exit_code == 0, res.output
        outs.append(json.loads(out.read_text(encoding="utf-8")))
    assert outs[0] == outs[1]


def test_refused_inputs_exit_2_with_a_reason(env: Path) -> None:
    res = runner.invoke(app, ["check", str(env / "nope")])
    assert res.exit_code == 2
    res = runner.invoke(app, ["check", str(BAD / "zip_traversal.zip")])
    assert res.exit_code == 2 and "не принято" in res.output


def test_extract_one_document(env: Path) -> None:
    out = env / "one.json"
    res = runner.invoke(app, ["extract", str(FIXTURE_DOSSIERS / "clean_ru" / "pp_2865.pdf"), "--json", str(out)])
    assert res.exit_code == 0, res.output
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["doc_type"] == "payment_order" and doc["number"] == "2865"
    assert doc["extraction"]["number"]["provenance"]["page"] == 1
    res = runner.invoke(app, ["extract", str(BAD / "encrypted.pdf")])
    assert res.exit_code == 1 and "парол" in res.output.lower()


def test_eval_writes_expected_shape_and_scores_ground_truth(env: Path) -> None:
    out = env / "eval"
    res = runner.invoke(app, ["eval", str(FIXTURE_DOSSIERS), "--out", str(out), "-j", "2"])
    assert res.exit_code == 0, res.output
    names = {p.name for p in FIXTURE_DOSSIERS.iterdir() if (p / "application.json").is_file()}
    ids = {_expected(FIXTURE_DOSSIERS / n)["dossier_id"] for n in names}
    assert {p.stem for p in out.glob("*.json") if p.name != "misses.json"} == ids
    last = (out / "score.txt").read_text(encoding="utf-8").strip().splitlines()[-1]
    scores = dict(item.split("=") for item in last.split())
    # Golden floor on the project's own dossiers (layouts unlike the development corpus):
    # measured 0.958 / 0.941 when this floor was set; a drop below means a regression.
    assert float(scores["overall_field_f1"]) >= GOLDEN_MIN_FIELD_F1
    assert float(scores["finding_f1"]) >= GOLDEN_MIN_FINDING_F1
    json.loads((out / "misses.json").read_text(encoding="utf-8"))
