from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..engine import Component, TariffError, to_decimal
from ..engine.tariff import validate_component


class MembershipTariffComponent(models.Model):
    """One part of a tariff grid; the parts add up to the fee."""

    _name = "membership.tariff.component"
    _inherit = ["membership.tariff.version.part"]
    _description = "Tariff Grid Component"
    _order = "version_id, sequence, id"
    _check_company_auto = True

    version_id = fields.Many2one(
        "membership.tariff.version", required=True, index=True, ondelete="cascade", check_company=True
    )
    company_id = fields.Many2one(related="version_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="version_id.currency_id")
    sequence = fields.Integer(default=10)
    name = fields.Char(required=True, translate=True)
    kind = fields.Selection(
        [
            ("flat", "Flat amount"),
            ("step", "Step brackets (amount of the bracket)"),
            ("marginal", "Marginal brackets (each slice at its rate)"),
            ("whole_rate", "Rate on the whole figure, by bracket"),
            ("interpolated", "Rate moving across the bracket"),
            ("per_unit", "Per unit"),
            ("formula", "Formula"),
        ],
        required=True,
        default="step",
    )
    figure_id = fields.Many2one("membership.figure", ondelete="restrict")
    amount = fields.Monetary(help="Flat amount, or the price of one unit for a per-unit component without brackets.")
    figure_cap = fields.Float(
        "Cap on the Figure", digits=(20, 2), help="Only this much of the figure is charged (0: no cap)."
    )
    minimum = fields.Monetary(help="The component never charges less (0: no minimum).")
    maximum = fields.Monetary(help="The component never charges more (0: no maximum).")
    formula = fields.Char(
        help="Figures by their code, numbers, + - * / // % **, comparisons, 'x if condition else y', "
        "min, max, abs and round. Example: max(100, turnover * 0.001)\n"
        "Limits: 1,000 characters and 200 numbers, figures and operations; after ** a number between "
        "-10 and 10; numbers and every intermediate result between -10^15 and 10^15."
    )
    bracket_ids = fields.One2many("membership.tariff.bracket", "component_id", "Brackets", copy=True)
    note = fields.Char(translate=True, help="Shown to members with the fee's explanation.")

    @api.depends("version_id", "name")
    def _compute_display_name(self):
        for component in self:
            component.display_name = f"{component.version_id.display_name} / {component.name}"

    def _engine_component(self):
        self.ensure_one()
        return Component(
            self.name,
            self.kind,
            self.figure_id.code or None,
            amount=to_decimal(self.amount),
            brackets=tuple(
                bracket._engine_bracket() for bracket in self.bracket_ids.sorted(lambda b: (b.sequence, b.id))
            ),
            formula=self.formula or None,
            figure_cap=to_decimal(self.figure_cap) if self.figure_cap else None,
            minimum=to_decimal(self.minimum) if self.minimum else None,
            maximum=to_decimal(self.maximum) if self.maximum else None,
        )

    @api.constrains("kind", "figure_id", "amount", "figure_cap", "minimum", "maximum", "formula", "bracket_ids")
    def _check_component(self):
        self._validate_with_engine()

    def _validate_with_engine(self):
        """Reject bad components when saving: negative amounts, brackets out
        of order, gaps, overlaps... Missing brackets or formulas are only
        required when the version is adopted or used."""
        codes = self.env["membership.figure"]._codes()
        for component in self:
            try:
                validate_component(component._engine_component(), codes, complete=False)
            except TariffError as error:
                raise ValidationError(component.version_id._tariff_error_message(error)) from error

    def write(self, vals):
        if "bracket_ids" in vals:
            # brackets are checked together, once the component holds them all
            self = self.with_context(membership_tariff_skip_bracket_check=True)  # noqa: PLW0642
        return super().write(vals)
