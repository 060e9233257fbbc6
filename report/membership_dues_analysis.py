from odoo import fields, models
from odoo.tools import SQL

AGEING = [
    ("paid", "Paid"),
    ("not_due", "Not Due"),
    ("1_30", "1-30 Days"),
    ("31_60", "31-60 Days"),
    ("61_90", "61-90 Days"),
    ("over_90", "Over 90 Days"),
]


class MembershipDuesAnalysis(models.Model):
    """One line per posted dues invoice: amounts invoiced, collected and due,
    ageing relative to today, days to pay, plan and campaign."""

    _name = "membership.dues.analysis"
    _description = "Dues Analysis"
    _auto = False
    _order = "invoice_date desc, id desc"

    move_id = fields.Many2one("account.move", "Invoice", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    partner_id = fields.Many2one("res.partner", "Member", readonly=True)
    plan_id = fields.Many2one("membership.plan", readonly=True)
    campaign_id = fields.Many2one("membership.renewal.campaign", readonly=True)
    invoice_date = fields.Date(readonly=True)
    date_due = fields.Date("Due Date", readonly=True)
    paid_date = fields.Date("Paid On", readonly=True)
    amount_invoiced = fields.Monetary(readonly=True)
    amount_collected = fields.Monetary(readonly=True)
    amount_due = fields.Monetary(readonly=True)
    days_to_pay = fields.Integer(readonly=True, aggregator="avg")
    days_overdue = fields.Integer(readonly=True, aggregator="max")
    ageing = fields.Selection(AGEING, readonly=True)
    followup_level_id = fields.Many2one("membership.followup.level", "Follow-up Level", readonly=True)

    def _read_group_orderby(self, order, groupby_terms, query):
        # Ageing groups come in the order of the buckets (paid, not due, 1-30
        # ... over 90), not in the alphabetical order of their keys.
        ageing = groupby_terms.get("ageing")
        if ageing is None:
            return super()._read_group_orderby(order, groupby_terms, query)
        rank = SQL(
            "CASE %s %s END",
            ageing,
            SQL(" ").join(SQL("WHEN %s THEN %s", key, index) for index, (key, __) in enumerate(AGEING)),
        )
        groupby_terms["ageing"] = rank
        try:
            return super()._read_group_orderby(order, groupby_terms, query)
        finally:
            groupby_terms["ageing"] = ageing

    @property
    def _table_query(self):
        return SQL(
            """
            SELECT m.id AS id,
                   m.id AS move_id,
                   m.company_id,
                   c.currency_id,
                   m.commercial_partner_id AS partner_id,
                   s.plan_id,
                   r.campaign_id,
                   m.invoice_date,
                   m.invoice_date_due AS date_due,
                   CASE WHEN m.amount_residual_signed <= 0 THEN paid.paid_date END AS paid_date,
                   m.amount_total_signed AS amount_invoiced,
                   m.amount_total_signed - m.amount_residual_signed AS amount_collected,
                   m.amount_residual_signed AS amount_due,
                   CASE WHEN m.amount_residual_signed <= 0 THEN paid.paid_date - m.invoice_date END AS days_to_pay,
                   CASE WHEN m.amount_residual_signed > 0 AND m.invoice_date_due < CURRENT_DATE
                        THEN CURRENT_DATE - m.invoice_date_due ELSE 0 END AS days_overdue,
                   CASE WHEN m.amount_residual_signed <= 0 THEN 'paid'
                        WHEN m.invoice_date_due >= CURRENT_DATE THEN 'not_due'
                        WHEN CURRENT_DATE - m.invoice_date_due <= 30 THEN '1_30'
                        WHEN CURRENT_DATE - m.invoice_date_due <= 60 THEN '31_60'
                        WHEN CURRENT_DATE - m.invoice_date_due <= 90 THEN '61_90'
                        ELSE 'over_90' END AS ageing,
                   m.dues_followup_level_id AS followup_level_id
              FROM account_move m
              JOIN res_company c ON c.id = m.company_id
              LEFT JOIN LATERAL (
                    SELECT l.dues_subscription_id AS id
                      FROM account_move_line l
                     WHERE l.move_id = m.id AND l.dues_subscription_id IS NOT NULL
                     ORDER BY l.id LIMIT 1
              ) link ON TRUE
              LEFT JOIN membership_subscription s ON s.id = link.id
              LEFT JOIN membership_renewal r ON r.subscription_id = s.id
              LEFT JOIN LATERAL (
                    SELECT MAX(apr.max_date) AS paid_date
                      FROM account_move_line l
                      JOIN account_partial_reconcile apr ON apr.debit_move_id = l.id
                     WHERE l.move_id = m.id AND l.display_type = 'payment_term'
              ) paid ON TRUE
             WHERE m.move_type = 'out_invoice' AND m.state = 'posted' AND m.dues_is_invoice
            """
        )
