"""The audit log's one writer: who did what to which application or document, and the details.

Every audited action goes through ``record_event``: the API (by key), the reviewers' workspace (by
signed-in user), the casework's own actions (uploads, corrections, eligibility verdicts) and the
``docproc`` commands that act as the service. The log is append-only; the API lists it for admin
keys, the workspace shows an application's events.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.orm import Session

from models.db import AuditEventRow


def record_event(
    session: Session,
    action: str,
    application_id: str | None = None,
    document_id: str | None = None,
    *,
    api_key_id: str | None = None,
    user_id: str | None = None,
    **details: Any,
) -> AuditEventRow:
    """Add one event to the caller's transaction and return it (flushed: its id is known).

    The actor is an API key (``api_key_id``) or a workspace user (``user_id``); neither for the
    system. Details become plain JSON (a date or an enum as its text), so any value may be given.
    """
    row = AuditEventRow(
        api_key_id=api_key_id,
        user_id=user_id,
        action=action,
        application_id=application_id,
        document_id=document_id,
        details=json.loads(json.dumps(details, ensure_ascii=False, default=str)),
    )
    session.add(row)
    session.flush()
    return row
