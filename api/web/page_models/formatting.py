"""Small formatting shared by the page models: local times, money, confidence colours, links."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from api.web.fields import row_id
from api.web.i18n import current_lang, gettext, tenge
from api.web.page_models.labels import MEASURE_LABELS
from foundation.settings import Settings
from models.db import ApplicationRow
from validators.findings import count_words, fmt_money  # noqa: F401 - count_words for the pages


def local_time(moment: dt.datetime | None, settings: Settings) -> str:
    if moment is None:
        return "—"
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)
    return aware.astimezone(ZoneInfo(settings.web.display_timezone)).strftime("%d.%m.%Y %H:%M")


def local_date(moment: dt.datetime, settings: Settings) -> dt.date:
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)
    return aware.astimezone(ZoneInfo(settings.web.display_timezone)).date()


def today(settings: Settings) -> dt.date:
    return dt.datetime.now(ZoneInfo(settings.web.display_timezone)).date()


def money(value: float | None) -> str:
    return tenge(fmt_money(value)) if value is not None else "—"


def amount(value: float | None) -> str:
    """Money under a heading that already says "тенге"."""
    return fmt_money(value).removesuffix(" тенге") if value is not None else "—"


def confidence_class(confidence: float | None, settings: Settings) -> str:
    if confidence is None:
        return "conf-none"
    if confidence >= settings.web.high_confidence:
        return "conf-high"
    if confidence >= settings.web.medium_confidence:
        return "conf-medium"
    return "conf-low"


def measure_label(app: ApplicationRow, payload: dict[str, Any] | None = None) -> str:
    name = (payload or {}).get("measure_name")
    if app.measure in MEASURE_LABELS and (not name or current_lang() != "ru"):
        return gettext(MEASURE_LABELS[app.measure])  # the rules name measures in Russian only
    return str(name) if name else app.measure


def document_link(document_id: str, path: str | None = None) -> str:
    if not path:
        return f"/documents/{document_id}"
    return f"/documents/{document_id}?field={path}#{row_id(path)}"

