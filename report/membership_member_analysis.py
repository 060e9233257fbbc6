from odoo import fields, models
from odoo.tools import SQL

from ..models.membership_subscription import PAID_STATES
from ..models.res_partner import MEMBERSHIP_STATES, RANK, STATUS_SUBSCRIPTION_FIELDS


def main_category_sql(partner):
    """The member's sector, else its first category (as on renewal notices)."""
    return SQL(
        """(SELECT c.id
              FROM membership_category_res_partner_rel rel
              JOIN membership_category c ON c.id = rel.category_id
             WHERE rel.partner_id = %s AND c.active
             ORDER BY c.dimension = 'sector' DESC, c.dimension, c.sequence, c.id
             LIMIT 1)""",
        partner,
    )


class MembershipMemberAnalysis(models.Model):
    """One row per member and company: the member's status today, current
    plan, category, member-since and paid-until dates. The status follows
    the contact's own (res.partner.dues_member_state), evaluated for each
    company of the member's subscriptions instead of the current one."""

    _name = "membership.member.analysis"
    _description = "Members Today"
    _auto = False
    _order = "company_id, partner_id"
    _depends = {
        "membership.subscription": list(STATUS_SUBSCRIPTION_FIELDS),
        "res.partner": ["commercial_partner_id", "dues_suspended", "dues_category_ids"],
    }

    company_id = fields.Many2one("res.company", readonly=True)
    partner_id = fields.Many2one("res.partner", "Member", readonly=True)
    plan_id = fields.Many2one(
        "membership.plan", "Current Plan", readonly=True, help="The plan covering today, else the last one paid."
    )
    category_id = fields.Many2one("membership.category", readonly=True, help="The member's sector (or first category).")
    state = fields.Selection(MEMBERSHIP_STATES, "Status Today", readonly=True)
    date_start = fields.Date("Member Since", readonly=True)
    date_end = fields.Date("Paid Until", readonly=True)
    member_count = fields.Integer("Members", readonly=True, help="1 for a member, in grace or suspended, else 0.")

    @property
    def _table_query(self):
        Partner = self.env["res.partner"]
        today = Partner._membership_today()
        paid = SQL("o.state IN %s", PAID_STATES)
        owners = SQL("o.partner_id IN (p.id, p.commercial_partner_id) AND o.company_id = m.company_id")
        suspended = SQL("COALESCE((op.dues_suspended ->> m.company_id::text)::boolean, FALSE)")
        # the rank of res.partner._membership_state_sql, per company
        rank = Partner._membership_rank_aggregate_sql("o", today, suspended)
        state = Partner._membership_state_of_rank_sql(SQL("st.rank"))
        return SQL(
            """
            SELECT m.id,
                   m.company_id,
                   m.partner_id,
                   COALESCE(cur.plan_id, last.plan_id) AS plan_id,
                   %(category)s AS category_id,
                   %(state)s AS state,
                   st.date_start,
                   st.date_end,
                   CASE WHEN st.rank >= %(r_suspended)s THEN 1 ELSE 0 END AS member_count
              FROM (
                    -- one row per member and company; the id of its first subscription there
                    SELECT MIN(s.id) AS id, s.company_id, s.partner_id
                      FROM membership_subscription s
                     WHERE s.state != 'cancelled'
                     GROUP BY s.company_id, s.partner_id
                   ) m
              JOIN res_partner p ON p.id = m.partner_id
              LEFT JOIN LATERAL (
                    SELECT %(rank)s AS rank,
                           MIN(o.date_start) FILTER (WHERE %(paid)s) AS date_start,
                           MAX(o.date_end) FILTER (WHERE %(paid)s) AS date_end
                      FROM membership_subscription o
                      JOIN res_partner op ON op.id = o.partner_id
                     WHERE %(owners)s
                       AND (%(paid)s OR (o.state = 'waiting_payment' AND %(suspended)s))
                   ) st ON TRUE
              LEFT JOIN LATERAL (
                    SELECT o.plan_id
                      FROM membership_subscription o
                     WHERE %(owners)s AND %(paid)s
                     ORDER BY (o.date_start <= %(today)s AND o.date_end >= %(today)s) DESC,
                              (o.partner_id = p.id) DESC, o.date_end DESC, o.id DESC
                     LIMIT 1
                   ) cur ON TRUE
              LEFT JOIN LATERAL (
                    SELECT o.plan_id
                      FROM membership_subscription o
                     WHERE o.partner_id = m.partner_id AND o.company_id = m.company_id AND o.state != 'cancelled'
                     ORDER BY o.date_end DESC, o.id DESC
                     LIMIT 1
                   ) last ON TRUE
            """,
            category=main_category_sql(SQL("m.partner_id")),
            state=state,
            rank=rank,
            paid=paid,
            owners=owners,
            suspended=suspended,
            today=today,
            r_suspended=RANK["suspended"],
        )
