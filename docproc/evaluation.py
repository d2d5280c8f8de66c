"""Run a whole corpus of dossiers and write one expected-shape JSON per dossier.

All documents of all dossiers go through one process pool (documents, not dossiers, are
the unit of work, so a dossier with one long scan does not hold a core idle).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path

from docproc.expected_shape import dossier_to_expected
from docproc.pipeline import (
    DocumentOutcome,
    ProgressCallback,
    check_documents,
    dossier_outcomes,
    process_documents,
)
from docproc.scoring import Score
from foundation.settings import Settings
from ingest.dossier import LoadedDossier, load_dossier

GROUND_TRUTH_FILE = "expected.json"


def run_corpus(
    dossier_dirs: Sequence[Path],
    out_dir: Path,
    settings: Settings,
    jobs: int,
    on_total: Callable[[int], None] | None = None,
    on_done: ProgressCallback | None = None,
) -> tuple[list[Path], Score | None]:
    """Check every dossier; where a dossier has ground truth, score it (never fed to the pipeline)."""
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
    score: Score | None = None
    for i, ld in enumerate(loaded):
        if ld.application is None:
            continue
        result = check_documents(ld.application, dossier_outcomes(ld, per_dossier[i]))
        shaped = dossier_to_expected(result)
        target = out_dir / f"{ld.application.dossier_id}.json"
        target.write_text(json.dumps(shaped, ensure_ascii=False, indent=2), encoding="utf-8")
        (out_dir / "full" / target.name).write_text(result.model_dump_json(indent=2), encoding="utf-8")
        written.append(target)
        truth = dossier_dirs[i] / GROUND_TRUTH_FILE
        if truth.is_file():
            score = score or Score()
            score.add_dossier(ld.application.dossier_id, json.loads(truth.read_text(encoding="utf-8")), shaped)
    if score is not None:
        write_score_report(score, out_dir)
    return written, score


def write_score_report(score: Score, out_dir: Path) -> None:
    """``score.txt`` (the table) and ``misses.json`` (every field miss and false finding, to act on)."""
    (out_dir / "score.txt").write_text(score.table() + "\n", encoding="utf-8")
    full = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in (out_dir / "full").glob("*.json")}
    misses = []
    for m in score.field_misses:
        item = {**m.__dict__, "kind": "field"}
        doc = next((d for d in full.get(m.dossier, {}).get("documents", []) if d["file"] == m.file), None)
        if doc is not None:
            item["read"] = _extracted_value(doc, m.field)
        misses.append(item)
    misses += [{**m.__dict__, "kind": "finding", "expected_count": m.expected, "reported_count": m.actual}
               for m in score.finding_misses]
    (out_dir / "misses.json").write_text(json.dumps(misses, ensure_ascii=False, indent=2, default=str),
                                         encoding="utf-8")


def _extracted_value(doc: dict, field_path: str) -> dict | None:
    """The full ExtractedValue (raw text, confidence, provenance) behind a flattened field name."""
    parts = field_path.split(".")
    if parts[0] == "parties" and len(parts) == 3:
        party = next((p for p in doc.get("parties") or [] if p.get("role") == parts[1]), None)
        return (party or {}).get(parts[2])
    node: object = doc
    for part in parts:
        node = node.get(part) if isinstance(node, dict) else None
    return node if isinstance(node, dict) else None
