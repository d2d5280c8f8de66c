"""Unpack ZIP archives in memory, refusing anything that could escape, explode or loop.

Hostile archives are the classic upload attack (CVE-2019-9674; CPython ``zipfile`` docs): members
named ``../../x`` or ``/etc/passwd``, symlinks, bombs whose declared sizes are small but whose streams
are huge, and archives nested without end. Nothing is ever written to disk here; every member's name
is checked before it is read, and every member is read with a hard ceiling on the bytes it may yield.
"""

from __future__ import annotations

import copy
import io
import posixpath
import re
import stat
import unicodedata
import zipfile
from dataclasses import dataclass

from foundation.settings import Limits
from ingest.errors import IngestError
from ingest.sizes import format_size
from ingest.sniff import sniff_kind
from models.domain import FileKind

# Operating-system droppings that are not documents (macOS resource forks, Explorer thumbnails).
JUNK_DIRECTORIES = frozenset({"__MACOSX"})
JUNK_FILE_NAMES = frozenset({".DS_Store", "Thumbs.db", "desktop.ini"})
APPLE_DOUBLE_PREFIX = "._"

_READ_CHUNK = 64 * 1024
# zipfile decompresses a little ahead of what it returns; the slack keeps its own end-of-member
# check (CRC) from firing on a deliberately truncated read before we can count the bytes.
_READ_SLACK = 4 * _READ_CHUNK
_UTF8_NAME_FLAG = 0x800
_ENCRYPTED_FLAG = 0x1
_FAKE_ROOT = "/archive-root"
_WINDOWS_DRIVE = re.compile(r"^[A-Za-z]:")


@dataclass(frozen=True, slots=True)
class ArchiveMember:
    """One file from an archive: its path inside it (nested archives as ``inner.zip/member``) and bytes."""

    name: str
    data: bytes


@dataclass(slots=True)
class _Budget:
    """What is left for this upload, shared by an archive and every archive nested in it."""

    bytes_left: int
    members_left: int


def read_zip_members(
    data: bytes, limits: Limits, depth: int = 0, *, expand_nested: bool = True
) -> list[ArchiveMember]:
    """All files of the ZIP in ``data``, in archive order, directories and OS junk skipped.

    ``depth`` is how deeply ``data`` itself is nested (0 for an upload). With ``expand_nested`` a
    member that is itself a plain ZIP is replaced by its members (``inner.zip/member``); otherwise
    it is returned as is. Raises ``IngestError`` (zip_traversal, zip_symlink, zip_bomb,
    zip_too_many_members, zip_nested_too_deep, encrypted_zip, corrupt_zip) on the first refusal.
    """
    budget = _Budget(bytes_left=limits.max_archive_total_bytes, members_left=limits.max_archive_members)
    return _read_archive(data, limits, depth, budget, expand_nested)


def member_name(info: zipfile.ZipInfo) -> str:
    """A member's name as its author wrote it (decoded as below, ``/`` separators, NFC) — not checked:
    for grouping the members of a large archive before ``read_zip_entries`` checks them."""
    return unicodedata.normalize("NFC", _decoded_name(info).replace("\\", "/"))


def read_zip_entries(
    archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo], limits: Limits
) -> list[ArchiveMember]:
    """Some members of an open archive, checked and read exactly as if they were a whole upload.

    For archives too large to take at once (``docproc batch``: many dossiers in one ZIP, read one
    dossier at a time): the members' names, types, declared sizes and ratios are checked before
    anything is decompressed, and ``limits`` (members, unpacked bytes) apply to ``infos`` together.
    Nested archives are returned as they are. Raises ``IngestError`` like ``read_zip_members``.
    """
    budget = _Budget(bytes_left=limits.max_archive_total_bytes, members_left=limits.max_archive_members)
    return [
        ArchiveMember(name=name, data=_read_member(archive, info, name, budget))
        for name, info in _select_members(infos, limits, budget)
    ]


def check_zip_entries(infos: list[zipfile.ZipInfo], limits: Limits) -> None:
    """The checks of ``read_zip_entries`` without reading anything (names, links, encryption, sizes)."""
    budget = _Budget(bytes_left=limits.max_archive_total_bytes, members_left=limits.max_archive_members)
    _select_members(infos, limits, budget)


def _read_archive(
    data: bytes, limits: Limits, depth: int, budget: _Budget, expand_nested: bool
) -> list[ArchiveMember]:
    if depth > limits.max_archive_depth:
        raise IngestError(
            "zip_nested_too_deep",
            f"Архивы вложены друг в друга глубже {limits.max_archive_depth} уровней. "
            "Распакуйте вложенные архивы и загрузите документы напрямую.",
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as exc:
        raise _corrupt("оглавление архива не читается") from exc
    with archive:
        selected = _select_members(archive.infolist(), limits, budget)
        members: list[ArchiveMember] = []
        for name, info in selected:
            content = _read_member(archive, info, name, budget)
            if expand_nested and _is_plain_zip(content):
                for inner in _read_archive(content, limits, depth + 1, budget, expand_nested):
                    members.append(ArchiveMember(name=f"{name}/{inner.name}", data=inner.data))
            else:
                members.append(ArchiveMember(name=name, data=content))
        return members


def _select_members(
    infos: list[zipfile.ZipInfo], limits: Limits, budget: _Budget
) -> list[tuple[str, zipfile.ZipInfo]]:
    """Check every entry against the declared metadata before a single byte is decompressed."""
    if len(infos) > budget.members_left:
        raise IngestError(
            "zip_too_many_members",
            f"В архиве слишком много файлов ({len(infos)}); допустимо не более "
            f"{limits.max_archive_members}. Загрузите документы меньшими архивами.",
        )
    budget.members_left -= len(infos)

    selected: list[tuple[str, zipfile.ZipInfo]] = []
    declared_total = 0
    compressed_total = 0
    for info in infos:
        name = _safe_member_name(info)
        if name is None:
            continue
        if stat.S_ISLNK(info.external_attr >> 16):
            raise IngestError(
                "zip_symlink",
                f"Архив отклонён: «{name}» — символическая ссылка, а не файл. "
                "Упакуйте в архив сами документы.",
            )
        if info.flag_bits & _ENCRYPTED_FLAG:
            raise IngestError(
                "encrypted_zip",
                f"Архив защищён паролем (файл «{name}»): его нельзя прочитать. Загрузите архив без пароля.",
            )
        _check_declared_ratio(info, name, limits)
        declared_total += info.file_size
        compressed_total += info.compress_size
        selected.append((name, info))

    _check_archive_ratio(declared_total, compressed_total, limits)
    if declared_total > budget.bytes_left:
        raise IngestError(
            "zip_bomb",
            f"Архив отклонён: после распаковки он занял бы {format_size(declared_total)}, "
            f"допустимо не более {format_size(limits.max_archive_total_bytes)}.",
        )
    return selected


def _check_declared_ratio(info: zipfile.ZipInfo, name: str, limits: Limits) -> None:
    if info.file_size <= limits.archive_ratio_min_bytes:
        return
    ratio = info.file_size / max(info.compress_size, 1)
    if ratio > limits.max_archive_ratio:
        raise IngestError(
            "zip_bomb",
            f"Архив отклонён: файл «{name}» сжат в {ratio:.0f} раз (допустимо не более "
            f"{limits.max_archive_ratio:.0f}) — так выглядят «архивные бомбы».",
        )


def _check_archive_ratio(declared_total: int, compressed_total: int, limits: Limits) -> None:
    """The archive as a whole: hundreds of members each just under the per-member threshold are a
    bomb together (450 members of 1 MiB of zeros pack into 0.5 MB)."""
    if declared_total <= limits.archive_ratio_min_bytes:
        return
    ratio = declared_total / max(compressed_total, 1)
    if ratio > limits.max_archive_ratio:
        raise IngestError(
            "zip_bomb",
            f"Архив отклонён: после распаковки он занял бы {format_size(declared_total)} — в {ratio:.0f} раз "
            f"больше, чем в сжатом виде (допустимо не более {limits.max_archive_ratio:.0f}); "
            "так выглядят «архивные бомбы».",
        )


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, budget: _Budget) -> bytes:
    """Decompress one member, counting real bytes: a header that understates the size is caught here."""
    declared = info.file_size
    # Let zipfile read past the declared size so that an understated header shows up as extra
    # bytes (a bomb) instead of a CRC error; our own count stops the read right after ``declared``.
    probe = copy.copy(info)
    probe.file_size = declared + _READ_SLACK
    chunks: list[bytes] = []
    received = 0
    try:
        with archive.open(probe) as stream:
            while True:
                chunk = stream.read(_READ_CHUNK)
                if not chunk:
                    break
                received += len(chunk)
                if received > declared or received > budget.bytes_left:
                    raise IngestError(
                        "zip_bomb",
                        f"Архив отклонён: файл «{name}» при распаковке оказался больше, чем указано "
                        f"в заголовке архива ({format_size(declared)}) — архив подделан.",
                    )
                chunks.append(chunk)
    except IngestError:
        raise
    except (zipfile.BadZipFile, NotImplementedError, ValueError, OSError, EOFError, RuntimeError) as exc:
        raise _corrupt(f"файл «{name}» не распаковывается") from exc
    if received != declared:
        raise _corrupt(f"размер файла «{name}» не совпадает с указанным в архиве")
    budget.bytes_left -= received
    return b"".join(chunks)


def _safe_member_name(info: zipfile.ZipInfo) -> str | None:
    """The member's normalised relative path; ``None`` for directories and junk; refuses escapes."""
    raw = _decoded_name(info).replace("\\", "/")
    name = unicodedata.normalize("NFC", raw)
    if name.startswith("/") or _WINDOWS_DRIVE.match(name):
        raise IngestError(
            "zip_traversal",
            f"Архив отклонён: файл «{name}» записан с абсолютным путём. "
            "Такие архивы небезопасны; упакуйте документы заново.",
        )
    resolved = posixpath.normpath(posixpath.join(_FAKE_ROOT, name))
    if posixpath.commonpath([_FAKE_ROOT, resolved]) != _FAKE_ROOT:
        raise IngestError(
            "zip_traversal",
            f"Архив отклонён: путь «{name}» выводит за пределы архива («..»). "
            "Такие архивы небезопасны; упакуйте документы заново.",
        )
    relative = resolved[len(_FAKE_ROOT) + 1 :]
    if not relative or info.is_dir() or name.endswith("/"):
        return None
    if _is_junk(relative):
        return None
    return relative


def _decoded_name(info: zipfile.ZipInfo) -> str:
    """Member name as the author typed it.

    Without the UTF-8 flag zipfile decodes names as cp437, but Russian Windows writes cp866 and
    many other tools write UTF-8 without setting the flag: try UTF-8 first, then cp866.
    """
    if info.flag_bits & _UTF8_NAME_FLAG:
        return info.filename
    try:
        raw = info.filename.encode("cp437")
    except UnicodeEncodeError:
        return info.filename
    if raw.isascii():
        return info.filename
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp866", errors="replace")


def _is_junk(relative: str) -> bool:
    parts = relative.split("/")
    base = parts[-1]
    return (
        any(part in JUNK_DIRECTORIES for part in parts)
        or base in JUNK_FILE_NAMES
        or base.startswith(APPLE_DOUBLE_PREFIX)
    )


def _is_plain_zip(content: bytes) -> bool:
    # XLSX and DOCX are ZIPs too, but they are documents, not folders to open.
    return bool(content) and sniff_kind(content) == FileKind.ZIP


def _corrupt(detail: str) -> IngestError:
    return IngestError(
        "corrupt_zip",
        f"Архив повреждён и не читается: {detail}. Упакуйте документы заново и загрузите архив ещё раз.",
    )
