"""Stage caches: each stage's result keyed by its input and the stage's fingerprint (foundation/versions.py).

Three content-addressed stores under ``settings.stage_cache_dir`` (``foundation.file_store``):

* ``text`` — a document's ``DocumentText``, keyed by the file's sha256 and the reader fingerprint
  (reader version, OCR settings, OCR engine and version, limits). Stored without the file name (the
  same content under another name is the same reading).
* ``extraction`` — a document's ``DocumentExtraction`` as the extractors return it, keyed by the
  digest of its text (file name included: the extractors see it) and the extractor fingerprint.
* ``check`` — a dossier's ``DossierResult``, keyed by the application, its documents' extractions
  and texts, the applicant's earlier reimbursements, and the extractor and validator fingerprints
  (``docproc.pipeline.check_documents_cached``).

So an extractor upgrade re-extracts from the cached text (no OCR), a validator upgrade only checks
again. What is never cached: failures (a bug or a timeout must not be replayed) and a text with an
OCR page without words (it may be a page whose OCR failed; its good pages are in the OCR page cache).
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from foundation.file_store import ModelStore
from foundation.settings import Settings
from foundation.versions import StageFingerprint
from models.domain import (
    Application,
    DocumentExtraction,
    DocumentText,
    DossierResult,
    PriorReimbursement,
    TextSource,
)

_SEPARATOR = b"\x1f"


def _key(*parts: str | bytes) -> str:
    hasher = hashlib.sha256()
    for part in parts:
        hasher.update(part.encode() if isinstance(part, str) else part)
        hasher.update(_SEPARATOR)
    return hasher.hexdigest()


@dataclass
class CachedText:
    text: DocumentText
    digest: str  # of the text as the extractors see it (file name included)


# The stage caches' folders under ``Settings.stage_cache_dir`` (``docproc cache`` lists and prunes them).
TEXT_STORE, EXTRACTION_STORE, CHECK_STORE = "text", "extraction", "check"


class StageCache:
    def __init__(self, settings: Settings, fingerprints: dict[str, StageFingerprint]) -> None:
        """``fingerprints``: ``stage_fingerprints(ocr.engine.reader_detail(settings))``, the stages as they are now."""
        root = settings.stage_cache_dir
        self.fingerprints = fingerprints
        self.texts = ModelStore(root / TEXT_STORE, DocumentText)
        self.extractions = ModelStore(root / EXTRACTION_STORE, DocumentExtraction)
        self.checks = ModelStore(root / CHECK_STORE, DossierResult)

    # ------------------------------------------------------------------ text

    def text_key(self, file_sha256: str) -> str:
        return _key("text", file_sha256, self.fingerprints["reader"].key)

    def get_text(self, file_sha256: str, name: str) -> CachedText | None:
        raw = self.texts.get_bytes(self.text_key(file_sha256))
        if raw is None:
            return None
        text = self.texts.parse(self.text_key(file_sha256), raw)
        if text is None or text.sha256 != file_sha256:
            return None
        return CachedText(text=text.model_copy(update={"file": name}), digest=text_digest(name, raw))

    def put_text(self, text: DocumentText) -> str:
        """Store ``text`` (when it is safe to replay) and return its digest."""
        raw = _stored_text(text)
        if cacheable_text(text):
            self.texts.put_bytes(self.text_key(text.sha256), raw)
        return text_digest(text.file, raw)

    # ------------------------------------------------------------------ extraction

    def extraction_key(self, digest: str) -> str:
        return _key("extraction", digest, self.fingerprints["extractor"].key)

    def get_extraction(self, digest: str) -> DocumentExtraction | None:
        return self.extractions.get(self.extraction_key(digest))

    def put_extraction(self, digest: str, extraction: DocumentExtraction) -> DocumentExtraction:
        """Store ``extraction``; returns it as a later cache hit will return it (values typed by JSON:
        a date is an ISO string, as the validators accept), so a first and a second run see the same."""
        raw = extraction.model_dump_json().encode()
        self.extractions.put_bytes(self.extraction_key(digest), raw)
        return DocumentExtraction.model_validate_json(raw)

    # ------------------------------------------------------------------ dossier check

    def check_key(
        self,
        application: Application,
        extractions: Sequence[DocumentExtraction],
        text_digests: Sequence[str | None],
        history: Sequence[PriorReimbursement] = (),
        dismissed: Collection[str] = (),
    ) -> str:
        """Computed before the check runs: the check links translations in place. ``history``: the
        applicant's earlier reimbursements the check counts against the cap (none adds nothing);
        ``dismissed``: keys of the findings reviewers dismissed (none adds nothing)."""
        parts: list[str | bytes] = ["check", application.model_dump_json()]
        for extraction, digest in zip(extractions, text_digests, strict=True):
            parts.append(extraction.model_dump_json())
            parts.append(digest or "-")
        parts += [prior.model_dump_json() for prior in history]
        if dismissed:
            parts.append("dismissed:" + ",".join(sorted(dismissed)))
        parts += [self.fingerprints["extractor"].key, self.fingerprints["validator"].key]
        return _key(*parts)

    def get_check(self, key: str) -> DossierResult | None:
        return self.checks.get(key)

    def put_check(self, key: str, result: DossierResult) -> None:
        self.checks.put(key, result)


def text_digest(name: str, stored: bytes) -> str:
    return _key("text-digest", name, stored)


def digest_of_text(text: DocumentText) -> str:
    """The digest ``put_text`` gives ``text``, for a text that did not come through the stage cache."""
    return text_digest(text.file, _stored_text(text))


def _stored_text(text: DocumentText) -> bytes:
    return text.model_copy(update={"file": ""}).model_dump_json().encode()


def cacheable_text(text: DocumentText) -> bool:
    return all(page.words or page.source != TextSource.OCR for page in text.pages)
