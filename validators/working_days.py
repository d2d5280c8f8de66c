"""Working days in Kazakhstan, for registration and review deadlines ("14 working days from registration").

The holidays, the days off moved from a weekend and the Government's transfer decrees come from the
``holidays`` package (country KZ); ``validators/rules/calendar/kz_calendar.yaml`` adds, as dated data
with a source, only what the package lacks, and says up to which year the transfer decrees are known.
A period reaching a later year is counted with the statutory holidays alone and the answer says it is
approximate, so a deadline is never silently wrong by a transferred day.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import holidays
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from models.program_rules import RULES_DIR, RulesError

CALENDAR_PATH = RULES_DIR / "calendar" / "kz_calendar.yaml"
_ONE_DAY = dt.timedelta(days=1)
# The package's names (language en_US): "Victory Day (observed)", "Eid al-Adha (estimated)",
# "Day off (substituted from 03/05/2022)".
_SUBSTITUTED = re.compile(r"Day off \(substituted from (\d{2})/(\d{2})/(\d{4})\)")
_OBSERVED = " (observed)"
_ESTIMATED = " (estimated)"


class DatedDay(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    date: dt.date
    name: str
    source: str


class CalendarData(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    country: str
    source: str
    transfers_known_through: int
    registration_after_working_days: int = Field(ge=0)
    registration_source: str
    extra_days_off: list[DatedDay] = Field(default_factory=list)
    extra_working_days: list[DatedDay] = Field(default_factory=list)
    names_ru: dict[str, str] = Field(default_factory=dict)


class WorkingCalendar:
    def __init__(self, data: CalendarData) -> None:
        self.data = data
        self._holidays: Any = holidays.country_holidays(data.country, language="en_US")
        self._extra_off = {d.date: d.name for d in data.extra_days_off}
        self._extra_working = {d.date for d in data.extra_working_days}
        both = set(self._extra_off) & self._extra_working
        if both:
            raise RulesError(f"calendar: {sorted(both)} are listed both as days off and as working days")

    def covers(self, year: int) -> bool:
        """True when the transfer decrees of ``year`` are known (its count is exact)."""
        return year <= self.data.transfers_known_through

    def day_off_name(self, day: dt.date) -> str | None:
        """Why ``day`` is not a working day (Russian: the holiday, a transfer, "выходной"), None for a working day."""
        if day in self._extra_working:
            return None
        if day in self._extra_off:
            return self._extra_off[day]
        if self._holidays.is_working_day(day):
            return None
        name = self._holidays.get(day)
        if name is None:
            return "выходной"
        return "; ".join(self._russian(part.strip()) for part in str(name).split(";"))

    def estimated(self, day: dt.date) -> bool:
        """True when ``day`` is a day off whose date is expected, not announced (a lunar holiday)."""
        return _ESTIMATED in str(self._holidays.get(day) or "")

    def _russian(self, name: str) -> str:
        moved = _SUBSTITUTED.fullmatch(name)
        if moved:
            month, day, year = moved.groups()
            return f"перенос выходного дня с {day}.{month}.{year}"
        estimated = name.endswith(_ESTIMATED)
        name = name.removesuffix(_ESTIMATED)
        observed = name.endswith(_OBSERVED)
        name = name.removesuffix(_OBSERVED)
        text = self.data.names_ru.get(name, name)
        if observed:
            text = f"перенос праздника «{text}» с выходного дня"
        if estimated:
            text += " (ожидаемая дата)"
        return text

    def is_working_day(self, day: dt.date) -> bool:
        return self.day_off_name(day) is None

    def add_working_days(self, start: dt.date, count: int) -> dt.date:
        """The ``count``-th working day after ``start`` (``start`` itself is not counted)."""
        day, left = start, count
        while left > 0:
            day += _ONE_DAY
            if self.is_working_day(day):
                left -= 1
        return day

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days after ``start`` up to and including ``end`` (0 when ``end`` <= ``start``)."""
        count, day = 0, start
        while day < end:
            day += _ONE_DAY
            if self.is_working_day(day):
                count += 1
        return count

    def registration_date(self, submitted: dt.date) -> dt.date:
        """The day an application submitted on ``submitted`` is registered (kz_calendar.yaml)."""
        return self.add_working_days(submitted, self.data.registration_after_working_days)

    def approximate(self, start: dt.date, end: dt.date) -> bool:
        """True when the days from ``start`` to ``end`` reach a year without known transfer decrees,
        or include a day off whose date is only expected."""
        if not all(self.covers(y) for y in range(start.year, end.year + 1)):
            return True
        day = start
        while day <= end:
            if self.estimated(day):
                return True
            day += _ONE_DAY
        return False


@dataclass(frozen=True)
class ReviewClock:
    """Where a review stands against its deadline."""

    registered: dt.date
    deadline: dt.date
    # Working days after today up to the deadline: 0 on the last day, negative once overdue.
    days_left: int
    # True when the period reaches a year whose transfer decrees are not known, or an expected date.
    approximate: bool

    @property
    def overdue(self) -> bool:
        return self.days_left < 0


def review_clock(
    calendar: WorkingCalendar, registered: dt.date, today: dt.date, working_days: int
) -> ReviewClock:
    """The deadline (the ``working_days``-th working day after registration) and the days left today."""
    deadline = calendar.add_working_days(registered, working_days)
    if today <= deadline:
        left = calendar.working_days_between(today, deadline)
    else:
        left = -calendar.working_days_between(deadline, today)
    return ReviewClock(
        registered=registered,
        deadline=deadline,
        days_left=left,
        approximate=calendar.approximate(registered, max(deadline, today)),
    )


def load_calendar(path: Path | None = None) -> WorkingCalendar:
    path = path or CALENDAR_PATH
    try:
        data = CalendarData.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
    except (ValidationError, ValueError, TypeError) as exc:
        raise RulesError(f"{path.name}: {exc}") from exc
    return WorkingCalendar(data)


@lru_cache(maxsize=1)
def default_calendar() -> WorkingCalendar:
    return load_calendar()
