from odoo import fields, models
from odoo.tools import SQL

from ..models.membership_renewal import NOTICE_STATES


class MembershipRenewalAnalysis(models.Model):
    """One row per renewal notice, with the steps it reached: to send, sent,
    answered, approved, invoiced, paid, refused. Summed over a campaign, the
    campaign's funnel, counted as on the campaign form."""

    _name = "membership.renewal.analysis"
    _description = "Renewal Campaign Funnel"
    _auto = False
    _order = "campaign_id, partner_id"
    _depends = {
        "membership.renewal": [
            "campaign_id",
            "company_id",
            "partner_id",
            "plan_id",
            "category_id",
            "state",
            "date_sent",
            "amount",
            "amount_invoiced",
            "amount_paid",
            "is_paid",
            "subscription_id",
        ],
        "membership.renewal.campaign": ["company_id", "state", "date_from"],
        "membership.subscription": ["invoice_id"],
        "account.move": ["state"],
    }

    renewal_id = fields.Many2one("membership.renewal", "Renewal Notice", readonly=True)
    campaign_id = fields.Many2one("membership.renewal.campaign", readonly=True)
    current_campaign = fields.Boolean(
        readonly=True,
        help="The notice belongs to its company's latest campaign (by 'Periods Ending From') that made notices.",
    )
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    partner_id = fields.Many2one("res.partner", "Member", readonly=True)
    plan_id = fields.Many2one("membership.plan", readonly=True)
    category_id = fields.Many2one("membership.category", readonly=True)
    state = fields.Selection(
        NOTICE_STATES,
        readonly=True,
    )
    date_sent = fields.Date("Sent On", readonly=True)
    notice_count = fields.Integer("Notices", readonly=True)
    to_send_count = fields.Integer("To Send", readonly=True)
    sent_count = fields.Integer("Sent", readonly=True)
    answered_count = fields.Integer("Answered", readonly=True)
    approved_count = fields.Integer("Approved", readonly=True)
    invoiced_count = fields.Integer("Invoiced", readonly=True)
    paid_count = fields.Integer("Paid", readonly=True)
    refused_count = fields.Integer("Refused", readonly=True)
    amount_called = fields.Monetary(readonly=True)
    amount_invoiced = fields.Monetary(readonly=True)
    amount_paid = fields.Monetary(readonly=True)

    @property
    def _table_query(self):
        return SQL(
            """
            WITH current_campaign AS (
                SELECT DISTINCT ON (c.company_id) c.id
                  FROM membership_renewal_campaign c
                 WHERE c.state != 'cancelled'
                   AND EXISTS (SELECT 1 FROM membership_renewal x WHERE x.campaign_id = c.id)
                 ORDER BY c.company_id, c.date_from DESC, c.id DESC
            )
            SELECT r.id AS id,
                   r.id AS renewal_id,
                   r.campaign_id,
                   r.campaign_id IN (SELECT id FROM current_campaign) AS current_campaign,
                   r.company_id,
                   co.currency_id,
                   r.partner_id,
                   r.plan_id,
                   r.category_id,
                   r.state,
                   r.date_sent,
                   1 AS notice_count,
                   CASE WHEN r.state = 'draft' THEN 1 ELSE 0 END AS to_send_count,
                   CASE WHEN r.state NOT IN ('draft', 'cancelled') THEN 1 ELSE 0 END AS sent_count,
                   CASE WHEN r.state IN ('change_requested', 'approved', 'refused') THEN 1 ELSE 0 END
                       AS answered_count,
                   CASE WHEN r.state = 'approved' THEN 1 ELSE 0 END AS approved_count,
                   CASE WHEN r.state = 'approved' AND (m.state = 'posted' OR r.is_paid) THEN 1 ELSE 0 END
                       AS invoiced_count,
                   CASE WHEN r.state = 'approved' AND r.is_paid THEN 1 ELSE 0 END AS paid_count,
                   CASE WHEN r.state = 'refused' THEN 1 ELSE 0 END AS refused_count,
                   CASE WHEN r.state != 'cancelled' THEN COALESCE(r.amount, 0) ELSE 0 END AS amount_called,
                   COALESCE(r.amount_invoiced, 0) AS amount_invoiced,
                   COALESCE(r.amount_paid, 0) AS amount_paid
              FROM membership_renewal r
              JOIN res_company co ON co.id = r.company_id
              LEFT JOIN membership_subscription s ON s.id = r.subscription_id
              LEFT JOIN account_move m ON m.id = s.invoice_id
            """
        )
