from odoo import fields, models


class MembershipFollowupLine(models.Model):
    """One follow-up level sent for one instalment of a dues invoice.

    The unique index on (instalment, level) is what makes the run idempotent:
    a level is never sent twice for the same instalment, whether the run is
    repeated, resumed after a crash, or runs on two workers at once.
    """

    _name = "membership.followup.line"
    _description = "Dues Follow-up Record"
    _order = "date desc, id desc"
    _check_company_auto = True

    move_line_id = fields.Many2one("account.move.line", "Instalment", required=True, index=True, ondelete="cascade")
    move_id = fields.Many2one(related="move_line_id.move_id", store=True, index=True, string="Invoice")
    company_id = fields.Many2one(related="move_line_id.company_id", store=True)
    currency_id = fields.Many2one(related="move_line_id.company_currency_id")
    partner_id = fields.Many2one("res.partner", "Member", required=True, index=True, check_company=True)
    level_id = fields.Many2one("membership.followup.level", required=True, ondelete="restrict", check_company=True)
    delay_days = fields.Integer(related="level_id.delay_days")
    communication_id = fields.Many2one(
        "membership.followup.communication", index="btree_not_null", ondelete="set null", check_company=True
    )
    date = fields.Date(required=True)
    channels = fields.Char(help="How the member was reached: email, letter, SMS, phone call.")
    amount_due = fields.Monetary(help="The instalment's residual when the level was sent.")
    late_fee_move_id = fields.Many2one("account.move", "Late Fee Invoice", ondelete="set null", check_company=True)
    result = fields.Selection(
        [("sent", "Sent"), ("failed", "Failed")], required=True, default="sent", help="Whether the sending succeeded."
    )
    note = fields.Text()

    _instalment_level_unique = models.UniqueIndex(
        "(move_line_id, level_id)", "A follow-up level is sent once per instalment."
    )

    def write(self, vals):
        if vals.get("move_line_id"):
            # never under another company's invoice: the user must see the new instalment
            self.env["account.move.line"].browse(vals["move_line_id"]).check_access("read")
        return super().write(vals)
