from odoo import fields, models
from odoo.tools import SQL


class MembershipFollowupAnalysis(models.Model):
    """One line per follow-up level sent: was the instalment paid within 15
    days after it? Grouped by level, it shows what each level brings in."""

    _name = "membership.followup.analysis"
    _description = "Follow-up Effectiveness"
    _auto = False
    _order = "date desc, id desc"

    line_id = fields.Many2one("membership.followup.line", "Record", readonly=True)
    move_id = fields.Many2one("account.move", "Invoice", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    partner_id = fields.Many2one("res.partner", "Member", readonly=True)
    level_id = fields.Many2one("membership.followup.level", readonly=True)
    date = fields.Date("Sent On", readonly=True)
    sent_count = fields.Integer("Sent", readonly=True)
    paid_within_15 = fields.Integer("Paid within 15 Days", readonly=True)
    paid_later = fields.Integer(readonly=True)
    days_to_pay = fields.Integer("Days to Pay After It", readonly=True, aggregator="avg")

    @property
    def _table_query(self):
        return SQL(
            """
            SELECT f.id AS id,
                   f.id AS line_id,
                   f.move_id,
                   f.company_id,
                   f.partner_id,
                   f.level_id,
                   f.date,
                   1 AS sent_count,
                   CASE WHEN aml.reconciled AND paid.paid_date <= f.date + 15 THEN 1 ELSE 0 END AS paid_within_15,
                   CASE WHEN aml.reconciled AND paid.paid_date > f.date + 15 THEN 1 ELSE 0 END AS paid_later,
                   CASE WHEN aml.reconciled THEN GREATEST(paid.paid_date - f.date, 0) END AS days_to_pay
              FROM membership_followup_line f
              JOIN account_move_line aml ON aml.id = f.move_line_id
              LEFT JOIN LATERAL (
                    SELECT MAX(apr.max_date) AS paid_date
                      FROM account_partial_reconcile apr
                     WHERE apr.debit_move_id = aml.id
              ) paid ON TRUE
             WHERE f.result = 'sent'
            """
        )
