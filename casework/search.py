"""Search for reviewers and API keys, and the same payment order or invoice in other applications.

The index and its queries are ``models.search_index`` (the repository indexes every reading it
stores, in the service and the embedded mode alike); this is the service's side of it: what a
principal may search (its applicants only, for a scoped key), the audit of every search, a reviewer's
corrections in the index, and the cross-application lookup the dossier page shows.

The same payment order (number, date, payer BIN) or invoice (number, date, supplier BIN) in another
application may be a document claimed twice — or a correction, a resubmission, a reading slip. The
dossier page shows it as information for the reviewer, nothing more.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, aliased, defer

from casework.audit import record_event
from casework.corrections import apply_corrections
from models.db import ApplicationRow, DocumentRow, DocumentStatus, SearchEntryRow
from models.domain import DocumentExtraction
from models.search_index import KEY_PARTY, SearchHit, index_document, search

SEARCH_ACTION = "search"


def corrected_reading(doc: DocumentRow) -> dict | None:
    """The document's reading with the reviewer's corrections, as the dossier check sees it."""
    if doc.extraction is None or not doc.corrections:
        return doc.extraction
    corrected = apply_corrections(DocumentExtraction.model_validate(doc.extraction), doc.corrections)
    return corrected.model_dump(mode="json")


def reindex_document(session: Session, doc: DocumentRow) -> None:
    """Index a read document with its corrections (after a correction, or a reading of a corrected one)."""
    if doc.status == DocumentStatus.DONE.value:
        index_document(session, doc, corrected_reading(doc))


def rebuild_index(session: Session, batch: int = 200) -> int:
    """Index every read document again (``docproc search-index rebuild``); returns how many.

    Entries of documents no longer read (failed, reset) are removed first. The caller commits.
    """
    done = select(DocumentRow.id).where(DocumentRow.status == DocumentStatus.DONE.value)
    for entry in session.scalars(select(SearchEntryRow).where(SearchEntryRow.document_id.not_in(done))):
        session.delete(entry)
    session.flush()
    ids = list(session.scalars(done.order_by(DocumentRow.id)))
    for start in range(0, len(ids), batch):
        for doc in session.scalars(select(DocumentRow).where(DocumentRow.id.in_(ids[start : start + batch]))):
            reindex_document(session, doc)
        session.flush()
        session.expunge_all()  # an archive's pages need not all stay in memory
    return len(ids)


def search_documents(
    session: Session,
    query: str,
    *,
    applicant_bins: Collection[str] | None = None,
    user_id: str | None = None,
    api_key_id: str | None = None,
    limit: int = 50,
) -> list[SearchHit]:
    """Documents matching ``query`` among the applicants the caller sees (None: all); the search
    itself goes into the audit log (who searched for what, how many documents were found)."""
    hits = search(session, query, applicant_bins, limit)
    record_event(
        session,
        SEARCH_ACTION,
        user_id=user_id,
        api_key_id=api_key_id,
        query=query[:200],
        found=len(hits),
        applications=sorted({hit.application_id for hit in hits}),
    )
    return hits


def matching_applications(
    session: Session, query: str, applicant_bins: Collection[str] | None = None, limit: int = 20
) -> list[ApplicationRow]:
    """Applications whose applicant BIN is ``query``, or whose applicant name or dossier id contains it
    (what the dossier list's search box finds), newest first."""
    needle = query.strip()
    if not needle:
        return []
    found = (
        select(ApplicationRow)
        .options(defer(ApplicationRow.result), defer(ApplicationRow.payload))
        .where(
            or_(
                ApplicationRow.applicant_bin == needle,
                ApplicationRow.applicant_name.icontains(needle, autoescape=True),
                ApplicationRow.dossier_id.icontains(needle, autoescape=True),
            )
        )
        .order_by(ApplicationRow.created_at.desc(), ApplicationRow.id)
        .limit(limit)
    )
    if applicant_bins is not None:
        found = found.where(ApplicationRow.applicant_bin.in_(sorted(applicant_bins)))
    return list(session.scalars(found))


@dataclass(frozen=True)
class SameDocument:
    """A payment order or invoice of this application whose key a document of another one has too."""

    document_id: str
    file_name: str
    doc_type: str
    doc_number: str
    doc_date: dt.date
    party_bin: str
    other_document_id: str
    other_file_name: str
    other_application_id: str
    other_dossier_id: str
    other_applicant_name: str
    other_applicant_bin: str


def same_documents(
    session: Session, application_id: str, applicant_bins: Collection[str] | None = None
) -> list[SameDocument]:
    """The application's payment orders and invoices whose number, date and payer (supplier) BIN a
    document of another application has too (``applicant_bins``: only those applicants' applications
    are looked in). One row per pair, by file, then by the other dossier."""
    mine, theirs = aliased(SearchEntryRow), aliased(SearchEntryRow)
    my_doc, their_doc = aliased(DocumentRow), aliased(DocumentRow)
    query = (
        select(
            mine.document_id,
            my_doc.file_name,
            mine.doc_type,
            mine.doc_number,
            mine.doc_date,
            mine.party_bin,
            theirs.document_id,
            their_doc.file_name,
            ApplicationRow.id,
            ApplicationRow.dossier_id,
            ApplicationRow.applicant_name,
            ApplicationRow.applicant_bin,
        )
        .join(
            theirs,
            (theirs.doc_type == mine.doc_type)
            & (theirs.doc_number == mine.doc_number)
            & (theirs.doc_date == mine.doc_date)
            & (theirs.party_bin == mine.party_bin)
            & (theirs.application_id != mine.application_id),
        )
        .join(my_doc, my_doc.id == mine.document_id)
        .join(their_doc, their_doc.id == theirs.document_id)
        .join(ApplicationRow, ApplicationRow.id == theirs.application_id)
        .where(
            mine.application_id == application_id,
            mine.doc_type.in_(list(KEY_PARTY)),
            mine.doc_number.is_not(None),
            mine.doc_date.is_not(None),
            mine.party_bin.is_not(None),
        )
        .order_by(my_doc.file_name, ApplicationRow.dossier_id, their_doc.file_name)
    )
    if applicant_bins is not None:
        query = query.where(ApplicationRow.applicant_bin.in_(sorted(applicant_bins)))
    return [SameDocument(*row) for row in session.execute(query)]
