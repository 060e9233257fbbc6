"""Pure-Python maths of membership dues: periods, proration and money rounding.

Nothing in this package imports Odoo: it takes plain values (``datetime.date``,
``decimal.Decimal``, ``int``) and returns plain values, so it is tested with
pytest and hypothesis outside Odoo (``tests/pure``) and reused by the models.
"""

from .money import joining_fee, round_money, to_decimal
from .periods import (
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
from .proration import (
    PRORATE_BY_DAY,
    PRORATE_BY_MONTH,
    PRORATE_NONE,
    Cutoff,
    JoinTerms,
    first_period,
    prorate,
)

__all__ = [
    "ANNIVERSARY",
    "CALENDAR",
    "PRORATE_BY_DAY",
    "PRORATE_BY_MONTH",
    "PRORATE_NONE",
    "Cutoff",
    "JoinTerms",
    "Period",
    "PeriodError",
    "PeriodRule",
    "add_months",
    "calendar_period_containing",
    "first_period",
    "joining_fee",
    "next_period",
    "period_from",
    "prorate",
    "round_money",
    "to_decimal",
]
