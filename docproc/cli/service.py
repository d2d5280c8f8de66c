"""Service commands: ``docproc serve``, ``docproc worker``, ``docproc requeue``, ``docproc keys``."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from docproc.cli.common import console, err_console, settings_for


def serve(
    host: Annotated[str, typer.Option("--host", help="Адрес для входящих соединений.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Порт.")] = 8000,
    workers: Annotated[int, typer.Option("--workers", help="Процессов uvicorn.")] = 1,
    limit_concurrency: Annotated[
        int | None,
        typer.Option(
            "--limit-concurrency",
            help="Не больше стольких соединений и запросов на процесс одновременно; сверх — ответ 503.",
        ),
    ] = None,
    log_level: Annotated[str, typer.Option("--log-level")] = "info",
) -> None:
    """Запустить API (FastAPI + uvicorn). Нужны DATABASE_URL и REDIS_URL (или DOCPROC_*)."""
    import uvicorn

    from models.db import upgrade_database

    settings = settings_for()
    upgrade_database(settings.effective_database_url)  # once, before the workers start
    uvicorn.run(
        "api.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        limit_concurrency=limit_concurrency,
        log_level=log_level,
        # X-Forwarded-* are applied by the app itself, from DOCPROC_SERVICE__TRUSTED_PROXIES only.
        proxy_headers=False,
    )


def worker(
    processes: Annotated[
        int, typer.Option("--processes", "-n", help="Число процессов-обработчиков (пул).")
    ] = 1,
    burst: Annotated[bool, typer.Option("--burst", help="Обработать то, что в очереди, и выйти.")] = False,
    queue: Annotated[
        list[str] | None, typer.Option("--queue", "-q", help="Только эти очереди (по умолчанию все три).")
    ] = None,
) -> None:
    """Запустить обработчики очереди RQ (документы, проверки досье, уведомления)."""
    from worker.runner import run_workers

    run_workers(settings_for(), processes=processes, burst=burst, queues=queue or None)


def requeue() -> None:
    """Заново поставить в очередь всё незавершённое по данным базы (после потери данных Redis):
    документы, проверки досье и неотправленные уведомления."""
    from casework import connections
    from models.db import upgrade_database
    from worker.requeue import requeue_unfinished

    settings = settings_for()
    upgrade_database(settings.effective_database_url)
    connections.configure(settings)
    report = requeue_unfinished(settings)
    console.print(
        f"Заявок поставлено в очередь: {report.applications}; заданий на документы: {report.document_jobs}; "
        f"уведомлений: {report.webhook_deliveries}"
    )


keys_app = typer.Typer(no_args_is_help=True, help="Ключи API.")


@keys_app.command("create")
def keys_create(
    role: Annotated[str, typer.Option("--role", help="portal | reviewer | consumer | admin")],
    applicant: Annotated[
        list[str] | None, typer.Option("--applicant", help="БИН заявителя (для portal; можно несколько раз).")
    ] = None,
    name: Annotated[str, typer.Option("--name", help="Кому выдан ключ.")] = "",
) -> None:
    """Создать ключ и напечатать его (один раз: в базе хранится только его хэш)."""
    from casework import connections
    from casework.api_keys import create_key
    from models.db import Role, upgrade_database

    try:
        role_value = Role(role)
    except ValueError as exc:
        err_console.print(
            f"[bold red]Неизвестная роль «{role}»:[/bold red] portal, reviewer, consumer или admin."
        )
        raise typer.Exit(2) from exc
    bins = applicant or []
    if role_value == Role.PORTAL and not bins:
        err_console.print("[bold red]Ключу portal нужен хотя бы один --applicant БИН.[/bold red]")
        raise typer.Exit(2)
    settings = settings_for()
    upgrade_database(settings.effective_database_url)
    with connections.sessions(settings).begin() as session:
        created = create_key(session, role_value, bins, name)
    err_console.print(
        f"Ключ {created.id} ({created.role.value}) создан. Сохраните его: показывается один раз."
    )
    print(created.key)


@keys_app.command("list")
def keys_list(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Ключи (без самих ключей)."""
    from sqlalchemy import select

    from casework import connections
    from models.db import ApiKeyRow, upgrade_database

    settings = settings_for()
    upgrade_database(settings.effective_database_url)
    with connections.sessions(settings)() as session:
        rows = session.scalars(select(ApiKeyRow).order_by(ApiKeyRow.created_at)).all()
    if as_json:
        print(
            json.dumps(
                [
                    {
                        "id": r.id,
                        "role": r.role,
                        "prefix": r.key_prefix,
                        "applicant_bins": r.applicant_bins,
                        "name": r.name,
                        "revoked": r.revoked_at is not None,
                    }
                    for r in rows
                ],
                ensure_ascii=False,
            )
        )
        return
    table = Table("id", "роль", "начало ключа", "БИН", "кому", "отозван")
    for r in rows:
        table.add_row(
            r.id,
            r.role,
            r.key_prefix + "…",
            ", ".join(r.applicant_bins or []),
            r.name,
            "да" if r.revoked_at else "",
        )
    console.print(table)


@keys_app.command("revoke")
def keys_revoke(key_id: Annotated[str, typer.Argument(help="id ключа (из keys list).")]) -> None:
    """Отозвать ключ."""
    from casework import connections
    from casework.api_keys import revoke_key
    from models.db import upgrade_database

    settings = settings_for()
    upgrade_database(settings.effective_database_url)
    with connections.sessions(settings).begin() as session:
        revoked = revoke_key(session, key_id)
    if not revoked:
        err_console.print("[bold red]Ключ не найден или уже отозван.[/bold red]")
        raise typer.Exit(1)
    console.print(f"Ключ {key_id} отозван.")


def register(app: typer.Typer) -> None:
    """Add serve / worker / requeue / keys to the ``docproc`` CLI."""
    app.command("serve")(serve)
    app.command("worker")(worker)
    app.command("requeue")(requeue)
    app.add_typer(keys_app, name="keys")
