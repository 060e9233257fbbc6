from datetime import timedelta

from odoo import api, fields, models


class MembershipRenewalCampaignFailure(models.Model):
    """A member a campaign could not renew, with the error and what to do:
    the campaign goes on with the others, the officer opens the member or the
    declaration of the fee year from the failure, and Retry Failed tries
    these again."""

    _name = "membership.renewal.campaign.failure"
    _description = "Renewal Campaign Failure"
    _order = "date desc, id desc"
    _check_company_auto = True

    campaign_id = fields.Many2one(
        "membership.renewal.campaign", required=True, index=True, ondelete="cascade", check_company=True
    )
    company_id = fields.Many2one(related="campaign_id.company_id", store=True)
    subscription_id = fields.Many2one("membership.subscription", required=True, ondelete="cascade", check_company=True)
    partner_id = fields.Many2one("res.partner", "Member", check_company=True)
    error = fields.Text(required=True)
    date = fields.Datetime(required=True, default=fields.Datetime.now)
    fee_year = fields.Integer(
        compute="_compute_fee_year",
        aggregator=None,
        help="The year of the figures the fee of the next period reads (the year it starts).",
    )
    reads_figures = fields.Boolean(
        compute="_compute_fee_year", help="The plan's fee comes from a tariff grid on declared figures."
    )

    _campaign_subscription_unique = models.UniqueIndex(
        "(campaign_id, subscription_id)", "A campaign records one failure per subscription (the latest)."
    )

    @api.depends("subscription_id.date_end", "subscription_id.plan_id.tariff_id")
    def _compute_fee_year(self):
        for failure in self:
            subscription = failure.subscription_id
            # the campaign asks the fee of the period starting the day after
            failure.fee_year = (subscription.date_end + timedelta(days=1)).year if subscription.date_end else 0
            failure.reads_figures = bool(subscription.plan_id.tariff_id)

    def write(self, vals):
        if vals.get("campaign_id"):
            # never under another company's campaign: the user must see it
            self.env["membership.renewal.campaign"].browse(vals["campaign_id"]).check_access("read")
        return super().write(vals)

    def _member(self):
        self.ensure_one()
        return self.partner_id or self.subscription_id.partner_id

    def _fee_year_declaration(self, create=False):
        """The member's declaration of the fee year in the campaign's
        company; with ``create``, a new one to declare if there is none."""
        self.ensure_one()
        Declaration = self.env["membership.declaration"]
        values = {"partner_id": self._member().id, "company_id": self.company_id.id, "year": self.fee_year}
        declaration = Declaration.search([(name, "=", value) for name, value in values.items()], limit=1)
        if not declaration and create:
            declaration = Declaration.create({**values, "state": "to_declare", "source": "manual"})
        return declaration

    def action_open_member(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "res.partner",
            "res_id": self._member().id,
            "view_mode": "form",
            "views": [(False, "form")],
        }

    def action_open_declaration(self):
        """The member's declaration of the fee year, created to declare if
        missing, for the officer to type the figures."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "membership.declaration",
            "res_id": self._fee_year_declaration(create=True).id,
            "view_mode": "form",
            "views": [(False, "form")],
        }
