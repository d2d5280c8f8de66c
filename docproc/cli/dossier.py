"""``docproc check``, ``docproc extract``, ``docproc eval``: one dossier, one document, a corpus."""

from __future__ import annotations

import json
import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from docproc.cli.common import (
    DataDirOption,
    JobsOption,
    console,
    err_console,
    progress_bar,
    settings_for,
    write_json,
)
from ingest.errors import IngestError


class OutputFormat(StrEnum):
    full = "full"  # DossierResult with provenance, checklist, evidence
    expected = "expected"  # exactly the per-dossier shape of the corpus's expected.json


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
    from docproc.expected_shape import dossier_to_expected
    from docproc.pipeline import default_jobs, run_dossier
    from docproc.report import render_dossier

    settings = settings_for(data_dir)
    started = time.monotonic()
    with progress_bar() as progress:
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
        write_json(json_out, payload)
        if not quiet:
            console.print(f"Результат записан: {json_out}")


def extract(
    file: Annotated[Path, typer.Argument(help="Один документ (PDF, изображение, XLSX, DOCX, XML).")],
    json_out: Annotated[Path | None, typer.Option("--json", help="Куда записать результат.")] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Прочитать один документ: тип, язык, поля с указанием места на странице."""
    from docproc.expected_shape import document_to_expected
    from docproc.pipeline import read_single_file

    settings = settings_for(data_dir)
    if not file.is_file():
        err_console.print(f"[bold red]Файл не найден:[/bold red] {file}")
        raise typer.Exit(2)
    outcome = read_single_file(file, settings)
    doc = outcome.extraction
    payload = {**document_to_expected(doc), "file": doc.file, "extraction": doc.model_dump(mode="json")}
    if json_out is not None:
        write_json(json_out, payload)
        console.print(f"Результат записан: {json_out}")
    else:
        console.print_json(json.dumps(payload, ensure_ascii=False, default=str))
    if doc.unreadable_reason:
        err_console.print(f"[bold red]Документ не прочитан:[/bold red] {doc.unreadable_reason}")
        raise typer.Exit(1)


def evaluate(
    corpus_dir: Annotated[Path, typer.Argument(help="Каталог корпуса: подпапки-досье с application.json.")],
    out: Annotated[Path, typer.Option("--out", help="Куда писать OUT/<dossier>.json.")] = Path("var/eval"),
    jobs: JobsOption = 0,
    data_dir: DataDirOption = None,
) -> None:
    """Прогнать все досье корпуса и записать результаты в формате expected.json."""
    from docproc.evaluation import run_corpus

    settings = settings_for(data_dir)
    dossiers = sorted(p for p in corpus_dir.iterdir() if (p / "application.json").is_file())
    if not dossiers:
        err_console.print(f"[bold red]В {corpus_dir} нет досье с application.json[/bold red]")
        raise typer.Exit(2)
    from docproc.pipeline import default_jobs

    with progress_bar() as progress:
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


def register(app: typer.Typer) -> None:
    app.command("check")(check)
    app.command("extract")(extract)
    app.command("eval")(evaluate)
