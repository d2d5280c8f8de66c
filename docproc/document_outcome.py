"""What reading one document gives the dossier check: its extraction and, when it could be read, its text.

Its own module because the pipeline (``docproc.pipeline``) produces it and the dossier history
(``docproc.dossier_history``) records it, and neither may import the other for it.
"""

from __future__ import annotations

from dataclasses import dataclass

from models.domain import DocumentExtraction, DocumentText


@dataclass
class DocumentOutcome:
    extraction: DocumentExtraction
    text: DocumentText | None  # None when the document could not be read
    # Digest of the text as the extractors saw it (stage cache on), for the dossier check's cache key.
    text_digest: str | None = None
