from odoo import fields, models
from odoo.tools import SQL


class MembershipDuesCollection(models.Model):
    """Collection of dues per plan and campaign: invoiced, collected, still
    due, collection rate and days sales outstanding."""

    _name = "membership.dues.collection"
    _description = "Dues Collection"
    _auto = False
    _order = "company_id, scope desc, plan_id, campaign_id"

    scope = fields.Selection(
        [("plan", "Per Plan"), ("campaign", "Per Campaign")],
        readonly=True,
        help="Each line sums the dues invoices of one plan, or of one campaign: rates are exact on each line.",
    )
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    plan_id = fields.Many2one("membership.plan", readonly=True)
    campaign_id = fields.Many2one("membership.renewal.campaign", readonly=True)
    invoice_count = fields.Integer("Invoices", readonly=True)
    amount_invoiced = fields.Monetary(readonly=True)
    amount_collected = fields.Monetary(readonly=True)
    amount_due = fields.Monetary(readonly=True)
    collection_rate = fields.Float("Collection Rate (%)", digits=(5, 1), readonly=True, aggregator="avg")
    dso = fields.Float(
        "Days Sales Outstanding",
        digits=(6, 1),
        readonly=True,
        aggregator="avg",
        help="What is still due, in days of the dues invoiced over the last 365 days.",
    )

    @property
    def _table_query(self):
        # One set of lines per plan and one per campaign (invoices outside a
        # campaign: joins, regularisations): rates are computed on each line's
        # own sums, never averaged. They sum the lines of the dues analysis.
        return SQL(
            """
            SELECT ROW_NUMBER() OVER (ORDER BY a.company_id, GROUPING(a.plan_id), a.plan_id, a.campaign_id) AS id,
                   CASE WHEN GROUPING(a.plan_id) = 0 THEN 'plan' ELSE 'campaign' END AS scope,
                   a.company_id,
                   MIN(a.currency_id) AS currency_id,
                   a.plan_id,
                   a.campaign_id,
                   COUNT(*) AS invoice_count,
                   SUM(a.amount_invoiced) AS amount_invoiced,
                   SUM(a.amount_collected) AS amount_collected,
                   SUM(a.amount_due) AS amount_due,
                   CASE WHEN SUM(a.amount_invoiced) > 0
                        THEN 100.0 * SUM(a.amount_collected) / SUM(a.amount_invoiced) ELSE 0 END AS collection_rate,
                   CASE WHEN SUM(a.amount_invoiced) FILTER (WHERE a.invoice_date > CURRENT_DATE - 365) > 0
                        THEN 365.0 * SUM(a.amount_due)
                             / SUM(a.amount_invoiced) FILTER (WHERE a.invoice_date > CURRENT_DATE - 365)
                        ELSE 0 END AS dso
              FROM %s a
             GROUP BY GROUPING SETS ((a.company_id, a.plan_id), (a.company_id, a.campaign_id))
            """,
            self.env["membership.dues.analysis"]._table_sql,
        )
