"""Lists in pages (the dossier list, the audit page): how many rows, which page, the link to another."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session


@dataclass(frozen=True)
class Paging:
    total: int  # rows matching the filters
    page: int  # this page, 1-based, within 1..pages
    pages: int
    per_page: int
    path: str  # the list's path, e.g. "/dossiers"
    query_without_page: str  # the filters as a query string

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    def link(self, page: int) -> str:
        """The list's URL at ``page`` with the same filters (``templates/_pager.html``)."""
        return f"{self.path}?{self.query_without_page}&page={page}"


def paging(
    session: Session, query: Select[Any], page_text: str, per_page: int, path: str, filters: dict[str, str]
) -> Paging:
    """Count the rows of ``query``; ``page_text`` as typed (a bad value is the first page, a page past
    the end the last one)."""
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(1, int(page_text) if page_text.isdigit() else 1), pages)
    query_without_page = "&".join(f"{k}={quote(str(v))}" for k, v in filters.items() if v)
    return Paging(total, page, pages, per_page, path, query_without_page)
