"""Tariff grids: every component kind at and around every bracket bound,
validation messages, and properties (hypothesis)."""

from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from engine import (
    FLAT,
    FORMULA,
    INTERPOLATED,
    MARGINAL,
    PER_UNIT,
    STEP,
    WHOLE_RATE,
    Bracket,
    Coefficient,
    Component,
    Grid,
    MissingFigure,
    TariffError,
    evaluate,
    grid_figures,
    validate_grid,
)
from engine.tariff import check_formula, decimal_formula, plain_formula_evaluator

D = Decimal
CENT = D("0.01")


def B(lower, upper=None, amount=0, rate=0, rate_to=None):
    return Bracket(
        D(str(lower)),
        None if upper is None else D(str(upper)),
        D(str(amount)),
        D(str(rate)),
        None if rate_to is None else D(str(rate_to)),
    )


def fee(component, value, **grid):
    g = validate_grid(Grid((component,), **grid))
    figures = {} if value is None else {component.figure or "turnover": D(str(value))}
    return evaluate(g, figures, formula_evaluator=plain_formula_evaluator)


STEP_C = Component(
    "Base fee",
    STEP,
    "turnover",
    brackets=(B(0, 1_000_000, amount=300), B(1_000_000, 2_000_000, amount=450), B(2_000_000, amount=600)),
)
# Like income tax: 17.75 % up to 47,100 and 0.60 % above.
MARGINAL_C = Component(
    "Payroll share", MARGINAL, "payroll", brackets=(B(0, 47_100, rate="17.75"), B(47_100, rate="0.6"))
)
WHOLE_C = Component("Turnover rate", WHOLE_RATE, "turnover", brackets=(B(0, 100_000, rate=1), B(100_000, rate="0.5")))
# From 0 % at 18,840 to 4 % at 28,260, applied to the whole figure; 4 % above.
INTERP_C = Component(
    "Solidarity",
    INTERPOLATED,
    "payroll",
    brackets=(B(0, 18_840, rate=0), B(18_840, 28_260, rate=0, rate_to=4), B(28_260, rate=4)),
)
UNIT_C = Component("Per employee", PER_UNIT, "headcount", amount=D(12))
DEGRESSIVE_C = Component(
    "Per employee",
    PER_UNIT,
    "headcount",
    brackets=(B(0, 10, amount=50), B(10, 50, amount=30), B(50, amount=10)),
)


@pytest.mark.parametrize(
    ("component", "value", "expected"),
    [
        # step: lower bound included, upper excluded
        (STEP_C, 0, "300.00"),
        (STEP_C, "999999.99", "300.00"),
        (STEP_C, 1_000_000, "450.00"),
        (STEP_C, "1000000.01", "450.00"),
        (STEP_C, "1999999.99", "450.00"),
        (STEP_C, 2_000_000, "600.00"),
        (STEP_C, 10**12, "600.00"),
        # marginal: each slice at its rate
        (MARGINAL_C, 0, "0.00"),
        (MARGINAL_C, 1, "0.18"),  # 0.1775
        (MARGINAL_C, 47_099, "8360.07"),  # 47099 * 17.75 % = 8360.0725
        (MARGINAL_C, 47_100, "8360.25"),
        (MARGINAL_C, 47_101, "8360.26"),  # + 0.006
        (MARGINAL_C, 100_000, "8677.65"),  # 8360.25 + 52900 * 0.6 % = 317.40
        # rate on the whole figure chosen by bracket
        (WHOLE_C, 0, "0.00"),
        (WHOLE_C, "99999.99", "1000.00"),  # 999.9999
        (WHOLE_C, 100_000, "500.00"),
        (WHOLE_C, 250_000, "1250.00"),
        # interpolated rate, applied to the whole figure
        (INTERP_C, 18_839, "0.00"),
        (INTERP_C, 18_840, "0.00"),
        (INTERP_C, 23_550, "471.00"),  # middle: 2 % of 23,550
        (INTERP_C, "28259.99", "1130.40"),  # rate 3.99999575... of 28259.99
        (INTERP_C, 28_260, "1130.40"),  # 4 %: continuous at the upper bound
        (INTERP_C, 30_000, "1200.00"),
        # per unit, flat price and degressive slices
        (UNIT_C, 0, "0.00"),
        (UNIT_C, 7, "84.00"),
        (DEGRESSIVE_C, 9, "450.00"),
        (DEGRESSIVE_C, 10, "500.00"),
        (DEGRESSIVE_C, 11, "530.00"),
        (DEGRESSIVE_C, 50, "1700.00"),  # 10*50 + 40*30
        (DEGRESSIVE_C, 51, "1710.00"),
        # flat
        (Component("Admin fee", FLAT, amount=D("35.50")), None, "35.50"),
    ],
)
def test_component_kinds_at_and_around_bounds(component, value, expected):
    assert fee(component, value).amount == D(expected)


def test_cap_minimum_and_maximum():
    capped = WHOLE_C._replace(figure_cap=D(235_500))
    result = fee(capped, 1_000_000)
    assert result.components[0].capped and result.components[0].figure_used == D(235_500)
    assert result.amount == D("1177.50")
    assert fee(capped, 200_000).components[0].capped is False
    bounded = WHOLE_C._replace(minimum=D(150), maximum=D(900))
    assert fee(bounded, 1000).amount == D(150)
    assert fee(bounded, 1000).components[0].bound == "minimum"
    assert fee(bounded, 1_000_000).amount == D(900)
    assert fee(bounded, 1_000_000).components[0].bound == "maximum"
    assert fee(bounded, 50_000).components[0].bound is None


@pytest.mark.parametrize(
    ("step", "mode", "expected"),
    [
        (None, "half_up", "1177.50"),
        (D(1), "half_up", "1178.00"),
        (D(1), "down", "1177.00"),
        (D(5), "half_up", "1180.00"),
        (D(5), "down", "1175.00"),
        (D(10), "up", "1180.00"),
        (D(10), "down", "1170.00"),
        (D(10), "half_up", "1180.00"),
    ],
)
def test_grid_rounding_rules(step, mode, expected):
    result = fee(WHOLE_C, 235_500, rounding_step=step, rounding_mode=mode)
    assert result.amount == D(expected)
    assert sum(amount for _label, amount in result.parts()) == result.amount


def test_floor_and_ceiling_hold_after_rounding():
    assert fee(WHOLE_C, 1000, floor=D(100)).amount == D(100)
    assert fee(WHOLE_C, 1000, floor=D(100)).bound == "floor"
    assert fee(WHOLE_C, 10**9, ceiling=D("2500.25"), rounding_step=D(10), rounding_mode="up").amount == D("2500.25")


def flat_fee(subtotal, factors=(), currency_rounding=CENT, **grid):
    """The fee of a one-component grid worth ``subtotal``, times the
    whole-fee coefficients ``factors``."""
    g = validate_grid(Grid((Component("Base", FLAT, amount=D(subtotal)),), **grid))
    coefficients = tuple(Coefficient(f"k{index}", D(factor)) for index, factor in enumerate(factors))
    return evaluate(g, {}, coefficients, currency_rounding=currency_rounding)


@pytest.mark.parametrize(
    ("subtotal", "factors", "step", "mode", "expected", "coefficient_part", "rounding_part"),
    [
        # 1,002.38 x 1.05 = 1,052.499: to the nearest 1 is 1,052 (rounding to
        # the cent first, 1,052.50, would give 1,053)
        ("1002.38", ("1.05",), D(1), "half_up", "1052.00", "50.12", "-0.50"),
        ("1002.38", ("1.05",), None, "half_up", "1052.50", "50.12", "0.00"),
        # 1,000 x 1.175004 = 1,175.004: up to 5 is 1,180 (not 1,175.00 -> 1,175)
        ("1000", ("1.175004",), D(5), "up", "1180.00", "175.00", "5.00"),
        # 1,000 x 1.0599999 = 1,059.9999: down to 10 is 1,050 (not 1,060.00 -> 1,060)
        ("1000", ("1.0599999",), D(10), "down", "1050.00", "60.00", "-10.00"),
        # to the currency, up or down: the cent is the step, one rounding still
        ("100", ("1.00004",), None, "up", "100.01", "0.00", "0.01"),
        ("100", ("0.99996",), None, "down", "99.99", "0.00", "-0.01"),
        # several whole-fee coefficients multiply before the one rounding:
        # 1,000 x 1.05 x 1.002376 = 1,052.4948
        ("1000", ("1.05", "1.002376"), D(1), "half_up", "1052.00", "52.49", "-0.49"),
        # a tie rounds half up
        ("1000", ("1.0525",), D(1), "half_up", "1053.00", "52.50", "0.50"),
        # no coefficient: the subtotal, rounded once
        ("1177.50", (), D(5), "down", "1175.00", "0.00", "-2.50"),
    ],
)
def test_whole_fee_coefficient_result_is_rounded_once(
    subtotal, factors, step, mode, expected, coefficient_part, rounding_part
):
    result = flat_fee(subtotal, factors, rounding_step=step, rounding_mode=mode)
    assert str(result.amount) == expected
    assert result.coefficient_adjustment == D(coefficient_part)
    assert result.rounding_adjustment == D(rounding_part)
    parts = dict(result.parts())
    assert parts.get("coefficient", D(0)) + parts.get("rounding", D(0)) == result.amount - result.subtotal
    assert sum(amount for _label, amount in result.parts()) == result.amount


@pytest.mark.parametrize(
    ("subtotal", "grid", "currency_rounding", "expected", "bound"),
    [
        # a floor that applies is the fee, to the cent, off the rounding step
        ("40.30", {"floor": D(62), "rounding_step": D(5)}, "0.01", "62.00", "floor"),
        ("40.30", {"floor": D(60)}, "0.01", "60.00", "floor"),
        ("40.30", {"floor": D(62), "rounding_step": D(10), "rounding_mode": "up"}, "0.01", "62.00", "floor"),
        # rounded up to 65 first: above the floor, the step applies
        ("62.10", {"floor": D(62), "rounding_step": D(5), "rounding_mode": "up"}, "0.01", "65.00", None),
        # rounded down to 60, below the floor of 62: the floor
        ("64.90", {"floor": D(62), "rounding_step": D(5), "rounding_mode": "down"}, "0.01", "62.00", "floor"),
        # a ceiling that applies is the fee, not rounded to the step
        ("1177.50", {"ceiling": D(1177), "rounding_step": D(5)}, "0.01", "1177.00", "ceiling"),
        (
            "9999",
            {"ceiling": D("2500.25"), "rounding_step": D(10), "rounding_mode": "up"},
            "0.01",
            "2500.25",
            "ceiling",
        ),
        # a bound with more decimals than the currency: to its cent (half up)
        ("10", {"floor": D("62.005")}, "0.01", "62.01", "floor"),
        # a currency rounded to 0.05 (cash) or to 1 (no cents)
        ("10", {"floor": D("62.02"), "rounding_step": D(5)}, "0.05", "62.00", "floor"),
        ("10", {"floor": D("62.4"), "rounding_step": D(5)}, "1", "62", "floor"),
    ],
)
def test_floor_and_ceiling_are_amounts_in_the_currency(subtotal, grid, currency_rounding, expected, bound):
    result = flat_fee(subtotal, currency_rounding=D(currency_rounding), **grid)
    assert str(result.amount) == expected
    assert result.bound == bound
    assert sum(amount for _label, amount in result.parts()) == result.amount
    assert result.to_dict()["amount"] == expected


def test_coefficients_on_a_component_and_on_the_whole_fee():
    grid = validate_grid(Grid((STEP_C, UNIT_C)))
    figures = {"turnover": D(1_500_000), "headcount": D(10)}
    plain = evaluate(grid, figures)
    assert plain.amount == D("570.00")
    result = evaluate(
        grid,
        figures,
        coefficients=(
            Coefficient("Sector: joinery", D("1.2"), "Base fee"),
            Coefficient("Region: Brussels", D("0.9")),
            Coefficient("Size: small", D("0.5"), "Per employee"),
        ),
    )
    # (450 * 1.2 + 120 * 0.5) * 0.9 = (540 + 60) * 0.9 = 540
    assert [c.amount for c in result.components] == [D("540.00"), D("60.00")]
    assert result.coefficient == D("0.9")
    assert result.coefficient_adjustment == D("-60.00")
    assert result.amount == D("540.00")
    assert sum(amount for _label, amount in result.parts()) == result.amount


def test_formula_is_exact_and_safe():
    component = Component("Formula", FORMULA, formula="max(100, turnover * 0.001 + headcount * 2.5)")
    grid = validate_grid(Grid((component,)))
    result = evaluate(grid, {"turnover": D("123456.78"), "headcount": D(3)}, formula_evaluator=plain_formula_evaluator)
    assert result.amount == D("130.96")  # 123.45678 + 7.5, rounded
    assert grid_figures(grid) == {"turnover", "headcount"}
    assert decimal_formula("turnover * 0.1") == "B(turnover * D('0.1'))"
    for bad in ("__import__('os').system('true')", "turnover.real", "[x for x in ()]", "open('f')", "'text'"):
        with pytest.raises(TariffError):
            check_formula(bad)
    with pytest.raises(TariffError, match="'payroll', which is not a declared figure"):
        check_formula("payroll * 2", {"turnover"}, "Formula")
    with pytest.raises(TariffError, match="Formula: the formula divides by zero"):
        evaluate(
            validate_grid(Grid((component._replace(formula="turnover / 0"),))),
            {"turnover": D(1)},
            formula_evaluator=plain_formula_evaluator,
        )


def test_missing_figure_names_it():
    with pytest.raises(MissingFigure) as error:
        evaluate(validate_grid(Grid((STEP_C,))), {})
    assert error.value.figure == "turnover"
    assert error.value.component == "Base fee"


@pytest.mark.parametrize(
    ("brackets", "message"),
    [
        (
            (B(0, 100, amount=1), B(150, amount=2)),
            r"gap between brackets \[0, 100\) and \[150, \.\.\.\) \(from 100 to 150\)",
        ),
        ((B(0, 100, amount=1), B(50, amount=2)), r"brackets \[0, 100\) and \[50, \.\.\.\) overlap"),
        (
            (B(0, 100, amount=1), B(100, 200, amount=2), B(50, amount=3)),
            r"comes after \[100, 200\); sort the brackets",
        ),
        ((B(0, amount=1), B(100, amount=2)), r"\[0, \.\.\.\) is open-ended but \[100, \.\.\.\) follows it"),
        ((B(10, amount=1),), r"first bracket \[10, \.\.\.\) must start at 0"),
        ((B(0, 100, amount=1),), r"last bracket \[0, 100\) must be open-ended"),
        (
            (B(0, 100, amount=1), B(100, 100, amount=2), B(100, amount=1)),
            r"\[100, 100\): the upper bound must be above",
        ),
        (
            (B(0, 100, amount=-1), B(100, amount=2)),
            r"bracket \[0, 100\): amount is -1, it cannot be negative",
        ),
        ((B(0, 100, rate=-2), B(100, rate=1)), r"bracket \[0, 100\): rate is -2"),
    ],
)
def test_bad_brackets_name_the_component_and_bounds(brackets, message):
    with pytest.raises(TariffError, match=message) as error:
        validate_grid(Grid((Component("Turnover part", STEP, "turnover", brackets=brackets),)))
    assert error.value.component == "Turnover part"
    assert "Component Turnover part" in str(error.value)


@pytest.mark.parametrize(
    ("component", "message"),
    [
        (Component("X", STEP, "turnover"), "add its brackets"),
        (Component("X", MARGINAL, None, brackets=(B(0),)), "choose the declared figure"),
        (Component("X", FLAT, amount=D(-5)), "amount is -5"),
        (Component("X", FLAT, amount=D(5), figure_cap=D(10)), "a cap needs"),
        (UNIT_C._replace(minimum=D(10), maximum=D(5)), r"minimum \(10\) is above the maximum \(5\)"),
        (Component("X", FORMULA, formula=""), "write its formula"),
        (Component("X", FORMULA, formula="turnover +"), "not valid"),
        (
            Component("X", INTERPOLATED, "payroll", brackets=(B(0, rate=1, rate_to=2),)),
            "open-ended bracket cannot move its rate",
        ),
        (Component("X", "monthly", "turnover"), "unknown kind"),
    ],
)
def test_bad_components(component, message):
    with pytest.raises(TariffError, match=message):
        validate_grid(Grid((component,)))


def test_bad_grids():
    with pytest.raises(TariffError, match="at least one component"):
        validate_grid(Grid(()))
    with pytest.raises(TariffError, match="floor .* is above its ceiling"):
        validate_grid(Grid((UNIT_C,), floor=D(10), ceiling=D(5)))
    with pytest.raises(TariffError, match="Two components are named"):
        validate_grid(Grid((UNIT_C, UNIT_C)))


def test_explanation_serialises():
    result = fee(MARGINAL_C, 100_000)
    data = result.to_dict()
    assert data["amount"] == "8677.65"
    assert [d["lower"] for d in data["components"][0]["details"]] == ["0", "47100"]
    assert data["components"][0]["details"][1]["base"] == "52900"


# ----------------------------------------------------------------------
# Properties
# ----------------------------------------------------------------------
amounts = st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False, allow_infinity=False)
rates = st.decimals(min_value=0, max_value=50, places=3, allow_nan=False, allow_infinity=False)
figures = st.decimals(min_value=0, max_value=10**8, places=2, allow_nan=False, allow_infinity=False)
whole_amounts = st.integers(0, 10**6).map(D)


@st.composite
def bounds(draw, max_brackets=5):
    uppers = sorted(draw(st.sets(st.integers(1, 10**7), min_size=0, max_size=max_brackets - 1)))
    lowers = [0, *uppers]
    return list(zip(lowers, [*uppers, None], strict=True))


@st.composite
def marginal_components(draw):
    return Component(
        "M",
        MARGINAL,
        "turnover",
        brackets=tuple(Bracket(D(lo), None if up is None else D(up), rate=draw(rates)) for lo, up in draw(bounds())),
    )


@given(component=marginal_components(), a=figures, b=figures)
def test_marginal_fee_never_decreases_when_the_figure_grows(component, a, b):
    low, high = sorted((a, b))
    grid = validate_grid(Grid((component,)))
    assert evaluate(grid, {"turnover": low}).amount <= evaluate(grid, {"turnover": high}).amount


def _raw_total(result):
    return sum(c.raw for c in result.components)


@given(component=marginal_components())
def test_marginal_fee_has_no_jump_at_bounds(component):
    """Crossing a bound by one cent adds at most one cent times the top rate."""
    grid = validate_grid(Grid((component,)))
    top_rate = max(b.rate for b in component.brackets)
    for bracket in component.brackets[1:]:
        just_below = _raw_total(evaluate(grid, {"turnover": bracket.lower - D("0.01")}))
        at = _raw_total(evaluate(grid, {"turnover": bracket.lower}))
        assert 0 <= at - just_below <= top_rate * D("0.01") / 100


@st.composite
def grids(draw):
    components = []
    for index in range(draw(st.integers(1, 5))):
        kind = draw(st.sampled_from([FLAT, STEP, MARGINAL, WHOLE_RATE, INTERPOLATED, PER_UNIT]))
        limits = draw(bounds())
        brackets = tuple(
            Bracket(
                D(lo),
                None if up is None else D(up),
                amount=draw(amounts),
                rate=draw(rates),
                rate_to=draw(rates) if up is not None else None,
            )
            for lo, up in limits
        )
        minimum = draw(st.none() | amounts)
        maximum = draw(st.none() | amounts)
        if minimum is not None and maximum is not None and minimum > maximum:
            minimum, maximum = maximum, minimum
        components.append(
            Component(
                f"C{index}",
                kind,
                None if kind == FLAT else draw(st.sampled_from(["turnover", "payroll", "headcount"])),
                amount=draw(amounts),
                brackets=() if kind in (FLAT,) or (kind == PER_UNIT and draw(st.booleans())) else brackets,
                figure_cap=None if kind == FLAT else draw(st.none() | figures),
                minimum=minimum,
                maximum=maximum,
            )
        )
    # bounds in cents or in whole units (60, not 60.00)
    floor = draw(st.none() | amounts | whole_amounts)
    ceiling = draw(st.none() | amounts | whole_amounts)
    if floor is not None and ceiling is not None and floor > ceiling:
        floor, ceiling = ceiling, floor
    return Grid(
        tuple(components),
        floor=floor,
        ceiling=ceiling,
        rounding_step=draw(st.sampled_from([None, D(1), D(5), D(10)])),
        rounding_mode=draw(st.sampled_from(["half_up", "up", "down"])),
    )


member_figures = st.fixed_dictionaries(
    {"turnover": figures, "payroll": figures, "headcount": st.integers(0, 5000).map(D)}
)
coefficient_lists = st.lists(
    st.tuples(st.decimals(min_value="0.1", max_value=3, places=2), st.sampled_from([None, "C0", "C1"])),
    max_size=3,
).map(lambda items: tuple(Coefficient(f"k{i}", f, c) for i, (f, c) in enumerate(items)))


@given(grid=grids(), values=member_figures, coefficients=coefficient_lists)
def test_parts_add_up_and_bounds_always_hold(grid, values, coefficients):
    grid = validate_grid(grid)
    result = evaluate(grid, values, coefficients)
    assert sum(amount for _label, amount in result.parts()) == result.amount
    assert result.amount == result.amount.quantize(D("0.01"))
    if grid.floor is not None:
        assert result.amount >= grid.floor
    if grid.ceiling is not None:
        assert result.amount <= grid.ceiling
    for component, part in zip(grid.components, result.components, strict=True):
        if component.minimum is not None:
            assert part.amount >= component.minimum.quantize(D("0.01")) - D("0.005")
        if component.maximum is not None:
            assert part.amount <= component.maximum.quantize(D("0.01")) + D("0.005")
        if component.figure_cap is not None and part.figure_used is not None:
            assert part.figure_used <= component.figure_cap
    assert evaluate(grid, dict(values), coefficients) == result, "same inputs, same fee"


def _one_rounding(exact, grid):
    """``exact`` rounded once by the grid's rule, then held between its
    floor and ceiling."""
    step = grid.rounding_step or D("0.01")
    mode = {"half_up": ROUND_HALF_UP, "up": ROUND_CEILING, "down": ROUND_FLOOR}[grid.rounding_mode]
    rounded = (exact / step).quantize(D(1), rounding=mode) * step
    if grid.floor is not None and rounded < grid.floor:
        return grid.floor
    if grid.ceiling is not None and rounded > grid.ceiling:
        return grid.ceiling
    return rounded


@st.composite
def near_a_rounding_bound(draw):
    """A one-component grid and a whole-fee coefficient whose exact result
    lies within a cent of a rounding bound (a multiple of the step, or half
    of one), where rounding to the cent first would change the fee."""
    step = draw(st.sampled_from([D("0.01"), D(1), D(5), D(10)]))
    subtotal = draw(st.decimals(min_value=1, max_value=10**5, places=2))
    target = draw(st.integers(1, 10**5)) * step + draw(st.sampled_from([0, step / 2]))
    target += draw(st.decimals(min_value="-0.01", max_value="0.01", places=4))
    factor = (target / subtotal).quantize(D("1E-9"))
    assume(factor > 0)
    grid = Grid(
        (Component("Base", FLAT, amount=subtotal),),
        floor=draw(st.none() | whole_amounts),
        rounding_step=None if step == D("0.01") else step,
        rounding_mode=draw(st.sampled_from(["half_up", "up", "down"])),
    )
    return grid, (Coefficient("k", factor),)


@given(grid=grids(), values=member_figures, coefficients=coefficient_lists)
def test_fee_is_one_rounding_of_the_exact_result_then_bounded(grid, values, coefficients):
    """The components' sum times the whole-fee coefficients, unrounded,
    rounded once by the version's step and mode, then held between the
    floor and the ceiling (amounts to the cent)."""
    grid = validate_grid(grid)
    result = evaluate(grid, values, coefficients)
    exact = sum(c.amount for c in result.components)
    for coefficient in coefficients:
        if coefficient.component is None:
            exact *= coefficient.factor
    assert result.exact == exact
    assert result.amount == _one_rounding(exact, grid)
    assert result.amount.as_tuple().exponent == -2, "an amount to the cent, 60.00 not 60"


@given(case=near_a_rounding_bound())
def test_fee_is_one_rounding_near_rounding_bounds(case):
    grid, coefficients = case
    result = evaluate(validate_grid(grid), {}, coefficients)
    exact = grid.components[0].amount * coefficients[0].factor
    assert result.amount == _one_rounding(exact, grid)
    assert result.amount.as_tuple().exponent == -2
    assert sum(amount for _label, amount in result.parts()) == result.amount


@given(grid=grids(), values=member_figures)
def test_rounding_step_is_respected_unless_a_bound_applies(grid, values):
    grid = validate_grid(grid)
    result = evaluate(grid, values)
    assume(result.bound is None)
    step = grid.rounding_step or D("0.01")
    assert result.amount % step == 0
