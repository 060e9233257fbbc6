import keyword
import math

from odoo import api, fields, models, tools
from odoo.exceptions import ValidationError

from ..engine.numbers import format_number
from ..engine.tariff import FORMULA_FUNCTIONS


class MembershipFigure(models.Model):
    """A figure members declare and tariff grids read: turnover, payroll,
    headcount, or any figure an officer adds."""

    _name = "membership.figure"
    _description = "Declared Figure"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(
        required=True,
        help="Name of the figure in tariff formulas: lowercase letters, digits and underscores.",
    )
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    value_type = fields.Selection([("number", "Number"), ("integer", "Whole number")], required=True, default="number")
    unit = fields.Char(translate=True, help="Shown next to the value, e.g. EUR or employees.")
    help_text = fields.Text("Help", translate=True, help="Shown to members when they declare the figure.")
    max_value = fields.Float(
        "Plausibility Limit",
        digits=(20, 2),
        help="A declared value above this limit is refused as implausible; 0 means no limit.",
    )
    default_value = fields.Float(
        digits=(20, 2),
        help="Used instead of a missing figure by plans whose fallback rule is 'default value'.",
    )

    _code_unique = models.UniqueIndex("(code)", "Two declared figures cannot have the same code.")

    @api.model
    @tools.ormcache("self.env.lang")
    def _labels_by_code(self):
        """``{code: (name, unit)}`` of every figure in the context's language
        (fee explanations of a whole campaign read it without a query)."""
        figures = self.sudo().with_context(active_test=False).search_fetch([], ["code", "name", "unit"])
        return {figure.code: (figure.name, figure.unit or "") for figure in figures}

    @api.model_create_multi
    def create(self, vals_list):
        self.env.registry.clear_cache()
        return super().create(vals_list)

    def write(self, vals):
        if {"code", "name", "unit"} & set(vals):
            self.env.registry.clear_cache()
        return super().write(vals)

    def unlink(self):
        self.env.registry.clear_cache()
        return super().unlink()

    @api.constrains("code")
    def _check_code(self):
        for figure in self:
            code = figure.code or ""
            if (
                not code.isidentifier()
                or code != code.lower()
                or keyword.iskeyword(code)
                or code in FORMULA_FUNCTIONS
                or code == "D"
            ):
                raise ValidationError(
                    self.env._(
                        "Declared figure %(name)s: the code %(code)r must be lowercase letters, digits "
                        "and underscores, start with a letter, and not be a Python keyword or one of "
                        "%(reserved)s.",
                        name=figure.name,
                        code=code,
                        reserved=", ".join(FORMULA_FUNCTIONS),
                    )
                )

    @api.constrains("max_value", "default_value")
    def _check_limits(self):
        for figure in self:
            if figure.max_value < 0 or figure.default_value < 0:
                raise ValidationError(
                    self.env._(
                        "Declared figure %(name)s: the plausibility limit and the default value cannot be negative.",
                        name=figure.name,
                    )
                )

    @api.model
    def _codes(self):
        """The codes a tariff may read, archived figures included."""
        return set(self.with_context(active_test=False).search([("code", "!=", False)]).mapped("code"))

    def _value_fault(self, value):
        """What is wrong with ``value`` as a value of this figure: None,
        "number" (not a finite number), "negative", "whole" (a fraction for
        a whole number) or "limit" (above the plausibility limit)."""
        self.ensure_one()
        try:
            finite = not isinstance(value, bool) and math.isfinite(value)
        except (TypeError, ValueError):
            finite = False
        if not finite:
            return "number"
        if value < 0:
            return "negative"
        if self.value_type == "integer" and value != int(value):
            return "whole"
        if self.max_value and value > self.max_value:
            return "limit"
        return None

    def _format_value(self, value, lang=None):
        """``value`` as the language writes it (1 250 000,5 in French), never
        a float's repr (1e+24, -1.0)."""
        try:
            return format_number(value, lang or self.env.lang or "en_US")
        except (TypeError, ValueError, ArithmeticError):
            return str(value)

    def _check_value(self, value, member=None, year=None):
        """Raise a ValidationError for the officer (or the import) if
        ``value`` cannot be a value of this figure: negative, not whole for
        a whole number, or above the plausibility limit. Members read
        :meth:`_check_member_value` instead."""
        self.ensure_one()
        fault = self._value_fault(value)
        if not fault:
            return
        where = self.env._("%(member)s, %(year)s: ", member=member.display_name, year=year) if member else ""
        shown = self._format_value(value)
        if fault == "number":
            message = self.env._(
                "%(where)s%(figure)s is %(value)s; a declared figure must be a number.",
                where=where,
                figure=self.name,
                value=shown,
            )
        elif fault == "negative":
            message = self.env._(
                "%(where)s%(figure)s is %(value)s; a declared figure cannot be negative.",
                where=where,
                figure=self.name,
                value=shown,
            )
        elif fault == "whole":
            message = self.env._(
                "%(where)s%(figure)s is %(value)s; it must be a whole number.",
                where=where,
                figure=self.name,
                value=shown,
            )
        else:
            message = self.env._(
                "%(where)s%(figure)s is %(value)s, above the plausibility limit of %(limit)s. Check the "
                "value (thousands typed twice?) or raise the limit on the figure.",
                where=where,
                figure=self.name,
                value=shown,
                limit=self._format_value(self.max_value),
            )
        raise ValidationError(message)

    def _check_member_value(self, value, lang=None):
        """Raise a ValidationError in the member's words if ``value`` cannot
        be a value of this figure: the figure, the value as the member's
        language (``lang``) writes it, and what is accepted; never how an
        officer raises a limit."""
        self.ensure_one()
        fault = self._value_fault(value)
        if not fault:
            return
        lang = lang or self.env.lang or "en_US"
        shown = self._format_value(value, lang)
        if fault == "number":
            message = self.env._("%(figure)s: this is not a number.", figure=self.name)
        elif fault == "negative":
            message = self.env._(
                "%(figure)s: %(value)s is negative; a figure cannot be negative. Type 0 if you have none.",
                figure=self.name,
                value=shown,
            )
        elif fault == "whole":
            message = self.env._(
                "%(figure)s: %(value)s is not a whole number. Type a whole number, e.g. %(example)s.",
                figure=self.name,
                value=shown,
                example=self._format_value(max(int(value), 1), lang),
            )
        else:
            message = self.env._(
                "%(figure)s: %(value)s is more than we accept for this figure: at most %(limit)s. "
                "Please check the value (thousands typed twice?).",
                figure=self.name,
                value=shown,
                limit=self._format_value(self.max_value, lang),
            )
        raise ValidationError(message)
