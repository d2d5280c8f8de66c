"""``docproc`` command line: check a dossier, read one document, evaluate a corpus, run a batch, the service.

Each group of commands is a module of this package with a ``register(app)`` function; the shared
settings helper, consoles and options are in ``docproc.cli.common``. The console script is
``docproc = "docproc.cli:app"``; ``python -m docproc.cli`` runs the same.
"""

from __future__ import annotations

import typer

from docproc.cli import batch, cache, dossier, search, service, users

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Проверка комплектности досье (Правила № 308).")

# In the order ``docproc --help`` lists them.
for commands in (dossier, service, users, batch, cache, search):
    commands.register(app)
