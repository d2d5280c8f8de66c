"""The working-day calendar (holidays package + kz_calendar.yaml): transfers 2022–2026, registration on the
next working day, review deadlines counted from registration."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from models.program_rules import RulesError
from validators.working_days import CALENDAR_PATH, default_calendar, load_calendar, review_clock

D = dt.date


# The Government's transfer decrees: (the day off, the weekend day made a working day).
TRANSFERS = [
    (D(2022, 3, 7), D(2022, 3, 5)),
    (D(2022, 8, 29), D(2022, 8, 27)),
    (D(2022, 10, 24), D(2022, 10, 22)),
    (D(2023, 7, 7), D(2023, 7, 1)),
    (D(2024, 5, 8), D(2024, 5, 4)),
    (D(2025, 1, 3), D(2025, 1, 5)),
]


@pytest.mark.parametrize(("day_off", "working_weekend"), TRANSFERS)
def test_the_governments_transferred_days_off(day_off: dt.date, working_weekend: dt.date) -> None:
    calendar = default_calendar()
    assert day_off.weekday() < 5 and working_weekend.weekday() >= 5
    assert not calendar.is_working_day(day_off)
    assert calendar.day_off_name(day_off) == f"перенос выходного дня с {working_weekend.strftime('%d.%m.%Y')}"
    assert calendar.is_working_day(working_weekend)


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (D(2022, 1, 3), "перенос праздника «Новый год» с выходного дня"),  # 01.01.2022 was a Saturday
        (D(2023, 3, 22), "Наурыз мейрамы"),
        (D(2024, 7, 8), "перенос праздника «День Столицы» с выходного дня"),
        (D(2025, 3, 10), "перенос праздника «Международный женский день» с выходного дня"),
        (D(2026, 3, 24), "перенос праздника «Наурыз мейрамы» с выходного дня"),
        (D(2026, 12, 16), "День Независимости"),
    ],
)
def test_holidays_and_days_off_moved_from_a_weekend_2022_2026(day: dt.date, name: str) -> None:
    assert default_calendar().day_off_name(day) == name


def test_an_application_is_registered_on_the_next_working_day() -> None:
    calendar = default_calendar()
    assert calendar.registration_date(D(2025, 3, 12)) == D(2025, 3, 13)  # Wednesday -> Thursday
    assert calendar.registration_date(D(2025, 3, 14)) == D(2025, 3, 17)  # Friday -> Monday
    # Thursday 02.01.2025: Friday 03.01 is the transferred day off, Sunday 05.01 a working day.
    assert calendar.registration_date(D(2025, 1, 2)) == D(2025, 1, 5)
    # Friday 03.05.2024: Saturday 04.05.2024 is a working day.
    assert calendar.registration_date(D(2024, 5, 3)) == D(2024, 5, 4)
    # Friday 04.03.2022: Saturday 05.03.2022 is a working day; Monday 07.03 and Tuesday 08.03 are off.
    assert calendar.registration_date(D(2022, 3, 5)) == D(2022, 3, 9)


def test_the_review_deadline_counts_from_registration_over_transfers() -> None:
    calendar = default_calendar()
    # Submitted Thursday 02.05.2024, registered Friday 03.05; 14 working days: Saturday 04.05 counts,
    # 07.05, 08.05 (transferred) and 09.05 do not: 04, 06, 10, 13–17, 20–24 and Monday 27.05.
    registered = calendar.registration_date(D(2024, 5, 2))
    assert registered == D(2024, 5, 3)
    clock = review_clock(calendar, registered, registered, 14)
    assert clock.deadline == D(2024, 5, 27)
    assert not clock.approximate
    # Registered Friday 14.03.2025: Nauryz 21.03 plus 24.03 and 25.03 (22–23.03 fell on the weekend).
    clock = review_clock(calendar, D(2025, 3, 14), D(2025, 3, 14), 14)
    assert clock.deadline == D(2025, 4, 8) and clock.days_left == 14
    assert review_clock(calendar, D(2025, 3, 14), D(2025, 3, 22), 14).days_left == 10
    assert review_clock(calendar, D(2025, 3, 14), D(2025, 4, 8), 14).days_left == 0
    assert review_clock(calendar, D(2025, 3, 14), D(2025, 4, 10), 14).days_left == -2


def test_a_year_without_known_transfer_decrees_is_approximate() -> None:
    calendar = default_calendar()
    assert calendar.covers(2026) and not calendar.covers(2031)
    clock = review_clock(calendar, D(2031, 3, 14), D(2031, 3, 14), 14)
    assert clock.approximate
    # The statutory holidays still count: Nauryz 21–23.03.2031 (Friday to Sunday) and two Mondays-on.
    assert not calendar.is_working_day(D(2031, 3, 21)) and not calendar.is_working_day(D(2031, 3, 24))
    # A lunar holiday's expected date makes a period approximate too.
    assert review_clock(calendar, D(2026, 5, 20), D(2026, 5, 20), 14).approximate


def _calendar_with(tmp_path: Path, **changes: object) -> Path:
    data = yaml.safe_load(CALENDAR_PATH.read_text(encoding="utf-8"))
    data.update(changes)
    path = tmp_path / "kz_calendar.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_a_transfer_the_package_lacks_is_added_as_dated_data(tmp_path: Path) -> None:
    # A hypothetical 2027 decree the package does not know: Friday 14.05 off, Saturday 15.05 working.
    path = _calendar_with(
        tmp_path,
        transfers_known_through=2027,
        extra_days_off=[{"date": "2027-05-14", "name": "перенос с 15.05.2027", "source": "decree (test)"}],
        extra_working_days=[{"date": "2027-05-15", "name": "рабочая суббота", "source": "decree (test)"}],
    )
    calendar = load_calendar(path)
    assert calendar.day_off_name(D(2027, 5, 14)) == "перенос с 15.05.2027"
    assert calendar.is_working_day(D(2027, 5, 15))
    assert default_calendar().is_working_day(D(2027, 5, 14))  # the packaged data is untouched


def test_a_malformed_calendar_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RulesError):
        load_calendar(_calendar_with(tmp_path, extra_days_off=[{"date": "2027-05-14"}]))
    same = {"date": "2027-05-14", "name": "x", "source": "y"}
    with pytest.raises(RulesError):
        load_calendar(_calendar_with(tmp_path, extra_days_off=[same], extra_working_days=[same]))
