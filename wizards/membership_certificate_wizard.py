from odoo import api, fields, models
from odoo.exceptions import ValidationError


class MembershipCertificateWizard(models.TransientModel):
    """Choose the year of the payment certificates to print for a
    selection of members (one PDF)."""

    _name = "membership.certificate.wizard"
    _description = "Print Payment Certificates"

    partner_ids = fields.Many2many("res.partner", string="Members", required=True)
    year = fields.Integer(required=True, aggregator=None, default=lambda self: self._default_year())

    @api.model
    def _default_year(self):
        """Last year until its dues are all collected (end of March), then this year."""
        today = fields.Date.context_today(self)
        return today.year - 1 if today.month <= 3 else today.year

    @api.constrains("year")
    def _check_year(self):
        for wizard in self:
            if not 1900 <= wizard.year <= 2999:
                raise ValidationError(
                    self.env._("Year %(year)s: enter a year with four digits, e.g. 2026.", year=wizard.year)
                )

    def action_print(self):
        self.ensure_one()
        return self.env["ir.actions.report"]._membership_batch_print(
            "membership_dues.action_report_payment_certificate",
            self.partner_ids,
            self.env._("Payment certificates %(year)s.pdf", year=self.year),
            data={"year": self.year},
        )
