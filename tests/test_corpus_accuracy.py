"""Acceptance on the development corpus (../shared/corpus/dev): the issue's floor, not a tuning target.

Skips cleanly where ../shared is absent (a user's machine). Runs the whole pipeline, OCR included
(about 3-5 minutes on 2 cores with a cold OCR cache).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from docproc.evaluation import run_corpus
from foundation.settings import Settings

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "dev"
MIN_FIELD_F1 = 0.90
MIN_FINDING_F1 = 0.85

pytestmark = [
    pytest.mark.slow,
    pytest.mark.corpus,
    pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus/dev is not on this machine"),
]


# The whole dev corpus (~2 CPU-minutes): far beyond the suite's default per-test timeout.
@pytest.mark.timeout(1200)
def test_dev_corpus_meets_the_floor(tmp_path: Path) -> None:
    dossiers = sorted(p for p in CORPUS.iterdir() if (p / "application.json").is_file())
    settings = Settings(data_dir=tmp_path / "var", ocr_cache_dir=Path("var") / "cache" / "ocr")
    written, score = run_corpus(dossiers, tmp_path / "out", settings, jobs=2)
    assert len(written) == len(dossiers)
    assert score is not None
    print(score.table())
    assert score.field_f1 >= MIN_FIELD_F1
    assert score.finding_f1 >= MIN_FINDING_F1
    assert score.doc_type_accuracy >= 0.97
