"""/v1/search: full-text search over what was read in the documents a key may see."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from api.deps import SessionDep, SettingsDep, require
from api.schemas import SearchHitOut, SearchResults
from casework.access import Action, Principal
from casework.search import search_documents

router = APIRouter(prefix="/v1", tags=["applications"])

Reader = Annotated[Principal, Depends(require(Action.READ))]

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Нет ключа API или он отозван."},
    403: {"description": "Роли ключа это действие не разрешено."},
}


@router.get("/search", response_model=SearchResults, summary="Поиск по тексту документов", responses=_ERRORS)
def search(
    principal: Reader,
    session: SessionDep,
    settings: SettingsDep,
    q: Annotated[str, Query(min_length=1, max_length=200, description="Слова, номер, сумма или БИН.")],
    limit: Annotated[int, Query(ge=1, description="Не больше list_max_limit (200).")] = 50,
) -> SearchResults:
    """Документы, в прочитанном тексте или извлечённых значениях которых есть все слова запроса
    (русские слова — в любой форме; числа и БИН — целиком, «1 250 000» находится и как 1250000).
    Ключ portal (и consumer с БИН) видит только заявки своих заявителей. Поиск записывается в журнал."""
    limit = min(limit, settings.service.list_max_limit)
    hits = search_documents(
        session,
        q,
        applicant_bins=principal.applicant_bins if principal.scoped else None,
        api_key_id=principal.key_id,
        limit=limit,
    )
    session.commit()  # the audit event
    return SearchResults(
        query=q,
        limit=limit,
        items=[
            SearchHitOut(
                **{name: value for name, value in asdict(hit).items() if name != "snippet"},
                snippet="".join(f"[[{text}]]" if marked else text for text, marked in hit.snippet),
            )
            for hit in hits
        ],
    )
