from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    membership_reminder_delays = fields.Char(related="company_id.membership_reminder_delays", readonly=False)
    membership_no_reply_months = fields.Integer(related="company_id.membership_no_reply_months", readonly=False)
    membership_link_validity_days = fields.Integer(related="company_id.membership_link_validity_days", readonly=False)
    membership_reference_model = fields.Selection(related="company_id.membership_reference_model", readonly=False)
