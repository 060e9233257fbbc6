from odoo import api, fields, models
from odoo.exceptions import ValidationError


class MembershipRenewalRefuseWizard(models.TransientModel):
    """Refuse one or many renewal notices of one company with one reason."""

    _name = "membership.renewal.refuse.wizard"
    _description = "Refuse Renewal Notices"
    _check_company_auto = True

    renewal_ids = fields.Many2many("membership.renewal", string="Renewal Notices", required=True, check_company=True)
    company_id = fields.Many2one(
        "res.company", compute="_compute_company_id", store=True, precompute=True, required=True
    )
    reason_id = fields.Many2one("membership.refusal.reason", required=True)
    note = fields.Text()
    count = fields.Integer(compute="_compute_count")

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if "renewal_ids" in fields_list and not values.get("renewal_ids"):
            active_ids = self.env.context.get("active_ids") or []
            if self.env.context.get("active_model") == "membership.renewal" and active_ids:
                values["renewal_ids"] = [fields.Command.set(active_ids)]
        return values

    @api.depends("renewal_ids")
    def _compute_company_id(self):
        for wizard in self:
            wizard.company_id = wizard.renewal_ids.company_id[:1] or self.env.company

    @api.constrains("renewal_ids")
    def _check_one_company(self):
        for wizard in self:
            companies = wizard.renewal_ids.company_id
            if len(companies) > 1:
                raise ValidationError(
                    self.env._(
                        "The renewal notices to refuse belong to several companies (%(companies)s): refuse the "
                        "notices of one company at a time.",
                        companies=", ".join(companies.mapped("name")),
                    )
                )

    @api.depends("renewal_ids")
    def _compute_count(self):
        for wizard in self:
            wizard.count = len(wizard.renewal_ids)

    def action_refuse(self):
        self.ensure_one()
        return self.renewal_ids.action_refuse(self.reason_id, self.note)
