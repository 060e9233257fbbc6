from collections import Counter
from datetime import date

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_date

from ..engine import to_decimal
from ..tools.fee_explanation import explain_fee

CHANGE_BANDS = [
    ("down_more", "Down more than 10 %"),
    ("down", "Down up to 10 %"),
    ("same", "Unchanged"),
    ("up", "Up to 10 %"),
    ("up_more", "Up more than 10 %"),
    ("missing", "Figures missing"),
]


def _band(old, new):
    if old == new:
        return "same"
    if not old:
        return "up_more"
    change = (new - old) / old
    if change < -0.1:
        return "down_more"
    if change < 0:
        return "down"
    return "up" if change <= 0.1 else "up_more"


class MembershipTariffSimulation(models.TransientModel):
    """Apply a tariff version, draft or adopted, to the members of a reference
    period without changing anything: what each member paid, what they would
    pay, the difference and why."""

    _name = "membership.tariff.simulation"
    _description = "Tariff Simulation"
    _check_company_auto = True

    version_id = fields.Many2one("membership.tariff.version", "Version to Simulate", required=True, check_company=True)
    tariff_id = fields.Many2one(related="version_id.tariff_id")
    company_id = fields.Many2one(related="version_id.company_id", store=True, precompute=True)
    currency_id = fields.Many2one(related="version_id.currency_id")
    date_from = fields.Date(
        "Reference Periods From",
        required=True,
        default=lambda self: date(fields.Date.context_today(self).year - 1, 1, 1),
        help="Subscriptions starting in this range, with the figures their fees were computed on, are the "
        "reference members.",
    )
    date_to = fields.Date(
        "To", required=True, default=lambda self: date(fields.Date.context_today(self).year - 1, 12, 31)
    )
    plan_ids = fields.Many2many(
        "membership.plan",
        string="Plans",
        check_company=True,
        help="Reference subscriptions of these plans; all the plans using this tariff grid when empty.",
    )
    category_dimension = fields.Selection(
        [("sector", "Sector"), ("region", "Region"), ("size", "Size Class"), ("other", "Other")],
        "Categories by",
        default="sector",
        help="Which category of the members the results are grouped by.",
    )
    line_ids = fields.One2many("membership.tariff.simulation.line", "simulation_id", "Members")
    state = fields.Selection([("draft", "To Run"), ("done", "Done")], default="draft")
    member_count = fields.Integer(compute="_compute_totals")
    old_total = fields.Monetary("Paid", compute="_compute_totals")
    new_total = fields.Monetary("Would Pay", compute="_compute_totals")
    difference_total = fields.Monetary("Difference", compute="_compute_totals")
    increase_count = fields.Integer("Pay More", compute="_compute_totals")
    decrease_count = fields.Integer("Pay Less", compute="_compute_totals")
    unchanged_count = fields.Integer("Unchanged", compute="_compute_totals")
    missing_count = fields.Integer("Figures Missing", compute="_compute_totals")
    bracket_change_count = fields.Integer("Change Bracket", compute="_compute_totals")
    summary = fields.Text(compute="_compute_totals")

    def write(self, vals):
        if vals.get("version_id"):
            # never under another company's version: the user must see it
            self.env["membership.tariff.version"].browse(vals["version_id"]).check_access("read")
        return super().write(vals)

    @api.depends("line_ids")
    def _compute_totals(self):
        for simulation in self:
            lines = simulation.line_ids
            computed = lines.filtered(lambda line: line.status == "ok")
            simulation.member_count = len(lines)
            simulation.old_total = sum(computed.mapped("old_amount"))
            simulation.new_total = sum(computed.mapped("new_amount"))
            simulation.difference_total = simulation.new_total - simulation.old_total
            simulation.increase_count = len(computed.filtered(lambda line: line.difference > 0))
            simulation.decrease_count = len(computed.filtered(lambda line: line.difference < 0))
            simulation.unchanged_count = len(computed.filtered(lambda line: not line.difference))
            simulation.missing_count = len(lines) - len(computed)
            simulation.bracket_change_count = len(lines.filtered("bracket_changed"))
            by_plan = Counter()
            for line in computed:
                by_plan[line.plan_id.name] += line.difference
            simulation.summary = "\n".join(
                self.env._(
                    "%(plan)s: %(difference)s",
                    plan=plan,
                    difference=f"{difference:+,.2f} {simulation.currency_id.name}",
                )
                for plan, difference in sorted(by_plan.items())
            )

    def _reference_subscriptions(self):
        self.ensure_one()
        plans = self.plan_ids or self.version_id.tariff_id.plan_ids
        return self.env["membership.subscription"].search(
            [
                ("plan_id", "in", plans.ids),
                ("date_start", ">=", self.date_from),
                ("date_start", "<=", self.date_to),
                ("state", "!=", "cancelled"),
            ],
            order="plan_id, partner_id, date_start",
        )

    def action_run(self):
        """Compute every reference member's fee with the simulated version,
        in batches per plan and figures year (queries do not grow with the
        number of members). Nothing but the simulation's lines is written."""
        self.ensure_one()
        if self.date_to < self.date_from:
            raise UserError(self.env._("The reference period ends before it starts."))
        subscriptions = self._reference_subscriptions()
        if not subscriptions:
            raise UserError(
                self.env._(
                    "No subscription of these plans starts between %(start)s and %(end)s: choose another "
                    "reference period.",
                    start=format_date(self.env, self.date_from),
                    end=format_date(self.env, self.date_to),
                )
            )
        self.line_ids.unlink()
        subscriptions.fetch(["partner_id", "plan_id", "full_amount", "fee_year", "fee_data", "date_start"])
        values = []
        for (plan, year), subs in subscriptions.grouped(lambda s: (s.plan_id, s.fee_year or s.date_start.year)).items():
            partners = subs.partner_id
            quotes = plan._compute_period_fees(partners, self.version_id.date_from, version=self.version_id, year=year)
            categories = self._categories_by_partner(partners)
            for sub in subs:
                values.append(self._line_values(sub, quotes[sub.partner_id.id], categories.get(sub.partner_id.id)))
        self.env["membership.tariff.simulation.line"].create(values)
        self.state = "done"
        return self.action_open_lines()

    def _categories_by_partner(self, partners):
        result = {}
        for partner in partners:
            category = partner.dues_category_ids.filtered(lambda c: c.dimension == self.category_dimension)[:1]
            result[partner.id] = category.id
        return result

    def _line_values(self, subscription, quote, category_id):
        old = to_decimal(subscription.full_amount)
        values = {
            "simulation_id": self.id,
            "subscription_id": subscription.id,
            "partner_id": subscription.partner_id.id,
            "plan_id": subscription.plan_id.id,
            "category_id": category_id or False,
            "old_amount": float(old),
            "fallback": quote.fallback,
        }
        if quote.error:
            return {**values, "status": "missing", "change_band": "missing", "explanation": quote.error}
        new = quote.amount
        old_brackets = _bracket_keys(subscription.fee_data)
        new_brackets = _bracket_keys(quote.data)
        changed = sorted(
            name for name in new_brackets if name in old_brackets and old_brackets[name] != new_brackets[name]
        )
        return {
            **values,
            "status": "ok",
            "new_amount": float(new),
            "difference": float(new - old),
            "difference_percent": float((new - old) / old * 100) if old else 0.0,
            "change_band": _band(old, new),
            "bracket_changed": bool(changed),
            "changed_components": ", ".join(changed),
            "fee_data": quote.data,
            "explanation": "\n".join(explain_fee(self.env, quote.data, self.currency_id)),
        }

    def action_open_lines(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "membership_dues.membership_tariff_simulation_line_action"
        )
        action["domain"] = [("simulation_id", "=", self.id)]
        action["context"] = {"search_default_groupby_plan": 1}
        action["name"] = self.env._("Simulation of %(version)s", version=self.version_id.display_name)
        return action


def _bracket_keys(data):
    """Which bracket each bracketed component used, from a stored explanation."""
    result = (data or {}).get("result") or {}
    return {c["name"]: c["details"][-1].get("index") for c in result.get("components", []) if c.get("details")}
