"""Working days in Kazakhstan, for review deadlines ("14 working days from registration").

The public holidays are data (``validators/rules/calendar/kz_holidays.yaml``, one entry per year);
this module only counts. A year missing from the data is counted with weekends alone and the
answer says it is approximate, so a deadline is never silently wrong by a holiday.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from validators.rules import RULES_DIR, RulesError

CALENDAR_PATH = RULES_DIR / "calendar" / "kz_holidays.yaml"
_SATURDAY = 5
_ONE_DAY = dt.timedelta(days=1)


class DayOff(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    date: dt.date
    name: str


class CalendarYear(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    holidays: list[DayOff] = Field(default_factory=list)
    # Weekday days off because a holiday fell on a weekend, or a Government decree's bridge day.
    moved_days_off: list[DayOff] = Field(default_factory=list)
    # Saturdays / Sundays a Government decree made working days.
    working_weekends: list[dt.date] = Field(default_factory=list)


class WorkingCalendar:
    def __init__(self, years: dict[int, CalendarYear]) -> None:
        self.years = years
        self._days_off: dict[dt.date, str] = {}
        self._working_weekends: set[dt.date] = set()
        for year, data in years.items():
            for day in [*data.holidays, *data.moved_days_off]:
                if day.date.year != year:
                    raise RulesError(f"calendar year {year}: {day.date.isoformat()} belongs to another year")
                self._days_off[day.date] = day.name
            self._working_weekends.update(data.working_weekends)

    def covers(self, year: int) -> bool:
        return year in self.years

    def day_off_name(self, day: dt.date) -> str | None:
        """Why ``day`` is not a working day (the holiday's name, or "выходной"), None for a working day."""
        if day in self._days_off:
            return self._days_off[day]
        if day.weekday() >= _SATURDAY and day not in self._working_weekends:
            return "выходной"
        return None

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


@dataclass(frozen=True)
class ReviewClock:
    """Where a review stands against its deadline."""

    registered: dt.date
    deadline: dt.date
    # Working days after today up to the deadline: 0 on the last day, negative once overdue.
    days_left: int
    # True when a year of the period has no holiday data (counted with weekends only).
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
    years = range(registered.year, max(deadline, today).year + 1)
    return ReviewClock(
        registered=registered,
        deadline=deadline,
        days_left=left,
        approximate=not all(calendar.covers(y) for y in years),
    )


def load_calendar(path: Path | None = None) -> WorkingCalendar:
    path = path or CALENDAR_PATH
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    try:
        years = {int(y): CalendarYear.model_validate(v or {}) for y, v in (data.get("years") or {}).items()}
    except (ValidationError, ValueError, TypeError) as exc:
        raise RulesError(f"{path.name}: {exc}") from exc
    return WorkingCalendar(years)


@lru_cache(maxsize=1)
def default_calendar() -> WorkingCalendar:
    return load_calendar()
