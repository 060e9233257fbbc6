from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..engine import Coefficient, to_decimal


class MembershipTariffCoefficient(models.Model):
    """Members of a category pay a component, or the whole fee, times a
    coefficient (sector, region, size class...)."""

    _name = "membership.tariff.coefficient"
    _inherit = ["membership.tariff.version.part"]
    _description = "Tariff Coefficient by Category"
    _order = "version_id, category_id, id"
    _check_company_auto = True

    version_id = fields.Many2one(
        "membership.tariff.version", required=True, index=True, ondelete="cascade", check_company=True
    )
    company_id = fields.Many2one(related="version_id.company_id", store=True, index=True, precompute=True)
    category_id = fields.Many2one("membership.category", required=True, ondelete="restrict")
    dimension = fields.Selection(related="category_id.dimension")
    factor = fields.Float("Coefficient", digits=(12, 4), required=True, default=1.0)
    component_id = fields.Many2one(
        "membership.tariff.component",
        ondelete="cascade",
        check_company=True,
        domain="[('version_id', '=', version_id)]",
        help="The component multiplied; leave empty to multiply the whole fee.",
    )

    _unique = models.UniqueIndex(
        "(version_id, category_id, COALESCE(component_id, 0))",
        "A category has one coefficient per component (and one for the whole fee) in a version.",
    )

    @api.constrains("factor", "component_id", "version_id")
    def _check_factor(self):
        for coefficient in self:
            if coefficient.factor < 0:
                raise ValidationError(
                    self.env._(
                        "Tariff %(version)s: the coefficient of %(category)s is %(factor)s; it cannot be negative.",
                        version=coefficient.version_id.display_name,
                        category=coefficient.category_id.display_name,
                        factor=coefficient.factor,
                    )
                )
            if coefficient.component_id and coefficient.component_id.version_id != coefficient.version_id:
                raise ValidationError(
                    self.env._(
                        "Tariff %(version)s: the coefficient of %(category)s applies to a component of "
                        "another version.",
                        version=coefficient.version_id.display_name,
                        category=coefficient.category_id.display_name,
                    )
                )

    def _engine_coefficient(self):
        self.ensure_one()
        return Coefficient(
            self.category_id.name,
            to_decimal(self.factor),
            self.component_id.name if self.component_id else None,
        )
