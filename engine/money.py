"""Exact money arithmetic with :class:`decimal.Decimal`.

Amounts are rounded half-up to the currency's rounding step (0.01 for EUR,
0.05 for CHF cash, 1 for JPY), like Odoo's ``float_round``. Floats coming from
the database are converted through their shortest representation, so 0.1 is
``Decimal("0.1")`` and never ``Decimal(0.1000000000000000055...)``.
"""

from decimal import ROUND_HALF_UP, Decimal

JOINING_FEE_NONE = "none"
JOINING_FEE_FIXED = "fixed"
JOINING_FEE_PERCENT = "percent"


def to_decimal(value):
    """Convert an int, float, str or Decimal to Decimal without float noise."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(value)


def round_money(amount, rounding=Decimal("0.01")):
    """Round ``amount`` half-up to a multiple of ``rounding``."""
    amount, rounding = to_decimal(amount), to_decimal(rounding)
    if rounding <= 0:
        raise ValueError(f"The rounding step must be positive, not {rounding}.")
    steps = (amount / rounding).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return (steps * rounding).quantize(rounding)


def joining_fee(kind, full_fee, amount=0, percent=0, rounding=Decimal("0.01")):
    """The joining fee: none, a fixed amount, or a percentage of the full
    period fee. It is never prorated."""
    if kind == JOINING_FEE_NONE:
        return round_money(0, rounding)
    if kind == JOINING_FEE_FIXED:
        return round_money(amount, rounding)
    if kind == JOINING_FEE_PERCENT:
        return round_money(to_decimal(full_fee) * to_decimal(percent) / 100, rounding)
    raise ValueError(f"Unknown joining fee type {kind!r}: use none, fixed or percent.")
