"""Full-text search (models.search_index, casework.search) on SQLite (FTS5) and on the real PostgreSQL
(tsvector, in a throwaway schema): Russian stemming, Kazakh words, numbers written with digit groups,
BINs, no duplicate entries on a new reading, access by applicant, the audit of a search, corrections,
the rebuild, and the same payment order or invoice found in another application."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, delete, func, select
from sqlalchemy.orm import Session

from casework.search import rebuild_index, reindex_document, same_documents, search_documents
from docproc.cli import app as cli
from models.db import (
    ApplicationRow,
    AuditEventRow,
    DocumentRow,
    DocumentStatus,
    SearchEntryRow,
    make_session_factory,
)
from models.domain import Amounts, Applicant, DocType, DocumentExtraction, ExtractedValue, Party
from models.repository import (
    record_document,
    record_pages,
    save_extraction,
    set_document_status,
    upsert_application,
)
from models.search_index import digit_tokens, document_key, fts5_query, light_stem, query_terms, search
from tests.test_cli import FIXTURE_DOSSIERS, env_fixture, runner  # noqa: F401 - fixture
from tests.test_db import database_url, engine, make_application, make_page, make_source  # noqa: F401 - fixtures


@pytest.fixture(name="session")
def session_fixture(engine: Engine) -> Iterator[Session]:  # noqa: F811 - test_db's engine fixture
    """A session on test_db's database: SQLite, and PostgreSQL in a throwaway schema."""
    with make_session_factory(engine)() as session:
        yield session


BIN_A = "141140001547"
BIN_B = "090840000906"
PAYER_BIN = "111040086517"


def read(
    session: Session,
    app: ApplicationRow,
    name: str,
    lines: list[str],
    extraction: DocumentExtraction | None = None,
    content: bytes | None = None,
) -> DocumentRow:
    """A document stored the way the pipeline stores a reading: pages, values, then «done»."""
    doc = record_document(session, app, make_source(name, content or name.encode() + "".join(lines).encode()))
    record_pages(session, doc, [make_page(i, line.split()) for i, line in enumerate(lines, 1)])
    save_extraction(session, doc, extraction or DocumentExtraction(file=name, language="ru"))
    set_document_status(session, doc, DocumentStatus.DONE)
    return doc


def application(session: Session, dossier_id: str, applicant_bin: str = BIN_A) -> ApplicationRow:
    return upsert_application(
        session,
        make_application(dossier_id=dossier_id, applicant=Applicant(name=f"ТОО «{dossier_id}»", bin=applicant_bin)),
    )


def payment_order(name: str, number: str, day: dt.date, payer_bin: str) -> DocumentExtraction:
    return DocumentExtraction(
        file=name,
        doc_type=DocType.PAYMENT_ORDER,
        language="ru",
        number=ExtractedValue(value=number, raw=f"№ {number}"),
        date=ExtractedValue(value=day),
        parties=[
            Party(role="payer", bin=ExtractedValue(value=payer_bin)),
            Party(role="beneficiary", bin=ExtractedValue(value=BIN_B)),
        ],
        amounts=Amounts(total=ExtractedValue(value=2822400.0, raw="2 822 400,00")),
    )


def files(hits: list) -> list[str]:
    return [hit.file_name for hit in hits]


# --------------------------------------------------------------------------- pure parts


def test_numbers_become_single_tokens_and_queries_split_on_punctuation() -> None:
    assert digit_tokens("Сумма 1 250 000,00 тенге, №45, БИН141140001547").split() == [
        "1250000",
        "1",
        "250",
        "000",
        "00",
        "45",
        "141140001547",
    ]
    assert query_terms("Договора №45 от 05.03.2024") == ["договора", "45", "от", "05", "03", "2024"]
    assert light_stem("договора") == "договор" and light_stem("работ") == "работ" and light_stem("акт") == "акт"
    assert light_stem("payment") == "payment"  # only Russian endings are cut
    assert fts5_query(["договора", "45", "акт"]) == '"договор" * AND "45" AND "акт"'
    extraction = payment_order("pp.pdf", " № 12 84", dt.date(2024, 1, 10), PAYER_BIN).model_dump(mode="json")
    assert document_key(extraction) == ("1284", dt.date(2024, 1, 10), PAYER_BIN)


# --------------------------------------------------------------------------- on both databases


def test_russian_stemming_kazakh_words_numbers_and_bins_are_found(session: Session) -> None:
    app = application(session, "d1")
    read(session, app, "dogovor.pdf", ["ДОГОВОР № 15/22 на выполнение пусконаладочных работ", "г. Костанай"])
    read(session, app, "kk.pdf", ["Келісімшарт бойынша төлем жасалды", "Қазақстан Республикасы"])
    read(
        session,
        app,
        "pp.pdf",
        ["ПЛАТЕЖНОЕ ПОРУЧЕНИЕ №45 от 05.03.2024", "Сумма 1 250 000,00 тенге", f"ИИН/БИН{BIN_A}"],
    )
    session.commit()
    assert files(search(session, "договора")) == ["dogovor.pdf"]  # «договор» in the text
    assert files(search(session, "работы Костанай")) == ["dogovor.pdf"]
    assert files(search(session, "келісімшарт")) == ["kk.pdf"]
    assert files(search(session, "Қазақстан")) == ["kk.pdf"]
    assert files(search(session, "1250000")) == ["pp.pdf"]  # written «1 250 000» in the document
    assert files(search(session, "1 250 000")) == ["pp.pdf"]
    assert files(search(session, "125000")) == []
    assert files(search(session, BIN_A)) == ["pp.pdf"]  # glued to «БИН» in the text
    assert files(search(session, BIN_A[:-1])) == []  # a BIN is found whole, not by a part
    assert files(search(session, "№ 45")) == ["pp.pdf"]
    assert files(search(session, "05.03.2024")) == ["pp.pdf"]
    assert files(search(session, "договор 1250000")) == []  # every word must occur in one document
    assert search(session, "  … ") == []


def test_the_snippet_highlights_the_word_found(session: Session) -> None:
    app = application(session, "d1")
    read(session, app, "akt.pdf", ["АКТ выполненных работ № 7", "Пусконаладочные работы линии розлива"])
    session.commit()
    (hit,) = search(session, "розлива")
    marked = [text for text, highlighted in hit.snippet if highlighted]
    assert marked and all("розлив" in text.lower() for text in marked), hit.snippet
    assert "\x02" not in "".join(text for text, _ in hit.snippet)


def test_extracted_values_are_found_with_the_text(session: Session) -> None:
    app = application(session, "d1")
    extraction = payment_order("pp.pdf", "1284", dt.date(2024, 1, 10), PAYER_BIN)
    read(session, app, "pp.pdf", ["Платёжное поручение"], extraction)
    session.commit()
    assert files(search(session, "2822400")) == ["pp.pdf"]
    assert files(search(session, "10.01.2024")) == ["pp.pdf"]  # the date read, written the usual way
    assert files(search(session, PAYER_BIN)) == ["pp.pdf"]


def test_a_new_reading_replaces_the_entry_and_deleting_removes_it(session: Session) -> None:
    app = application(session, "d1")
    doc = read(session, app, "akt.pdf", ["Акт сверки старый"], content=b"one")
    set_document_status(session, doc, DocumentStatus.DONE)  # a re-check stores the outcome again
    record_pages(session, doc, [make_page(1, ["Акт", "сверки", "новый"])])
    set_document_status(session, doc, DocumentStatus.DONE)
    session.commit()
    assert session.scalar(select(func.count()).select_from(SearchEntryRow)) == 1
    assert files(search(session, "новый")) == ["akt.pdf"] and search(session, "старый") == []

    record_document(session, app, make_source("akt.pdf", b"two"))  # new content under the same name
    session.commit()
    assert search(session, "новый") == []
    doc = read(session, app, "akt.pdf", ["Акт третий"], content=b"two")
    set_document_status(session, doc, DocumentStatus.FAILED, "unreadable", "Не читается.")
    session.commit()
    assert search(session, "третий") == []

    read(session, app, "other.pdf", ["Счет на оплату"])
    session.commit()
    assert files(search(session, "счет")) == ["other.pdf"]
    session.delete(app)  # cascades to documents and entries; the FTS5 index follows by trigger
    session.commit()
    assert search(session, "счет") == [] and session.scalar(select(func.count()).select_from(SearchEntryRow)) == 0


def test_a_scoped_caller_finds_only_its_applicants_and_the_search_is_audited(session: Session) -> None:
    read(session, application(session, "mine", BIN_A), "a.pdf", ["Договор поставки"])
    read(session, application(session, "theirs", BIN_B), "b.pdf", ["Договор подряда"])
    session.commit()
    assert sorted(files(search_documents(session, "договор", user_id="u-1"))) == ["a.pdf", "b.pdf"]
    assert files(search_documents(session, "договор", applicant_bins={BIN_A}, api_key_id="k-1")) == ["a.pdf"]
    assert search_documents(session, "договор", applicant_bins=set(), api_key_id="k-2") == []
    session.commit()
    events = session.scalars(select(AuditEventRow).order_by(AuditEventRow.at)).all()
    assert [(e.action, e.user_id, e.api_key_id, e.details["found"]) for e in events] == [
        ("search", "u-1", None, 2),
        ("search", None, "k-1", 1),
        ("search", None, "k-2", 0),
    ]
    assert events[0].details["query"] == "договор"


def test_corrections_are_indexed_and_the_rebuild_restores_the_index(session: Session) -> None:
    app = application(session, "d1")
    doc = read(session, app, "pp.pdf", ["Платёжное поручение"], payment_order("pp.pdf", "1284", dt.date(2024, 1, 10), PAYER_BIN))
    doc.corrections = {"number": "1290", "doc_type": "invoice", "parties.supplier.bin": BIN_B}
    reindex_document(session, doc)
    session.commit()
    assert files(search(session, "1290")) == ["pp.pdf"]
    entry = session.scalars(select(SearchEntryRow)).one()
    assert (entry.doc_type, entry.doc_number, entry.party_bin) == ("invoice", "1290", BIN_B)

    session.delete(entry)
    session.commit()
    assert search(session, "поручение") == []
    assert rebuild_index(session) == 1
    session.commit()
    assert files(search(session, "поручение")) == ["pp.pdf"] and files(search(session, "1290")) == ["pp.pdf"]
    assert rebuild_index(session) == 1  # again: replaced, not added
    session.commit()
    assert session.scalar(select(func.count()).select_from(SearchEntryRow)) == 1


def test_the_same_payment_order_in_another_application_is_found(session: Session) -> None:
    first, second, third = application(session, "d1"), application(session, "d2"), application(session, "d3", BIN_B)
    key = ("1284", dt.date(2024, 1, 10), PAYER_BIN)
    read(session, first, "pp_1284.pdf", ["Платёжное поручение"], payment_order("pp_1284.pdf", *key))
    read(session, second, "oplata.pdf", ["Платёжное поручение"], payment_order("oplata.pdf", *key), content=b"x")
    # The same number and payer on another day, and another payer: different payment orders.
    read(session, third, "pp_a.pdf", ["П/п"], payment_order("pp_a.pdf", "1284", dt.date(2024, 1, 11), PAYER_BIN))
    read(session, third, "pp_b.pdf", ["П/п"], payment_order("pp_b.pdf", "1284", dt.date(2024, 1, 10), BIN_A))
    session.commit()
    (match,) = same_documents(session, first.id)
    assert (match.file_name, match.other_file_name, match.other_dossier_id) == ("pp_1284.pdf", "oplata.pdf", "d2")
    assert (match.doc_number, match.doc_date, match.party_bin) == key
    assert [m.other_dossier_id for m in same_documents(session, second.id)] == ["d1"]
    assert same_documents(session, third.id) == []
    assert same_documents(session, first.id, applicant_bins={BIN_B}) == []  # d2 is not the caller's to see


@pytest.mark.parametrize("doc_type, role", [(DocType.INVOICE, "supplier"), (DocType.ACT_OF_WORK, "supplier")])
def test_invoices_match_by_supplier_and_other_types_do_not_match(session: Session, doc_type: DocType, role: str) -> None:
    apps = [application(session, "d1"), application(session, "d2")]
    for app in apps:
        extraction = DocumentExtraction(
            file="sf.pdf",
            doc_type=doc_type,
            number=ExtractedValue(value="7"),
            date=ExtractedValue(value=dt.date(2023, 1, 20)),
            parties=[Party(role=role, bin=ExtractedValue(value=BIN_B))],
        )
        read(session, app, "sf.pdf", ["Документ № 7"], extraction, content=app.dossier_id.encode())
    session.commit()
    found = [m.other_dossier_id for m in same_documents(session, apps[0].id)]
    assert found == (["d2"] if doc_type == DocType.INVOICE else [])


# --------------------------------------------------------------------------- embedded mode and the CLI


def test_docproc_check_indexes_the_dossier_and_the_cli_rebuilds_the_index(env: Path) -> None:
    """Embedded mode (SQLite in DOCPROC_DATA_DIR): ``docproc check`` records and indexes; the rebuild
    indexes the same documents again, not twice."""
    from foundation.settings import get_settings
    from models.db import make_engine

    checked = runner.invoke(cli, ["check", str(FIXTURE_DOSSIERS / "clean_ru"), "-j", "1", "-q"])
    assert checked.exit_code == 0, checked.output
    local = make_engine(get_settings().effective_database_url)
    try:
        with make_session_factory(local)() as session:
            done = session.scalar(select(func.count()).select_from(DocumentRow).where(DocumentRow.status == "done"))
            assert done and session.scalar(select(func.count()).select_from(SearchEntryRow)) == done
            assert "pp_2865.pdf" in files(search(session, "платежное поручение 2865"))
            session.execute(delete(SearchEntryRow))
            session.commit()
            assert search(session, "2865") == []
        rebuilt = runner.invoke(cli, ["search-index", "rebuild"])
        assert rebuilt.exit_code == 0, rebuilt.output
        assert f"Проиндексировано документов: {done}" in rebuilt.output
        with make_session_factory(local)() as session:
            assert session.scalar(select(func.count()).select_from(SearchEntryRow)) == done
            assert "pp_2865.pdf" in files(search(session, "платежное поручение 2865"))
    finally:
        local.dispose()


def test_a_very_long_document_is_indexed_cut_to_what_postgresql_can_hold(session: Session) -> None:
    """Unique words and numbers all along (the worst case for a tsvector's 1 MB): still indexed, the
    beginning found; the extracted values are kept whatever the length."""
    words = [f"слово{i:06d} {i * 7919}" for i in range(60_000)]  # about 1 MB of text
    app = application(session, "d1")
    extraction = payment_order("big.pdf", "1284", dt.date(2024, 1, 10), PAYER_BIN)
    read(session, app, "big.pdf", [" ".join(words[i : i + 2000]) for i in range(0, len(words), 2000)], extraction)
    session.commit()
    assert files(search(session, "слово000001")) == ["big.pdf"]
    assert files(search(session, PAYER_BIN)) == ["big.pdf"]
    assert search(session, "слово059999") == []  # beyond the cut
