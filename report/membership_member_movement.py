from odoo import fields, models
from odoo.tools import SQL

from ..models.membership_subscription import PAID_STATES
from ..models.res_partner import STATUS_SUBSCRIPTION_FIELDS
from .membership_member_analysis import main_category_sql

MOVEMENTS = [("joined", "Joined"), ("renewed", "Renewed"), ("left", "Left")]


class MembershipMemberMovement(models.Model):
    """The members' comings and goings, one row per event: a paid joining
    period (joined) or renewal period (renewed) on its first day, and a
    member's last paid period, once its grace is over and when no later
    period follows it (paid or not), on the day after (left: the member did
    not renew). A renewal invoiced but not paid yet is neither renewed nor
    left. Grouped by month, the trend of the membership."""

    _name = "membership.member.movement"
    _description = "Member Trend"
    _auto = False
    _order = "date desc, id desc"
    _depends = {
        "membership.subscription": [*STATUS_SUBSCRIPTION_FIELDS, "kind"],
        "res.partner": ["dues_category_ids"],
    }

    subscription_id = fields.Many2one("membership.subscription", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    partner_id = fields.Many2one("res.partner", "Member", readonly=True)
    plan_id = fields.Many2one("membership.plan", readonly=True)
    category_id = fields.Many2one("membership.category", readonly=True)
    date = fields.Date(readonly=True)
    movement = fields.Selection(MOVEMENTS, readonly=True)
    joined_count = fields.Integer("Joined", readonly=True)
    renewed_count = fields.Integer("Renewed", readonly=True)
    left_count = fields.Integer("Left", readonly=True)
    net_count = fields.Integer("Net Change", readonly=True, help="Members joined minus members left.")
    flow_count = fields.Integer(
        "Comings and Goings",
        readonly=True,
        help="+1 for a member joined or renewed, -1 for a member who left: the monthly trend's bars, up and down.",
    )

    @property
    def _table_query(self):
        today = self.env.context.get("membership_date_ref") or fields.Date.context_today(self)
        return SQL(
            """
            SELECT s.id * 2 AS id,
                   s.id AS subscription_id,
                   s.company_id,
                   s.partner_id,
                   s.plan_id,
                   %(category)s AS category_id,
                   s.date_start AS date,
                   CASE WHEN s.kind = 'join' THEN 'joined' ELSE 'renewed' END AS movement,
                   CASE WHEN s.kind = 'join' THEN 1 ELSE 0 END AS joined_count,
                   CASE WHEN s.kind = 'join' THEN 0 ELSE 1 END AS renewed_count,
                   0 AS left_count,
                   CASE WHEN s.kind = 'join' THEN 1 ELSE 0 END AS net_count,
                   1 AS flow_count
              FROM membership_subscription s
             WHERE s.state IN %(paid)s
             UNION ALL
            SELECT s.id * 2 + 1 AS id,
                   s.id AS subscription_id,
                   s.company_id,
                   s.partner_id,
                   s.plan_id,
                   %(category)s AS category_id,
                   COALESCE(s.grace_date_end, s.date_end) + 1 AS date,
                   'left' AS movement,
                   0 AS joined_count,
                   0 AS renewed_count,
                   1 AS left_count,
                   -1 AS net_count,
                   -1 AS flow_count
              FROM membership_subscription s
             WHERE s.state IN %(paid)s
               AND COALESCE(s.grace_date_end, s.date_end) < %(today)s
               AND NOT EXISTS (
                    SELECT 1
                      FROM membership_subscription n
                     WHERE n.partner_id = s.partner_id
                       AND n.company_id = s.company_id
                       AND n.state != 'cancelled'
                       AND n.date_end > s.date_end
                   )
            """,
            category=main_category_sql(SQL("s.partner_id")),
            paid=PAID_STATES,
            today=today,
        )
