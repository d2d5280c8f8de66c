"""``docproc search-index rebuild``: index again every document read so far (full-text search).

Readings are indexed as they are stored; the rebuild is for what was read before search existed
(migration 0009 creates an empty index), and after a change of what is indexed. It runs on the
database the settings name: the service's PostgreSQL or the embedded SQLite file (``--data-dir``).
"""

from __future__ import annotations

import typer

from docproc.cli.common import DataDirOption, console, settings_for

search_app = typer.Typer(no_args_is_help=True, help="Полнотекстовый поиск по документам.")


@search_app.command("rebuild")
def rebuild(data_dir: DataDirOption = None) -> None:
    """Заново проиндексировать все прочитанные документы (текст страниц и извлечённые значения)."""
    from casework import connections
    from casework.search import rebuild_index
    from models.db import upgrade_database

    settings = settings_for(data_dir)
    upgrade_database(settings.effective_database_url)
    with connections.sessions(settings).begin() as session:
        indexed = rebuild_index(session)
    console.print(f"Проиндексировано документов: {indexed}")


def register(app: typer.Typer) -> None:
    """Add ``search-index`` to the ``docproc`` CLI."""
    app.add_typer(search_app, name="search-index")
