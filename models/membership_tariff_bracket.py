from odoo import api, fields, models

from ..engine import Bracket, to_decimal


class MembershipTariffBracket(models.Model):
    """A bracket of a component: from its lower bound (included) to its upper
    bound (excluded); the last one has no upper bound."""

    _name = "membership.tariff.bracket"
    _inherit = ["membership.tariff.version.part"]
    _tariff_parent_field = "component_id"
    _description = "Tariff Bracket"
    _order = "component_id, sequence, lower, id"
    _check_company_auto = True

    component_id = fields.Many2one(
        "membership.tariff.component", required=True, index=True, ondelete="cascade", check_company=True
    )
    version_id = fields.Many2one(related="component_id.version_id", store=True, index=True)
    company_id = fields.Many2one(related="component_id.company_id", store=True, index=True, precompute=True)
    currency_id = fields.Many2one(related="component_id.currency_id")
    sequence = fields.Integer(default=10)
    lower = fields.Float("From", digits=(20, 2), help="Included.")
    upper = fields.Float("To", digits=(20, 2), help="Excluded; leave 0 for the last, open-ended bracket.")
    amount = fields.Monetary(help="Amount of a step bracket, or unit price of a per-unit bracket.")
    rate = fields.Float("Rate (%)", digits=(12, 6))
    rate_to = fields.Float(
        "Rate at the Upper Bound (%)",
        digits=(12, 6),
        help="For a rate moving across the bracket: the rate reached at the upper bound.",
    )

    def _engine_bracket(self):
        self.ensure_one()
        return Bracket(
            to_decimal(self.lower),
            to_decimal(self.upper) if self.upper else None,
            to_decimal(self.amount),
            to_decimal(self.rate),
            to_decimal(self.rate_to) if self.upper else None,
        )

    @api.constrains("lower", "upper", "amount", "rate", "rate_to", "sequence", "component_id")
    def _check_brackets(self):
        if not self.env.context.get("membership_tariff_skip_bracket_check"):
            self.component_id._validate_with_engine()

    def unlink(self):
        components = self.component_id
        result = super().unlink()
        if not self.env.context.get("membership_tariff_skip_bracket_check"):
            # deleting a middle bracket leaves a gap
            components.exists()._validate_with_engine()
        return result
