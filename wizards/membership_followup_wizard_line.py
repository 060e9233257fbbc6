from odoo import fields, models


class MembershipFollowupWizardLine(models.TransientModel):
    _name = "membership.followup.wizard.line"
    _description = "Dues Follow-up Preview Line"
    _check_company_auto = True

    wizard_id = fields.Many2one("membership.followup.wizard", required=True, ondelete="cascade", check_company=True)
    company_id = fields.Many2one(related="wizard_id.company_id", store=True, precompute=True)
    partner_id = fields.Many2one("res.partner", "Member", readonly=True, check_company=True)
    level_id = fields.Many2one("membership.followup.level", readonly=True, check_company=True)
    invoice_count = fields.Integer("Invoices", readonly=True)
    currency_id = fields.Many2one(related="wizard_id.company_id.currency_id")
    amount_due = fields.Monetary(readonly=True)
    to_send = fields.Boolean(readonly=True)
    send = fields.Boolean()
    details = fields.Text(readonly=True)
    warning = fields.Text(readonly=True)

    def write(self, vals):
        if vals.get("wizard_id"):
            # never under another company's wizard: the user must see it
            self.env["membership.followup.wizard"].browse(vals["wizard_id"]).check_access("read")
        return super().write(vals)
