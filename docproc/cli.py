"""``docproc`` command line: check a dossier, read one document, evaluate a corpus."""

from __future__ import annotations

import json
import os
import sys
import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from foundation.settings import Settings, get_settings
from ingest.errors import IngestError

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Проверка комплектности досье (Правила № 308).")
# Reports are wide tables: when output is not a terminal (a pipe, a CI log) rich would
# fall back to 80 columns and fold every message; 132 keeps them readable.
_WIDTH = None if sys.stdout.isatty() else int(os.environ.get("COLUMNS", "132"))
console = Console(width=_WIDTH)
err_console = Console(stderr=True)


class OutputFormat(StrEnum):
    full = "full"  # DossierResult with provenance, checklist, evidence
    expected = "expected"  # exactly the per-dossier shape of the corpus's expected.json


def _write_json(path: Path, payload: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=2, default=str), encoding="utf-8")


def _progress() -> Progress:
    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    )


def _settings(data_dir: Path | None) -> Settings:
    settings = get_settings()
    if data_dir is not None:
        settings = settings.model_copy(update={"data_dir": data_dir})
    return settings


JobsOption = Annotated[int, typer.Option("--jobs", "-j", help="Процессов для чтения документов (по умолчанию — ядра).")]
DataDirOption = Annotated[
    Path | None, typer.Option("--data-dir", help="Каталог данных: SQLite, хранилище файлов, кэш OCR.")
]


@app.command()
def check(
    path: Annotated[Path, typer.Argument(help="Папка досье или .zip с ней.")],
    json_out: Annotated[Path | None, typer.Option("--json", help="Записать полный результат в JSON-файл.")] = None,
    fmt: Annotated[OutputFormat, typer.Option("--format", help="full или expected (формат expected.json).")] = (
        OutputFormat.full
    ),
    jobs: JobsOption = 0,
    data_dir: DataDirOption = None,
    no_record: Annotated[bool, typer.Option("--no-record", help="Не записывать результат в базу.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Без отчёта в терминале.")] = False,
) -> None:
    """Проверить досье: прочитать все документы, сверить, рассчитать возмещение."""
    from docproc.pipeline import default_jobs, run_dossier
    from docproc.report import render_dossier
    from models.expected_shape import dossier_to_expected

    settings = _settings(data_dir)
    started = time.monotonic()
    with _progress() as progress:
        task = progress.add_task("Чтение документов", total=None)

        def on_loaded(loaded: Any) -> None:
            progress.update(task, total=len(loaded.files))

        def on_done(name: str, _: Any) -> None:
            progress.update(task, advance=1, description=f"Прочитан {name}")

        try:
            result = run_dossier(
                path, settings, jobs or default_jobs(), on_loaded=on_loaded, on_done=on_done, record=not no_record
            )
        except IngestError as exc:
            err_console.print(f"[bold red]Досье не принято:[/bold red] {exc.reason} ({exc.code})")
            raise typer.Exit(2) from exc
    if not quiet:
        render_dossier(result, console)
        console.print(f"[dim]Время: {time.monotonic() - started:.1f} с[/dim]")
    if json_out is not None:
        payload = dossier_to_expected(result) if fmt == OutputFormat.expected else result.model_dump(mode="json")
        _write_json(json_out, payload)
        if not quiet:
            console.print(f"Результат записан: {json_out}")


@app.command()
def extract(
    file: Annotated[Path, typer.Argument(help="Один документ (PDF, изображение, XLSX, DOCX, XML).")],
    json_out: Annotated[Path | None, typer.Option("--json", help="Куда записать результат.")] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Прочитать один документ: тип, язык, поля с указанием места на странице."""
    from docproc.pipeline import read_single_file
    from models.expected_shape import document_to_expected

    settings = _settings(data_dir)
    if not file.is_file():
        err_console.print(f"[bold red]Файл не найден:[/bold red] {file}")
        raise typer.Exit(2)
    outcome = read_single_file(file, settings)
    doc = outcome.extraction
    payload = {**document_to_expected(doc), "file": doc.file, "extraction": doc.model_dump(mode="json")}
    if json_out is not None:
        _write_json(json_out, payload)
        console.print(f"Результат записан: {json_out}")
    else:
        console.print_json(json.dumps(payload, ensure_ascii=False, default=str))
    if doc.unreadable_reason:
        err_console.print(f"[bold red]Документ не прочитан:[/bold red] {doc.unreadable_reason}")
        raise typer.Exit(1)


@app.command("eval")
def evaluate(
    corpus_dir: Annotated[Path, typer.Argument(help="Каталог корпуса: подпапки-досье с application.json.")],
    out: Annotated[Path, typer.Option("--out", help="Куда писать OUT/<dossier>.json.")] = Path("var/eval"),
    jobs: JobsOption = 0,
    data_dir: DataDirOption = None,
) -> None:
    """Прогнать все досье корпуса и записать результаты в формате expected.json."""
    from docproc.evaluation import run_corpus

    settings = _settings(data_dir)
    dossiers = sorted(p for p in corpus_dir.iterdir() if (p / "application.json").is_file())
    if not dossiers:
        err_console.print(f"[bold red]В {corpus_dir} нет досье с application.json[/bold red]")
        raise typer.Exit(2)
    from docproc.pipeline import default_jobs

    with _progress() as progress:
        task = progress.add_task("Документы корпуса", total=None)
        written, score = run_corpus(
            dossiers,
            out,
            settings,
            jobs or default_jobs(),
            on_total=lambda n: progress.update(task, total=n),
            on_done=lambda name, _: progress.update(task, advance=1),
        )
    console.print(f"Записано досье: {len(written)} → {out}")
    if score is not None:
        console.print(score.table())
        console.print(f"Разбор ошибок: {out / 'misses.json'}, таблица: {out / 'score.txt'}")


def _register_service() -> None:
    from docproc.cli_service import register_service_commands

    register_service_commands(app)


_register_service()


def _register_batch() -> None:
    from docproc.cli_batch import register_batch_command

    register_batch_command(app, console, err_console)


_register_batch()


def _register_cache() -> None:
    from docproc.cli_cache import register_cache_commands

    register_cache_commands(app, console, err_console)


_register_cache()


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
