from odoo import fields, models

from .membership_tariff_simulation import CHANGE_BANDS


class MembershipTariffSimulationLine(models.TransientModel):
    _name = "membership.tariff.simulation.line"
    _description = "Tariff Simulation Line"
    _order = "plan_id, difference desc, id"
    _check_company_auto = True

    simulation_id = fields.Many2one(
        "membership.tariff.simulation", required=True, index=True, ondelete="cascade", check_company=True
    )
    company_id = fields.Many2one(related="simulation_id.company_id", store=True, index=True, precompute=True)
    currency_id = fields.Many2one(related="simulation_id.currency_id")
    subscription_id = fields.Many2one(
        "membership.subscription", "Reference Subscription", ondelete="cascade", check_company=True
    )
    partner_id = fields.Many2one("res.partner", "Member", readonly=True, check_company=True)
    plan_id = fields.Many2one("membership.plan", readonly=True, check_company=True)
    category_id = fields.Many2one("membership.category", readonly=True)
    status = fields.Selection([("ok", "Computed"), ("missing", "Figures missing")], readonly=True)
    old_amount = fields.Monetary("Paid", readonly=True)
    new_amount = fields.Monetary("Would Pay", readonly=True)
    difference = fields.Monetary(readonly=True)
    difference_percent = fields.Float("Difference (%)", digits=(12, 2), readonly=True, aggregator="avg")
    change_band = fields.Selection(CHANGE_BANDS, "Change", readonly=True)
    bracket_changed = fields.Boolean("Changes Bracket", readonly=True)
    changed_components = fields.Char("Components Changing Bracket", readonly=True)
    fallback = fields.Boolean("Fallback Used", readonly=True)
    fee_data = fields.Json(readonly=True)
    explanation = fields.Text(readonly=True)

    def write(self, vals):
        if vals.get("simulation_id"):
            # never under another company's simulation: the user must see it
            self.env["membership.tariff.simulation"].browse(vals["simulation_id"]).check_access("read")
        return super().write(vals)
