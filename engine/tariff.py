"""Tariff grids: a fee computed from a member's declared figures.

A grid is a sum of components. Each component reads at most one figure
(turnover, payroll, headcount...) and is one of:

* ``flat``: a fixed amount;
* ``step``: the bracket containing the figure gives a fixed amount;
* ``marginal``: each slice of the figure is charged at its bracket's rate
  (like income tax);
* ``whole_rate``: the bracket containing the figure gives the rate applied to
  the whole figure;
* ``interpolated``: the rate moves linearly across the bracket containing the
  figure, from its start rate at the lower bound to its end rate at the upper
  bound, and applies to the whole figure;
* ``per_unit``: an amount per unit (per employee); with brackets, each unit is
  priced by the bracket it falls in (degressive prices);
* ``formula``: a safe expression over the figures, evaluated by the caller's
  evaluator (Odoo's ``safe_eval`` in the addon).

Rates are percentages. Bracket bounds: the lower bound is included, the upper
excluded; brackets start at 0, follow each other without gap or overlap, and
the last is open-ended.

Per component: the figure can be capped, the amount multiplied by the
member's category coefficients for that component, then held between the
component's minimum and maximum, then rounded to the currency. The grid sums
the components, multiplies by the whole-fee coefficients (rounded to the
currency), rounds with its own rule (currency, or to 1, 5, 10... units, up,
down or half-up), then holds the result between its floor and ceiling.

Every step is kept in the result (:class:`FeeResult`): its ``parts`` add up to
the fee exactly, so the explanation printed to a member always sums up.
"""

import ast
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from itertools import pairwise
from typing import NamedTuple

from .money import to_decimal

FLAT = "flat"
STEP = "step"
MARGINAL = "marginal"
WHOLE_RATE = "whole_rate"
INTERPOLATED = "interpolated"
PER_UNIT = "per_unit"
FORMULA = "formula"
KINDS = (FLAT, STEP, MARGINAL, WHOLE_RATE, INTERPOLATED, PER_UNIT, FORMULA)
# kinds whose brackets are required / allowed
BRACKETED = (STEP, MARGINAL, WHOLE_RATE, INTERPOLATED)

HALF_UP = "half_up"
UP = "up"
DOWN = "down"
ROUNDING_MODES = {HALF_UP: ROUND_HALF_UP, UP: ROUND_CEILING, DOWN: ROUND_FLOOR}

ZERO = Decimal(0)
ONE = Decimal(1)
HUNDRED = Decimal(100)
CENT = Decimal("0.01")


def _lt(template):
    """Marks a message for translation. The engine stays free of Odoo: Odoo's
    translation export collects ``_lt`` strings from every Python file of the
    addon, and the addon translates ``error.template`` with ``error.params``
    when it shows the error."""
    return template


class TariffError(ValueError):
    """A grid, a component or its inputs are invalid.

    ``template`` and ``params`` give the message (``str(error)`` is the
    English text); ``component`` names the component at fault, ``field`` the
    faulty input.
    """

    def __init__(self, template, component=None, field=None, **params):
        self.template = template
        self.params = {"component": component, "field": field, **params}
        self.component = component
        self.field = field
        super().__init__(template % self.params)


class MissingFigure(TariffError):
    """A figure the grid reads is not available for the member."""

    def __init__(self, figure, component=None):
        super().__init__(_lt("The figure %(figure)s is missing."), component, "figure", figure=figure)
        self.figure = figure


class Bracket(NamedTuple):
    lower: Decimal
    upper: Decimal | None = None  # None: open-ended
    amount: Decimal = ZERO  # step amount, or unit price of per_unit
    rate: Decimal = ZERO  # percent; start rate of interpolated
    rate_to: Decimal | None = None  # end rate of interpolated

    def label(self):
        upper = "..." if self.upper is None else _fmt(self.upper)
        return f"[{_fmt(self.lower)}, {upper})"


class Component(NamedTuple):
    name: str
    kind: str
    figure: str | None = None
    amount: Decimal = ZERO
    brackets: tuple = ()
    formula: str | None = None
    figure_cap: Decimal | None = None
    minimum: Decimal | None = None
    maximum: Decimal | None = None


class Coefficient(NamedTuple):
    label: str
    factor: Decimal
    component: str | None = None  # None: the whole fee


class Grid(NamedTuple):
    components: tuple
    floor: Decimal | None = None
    ceiling: Decimal | None = None
    rounding_step: Decimal | None = None  # None: the currency's rounding
    rounding_mode: str = HALF_UP


class BracketUse(NamedTuple):
    """How one bracket contributed: its base (slice, units or figure), the
    rate or unit amount applied, and the resulting amount."""

    bracket: Bracket
    base: Decimal
    rate: Decimal | None
    amount: Decimal
    index: int = 1  # position of the bracket in its component, from 1


class ComponentResult(NamedTuple):
    name: str
    kind: str
    figure: str | None
    figure_value: Decimal | None
    figure_used: Decimal | None
    capped: bool
    details: tuple  # BracketUse...
    raw: Decimal
    coefficient: Decimal
    bound: str | None  # "minimum", "maximum" or None
    amount: Decimal  # rounded to the currency


class FeeResult(NamedTuple):
    components: tuple
    subtotal: Decimal
    coefficient: Decimal
    coefficient_adjustment: Decimal
    rounding_step: Decimal
    rounding_mode: str
    rounding_adjustment: Decimal
    bound: str | None  # "floor", "ceiling" or None
    bound_adjustment: Decimal
    amount: Decimal

    def parts(self):
        """(label, amount) pairs that add up to ``amount`` exactly."""
        parts = [(c.name, c.amount) for c in self.components]
        if self.coefficient_adjustment:
            parts.append(("coefficient", self.coefficient_adjustment))
        if self.rounding_adjustment:
            parts.append(("rounding", self.rounding_adjustment))
        if self.bound_adjustment:
            parts.append((self.bound, self.bound_adjustment))
        return parts

    def bracket_keys(self):
        """Which bracket each bracketed component ended in (for comparisons)."""
        return {c.name: c.details[-1].index for c in self.components if c.details}

    def to_dict(self):
        """A JSON-able copy, Decimals as strings."""
        return {
            "components": [
                {
                    "name": c.name,
                    "kind": c.kind,
                    "figure": c.figure,
                    "figure_value": _str(c.figure_value),
                    "figure_used": _str(c.figure_used),
                    "capped": c.capped,
                    "details": [
                        {
                            "index": d.index,
                            "lower": _str(d.bracket.lower),
                            "upper": _str(d.bracket.upper),
                            "base": _str(d.base),
                            "rate": _str(d.rate),
                            "amount": _str(d.amount),
                        }
                        for d in c.details
                    ],
                    "raw": _str(c.raw),
                    "coefficient": _str(c.coefficient),
                    "bound": c.bound,
                    "amount": _str(c.amount),
                }
                for c in self.components
            ],
            "subtotal": _str(self.subtotal),
            "coefficient": _str(self.coefficient),
            "coefficient_adjustment": _str(self.coefficient_adjustment),
            "rounding_step": _str(self.rounding_step),
            "rounding_mode": self.rounding_mode,
            "rounding_adjustment": _str(self.rounding_adjustment),
            "bound": self.bound,
            "bound_adjustment": _str(self.bound_adjustment),
            "amount": _str(self.amount),
        }


def _str(value):
    return None if value is None else str(value)


def _fmt(value):
    """1 000 000 or 1 234.5: thousands separated by spaces, no trailing zeros."""
    value = to_decimal(value)
    if value == value.to_integral_value():
        return f"{int(value):,}".replace(",", " ")
    return f"{value.normalize():,f}".replace(",", " ")


# ----------------------------------------------------------------------
# Validation
# ----------------------------------------------------------------------
def validate_grid(grid, figure_codes=None):
    """Raise :class:`TariffError` naming the component and the bounds at
    fault, or return the grid. ``figure_codes`` (optional) are the figures a
    component may read."""
    if not grid.components:
        raise TariffError(_lt("A tariff grid needs at least one component."), field="components")
    names = set()
    for component in grid.components:
        if component.name in names:
            raise TariffError(_lt("Two components are named %(component)s."), component.name, "name")
        names.add(component.name)
        validate_component(component, figure_codes)
    for fname in ("floor", "ceiling"):
        value = getattr(grid, fname)
        if value is not None and value < 0:
            raise TariffError(_lt("The grid's %(field)s (%(value)s) cannot be negative."), None, fname, value=value)
    if grid.floor is not None and grid.ceiling is not None and grid.floor > grid.ceiling:
        raise TariffError(
            _lt("The grid's floor (%(floor)s) is above its ceiling (%(ceiling)s)."),
            None,
            "floor",
            floor=grid.floor,
            ceiling=grid.ceiling,
        )
    if grid.rounding_step is not None and grid.rounding_step <= 0:
        raise TariffError(
            _lt("The rounding step must be positive, not %(value)s."),
            None,
            "rounding_step",
            value=grid.rounding_step,
        )
    if grid.rounding_mode not in ROUNDING_MODES:
        raise TariffError(_lt("Unknown rounding mode %(value)s."), None, "rounding_mode", value=grid.rounding_mode)
    return grid


def validate_component(component, figure_codes=None, complete=True):
    """Check one component. With ``complete=False`` (a component being
    written), brackets or a formula not given yet are accepted; what is
    given must be right."""
    name, kind = component.name, component.kind
    if kind not in KINDS:
        raise TariffError(_lt("Component %(component)s: unknown kind %(kind)s."), name, "kind", kind=kind)
    if kind in (FLAT, FORMULA):
        if component.figure_cap is not None:
            raise TariffError(
                _lt("Component %(component)s: a cap needs a component that reads one figure."),
                name,
                "figure_cap",
            )
    elif not component.figure:
        raise TariffError(_lt("Component %(component)s: choose the declared figure it reads."), name, "figure")
    elif figure_codes is not None and component.figure not in figure_codes:
        raise TariffError(
            _lt("Component %(component)s: unknown figure %(figure)s."),
            name,
            "figure",
            figure=component.figure,
        )
    for fname in ("amount", "figure_cap", "minimum", "maximum"):
        value = getattr(component, fname)
        if value is not None and value < 0:
            raise TariffError(
                _lt("Component %(component)s: %(field)s is %(value)s, it cannot be negative."),
                name,
                fname,
                value=value,
            )
    if component.minimum is not None and component.maximum is not None and component.minimum > component.maximum:
        raise TariffError(
            _lt("Component %(component)s: the minimum (%(minimum)s) is above the maximum (%(maximum)s)."),
            name,
            "minimum",
            minimum=component.minimum,
            maximum=component.maximum,
        )
    if complete and kind in BRACKETED and not component.brackets:
        raise TariffError(_lt("Component %(component)s: add its brackets."), name, "brackets")
    if kind in (FLAT, FORMULA) and component.brackets:
        raise TariffError(
            _lt("Component %(component)s: a %(kind)s component has no brackets."), name, "brackets", kind=kind
        )
    if component.brackets:
        validate_brackets(name, kind, component.brackets)
    if kind == FORMULA:
        if not (component.formula or "").strip():
            if complete:
                raise TariffError(_lt("Component %(component)s: write its formula."), name, "formula")
        else:
            check_formula(component.formula, figure_codes, name)


def validate_brackets(name, kind, brackets):
    """Sorted, from 0, contiguous, last open-ended, nothing negative."""
    for bracket in brackets:
        label = bracket.label()
        for fname in ("amount", "rate", "rate_to"):
            value = getattr(bracket, fname)
            if value is not None and value < 0:
                raise TariffError(
                    _lt("Component %(component)s, bracket %(bracket)s: %(field)s is %(value)s, it cannot be negative."),
                    name,
                    fname,
                    bracket=label,
                    value=value,
                )
        if bracket.lower < 0:
            raise TariffError(
                _lt("Component %(component)s, bracket %(bracket)s: the lower bound cannot be negative."),
                name,
                "lower",
                bracket=label,
            )
        if bracket.upper is not None and bracket.upper <= bracket.lower:
            raise TariffError(
                _lt("Component %(component)s, bracket %(bracket)s: the upper bound must be above the lower bound."),
                name,
                "upper",
                bracket=label,
            )
        if kind == INTERPOLATED and bracket.upper is None and bracket.rate_to not in (None, bracket.rate):
            raise TariffError(
                _lt(
                    "Component %(component)s, bracket %(bracket)s: an open-ended bracket cannot move "
                    "its rate; give it one rate, or close it."
                ),
                name,
                "rate_to",
                bracket=label,
            )
    for previous, current in pairwise(brackets):
        if current.lower < previous.lower:
            raise TariffError(
                _lt(
                    "Component %(component)s: bracket %(current)s comes after %(previous)s; "
                    "sort the brackets by their lower bound."
                ),
                name,
                "lower",
                previous=previous.label(),
                current=current.label(),
            )
    first = brackets[0]
    if first.lower != 0:
        raise TariffError(
            _lt(
                "Component %(component)s: the first bracket %(bracket)s must start at 0, so that every value "
                "falls in a bracket."
            ),
            name,
            "lower",
            bracket=first.label(),
        )
    for previous, current in pairwise(brackets):
        pair = {"previous": previous.label(), "current": current.label()}
        if previous.upper is None:
            raise TariffError(
                _lt(
                    "Component %(component)s: bracket %(previous)s is open-ended but %(current)s follows it "
                    "(they overlap); only the last bracket is open-ended."
                ),
                name,
                "upper",
                **pair,
            )
        if previous.upper < current.lower:
            raise TariffError(
                _lt(
                    "Component %(component)s: gap between brackets %(previous)s and %(current)s "
                    "(from %(gap_from)s to %(gap_to)s)."
                ),
                name,
                "lower",
                gap_from=_fmt(previous.upper),
                gap_to=_fmt(current.lower),
                **pair,
            )
        if previous.upper > current.lower:
            raise TariffError(
                _lt("Component %(component)s: brackets %(previous)s and %(current)s overlap."),
                name,
                "lower",
                **pair,
            )
    if brackets[-1].upper is not None:
        raise TariffError(
            _lt(
                "Component %(component)s: the last bracket %(bracket)s must be open-ended (no upper bound), "
                "so that every value falls in a bracket."
            ),
            name,
            "upper",
            bracket=brackets[-1].label(),
        )


# ----------------------------------------------------------------------
# Formulas
# ----------------------------------------------------------------------
FORMULA_FUNCTIONS = ("min", "max", "abs", "round")
_FORMULA_NODES = (
    ast.Expression,
    ast.BinOp,
    ast.UnaryOp,
    ast.BoolOp,
    ast.Compare,
    ast.IfExp,
    ast.Name,
    ast.Load,
    ast.Constant,
    ast.Call,
    ast.Add,
    ast.Sub,
    ast.Mult,
    ast.Div,
    ast.FloorDiv,
    ast.Mod,
    ast.Pow,
    ast.USub,
    ast.UAdd,
    ast.Not,
    ast.And,
    ast.Or,
    ast.Eq,
    ast.NotEq,
    ast.Lt,
    ast.LtE,
    ast.Gt,
    ast.GtE,
)


def check_formula(formula, figure_codes=None, component=None):
    """Parse ``formula`` and refuse anything but arithmetic, comparisons,
    conditional expressions, numbers, figure names and min/max/abs/round."""
    functions = ", ".join(FORMULA_FUNCTIONS)
    try:
        tree = ast.parse(formula.strip(), mode="eval")
    except SyntaxError as error:
        raise TariffError(
            _lt("Component %(component)s: the formula is not valid: %(detail)s."),
            component,
            "formula",
            detail=error.msg,
        ) from error
    for node in ast.walk(tree):
        if not isinstance(node, _FORMULA_NODES):
            raise TariffError(
                _lt(
                    "Component %(component)s: the formula may only use numbers, figures, + - * / // %% **, "
                    "comparisons, 'x if condition else y' and %(functions)s; %(node)s is not allowed."
                ),
                component,
                "formula",
                functions=functions,
                node=type(node).__name__,
            )
        if isinstance(node, ast.Constant) and not isinstance(node.value, int | float):
            raise TariffError(
                _lt("Component %(component)s: the formula may only contain numbers, not %(value)s."),
                component,
                "formula",
                value=repr(node.value),
            )
        if isinstance(node, ast.Call) and (
            not isinstance(node.func, ast.Name) or node.func.id not in FORMULA_FUNCTIONS or node.keywords
        ):
            raise TariffError(
                _lt("Component %(component)s: the formula may only call %(functions)s."),
                component,
                "formula",
                functions=functions,
            )
        if (
            isinstance(node, ast.Name)
            and node.id not in FORMULA_FUNCTIONS
            and figure_codes is not None
            and node.id not in figure_codes
        ):
            raise TariffError(
                _lt(
                    "Component %(component)s: the formula uses %(name)s, which is not a declared figure (%(figures)s)."
                ),
                component,
                "formula",
                name=repr(node.id),
                figures=", ".join(sorted(figure_codes)),
            )
    return tree


def formula_figures(formula):
    """The figure names a formula reads."""
    tree = ast.parse(formula.strip(), mode="eval")
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id not in FORMULA_FUNCTIONS}


def decimal_formula(formula):
    """The formula with its float literals made exact: ``0.1`` becomes
    ``D('0.1')``, so that the arithmetic is Decimal from end to end."""

    class _Exact(ast.NodeTransformer):
        def visit_Constant(self, node):
            if isinstance(node.value, float):
                return ast.Call(ast.Name("D", ast.Load()), [ast.Constant(repr(node.value))], [])
            return node

    tree = _Exact().visit(ast.parse(formula.strip(), mode="eval"))
    return ast.unparse(ast.fix_missing_locations(tree))


_BINARY = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.FloorDiv: lambda a, b: a // b,
    ast.Mod: lambda a, b: a % b,
    ast.Pow: lambda a, b: a**b,
}
_COMPARE = {
    ast.Eq: lambda a, b: a == b,
    ast.NotEq: lambda a, b: a != b,
    ast.Lt: lambda a, b: a < b,
    ast.LtE: lambda a, b: a <= b,
    ast.Gt: lambda a, b: a > b,
    ast.GtE: lambda a, b: a >= b,
}
_FUNCTIONS = {"min": min, "max": max, "abs": abs, "round": round}


def plain_formula_evaluator(formula, figures):
    """Evaluate a formula by walking its checked syntax tree, in exact
    Decimal arithmetic (no ``eval``). Used by the pure tests and the
    benchmark; the addon evaluates formulas with Odoo's safe_eval."""
    tree = check_formula(formula)

    def walk(node):
        if isinstance(node, ast.Expression):
            return walk(node.body)
        if isinstance(node, ast.Constant):
            return to_decimal(node.value)
        if isinstance(node, ast.Name):
            if node.id not in figures:
                raise MissingFigure(node.id)
            return figures[node.id]
        if isinstance(node, ast.BinOp):
            return _BINARY[type(node.op)](walk(node.left), walk(node.right))
        if isinstance(node, ast.UnaryOp):
            value = walk(node.operand)
            return {ast.USub: lambda v: -v, ast.UAdd: lambda v: v, ast.Not: lambda v: not v}[type(node.op)](value)
        if isinstance(node, ast.BoolOp):
            values = [walk(v) for v in node.values]
            return all(values) if isinstance(node.op, ast.And) else any(values)
        if isinstance(node, ast.Compare):
            left = walk(node.left)
            for op, comparator in zip(node.ops, node.comparators, strict=True):
                right = walk(comparator)
                if not _COMPARE[type(op)](left, right):
                    return False
                left = right
            return True
        if isinstance(node, ast.IfExp):
            return walk(node.body) if walk(node.test) else walk(node.orelse)
        if isinstance(node, ast.Call):
            return _FUNCTIONS[node.func.id](*(walk(arg) for arg in node.args))
        raise TariffError(
            _lt("Component %(component)s: %(node)s is not allowed in a formula."),
            None,
            "formula",
            node=type(node).__name__,
        )

    return walk(tree)


# ----------------------------------------------------------------------
# Evaluation
# ----------------------------------------------------------------------
# Kind functions take the component, its brackets prepared once per grid as
# (bracket, lower, upper, rate / 100) tuples, the figure used (after the cap),
# all the figures (for formulas) and the formula evaluator; they return the raw
# amount and the BracketUse details.
def _find(prepared, value):
    """The prepared bracket holding ``value`` and its position (from 1)."""
    for index in range(len(prepared), 0, -1):
        if value >= prepared[index - 1][1]:
            return prepared[index - 1], index
    return prepared[0], 1


def _flat(component, prepared, used, figures, formula_evaluator):
    return component.amount, ()


def _step(component, prepared, used, figures, formula_evaluator):
    (bracket, *_rest), index = _find(prepared, used)
    return bracket.amount, (BracketUse(bracket, used, None, bracket.amount, index),)


def _marginal(component, prepared, used, figures, formula_evaluator):
    """Each slice of the figure at its own bracket's rate."""
    raw = ZERO
    uses = []
    for index, (bracket, lower, upper, fraction) in enumerate(prepared, 1):
        if used <= lower:
            break
        base = (used if upper is None or used < upper else upper) - lower
        part = base * fraction
        raw += part
        uses.append(BracketUse(bracket, base, bracket.rate, part, index))
    return raw, tuple(uses)


def _whole_rate(component, prepared, used, figures, formula_evaluator):
    (bracket, _lower, _upper, fraction), index = _find(prepared, used)
    raw = used * fraction
    return raw, (BracketUse(bracket, used, bracket.rate, raw, index),)


def _interpolated(component, prepared, used, figures, formula_evaluator):
    (bracket, lower, upper, _fraction), index = _find(prepared, used)
    rate = bracket.rate
    if upper is not None and bracket.rate_to is not None:
        rate += (bracket.rate_to - rate) * (used - lower) / (upper - lower)
    raw = used * rate / HUNDRED
    return raw, (BracketUse(bracket, used, rate, raw, index),)


def _per_unit(component, prepared, used, figures, formula_evaluator):
    """Units times the unit amount; with brackets, each unit at the price of
    the bracket it falls in (degressive)."""
    if not prepared:
        return used * component.amount, ()
    raw = ZERO
    uses = []
    for index, (bracket, lower, upper, _fraction) in enumerate(prepared, 1):
        if used <= lower:
            break
        units = (used if upper is None or used < upper else upper) - lower
        part = units * bracket.amount
        raw += part
        uses.append(BracketUse(bracket, units, None, part, index))
    return raw, tuple(uses)


def _formula(component, prepared, used, figures, formula_evaluator):
    name = component.name
    if formula_evaluator is None:
        raise TariffError(_lt("Component %(component)s: no formula evaluator given."), name, "formula")
    try:
        raw = to_decimal(formula_evaluator(component.formula, figures))
    except TariffError:
        raise
    except Exception as error:
        raise TariffError(
            _lt("Component %(component)s: the formula failed: %(detail)s."),
            name,
            "formula",
            detail=str(error),
        ) from error
    if raw < 0:
        raise TariffError(
            _lt("Component %(component)s: the formula gives %(value)s, a fee cannot be negative."),
            name,
            "formula",
            value=raw,
        )
    return raw, ()


_KIND_FUNCTIONS = {
    FLAT: _flat,
    STEP: _step,
    MARGINAL: _marginal,
    WHOLE_RATE: _whole_rate,
    INTERPOLATED: _interpolated,
    PER_UNIT: _per_unit,
    FORMULA: _formula,
}


def _rounder(step):
    """A function rounding half-up to ``step`` (fast path for 0.01, 1, 10...)."""
    if step.normalize().as_tuple().digits == (1,):  # a power of ten
        exponent = Decimal(1).scaleb(step.normalize().as_tuple().exponent)

        def round_power_of_ten(value):
            return value.quantize(exponent, rounding=ROUND_HALF_UP)

        return round_power_of_ten

    def round_step(value):
        return (value / step).quantize(ONE, rounding=ROUND_HALF_UP) * step

    return round_step


class CompiledGrid:
    """A validated grid prepared for many evaluations: the per-component
    work is looked up once, not at every fee (campaigns evaluate the same
    grid for thousands of members)."""

    __slots__ = ("_components", "_quantum", "_round_currency", "grid", "rounding")

    def __init__(self, grid, currency_rounding=CENT):
        self.grid = grid
        self.rounding = currency_rounding
        self._round_currency = _rounder(currency_rounding)
        # rounding to 0.01 (or 1, 10...) is a single quantize
        normal = currency_rounding.normalize().as_tuple()
        self._quantum = Decimal(1).scaleb(normal.exponent) if normal.digits == (1,) else None
        self._components = tuple(
            (
                c,
                _KIND_FUNCTIONS[c.kind],
                c.kind not in (FLAT, FORMULA),
                tuple((b, b.lower, b.upper, b.rate / HUNDRED) for b in c.brackets),
            )
            for c in grid.components
        )

    def evaluate(self, figures, coefficients=(), formula_evaluator=None):
        grid, rounding, round_currency = self.grid, self.rounding, self._round_currency
        quantum = self._quantum
        whole = ONE
        by_component = {}
        for coefficient in coefficients:
            if coefficient.component is None:
                whole *= coefficient.factor
            else:
                by_component[coefficient.component] = by_component.get(coefficient.component, ONE) * coefficient.factor
        results = []
        subtotal = ZERO
        for component, function, reads_figure, prepared in self._components:
            value = used = None
            capped = False
            if reads_figure:
                value = figures.get(component.figure)
                if value is None:
                    raise MissingFigure(component.figure, component.name)
                used = value
                cap = component.figure_cap
                if cap is not None and value > cap:
                    used, capped = cap, True
            raw, details = function(component, prepared, used, figures, formula_evaluator)
            factor = by_component.get(component.name, ONE) if by_component else ONE
            amount = raw * factor if factor != ONE else raw
            bound = None
            if component.minimum is not None and amount < component.minimum:
                amount, bound = component.minimum, "minimum"
            elif component.maximum is not None and amount > component.maximum:
                amount, bound = component.maximum, "maximum"
            amount = amount.quantize(quantum, rounding=ROUND_HALF_UP) if quantum else round_currency(amount)
            subtotal += amount
            results.append(
                ComponentResult(
                    component.name,
                    component.kind,
                    component.figure,
                    value,
                    used,
                    capped,
                    details,
                    raw,
                    factor,
                    bound,
                    amount,
                )
            )
        amount = subtotal if whole == ONE else round_currency(subtotal * whole)
        coefficient_adjustment = amount - subtotal
        step = grid.rounding_step or rounding
        before = amount
        if step != rounding or grid.rounding_mode != HALF_UP:
            amount = (amount / step).quantize(ONE, rounding=ROUNDING_MODES[grid.rounding_mode]) * step
            amount = round_currency(amount)
        rounding_adjustment = amount - before
        bound = None
        before = amount
        if grid.floor is not None and amount < grid.floor:
            amount, bound = grid.floor, "floor"
        elif grid.ceiling is not None and amount > grid.ceiling:
            amount, bound = grid.ceiling, "ceiling"
        return FeeResult(
            tuple(results),
            subtotal,
            whole,
            coefficient_adjustment,
            step,
            grid.rounding_mode,
            rounding_adjustment,
            bound,
            amount - before,
            amount,
        )


def compile_grid(grid, currency_rounding=CENT):
    """Validate nothing, prepare everything: see :class:`CompiledGrid`."""
    return CompiledGrid(grid, currency_rounding)


def evaluate(grid, figures, coefficients=(), currency_rounding=CENT, formula_evaluator=None):
    """The fee of a member whose figures are ``figures`` (code -> Decimal)
    and whose categories give ``coefficients``. ``grid`` must be valid
    (:func:`validate_grid`); pass a :class:`CompiledGrid` to evaluate the
    same grid many times quickly."""
    if not isinstance(grid, CompiledGrid) or grid.rounding != currency_rounding:
        grid = CompiledGrid(grid.grid if isinstance(grid, CompiledGrid) else grid, currency_rounding)
    return grid.evaluate(figures, coefficients, formula_evaluator)


def grid_figures(grid):
    """The figure codes a grid reads (components and formulas)."""
    codes = set()
    for component in grid.components:
        if component.kind == FORMULA and component.formula:
            codes |= formula_figures(component.formula)
        elif component.figure:
            codes.add(component.figure)
    return codes
