"""Membership periods.

Rules (documented in README.rst, tested in tests/pure/test_periods.py):

* A period of N months starting on S ends on S + N months - 1 day, the day of
  month of S + N months being clamped to the length of its month
  (31 January + 1 month = 28 or 29 February).
* The next period starts the day after the previous one ends: no gap, no
  overlap. To avoid drifting after a short month, consecutive periods keep
  the *anchor day* of the first one (31 January, then 28 February, then
  31 March...).
* A calendar rule has periods starting on a fixed day and month (1 January for
  the calendar year, 1 September for a season) whose length in months divides
  12 (12, 6, 4, 3, 2 or 1), so every year is cut the same way.
* An anniversary rule starts the first period on the joining date.
"""

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

CALENDAR = "calendar"
ANNIVERSARY = "anniversary"
ONE_DAY = timedelta(days=1)


class PeriodError(ValueError):
    """A period rule or period is invalid. ``field`` names the faulty input."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.field = field


def add_months(day, months, anchor_day=None):
    """Return ``day`` moved by ``months`` months (may be negative).

    The day of month is ``anchor_day`` (default: ``day.day``), clamped to the
    length of the target month.
    """
    target_day = anchor_day or day.day
    year, month_index = divmod(day.year * 12 + day.month - 1 + months, 12)
    month = month_index + 1
    return date(year, month, min(target_day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Period:
    """An inclusive date range ``[start, end]``."""

    start: date
    end: date

    def __post_init__(self):
        if self.end < self.start:
            raise PeriodError(
                f"A period cannot end ({self.end}) before it starts ({self.start}).",
                field="date_end",
            )

    @property
    def days(self):
        """Number of days, both ends included."""
        return (self.end - self.start).days + 1

    def __contains__(self, day):
        return self.start <= day <= self.end


@dataclass(frozen=True)
class PeriodRule:
    """How a plan cuts time into periods."""

    kind: str = CALENDAR
    months: int = 12
    start_month: int = 1
    start_day: int = 1

    def validate(self):
        """Raise :class:`PeriodError` naming the faulty field, or return self."""
        if self.kind not in (CALENDAR, ANNIVERSARY):
            raise PeriodError(
                f"Unknown period rule {self.kind!r}: use {CALENDAR!r} or {ANNIVERSARY!r}.",
                field="period_rule",
            )
        if not isinstance(self.months, int) or self.months < 1:
            raise PeriodError(
                f"The duration of a period must be at least 1 month, not {self.months}.",
                field="period_months",
            )
        if self.kind == CALENDAR:
            if 12 % self.months:
                raise PeriodError(
                    f"A calendar period must last 1, 2, 3, 4, 6 or 12 months so that every year "
                    f"is cut the same way; {self.months} months is not allowed.",
                    field="period_months",
                )
            if not 1 <= self.start_month <= 12:
                raise PeriodError(
                    f"The start month must be between 1 and 12, not {self.start_month}.",
                    field="period_start_month",
                )
            # 2001 is not a leap year: 29 February is refused as a yearly start.
            last_day = calendar.monthrange(2001, self.start_month)[1]
            if not 1 <= self.start_day <= last_day:
                raise PeriodError(
                    f"The start day must be between 1 and {last_day} for month "
                    f"{self.start_month}, not {self.start_day}.",
                    field="period_start_day",
                )
        return self


def period_from(start, months, anchor_day=None):
    """The period of ``months`` months starting on ``start``."""
    return Period(start, add_months(start, months, anchor_day) - ONE_DAY)


def next_period(period, months, anchor_day=None):
    """The period that follows ``period``, starting the day after it ends."""
    return period_from(period.end + ONE_DAY, months, anchor_day)


def calendar_period_containing(day, rule):
    """The period of a calendar ``rule`` that contains ``day``."""
    rule.validate()
    if rule.kind != CALENDAR:
        raise PeriodError("Only a calendar rule has fixed periods.", field="period_rule")
    start = date(day.year, rule.start_month, rule.start_day)
    if start > day:
        start = date(day.year - 1, rule.start_month, rule.start_day)
    # At most 12 steps: the period length divides 12 months.
    while True:
        period = period_from(start, rule.months, rule.start_day)
        if day <= period.end:
            return period
        start = period.end + ONE_DAY
