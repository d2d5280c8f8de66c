"""Full-text search over what was read in every document: the one owner of the index and its queries.

``index_document`` stores a read document's text (its pages, joined) and the values the extractors
took from it (number, date, parties and BINs, amounts, payment purpose) in ``search_entries``, one row
per document, replaced on every new reading; ``drop_document`` removes it (new content under the same
name, a reading that failed). The repository calls both when it stores a reading's outcome, so the
service (workers) and the embedded mode (``docproc check``) index alike. ``casework.search`` adds a
reviewer's corrections and rebuilds the index of what was read before (``docproc search-index rebuild``).

``search`` answers a query on either database (migration 0010 made the index):

- PostgreSQL: ``tsv @@ query``, every word of the query as ``plainto_tsquery('russian', w) ||
  plainto_tsquery('simple', w)`` — Russian stemming («договора» finds «договор»), Kazakh and other
  words as written — ranked by ``ts_rank``, the snippet by ``ts_headline``.
- SQLite: FTS5 ``MATCH``; SQLite has no Russian stemmer, so a word of four letters or more is cut to
  a light stem (``light_stem``: common Russian endings removed, never more) and matched as a prefix.
  Ranked by ``bm25``, the snippet by ``snippet()``.

Numbers are found exactly on both: ``digits`` holds each number of the text as one token, digit
groups joined («1 250 000,00» is also 1250000), and numbers glued to words («№45», «БИН141140001547»)
stand alone there.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, delete, func, literal_column, select, text
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from models.db import ApplicationRow, DocumentRow, SearchEntryRow, utc_now
from models.doc_types import DocType

# Created by migration 0010 outside the models; the schema comparison (tests/test_db.py) skips them.
DIALECT_OBJECTS = frozenset(
    {
        "tsv",
        "ix_search_entries_tsv",
        "search_fts",
        "search_fts_data",
        "search_fts_idx",
        "search_fts_docsize",
        "search_fts_config",
    }
)

# The party whose BIN, with the number and date, identifies a payment order or an invoice.
KEY_PARTY: dict[str, str] = {DocType.PAYMENT_ORDER.value: "payer", DocType.INVOICE.value: "supplier"}

MAX_TERMS = 8
# A PostgreSQL tsvector holds at most 1 MB: a longer text would fail the reading's transaction. The
# text is cut here (about a hundred dense pages); the extracted values are always kept.
MAX_TEXT_CHARS = 250_000
MAX_DIGITS_CHARS = 50_000
MAX_TERM_LENGTH = 64
# Snippet highlight marks: control characters never kept in the indexed text (see ``_clean``).
MARK_START, MARK_END = "\x02", "\x03"

_GROUPED_NUMBER = re.compile(r"(?<!\d)\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?!\d)")
_DIGITS = re.compile(r"\d+")
_TERM = re.compile(r"\w+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_NUMBER_NOISE = re.compile(r"[\s№#]+")
_CYRILLIC = re.compile(r"[а-яё]")


@dataclass(frozen=True)
class SearchHit:
    document_id: str
    application_id: str
    file_name: str
    doc_type: str | None
    dossier_id: str
    applicant_name: str
    applicant_bin: str
    # The snippet as (text, highlighted) pieces: a template shows it without trusting any markup.
    snippet: tuple[tuple[str, bool], ...]


# --------------------------------------------------------------------------- what is indexed


def _clean(value: str) -> str:
    return _CONTROL.sub(" ", value)


def _values(extraction: dict[str, Any]) -> Iterable[str]:
    """The extracted values worth finding, as text (the JSON form of ``DocumentExtraction``)."""

    def value_of(field: Any) -> list[str]:
        if not isinstance(field, dict):
            return []
        found = [str(field[k]) for k in ("raw", "value") if field.get(k) not in (None, "")]
        value = field.get("value")
        if isinstance(value, float):
            found.append(str(int(value)) if value.is_integer() else f"{value:.2f}")
        if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            found.append(dt.date.fromisoformat(value).strftime("%d.%m.%Y"))
        return found

    for name in ("number", "date", "payment_purpose", "knp", "period"):
        yield from value_of(extraction.get(name))
    for party in extraction.get("parties") or []:
        for name in ("name", "bin", "iban"):
            yield from value_of((party or {}).get(name))
    for name, field in (extraction.get("amounts") or {}).items():
        if name != "vat_rate":
            yield from value_of(field)
    contract = extraction.get("contract_ref") or {}
    for name in ("number", "date"):
        yield from value_of(contract.get(name))


def digit_tokens(body: str) -> str:
    """Each number of ``body`` once, as its own token; groups of digits joined ("1 250 000" -> 1250000)."""
    found: dict[str, None] = {}
    for grouped in _GROUPED_NUMBER.findall(body):
        found[re.sub(r"\D", "", grouped)] = None
    for run in _DIGITS.findall(body):
        found[run] = None
    return " ".join(found)


def normalise_number(value: Any) -> str | None:
    """A document number as compared across applications: no spaces or «№», upper case."""
    if value in (None, ""):
        return None
    cleaned = _NUMBER_NOISE.sub("", str(value)).upper()
    return cleaned[:100] or None


def _date_of(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def document_key(extraction: dict[str, Any] | None) -> tuple[str | None, dt.date | None, str | None]:
    """(number, date, BIN of the identifying party) of a payment order or invoice; BIN None otherwise."""
    if not extraction:
        return None, None, None
    number = normalise_number((extraction.get("number") or {}).get("value"))
    day = _date_of((extraction.get("date") or {}).get("value"))
    role = KEY_PARTY.get(str(extraction.get("doc_type")))
    party_bin = None
    for party in extraction.get("parties") or []:
        if role is not None and (party or {}).get("role") == role:
            digits = re.sub(r"\D", "", str(((party.get("bin") or {}).get("value")) or ""))
            party_bin = digits if len(digits) == 12 else None
            break
    return number, day, party_bin


def index_document(session: Session, doc: DocumentRow, extraction: dict[str, Any] | None = None) -> None:
    """Store (or replace) ``doc``'s entry from its pages and reading (``extraction``: the reading to
    index instead of the stored one, e.g. with a reviewer's corrections). Only the caller flushes more."""
    reading = extraction if extraction is not None else doc.extraction
    pages = [page.text for page in doc.pages if page.text]
    values = list(_values(reading or {}))
    if not pages and not values:
        drop_document(session, doc.id)
        return
    body = _clean("\n".join(pages)[:MAX_TEXT_CHARS] + "\n" + " · ".join(values)[:MAX_TEXT_CHARS // 10])
    number, day, party_bin = document_key(reading)
    entry = session.scalars(select(SearchEntryRow).where(SearchEntryRow.document_id == doc.id)).one_or_none()
    if entry is None:
        entry = SearchEntryRow(document_id=doc.id, application_id=doc.application_id)
        session.add(entry)
    # The reading's type and language: a reviewer's correction of them counts (``casework.search``).
    entry.doc_type = (reading or {}).get("doc_type") or doc.doc_type
    entry.language = (reading or {}).get("language") or doc.language
    entry.body = body
    entry.digits = digit_tokens(body)[:MAX_DIGITS_CHARS]
    entry.doc_number = number
    entry.doc_date = day
    entry.party_bin = party_bin
    entry.indexed_at = utc_now()
    session.flush()


def drop_document(session: Session, document_id: str) -> None:
    session.execute(delete(SearchEntryRow).where(SearchEntryRow.document_id == document_id))


# --------------------------------------------------------------------------- queries


def query_terms(query: str) -> list[str]:
    """The words and numbers of a query, lower case: punctuation splits ("05.03.2024" is 05 03 2024,
    all found in ``digits``); at most ``MAX_TERMS``."""
    terms = [t[:MAX_TERM_LENGTH] for t in _TERM.findall(query.lower().replace("_", " "))]
    return list(dict.fromkeys(terms))[:MAX_TERMS]


def light_stem(word: str) -> str:
    """``word``'s Snowball Russian stem, four letters at least (SQLite's FTS5 has no Russian stemmer): the stemmer only
    strips endings, so the stem is a prefix of ``word`` and matching it as a prefix still finds ``word``."""
    if not _CYRILLIC.search(word):
        return word
    stem = _russian_stemmer().stemWord(word)
    return stem if len(stem) >= MIN_STEM_LETTERS and word.startswith(stem) else word[: max(MIN_STEM_LETTERS, len(stem))]


@lru_cache(maxsize=1)
def _russian_stemmer() -> Any:
    import snowballstemmer  # imported here: only the embedded search needs it

    return snowballstemmer.stemmer("russian")


MIN_STEM_LETTERS = 4


def fts5_query(terms: list[str]) -> str:
    """An FTS5 query: every term must occur; words of four letters or more by their stem, as a prefix."""
    parts = []
    for term in terms:
        if term.isdigit() or len(term) < 4:
            parts.append(f'"{term}"')
        else:
            parts.append(f'"{light_stem(term)}" *')
    return " AND ".join(parts)


def _pieces(snippet: str) -> tuple[tuple[str, bool], ...]:
    pieces: list[tuple[str, bool]] = []
    for i, part in enumerate(re.split(f"[{MARK_START}{MARK_END}]", snippet or "")):
        if part:
            pieces.append((part, i % 2 == 1))
    return tuple(pieces)


def search(
    session: Session, query: str, applicant_bins: Collection[str] | None = None, limit: int = 50
) -> list[SearchHit]:
    """Documents whose text or values contain every word of ``query``, best first.

    ``applicant_bins``: only applications of these applicants (None: all, as a reviewer sees them).
    """
    terms = query_terms(query)
    if not terms or (applicant_bins is not None and not applicant_bins):
        return []
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        found = _search_postgresql(session, terms, applicant_bins, limit)
    elif dialect == "sqlite":
        found = _search_sqlite(session, terms, applicant_bins, limit)
    else:  # pragma: no cover - the project runs on these two only
        raise NotImplementedError(f"full-text search is not available on {dialect}")
    rows = {
        row.id: row
        for row in session.execute(
            select(
                DocumentRow.id,
                DocumentRow.file_name,
                DocumentRow.doc_type,
                ApplicationRow.id.label("application_id"),
                ApplicationRow.dossier_id,
                ApplicationRow.applicant_name,
                ApplicationRow.applicant_bin,
            )
            .join(ApplicationRow, ApplicationRow.id == DocumentRow.application_id)
            .where(DocumentRow.id.in_([document_id for document_id, _ in found]))
        )
    }
    return [
        SearchHit(
            document_id=document_id,
            application_id=row.application_id,
            file_name=row.file_name,
            doc_type=row.doc_type,
            dossier_id=row.dossier_id,
            applicant_name=row.applicant_name,
            applicant_bin=row.applicant_bin,
            snippet=_pieces(snippet),
        )
        for document_id, snippet in found
        if (row := rows.get(document_id)) is not None
    ]


def _in_scope(applicant_bins: Collection[str] | None) -> Any:
    if applicant_bins is None:
        return None
    return SearchEntryRow.application_id.in_(
        select(ApplicationRow.id).where(ApplicationRow.applicant_bin.in_(sorted(applicant_bins)))
    )


def _search_postgresql(
    session: Session, terms: list[str], applicant_bins: Collection[str] | None, limit: int
) -> list[tuple[str, str]]:
    russian: ColumnElement[Any] = literal_column("'russian'::regconfig")
    simple: ColumnElement[Any] = literal_column("'simple'::regconfig")
    tsquery: Any = None
    for term in terms:
        either = func.plainto_tsquery(russian, term).op("||")(func.plainto_tsquery(simple, term))
        tsquery = either if tsquery is None else tsquery.op("&&")(either)
    tsv: ColumnElement[Any] = literal_column("search_entries.tsv")
    best = (
        select(SearchEntryRow.id, func.ts_rank(tsv, tsquery).label("rank"))
        .where(tsv.op("@@")(tsquery))
        .order_by(literal_column("rank").desc(), SearchEntryRow.id)
        .limit(limit)
    )
    scope = _in_scope(applicant_bins)
    if scope is not None:
        best = best.where(scope)
    best_rows = best.subquery()
    # The headline only for the rows shown: it parses the whole text again.
    options = f"StartSel={MARK_START}, StopSel={MARK_END}, MaxFragments=2, MaxWords=20, MinWords=8, FragmentDelimiter=\" … \""
    rows = session.execute(
        select(SearchEntryRow.document_id, func.ts_headline(russian, SearchEntryRow.body, tsquery, options))
        .join(best_rows, best_rows.c.id == SearchEntryRow.id)
        .order_by(best_rows.c.rank.desc(), SearchEntryRow.id)
    ).all()
    return [(document_id, snippet) for document_id, snippet in rows]


def _search_sqlite(
    session: Session, terms: list[str], applicant_bins: Collection[str] | None, limit: int
) -> list[tuple[str, str]]:
    scope = ""
    params: dict[str, Any] = {"match": fts5_query(terms), "limit": limit}
    if applicant_bins is not None:
        scope = " AND e.application_id IN (SELECT id FROM applications WHERE applicant_bin IN :bins)"
        params["bins"] = sorted(applicant_bins)
    statement = text(
        "SELECT e.document_id, snippet(search_fts, 0, char(2), char(3), ' … ', 20) AS snippet"
        " FROM search_fts JOIN search_entries e ON e.id = search_fts.rowid"
        f" WHERE search_fts MATCH :match{scope} ORDER BY bm25(search_fts), e.id LIMIT :limit"
    )
    if applicant_bins is not None:
        statement = statement.bindparams(bindparam("bins", expanding=True))
    return [(document_id, snippet) for document_id, snippet in session.execute(statement, params)]
