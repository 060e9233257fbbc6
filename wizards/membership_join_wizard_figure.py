from odoo import fields, models


class MembershipJoinWizardFigure(models.TransientModel):
    """One figure the plan's tariff reads, as the officer types it in the
    join wizard when the member has not declared it for the fee year."""

    _name = "membership.join.wizard.figure"
    _description = "Figure Typed when Joining"
    _order = "sequence, id"
    _check_company_auto = True

    wizard_id = fields.Many2one(
        "membership.join.wizard", required=True, index=True, ondelete="cascade", check_company=True
    )
    company_id = fields.Many2one(related="wizard_id.company_id", store=True, precompute=True)
    figure_id = fields.Many2one("membership.figure", required=True, ondelete="cascade")
    sequence = fields.Integer()
    # text, not a number: an empty cell is a figure not given yet, not a 0
    value = fields.Char(help="The member's figure for the year, e.g. 1250000 or 1 250 000,50; 0 when it has none.")
    unit = fields.Char(related="figure_id.unit")
    last_year_value = fields.Char("Last Year", help="The member's declared figure of the year before, if any.")
    declared = fields.Boolean(help="Already declared for the year: the fee reads the declared value.")

    def write(self, vals):
        if vals.get("wizard_id"):
            # never under another company's wizard: the user must see it
            self.env["membership.join.wizard"].browse(vals["wizard_id"]).check_access("read")
        return super().write(vals)
