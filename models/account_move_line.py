from odoo import fields, models


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    dues_subscription_id = fields.Many2one(
        "membership.subscription",
        "Membership Subscription",
        index="btree_not_null",
        ondelete="set null",
        groups="base.group_user",
        help="The subscription whose period fee or joining fee this line invoices. Kept on the "
        "lines of credit notes that reverse it (copied), so they are dues documents too. "
        "Readable by every internal user: it says which lines bill dues.",
    )
    dues_followup_line_ids = fields.One2many(
        "membership.followup.line",
        "move_line_id",
        "Follow-up Levels Sent",
        readonly=True,
        groups="membership_dues.group_membership_user",
    )
