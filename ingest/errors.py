"""Errors that turn a bad input into a clear, user-facing reason instead of a crash."""

from __future__ import annotations


class IngestError(Exception):
    """A file or archive was refused or cannot be read.

    ``code`` is stable and machine-readable (API answers and findings use it);
    ``reason`` is Russian and meant for the reviewer / applicant.
    """

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(f"{code}: {reason}")
        self.code = code
        self.reason = reason


class UnreadableDocument(IngestError):
    """The document was accepted but its content cannot be read (corrupt, encrypted, OCR failed)."""
