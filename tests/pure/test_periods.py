"""Period arithmetic: table-driven edge cases and properties."""

from datetime import date, timedelta
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine import (
    ANNIVERSARY,
    CALENDAR,
    Period,
    PeriodError,
    PeriodRule,
    add_months,
    calendar_period_containing,
    next_period,
    period_from,
)

D = date


@pytest.mark.parametrize(
    ("day", "months", "anchor", "expected"),
    [
        (D(2027, 1, 31), 1, None, D(2027, 2, 28)),  # clamped to a short month
        (D(2028, 1, 31), 1, None, D(2028, 2, 29)),  # leap year
        (D(2027, 2, 28), 1, 31, D(2027, 3, 31)),  # anchor day comes back
        (D(2028, 2, 29), 12, None, D(2029, 2, 28)),
        (D(2028, 2, 29), 48, None, D(2032, 2, 29)),
        (D(2027, 12, 15), 1, None, D(2028, 1, 15)),  # year change
        (D(2027, 3, 31), -1, None, D(2027, 2, 28)),  # backwards
        (D(2027, 1, 1), 0, None, D(2027, 1, 1)),
    ],
)
def test_add_months(day, months, anchor, expected):
    assert add_months(day, months, anchor) == expected


@pytest.mark.parametrize(
    ("start", "months", "anchor", "end"),
    [
        (D(2027, 1, 1), 12, None, D(2027, 12, 31)),  # calendar year
        (D(2028, 1, 1), 12, None, D(2028, 12, 31)),  # leap calendar year
        (D(2026, 9, 1), 12, None, D(2027, 8, 31)),  # September season
        (D(2027, 1, 31), 12, None, D(2028, 1, 30)),  # anniversary from 31 January
        (D(2027, 1, 31), 1, None, D(2027, 2, 27)),  # 31 Jan + 1 month = 28 Feb, minus 1 day
        (D(2028, 2, 29), 12, None, D(2029, 2, 27)),  # anniversary from 29 February
        (D(2027, 7, 1), 6, None, D(2027, 12, 31)),  # half year
        (D(2027, 3, 15), 1, None, D(2027, 4, 14)),
    ],
)
def test_period_from(start, months, anchor, end):
    assert period_from(start, months, anchor) == Period(start, end)


def chain(start, months, count):
    """``count`` consecutive periods from ``start`` keeping its anchor day."""
    periods = [period_from(start, months, start.day)]
    for _ in range(count - 1):
        periods.append(next_period(periods[-1], months, start.day))
    return periods


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (
            D(2027, 1, 31),
            1,
            [
                (D(2027, 1, 31), D(2027, 2, 27)),
                (D(2027, 2, 28), D(2027, 3, 30)),
                (D(2027, 3, 31), D(2027, 4, 29)),
                (D(2027, 4, 30), D(2027, 5, 30)),
            ],
        ),
        (
            D(2028, 2, 29),
            12,
            [
                (D(2028, 2, 29), D(2029, 2, 27)),
                (D(2029, 2, 28), D(2030, 2, 27)),
                (D(2030, 2, 28), D(2031, 2, 27)),
                (D(2031, 2, 28), D(2032, 2, 28)),
                (D(2032, 2, 29), D(2033, 2, 27)),
            ],
        ),
        (
            D(2027, 1, 31),
            12,
            [(D(2027, 1, 31), D(2028, 1, 30)), (D(2028, 1, 31), D(2029, 1, 30))],
        ),
    ],
)
def test_anniversary_chains_keep_their_anchor(start, months, expected):
    assert [(p.start, p.end) for p in chain(start, months, len(expected))] == expected


@pytest.mark.parametrize(
    ("rule", "day", "start", "end"),
    [
        (PeriodRule(CALENDAR, 12, 1, 1), D(2027, 3, 15), D(2027, 1, 1), D(2027, 12, 31)),
        (PeriodRule(CALENDAR, 12, 1, 1), D(2027, 1, 1), D(2027, 1, 1), D(2027, 12, 31)),
        (PeriodRule(CALENDAR, 12, 1, 1), D(2027, 12, 31), D(2027, 1, 1), D(2027, 12, 31)),
        (PeriodRule(CALENDAR, 12, 9, 1), D(2027, 3, 15), D(2026, 9, 1), D(2027, 8, 31)),
        (PeriodRule(CALENDAR, 12, 9, 1), D(2027, 9, 1), D(2027, 9, 1), D(2028, 8, 31)),
        (PeriodRule(CALENDAR, 6, 1, 1), D(2027, 8, 2), D(2027, 7, 1), D(2027, 12, 31)),
        (PeriodRule(CALENDAR, 3, 1, 1), D(2028, 2, 29), D(2028, 1, 1), D(2028, 3, 31)),
        (PeriodRule(CALENDAR, 1, 1, 31), D(2027, 2, 28), D(2027, 2, 28), D(2027, 3, 30)),
        (PeriodRule(CALENDAR, 12, 4, 15), D(2027, 4, 14), D(2026, 4, 15), D(2027, 4, 14)),
    ],
)
def test_calendar_period_containing(rule, day, start, end):
    assert calendar_period_containing(day, rule) == Period(start, end)


@pytest.mark.parametrize(
    ("rule", "field"),
    [
        (PeriodRule("weekly"), "period_rule"),
        (PeriodRule(CALENDAR, 0), "period_months"),
        (PeriodRule(CALENDAR, -12), "period_months"),
        (PeriodRule(CALENDAR, 5), "period_months"),
        (PeriodRule(CALENDAR, 24), "period_months"),
        (PeriodRule(CALENDAR, 12, 13, 1), "period_start_month"),
        (PeriodRule(CALENDAR, 12, 2, 29), "period_start_day"),
        (PeriodRule(CALENDAR, 12, 4, 31), "period_start_day"),
        (PeriodRule(CALENDAR, 12, 1, 0), "period_start_day"),
    ],
)
def test_invalid_rules_name_the_field(rule, field):
    with pytest.raises(PeriodError) as error:
        rule.validate()
    assert error.value.field == field


def test_anniversary_rule_accepts_any_duration():
    assert PeriodRule(ANNIVERSARY, 18).validate().months == 18


def test_period_end_before_start_is_refused():
    with pytest.raises(PeriodError, match="cannot end"):
        Period(D(2027, 2, 1), D(2027, 1, 31))


dates = st.dates(min_value=D(1990, 1, 1), max_value=D(2200, 12, 31))


@given(start=dates, months=st.integers(min_value=1, max_value=36), count=st.integers(1, 30))
def test_chained_periods_have_no_gap_no_overlap_no_drift(start, months, count):
    periods = chain(start, months, count)
    for k, (previous, current) in enumerate(pairwise(periods), start=1):
        assert current.start == previous.end + timedelta(days=1)
        # no drift: the k-th period starts k * months after the first, same anchor
        assert current.start == add_months(start, k * months, start.day)
    for period in periods:
        assert period.end >= period.start


@given(
    day=dates,
    months=st.sampled_from([1, 2, 3, 4, 6, 12]),
    start_month=st.integers(1, 12),
    start_day=st.integers(1, 28),
)
def test_calendar_period_contains_the_day_and_starts_on_the_grid(day, months, start_month, start_day):
    rule = PeriodRule(CALENDAR, months, start_month, start_day)
    period = calendar_period_containing(day, rule)
    assert day in period
    assert period.start.day == start_day
    assert (period.start.month - start_month) % months == 0
    following = next_period(period, months, start_day)
    assert calendar_period_containing(following.start, rule) == following
