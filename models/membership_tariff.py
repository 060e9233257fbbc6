from odoo import api, fields, models


class MembershipTariff(models.Model):
    """A tariff grid (barème): the way a plan's fee is computed from the
    member's declared figures, in versions valid for date ranges."""

    _name = "membership.tariff"
    _description = "Tariff Grid"
    _inherit = ["mail.thread"]
    _order = "name, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True, tracking=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    currency_id = fields.Many2one(related="company_id.currency_id")
    description = fields.Html(translate=True)
    version_ids = fields.One2many("membership.tariff.version", "tariff_id", "Versions")
    plan_ids = fields.One2many("membership.plan", "tariff_id", "Plans")
    version_count = fields.Integer(compute="_compute_version_count")

    @api.depends("version_ids")
    def _compute_version_count(self):
        counts = dict(
            self.env["membership.tariff.version"]._read_group(
                [("tariff_id", "in", self.ids)], ["tariff_id"], ["__count"]
            )
        )
        for tariff in self:
            tariff.version_count = counts.get(tariff, 0)

    def _version_on(self, day):
        """The adopted version in force on ``day``, or an empty recordset."""
        self.ensure_one()
        return self.env["membership.tariff.version"].search(
            [
                ("tariff_id", "=", self.id),
                ("state", "=", "adopted"),
                ("date_from", "<=", day),
                "|",
                ("date_to", "=", False),
                ("date_to", ">=", day),
            ],
            order="date_from desc",
            limit=1,
        )

    def action_view_versions(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("membership_dues.membership_tariff_version_action")
        action["domain"] = [("tariff_id", "=", self.id)]
        action["context"] = {"default_tariff_id": self.id}
        return action
