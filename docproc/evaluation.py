"""Run a whole corpus of dossiers and write one expected-shape JSON per dossier.

All documents of all dossiers go through one process pool (documents, not dossiers, are
the unit of work, so a dossier with one long scan does not hold a core idle).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path

from docproc.pipeline import (
    DocumentOutcome,
    ProgressCallback,
    check_documents,
    dossier_outcomes,
    process_documents,
)
from docproc.settings import Settings
from ingest.dossier import LoadedDossier, load_dossier
from models.expected_shape import dossier_to_expected


def run_corpus(
    dossier_dirs: Sequence[Path],
    out_dir: Path,
    settings: Settings,
    jobs: int,
    on_total: Callable[[int], None] | None = None,
    on_done: ProgressCallback | None = None,
) -> list[Path]:
    loaded: list[LoadedDossier] = [load_dossier(d, settings.limits) for d in dossier_dirs]
    sources = [(i, s) for i, ld in enumerate(loaded) for s in ld.files]
    if on_total:
        on_total(len(sources))
    outcomes = process_documents([s for _, s in sources], settings, jobs, on_done)
    per_dossier: dict[int, list[DocumentOutcome]] = {i: [] for i in range(len(loaded))}
    for (i, _), outcome in zip(sources, outcomes):
        per_dossier[i].append(outcome)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "full").mkdir(exist_ok=True)
    written = []
    for i, ld in enumerate(loaded):
        if ld.application is None:
            continue
        result = check_documents(ld.application, dossier_outcomes(ld, per_dossier[i]))
        target = out_dir / f"{ld.application.dossier_id}.json"
        target.write_text(json.dumps(dossier_to_expected(result), ensure_ascii=False, indent=2), encoding="utf-8")
        (out_dir / "full" / target.name).write_text(result.model_dump_json(indent=2), encoding="utf-8")
        written.append(target)
    return written
