"""The pieces of a tariff fee that need no database: the quote a plan
returns, the formula evaluator the engine calls, and where each figure's
value comes from (the member's declaration or the plan's fallback).

The ORM side is on the tariff version (``membership.tariff.version``,
``_quote_fees``): it reads the declarations and coefficients, then uses these
helpers and the engine (``engine/tariff.py``).
"""

from dataclasses import dataclass
from decimal import Decimal

from odoo.tools.safe_eval import safe_eval

from ..engine import TariffError, round_money, to_decimal
from ..engine.tariff import decimal_formula, formula_namespace

# Where a figure's value came from, stored in the fee's explanation
# (``fee_data["figures"][i]["source"]``) and read by tools/fee_explanation.py.
FROM_DECLARATION = "declaration"
FROM_LAST_YEAR = "last_year"
FROM_DEFAULT = "default"


@dataclass(frozen=True)
class FeeQuote:
    """The full-period fee of one member, with its stored explanation.

    ``amount`` is None when it cannot be computed (``error`` says why, in the
    user's words); ``data`` is the JSON-able explanation kept on the
    subscription (and later the renewal notice) and printed on documents.
    """

    amount: Decimal | None
    version: object  # membership.tariff.version record (empty for a flat fee)
    year: int
    data: dict
    fallback: bool = False
    error: str | None = None


def safe_formula_evaluator(formula, figures):
    """Tariff formulas run in Odoo's safe_eval, with exact decimal numbers,
    within the engine's limits (``engine/tariff.py``, ``FORMULA_MAX_*``):
    a formula beyond them, or a number computed beyond them, raises
    TariffError (the engine names the component)."""
    source = decimal_formula(formula)  # checked: TariffError if not allowed
    try:
        return safe_eval(source, formula_namespace(figures))
    except ValueError as error:
        # safe_eval reports what failed while evaluating as a ValueError
        # whose context is the original error: give the engine that error
        # (a bound exceeded, an undefined operation...) to tell the user
        cause = error.__context__
        if isinstance(cause, TariffError | ArithmeticError | RecursionError | MemoryError):
            raise cause from None
        raise


def resolve_figures(codes, figures, declared, last_year, year, fallback_mode, uplift):
    """The values of the figures a grid reads, and where each came from.

    ``codes``: the figure codes the grid reads; ``figures``: the figure
    records (``code``, ``name``, ``unit``, ``value_type``,
    ``default_value``); ``declared`` and ``last_year``: {code: Decimal} the
    member declared for ``year`` and the year before; ``fallback_mode`` and
    ``uplift`` (a percentage): the plan's fallback for a figure not declared
    ("last_year", "default", anything else: none).

    Returns ``(values, origins)``: {code: Decimal} of the figures found, and
    the list of their origins, stored with the fee. A figure neither
    declared nor given by the fallback is left out of both.
    """
    values, origins = {}, []
    by_code = {figure.code: figure for figure in figures}
    uplift = to_decimal(uplift)
    for code in sorted(codes):
        figure = by_code.get(code)
        origin = {
            "code": code,
            "name": figure.name if figure else code,
            "unit": (figure.unit or "") if figure else "",
        }
        if code in declared:
            value = declared[code]
            origin.update(source=FROM_DECLARATION, year=year)
        elif fallback_mode == "last_year" and code in last_year:
            # a whole-number figure (headcount) stays whole
            step = Decimal(1) if figure and figure.value_type == "integer" else Decimal("0.01")
            value = round_money(last_year[code] * (1 + uplift / 100), step)
            origin.update(source=FROM_LAST_YEAR, year=year - 1, uplift=str(uplift), declared=str(last_year[code]))
        elif fallback_mode == "default" and figure:
            value = to_decimal(figure.default_value)
            origin.update(source=FROM_DEFAULT, year=year)
        else:
            continue
        values[code] = value
        origin["value"] = str(value)
        origins.append(origin)
    return values, origins
