from odoo import fields, models
from odoo.tools import SQL

from ..models.membership_declaration import DECLARATION_STATES


class MembershipDeclarationAnalysis(models.Model):
    """One row per declaration a campaign asked for: asked, opened, declared,
    validated, late. Grouped by plan and category it is the campaign's
    progress."""

    _name = "membership.declaration.analysis"
    _description = "Declaration Campaign Progress"
    _auto = False
    _order = "campaign_id desc, partner_id"

    declaration_id = fields.Many2one("membership.declaration", readonly=True)
    campaign_id = fields.Many2one("membership.declaration.campaign", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    partner_id = fields.Many2one("res.partner", "Member", readonly=True)
    plan_id = fields.Many2one("membership.plan", readonly=True)
    category_id = fields.Many2one("membership.category", readonly=True)
    year = fields.Integer(readonly=True, aggregator=None)
    state = fields.Selection(DECLARATION_STATES, readonly=True)
    asked_count = fields.Integer("Asked", readonly=True)
    opened_count = fields.Integer("Opened", readonly=True)
    declared_count = fields.Integer("Declared", readonly=True)
    validated_count = fields.Integer("Validated", readonly=True)
    unanswered_count = fields.Integer("Not Answered", readonly=True)
    late_count = fields.Integer("Late", readonly=True, help="Not answered after the deadline.")
    declared_late_count = fields.Integer("Declared Late", readonly=True)
    reminder_count = fields.Integer("Reminders", readonly=True)
    large_change_count = fields.Integer("Large Changes to Check", readonly=True)
    fallback_count = fields.Integer(
        "Fallback Used",
        readonly=True,
        help="The member's fee of the year was computed by the plan's fallback rule, without declared figures.",
    )

    @property
    def _table_query(self):
        return SQL(
            """
            SELECT d.id AS id,
                   d.id AS declaration_id,
                   d.campaign_id,
                   d.company_id,
                   d.partner_id,
                   d.plan_id,
                   d.category_id,
                   d.year,
                   d.state,
                   1 AS asked_count,
                   CASE WHEN d.date_opened IS NOT NULL THEN 1 ELSE 0 END AS opened_count,
                   CASE WHEN d.state IN ('declared', 'validated') THEN 1 ELSE 0 END AS declared_count,
                   CASE WHEN d.state = 'validated' THEN 1 ELSE 0 END AS validated_count,
                   CASE WHEN d.state = 'to_declare' THEN 1 ELSE 0 END AS unanswered_count,
                   CASE WHEN d.state = 'to_declare' AND d.deadline < %(today)s THEN 1 ELSE 0 END AS late_count,
                   CASE WHEN d.is_late THEN 1 ELSE 0 END AS declared_late_count,
                   CASE WHEN d.large_change THEN 1 ELSE 0 END AS large_change_count,
                   (SELECT COUNT(*) FROM membership_declaration_reminder r
                     WHERE r.declaration_id = d.id AND r.error IS NULL) AS reminder_count,
                   CASE WHEN EXISTS (
                            SELECT 1 FROM membership_renewal n
                             WHERE n.partner_id = d.partner_id AND n.company_id = d.company_id
                               AND n.fee_year = d.year AND n.fee_fallback AND n.state != 'cancelled'
                        ) OR EXISTS (
                            SELECT 1 FROM membership_subscription s
                             WHERE s.partner_id = d.partner_id AND s.company_id = d.company_id
                               AND s.fee_year = d.year AND s.fee_fallback AND s.state != 'cancelled'
                        ) THEN 1 ELSE 0 END AS fallback_count
              FROM membership_declaration d
             WHERE d.campaign_id IS NOT NULL
            """,
            today=fields.Date.context_today(self),
        )
