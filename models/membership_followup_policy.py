from odoo import api, fields, models
from odoo.exceptions import ValidationError


class MembershipFollowupPolicy(models.Model):
    """How unpaid dues invoices are followed up: ordered levels, from a
    courtesy reminder before the due date up to a formal notice and
    suspension. A plan may have its own; otherwise the company's default."""

    _name = "membership.followup.policy"
    _description = "Dues Follow-up Policy"
    _inherit = ["mail.thread"]
    _order = "sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True, tracking=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    is_default = fields.Boolean(
        "Company Default", tracking=True, help="Follows up the dues invoices of plans without a policy of their own."
    )
    level_ids = fields.One2many("membership.followup.level", "policy_id", "Levels", copy=True)
    plan_ids = fields.One2many("membership.plan", "followup_policy_id", "Plans")

    _default_unique = models.UniqueIndex(
        "(company_id) WHERE is_default AND active", "A company has one default follow-up policy."
    )

    @api.constrains("level_ids")
    def _check_levels(self):
        for policy in self:
            delays = policy.level_ids.mapped("delay_days")
            if len(delays) != len(set(delays)):
                raise ValidationError(
                    self.env._(
                        "Follow-up policy %(policy)s: two levels have the same number of days; each level needs its "
                        "own day.",
                        policy=policy.name,
                    )
                )

    @api.model
    def _for_company(self, company):
        """The company's default policy; a company without one gets a copy of
        the policy installed with the module."""
        policy = self.sudo().search([("company_id", "=", company.id), ("is_default", "=", True)], limit=1)
        if not policy:
            template = self.env.ref("membership_dues.followup_policy_default", raise_if_not_found=False)
            if template:
                template = template.sudo()
                policy = template.copy({"company_id": company.id, "is_default": True, "name": template.name})
        return policy.sudo(False)
