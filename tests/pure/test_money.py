"""Money rounding and joining fees."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine import joining_fee, round_money, to_decimal


@pytest.mark.parametrize(
    ("amount", "rounding", "expected"),
    [
        ("2.675", "0.01", "2.68"),  # half-up, unlike binary floats
        (2.675, "0.01", "2.68"),  # a float is taken by its shortest repr
        ("-2.675", "0.01", "-2.68"),
        ("1.024", "0.05", "1.00"),
        ("1.025", "0.05", "1.05"),
        ("1.5", "1", "2"),
        ("0.1", "0.01", "0.10"),
        (0.1 + 0.2, "0.01", "0.30"),
    ],
)
def test_round_money(amount, rounding, expected):
    assert round_money(amount, Decimal(rounding)) == Decimal(expected)


def test_round_money_refuses_a_null_step():
    with pytest.raises(ValueError, match="positive"):
        round_money(1, 0)


@pytest.mark.parametrize(
    ("kind", "full", "amount", "percent", "expected"),
    [
        ("none", "240", 50, 10, "0.00"),
        ("fixed", "240", 50, 10, "50.00"),
        ("percent", "240", 50, 10, "24.00"),
        ("percent", "333.33", 0, 15, "50.00"),
        ("percent", "0.05", 0, 50, "0.03"),
    ],
)
def test_joining_fee(kind, full, amount, percent, expected):
    assert joining_fee(kind, Decimal(full), amount, percent) == Decimal(expected)


def test_unknown_joining_fee_type():
    with pytest.raises(ValueError, match="Unknown joining fee"):
        joining_fee("monthly", Decimal(1))


@given(st.decimals(min_value=-(10**9), max_value=10**9, allow_nan=False, allow_infinity=False))
def test_rounding_is_idempotent_and_close(amount):
    rounded = round_money(amount)
    assert round_money(rounded) == rounded
    assert abs(rounded - amount) <= Decimal("0.005")


@given(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False))
def test_to_decimal_of_float_round_trips(value):
    assert float(to_decimal(value)) == value
