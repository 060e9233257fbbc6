"""Several workers share the day's dues follow-up (models/membership_followup_run.py
_claim_members, tools/batch.py start_workers): the helper scheduled actions
the follow-up's one wakes, and the claim's locks. What a transaction holding
members or invoices does to the claim is checked with committed data in
tests/test_followup_concurrency.py; two real processes in
tests/process/test_followup_workers.py."""

from datetime import date
from unittest.mock import patch

from freezegun import freeze_time

from odoo.tests import tagged

from ..models.membership_followup_run import WORKER_CODE
from ..tools.batch import start_workers
from .common import MembershipFollowupCommon

DUE = date(2027, 3, 1)


@tagged("post_install", "-at_install")
class TestFollowupWorkers(MembershipFollowupCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.members = cls.ann | cls.bob | cls.cem
        cls.invoices = cls.env["account.move"].union(*(cls.dues_invoice(member, DUE) for member in cls.members))
        cls.cron = cls.env.ref("membership_dues.ir_cron_membership_followup")

    def helpers(self):
        return self.env["ir.cron"].with_context(active_test=False).search([("code", "=", WORKER_CODE)])

    def woken(self, helpers):
        return self.env["ir.cron.trigger"].sudo().search([("cron_id", "in", helpers.ids)]).cron_id

    def run_cron(self, method="_cron_run_followup", batch_size=1):
        with self.patched_commit_progress():
            getattr(self.env["membership.followup.communication"], method)(batch_size=batch_size, today=DUE)
        self.env.invalidate_all()

    def assert_each_sent_once(self):
        self.assertEqual([self.sent_levels(invoice) for invoice in self.invoices], [[(0, "2027-03-01")]] * 3)
        communications = self.env["membership.followup.communication"].search([("partner_id", "in", self.members.ids)])
        self.assertEqual(communications.partner_id, self.members)
        self.assertEqual(len(communications), 3, "one communication per member")

    def test_the_scheduled_action_wakes_the_company_s_workers(self):
        self.company.dues_campaign_workers = 3
        self.run_cron()
        helpers = self.helpers()
        self.assertEqual(len(helpers), 2, "two helpers beside the scheduled action")
        self.assertEqual(set(helpers.mapped("model_id")), {self.cron.model_id})
        self.assertTrue(all(self.cron.name in name for name in helpers.mapped("name")))
        self.assertEqual(self.woken(helpers), helpers)
        self.assert_each_sent_once()

    def test_one_worker_wakes_none(self):
        self.run_cron()
        self.assertFalse(self.helpers())
        self.assert_each_sent_once()

    def test_no_more_helpers_than_batches_of_members(self):
        self.company.dues_campaign_workers = 8
        self.run_cron(batch_size=2)
        self.assertEqual(len(self.helpers()), 1, "three members in batches of two: two workers")
        self.assert_each_sent_once()

    def test_nothing_due_wakes_none(self):
        self.company.dues_campaign_workers = 3
        with self.patched_commit_progress():
            self.env["membership.followup.communication"]._cron_run_followup(batch_size=1, today=date(2027, 1, 1))
        self.assertFalse(self.helpers())

    def test_a_helper_runs_the_day_s_follow_up_without_waking_others(self):
        """What start_workers gives a helper to run (its server action's
        code) sends the day's follow-up and wakes no other worker."""
        self.company.dues_campaign_workers = 3
        helper = start_workers(self.cron, WORKER_CODE, 2)
        self.assertEqual(self.helpers(), helper)
        self.env["ir.cron.trigger"].sudo().search([("cron_id", "=", helper.id)]).unlink()
        with freeze_time("2027-03-01 12:00:00"), self.patched_commit_progress():
            helper.ir_actions_server_id.run()
        self.env.invalidate_all()
        self.assertEqual(self.helpers(), helper, "no other helper created")
        self.assertFalse(self.woken(helper), "none woken")
        self.assert_each_sent_once()

    def test_the_claim_locks_members_and_their_invoices_not_contacts(self):
        """Members are claimed with advisory locks, their invoices locked
        with SKIP LOCKED; no contact row is locked (a busy table)."""
        statements = []
        execute = type(self.env.cr).execute

        def spy(cr, query, params=None, log_exceptions=True):
            statements.append(str(query))
            return execute(cr, query, params, log_exceptions)

        with patch.object(type(self.env.cr), "execute", spy):
            self.run_cron(batch_size=2)
        claims = [s for s in statements if "pg_try_advisory_xact_lock" in s]
        self.assertEqual(len(claims), 2, "two batches: one claim each")
        # (and the communications To Deliver, claimed by the delivery pass: none here)
        locks = [s for s in statements if "SKIP LOCKED" in s and "membership_followup_communication" not in s]
        self.assertTrue(locks and all("FROM account_move WHERE" in s for s in locks), locks)
        self.assertFalse([s for s in statements if "FOR " in s and "UPDATE" in s and "res_partner" in s])
        self.assert_each_sent_once()

    def test_what_is_due_is_collected_batch_by_batch(self):
        """The run holds one batch's collection at a time, never the whole
        season's: its memory does not grow with the number of members."""
        Run = self.registry["membership.followup.run"]
        original = Run._collect
        asked = []

        def collect(model, today, partner_ids=None, company=None):
            asked.append(len(partner_ids) if partner_ids is not None else None)
            return original(model, today, partner_ids=partner_ids, company=company)

        with patch.object(Run, "_collect", collect):
            self.run_cron(batch_size=2)
        self.assertNotIn(None, asked, "never collected for everyone")
        self.assertLessEqual(max(asked), 2)
        self.assertGreaterEqual(len(asked), 2, "three members in batches of two: two collections")
        self.assert_each_sent_once()
