import math

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import format_date, formatLang


class ResCompany(models.Model):
    _inherit = "res.company"

    dues_reminder_delays = fields.Char(
        "Renewal Reminder Delays",
        default="7,21,45",
        help="Days after sending a renewal notice when a member who did not answer is reminded, comma-separated.",
    )
    dues_no_reply_months = fields.Integer(
        "No Reply After (months)",
        default=6,
        help="A notice still without answer after this many months is listed as 'no reply'.",
    )
    dues_link_validity_days = fields.Integer(
        "Renewal Link Validity (days)",
        default=120,
        help="The member's link to answer a notice works this many days after each sending.",
    )
    dues_declaration_change_ratio = fields.Float(
        "Large Change Ratio",
        default=5.0,
        digits=(16, 1),
        groups="base.group_user",  # members need not know where the check starts
        help="A figure declared on the portal more than this many times larger or smaller than last year's "
        "is confirmed by the member and flagged for an officer's check. 0: no check.",
    )

    dues_campaign_workers = fields.Integer(
        "Campaign Workers",
        default=1,
        groups="base.group_user",  # a deployment setting, nothing for members
        help="How many scheduled-action workers share a long run at once (a renewal or declaration campaign, the "
        "daily dues follow-up), each on its own batches of members. More than 1 needs as many cron threads "
        "(--max-cron-threads, on one Odoo server or spread over several on the same database).",
    )

    dues_reference_model = fields.Selection(
        selection="_selection_membership_reference_model",
        string="Dues Payment Reference",
        default="auto",
        required=True,
        help="The payment reference printed on dues invoices and in their QR code. Automatic: the Belgian "
        "structured communication (+++xxx/xxxx/xxxxx+++) for a Belgian company when Belgian accounting is "
        "installed, the European RF creditor reference otherwise.",
    )

    @api.model
    def _selection_membership_reference_model(self):
        journal_models = self.env["account.journal"]._fields["invoice_reference_model"]._description_selection(self.env)
        return [("auto", self.env._("Automatic")), ("journal", self.env._("As the invoice journal"))] + [
            (value, label) for value, label in journal_models if value in ("euro", "be")
        ]

    def _membership_bank_account(self):
        """The account members pay their dues to: the company's first bank account."""
        self.ensure_one()
        return self.partner_id.bank_ids[:1]

    def _membership_letterhead_labels(self):
        """(registry label, VAT label) of the letterhead, in the context's
        language. The partner's own labels are computed fields, cached for
        the first language that reads them in a transaction: a batch of
        documents in several languages would repeat the first one's."""
        self.ensure_one()
        registry = self.partner_id._get_company_registry_labels().get(self.country_id.code)
        return registry or self.env._("Company ID"), self.country_id.vat_label or self.env._("Tax ID")

    def _membership_dateline(self, day, lang_code=None):
        """ "Brussels, 21/11/2026": the place and date line of the letters."""
        self.ensure_one()
        when = format_date(self.env, day, lang_code=lang_code)
        return f"{self.city}, {when}" if self.city else when

    def _membership_reference_model(self):
        """The journal reference model used for dues invoices, or None to
        keep the journal's own."""
        self.ensure_one()
        model = self.dues_reference_model or "auto"
        available = {value for value, _label in self._selection_membership_reference_model()}
        if model == "auto":
            return "be" if "be" in available and self.country_id.code == "BE" else "euro"
        if model == "journal" or model not in available:
            return None
        return model

    @api.constrains("dues_reminder_delays", "dues_no_reply_months", "dues_link_validity_days")
    def _check_membership_settings(self):
        for company in self:
            company._membership_reminder_delays()
            if company.dues_no_reply_months < 1 or company.dues_link_validity_days < 1:
                raise ValidationError(
                    self.env._(
                        "%(company)s: the 'no reply' delay and the link validity must be at least 1.",
                        company=company.name,
                    )
                )

    @api.constrains("dues_declaration_change_ratio")
    def _check_declaration_change_ratio(self):
        for company in self:
            ratio = company.dues_declaration_change_ratio
            if ratio and not 1 < ratio < 1_000_000:
                raise ValidationError(
                    self.env._(
                        "%(company)s: the large change ratio is %(ratio)s; it must be more than 1 (e.g. 5: five "
                        "times larger or smaller than last year's), or 0 for no check.",
                        company=company.name,
                        ratio=formatLang(self.env, ratio, digits=1) if math.isfinite(ratio) else ratio,
                    )
                )

    @api.constrains("dues_campaign_workers")
    def _check_campaign_workers(self):
        for company in self:
            if not 1 <= company.dues_campaign_workers <= 64:
                raise ValidationError(
                    self.env._(
                        "%(company)s: a campaign runs on 1 to 64 workers, not %(count)s.",
                        company=company.name,
                        count=company.dues_campaign_workers,
                    )
                )

    def _membership_reminder_delays(self):
        """The reminder delays as sorted integers; a clear error otherwise."""
        self.ensure_one()
        text = self.dues_reminder_delays or ""
        try:
            delays = sorted(int(part) for part in text.replace(" ", "").split(",") if part)
        except ValueError as error:
            raise ValidationError(
                self.env._(
                    "Renewal reminder delays %(value)r: write whole numbers of days separated by commas, e.g. 7,21,45.",
                    value=text,
                )
            ) from error
        if any(delay <= 0 for delay in delays):
            raise ValidationError(
                self.env._("Renewal reminder delays %(value)r: every delay must be positive.", value=text)
            )
        return delays
