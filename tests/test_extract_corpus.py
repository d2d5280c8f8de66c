"""Corpus-level check: document type accuracy on the dev corpus's text-layer PDFs (skipped without it)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from extractors import extract_document
from foundation.settings import Settings
from models.domain import FileKind
from ocr.reader import read_document

SHARED = Path(__file__).resolve().parents[2] / "shared"
DEV = SHARED / "corpus" / "dev"


SETTINGS = Settings()


@pytest.mark.slow
@pytest.mark.corpus
@pytest.mark.skipif(not DEV.exists(), reason="needs ../shared/corpus/dev")
def test_doc_type_accuracy_on_text_pdfs() -> None:
    total = correct = 0
    wrong: list[str] = []
    for dossier in sorted(p for p in DEV.iterdir() if (p / "expected.json").exists()):
        expected = json.loads((dossier / "expected.json").read_text(encoding="utf-8"))["documents"]
        for name, exp in expected.items():
            if exp.get("file_format") != "pdf_text":
                continue
            data = (dossier / name).read_bytes()
            text = read_document(name, data, FileKind.PDF, SETTINGS)
            got = extract_document(text).doc_type.value
            total += 1
            correct += int(got == exp["doc_type"])
            if got != exp["doc_type"]:
                wrong.append(f"{dossier.name}/{name}: {got} != {exp['doc_type']}")
    assert total > 100
    assert correct / total >= 0.95, wrong
