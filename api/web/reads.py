"""Reading is audited: who opened which dossier, document, page image or file, and when.

Payroll sheets carry IINs and salaries; the log must show who looked at them, not only who changed
something. Each read writes one ``audit_events`` row through the workspace's audit writer
(``casework.audit.record_event``) and commits it at once: a read has no other transaction to join.
The dossier page's own log leaves reads out (it shows what changed); the audit page (``/audit``)
shows them, filtered by person and dossier.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from api.web.security import WebUser
from casework.audit import record_event
from foundation.gettext_marks import N_

DOSSIER_VIEW = "dossier.view"
DOCUMENT_VIEW = "document.view"
PAGE_IMAGE_VIEW = "document.page_view"
FILE_DOWNLOAD = "document.download"
REPORT_DOWNLOAD = "dossier.report_download"
LETTER_DOWNLOAD = "letter.download"
READ_ACTIONS = (DOSSIER_VIEW, DOCUMENT_VIEW, PAGE_IMAGE_VIEW, FILE_DOWNLOAD, REPORT_DOWNLOAD, LETTER_DOWNLOAD)

READ_ACTION_LABELS = {
    DOSSIER_VIEW: N_("Просмотр досье"),
    DOCUMENT_VIEW: N_("Просмотр документа"),
    PAGE_IMAGE_VIEW: N_("Просмотр изображения страницы"),
    FILE_DOWNLOAD: N_("Скачан файл документа"),
    REPORT_DOWNLOAD: N_("Открыт отчёт для дела (PDF)"),
    LETTER_DOWNLOAD: N_("Открыто уведомление о замечаниях (PDF или DOCX)"),
}


def record_read(
    session: Session,
    user: WebUser,
    action: str,
    application_id: str,
    document_id: str | None = None,
    **details: Any,
) -> None:
    """One audit row for one read, committed now."""
    record_event(session, action, application_id, document_id, user_id=user.id, **details)
    session.commit()
