"""The service layer's boundaries: who may import whom, and a CLI that never loads FastAPI.

* ``casework`` (the service layer) imports neither ``api`` nor ``worker`` nor a web framework, not
  even inside a function: the worker's jobs are queued by dotted path.
* ``worker`` imports no ``api``.
* ``docproc`` (the CLI and batch) never loads FastAPI or Starlette. One command path is excepted:
  ``docproc serve`` starts uvicorn on ``api.app`` (its imports stay inside that function).
"""

from __future__ import annotations

import ast
import importlib
import inspect
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
WEB_FRAMEWORKS = ("fastapi", "starlette")
# The one docproc function allowed to reach the API (and so FastAPI): it runs the server.
SERVE_FUNCTIONS = frozenset({"serve"})


def _imports(path: Path) -> Iterator[tuple[str, str | None]]:
    """(imported module, enclosing function or None) for every import in ``path``, nested ones too."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))

    def walk(node: ast.AST, function: str | None) -> Iterator[tuple[str, str | None]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                yield from walk(child, function or child.name)
                continue
            if isinstance(child, ast.Import):
                for alias in child.names:
                    yield alias.name, function
            elif isinstance(child, ast.ImportFrom) and child.level == 0 and child.module:
                yield child.module, function
                for alias in child.names:  # `from casework import connections`
                    yield f"{child.module}.{alias.name}", function
            yield from walk(child, function)

    yield from walk(tree, None)


def _top(module: str) -> str:
    return module.split(".", 1)[0]


def _sources(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        ("casework", {"api", "worker", "docproc.cli", *WEB_FRAMEWORKS, "uvicorn"}),
        ("worker", {"api", *WEB_FRAMEWORKS}),
    ],
)
def test_a_layer_imports_nothing_above_it(package: str, forbidden: set[str]) -> None:
    found = [
        f"{path.relative_to(ROOT)} imports {module}" + (f" (in {function})" if function else "")
        for path in _sources(package)
        for module, function in _imports(path)
        if _top(module) in forbidden or module in forbidden or module.startswith(tuple(f"{f}." for f in forbidden))
    ]
    assert not found, "\n".join(found)


def test_docproc_reaches_the_api_only_to_serve_it() -> None:
    found = [
        f"{path.relative_to(ROOT)} imports {module}" + (f" (in {function})" if function else "")
        for path in _sources("docproc")
        for module, function in _imports(path)
        if _top(module) in {"api", *WEB_FRAMEWORKS} and function not in SERVE_FUNCTIONS
    ]
    assert not found, "\n".join(found)


def test_the_command_line_and_the_modules_its_commands_load_never_load_fastapi() -> None:
    # Every docproc module (the CLI, batch and its --queue path), and everything the commands import
    # lazily: the casework, the worker. A fresh interpreter, so nothing loaded by other tests counts.
    program = """
import importlib, pkgutil, sys
import docproc, casework, worker
for package in (docproc, casework, worker):
    for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        if not info.name.endswith(".__main__"):  # runs the program
            importlib.import_module(info.name)
import docproc.cli, docproc.batch
loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("fastapi", "starlette"))
print(",".join(loaded))
"""
    done = subprocess.run(
        [sys.executable, "-c", program], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "", f"loaded: {done.stdout.strip()}"


def test_the_jobs_queued_by_dotted_path_exist() -> None:
    from casework import rounds, webhooks

    paths = [
        rounds.DOCUMENT_JOB,
        rounds.DOCUMENT_JOB_FAILED,
        rounds.DOSSIER_JOB,
        rounds.DOSSIER_JOB_FAILED,
        rounds.PLANNING_JOB,
        webhooks.DELIVERY_JOB,
        webhooks.DELIVERY_JOB_FAILED,
    ]
    for path in paths:
        module, _, name = path.rpartition(".")
        assert inspect.isfunction(getattr(importlib.import_module(module), name, None)), path


def test_one_audit_writer() -> None:
    writers = [
        str(path.relative_to(ROOT))
        for package in ("api", "casework", "worker", "docproc")
        for path in _sources(package)
        if "AuditEventRow(" in path.read_text(encoding="utf-8")
    ]
    assert writers == ["casework/audit.py"]
