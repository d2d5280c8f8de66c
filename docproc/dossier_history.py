"""The embedded mode's (CLI's) history of checked dossiers: each run recorded (bytes in the local blob
folder, rows in the database, SQLite by default), and the applicant's earlier reimbursements read back."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sqlalchemy.engine import make_url

from docproc.document_outcome import DocumentOutcome
from foundation.settings import Settings
from ingest.blobs import LocalBlobStore
from ingest.dossier import LoadedDossier
from models import repository as repo
from models.db import make_engine, make_session_factory, upgrade_database
from models.domain import Application, DossierResult, PriorReimbursement


def load_history(settings: Settings, application: Application) -> list[PriorReimbursement]:
    """The applicant's reimbursements already recorded in the local database (embedded mode), which
    count against the measure's cap; none while no database exists yet."""
    url = settings.effective_database_url
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if not database or database == ":memory:" or not Path(database).is_file():
            return []
    upgrade_database(url)
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            return repo.prior_reimbursements(session, application)
    finally:
        engine.dispose()


def record_dossier(
    settings: Settings, loaded: LoadedDossier, outcomes: Sequence[DocumentOutcome], result: DossierResult
) -> None:
    if loaded.application is None:
        return
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    url = settings.effective_database_url
    upgrade_database(url)
    blobs = LocalBlobStore(settings.blob_dir)
    by_name = {o.extraction.file: o for o in outcomes}
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            app_row = repo.upsert_application(session, loaded.application)
            for source in loaded.files:
                blobs.put(source.data)
                doc_row = repo.record_document(session, app_row, source)
                outcome = by_name.get(source.name)
                if outcome is None:
                    continue
                if outcome.extraction.unreadable_reason:
                    repo.set_document_status(
                        session,
                        doc_row,
                        "failed",
                        failure_code=outcome.extraction.unreadable_code,
                        failure_reason=outcome.extraction.unreadable_reason,
                    )
                else:
                    if outcome.text is not None:
                        repo.record_pages(session, doc_row, outcome.text.pages)
                    repo.save_extraction(session, doc_row, outcome.extraction)
                    repo.set_document_status(session, doc_row, "done")
            repo.save_result(session, app_row, result.model_dump(mode="json"))
            session.commit()
    finally:
        engine.dispose()
