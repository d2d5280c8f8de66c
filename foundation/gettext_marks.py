"""``N_``: marks a constant display text for the interface catalogues without translating it.

``pybabel extract -F babel.cfg`` collects the texts marked with it (the keyword ``N_``) into
``api/web/locale``; the workspace translates them where it shows them (``api.web.i18n.gettext``), in the
reader's language. Here, in the lowest layer, so that the label tables of every layer can be marked.
"""

from __future__ import annotations


def N_(message: str) -> str:
    return message
