from odoo import fields, models


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    membership_subscription_id = fields.Many2one(
        "membership.subscription",
        "Membership Subscription",
        index="btree_not_null",
        ondelete="set null",
        help="The subscription whose period fee or joining fee this line invoices. Kept on the "
        "lines of credit notes that reverse it.",
    )
    membership_followup_line_ids = fields.One2many(
        "membership.followup.line", "move_line_id", "Follow-up Levels Sent", readonly=True
    )
