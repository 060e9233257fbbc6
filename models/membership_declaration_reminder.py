from odoo import fields, models


class MembershipDeclarationReminder(models.Model):
    """A reminder sent (or failed) to a member who had not declared: one per
    declaration and step of its campaign, so that no step is sent twice."""

    _name = "membership.declaration.reminder"
    _description = "Declaration Reminder"
    _order = "date desc, id desc"
    _check_company_auto = True

    declaration_id = fields.Many2one(
        "membership.declaration", required=True, index=True, ondelete="cascade", check_company=True
    )
    company_id = fields.Many2one(related="declaration_id.company_id", store=True)
    partner_id = fields.Many2one(related="declaration_id.partner_id", store=True, string="Member")
    step = fields.Integer(required=True, help="The campaign's reminder step, from 0.")
    date = fields.Date(required=True, default=fields.Date.context_today)
    error = fields.Text(help="Why the reminder could not be sent; it is not retried.")

    _declaration_step_unique = models.UniqueIndex(
        "(declaration_id, step)", "A member gets each reminder of a campaign once."
    )

    def write(self, vals):
        if vals.get("declaration_id"):
            # never under another company's declaration: the user must see it
            self.env["membership.declaration"].browse(vals["declaration_id"]).check_access("read")
        return super().write(vals)
