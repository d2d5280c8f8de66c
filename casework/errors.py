"""What the casework refuses, as exceptions with a stable ``code`` and a Russian ``message``.

No HTTP here: ``api.errors`` maps each class to a status code, the CLI prints the message.
"""

from __future__ import annotations

from typing import Any, ClassVar


class CaseworkError(Exception):
    """A request the casework refuses; nothing it would have written is kept.

    ``details`` are extra facts a client may act on (e.g. the application id); they go into the
    API's error body beside the code and message.
    """

    code: ClassVar[str] = "refused"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class ApplicantOutOfScope(CaseworkError):
    """The key may not file applications of this applicant (a portal key scoped to other BINs)."""

    code = "applicant_out_of_scope"


class ApplicationExists(CaseworkError):
    """The applicant already has an application with this dossier id."""

    code = "application_exists"


class QueueUnavailable(CaseworkError):
    """Redis did not answer; what was committed is safe and is queued again later."""

    code = "queue_unavailable"


class ReprocessTooSoon(CaseworkError):
    """The application's documents were re-read less than ``reprocess_min_interval_s`` ago."""

    code = "reprocess_too_soon"

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message, retry_after_s=retry_after_s)
        self.retry_after_s = retry_after_s


class CorrectionError(CaseworkError, ValueError):
    """A correction names a field that cannot be corrected, or gives an impossible value."""

    code = "invalid_correction"
