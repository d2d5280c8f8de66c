"""Migrations and the repository on SQLite and, when reachable, on PostgreSQL (in a throwaway schema)."""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, Engine, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from foundation.settings import Limits
from ingest.dossier import ingest_bytes
from models.db import (
    MIGRATION_LOCK_KEY,
    ApplicationRow,
    ApplicationStatus,
    Base,
    BlobRow,
    DocumentRow,
    DocumentStatus,
    PageRow,
    make_engine,
    make_session_factory,
    upgrade_database,
)
from models.domain import (
    Amounts,
    Applicant,
    Application,
    BBox,
    DocType,
    DocumentExtraction,
    ExtractedValue,
    PageText,
    Party,
    Provenance,
    SourceFile,
    TextSource,
    Word,
)
from models.repository import (
    find_application,
    load_extraction,
    record_document,
    record_pages,
    save_extraction,
    save_result,
    set_document_status,
    upsert_application,
)
from models.search_index import DIALECT_OBJECTS

POSTGRES_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"
POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _postgres_unreachable_reason() -> str | None:
    try:
        with psycopg.connect(POSTGRES_ADMIN_URL, connect_timeout=2):
            return None
    except (psycopg.Error, OSError) as exc:
        return f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL}: {exc}"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'db' / 'docproc.sqlite3'}"  # the folder does not exist yet
        return
    reason = _postgres_unreachable_reason()
    if reason:
        pytest.skip(reason)
    schema = f"test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    upgrade_database(database_url)
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with make_session_factory(engine)() as session:
        yield session


def make_application(**overrides: object) -> Application:
    data: dict[str, object] = {
        "dossier_id": "dossier_9001",
        "applicant": Applicant(name="ТОО «Жезказган Промсервис»", bin="111040086517"),
        "measure": "competence",
        "cost_type": "training",
        "application_date": dt.date(2024, 5, 23),
        "claimed_eligible_costs_kzt": 7006153.5,
        "claimed_reimbursement_kzt": 2802461.4,
        "prior_revenue_n_kzt": 14189379000.0,
        "files": ["zayavka.pdf"],
    }
    data.update(overrides)
    return Application.model_validate(data)


def make_source(name: str, content: bytes) -> SourceFile:
    return ingest_bytes(name, b"%PDF-1.4\n" + content, Limits())


def make_page(number: int, words: list[str]) -> PageText:
    boxes = [
        Word(text=w, confidence=0.9, bbox=BBox(x0=10 * i, y0=5, x1=10 * i + 8, y1=15))
        for i, w in enumerate(words)
    ]
    return PageText(
        page_no=number,
        width=595,
        height=842,
        source=TextSource.TEXT_LAYER,
        words=boxes,
        lines=[list(range(len(boxes)))],
        mean_confidence=0.9,
    )


# --------------------------------------------------------------------------- migrations


def _head_revision() -> str:
    from alembic.script import ScriptDirectory

    from models.db import alembic_config

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def schema_drift(connection: Connection) -> list[Any]:
    """What the database's schema has that the models do not, or lacks (Alembic's comparison); the
    search index's dialect-specific parts (migration 0010, ``DIALECT_OBJECTS``) are outside the models."""
    models_only = {"compare_type": True, "include_name": lambda name, *_: name not in DIALECT_OBJECTS}
    return list(compare_metadata(MigrationContext.configure(connection, opts=models_only), Base.metadata))


def test_migrations_create_exactly_the_models_schema_and_rerun_as_no_op(
    database_url: str, engine: Engine
) -> None:
    upgrade_database(database_url)  # second run: already at head
    with engine.connect() as connection:
        assert schema_drift(connection) == []
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == _head_revision()


# --------------------------------------------------------------------------- repository round trip


def test_application_upsert_is_keyed_by_dossier_id(session: Session) -> None:
    first = upsert_application(session, make_application())
    session.commit()
    second = upsert_application(session, make_application(cost_type="foreign_employee"))
    session.commit()
    assert first.id == second.id
    assert session.scalar(select(func.count()).select_from(ApplicationRow)) == 1
    row = find_application(session, "dossier_9001", "111040086517")
    assert row is not None and row.cost_type == "foreign_employee"
    assert row.status == ApplicationStatus.RECEIVED
    assert Application.model_validate(row.payload) == make_application(cost_type="foreign_employee")


def test_document_pages_extraction_and_result_round_trip(engine: Engine) -> None:
    factory = make_session_factory(engine)
    extraction = DocumentExtraction(
        file="pp_1284.pdf",
        doc_type=DocType.PAYMENT_ORDER,
        language="ru",
        number=ExtractedValue(
            value="1284",
            raw="№ 1284",
            confidence=0.95,
            provenance=Provenance(page=1, bbox=BBox(x0=1, y0=2, x1=3, y1=4)),
        ),
        date=ExtractedValue(value=dt.date(2024, 1, 10), confidence=0.9),
        parties=[Party(role="payer", name=ExtractedValue(value="ТОО «Тест»", confidence=0.8))],
        amounts=Amounts(total=ExtractedValue(value=2822400.0, confidence=1.0)),
        file_format="pdf_text",
        pages=2,
    )
    with factory() as session:
        app_row = upsert_application(session, make_application())
        doc = record_document(session, app_row, make_source("pp_1284.pdf", b"payment"))
        set_document_status(session, doc, DocumentStatus.PROCESSING)
        record_pages(session, doc, [make_page(1, ["Платёжное", "поручение"]), make_page(2, ["Итого"])])
        save_extraction(session, doc, extraction, pipeline_key="test-1")
        set_document_status(session, doc, DocumentStatus.DONE)
        save_result(
            session, app_row, {"dossier_id": "dossier_9001", "application_date": dt.date(2024, 5, 23)}
        )
        session.commit()
        doc_id = doc.id

    with factory() as session:
        doc = session.get_one(DocumentRow, doc_id)
        assert doc.status == DocumentStatus.DONE and doc.failure_code is None
        assert (doc.doc_type, doc.language, doc.file_format, doc.page_count) == (
            "payment_order",
            "ru",
            "pdf_text",
            2,
        )
        assert doc.pipeline_key == "test-1"
        loaded = load_extraction(doc)
        # ExtractedValue.value is Any: a date comes back as its ISO string, so compare the JSON form.
        assert loaded is not None and loaded.model_dump(mode="json") == extraction.model_dump(mode="json")
        assert loaded.number == extraction.number
        assert [(p.page_no, p.text, p.source) for p in doc.pages] == [
            (1, "Платёжное поручение", "text_layer"),
            (2, "Итого", "text_layer"),
        ]
        assert doc.application.status == ApplicationStatus.DONE
        assert doc.application.result == {"dossier_id": "dossier_9001", "application_date": "2024-05-23"}
        assert session.get_one(BlobRow, doc.sha256).kind == "pdf"


def test_record_document_is_idempotent_and_resets_on_new_content(session: Session) -> None:
    app_row = upsert_application(session, make_application())
    doc = record_document(session, app_row, make_source("akt.pdf", b"v1"))
    record_pages(session, doc, [make_page(1, ["Акт"])])
    set_document_status(session, doc, DocumentStatus.FAILED, "corrupt_pdf", "PDF повреждён")
    session.commit()

    same = record_document(session, app_row, make_source("akt.pdf", b"v1"))
    assert same.id == doc.id and same.status == DocumentStatus.FAILED  # unchanged bytes: results kept

    replaced = record_document(session, app_row, make_source("akt.pdf", b"v2"))
    session.commit()
    assert replaced.id == doc.id
    assert (replaced.status, replaced.failure_code, replaced.page_count) == (
        DocumentStatus.QUEUED,
        None,
        None,
    )
    assert session.scalar(select(func.count()).select_from(PageRow)) == 0
    assert session.scalar(select(func.count()).select_from(BlobRow)) == 2


def test_record_pages_replaces_previous_pages(session: Session) -> None:
    app_row = upsert_application(session, make_application())
    doc = record_document(session, app_row, make_source("a.pdf", b"a"))
    record_pages(session, doc, [make_page(1, ["old"]), make_page(2, ["old"])])
    record_pages(session, doc, [make_page(1, ["new"])])
    session.commit()
    assert [(p.page_no, p.text) for p in doc.pages] == [(1, "new")]
    assert doc.page_count == 1


def test_constraints_are_enforced(session: Session) -> None:
    app_row = upsert_application(session, make_application())
    doc = record_document(session, app_row, make_source("a.pdf", b"a"))
    session.commit()

    session.add(
        PageRow(
            document_id=doc.id,
            page_no=1,
            source="ocr",
            width=1,
            height=1,
            unit="px",
            mean_confidence=1,
            rotation=0,
            text="x",
        )
    )
    session.add(
        PageRow(
            document_id=doc.id,
            page_no=1,
            source="ocr",
            width=1,
            height=1,
            unit="px",
            mean_confidence=1,
            rotation=0,
            text="y",
        )
    )
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()

    doc.status = "lost"
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()

    session.add(DocumentRow(application_id=app_row.id, file_name="b.pdf", sha256="0" * 64, kind="pdf"))
    with pytest.raises(IntegrityError):  # no such blob: foreign keys are on, SQLite included
        session.flush()
    session.rollback()


def test_deleting_an_application_removes_its_documents_and_pages(session: Session) -> None:
    app_row = upsert_application(session, make_application())
    doc = record_document(session, app_row, make_source("a.pdf", b"a"))
    record_pages(session, doc, [make_page(1, ["x"])])
    session.commit()
    session.delete(app_row)
    session.commit()
    assert session.scalar(select(func.count()).select_from(DocumentRow)) == 0
    assert session.scalar(select(func.count()).select_from(PageRow)) == 0
    assert session.scalar(select(func.count()).select_from(BlobRow)) == 1  # blobs are shared, kept


def test_upgrade_waits_while_another_process_holds_the_migration_lock(database_url: str) -> None:
    # Service mode: every worker runs upgrade_database at start-up; only one may migrate at a time.
    if not database_url.startswith("postgresql"):
        pytest.skip("advisory locks exist on PostgreSQL only")
    engine = make_engine(database_url)
    try:
        with engine.connect() as other_worker:
            other_worker.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
            upgrading = threading.Thread(target=upgrade_database, args=(database_url,))
            upgrading.start()
            upgrading.join(timeout=1.0)
            assert upgrading.is_alive(), "upgrade did not wait for the migration lock"
            other_worker.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK_KEY})
            upgrading.join(timeout=30)
            assert not upgrading.is_alive()
        with engine.connect() as connection:
            assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == _head_revision()
    finally:
        engine.dispose()


def test_prior_reimbursements_are_the_applicants_earlier_ones_for_the_measure(session: Session) -> None:
    from models.db import ReviewDecision
    from models.repository import prior_reimbursements

    def recorded(dossier_id: str, day: dt.date, q: float | None, **overrides: object) -> ApplicationRow:
        row = upsert_application(
            session, make_application(dossier_id=dossier_id, application_date=day, **overrides)
        )
        if q is not None:
            save_result(session, row, {"computed": {"reimbursement_kzt": q}, "findings": []})
        return row

    recorded("paid", dt.date(2023, 9, 1), 10_000_000.0)
    recorded("refused", dt.date(2023, 10, 1), 5_000_000.0).review_decision = ReviewDecision.INCOMPLETE.value
    recorded("not_checked", dt.date(2023, 11, 1), None)
    recorded("other_measure", dt.date(2023, 12, 1), 7_000_000.0, measure="digital", cost_type="automation_software")
    recorded("other_bin", dt.date(2023, 12, 1), 7_000_000.0, applicant=Applicant(name="x", bin="090840000906"))
    recorded("later", dt.date(2025, 1, 1), 9_000_000.0)
    this = make_application(dossier_id="this", application_date=dt.date(2024, 5, 23))
    recorded("this", this.application_date, 2_000_000.0)
    session.flush()
    found = prior_reimbursements(session, this)
    assert [(h.dossier_id, h.reimbursement_kzt) for h in found] == [("paid", 10_000_000.0)]
    assert found[0].application_date == dt.date(2023, 9, 1) and found[0].measure == "competence"
