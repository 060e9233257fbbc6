from odoo import fields, models
from odoo.tools import SQL


class MembershipDeclarationFigureAnalysis(models.Model):
    """One row per figure declared in a campaign, beside the same member's
    value of the year before: the totals declared compared to last year."""

    _name = "membership.declaration.figure.analysis"
    _description = "Declared Figures Compared to Last Year"
    _auto = False
    _order = "campaign_id desc, figure_id, partner_id"

    campaign_id = fields.Many2one("membership.declaration.campaign", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    partner_id = fields.Many2one("res.partner", "Member", readonly=True)
    plan_id = fields.Many2one("membership.plan", readonly=True)
    category_id = fields.Many2one("membership.category", readonly=True)
    year = fields.Integer(readonly=True, aggregator=None)
    figure_id = fields.Many2one("membership.figure", readonly=True)
    value = fields.Float("Declared", digits=(20, 2), readonly=True)
    last_year_value = fields.Float(
        "Last Year", digits=(20, 2), readonly=True, help="The same member's value of the year before, if declared."
    )
    change = fields.Float(digits=(20, 2), readonly=True, help="Declared minus last year's value.")

    @property
    def _table_query(self):
        return SQL(
            """
            SELECT l.id AS id,
                   d.campaign_id,
                   d.company_id,
                   d.partner_id,
                   d.plan_id,
                   d.category_id,
                   d.year,
                   l.figure_id,
                   l.value,
                   prev.value AS last_year_value,
                   l.value - COALESCE(prev.value, 0) AS change
              FROM membership_declaration d
              JOIN membership_declaration_line l ON l.declaration_id = d.id
              LEFT JOIN LATERAL (
                    SELECT pl.value
                      FROM membership_declaration pd
                      JOIN membership_declaration_line pl ON pl.declaration_id = pd.id
                     WHERE pd.partner_id = d.partner_id
                       AND pd.company_id = d.company_id
                       AND pd.year = d.year - 1
                       AND pd.state IN ('declared', 'validated')
                       AND pl.figure_id = l.figure_id
                     LIMIT 1
              ) prev ON TRUE
             WHERE d.campaign_id IS NOT NULL
               AND d.state IN ('declared', 'validated')
            """
        )
