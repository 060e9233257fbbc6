"""Proration of a joiner's first period: the README's table, then properties."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine import (
    ANNIVERSARY,
    CALENDAR,
    PRORATE_BY_DAY,
    PRORATE_BY_MONTH,
    PRORATE_NONE,
    Cutoff,
    Period,
    PeriodError,
    PeriodRule,
    calendar_period_containing,
    first_period,
    prorate,
)

D = date
YEAR = PeriodRule(CALENDAR, 12, 1, 1)
SEASON = PeriodRule(CALENDAR, 12, 9, 1)

CASES = [
    # (label, rule, join, fee, method, cutoff, start, end, amount, num, den, cutoff_applied)
    (
        "year, 15 March 2027, by month",
        YEAR,
        D(2027, 3, 15),
        "240",
        PRORATE_BY_MONTH,
        None,
        D(2027, 3, 15),
        D(2027, 12, 31),
        "200.00",
        10,
        12,
        False,
    ),
    (
        "year, 15 March 2027, by day",
        YEAR,
        D(2027, 3, 15),
        "240",
        PRORATE_BY_DAY,
        None,
        D(2027, 3, 15),
        D(2027, 12, 31),
        "192.00",
        292,
        365,
        False,
    ),
    (
        "year, 15 March 2027, none",
        YEAR,
        D(2027, 3, 15),
        "240",
        PRORATE_NONE,
        None,
        D(2027, 3, 15),
        D(2027, 12, 31),
        "240.00",
        1,
        1,
        False,
    ),
    (
        "year, 29 February 2028, by day",
        YEAR,
        D(2028, 2, 29),
        "250",
        PRORATE_BY_DAY,
        None,
        D(2028, 2, 29),
        D(2028, 12, 31),
        "209.70",
        307,
        366,
        False,
    ),
    (
        "year, 29 February 2028, by month",
        YEAR,
        D(2028, 2, 29),
        "250",
        PRORATE_BY_MONTH,
        None,
        D(2028, 2, 29),
        D(2028, 12, 31),
        "229.17",
        11,
        12,
        False,
    ),
    (
        "year, 1 January, by day",
        YEAR,
        D(2027, 1, 1),
        "240",
        PRORATE_BY_DAY,
        None,
        D(2027, 1, 1),
        D(2027, 12, 31),
        "240.00",
        365,
        365,
        False,
    ),
    (
        "year, 31 December, by day",
        YEAR,
        D(2027, 12, 31),
        "365",
        PRORATE_BY_DAY,
        None,
        D(2027, 12, 31),
        D(2027, 12, 31),
        "1.00",
        1,
        365,
        False,
    ),
    (
        "year, 31 December, by month",
        YEAR,
        D(2027, 12, 31),
        "240",
        PRORATE_BY_MONTH,
        None,
        D(2027, 12, 31),
        D(2027, 12, 31),
        "20.00",
        1,
        12,
        False,
    ),
    (
        "cut-off 1 Oct, joiner 15 Oct 2027",
        YEAR,
        D(2027, 10, 15),
        "240",
        PRORATE_BY_MONTH,
        Cutoff(10, 1),
        D(2027, 10, 15),
        D(2028, 12, 31),
        "240.00",
        1,
        1,
        True,
    ),
    (
        "cut-off 1 Oct, joiner on 1 Oct 2027",
        YEAR,
        D(2027, 10, 1),
        "240",
        PRORATE_BY_DAY,
        Cutoff(10, 1),
        D(2027, 10, 1),
        D(2028, 12, 31),
        "240.00",
        1,
        1,
        True,
    ),
    (
        "cut-off 1 Oct, joiner on 30 Sep 2027",
        YEAR,
        D(2027, 9, 30),
        "240",
        PRORATE_BY_MONTH,
        Cutoff(10, 1),
        D(2027, 9, 30),
        D(2027, 12, 31),
        "80.00",
        4,
        12,
        False,
    ),
    (
        "September season, 15 March 2027, by month",
        SEASON,
        D(2027, 3, 15),
        "300",
        PRORATE_BY_MONTH,
        None,
        D(2027, 3, 15),
        D(2027, 8, 31),
        "150.00",
        6,
        12,
        False,
    ),
    (
        "September season, 15 March 2027, by day",
        SEASON,
        D(2027, 3, 15),
        "365",
        PRORATE_BY_DAY,
        None,
        D(2027, 3, 15),
        D(2027, 8, 31),
        "170.00",
        170,
        365,
        False,
    ),
    (
        "September season, cut-off 1 June, 2 June 2027",
        SEASON,
        D(2027, 6, 2),
        "300",
        PRORATE_BY_DAY,
        Cutoff(6, 1),
        D(2027, 6, 2),
        D(2028, 8, 31),
        "300.00",
        1,
        1,
        True,
    ),
    (
        "anniversary from 31 January",
        PeriodRule(ANNIVERSARY, 12),
        D(2027, 1, 31),
        "240",
        PRORATE_BY_DAY,
        Cutoff(10, 1),
        D(2027, 1, 31),
        D(2028, 1, 30),
        "240.00",
        1,
        1,
        False,
    ),
    (
        "anniversary from 29 February",
        PeriodRule(ANNIVERSARY, 12),
        D(2028, 2, 29),
        "240",
        PRORATE_BY_MONTH,
        None,
        D(2028, 2, 29),
        D(2029, 2, 27),
        "240.00",
        1,
        1,
        False,
    ),
    (
        "quarter, 15 February, by month",
        PeriodRule(CALENDAR, 3),
        D(2027, 2, 15),
        "90",
        PRORATE_BY_MONTH,
        None,
        D(2027, 2, 15),
        D(2027, 3, 31),
        "60.00",
        2,
        3,
        False,
    ),
]


@pytest.mark.parametrize(
    ("rule", "join", "fee", "method", "cutoff", "start", "end", "amount", "num", "den", "cut"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_first_period_table(rule, join, fee, method, cutoff, start, end, amount, num, den, cut):
    terms = first_period(join, rule, Decimal(fee), method, cutoff)
    assert terms.coverage == Period(start, end)
    assert terms.amount == Decimal(amount)
    assert (terms.numerator, terms.denominator) == (num, den)
    assert terms.cutoff_applied is cut
    assert terms.full_fee == Decimal(fee).quantize(Decimal("0.01"))


def test_anniversary_anchor_is_the_joining_day():
    assert first_period(D(2027, 1, 31), PeriodRule(ANNIVERSARY, 1), Decimal(10)).anchor_day == 31
    assert first_period(D(2027, 3, 15), YEAR, Decimal(10)).anchor_day == 1


def test_rounding_step_of_the_currency_is_used():
    terms = first_period(D(2027, 3, 15), YEAR, Decimal(100), PRORATE_BY_DAY, rounding=Decimal("0.05"))
    assert terms.amount == Decimal("80.00")
    terms = first_period(D(2027, 3, 16), YEAR, Decimal(100), PRORATE_BY_DAY, rounding=Decimal(1))
    assert terms.amount == Decimal(80)  # 291/365 * 100 = 79.726...


@pytest.mark.parametrize(
    ("cutoff", "field"),
    [(Cutoff(2, 29), "cutoff_day"), (Cutoff(13, 1), "cutoff_month"), (Cutoff(4, 31), "cutoff_day")],
)
def test_invalid_cutoff_names_the_field(cutoff, field):
    with pytest.raises(PeriodError) as error:
        first_period(D(2027, 3, 15), YEAR, Decimal(10), PRORATE_NONE, cutoff)
    assert error.value.field == field


def test_unknown_method_and_outside_date_are_refused():
    period = calendar_period_containing(D(2027, 3, 15), YEAR)
    with pytest.raises(PeriodError, match="Unknown proration"):
        prorate(Decimal(10), D(2027, 3, 15), period, 12, "weekly")
    with pytest.raises(PeriodError, match="outside the period"):
        prorate(Decimal(10), D(2028, 1, 1), period, 12, PRORATE_BY_DAY)


fees = st.decimals(min_value=0, max_value=100000, places=2, allow_nan=False, allow_infinity=False)
joins = st.dates(min_value=D(2000, 1, 1), max_value=D(2100, 12, 31))
rules = st.builds(
    PeriodRule,
    kind=st.just(CALENDAR),
    months=st.sampled_from([1, 2, 3, 4, 6, 12]),
    start_month=st.integers(1, 12),
    start_day=st.integers(1, 28),
)
methods = st.sampled_from([PRORATE_NONE, PRORATE_BY_MONTH, PRORATE_BY_DAY])


@given(rule=rules, join=joins, fee=fees, method=methods)
def test_prorated_amount_is_between_zero_and_the_full_fee(rule, join, fee, method):
    terms = first_period(join, rule, fee, method)
    assert Decimal(0) <= terms.amount <= terms.full_fee
    assert terms.amount == terms.amount.quantize(Decimal("0.01"))
    assert terms.coverage.start == join
    assert terms.coverage.end == terms.reference_period.end


@given(rule=rules, join=joins, fee=fees, method=methods)
def test_joining_on_the_first_day_pays_the_full_fee(rule, join, fee, method):
    start = calendar_period_containing(join, rule).start
    assert first_period(start, rule, fee, method).amount == first_period(start, rule, fee, PRORATE_NONE).amount


@given(rule=rules, join=joins, fee=fees, method=methods)
def test_a_later_joiner_never_pays_more(rule, join, fee, method):
    period = calendar_period_containing(join, rule)
    if join == period.end:
        return
    later = join.fromordinal(join.toordinal() + 1)
    assert first_period(later, rule, fee, method).amount <= first_period(join, rule, fee, method).amount
