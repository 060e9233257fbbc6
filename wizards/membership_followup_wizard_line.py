from odoo import fields, models


class MembershipFollowupWizardLine(models.TransientModel):
    _name = "membership.followup.wizard.line"
    _description = "Dues Follow-up Preview Line"

    wizard_id = fields.Many2one("membership.followup.wizard", required=True, ondelete="cascade")
    partner_id = fields.Many2one("res.partner", "Member", readonly=True)
    level_id = fields.Many2one("membership.followup.level", "Level", readonly=True)
    invoice_count = fields.Integer("Invoices", readonly=True)
    currency_id = fields.Many2one(related="wizard_id.company_id.currency_id")
    amount_due = fields.Monetary(readonly=True)
    to_send = fields.Boolean(readonly=True)
    send = fields.Boolean()
    details = fields.Text(readonly=True)
    warning = fields.Text(readonly=True)
