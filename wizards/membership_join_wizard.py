from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import format_date


class MembershipJoinWizard(models.TransientModel):
    """Make a partner join a plan: first period, prorated fee, joining fee,
    then the subscription and its invoice."""

    _name = "membership.join.wizard"
    _description = "Join a Membership Plan"
    _check_company_auto = True

    partner_id = fields.Many2one("res.partner", "Member", required=True, check_company=True)
    plan_id = fields.Many2one(
        "membership.plan",
        required=True,
        domain="[('company_id', 'in', allowed_company_ids)]",
    )
    company_id = fields.Many2one(related="plan_id.company_id", store=True, precompute=True)
    currency_id = fields.Many2one(related="plan_id.currency_id")
    join_date = fields.Date("Joining Date", required=True, default=fields.Date.context_today)
    date_start = fields.Date("Covered From", compute="_compute_terms")
    date_end = fields.Date("Covered Until", compute="_compute_terms")
    full_amount = fields.Monetary("Full Period Fee", compute="_compute_terms")
    amount = fields.Monetary("First Period Fee", compute="_compute_terms")
    joining_fee_amount = fields.Monetary("Joining Fee", compute="_compute_terms")
    amount_total = fields.Monetary("Total (untaxed)", compute="_compute_terms")
    fee_explanation = fields.Text(compute="_compute_terms")
    fee_error = fields.Text(compute="_compute_terms", help="Why the fee cannot be computed yet.")
    post_invoice = fields.Boolean(
        "Post the Invoice",
        compute="_compute_post_invoice",
        store=True,
        readonly=False,
        help="Post the invoice at once; otherwise it is left in draft.",
    )

    @api.depends("plan_id")
    def _compute_post_invoice(self):
        for wizard in self:
            wizard.post_invoice = wizard.plan_id.post_joining_invoice

    @api.depends("partner_id", "plan_id", "join_date")
    def _compute_terms(self):
        empty = {
            "date_start": False,
            "date_end": False,
            "full_amount": 0.0,
            "amount": 0.0,
            "joining_fee_amount": 0.0,
            "amount_total": 0.0,
            "fee_explanation": False,
            "fee_error": False,
        }
        for wizard in self:
            if not (wizard.partner_id and wizard.plan_id and wizard.join_date):
                wizard.update(empty)
                continue
            try:
                values = wizard._subscription_values()
            except (UserError, ValidationError) as error:
                # shown in the wizard; confirming raises it
                wizard.update({**empty, "fee_error": error.args[0]})
                continue
            preview = self.env["membership.subscription"].new(values)
            wizard.update(
                {
                    "date_start": values["date_start"],
                    "date_end": values["date_end"],
                    "full_amount": values["full_amount"],
                    "amount": values["amount"],
                    "joining_fee_amount": values["joining_fee_amount"],
                    "amount_total": values["amount"] + values["joining_fee_amount"],
                    "fee_explanation": "\n".join(preview._fee_explanation_lines()),
                    "fee_error": False,
                }
            )

    def _subscription_values(self):
        self.ensure_one()
        terms, joining_fee, quote = self.plan_id._get_join_terms(self.partner_id, self.join_date)
        subscription = self.env["membership.subscription"]
        return {
            **subscription._quote_values(quote),
            "partner_id": self.partner_id.id,
            "plan_id": self.plan_id.id,
            "kind": "join",
            "date_start": terms.coverage.start,
            "date_end": terms.coverage.end,
            "period_anchor_day": terms.anchor_day,
            "full_amount": float(terms.full_fee),
            "amount": float(terms.amount),
            "joining_fee_amount": float(joining_fee),
            "proration_method": terms.method,
            "proration_numerator": terms.numerator,
            "proration_denominator": terms.denominator,
            "cutoff_applied": terms.cutoff_applied,
        }

    def action_confirm(self):
        self.ensure_one()
        if not self.plan_id.active:
            raise UserError(self.env._("The plan %(plan)s is archived: choose an active plan.", plan=self.plan_id.name))
        subscription = self.env["membership.subscription"].create(self._subscription_values())
        subscription._create_invoices(post=self.post_invoice)
        subscription.message_post(
            body=self.env._(
                "Joined %(plan)s on %(date)s.",
                plan=self.plan_id.name,
                date=format_date(self.env, self.join_date),
            )
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": "membership.subscription",
            "res_id": subscription.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }

    def write(self, vals):
        if vals.get("plan_id"):
            # never under another company's plan: the user must see it
            self.env["membership.plan"].browse(vals["plan_id"]).check_access("read")
        return super().write(vals)
