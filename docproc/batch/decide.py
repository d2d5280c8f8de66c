"""Run or skip a dossier, and why: from its input hash, the stage fingerprints and its journal entry."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

from docproc.batch.journal import EntryStatus, JournalEntry
from docproc.batch.model import BatchOptions, Decision, Reason
from foundation.versions import STAGE_LABELS, STAGES, StageFingerprint
from ingest.dossier import LoadedDossier


def input_hash(loaded: LoadedDossier) -> str:
    """What a dossier's result depends on, besides the stage versions: its declaration and its files."""
    hasher = hashlib.sha256()
    if loaded.application is not None:
        hasher.update(loaded.application.model_dump_json().encode())
    else:
        hasher.update(f"invalid:{loaded.application_error}".encode())
    for source in loaded.files:
        hasher.update(f"\x1ffile\x1f{source.name}\x1f{source.sha256}".encode())
    for rejected in loaded.rejected:
        hasher.update(f"\x1frejected\x1f{rejected.name}\x1f{rejected.code}".encode())
    return hasher.hexdigest()


def _stage_changes(
    previous: JournalEntry, current: dict[str, StageFingerprint]
) -> tuple[list[str], list[str]]:
    upgraded, changed = [], []
    for stage in STAGES:
        before, now = previous.stage(stage), current[stage]
        label = STAGE_LABELS[stage]
        if before is None or before.version != now.version:
            was = "?" if before is None else str(before.version)
            upgraded.append(f"обновлён этап «{label}»: {was}→{now.version}")
        elif before.detail != now.detail:
            changed.append(f"изменились настройки или данные этапа «{label}»")
    return upgraded, changed


def decide(
    previous: JournalEntry | None,
    current_hash: str,
    fingerprints: dict[str, StageFingerprint],
    options: BatchOptions,
    application_date: dt.date | None,
    result_missing: Path | None = None,
) -> Decision:
    """Run or skip a loaded dossier, and why."""
    if options.since is not None and application_date is not None and application_date < options.since:
        return Decision(
            False,
            Reason.BEFORE_SINCE,
            f"дата заявки {application_date:%d.%m.%Y} раньше {options.since:%d.%m.%Y}",
        )
    failed_before = previous is not None and previous.status == EntryStatus.FAILED
    if options.only_failed and not failed_before:
        return Decision(False, Reason.NOT_FAILED, "сбоя в прошлый раз не было (выбран --only-failed)")
    if previous is None:
        return Decision(True, Reason.NEW, "новое досье")
    if previous.input_hash != current_hash:
        return Decision(True, Reason.INPUT_CHANGED, "изменились файлы досье или application.json")
    if failed_before:
        return Decision(
            True, Reason.FAILED_BEFORE, f"в прошлый раз — сбой: {previous.reason or 'без подробностей'}"
        )
    if previous.status == EntryStatus.STARTED:
        return Decision(True, Reason.INTERRUPTED, "прошлый запуск прервался на этом досье")
    upgraded, changed = _stage_changes(previous, fingerprints)
    if upgraded:
        return Decision(True, Reason.UPGRADED, "; ".join(upgraded + changed))
    if changed:
        return Decision(True, Reason.SETTINGS_CHANGED, "; ".join(changed))
    if result_missing is not None:
        return Decision(True, Reason.RESULT_MISSING, f"нет файла результата {result_missing}")
    return Decision(False, Reason.UNCHANGED, "без изменений — пропущено")
