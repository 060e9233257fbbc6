from odoo import api, fields, models


class MembershipDeclarationLine(models.Model):
    _name = "membership.declaration.line"
    _description = "Declared Figure Value"
    _order = "declaration_id, figure_sequence, id"
    _check_company_auto = True

    declaration_id = fields.Many2one(
        "membership.declaration", required=True, index=True, ondelete="cascade", check_company=True
    )
    partner_id = fields.Many2one(related="declaration_id.partner_id", store=True, index=True)
    company_id = fields.Many2one(related="declaration_id.company_id", store=True)
    year = fields.Integer(related="declaration_id.year", store=True, aggregator=None)
    figure_id = fields.Many2one("membership.figure", required=True, ondelete="restrict")
    figure_sequence = fields.Integer(related="figure_id.sequence", store=True)
    value = fields.Float(digits=(20, 2), required=True)
    unit = fields.Char(related="figure_id.unit")

    _figure_unique = models.UniqueIndex("(declaration_id, figure_id)", "A declaration holds each figure once.")

    def write(self, vals):
        if vals.get("declaration_id"):
            # never under another company's declaration: the user must see it
            self.env["membership.declaration"].browse(vals["declaration_id"]).check_access("read")
        return super().write(vals)

    @api.constrains("value", "figure_id")
    def _check_value(self):
        for line in self:
            line.figure_id._check_value(line.value, line.declaration_id.partner_id, line.declaration_id.year)
