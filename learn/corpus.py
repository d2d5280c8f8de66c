"""Labelled documents of a family: every file of every dossier read by the pipeline, with its ground truth.

Reading goes through ``docproc.pipeline.process_documents`` (limits, text layer or OCR, the OCR and stage caches), so a
model learns from exactly the text the product sees; a second load of the same family costs no OCR.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docproc.document_outcome import DocumentOutcome
from docproc.pipeline import process_documents
from foundation.settings import Settings
from ingest.dossier import load_dossier
from models.domain import DocumentText

GROUND_TRUTH_FILE = "expected.json"
# Unreadable codes that mean the pipeline itself failed (not a bad document).
INTERNAL_FAILURES = frozenset({"read_failed", "extract_failed", "worker_crashed"})


@dataclass
class LabelledDocument:
    family: str
    dossier: str
    file: str
    text: DocumentText
    truth: dict[str, Any]  # the document's entry in expected.json
    outcome: DocumentOutcome


@dataclass
class LabelledDossier:
    family: str
    dossier: str
    path: Path
    expected: dict[str, Any]
    documents: list[LabelledDocument]


def dossier_dirs(root: Path) -> list[Path]:
    """Dossier folders under ``root`` that carry ground truth, in name order."""
    return sorted(p.parent for p in root.glob(f"*/{GROUND_TRUTH_FILE}"))


def load_family(name: str, root: Path, settings: Settings, jobs: int = 1) -> list[LabelledDossier]:
    """Read every dossier of a family. Documents the pipeline could not read are left out (no text to learn from)."""
    dirs = dossier_dirs(root)
    loaded = [load_dossier(d, settings.limits) for d in dirs]
    sources = [(i, s) for i, ld in enumerate(loaded) for s in ld.files]
    outcomes = process_documents([s for _, s in sources], settings, jobs)
    dossiers: list[LabelledDossier] = []
    for i, d in enumerate(dirs):
        expected = json.loads((d / GROUND_TRUTH_FILE).read_text(encoding="utf-8"))
        dossiers.append(LabelledDossier(name, d.name, d, expected, []))
    failed = [o.extraction for o in outcomes if o.extraction.unreadable_code in INTERNAL_FAILURES]
    if failed:
        # A reader or extractor crash is ours, not the document's: learning without those documents would hide it.
        raise RuntimeError(f"{len(failed)} documents of {name} failed inside the pipeline, e.g. {failed[0].file}: "
                           f"{failed[0].unreadable_reason}")
    for (i, source), outcome in zip(sources, outcomes):
        truth = dossiers[i].expected.get("documents", {}).get(source.name)
        if truth is None or outcome.text is None:
            continue
        dossiers[i].documents.append(
            LabelledDocument(name, dirs[i].name, source.name, outcome.text, truth, outcome)
        )
    return dossiers


def parse_family_args(values: Sequence[str]) -> list[tuple[str, Path]]:
    """``NAME=PATH`` pairs (``dev=../shared/corpus/dev``); a bare PATH is named after its folder."""
    out = []
    for value in values:
        name, sep, path = value.partition("=")
        if not sep:
            name, path = Path(value).name, value
        out.append((name, Path(path)))
    return out
