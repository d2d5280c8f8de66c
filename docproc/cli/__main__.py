"""``python -m docproc.cli``: the ``docproc`` command."""

from docproc.cli import app

app()
