"""Check files uploaded over the API before anything is stored or queued.

An upload is one or more documents, or one ZIP of them. Every file is sniffed by content, checked
against the limits and opened just far enough to count its pages (encrypted, corrupt and oversized
files are found here, in milliseconds, not minutes later in a worker). A ZIP is unpacked with
exactly the rules of a dossier archive on the command line (``ingest.dossier``).
"""

from __future__ import annotations

import posixpath
import unicodedata
from collections.abc import Sequence

from pydantic import BaseModel, Field

from foundation.settings import Limits
from ingest.dossier import (
    APPLICATION_FILE,
    LoadedDossier,
    RejectedFile,
    SourceFile,
    ingest_bytes,
    load_dossier_bytes,
)
from ingest.errors import IngestError
from ingest.limits import check_limits
from ingest.sniff import sniff_kind
from models.domain import FileKind

MAX_NAME_LENGTH = 255
# Codes that concern the dossier as a whole rather than an uploaded file: never a reason to refuse.
_DOSSIER_LEVEL_CODES = frozenset({"file_missing"})


class AcceptedDocument(BaseModel):
    source: SourceFile
    pages: int


class UploadCheck(BaseModel):
    """The documents an upload brings, and the files refused (with reasons)."""

    accepted: list[AcceptedDocument] = Field(default_factory=list)
    rejected: list[RejectedFile] = Field(default_factory=list)
    # Set when the upload was a dossier ZIP carrying its own application.json.
    dossier: LoadedDossier | None = None


def safe_upload_name(name: str | None, index: int) -> str:
    """The file name as the client sent it, reduced to a base name (never a path) in NFC."""
    cleaned = unicodedata.normalize("NFC", (name or "").replace("\\", "/"))
    base = posixpath.basename(cleaned).strip().lstrip(".")
    if not base:
        base = f"file_{index + 1}"
    if len(base) > MAX_NAME_LENGTH:
        stem, ext = posixpath.splitext(base)
        base = stem[: MAX_NAME_LENGTH - len(ext)] + ext
    return base


def is_plain_zip(data: bytes) -> bool:
    try:
        return sniff_kind(data) == FileKind.ZIP
    except IngestError:
        return False


def check_upload(files: Sequence[tuple[str | None, bytes]], limits: Limits) -> UploadCheck:
    """Accept ``files`` (name, bytes) as documents; a single ZIP is unpacked.

    Raises ``IngestError`` when the upload as a whole is refused (several files mixed with a ZIP, an
    archive that is a bomb or escapes its root). Per-file problems are returned in ``rejected``.
    """
    if len(files) == 1 and is_plain_zip(files[0][1]):
        return check_zip_upload(safe_upload_name(files[0][0], 0), files[0][1], limits)
    if any(is_plain_zip(data) for _, data in files):
        raise IngestError(
            "zip_with_other_files",
            "ZIP-архив нужно загружать отдельно: либо один архив, либо сами документы без архивов.",
        )
    check = UploadCheck()
    seen: set[str] = set()
    for index, (raw_name, data) in enumerate(files):
        name = safe_upload_name(raw_name, index)
        if name in seen:
            check.rejected.append(_duplicate_name(name))
            continue
        seen.add(name)
        if name.casefold() == APPLICATION_FILE:
            check.rejected.append(
                RejectedFile(
                    name=name,
                    code="application_file_as_document",
                    reason=f"{APPLICATION_FILE} — это данные заявки, а не документ: передайте их при "
                    "создании заявки (POST /v1/applications).",
                )
            )
            continue
        try:
            check.accepted.append(_accept(ingest_bytes(name, data, limits), limits))
        except IngestError as exc:
            check.rejected.append(RejectedFile(name=name, code=exc.code, reason=exc.reason))
    return check


def check_zip_upload(name: str, data: bytes, limits: Limits) -> UploadCheck:
    """A ZIP of documents (and perhaps its application.json), unpacked like a dossier archive."""
    loaded = load_dossier_bytes(name, data, limits)
    check = UploadCheck(
        dossier=loaded.model_copy(update={"files": [], "rejected": []}),
        rejected=[r for r in loaded.rejected if r.code not in _DOSSIER_LEVEL_CODES],
    )
    for source in loaded.files:
        try:
            check.accepted.append(_accept(source, limits))
        except IngestError as exc:
            check.rejected.append(RejectedFile(name=source.name, code=exc.code, reason=exc.reason))
    if not check.accepted and not check.rejected:
        raise IngestError("empty_archive", f"В архиве «{name}» нет ни одного документа.")
    return check


def _accept(source: SourceFile, limits: Limits) -> AcceptedDocument:
    # Opens the document just enough to count pages: refuses encrypted and corrupt files now.
    return AcceptedDocument(source=source, pages=check_limits(source.data, source.kind, limits))


def _duplicate_name(name: str) -> RejectedFile:
    return RejectedFile(
        name=name, code="duplicate_name", reason=f"Файл с именем «{name}» передан в запросе дважды."
    )
