from datetime import date
from unittest.mock import patch

from psycopg2 import IntegrityError

from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from ..models import membership_subscription
from ..tools.orm_batch import refresh_statistics
from .common import MembershipRenewalCommon


class SimulatedCrash(Exception):
    """The worker dies right after committing a batch."""


@tagged("post_install", "-at_install")
class TestCampaign(MembershipRenewalCommon):
    def test_launch_creates_one_notice_per_member_for_the_next_period(self):
        campaign = self.make_campaign()
        renewals = self.run_campaign(campaign)
        self.assertEqual(len(renewals), 4)
        self.assertEqual(renewals.partner_id, self.members)
        self.assertEqual(set(renewals.mapped("date_start")), {date(2027, 1, 1)})
        self.assertEqual(set(renewals.mapped("date_end")), {date(2027, 12, 31)})
        self.assertEqual(set(renewals.mapped("amount")), {240.0})
        self.assertEqual(set(renewals.mapped("state")), {"draft"}, "send_on_launch is off")
        self.assertEqual(renewals.previous_subscription_id, self.subscriptions)
        self.assertEqual(campaign.state, "done")
        self.assertEqual((campaign.member_count, campaign.done_count, campaign.todo_count), (4, 4, 0))

    def test_anniversary_periods_in_a_date_range(self):
        periods = [("2026-03-15", "2027-03-14"), ("2026-04-30", "2027-04-29"), ("2026-06-01", "2027-05-31")]
        for index, (start, end) in enumerate(periods):
            partner = self.env["res.partner"].create({"name": f"Anniversary {index}"})
            self.paid_subscription(partner, self.plan_anniversary, start, end)
        campaign = self.make_campaign(
            plan_ids=[(6, 0, self.plan_anniversary.ids)], date_from="2027-03-01", date_to="2027-04-30"
        )
        renewals = self.run_campaign(campaign)
        self.assertEqual(
            sorted((r.date_start, r.date_end) for r in renewals),
            [(date(2027, 3, 15), date(2028, 3, 14)), (date(2027, 4, 30), date(2028, 4, 29))],
        )

    def test_auto_renew_invoices_directly_and_tells_the_member(self):
        self.members[0].dues_renewal_mode = "invoice"
        self.plan_anniversary.renewal_mode = "invoice"  # another plan: does not matter here
        campaign = self.make_campaign()
        renewals = self.run_campaign(campaign)
        auto = renewals.filtered(lambda r: r.partner_id == self.members[0])
        self.assertEqual((auto.mode, auto.state), ("auto", "approved"))
        subscription = auto.subscription_id
        self.assertEqual(subscription.state, "waiting_payment")
        self.assertEqual((subscription.date_start, subscription.previous_id), (date(2027, 1, 1), self.subscriptions[0]))
        self.assertEqual(subscription.invoice_id.state, "posted")
        self.assertTrue(subscription.invoice_id.sending_data, "the invoice is queued for sending")
        # the member's email is queued: rendering it (with its PDF) in the
        # campaign's batch would hold the sales journal's numbering lock
        self.assertTrue(auto.send_requested)
        self.assertFalse(auto.message_ids.filtered(lambda m: "renews automatically" in (m.body or "")))
        cron = self.env.ref("membership_dues.ir_cron_membership_renewal_send")
        self.assertTrue(
            self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)]), "the sending scheduled action is woken"
        )
        with self.patched_commit_progress():
            self.env["membership.renewal"]._cron_send_queued()
            self.env["membership.renewal"]._cron_send_queued()  # twice: sent once
        self.assertFalse(auto.send_requested)
        self.assertEqual(auto.state, "approved")
        message = auto.message_ids.filtered(lambda m: "renews automatically" in (m.body or ""))
        self.assertEqual(len(message), 1)
        self.assertTrue(message, "the member is told, with the amount and how to opt out")
        self.assertIn("do not wish to renew", message.body)
        self.assertTrue(message.attachment_ids, "with the notice attached")
        self.assertTrue(auto.access_token)
        self.assertEqual(set((renewals - auto).mapped("mode")), {"notice"})

    def test_plan_in_direct_invoice_mode(self):
        self.plan_year.renewal_mode = "invoice"
        self.members[1].dues_renewal_mode = "notice"  # overridden per member
        renewals = self.run_campaign(self.make_campaign())
        self.assertEqual(renewals.filtered(lambda r: r.mode == "notice").partner_id, self.members[1])
        self.assertEqual(len(renewals.filtered(lambda r: r.state == "approved")), 3)

    def test_skips_refused_renewed_and_leaving_members(self):
        ann, bob, cid, dan = self.members
        self.notice(ann, state="sent").action_refuse(self.refuse_reason)
        self.paid_subscription(bob, self.plan_year, "2027-01-01", "2027-12-31").previous_id = self.subscriptions[1]
        cid.dues_leaving = True
        campaign = self.make_campaign()
        self.assertEqual(campaign.member_count, 1)
        renewals = self.run_campaign(campaign)
        self.assertEqual(renewals.partner_id, dan)

    def test_relaunch_and_scheduled_action_twice_create_nothing_more(self):
        campaign = self.make_campaign(send_on_launch=True)
        self.run_campaign(campaign)
        notices = self.env["membership.renewal"].search([])
        messages = self.env["mail.message"].search_count([("model", "=", "membership.renewal")])
        campaign.action_launch()
        with self.patched_commit_progress():
            self.env["membership.renewal.campaign"]._cron_run_campaigns()
            self.env["membership.renewal.campaign"]._cron_run_campaigns()
        self.assertEqual(self.env["membership.renewal"].search([]), notices)
        self.assertEqual(self.env["mail.message"].search_count([("model", "=", "membership.renewal")]), messages)
        self.assertEqual(campaign.state, "done")

    def test_resume_after_a_crash_half_way(self):
        """The worker dies after committing the first batch: the rerun
        finishes the others, and each member has exactly one notice."""
        self.members[2].dues_renewal_mode = "invoice"
        campaign = self.make_campaign()
        campaign.state = "running"
        calls = {"count": 0}

        def crash_after_first_batch(*args, **kwargs):
            calls["count"] += 1
            if calls["count"] == 2:  # the first call sets the total, the second commits batch 1
                raise SimulatedCrash
            return 1000.0

        # (not assertRaises: Odoo's rolls the block back, as a crash would not)
        crashed = False
        with patch.object(type(self.env["ir.cron"]), "_commit_progress", side_effect=crash_after_first_batch):
            try:
                campaign._run(batch_size=2)
            except SimulatedCrash:
                crashed = True
        self.assertTrue(crashed)
        campaign.invalidate_recordset()
        self.assertEqual(len(campaign.renewal_ids), 2, "one batch of two was done")
        self.assertEqual(campaign.todo_count, 2)
        self.run_campaign(campaign, batch_size=2)
        renewals = self.env["membership.renewal"].search([])
        self.assertEqual(sorted(renewals.partner_id.ids), sorted(self.members.ids))
        self.assertEqual(len(renewals), 4, "exactly one notice per member")
        invoices = renewals.subscription_id.invoice_id
        self.assertEqual(len(invoices), 1, "one invoice for the auto-renewed member")

    def test_a_second_notice_for_the_same_member_plan_and_period_is_refused_by_the_database(self):
        self.notice(self.members[0], state="draft")
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError), self.env.cr.savepoint():
            self.notice(self.members[0], state="draft", previous_subscription_id=False)

    def test_a_failing_member_is_recorded_and_does_not_stop_the_others(self):
        tariff = self.env["membership.tariff"].create({"name": "Empty"})
        self.plan_year.write({"tariff_id": tariff.id})  # no adopted version: every fee fails
        other_plan = self.plan_anniversary
        partner = self.env["res.partner"].create({"name": "On another plan"})
        self.paid_subscription(partner, other_plan, "2026-01-01", "2026-12-31")
        campaign = self.make_campaign(plan_ids=[(6, 0, (self.plan_year | other_plan).ids)])
        renewals = self.run_campaign(campaign)
        self.assertEqual(renewals.partner_id, partner, "the healthy member is renewed")
        self.assertEqual(campaign.failed_count, 4)
        self.assertIn("no adopted version valid on 01/01/2027", campaign.failure_ids[0].error)
        self.assertEqual(campaign.state, "done", "failures do not keep the campaign running forever")
        # fixed: Retry Failed renews them
        self.plan_year.tariff_id = False
        campaign.action_retry_failed()
        self.run_campaign(campaign)
        self.assertEqual(len(campaign.renewal_ids), 5)
        self.assertFalse(campaign.failure_ids)

    def test_one_bad_member_in_a_batch(self):
        """A member whose notice cannot be written fails alone."""
        bad = self.members[1]
        original = type(self.env["membership.renewal"]).create

        def create(records, vals_list):
            vals_list = [vals_list] if isinstance(vals_list, dict) else vals_list
            if any(vals.get("partner_id") == bad.id for vals in vals_list):
                raise ValueError("simulated failure")
            return original(records, vals_list)

        campaign = self.make_campaign()
        with patch.object(type(self.env["membership.renewal"]), "create", create):
            renewals = self.run_campaign(campaign)
        self.assertEqual(renewals.partner_id, self.members - bad)
        self.assertEqual(campaign.failure_ids.partner_id, bad)
        self.assertIn("simulated failure", campaign.failure_ids.error)

    def test_an_auto_renewal_that_cannot_be_invoiced_fails_alone(self):
        """The auto-renewals of a batch are invoiced together; one whose
        invoice cannot be posted makes the batch redo member by member: it
        alone is recorded, the others are invoiced once."""
        self.plan_year.renewal_mode = "invoice"
        bad = self.members[2]
        Move = type(self.env["account.move"])
        original = Move._post

        def post(moves, soft=True):
            if bad in moves.partner_id:
                raise UserError(moves.env._("the tax office refuses this invoice"))
            return original(moves, soft=soft)

        campaign = self.make_campaign()
        with patch.object(Move, "_post", post), mute_logger("odoo.addons.membership_dues.models"):
            renewals = self.run_campaign(campaign)
        self.assertEqual(renewals.partner_id, self.members - bad)
        self.assertEqual(set(renewals.mapped("state")), {"approved"})
        self.assertEqual(len(renewals.subscription_id.invoice_id), 3)
        self.assertEqual(set(renewals.subscription_id.invoice_id.mapped("state")), {"posted"})
        self.assertEqual(campaign.failure_ids.partner_id, bad)
        self.assertIn("tax office refuses", campaign.failure_ids.error)
        nothing_half_made = self.env["membership.subscription"].search(
            [("partner_id", "=", bad.id), ("date_start", "=", "2027-01-01")]
        )
        self.assertFalse(nothing_half_made, "no subscription left without its invoice")
        campaign.action_retry_failed()
        renewals = self.run_campaign(campaign)
        self.assertEqual(renewals.partner_id, self.members)
        self.assertFalse(campaign.failure_ids)
        self.assertEqual(len(renewals.subscription_id.invoice_id), 4)

    def test_auto_renewal_queries_do_not_grow_per_member(self):
        """Auto-renewals are approved, invoiced and posted per batch: the
        queries per member stay flat as the batch grows."""
        self.plan_year.renewal_mode = "invoice"

        def queries_for(count, year):
            partners = self.env["res.partner"].create(
                [{"name": f"Auto {year} {i}", "email": f"auto{year}{i}@example.com"} for i in range(count)]
            )
            for partner in partners:
                self.paid_subscription(partner, self.plan_year, f"{year}-01-01", f"{year}-12-31")
            campaign = self.make_campaign(date_from=f"{year}-12-31", date_to=f"{year}-12-31")
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            renewals = self.run_campaign(campaign)
            queries = self.env.cr.sql_log_count - before
            self.assertEqual(len(renewals.subscription_id.invoice_id.filtered(lambda m: m.state == "posted")), count)
            return queries

        queries_for(2, 2028)  # warm the caches
        five, fifteen = queries_for(5, 2030), queries_for(15, 2032)
        per_member = (fifteen - five) / 10
        self.assertLess(per_member, 25, f"{five} queries for 5 members, {fifteen} for 15")

    def test_a_bulk_posting_refreshes_stale_planner_statistics(self):
        """Odoo numbers each posted invoice with queries on account_move
        whose plan depends on the table's planner statistics: with stale
        ones, each invoice reads every invoice of its year, and a season's
        cost per member grows with the season. A batch of auto-renewals
        first analyzes the table when it changed much since it was last
        analyzed (or never was), and so the tables the batch's ORM
        recomputations query by subscription (on this machine's PostgreSQL,
        without autovacuum, a notice was found by a sequential scan of all
        the season's notices: 35 ms a query at 30,000 members, 0.3 ms once
        analyzed)."""
        Move = self.env["account.move"]
        self.assertTrue(refresh_statistics(Move, min_changes=0, scale=0), "changed since: analyzed")
        self.env.cr.execute("SELECT reltuples FROM pg_class WHERE oid = 'account_move'::regclass")
        self.assertGreaterEqual(self.env.cr.fetchone()[0], 0, "the table has statistics now")
        self.assertFalse(refresh_statistics(Move, min_changes=10**9), "few changes since: nothing to do")

        self.plan_year.renewal_mode = "invoice"
        count = membership_subscription.BULK_POSTING
        partners = self.env["res.partner"].create(
            [{"name": f"Bulk {i}", "email": f"bulk{i}@example.com"} for i in range(count)]
        )
        for partner in partners:
            self.paid_subscription(partner, self.plan_year, "2030-01-01", "2030-12-31")
        campaign = self.make_campaign(date_from="2030-12-31", date_to="2030-12-31")
        with patch.object(membership_subscription, "refresh_statistics", wraps=refresh_statistics) as refresh:
            renewals = self.run_campaign(campaign)
        self.assertEqual(len(renewals.subscription_id.invoice_id.filtered(lambda m: m.state == "posted")), count)
        self.assertEqual(
            [call.args[0]._name for call in refresh.call_args_list],
            list(membership_subscription.BULK_STATISTICS),
            "once per batch, each table the batch queries row by row",
        )

    def test_auto_launch_by_the_scheduled_action(self):
        campaign = self.make_campaign(auto_launch=True, launch_days_before=60)
        Campaign = self.env["membership.renewal.campaign"]
        with self.patched_commit_progress():
            Campaign._cron_run_campaigns(today=date(2026, 10, 31))
            self.assertEqual(campaign.state, "draft", "61 days before: not yet")
            Campaign._cron_run_campaigns(today=date(2026, 11, 1))
        self.assertEqual(campaign.state, "done")
        self.assertEqual(len(campaign.renewal_ids), 4)

    def test_campaign_figures(self):
        campaign = self.make_campaign(send_on_launch=True)
        renewals = self.run_campaign(campaign)
        ann, bob, cid, _dan = (renewals.filtered(lambda r, m=m: r.partner_id == m) for m in self.members)
        ann.action_approve()
        bob.action_approve()
        self.pay(bob.subscription_id.invoice_id)
        cid.action_refuse(self.refuse_reason)
        campaign.invalidate_recordset()
        self.assertEqual(campaign.sent_count, 4)
        self.assertEqual((campaign.approved_count, campaign.refused_count, campaign.pending_count), (2, 1, 1))
        self.assertEqual(campaign.answered_count, 3)
        self.assertEqual(campaign.response_rate, 75.0)
        self.assertEqual(campaign.renewal_rate, 50.0)
        self.assertEqual(campaign.amount_called, 960.0)
        self.assertEqual(campaign.amount_invoiced, 480.0)
        self.assertEqual(campaign.amount_paid, 240.0)
        groups = dict(
            self.env["membership.renewal"]._read_group(
                [("campaign_id", "=", campaign.id)], ["plan_id"], ["amount_paid:sum"]
            )
        )
        self.assertEqual(groups[self.plan_year], 240.0, "figures by plan (and category) for pivot and graph")
