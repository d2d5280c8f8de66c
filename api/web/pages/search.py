"""Search (``/search?q=…``): documents by a word, a number or a BIN in what was read, and dossiers by
applicant or dossier id. Every search is in the audit log (``casework.search.search_documents``)."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse

from api.deps import SessionDep
from api.web.page_models.search import search_rows
from api.web.rendering import page_router, render
from api.web.security import UserDep
from casework.search import matching_applications, search_documents
from models.search_index import query_terms

router = page_router()

SEARCH_LIMIT = 50


@router.get("/search", response_class=HTMLResponse)
def search_page(request: Request, user: UserDep, session: SessionDep, q: str = "") -> HTMLResponse:
    query = q.strip()[:200]
    rows, dossiers = [], []
    if query_terms(query):
        # A reviewer sees every dossier (api.web.permissions), so the search looks in all of them.
        rows = search_rows(search_documents(session, query, user_id=user.id, limit=SEARCH_LIMIT))
        dossiers = matching_applications(session, query)
        session.commit()  # the audit event of the search
    return render(
        request,
        "search.html",
        {"user": user, "search_query": query, "rows": rows, "dossiers": dossiers, "limit": SEARCH_LIMIT},
    )
