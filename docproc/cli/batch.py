"""``docproc batch``: the command line of ``docproc.batch`` (progress bars, summary, report)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from docproc.batch.model import (
    REPORT_FORMATS,
    BatchError,
    BatchObserver,
    BatchOptions,
    BatchRow,
    BatchSummary,
    Mode,
    Outcome,
)
from docproc.batch.report import write_report
from docproc.batch.run import run_batch, terminate_as_interrupt
from docproc.cli.common import console, err_console, settings_for
from foundation.settings import Settings

# Dossiers listed under the summary when they need attention (the report has them all).
MAX_LISTED_DOSSIERS = 30
EXIT_INTERRUPTED = 130

_STATUS_LABELS = {
    Outcome.DONE: "обработано",
    Outcome.FAILED: "сбой (повторить: --only-failed)",
    Outcome.REFUSED: "отклонено",
    Outcome.QUEUED: "поставлено в очередь сервиса",
    Outcome.SKIPPED: "пропущено",
    Outcome.WOULD_RUN: "будет обработано (--dry-run)",
}


class RateColumn(ProgressColumn):
    """Items per second (per minute when slower), from rich's moving estimate; the unit is the task's."""

    def render(self, task: Task) -> Text:
        unit = task.fields.get("unit", "")
        speed = task.finished_speed or task.speed
        if not speed:
            return Text(f"– {unit}/мин", style="progress.data.speed")
        if speed < 1:
            return Text(f"{speed * 60:.1f} {unit}/мин", style="progress.data.speed")
        return Text(f"{speed:.1f} {unit}/с", style="progress.data.speed")


class ProgressObserver(BatchObserver):
    """Two bars: dossiers (of those that run: skipped ones leave the total) and pages (total estimated)."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.dossiers = progress.add_task("Досье", total=None, unit="досье")
        self.pages = progress.add_task("Страницы", total=None, unit="стр.")
        self.total = 0
        self.skipped = 0
        self.finished = 0
        self.pages_done = 0
        self.dossiers_read = 0

    def on_start(self, total: int) -> None:
        self.total = total
        self.progress.update(self.dossiers, total=total)

    def on_skipped(self, row: BatchRow) -> None:
        self.skipped += 1
        self.progress.update(
            self.dossiers, total=self.total - self.skipped, description=f"Досье (пропущено: {self.skipped})"
        )

    def on_document(self, name: str, pages: int) -> None:
        self.pages_done += pages
        self.progress.update(self.pages, advance=pages)

    def on_dossier(self, row: BatchRow) -> None:
        self.finished += 1
        if row.status in (Outcome.DONE, Outcome.FAILED):
            self.dossiers_read += 1
        self.progress.update(self.dossiers, advance=1)
        if self.dossiers_read:
            # Estimated from the dossiers read so far: the archive's page count is never known upfront.
            remaining = max(self.total - self.skipped - self.finished, 0)
            estimate = self.pages_done + round(self.pages_done / self.dossiers_read * remaining)
            self.progress.update(self.pages, total=estimate)


def _progress(console: Console) -> Progress:
    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        RateColumn(),
        TextColumn("осталось"),
        TimeRemainingColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )


def parse_since(value: str | None) -> dt.date | None:
    if value is None:
        return None
    for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(value.strip(), fmt).date()
        except ValueError:
            continue
    raise typer.BadParameter("дата в виде ГГГГ-ММ-ДД или ДД.ММ.ГГГГ", param_hint="--since")


def render_summary(summary: BatchSummary, console: Console) -> None:
    table = Table(title="Итог пакетной обработки", show_header=False)
    table.add_column("что")
    table.add_column("сколько", justify="right")
    table.add_row("Досье всего", str(len(summary.rows)))
    for status, label in _STATUS_LABELS.items():
        count = summary.count(status)
        if count:
            table.add_row(label.capitalize(), str(count))
    table.add_row("Прочитано документов / страниц", f"{summary.documents_read} / {summary.pages_read}")
    read = summary.count(Outcome.DONE) + summary.count(Outcome.FAILED)
    rate = f", {read / summary.elapsed_s * 60:.1f} досье/мин" if read and summary.elapsed_s else ""
    table.add_row("Время", f"{summary.elapsed_s:.1f} с{rate}")
    console.print(table)

    listed = [r for r in summary.rows if r.status in (Outcome.FAILED, Outcome.REFUSED, Outcome.WOULD_RUN)]
    if listed:
        details = Table(
            title="Досье, требующие внимания" if not _dry(summary) else "Что будет обработано и почему"
        )
        for column in ("Досье", "Статус", "Причина", "Источник"):
            details.add_column(column, overflow="fold")
        for row in listed[:MAX_LISTED_DOSSIERS]:
            details.add_row(row.dossier_id, _STATUS_LABELS[row.status], row.reason, row.source)
        console.print(details)
        if len(listed) > MAX_LISTED_DOSSIERS:
            console.print(f"… и ещё {len(listed) - MAX_LISTED_DOSSIERS} (все — в отчёте --report)")
    if summary.interrupted:
        console.print(
            "[bold yellow]Прервано.[/bold yellow] Готовые досье записаны в журнал; "
            "повторный запуск той же команды продолжит с места остановки."
        )


def _dry(summary: BatchSummary) -> bool:
    return any(r.status == Outcome.WOULD_RUN for r in summary.rows)


def register(app: typer.Typer) -> None:
    @app.command()
    def batch(
        archives: Annotated[
            list[Path],
            typer.Argument(help="Папки или ZIP-архивы со множеством досье, либо CSV-список досье."),
        ],
        jobs: Annotated[
            int, typer.Option("--jobs", "-j", help="Процессов обработки (по умолчанию — по одному на ядро).")
        ] = 0,
        queue: Annotated[
            bool,
            typer.Option(
                "--queue", help="Не обрабатывать здесь, а поставить в очередь RQ для воркеров сервиса."
            ),
        ] = False,
        report: Annotated[
            Path | None, typer.Option("--report", help="Записать отчёт по досье: .csv или .json.")
        ] = None,
        out: Annotated[
            Path | None,
            typer.Option("--out", help="Записать полный результат каждого досье: OUT/<dossier_id>.json."),
        ] = None,
        journal: Annotated[
            Path | None,
            typer.Option(
                "--journal", help="Файл журнала пакета (по умолчанию DATA_DIR/batch/journal.sqlite3)."
            ),
        ] = None,
        since: Annotated[
            str | None, typer.Option("--since", help="Только досье с датой заявки не раньше (ГГГГ-ММ-ДД).")
        ] = None,
        only_failed: Annotated[
            bool,
            typer.Option(
                "--only-failed", help="Повторить только досье, обработка которых прошлый раз сорвалась."
            ),
        ] = False,
        dry_run: Annotated[
            bool,
            typer.Option(
                "--dry-run", help="Только показать, что будет обработано и почему; ничего не делать."
            ),
        ] = False,
        data_dir: Annotated[
            Path | None, typer.Option("--data-dir", help="Каталог данных: кэши, журнал пакета.")
        ] = None,
        quiet: Annotated[
            bool, typer.Option("--quiet", "-q", help="Без индикатора и итоговой таблицы.")
        ] = False,
    ) -> None:
        """Обработать архивы досье целиком: параллельно, с продолжением после прерывания, без повторной работы."""
        if report is not None and report.suffix.casefold() not in REPORT_FORMATS:
            err_console.print(
                f"[bold red]Отчёт:[/bold red] укажите файл .csv или .json (а не «{report.name}»)."
            )
            raise typer.Exit(2)
        settings: Settings = settings_for(data_dir)
        options = BatchOptions(
            jobs=jobs or os.cpu_count() or 1,
            mode=Mode.QUEUE if queue else Mode.LOCAL,
            since=parse_since(since),
            only_failed=only_failed,
            dry_run=dry_run,
            out_dir=out,
            journal_path=journal,
        )
        try:
            with terminate_as_interrupt():
                if quiet:
                    summary = run_batch(archives, settings, options)
                else:
                    with _progress(err_console) as progress:
                        summary = run_batch(archives, settings, options, ProgressObserver(progress))
        except BatchError as exc:
            err_console.print(f"[bold red]Пакет не запущен:[/bold red] {exc}")
            raise typer.Exit(2) from exc
        if not summary.rows and not summary.interrupted:
            err_console.print("[bold red]Досье не найдены[/bold red] в указанных папках и архивах.")
            raise typer.Exit(2)
        if not quiet:
            render_summary(summary, console)
        if report is not None:
            write_report(report, summary)
            if not quiet:
                console.print(f"Отчёт записан: {report}")
        if queue and not dry_run and not quiet:
            console.print(f"Поставлено в очередь досье: {summary.count(Outcome.QUEUED)}")
        if summary.interrupted:
            raise typer.Exit(EXIT_INTERRUPTED)
        if summary.count(Outcome.FAILED) or summary.count(Outcome.REFUSED):
            raise typer.Exit(1)
