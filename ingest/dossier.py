"""Load a dossier (a folder or a ZIP of one) into the application plus its documents.

Every per-file problem becomes a ``RejectedFile`` with a code and a Russian reason, so one bad
upload never hides the rest of the dossier. Only a dossier that cannot be opened at all raises.
"""

from __future__ import annotations

import json
import os
import posixpath
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from foundation.settings import Limits
from ingest.archive import JUNK_DIRECTORIES, JUNK_FILE_NAMES, ArchiveMember, read_zip_members
from ingest.blobs import sha256_hex
from ingest.errors import IngestError
from ingest.limits import check_file_size, unsupported_format
from ingest.sniff import sniff_kind
from models.domain import Application, FileKind, SourceFile

APPLICATION_FILE = "application.json"
# The corpus's ground truth sits beside the documents; it must never be read as one.
GROUND_TRUTH_FILE = "expected.json"
_RESERVED_NAMES = frozenset({APPLICATION_FILE, GROUND_TRUTH_FILE})


class RejectedFile(BaseModel):
    name: str
    code: str
    reason: str  # Russian, for the reviewer


class LoadedDossier(BaseModel):
    source_name: str  # folder or archive name: the dossier's id when application.json is unusable
    application: Application | None = None
    application_error: str | None = None  # Russian
    files: list[SourceFile] = Field(default_factory=list)
    rejected: list[RejectedFile] = Field(default_factory=list)


def ingest_bytes(name: str, data: bytes, limits: Limits) -> SourceFile:
    """Accept one uploaded file: not empty, within the size limit, of a kind the service reads.

    Raises ``IngestError`` (empty_file, file_too_large, unsupported_format). Deeper checks that
    need the document opened (encryption, page count, corruption) are ``ingest.limits.check_limits``.
    """
    kind = sniff_kind(data)
    check_file_size(len(data), limits)
    if kind == FileKind.UNKNOWN:
        raise unsupported_format(data)
    return SourceFile(name=name, data=data, sha256=sha256_hex(data), kind=kind, size=len(data))


def load_dossier(path: Path, limits: Limits) -> LoadedDossier:
    """Read the dossier at ``path`` (folder or .zip). Raises ``IngestError`` only when it cannot be opened."""
    path = Path(path)
    if not path.exists():
        raise IngestError("dossier_not_found", f"Досье не найдено: «{path}».")
    if path.is_dir():
        entries = _folder_entries(path, limits)
        source_name = path.name
    elif path.is_file():
        entries = _unwrap_single_folder(_zip_entries(path, limits))
        source_name = path.stem
    else:
        raise _not_a_dossier(path)
    return _assemble(source_name, entries, limits)


def load_dossier_bytes(name: str, data: bytes, limits: Limits) -> LoadedDossier:
    """A dossier uploaded as a ZIP (the API): the same rules as ``load_dossier`` on a .zip file.

    Raises ``IngestError`` when the bytes are not a ZIP or the archive itself is refused (bomb,
    traversal, encryption, corruption); a bad member becomes a ``RejectedFile`` like anywhere else.
    """
    check_file_size(len(data), limits)
    if sniff_kind(data) != FileKind.ZIP:
        raise IngestError(
            "dossier_not_zip",
            f"«{name}» — не ZIP-архив. Загрузите досье одним ZIP-архивом с файлом {APPLICATION_FILE}.",
        )
    entries = _unwrap_single_folder(_zip_bytes_entries(data, limits))
    return _assemble(posixpath.splitext(posixpath.basename(name))[0] or name, entries, limits)


def load_dossier_members(source_name: str, members: Iterable[ArchiveMember], limits: Limits) -> LoadedDossier:
    """A dossier whose files were taken out of a larger archive (``docproc batch``), names relative to
    the dossier's folder: the same rules as a dossier folder or ZIP (nested archives opened one level)."""
    entries = [
        _Entry(name=_normalise_name(m.name), data=m.data) for m in members if not _has_hidden_part(m.name)
    ]
    return _assemble(source_name, entries, limits)


def order_by_listing(names: list[str], listed: list[str]) -> tuple[list[str], list[RejectedFile]]:
    """Document names in dossier order (listed in application.json first, then the rest by name),
    plus a ``file_missing`` rejection for each listed name that matches none of them."""
    entries = [_Entry(name=name) for name in names]
    missing: list[RejectedFile] = []
    ordered = _in_listed_order(entries, listed, missing)
    return [entry.name for entry in ordered], missing


# --------------------------------------------------------------------------- collecting entries


@dataclass(slots=True)
class _Entry:
    """A file found in the dossier: its bytes, or why they could not be taken."""

    name: str
    data: bytes | None = None
    rejection: RejectedFile | None = None


def _folder_entries(root: Path, limits: Limits) -> list[_Entry]:
    root = root.resolve()
    entries: list[_Entry] = []
    for directory, subdirs, files in os.walk(root):
        subdirs[:] = sorted(d for d in subdirs if not _is_hidden_or_junk(d))
        for file_name in sorted(files):
            full = Path(directory, file_name)
            name = _normalise_name(full.relative_to(root).as_posix())
            if _is_hidden_or_junk(file_name):
                continue
            entries.append(_read_folder_file(full, name, root, limits))
    return entries


def _read_folder_file(full: Path, name: str, root: Path, limits: Limits) -> _Entry:
    try:
        if not full.resolve().is_relative_to(root):
            return _rejected(
                name, "file_outside_dossier", "Файл — ссылка на место вне папки досье; он не прочитан."
            )
        if not full.is_file():  # a pipe or a device would block the read forever, or never end
            return _rejected(
                name, "file_not_regular", "Это не обычный файл (канал или устройство); он не прочитан."
            )
        check_file_size(full.stat().st_size, limits)  # before reading: never load a huge file
        return _Entry(name=name, data=full.read_bytes())
    except IngestError as exc:
        return _rejected(name, exc.code, exc.reason)
    except OSError:
        return _rejected(name, "file_unreadable", "Файл не удалось прочитать (нет доступа или ошибка диска).")


def _zip_entries(path: Path, limits: Limits) -> list[_Entry]:
    check_file_size(path.stat().st_size, limits)
    data = path.read_bytes()
    if sniff_kind(data) != FileKind.ZIP:
        raise _not_a_dossier(path)
    return _zip_bytes_entries(data, limits)


def _zip_bytes_entries(data: bytes, limits: Limits) -> list[_Entry]:
    # Nested archives are opened one by one later, so that a bad one is rejected on its own.
    members = read_zip_members(data, limits, depth=0, expand_nested=False)
    return [
        _Entry(name=_normalise_name(m.name), data=m.data) for m in members if not _has_hidden_part(m.name)
    ]


def _unwrap_single_folder(entries: list[_Entry]) -> list[_Entry]:
    """``dossier_0001.zip`` usually holds ``dossier_0001/…``: the documents are inside that folder."""
    tops = {entry.name.split("/", 1)[0] for entry in entries}
    if len(tops) != 1 or not all("/" in entry.name for entry in entries):
        return entries
    for entry in entries:
        entry.name = entry.name.split("/", 1)[1]
    return entries


def _expand_nested_archives(entries: list[_Entry], limits: Limits) -> list[_Entry]:
    expanded: list[_Entry] = []
    for entry in entries:
        if entry.data is None or _sniff_or_none(entry.data) != FileKind.ZIP:
            expanded.append(entry)
            continue
        try:
            members: Iterable[ArchiveMember] = read_zip_members(entry.data, limits, depth=1)
        except IngestError as exc:
            expanded.append(_rejected(entry.name, exc.code, exc.reason))
            continue
        for member in members:
            if not _has_hidden_part(member.name) and not _is_reserved(member.name):
                expanded.append(_Entry(name=f"{entry.name}/{_normalise_name(member.name)}", data=member.data))
    return expanded


def _sniff_or_none(data: bytes) -> FileKind | None:
    try:
        return sniff_kind(data)
    except IngestError:
        return None


# --------------------------------------------------------------------------- assembling


def _assemble(source_name: str, entries: list[_Entry], limits: Limits) -> LoadedDossier:
    application_entry = next((e for e in entries if e.name.casefold() == APPLICATION_FILE), None)
    application, application_error, listed = _parse_application(application_entry)
    documents = _expand_nested_archives([e for e in entries if not _is_reserved(e.name)], limits)

    dossier = LoadedDossier(
        source_name=source_name, application=application, application_error=application_error
    )
    taken: set[str] = set()
    for entry in _in_listed_order(documents, listed, dossier.rejected):
        if entry.name in taken:
            dossier.rejected.append(
                RejectedFile(
                    name=entry.name,
                    code="duplicate_name",
                    reason=f"В досье два файла с именем «{entry.name}»; принят первый из них.",
                )
            )
            continue
        taken.add(entry.name)
        if entry.rejection is not None:
            dossier.rejected.append(entry.rejection)
            continue
        assert entry.data is not None
        try:
            dossier.files.append(ingest_bytes(entry.name, entry.data, limits))
        except IngestError as exc:
            dossier.rejected.append(RejectedFile(name=entry.name, code=exc.code, reason=exc.reason))
    return dossier


def _in_listed_order(
    documents: list[_Entry], listed: list[str], rejected: list[RejectedFile]
) -> list[_Entry]:
    """Files named in application.json first, in its order; then the others, sorted by name.

    A listed name that is an expanded archive brings its members; a listed name found nowhere is
    reported as missing (appended to ``rejected``).
    """
    remaining = {entry.name: entry for entry in documents}
    by_casefold = {name.casefold(): name for name in remaining}
    ordered: list[_Entry] = []
    for listed_name in dict.fromkeys(_normalise_listed(name) for name in listed):
        exact = listed_name if listed_name in remaining else by_casefold.get(listed_name.casefold())
        if exact is not None and exact in remaining:
            ordered.append(remaining.pop(exact))
            continue
        members = sorted(name for name in remaining if name.startswith(f"{listed_name}/"))
        if members:
            ordered.extend(remaining.pop(name) for name in members)
            continue
        rejected.append(
            RejectedFile(
                name=listed_name,
                code="file_missing",
                reason=f"Файл «{listed_name}» указан в application.json, но в досье его нет.",
            )
        )
    ordered.extend(remaining[name] for name in sorted(remaining))
    return ordered


def _parse_application(entry: _Entry | None) -> tuple[Application | None, str | None, list[str]]:
    """The application, or a Russian error; plus the file list, salvaged even from an invalid one."""
    if entry is None:
        return None, f"В досье нет файла {APPLICATION_FILE} с данными заявки.", []
    if entry.data is None:
        reason = entry.rejection.reason if entry.rejection else "файл не прочитан"
        return None, f"Файл {APPLICATION_FILE} не прочитан: {reason}", []
    try:
        raw: Any = json.loads(entry.data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        return None, f"Файл {APPLICATION_FILE} должен быть в кодировке UTF-8.", []
    except json.JSONDecodeError as exc:
        return (
            None,
            f"Файл {APPLICATION_FILE} не является корректным JSON (строка {exc.lineno}, позиция {exc.colno}).",
            [],
        )
    listed = _salvage_file_list(raw)
    try:
        return Application.model_validate(raw), None, listed
    except ValidationError as exc:
        return None, f"В файле {APPLICATION_FILE} ошибки: {_describe_validation(exc)}.", listed


def _salvage_file_list(raw: Any) -> list[str]:
    files = raw.get("files") if isinstance(raw, dict) else None
    if not isinstance(files, list):
        return []
    return [name for name in files if isinstance(name, str) and name.strip()]


_MAX_LISTED_ERRORS = 5


def _describe_validation(exc: ValidationError) -> str:
    problems = [describe_validation_error(error) for error in exc.errors()[:_MAX_LISTED_ERRORS]]
    extra = len(exc.errors()) - _MAX_LISTED_ERRORS
    if extra > 0:
        problems.append(f"и ещё {extra}")
    return "; ".join(problems)


# pydantic's own error types, said in Russian; the application's own checks (models.domain) already are.
_PROBLEMS_RU = {
    "float_type": "ожидается число",
    "float_parsing": "ожидается число",
    "finite_number": "ожидается конечное число",
    "int_type": "ожидается целое число",
    "string_type": "ожидается строка",
    "date_from_datetime_parsing": "ожидается дата ГГГГ-ММ-ДД",
    "date_parsing": "ожидается дата ГГГГ-ММ-ДД",
    "date_type": "ожидается дата ГГГГ-ММ-ДД",
    "list_type": "ожидается список",
    "dict_type": "ожидается объект",
    "model_type": "ожидается объект",
}


def describe_validation_error(error: Any) -> str:
    """One pydantic error in Russian, naming the field."""
    field = ".".join(str(part) for part in error["loc"]) or "(весь файл)"
    if error["type"] == "missing":
        return f"нет обязательного поля «{field}»"
    if error["type"] in _PROBLEMS_RU:
        return f"неверное значение поля «{field}»: {_short(error.get('input'))} — {_PROBLEMS_RU[error['type']]}"
    if error["msg"].startswith("поле") or error["msg"].startswith("поля"):
        return str(error["msg"])  # the model's own check, worded in Russian with the field named
    return f"неверное значение поля «{field}»: {_short(error.get('input'))}"


def _short(value: Any, limit: int = 60) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --------------------------------------------------------------------------- names


def _normalise_name(name: str) -> str:
    # macOS writes decomposed Unicode (NFD): "й" must match the "й" typed in application.json.
    return unicodedata.normalize("NFC", name)


def _normalise_listed(name: str) -> str:
    cleaned = posixpath.normpath(_normalise_name(name.strip()).replace("\\", "/"))
    return cleaned.lstrip("/")


def _is_reserved(name: str) -> bool:
    return posixpath.basename(name).casefold() in _RESERVED_NAMES


def _is_hidden_or_junk(part: str) -> bool:
    return part.startswith(".") or part in JUNK_DIRECTORIES or part in JUNK_FILE_NAMES


def _has_hidden_part(name: str) -> bool:
    return any(_is_hidden_or_junk(part) for part in name.split("/"))


def _rejected(name: str, code: str, reason: str) -> _Entry:
    return _Entry(name=name, rejection=RejectedFile(name=name, code=code, reason=reason))


def _not_a_dossier(path: Path) -> IngestError:
    return IngestError(
        "dossier_not_folder_or_zip",
        f"«{path.name}» — не папка досье и не ZIP-архив. Укажите папку с документами или архив с ней.",
    )
