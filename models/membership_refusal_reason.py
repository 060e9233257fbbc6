from odoo import fields, models


class MembershipRefusalReason(models.Model):
    _name = "membership.refusal.reason"
    _description = "Renewal Refusal Reason"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
