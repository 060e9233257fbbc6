from odoo import fields, models


class MembershipCategory(models.Model):
    """A category of members (sector, region, size class...). Tariff grid
    versions give coefficients per category."""

    _name = "membership.category"
    _description = "Member Category"
    _order = "dimension, sequence, name"

    name = fields.Char(required=True, translate=True)
    dimension = fields.Selection(
        [("sector", "Sector"), ("region", "Region"), ("size", "Size Class"), ("other", "Other")],
        required=True,
        default="sector",
    )
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    partner_ids = fields.Many2many(
        "res.partner",
        "membership_category_res_partner_rel",
        "category_id",
        "partner_id",
        "Members",
    )

    _name_unique = models.UniqueIndex(
        "(dimension, name)", "A category with this name already exists in this dimension."
    )
