from odoo import fields, models


class MembershipRenewalCampaignFailure(models.Model):
    """A member a campaign could not renew, with the error: the campaign goes
    on with the others, and Retry Failed tries these again."""

    _name = "membership.renewal.campaign.failure"
    _description = "Renewal Campaign Failure"
    _order = "date desc, id desc"
    _check_company_auto = True

    campaign_id = fields.Many2one(
        "membership.renewal.campaign", required=True, index=True, ondelete="cascade", check_company=True
    )
    company_id = fields.Many2one(related="campaign_id.company_id", store=True)
    subscription_id = fields.Many2one(
        "membership.subscription", "Subscription", required=True, ondelete="cascade", check_company=True
    )
    partner_id = fields.Many2one("res.partner", "Member", check_company=True)
    error = fields.Text(required=True)
    date = fields.Datetime(required=True, default=fields.Datetime.now)

    _campaign_subscription_unique = models.UniqueIndex(
        "(campaign_id, subscription_id)", "A campaign records one failure per subscription (the latest)."
    )

    def write(self, vals):
        if vals.get("campaign_id"):
            # never under another company's campaign: the user must see it
            self.env["membership.renewal.campaign"].browse(vals["campaign_id"]).check_access("read")
        return super().write(vals)
