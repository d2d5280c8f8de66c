"""``docproc cache stats`` / ``docproc cache prune``: the size of the local caches, and bounding it.

The caches (OCR pages, stage results) are content-addressed ``foundation.file_store`` stores that
nothing empties by itself; deleting any entry only costs recomputing it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from docproc.cli.common import console, err_console, settings_for
from docproc.stage_cache import CHECK_STORE, EXTRACTION_STORE, TEXT_STORE
from foundation.file_store import FileStore, PruneReport, StoreStats, prune_stores
from foundation.settings import Settings
from ingest.sizes import format_size

# Sub-stores of ``StageCache`` under ``settings.stage_cache_dir`` (its folder names), with their labels.
# Opened as plain stores rather than through StageCache, which would compute the stage fingerprints.
STAGE_STORES = (
    (TEXT_STORE, "Стадия «текст»"),
    (EXTRACTION_STORE, "Стадия «извлечение»"),
    (CHECK_STORE, "Стадия «проверка»"),
)
OCR_LABEL = "OCR страниц"

_SECONDS = {
    "s": 1, "sec": 1, "с": 1, "сек": 1,
    "m": 60, "min": 60, "мин": 60,
    "h": 3600, "ч": 3600,
    "d": 86400, "д": 86400, "дн": 86400,
    "w": 7 * 86400, "нед": 7 * 86400,
}  # fmt: skip
# Binary multiples, as ``ingest.sizes.format_size`` prints them and as the limits in settings are set.
_BYTES = {
    "": 1, "b": 1, "б": 1, "байт": 1,
    "k": 1024, "kb": 1024, "kib": 1024, "кб": 1024,
    "m": 1024**2, "mb": 1024**2, "mib": 1024**2, "мб": 1024**2,
    "g": 1024**3, "gb": 1024**3, "gib": 1024**3, "гб": 1024**3,
    "t": 1024**4, "tb": 1024**4, "tib": 1024**4, "тб": 1024**4,
}  # fmt: skip
_QUANTITY = re.compile(r"\s*(\d+(?:[.,]\d+)?)\s*([^\d\s.,]*)\s*")


class CacheOptionError(ValueError):
    """A limit the operator typed that does not parse; the message is for them (Russian)."""


def _quantity(value: str) -> tuple[float, str] | None:
    match = _QUANTITY.fullmatch(value)
    if match is None:
        return None
    return float(match.group(1).replace(",", ".")), match.group(2).casefold()


def parse_duration(value: str) -> float:
    """``"30d"`` -> seconds; units s, m (minutes), h, d, w (or с, мин, ч, д, нед)."""
    parsed = _quantity(value)
    if parsed is None or parsed[1] not in _SECONDS:
        raise CacheOptionError(
            f"--older-than: не понимаю «{value}». Укажите число с единицей: 12h (часы), 30d (дни), "
            "2w (недели), 90m (минуты)."
        )
    return parsed[0] * _SECONDS[parsed[1]]


def parse_size(value: str) -> int:
    """``"5GB"`` -> bytes (1 GB = 1024³ bytes); units B, KB, MB, GB, TB (or КБ, МБ, ГБ, ТБ)."""
    parsed = _quantity(value)
    if parsed is None or parsed[1] not in _BYTES:
        raise CacheOptionError(
            f"--max-size: не понимаю «{value}». Укажите число с единицей: 500MB, 5GB, 1TB (1 ГБ = 1024 МБ)."
        )
    return int(parsed[0] * _BYTES[parsed[1]])


@dataclass(frozen=True)
class NamedStore:
    label: str
    store: FileStore


def cache_stores(settings: Settings) -> list[NamedStore]:
    """Every local cache of the embedded pipeline, as the pipeline lays them out for ``settings``."""
    stores = [NamedStore(OCR_LABEL, FileStore(settings.effective_ocr_cache_dir))]
    stores += [NamedStore(label, FileStore(settings.stage_cache_dir / name)) for name, label in STAGE_STORES]
    return stores


def _when(timestamp: float | None) -> str:
    if timestamp is None:
        return "—"
    return dt.datetime.fromtimestamp(timestamp).strftime("%Y-%m-%d %H:%M")


def render_stats(stores: list[NamedStore], console: Console) -> None:
    table = Table(title="Локальные кэши")
    table.add_column("Кэш")
    table.add_column("Каталог", overflow="fold")
    table.add_column("Записей", justify="right")
    table.add_column("Объём", justify="right")
    table.add_column("Давнее использование")
    table.add_column("Последнее использование")
    entries = size = 0
    for named in stores:
        stats: StoreStats = named.store.stats()
        entries += stats.entries
        size += stats.bytes
        table.add_row(
            named.label,
            str(named.store.root),
            str(stats.entries),
            format_size(stats.bytes),
            _when(stats.oldest_use),
            _when(stats.newest_use),
        )
    table.add_section()
    table.add_row("Всего", "", str(entries), format_size(size), "", "")
    console.print(table)


def render_prune(
    stores: list[NamedStore], reports: list[PruneReport], dry_run: bool, console: Console
) -> None:
    verb = "Будет удалено" if dry_run else "Удалено"
    table = Table(title="Очистка кэшей (пробный запуск: ничего не удалено)" if dry_run else "Очистка кэшей")
    table.add_column("Кэш")
    table.add_column(f"{verb} записей", justify="right")
    table.add_column("Освободится" if dry_run else "Освобождено", justify="right")
    table.add_column("Осталось записей", justify="right")
    table.add_column("Осталось объём", justify="right")
    total = PruneReport(dry_run=dry_run)
    for named, report in zip(stores, reports, strict=True):
        total = total.add(report)
        table.add_row(
            named.label,
            str(report.removed),
            format_size(report.freed_bytes),
            str(report.kept),
            format_size(report.kept_bytes),
        )
    table.add_section()
    table.add_row(
        "Всего",
        str(total.removed),
        format_size(total.freed_bytes),
        str(total.kept),
        format_size(total.kept_bytes),
    )
    console.print(table)
    if total.stale_temp_removed:
        console.print(f"{verb} брошенных временных файлов (.tmp-*): {total.stale_temp_removed}")


DataDirOption = Annotated[
    Path | None,
    typer.Option("--data-dir", help="Каталог данных, в котором лежат кэши (по умолчанию из настроек)."),
]


def register(app: typer.Typer) -> None:
    """Add the ``cache`` group (stats, prune) to the main ``docproc`` CLI."""
    cache_app = typer.Typer(
        no_args_is_help=True, help="Локальные кэши (OCR страниц, стадии конвейера): объём и очистка."
    )

    @cache_app.command("stats")
    def stats(data_dir: DataDirOption = None) -> None:
        """Показать кэши: число записей, объём, давность использования."""
        render_stats(cache_stores(settings_for(data_dir)), console)

    @cache_app.command("prune")
    def prune(
        older_than: Annotated[
            str | None,
            typer.Option(
                "--older-than", help="Удалить записи, не использованные дольше этого срока: 12h, 30d, 2w."
            ),
        ] = None,
        max_size: Annotated[
            str | None,
            typer.Option(
                "--max-size",
                help="Затем, если кэши вместе больше этого объёма, удалять давно не использованные: 500MB, 5GB.",
            ),
        ] = None,
        dry_run: Annotated[
            bool, typer.Option("--dry-run", help="Только показать, что будет удалено; ничего не удалять.")
        ] = False,
        data_dir: DataDirOption = None,
    ) -> None:
        """Очистить кэши: удалить давно не использованные записи (удалённое просто вычислится заново)."""
        if older_than is None and max_size is None:
            err_console.print(
                "[bold red]Очистка не запущена:[/bold red] укажите --older-than и/или --max-size."
            )
            raise typer.Exit(2)
        try:
            max_age_s = None if older_than is None else parse_duration(older_than)
            max_bytes = None if max_size is None else parse_size(max_size)
        except CacheOptionError as exc:
            err_console.print(f"[bold red]Очистка не запущена:[/bold red] {escape(str(exc))}")
            raise typer.Exit(2) from exc
        stores = cache_stores(settings_for(data_dir))
        reports = prune_stores(
            [named.store for named in stores], max_age_s=max_age_s, max_bytes=max_bytes, dry_run=dry_run
        )
        render_prune(stores, reports, dry_run, console)

    app.add_typer(cache_app, name="cache")
