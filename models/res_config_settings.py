from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    dues_reminder_delays = fields.Char(related="company_id.dues_reminder_delays", readonly=False)
    dues_no_reply_months = fields.Integer(related="company_id.dues_no_reply_months", readonly=False)
    dues_link_validity_days = fields.Integer(related="company_id.dues_link_validity_days", readonly=False)
    dues_reference_model = fields.Selection(related="company_id.dues_reference_model", readonly=False)
    dues_campaign_workers = fields.Integer(related="company_id.dues_campaign_workers", readonly=False)
    dues_declaration_change_ratio = fields.Float(related="company_id.dues_declaration_change_ratio", readonly=False)
