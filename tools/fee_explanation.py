"""How a fee was computed, in sentences, from the explanation stored with it.

The stored explanation (``fee_data``, JSON) is written once when the fee is
computed: the figures and where they came from, each component with the
bracket or rate applied, caps, coefficients, bounds, rounding. These helpers
turn it into sentences in the language of ``env`` (the officer's, or the
member's for documents and the portal), so that the notice, the invoice and
the portal always say the same thing.
"""

from odoo.tools import SQL, formatLang

from ..engine import FLAT, FORMULA, INTERPOLATED, MARGINAL, PER_UNIT, STEP, WHOLE_RATE, to_decimal
from .formatting import format_money
from .tariff_quote import FROM_DECLARATION, FROM_DEFAULT, FROM_LAST_YEAR


def _number(env, value, unit=""):
    """A figure or a coefficient, with as many decimals as it has (up to 4)."""
    value = to_decimal(value)
    exponent = value.normalize().as_tuple().exponent
    digits = 0 if value == value.to_integral_value() else min(4, -exponent)
    text = formatLang(env, float(value), digits=digits)
    return f"{text} {unit}".strip()


def _rate(env, value):
    value = to_decimal(value).normalize()
    digits = max(0, -value.as_tuple().exponent) if value.as_tuple().exponent < 0 else 0
    return f"{formatLang(env, float(value), digits=min(digits, 6))} %"


def _exact_amount(env, value, currency):
    """An amount before rounding, with its decimals beyond the currency's
    (up to 6): 1,052.499 EUR, where a rounded amount would read 1,052.50."""
    value = to_decimal(value).normalize()
    exponent = value.as_tuple().exponent
    digits = max(currency.decimal_places, min(6, -exponent if exponent < 0 else 0))
    text = formatLang(env, float(value), digits=digits).replace(" ", "\N{NO-BREAK SPACE}")
    symbol = currency.symbol or ""
    if currency.position == "before":
        return f"{symbol}\N{NO-BREAK SPACE}{text}"
    return f"{text}\N{NO-BREAK SPACE}{symbol}"


def _bracket(env, detail, unit=""):
    lower = _number(env, detail["lower"], unit)
    if detail["upper"] is None:
        return env._("from %(lower)s", lower=lower)
    return env._("from %(lower)s to %(upper)s", lower=lower, upper=_number(env, detail["upper"], unit))


def explain_fee(env, data, currency):
    """Sentences explaining the full-period fee stored in ``data``."""
    if not data:
        return []

    def money(value):
        return format_money(env, value, currency)

    if "flat" in data:
        return [env._("Fee of the plan for a full period: %(amount)s.", amount=money(data["flat"]))]
    grid_names = _grid_names(env, data)
    # the tariff's name already says it is one ("Company members tariff"):
    # not "Tariff Company members tariff 2027"
    lines = [env._("%(version)s, figures of %(year)s:", version=grid_names["version"], year=data["year"])]
    labels = _figure_labels(env, data)
    names = {code: name for code, (name, _unit) in labels.items()}
    units = {code: unit for code, (_name, unit) in labels.items()}
    origins = {origin["code"]: origin for origin in data.get("figures", [])}
    for origin in data.get("figures", []):
        name, unit = labels[origin["code"]]
        value = _number(env, origin["value"], unit)
        if origin["source"] == FROM_DECLARATION:
            lines.append(env._("- %(figure)s: %(value)s (declared).", figure=name, value=value))
        elif origin["source"] == FROM_LAST_YEAR:
            lines.append(
                env._(
                    "- %(figure)s: %(value)s (not declared: %(year)s value %(declared)s plus %(uplift)s).",
                    figure=name,
                    value=value,
                    year=origin["year"],
                    declared=_number(env, origin["declared"], unit),
                    uplift=_rate(env, origin["uplift"]),
                )
            )
        else:
            lines.append(env._("- %(figure)s: %(value)s (not declared: default value).", figure=name, value=value))
    if data.get("penalty"):
        lines.append(
            env._(
                "Figures missing (%(figures)s): the plan's penalty fee applies, %(amount)s.",
                figures=", ".join(data.get("missing", [])),
                amount=money(data["penalty"]),
            )
        )
        return lines
    result = data.get("result") or {}
    components = grid_names["components"]
    for component in result.get("components", []):
        component = dict(component, name=components.get(component["name"], component["name"]))
        lines.append(_explain_component(env, component, names, units, origins, money))
    coefficient = to_decimal(result.get("coefficient", "1"))
    if coefficient != 1:
        categories = grid_names["categories"]
        labels = ", ".join(
            categories.get(c["label"], c["label"]) for c in data.get("coefficients", []) if not c["component"]
        )
        # the exact product, which the version's rule rounds once (fees
        # stored before it was kept: it was rounded to the cent)
        exact = result.get("exact") or to_decimal(result["subtotal"]) + to_decimal(result["coefficient_adjustment"])
        lines.append(
            env._(
                "Whole fee %(subtotal)s times %(factor)s (%(categories)s) = %(result)s: %(adjustment)s.",
                subtotal=money(result["subtotal"]),
                factor=_number(env, coefficient),
                categories=labels,
                result=_exact_amount(env, exact, currency),
                adjustment=money(result["coefficient_adjustment"]),
            )
        )
    if to_decimal(result.get("rounding_adjustment", "0")):
        modes = {"half_up": env._("to the nearest"), "up": env._("up to"), "down": env._("down to")}
        lines.append(
            env._(
                "Rounded %(mode)s %(step)s: %(adjustment)s.",
                mode=modes.get(result["rounding_mode"], ""),
                step=_number(env, result["rounding_step"]),
                adjustment=money(result["rounding_adjustment"]),
            )
        )
    # the floor and the ceiling are amounts in the currency: the rounding
    # step does not apply to them
    if result.get("bound") == "floor":
        lines.append(
            env._(
                "Raised to the tariff's floor, which the rounding does not change: %(amount)s.",
                amount=money(result["amount"]),
            )
        )
    elif result.get("bound") == "ceiling":
        lines.append(
            env._(
                "Limited to the tariff's ceiling, which the rounding does not change: %(amount)s.",
                amount=money(result["amount"]),
            )
        )
    lines.append(env._("Fee for a full period: %(amount)s.", amount=money(data["amount"])))
    return lines


def _grid_names(env, data):
    """The names the stored explanation quotes, in the reader's language:
    ``{"version": name, "components": {stored name: name}, "categories":
    {stored name: name}}``. The explanation stores the tariff version's,
    components' and categories' names in the language the fee was computed
    in; each stored name (in whichever language) maps to the current name
    of the same record in the reader's language. A version since removed
    keeps its stored names."""
    version_data = data.get("version") or {}
    names = {"version": version_data.get("name", ""), "components": {}, "categories": {}}
    version = env["membership.tariff.version"].sudo().browse(version_data.get("id") or ()).exists()
    if not version:
        return names
    lang = env.lang or "en_US"
    names["version"] = f"{version.tariff_id.with_context(lang=lang).name or ''} {version.name or ''}".strip()
    env["membership.tariff.component"].flush_model(["name", "version_id"])
    env["membership.tariff.coefficient"].flush_model(["category_id", "version_id"])
    env["membership.category"].flush_model(["name"])
    rows = env.execute_query(
        SQL(
            """SELECT 'components', name FROM membership_tariff_component WHERE version_id = %(version)s
               UNION ALL
               SELECT 'categories', category.name
                 FROM membership_tariff_coefficient coefficient
                 JOIN membership_category category ON category.id = coefficient.category_id
                WHERE coefficient.version_id = %(version)s""",
            version=version.id,
        )
    )
    for kind, translations in rows:
        if not translations:
            continue
        name = translations.get(lang) or translations.get("en_US")
        for stored in translations.values():
            names[kind].setdefault(stored, name)
    return names


def _figure_labels(env, data):
    """``{code: (name, unit)}`` of the fee's figures in the reader's
    language; the names stored with the fee for a figure since removed."""
    current = env["membership.figure"]._labels_by_code()
    return {
        origin["code"]: current.get(origin["code"], (origin["name"], origin.get("unit") or ""))
        for origin in data.get("figures", [])
    }


def _explain_flat(env, component, figure, unit, money):
    return env._("flat amount")


def _explain_step(env, component, figure, unit, money):
    return env._(
        "%(figure)s %(value)s, bracket %(bracket)s",
        figure=figure,
        value=_number(env, component["figure_used"], unit),
        bracket=_bracket(env, component["details"][0], unit),
    )


def _explain_marginal(env, component, figure, unit, money):
    return " + ".join(
        env._(
            "%(rate)s of %(base)s",
            rate=_rate(env, detail["rate"]),
            base=_number(env, detail["base"], unit),
        )
        for detail in component["details"]
    ) or env._("nothing")


def _explain_rate(env, component, figure, unit, money):
    """A whole rate, or an interpolated one: the rate of the bracket reached."""
    detail = component["details"][0]
    return env._(
        "%(rate)s of %(figure)s %(value)s (bracket %(bracket)s)",
        rate=_rate(env, detail["rate"]),
        figure=figure,
        value=_number(env, component["figure_used"], unit),
        bracket=_bracket(env, detail, unit),
    )


def _explain_per_unit(env, component, figure, unit, money):
    details = component["details"]
    if details:
        return " + ".join(
            env._("%(units)s at %(price)s", units=_number(env, d["base"]), price=money(_unit_price(d))) for d in details
        )
    used = to_decimal(component["figure_used"])
    price = to_decimal(component["raw"]) / used if used else to_decimal(0)
    return env._("%(units)s at %(price)s", units=_number(env, used, unit), price=money(price))


def _explain_formula(env, component, figure, unit, money):
    return env._("formula")


# How each kind of component (engine/tariff.py) computed its amount: a new
# kind adds its function here.
EXPLAIN_KIND = {
    FLAT: _explain_flat,
    STEP: _explain_step,
    MARGINAL: _explain_marginal,
    WHOLE_RATE: _explain_rate,
    INTERPOLATED: _explain_rate,
    PER_UNIT: _explain_per_unit,
    FORMULA: _explain_formula,
}


def _explain_component(env, component, names, units, origins, money):
    figure = names.get(component["figure"], component["figure"] or "")
    unit = units.get(component["figure"], "")
    explain = EXPLAIN_KIND.get(component["kind"], _explain_formula)
    text = explain(env, component, figure, unit, money)
    notes = []
    if component["capped"]:
        notes.append(
            env._(
                "%(figure)s counted up to %(cap)s (%(origin)s)",
                figure=figure,
                cap=_number(env, component["figure_used"], unit),
                origin=_figure_origin(env, origins.get(component["figure"]), component["figure_value"], unit),
            )
        )
    if to_decimal(component["coefficient"]) != 1:
        notes.append(env._("times %(factor)s", factor=_number(env, component["coefficient"])))
    if component["bound"] == "minimum":
        notes.append(env._("raised to its minimum"))
    elif component["bound"] == "maximum":
        notes.append(env._("limited to its maximum"))
    note = f" ({'; '.join(notes)})" if notes else ""
    return env._(
        "%(component)s: %(how)s%(notes)s = %(amount)s.",
        component=component["name"],
        how=text,
        notes=note,
        amount=money(component["amount"]),
    )


def _figure_origin(env, origin, value, unit):
    """Where a figure's value came from, in a few words: declared only when
    the member declared it, else the plan's fallback that gave it."""
    value = _number(env, value, unit)
    source = (origin or {}).get("source")
    if source == FROM_DECLARATION:
        return env._("declared %(value)s", value=value)
    if source == FROM_LAST_YEAR:
        return env._(
            "not declared: %(year)s value %(declared)s plus %(uplift)s, %(value)s",
            year=origin["year"],
            declared=_number(env, origin["declared"], unit),
            uplift=_rate(env, origin["uplift"]),
            value=value,
        )
    if source == FROM_DEFAULT:
        return env._("not declared: default value %(value)s", value=value)
    return env._("figure %(value)s", value=value)


def _unit_price(detail):
    base = to_decimal(detail["base"])
    return to_decimal(detail["amount"]) / base if base else to_decimal(0)
