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
  evaluator (Odoo's ``safe_eval`` in the addon), within limits of size,
  exponents and magnitude (``FORMULA_MAX_*``, see *Formulas* below).

Rates are percentages. Bracket bounds: the lower bound is included, the upper
excluded; brackets start at 0, follow each other without gap or overlap, and
the last is open-ended.

Per component: the figure can be capped, the amount multiplied by the
member's category coefficients for that component, then held between the
component's minimum and maximum, then rounded to the currency. The grid sums
the components, multiplies by the whole-fee coefficients, rounds that exact
result once with its own rule (currency, or to 1, 5, 10... units, up, down or
half-up), then holds it between its floor and ceiling. The floor and the
ceiling are amounts in the currency: one that applies is the fee, to the
currency's cent (60 is 60.00), and the rounding step does not apply to it.

Every step is kept in the result (:class:`FeeResult`): its ``parts`` add up to
the fee exactly, so the explanation printed to a member always sums up.
"""

import ast
from decimal import (
    ROUND_CEILING,
    ROUND_FLOOR,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    DivisionUndefined,
    InvalidOperation,
    Overflow,
    localcontext,
)
from functools import lru_cache
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
    exact: Decimal  # subtotal x whole-fee coefficients, before any rounding
    coefficient_adjustment: Decimal  # exact, to the cent, minus the subtotal
    rounding_step: Decimal
    rounding_mode: str
    rounding_adjustment: Decimal  # the rounded fee minus exact to the cent
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
            "exact": _str(self.exact),
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
# What a formula may do. A fee formula is a short expression over a few
# figures; these limits keep a mistyped or hostile one from holding a server
# worker (``10**10**10`` never ends), exhausting the parser (thousands of
# nested operators) or giving a number no fee can be:
#
# * at most FORMULA_MAX_LENGTH characters, counted before parsing;
# * at most FORMULA_MAX_NODES numbers, figures and operations, nested at most
#   FORMULA_MAX_DEPTH levels deep;
# * the exponent of ``**`` is a number written in the formula (not a figure
#   nor a computation), between -FORMULA_MAX_EXPONENT and FORMULA_MAX_EXPONENT;
# * the numbers written, the result of every operation and function and the
#   formula's result stay between -FORMULA_MAX_MAGNITUDE and
#   FORMULA_MAX_MAGNITUDE (10^15), checked as the formula is computed; the
#   parts that read no figure are computed when the formula is saved.
#
# Evaluation time is bounded by these limits alone (at most a few hundred
# operations on numbers of 28 significant digits, no power beyond the
# tenth), not by a clock: a clock would make a fee depend on the load of the
# server.
FORMULA_MAX_LENGTH = 1000
FORMULA_MAX_NODES = 200
FORMULA_MAX_DEPTH = 50
FORMULA_MAX_EXPONENT = 10
FORMULA_MAX_MAGNITUDE = Decimal(10) ** 15
# The decimal arithmetic of formulas, whatever the caller's context: 28
# significant digits; an undefined operation, a division by zero or an
# overflow raises.
FORMULA_CONTEXT = Context(
    prec=28,
    rounding=ROUND_HALF_EVEN,
    Emin=-999999,
    Emax=999999,
    traps=[InvalidOperation, DivisionByZero, Overflow],
)
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


def _fmt_large(value):
    """:func:`_fmt`, or 1.235E+30 for a number too long to read."""
    value = to_decimal(value)
    if not value.is_finite():
        return str(value)
    if value.copy_abs() >= Decimal("1e21"):
        return f"{value:.3E}"
    return _fmt(value)


def _parse_formula(formula, component=None):
    """(source, syntax tree) of ``formula``; its length is checked first,
    and nothing the parser raises escapes as anything but TariffError."""
    if not isinstance(formula, str):
        raise TariffError(_lt("Component %(component)s: the formula must be text."), component, "formula")
    source = formula.strip()
    if len(source) > FORMULA_MAX_LENGTH:
        raise TariffError(
            _lt("Component %(component)s: the formula has %(length)s characters; at most %(limit)s are allowed."),
            component,
            "formula",
            length=_fmt(len(source)),
            limit=_fmt(FORMULA_MAX_LENGTH),
        )
    try:
        return source, ast.parse(source, mode="eval")
    except SyntaxError as error:
        detail = error.msg
    except (ValueError, OverflowError) as error:
        detail = str(error)
    except (RecursionError, MemoryError) as error:
        raise TariffError(
            _lt(
                "Component %(component)s: the formula nests too many operations to be read; "
                "at most %(limit)s levels are allowed."
            ),
            component,
            "formula",
            limit=FORMULA_MAX_DEPTH,
        ) from error
    raise TariffError(
        _lt("Component %(component)s: the formula is not valid: %(detail)s."),
        component,
        "formula",
        detail=detail,
    )


def _check_size(tree, component=None):
    """At most FORMULA_MAX_NODES numbers, figures and operations, nested at
    most FORMULA_MAX_DEPTH deep (counted without recursion)."""
    count = deepest = 0
    stack = [(tree.body, 1)]
    while stack:
        node, depth = stack.pop()
        count += 1
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node) if isinstance(child, ast.expr))
    if count > FORMULA_MAX_NODES:
        raise TariffError(
            _lt(
                "Component %(component)s: the formula has %(count)s numbers, figures and operations; "
                "at most %(limit)s are allowed."
            ),
            component,
            "formula",
            count=count,
            limit=FORMULA_MAX_NODES,
        )
    if deepest > FORMULA_MAX_DEPTH:
        raise TariffError(
            _lt(
                "Component %(component)s: the formula nests operations %(depth)s levels deep; "
                "at most %(limit)s are allowed."
            ),
            component,
            "formula",
            depth=deepest,
            limit=FORMULA_MAX_DEPTH,
        )


def _exponent(node):
    """The number written as the exponent of a power (``-2``, ``0.5``), or
    None when the exponent is not a number written in the formula."""
    sign = 1
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        sign = -1 if isinstance(node.op, ast.USub) else 1
        node = node.operand
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        return sign * node.value
    return None


def _reads_figure(node):
    return any(isinstance(n, ast.Name) and n.id not in FORMULA_FUNCTIONS for n in ast.walk(node))


def _fold_constants(tree, component=None):
    """Compute the parts of the formula that read no figure, so that
    ``10**10 * 10**10`` or ``1 / 0`` is refused when it is saved."""
    stack = [tree.body]
    with localcontext(FORMULA_CONTEXT):
        while stack:
            node = stack.pop()
            if isinstance(node, ast.Constant | ast.Name):
                continue
            if _reads_figure(node):
                stack.extend(child for child in ast.iter_child_nodes(node) if isinstance(child, ast.expr))
                continue
            try:
                _evaluate_node(node, {})
            except Exception as error:  # told to the user in their words
                raise _formula_error(error, component) from error


def check_formula(formula, figure_codes=None, component=None):
    """Parse ``formula`` and refuse anything but arithmetic, comparisons,
    conditional expressions, numbers, figure names and min/max/abs/round,
    or beyond the limits above (``FORMULA_MAX_*``). Raise
    :class:`TariffError` naming the component and what is not allowed, or
    return the syntax tree."""
    functions = ", ".join(FORMULA_FUNCTIONS)
    source, tree = _parse_formula(formula, component)
    _check_size(tree, component)
    called = {id(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}
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
        if isinstance(node, ast.Constant):
            if not isinstance(node.value, int | float):
                raise TariffError(
                    _lt("Component %(component)s: the formula may only contain numbers, not %(value)s."),
                    component,
                    "formula",
                    value=repr(node.value),
                )
            if not abs(node.value) <= FORMULA_MAX_MAGNITUDE:
                raise TariffError(
                    _lt(
                        "Component %(component)s: the number %(number)s is too large; the numbers in a formula "
                        "are at most %(limit)s."
                    ),
                    component,
                    "formula",
                    number=ast.get_source_segment(source, node) or repr(node.value),
                    limit=_fmt(FORMULA_MAX_MAGNITUDE),
                )
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
            exponent = _exponent(node.right)
            if exponent is None or not abs(exponent) <= FORMULA_MAX_EXPONENT:
                raise TariffError(
                    _lt(
                        "Component %(component)s: the exponent after ** must be a number between -%(limit)s and "
                        "%(limit)s written in the formula, not %(exponent)s."
                    ),
                    component,
                    "formula",
                    exponent=ast.get_source_segment(source, node.right) or ast.unparse(node.right),
                    limit=FORMULA_MAX_EXPONENT,
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
        if isinstance(node, ast.Name) and node.id in FORMULA_FUNCTIONS and id(node) not in called:
            raise TariffError(
                _lt(
                    "Component %(component)s: %(name)s is a function: write the numbers it takes in parentheses "
                    "after it, as in %(name)s(1, 2)."
                ),
                component,
                "formula",
                name=node.id,
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
    _fold_constants(tree, component)
    return tree


@lru_cache(maxsize=256)
def _checked_formula(formula):
    """check_formula without figure codes, once per formula (evaluations);
    errors are not cached. The tree returned is shared: never change it."""
    return check_formula(formula)


@lru_cache(maxsize=256)
def formula_figures(formula):
    """The figure names a formula reads."""
    _source, tree = _parse_formula(formula)
    return frozenset(n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id not in FORMULA_FUNCTIONS)


def bound_value(value):
    """``value`` as a Decimal, or TariffError when it is not a finite number
    between -FORMULA_MAX_MAGNITUDE and FORMULA_MAX_MAGNITUDE. Formulas pass
    the result of every operation and function through it."""
    if not isinstance(value, Decimal):
        value = to_decimal(value)  # True, or the int of round(x)
    if not value.is_finite() or value.copy_abs() > FORMULA_MAX_MAGNITUDE:
        raise TariffError(
            _lt(
                "Component %(component)s: the formula reaches %(value)s; the numbers it computes must stay "
                "between -%(limit)s and %(limit)s."
            ),
            None,
            "formula",
            value=_fmt_large(value),
            limit=_fmt(FORMULA_MAX_MAGNITUDE),
        )
    return value


def _decimal_literal(value):
    """The text of a number written in a formula, for ``Decimal(text)``."""
    return str(int(value)) if isinstance(value, bool) else repr(value)


def _call(name, *args):
    return ast.Call(ast.Name(name, ast.Load()), list(args), [])


class _Bounded(ast.NodeTransformer):
    """Numbers as ``D('0.1')``, every operation and function call as
    ``B(...)``: exact decimals, each result checked by :func:`bound_value`."""

    def visit_Constant(self, node):
        return _call("D", ast.Constant(_decimal_literal(node.value)))

    def visit_BinOp(self, node):
        self.generic_visit(node)
        return _call("B", node)

    def visit_UnaryOp(self, node):
        self.generic_visit(node)
        return node if isinstance(node.op, ast.Not) else _call("B", node)

    def visit_Call(self, node):
        self.generic_visit(node)
        return _call("B", node)


@lru_cache(maxsize=256)
def decimal_formula(formula):
    """The checked formula (:func:`check_formula`, TariffError otherwise)
    rewritten for an expression evaluator such as Odoo's ``safe_eval``:
    numbers made exact (``0.1`` becomes ``D('0.1')``, so that the arithmetic
    is Decimal from end to end) and the result of every operation, function
    and of the whole formula checked by ``B`` (:func:`bound_value`).
    Evaluate it with :func:`formula_namespace`."""
    tree = _Bounded().visit(check_formula(formula))
    body = tree.body
    if not (isinstance(body, ast.Call) and isinstance(body.func, ast.Name) and body.func.id == "B"):
        tree.body = _call("B", body)  # a figure or a comparison alone
    return ast.unparse(ast.fix_missing_locations(tree))


def _round(value, decimals=None):
    """round(), the number of decimals being a Decimal like every number of
    a formula (Python's round wants an int)."""
    if decimals is None:
        return round(value)
    decimals = to_decimal(decimals)
    if not decimals.is_finite() or decimals != decimals.to_integral_value():
        raise TariffError(
            _lt("Component %(component)s: round() takes a whole number of decimals, not %(value)s."),
            None,
            "formula",
            value=_fmt_large(decimals),
        )
    return round(value, int(decimals))


_FUNCTIONS = {"min": min, "max": max, "abs": abs, "round": _round}


def formula_namespace(figures):
    """The names a formula rewritten by :func:`decimal_formula` reads."""
    return {**figures, "D": Decimal, "B": bound_value, **_FUNCTIONS}


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


def _evaluate_node(node, figures):
    """Python's semantics over Decimals, each operation's result bounded
    like :func:`decimal_formula` does. The depth is bounded by check_formula."""
    if isinstance(node, ast.Expression):
        return bound_value(_evaluate_node(node.body, figures))
    if isinstance(node, ast.Constant):
        return Decimal(_decimal_literal(node.value))
    if isinstance(node, ast.Name):
        if node.id not in figures:
            raise MissingFigure(node.id)
        return figures[node.id]
    if isinstance(node, ast.BinOp):
        left = _evaluate_node(node.left, figures)
        return bound_value(_BINARY[type(node.op)](left, _evaluate_node(node.right, figures)))
    if isinstance(node, ast.UnaryOp):
        value = _evaluate_node(node.operand, figures)
        if isinstance(node.op, ast.Not):
            return not value
        return bound_value(-value if isinstance(node.op, ast.USub) else +value)
    if isinstance(node, ast.BoolOp):
        # like Python: the first false (and) or true (or) value, else the last
        stop = not isinstance(node.op, ast.And)
        for child in node.values:
            value = _evaluate_node(child, figures)
            if bool(value) is stop:
                return value
        return value
    if isinstance(node, ast.Compare):
        left = _evaluate_node(node.left, figures)
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = _evaluate_node(comparator, figures)
            if not _COMPARE[type(op)](left, right):
                return False
            left = right
        return True
    if isinstance(node, ast.IfExp):
        branch = node.body if _evaluate_node(node.test, figures) else node.orelse
        return _evaluate_node(branch, figures)
    if isinstance(node, ast.Call):
        return bound_value(_FUNCTIONS[node.func.id](*(_evaluate_node(arg, figures) for arg in node.args)))
    raise TariffError(
        _lt("Component %(component)s: %(node)s is not allowed in a formula."),
        None,
        "formula",
        node=type(node).__name__,
    )


def plain_formula_evaluator(formula, figures):
    """Evaluate a formula by walking its checked syntax tree, in exact
    Decimal arithmetic (no ``eval``), within the same limits as
    :func:`decimal_formula`. Used by the pure tests and the benchmark; the
    addon evaluates formulas with Odoo's safe_eval."""
    with localcontext(FORMULA_CONTEXT):
        return _evaluate_node(_checked_formula(formula), figures)


def _formula_error(error, component):
    """The :class:`TariffError` saying, in the user's words, why computing
    the formula of ``component`` failed with ``error``."""
    if isinstance(error, TariffError):
        if error.component is not None or component is None:
            return error
        if isinstance(error, MissingFigure):
            return MissingFigure(error.figure, component)
        params = {key: value for key, value in error.params.items() if key not in ("component", "field")}
        return TariffError(error.template, component, error.field, **params)
    signals = error.args[0] if isinstance(error, InvalidOperation) and error.args else ()
    if isinstance(error, ZeroDivisionError) or (isinstance(signals, list) and DivisionUndefined in signals):
        return TariffError(_lt("Component %(component)s: the formula divides by zero."), component, "formula")
    if isinstance(error, Overflow | OverflowError):
        return TariffError(
            _lt(
                "Component %(component)s: the formula computes a number too large; the numbers it computes "
                "must stay between -%(limit)s and %(limit)s."
            ),
            component,
            "formula",
            limit=_fmt(FORMULA_MAX_MAGNITUDE),
        )
    if isinstance(error, ArithmeticError):
        return TariffError(
            _lt(
                "Component %(component)s: the formula has no result: an operation is undefined, such as "
                "x %% 0, a fractional power of a negative number or rounding to too many decimals."
            ),
            component,
            "formula",
        )
    if isinstance(error, RecursionError | MemoryError):
        return TariffError(_lt("Component %(component)s: the formula is too complex to compute."), component, "formula")
    return TariffError(
        _lt("Component %(component)s: the formula failed: %(detail)s."),
        component,
        "formula",
        detail=str(error),
    )


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
        # the same errors whatever the evaluator: the formula within limits,
        # its figures given (both looked up once per formula)
        _checked_formula(component.formula)
        missing = sorted(formula_figures(component.formula) - figures.keys())
        if missing:
            raise MissingFigure(missing[0], name)
        with localcontext(FORMULA_CONTEXT):
            raw = bound_value(formula_evaluator(component.formula, figures))
    except Exception as error:  # told to the user in their words
        failure = _formula_error(error, name)
        if failure is error:
            raise
        raise failure from error
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

    __slots__ = ("_ceiling", "_components", "_floor", "_quantum", "_round_currency", "grid", "rounding")

    def __init__(self, grid, currency_rounding=CENT):
        self.grid = grid
        self.rounding = currency_rounding
        self._round_currency = _rounder(currency_rounding)
        # the floor and the ceiling are amounts in the currency: to its cent,
        # never to the version's rounding step
        self._floor = None if grid.floor is None else self._round_currency(grid.floor)
        self._ceiling = None if grid.ceiling is None else self._round_currency(grid.ceiling)
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
            try:
                amount = amount.quantize(quantum, rounding=ROUND_HALF_UP) if quantum else round_currency(amount)
            except InvalidOperation as error:  # more digits than the decimal context holds
                raise TariffError(
                    _lt("Component %(component)s: the amount %(value)s is too large to be a fee."),
                    component.name,
                    "amount",
                    value=_fmt_large(amount),
                ) from error
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
        step = grid.rounding_step or rounding
        mode = grid.rounding_mode
        exact = subtotal if whole == ONE else subtotal * whole
        try:
            # One rounding, of the exact result, by the version's rule. The
            # whole-fee coefficients' effect is shown to the cent (display
            # only): the rounding part carries the rest, so the parts add up.
            shown = round_currency(exact)
            if step == rounding and mode == HALF_UP:
                amount = shown
            else:
                amount = round_currency((exact / step).quantize(ONE, rounding=ROUNDING_MODES[mode]) * step)
        except InvalidOperation as error:  # more digits than the decimal context holds
            raise TariffError(
                _lt("The fee (%(value)s) is too large to be rounded."),
                None,
                "amount",
                value=_fmt_large(exact),
            ) from error
        coefficient_adjustment = shown - subtotal
        rounding_adjustment = amount - shown
        bound = None
        before = amount
        if self._floor is not None and amount < self._floor:
            amount, bound = self._floor, "floor"
        elif self._ceiling is not None and amount > self._ceiling:
            amount, bound = self._ceiling, "ceiling"
        return FeeResult(
            tuple(results),
            subtotal,
            whole,
            exact,
            coefficient_adjustment,
            step,
            mode,
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
