"""The review deadline of an application as the pages show it (working days left, or overdue)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from api.web.i18n import gettext
from api.web.page_models.formatting import local_date, today
from foundation.settings import Settings
from models.db import ApplicationRow
from validators.findings import fmt_date
from validators.working_days import ReviewClock, default_calendar, review_clock


@dataclass(frozen=True)
class ClockView:
    clock: ReviewClock
    text: str
    css: str  # ok | soon | overdue | decided


def registration_day(app: ApplicationRow, settings: Settings) -> dt.date:
    """The day the application is registered: the working day after the day it was submitted."""
    return default_calendar().registration_date(local_date(app.created_at, settings))


def clock_view(app: ApplicationRow, settings: Settings) -> ClockView:
    registered = registration_day(app, settings)
    clock = review_clock(default_calendar(), registered, today(settings), settings.web.review_working_days)
    approx = (
        " " + gettext("(приблизительно: переносы выходных дней на этот год ещё не известны)")
        if clock.approximate
        else ""
    )
    deadline = fmt_date(clock.deadline)
    if app.review_decision is not None:
        return ClockView(clock, gettext("решение принято; срок был до {deadline}").format(deadline=deadline), "decided")
    if clock.days_left > 0:
        css = "soon" if clock.days_left <= 3 else "ok"
        text = gettext("осталось {days} раб. дн. (до {deadline})").format(days=clock.days_left, deadline=deadline)
        return ClockView(clock, text + approx, css)
    if clock.days_left == 0:
        return ClockView(clock, gettext("сегодня последний день ({deadline})").format(deadline=deadline) + approx, "soon")
    text = gettext("просрочено на {days} раб. дн. (срок {deadline})").format(days=-clock.days_left, deadline=deadline)
    return ClockView(clock, text + approx, "overdue")
