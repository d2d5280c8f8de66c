"""The search page's rows and the dossier page's «same document in other applications», in words."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from api.web.i18n import doc_type_title, gettext
from casework.search import SameDocument
from foundation.gettext_marks import N_
from models.search_index import KEY_PARTY, SearchHit
from validators.findings import fmt_date

PARTY_LABELS = {"payer": N_("плательщик"), "supplier": N_("поставщик")}
OTHER_PARTY = N_("сторона")


@dataclass(frozen=True)
class SearchRow:
    document_id: str
    file: str
    doc_type: str
    application_id: str
    dossier_id: str
    applicant: str
    snippet: tuple[tuple[str, bool], ...]


def search_rows(hits: Sequence[SearchHit]) -> list[SearchRow]:
    return [
        SearchRow(
            document_id=hit.document_id,
            file=hit.file_name,
            doc_type=doc_type_title(hit.doc_type) if hit.doc_type else "—",
            application_id=hit.application_id,
            dossier_id=hit.dossier_id,
            applicant=f"{hit.applicant_name}, " + gettext("БИН") + f" {hit.applicant_bin}",
            snippet=hit.snippet,
        )
        for hit in hits
    ]


@dataclass(frozen=True)
class SameDocumentRow:
    document_id: str
    file: str
    key: str  # «Платёжное поручение № 1284 от 10.01.2023, плательщик БИН …»
    other_document_id: str
    other_file: str
    other_application_id: str
    other_dossier_id: str
    other_applicant: str


def same_document_rows(matches: Sequence[SameDocument]) -> list[SameDocumentRow]:
    return [
        SameDocumentRow(
            document_id=m.document_id,
            file=m.file_name,
            key=(
                gettext("{doc_type} № {number} от {date}, {party} БИН {bin}").format(
                    doc_type=doc_type_title(m.doc_type),
                    number=m.doc_number,
                    date=fmt_date(m.doc_date),
                    party=gettext(PARTY_LABELS.get(KEY_PARTY.get(m.doc_type, ""), OTHER_PARTY)),
                    bin=m.party_bin,
                )
            ),
            other_document_id=m.other_document_id,
            other_file=m.other_file_name,
            other_application_id=m.other_application_id,
            other_dossier_id=m.other_dossier_id,
            other_applicant=f"{m.other_applicant_name}, " + gettext("БИН") + f" {m.other_applicant_bin}",
        )
        for m in matches
    ]
