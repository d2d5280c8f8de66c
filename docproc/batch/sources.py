"""Find the dossiers in what ``docproc batch`` is given: folders, ZIP archives, CSV manifests.

* A folder holding ``application.json`` is one dossier; any other folder is searched (up to
  ``settings.batch.max_folder_depth`` levels) for dossier folders and ZIP files.
* A ZIP file is one dossier when its ``application.json`` sits at its root (or in its single top
  folder), like ``docproc check`` reads it. Otherwise it is an archive of many dossiers: every folder in
  it holding an ``application.json``, and every ZIP member outside such folders (a dossier ZIP, nested
  one level), is a dossier. Nothing is unpacked to disk, and the archive is read one dossier at a time.
* A CSV manifest (``.csv``) lists dossiers, one a row, in a ``path`` or ``dossier_dir`` column
  (relative paths are relative to the manifest's folder).

Untrusted archives: every dossier inside an archive is checked and read with the rules of an upload
(``ingest.archive``: names that escape the archive or are absolute, symlinks, encrypted members,
declared and real sizes, compression ratio, member count, nesting depth), and the archive as a whole
is bounded by ``settings.batch`` before anything is decompressed. What is refused becomes a refused
source with the Russian reason, attributed to the dossier it belongs to; the other dossiers go on.
A symbolic link in a searched folder is never followed.

Each source has a stable ``key`` (its place: a path, ``archive.zip!folder/`` or ``archive.zip!inner.zip``)
under which the batch journal remembers it. ``load`` reads it when its turn comes (inside the
``find_dossiers`` block, which keeps the archive being read open).
"""

from __future__ import annotations

import csv
import io
import logging
import posixpath
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from foundation.settings import Settings
from ingest.archive import (
    JUNK_DIRECTORIES,
    JUNK_FILE_NAMES,
    ArchiveMember,
    check_zip_entries,
    member_name,
    read_zip_entries,
)
from ingest.dossier import (
    APPLICATION_FILE,
    LoadedDossier,
    load_dossier,
    load_dossier_bytes,
    load_dossier_members,
)
from ingest.errors import IngestError
from ingest.sizes import format_size
from validators.findings import count_words

log = logging.getLogger(__name__)

ZIP_MAGIC = b"PK\x03\x04"
EMPTY_ZIP_MAGIC = b"PK\x05\x06"
MANIFEST_COLUMNS = ("path", "dossier_dir")


@dataclass
class DossierSource:
    key: str
    label: str  # short, for messages and the report when the dossier has no usable id
    load: Callable[[], LoadedDossier] = field(repr=False)  # raises IngestError when refused


def refused_source(key: str, label: str, error: IngestError) -> DossierSource:
    def load() -> LoadedDossier:
        raise error

    return DossierSource(key=key, label=label, load=load)


class OpenArchives:
    """The archives that sources read from, kept open while consecutive dossiers come from the same one
    (listing a 100 000-member archive's directory again for each of its dossiers would cost seconds)."""

    def __init__(self) -> None:
        self._path: Path | None = None
        self._archive: zipfile.ZipFile | None = None

    def get(self, path: Path) -> zipfile.ZipFile:
        if self._archive is None or self._path != path:
            self.close()
            self._archive, self._path = zipfile.ZipFile(path), path
        return self._archive

    def close(self) -> None:
        if self._archive is not None:
            self._archive.close()
        self._archive = self._path = None


@contextmanager
def find_dossiers(inputs: list[Path], settings: Settings) -> Iterator[list[DossierSource]]:
    """Every dossier source of ``inputs``, in order, each key once; archives stay readable until exit.

    Listing reads folder entries and archive directories only: no document is read here.
    """
    archives = OpenArchives()
    try:
        sources: dict[str, DossierSource] = {}
        for path in inputs:
            for source in _input_sources(path, settings, archives):
                sources.setdefault(source.key, source)
        yield list(sources.values())
    finally:
        archives.close()


def _input_sources(path: Path, settings: Settings, archives: OpenArchives) -> Iterator[DossierSource]:
    key = str(path.resolve()) if path.exists() else str(path)
    if not path.exists():
        yield refused_source(key, path.name, IngestError("input_not_found", f"Не найдено: «{path}»."))
    elif path.is_dir():
        yield from _folder_sources(path.resolve(), settings, archives, depth=0)
    elif path.suffix.casefold() == ".csv":
        yield from _manifest_sources(path.resolve(), settings, archives)
    elif _is_zip_file(path):
        yield from _zip_sources(path.resolve(), settings, archives)
    else:
        yield refused_source(
            key,
            path.name,
            IngestError(
                "input_not_supported",
                f"«{path.name}» — не папка, не ZIP-архив и не CSV-список досье.",
            ),
        )


def _is_zip_file(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(4) in (ZIP_MAGIC, EMPTY_ZIP_MAGIC)
    except OSError:
        return False


def _is_hidden_or_junk(name: str) -> bool:
    return name.startswith(".") or name in JUNK_DIRECTORIES or name in JUNK_FILE_NAMES


# --------------------------------------------------------------------------- folders


def _folder_dossier(folder: Path, settings: Settings) -> DossierSource:
    return DossierSource(
        key=str(folder), label=folder.name, load=lambda: load_dossier(folder, settings.limits)
    )


def _folder_sources(
    folder: Path, settings: Settings, archives: OpenArchives, depth: int
) -> Iterator[DossierSource]:
    if (folder / APPLICATION_FILE).is_file():
        yield _folder_dossier(folder, settings)
        return
    try:
        entries = sorted(folder.iterdir())
    except OSError as exc:
        yield refused_source(
            str(folder),
            folder.name,
            IngestError("folder_unreadable", f"Папку «{folder}» не удалось прочитать: {exc}."),
        )
        return
    for entry in entries:
        if _is_hidden_or_junk(entry.name):
            continue
        if entry.is_symlink():
            yield refused_source(
                str(entry),
                entry.name,
                IngestError(
                    "symlink_not_followed",
                    f"«{entry.name}» — символическая ссылка; по ссылкам досье не читаются. "
                    "Укажите саму папку или архив.",
                ),
            )
        elif entry.is_dir():
            if depth + 1 <= settings.batch.max_folder_depth:
                yield from _folder_sources(entry, settings, archives, depth + 1)
            else:
                log.warning("not searched, deeper than %d levels: %s", settings.batch.max_folder_depth, entry)
        elif entry.is_file() and entry.suffix.casefold() == ".zip":
            yield from _zip_sources(entry, settings, archives)


# --------------------------------------------------------------------------- manifests


def _manifest_sources(manifest: Path, settings: Settings, archives: OpenArchives) -> Iterator[DossierSource]:
    try:
        text = manifest.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        yield refused_source(
            str(manifest),
            manifest.name,
            IngestError("manifest_unreadable", f"Список досье «{manifest.name}» не прочитан: {exc}."),
        )
        return
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    columns = {name.strip().casefold(): name for name in reader.fieldnames or []}
    column = next((columns[c] for c in MANIFEST_COLUMNS if c in columns), None)
    if column is None:
        yield refused_source(
            str(manifest),
            manifest.name,
            IngestError(
                "manifest_no_path_column",
                f"В списке досье «{manifest.name}» нет столбца path или dossier_dir с путями к досье.",
            ),
        )
        return
    for line_no, row in enumerate(reader, start=2):
        value = (row.get(column) or "").strip()
        if not value:
            continue
        target = Path(value)
        if not target.is_absolute():
            target = manifest.parent / target
        if target.is_dir():
            # One dossier a row: the folder itself (or, holding none, the dossiers right inside it).
            yield from _folder_sources(
                target.resolve(), settings, archives, depth=settings.batch.max_folder_depth
            )
        elif target.is_file():
            yield from _zip_sources(target.resolve(), settings, archives)
        else:
            yield refused_source(
                f"{manifest}#{line_no}",
                value,
                IngestError(
                    "dossier_not_found", f"Строка {line_no} списка «{manifest.name}»: «{value}» не найдено."
                ),
            )


# --------------------------------------------------------------------------- ZIP archives


def _zip_sources(path: Path, settings: Settings, archives: OpenArchives) -> Iterator[DossierSource]:
    try:
        infos = archives.get(path).infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        # Not an archive of many dossiers we can list: ``load_dossier`` says why, as ``docproc check`` would.
        yield _zip_dossier(path, settings)
        return
    names = [member_name(info) for info in infos]
    roots = _dossier_roots(names)
    has_dossier_zips = any(name.casefold().endswith(".zip") for name in names)
    if (not roots and not has_dossier_zips) or roots == [""] or _single_wrapped_dossier(roots, names):
        yield _zip_dossier(path, settings)
        return
    refusal = _archive_refusal(path, infos, settings)
    if refusal is not None:
        yield refused_source(str(path), path.name, refusal)
        return
    yield from _archive_dossiers(path, archives, infos, names, roots, settings)


def _zip_dossier(path: Path, settings: Settings) -> DossierSource:
    return DossierSource(key=str(path), label=path.stem, load=lambda: load_dossier(path, settings.limits))


def _dossier_roots(names: list[str]) -> list[str]:
    """Folders holding an application.json (outermost only: a dossier's own subfolders are its documents)."""
    folders = set()
    for name in names:
        parts = name.rstrip("/").split("/")
        if parts[-1].casefold() == APPLICATION_FILE and not any(_is_hidden_or_junk(p) for p in parts[:-1]):
            folders.add("/".join(parts[:-1]))
    return sorted(f for f in folders if not any(_is_inside(f, other) for other in folders if other != f))


def _is_inside(name: str, folder: str) -> bool:
    return folder == "" or name.startswith(f"{folder}/")


def _single_wrapped_dossier(roots: list[str], names: list[str]) -> bool:
    """``dossier_0001.zip`` holding ``dossier_0001/…``: one dossier, read like ``docproc check`` reads it."""
    return len(roots) == 1 and "/" not in roots[0] and all(_is_inside(n, roots[0]) for n in names)


def _archive_refusal(path: Path, infos: list[zipfile.ZipInfo], settings: Settings) -> IngestError | None:
    caps = settings.batch
    if len(infos) > caps.max_archive_members:
        return IngestError(
            "zip_too_many_members",
            f"В архиве «{path.name}» {count_words(len(infos), 'файл', 'файла', 'файлов')}; для пакетной обработки допустимо не более "
            f"{caps.max_archive_members}. Разделите архив на части.",
        )
    declared = sum(info.file_size for info in infos)
    if declared > caps.max_archive_total_bytes:
        return IngestError(
            "zip_bomb",
            f"Архив «{path.name}» после распаковки занял бы {format_size(declared)}; допустимо не более "
            f"{format_size(caps.max_archive_total_bytes)}.",
        )
    return None


def _archive_dossiers(
    path: Path,
    archives: OpenArchives,
    infos: list[zipfile.ZipInfo],
    names: list[str],
    roots: list[str],
    settings: Settings,
) -> Iterator[DossierSource]:
    groups: dict[str, list[zipfile.ZipInfo]] = {root: [] for root in roots}
    nested: list[tuple[str, zipfile.ZipInfo]] = []
    stray: list[tuple[str, zipfile.ZipInfo]] = []
    for name, info in zip(names, infos, strict=True):
        root = next((r for r in roots if _is_inside(name, r)), None)
        if root is not None:
            groups[root].append(info)
        elif info.is_dir() or name.endswith("/") or any(_is_hidden_or_junk(p) for p in name.split("/")):
            continue
        elif name.casefold().endswith(".zip"):
            nested.append((name, info))
        else:
            stray.append((name, info))
    for root, members in groups.items():
        yield DossierSource(
            key=f"{path}!{root}/",
            label=posixpath.basename(root) or root,
            load=_group_loader(archives, path, root, members, settings),
        )
    # A dossier ZIP inside the archive is one nesting level down: its own nested archives get one less.
    inner_limits = settings.limits.model_copy(
        update={"max_archive_depth": max(settings.limits.max_archive_depth - 1, 0)}
    )

    def nested_loader(name: str, info: zipfile.ZipInfo) -> Callable[[], LoadedDossier]:
        def load() -> LoadedDossier:
            (member,) = read_zip_entries(archives.get(path), [info], settings.limits)
            return load_dossier_bytes(member.name, member.data, inner_limits)

        return load

    for name, info in nested:
        yield DossierSource(
            key=f"{path}!{name}",
            label=posixpath.splitext(posixpath.basename(name))[0],
            load=nested_loader(name, info),
        )
    for name, info in stray:
        # Not part of any dossier, so never read; but an archive carrying an escaping name or a link
        # is worth a line in the report.
        try:
            check_zip_entries([info], settings.limits)
        except IngestError as exc:
            yield refused_source(f"{path}!{name}", name, exc)
        else:
            log.info("ignored (not in any dossier folder): %s!%s", path, name)


def _group_loader(
    archives: OpenArchives, path: Path, root: str, members: list[zipfile.ZipInfo], settings: Settings
) -> Callable[[], LoadedDossier]:
    def load() -> LoadedDossier:
        entries = read_zip_entries(archives.get(path), members, settings.limits)
        prefix = posixpath.normpath(root) + "/"
        relative = [
            ArchiveMember(name=entry.name[len(prefix) :], data=entry.data)
            for entry in entries
            if entry.name.startswith(prefix)
        ]
        return load_dossier_members(posixpath.basename(root) or root, relative, settings.limits)

    return load
