"""``docproc batch --queue``: dossiers handed to the service for its workers, as the API hands them."""

from __future__ import annotations

from foundation.settings import Settings
from ingest.dossier import LoadedDossier, RejectedFile
from ingest.errors import IngestError


class QueueTarget:
    """Hands dossiers to the service exactly as the API does: application row, documents, a check round."""

    def __init__(self, settings: Settings) -> None:
        from casework import connections
        from models.db import upgrade_database

        self.settings = settings
        upgrade_database(settings.effective_database_url)
        self.sessions = connections.sessions(settings)
        self.redis = connections.redis_connection(settings)

    def submit(self, loaded: LoadedDossier) -> tuple[int, list[str]]:
        """The number of documents handed over, and notes (Russian) on files that were not."""
        from casework.access import Principal, Role
        from casework.intake import add_documents, create_application, enqueue_or_explain
        from ingest.limits import check_limits
        from ingest.uploads import AcceptedDocument, UploadCheck
        from models import repository as repo

        assert loaded.application is not None
        check = UploadCheck()
        for document in loaded.files:
            try:
                check.accepted.append(
                    AcceptedDocument(
                        source=document,
                        pages=check_limits(document.data, document.kind, self.settings.limits),
                    )
                )
            except IngestError as exc:
                check.rejected.append(_rejected(document.name, exc))
        check.rejected.extend(loaded.rejected)
        principal = Principal(key_id="docproc-batch", role=Role.ADMIN, name="docproc batch")
        with self.sessions() as session:
            app = repo.find_application(
                session, loaded.application.dossier_id, loaded.application.applicant.bin
            )
            if app is None:
                app = create_application(session, loaded.application, principal)
            else:
                repo.upsert_application(session, loaded.application)
            plan, _ = add_documents(session, app, check, self.settings, principal)
            session.commit()
        enqueue_or_explain(plan, self.settings, self.redis)
        notes = [f"{r.name}: {r.reason}" for r in check.rejected]
        return len(check.accepted), notes


def _rejected(name: str, exc: IngestError) -> RejectedFile:
    return RejectedFile(name=name, code=exc.code, reason=exc.reason)
