"""``docproc users …``: accounts of the reviewers' workspace (create, list, password, disable)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from docproc.cli.common import console, err_console, settings_for

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

users_app = typer.Typer(no_args_is_help=True, help="Пользователи веб-кабинета проверяющих.")


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        # The first line of stdin, so that `printf '%s\n' "$PASSWORD" | docproc users create …` works.
        return sys.stdin.readline().rstrip("\r\n")
    return str(typer.prompt("Пароль", hide_input=True, confirmation_prompt="Повторите пароль"))


def _sessions() -> sessionmaker[Session]:
    from casework import connections
    from models.db import upgrade_database

    settings = settings_for()
    upgrade_database(settings.effective_database_url)
    return connections.sessions(settings)


@users_app.command("create")
def users_create(
    login: Annotated[str, typer.Argument(help="Логин (без пробелов; регистр не важен).")],
    role: Annotated[str, typer.Option("--role", help="reviewer | admin | observer")] = "reviewer",
    name: Annotated[
        str, typer.Option("--name", help="Имя для журнала действий, например «Иванова А. Б.».")
    ] = "",
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Прочитать пароль из первой строки stdin.")
    ] = False,
) -> None:
    """Создать пользователя; пароль спрашивается (или читается из stdin), хранится только его хэш."""
    from casework.user_accounts import AccountError, create_user

    password = _read_password(password_stdin)
    try:
        with _sessions().begin() as session:
            user = create_user(session, login, password, role, name)
            login_, role_ = user.login, user.role
    except AccountError as exc:
        err_console.print(f"[bold red]{exc}[/bold red]")
        raise typer.Exit(2) from exc
    console.print(f"Пользователь «{login_}» ({role_}) создан. Вход: /login")


@users_app.command("list")
def users_list() -> None:
    """Пользователи, их роли и последний вход."""
    from sqlalchemy import select

    from models.db import UserRow

    with _sessions()() as session:
        rows = session.scalars(select(UserRow).order_by(UserRow.login)).all()
    table = Table("логин", "имя", "роль", "последний вход", "отключён")
    for r in rows:
        table.add_row(
            r.login,
            r.display_name,
            r.role,
            r.last_login_at.strftime("%Y-%m-%d %H:%M") if r.last_login_at else "",
            "да" if r.disabled_at else "",
        )
    console.print(table)


@users_app.command("set-password")
def users_set_password(
    login: Annotated[str, typer.Argument(help="Логин.")],
    password_stdin: Annotated[bool, typer.Option("--password-stdin")] = False,
) -> None:
    """Сменить пароль (все открытые сеансы пользователя закрываются)."""
    from casework.user_accounts import AccountError, find_user, set_password

    password = _read_password(password_stdin)
    try:
        with _sessions().begin() as session:
            user = find_user(session, login)
            if user is None:
                raise AccountError(f"Пользователя «{login}» нет.")
            set_password(session, user, password)
    except AccountError as exc:
        err_console.print(f"[bold red]{exc}[/bold red]")
        raise typer.Exit(2) from exc
    console.print(f"Пароль пользователя «{login}» изменён.")


@users_app.command("disable")
def users_disable(login: Annotated[str, typer.Argument(help="Логин.")]) -> None:
    """Отключить пользователя: вход запрещён, открытые сеансы закрыты. Журнал действий сохраняется."""
    from casework.user_accounts import disable_user, find_user

    with _sessions().begin() as session:
        user = find_user(session, login)
        if user is None:
            err_console.print(f"[bold red]Пользователя «{login}» нет.[/bold red]")
            raise typer.Exit(1)
        disable_user(session, user)
    console.print(f"Пользователь «{login}» отключён.")


def register(app: typer.Typer) -> None:
    """Add ``users`` (reviewers' workspace accounts) to the ``docproc`` CLI."""
    app.add_typer(users_app, name="users")
