from odoo import api, fields, models


class AccountMove(models.Model):
    """Dues invoices are ordinary customer invoices linked to their
    subscriptions. The subscription's state follows the invoice's state and
    payment state (see README.rst, "Accounting link")."""

    _inherit = "account.move"

    membership_subscription_ids = fields.One2many(
        "membership.subscription", "invoice_id", "Membership Subscriptions", readonly=True
    )
    membership_subscription_count = fields.Integer(compute="_compute_membership_subscription_count")

    @api.depends("membership_subscription_ids")
    def _compute_membership_subscription_count(self):
        counts = dict(
            self.env["membership.subscription"]._read_group(
                [("invoice_id", "in", self.ids)], ["invoice_id"], ["__count"]
            )
        )
        for move in self:
            move.membership_subscription_count = counts.get(move, 0)

    def _membership_send_async(self):
        """Send these invoices by email in the background, with Odoo's own
        invoice sending (PDF, mail template, the member's sending preferences)."""
        self.filtered(lambda move: move.state == "posted").sending_data = {
            "author_user_id": self.env.user.id,
            "author_partner_id": self.env.user.partner_id.id,
        }
        self.env.ref("account.ir_cron_account_move_send")._trigger()

    def action_view_membership_subscriptions(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("membership_dues.membership_subscription_action")
        subscriptions = self.membership_subscription_ids
        if len(subscriptions) == 1:
            action.update(view_mode="form", views=[(False, "form")], res_id=subscriptions.id)
        else:
            action["domain"] = [("invoice_id", "=", self.id)]
        return action
