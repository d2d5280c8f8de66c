"""The layers hold (issue 14): no import cycle between files, no source file over the size limit without a reason.

The layers contract itself is import-linter's (``[tool.importlinter]`` in pyproject.toml), run by ``make test``
before the suite and here as well, so a plain ``pytest`` run checks it too.
"""

from __future__ import annotations

import graphlib
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("foundation", "models", "ingest", "ocr", "extractors", "validators", "docproc", "casework", "api", "worker", "learn")
# A source file longer than this says at its top why it is one file ("Why one file: …").
MAX_LINES = 500
REASON_MARKER = "Why one file:"
REASON_WITHIN_LINES = 40


def _packages() -> list[str]:
    return [p for p in PACKAGES if (ROOT / p / "__init__.py").exists()]


def test_the_layers_contract_holds() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    if not lint.exists():
        pytest.skip("import-linter is not installed in this environment")
    done = subprocess.run([str(lint)], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]


def _cycle(graph: grimp.ImportGraph, modules: set[str]) -> list[str]:
    """One import cycle among ``modules`` (the standard library's topological sort finds it), or []."""
    # A module importing itself (learn.fields under __main__, for pickling) is not a cycle between files.
    sorter = graphlib.TopologicalSorter({m: (graph.find_modules_directly_imported_by(m) & modules) - {m} for m in modules})
    try:
        sorter.prepare()
    except graphlib.CycleError as cycle:
        return list(cycle.args[1])
    return []


def test_no_import_cycle_between_files() -> None:
    # grimp reads every import statement, those inside functions included: a cycle closed by a function-level
    # import is still a cycle. A package's __init__ re-exporting its modules is not a cycle between files.
    graph = grimp.build_graph(*_packages())
    modules = {m for m in graph.modules if not (ROOT / m.replace(".", "/") / "__init__.py").exists()}
    assert _cycle(graph, modules) == []


def test_no_source_file_over_the_limit_without_a_reason() -> None:
    too_long = []
    for package in _packages():
        for path in sorted((ROOT / package).rglob("*.py")):
            lines = path.read_text(encoding="utf-8").splitlines()
            if len(lines) > MAX_LINES and not any(REASON_MARKER in line for line in lines[:REASON_WITHIN_LINES]):
                too_long.append(f"{path.relative_to(ROOT)}: {len(lines)} lines")
    assert too_long == []
