"""The layers hold (issue 14): no import cycle between files, no source file over the size limit without a reason.

The layers contract itself is import-linter's (``[tool.importlinter]`` in pyproject.toml), run by ``make test``
before the suite and here as well, so a plain ``pytest`` run checks it too.
"""

from __future__ import annotations

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


def _cycles(graph: grimp.ImportGraph, modules: set[str]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for root in sorted(modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root) & modules)))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.find_modules_directly_imported_by(child) & modules))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_import_cycle_between_files() -> None:
    # grimp reads every import statement, those inside functions included: a cycle closed by a function-level
    # import is still a cycle. A package's __init__ re-exporting its modules is not a cycle between files.
    graph = grimp.build_graph(*_packages())
    modules = {m for m in graph.modules if not (ROOT / m.replace(".", "/") / "__init__.py").exists()}
    assert _cycles(graph, modules) == []


def test_no_source_file_over_the_limit_without_a_reason() -> None:
    too_long = []
    for package in _packages():
        for path in sorted((ROOT / package).rglob("*.py")):
            lines = path.read_text(encoding="utf-8").splitlines()
            if len(lines) > MAX_LINES and not any(REASON_MARKER in line for line in lines[:REASON_WITHIN_LINES]):
                too_long.append(f"{path.relative_to(ROOT)}: {len(lines)} lines")
    assert too_long == []
