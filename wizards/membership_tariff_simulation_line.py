from odoo import fields, models

from .membership_tariff_simulation import CHANGE_BANDS


class MembershipTariffSimulationLine(models.TransientModel):
    _name = "membership.tariff.simulation.line"
    _description = "Tariff Simulation Line"
    _order = "plan_id, difference desc, id"

    simulation_id = fields.Many2one("membership.tariff.simulation", required=True, index=True, ondelete="cascade")
    currency_id = fields.Many2one(related="simulation_id.currency_id")
    subscription_id = fields.Many2one("membership.subscription", "Reference Subscription", ondelete="cascade")
    partner_id = fields.Many2one("res.partner", "Member", readonly=True)
    plan_id = fields.Many2one("membership.plan", readonly=True)
    category_id = fields.Many2one("membership.category", "Category", readonly=True)
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
