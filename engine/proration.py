"""Proration of the first period of a joiner.

Rules (documented in README.rst, tested in tests/pure/test_proration.py):

* Only a joiner in a *calendar* period is prorated; an anniversary period
  starts on the joining date and always costs the full fee.
* ``none``: the full fee.
* ``month``: fee x (months from the joining month, counted, to the period end)
  / months of the period. The months of a period are the slots starting on
  its start day (1 January, 1 February...); the slot holding the joining date
  counts in full.
* ``day``: fee x (days from the joining day, counted, to the period end)
  / days of the period.
* The result is rounded half-up to the currency.
* Cut-off: a joiner on or after the cut-off day of the current period pays
  one full period and is covered until the end of the next period.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from .money import round_money, to_decimal
from .periods import (
    ANNIVERSARY,
    Period,
    PeriodError,
    add_months,
    calendar_period_containing,
    next_period,
    period_from,
)

PRORATE_NONE = "none"
PRORATE_BY_MONTH = "month"
PRORATE_BY_DAY = "day"
PRORATION_METHODS = (PRORATE_NONE, PRORATE_BY_MONTH, PRORATE_BY_DAY)


@dataclass(frozen=True)
class Cutoff:
    """A day of the year (month, day) from which joiners pay the next period."""

    month: int
    day: int

    def validate(self):
        if not 1 <= self.month <= 12:
            raise PeriodError(f"The cut-off month must be between 1 and 12, not {self.month}.", field="cutoff_month")
        try:
            date(2001, self.month, self.day)  # 2001: 29 February is refused
        except ValueError as error:
            raise PeriodError(
                f"The cut-off day {self.day} does not exist in month {self.month} every year.",
                field="cutoff_day",
            ) from error
        return self

    def date_in(self, period):
        """The cut-off date falling inside ``period``, or None."""
        for year in (period.start.year, period.start.year + 1):
            candidate = date(year, self.month, self.day)
            if candidate >= period.start:
                return candidate if candidate <= period.end else None
        return None


@dataclass(frozen=True)
class JoinTerms:
    """What a joiner is covered for and pays for the first subscription."""

    coverage: Period  # dates of the subscription
    reference_period: Period  # the full period the fee is set for
    anchor_day: int  # day of month that later periods keep
    method: str  # proration actually applied
    numerator: int
    denominator: int
    full_fee: Decimal
    amount: Decimal
    cutoff_applied: bool = False


def months_counted(join_date, period, months):
    """Months of ``period`` (``months`` long) from the slot holding ``join_date``."""
    elapsed = 0
    while elapsed < months and add_months(period.start, elapsed + 1, period.start.day) <= join_date:
        elapsed += 1
    return months - elapsed


def prorate(full_fee, join_date, period, months, method, rounding=Decimal("0.01")):
    """Return ``(amount, numerator, denominator)`` for a joiner on ``join_date``."""
    if join_date not in period:
        raise PeriodError(f"The joining date {join_date} is outside the period {period.start} - {period.end}.")
    full_fee = to_decimal(full_fee)
    if method == PRORATE_NONE:
        numerator = denominator = 1
    elif method == PRORATE_BY_MONTH:
        numerator, denominator = months_counted(join_date, period, months), months
    elif method == PRORATE_BY_DAY:
        numerator, denominator = (period.end - join_date).days + 1, period.days
    else:
        raise PeriodError(
            f"Unknown proration {method!r}: use one of {', '.join(PRORATION_METHODS)}.", field="proration"
        )
    amount = round_money(full_fee * numerator / denominator, rounding)
    return amount, numerator, denominator


def first_period(join_date, rule, full_fee, method=PRORATE_NONE, cutoff=None, rounding=Decimal("0.01")):
    """The first subscription of a member joining on ``join_date``."""
    rule.validate()
    full = round_money(full_fee, rounding)
    if rule.kind == ANNIVERSARY:
        coverage = period_from(join_date, rule.months, join_date.day)
        return JoinTerms(coverage, coverage, join_date.day, PRORATE_NONE, 1, 1, full, full)
    period = calendar_period_containing(join_date, rule)
    cutoff_date = cutoff.validate().date_in(period) if cutoff else None
    if cutoff_date and join_date >= cutoff_date:
        following = next_period(period, rule.months, rule.start_day)
        return JoinTerms(
            Period(join_date, following.end),
            following,
            rule.start_day,
            PRORATE_NONE,
            1,
            1,
            full,
            full,
            cutoff_applied=True,
        )
    amount, numerator, denominator = prorate(full, join_date, period, rule.months, method, rounding)
    return JoinTerms(
        Period(join_date, period.end),
        period,
        rule.start_day,
        method,
        numerator,
        denominator,
        full,
        amount,
    )
