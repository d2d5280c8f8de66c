"""What every ``docproc`` sub-command shares: the settings it runs with, the consoles, common options.

Sub-command modules import this module, never the package (``docproc.cli``), which imports them.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from foundation.settings import Settings, get_settings

# Reports are wide tables: when output is not a terminal (a pipe, a CI log) rich would
# fall back to 80 columns and fold every message; 132 keeps them readable.
_WIDTH = None if sys.stdout.isatty() else int(os.environ.get("COLUMNS", "132"))
console = Console(width=_WIDTH)
err_console = Console(stderr=True)

JobsOption = Annotated[int, typer.Option("--jobs", "-j", help="Процессов для чтения документов (по умолчанию — ядра).")]
DataDirOption = Annotated[
    Path | None, typer.Option("--data-dir", help="Каталог данных: SQLite, хранилище файлов, кэш OCR.")
]


def settings_for(data_dir: Path | None = None) -> Settings:
    """The settings from the environment, with ``--data-dir`` applied when the command has it."""
    settings = get_settings()
    if data_dir is not None:
        settings = settings.model_copy(update={"data_dir": data_dir})
    return settings


def write_json(path: Path, payload: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=2, default=str), encoding="utf-8")


def progress_bar() -> Progress:
    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    )
