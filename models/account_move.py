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

    def action_view_membership_subscriptions(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("membership_dues.membership_subscription_action")
        subscriptions = self.membership_subscription_ids
        if len(subscriptions) == 1:
            action.update(view_mode="form", views=[(False, "form")], res_id=subscriptions.id)
        else:
            action["domain"] = [("invoice_id", "=", self.id)]
        return action
