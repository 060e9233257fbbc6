"""Several workers share a running campaign (tools/batch.py run_campaign and
start_workers). What two real processes do at once is checked in
tests/process/test_crash_and_concurrency.py; here, in one transaction: the
claim, the closing step that runs once, and the helper scheduled actions."""

from unittest.mock import patch

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from ..tools import batch, jobs
from ..tools.batch import LeaveForNextRun, start_workers
from .common import MembershipRenewalCommon

WORK = "model._cron_work_campaigns()"


@tagged("post_install", "-at_install")
class TestCampaignWorkers(MembershipRenewalCommon):
    def done_messages(self, campaign):
        return campaign.message_ids.filtered(lambda m: "Campaign done" in (m.body or ""))

    def test_the_closing_step_runs_once(self):
        campaign = self.make_campaign()
        self.run_campaign(campaign, batch_size=3)
        self.assertEqual(campaign.state, "done")
        self.assertEqual(len(campaign.renewal_ids), 4)
        with self.patched_commit_progress():
            # a late worker on the same campaign finds it closed: nothing more, no second message
            self.assertTrue(campaign._run(batch_size=3))
        self.assertEqual(len(self.done_messages(campaign)), 1)
        self.assertEqual(len(campaign.renewal_ids), 4)

    def test_a_worker_that_finds_the_rest_held_by_others_leaves_the_closing_to_them(self):
        """Another worker holds the last batch (the claim skips it): this one
        has nothing to do and does not close the campaign."""
        campaign = self.make_campaign()
        campaign.state = "running"
        held = self.env["membership.subscription"]
        with self.patched_commit_progress(), patch.object(batch._Searches, "take", lambda searches: held):
            self.assertTrue(campaign._run(batch_size=2), "nothing more for this worker")
        self.assertEqual(campaign.state, "running", "the holder closes it")
        self.assertFalse(self.done_messages(campaign))
        # the holder then does its batch and closes it
        self.run_campaign(campaign, batch_size=2)
        self.assertEqual(campaign.state, "done")
        self.assertEqual(len(self.done_messages(campaign)), 1)

    def test_a_member_left_to_the_next_run_keeps_the_campaign_open(self):
        campaign = self.make_campaign()
        campaign.state = "running"
        Campaign = type(campaign)
        original = Campaign._process
        raced = self.subscriptions[1]

        def process(self_, subscriptions):
            if raced in subscriptions:
                raise LeaveForNextRun()
            return original(self_, subscriptions)

        with self.patched_commit_progress(), patch.object(Campaign, "_process", process):
            self.assertFalse(campaign._run(batch_size=10), "called again for the member left")
        self.assertEqual(campaign.state, "running")
        self.assertEqual(len(campaign.renewal_ids), 3)
        with self.patched_commit_progress():
            self.assertTrue(campaign._run(batch_size=10))
        self.assertEqual(campaign.state, "done")
        self.assertEqual(campaign.renewal_ids.previous_subscription_id, self.subscriptions)

    def test_the_claim_locks_what_it_takes(self):
        """The batch is taken with FOR NO KEY UPDATE SKIP LOCKED on the table
        of the records (nothing else is locked)."""
        campaign = self.make_campaign()
        campaign.state = "running"
        statements = []
        execute = type(self.env.cr).execute

        def spy(cr, query, params=None, log_exceptions=True):
            statements.append(str(query))
            return execute(cr, query, params, log_exceptions)

        with self.patched_commit_progress(), patch.object(type(self.env.cr), "execute", spy):
            campaign._run(batch_size=2)
        claims = [s for s in statements if "SKIP LOCKED" in s and "membership_subscription" in s]
        self.assertEqual(
            len(claims), 4, "two batches of two, the empty claim past the last, then the whole domain's, empty"
        )
        self.assertTrue(all('FOR NO KEY UPDATE OF "membership_subscription" SKIP LOCKED' in s for s in claims))
        self.assertEqual(campaign.state, "done")

    def test_helpers_are_created_once_and_woken(self):
        cron = self.env.ref("membership_dues.ir_cron_membership_campaigns")
        Cron = self.env["ir.cron"].with_context(active_test=False)
        self.assertFalse(start_workers(cron, WORK, 1), "one worker: the main scheduled action alone")
        self.assertFalse(Cron.search([("code", "=", WORK)]))
        helpers = start_workers(cron, WORK, 3)
        self.assertEqual(len(helpers), 2)
        self.assertEqual(Cron.search([("code", "=", WORK)]), helpers)
        self.assertEqual(set(helpers.mapped("model_id")), {cron.model_id})
        triggers = self.env["ir.cron.trigger"].sudo().search([("cron_id", "in", helpers.ids)])
        self.assertEqual(triggers.cron_id, helpers)
        self.assertEqual(start_workers(cron, WORK, 2), helpers[:1], "created once, the first woken")
        self.assertEqual(len(Cron.search([("code", "=", WORK)])), 2)

    def test_the_scheduled_action_wakes_the_company_s_workers(self):
        self.env.company.dues_campaign_workers = 2
        campaign = self.make_campaign()
        campaign.state = "running"
        with self.patched_commit_progress():
            self.env["membership.renewal.campaign"]._cron_run_campaigns()
        helpers = self.env["ir.cron"].search([("code", "=", WORK)])
        self.assertEqual(len(helpers), 1)
        self.assertTrue(self.env["ir.cron.trigger"].sudo().search_count([("cron_id", "=", helpers.id)]))
        self.assertEqual(campaign.state, "done")
        self.assertEqual(len(campaign.renewal_ids), 4)

    def test_without_queue_job_the_scheduled_actions_run_the_campaign(self):
        """queue_job is not installed here (tests/test_queue_job.py, in the
        neighbour phase, runs the campaigns with it): the choice is the
        scheduled actions, the helpers are woken and no job is enqueued."""
        self.assertNotIn("queue.job", self.env)
        self.assertFalse(jobs.queue_job_installed(self.env))
        self.assertEqual(jobs.job_runner(self.env), "cron")
        self.env.company.dues_campaign_workers = 3
        campaign = self.make_campaign()
        campaign.state = "running"
        with (
            self.patched_commit_progress(),
            patch.object(jobs, "enqueue_campaign", side_effect=AssertionError("no job without queue_job")),
        ):
            self.env["membership.renewal.campaign"]._cron_run_campaigns(batch_size=2)
        self.assertEqual(len(self.env["ir.cron"].search([("code", "=", WORK)])), 2)
        self.assertEqual(campaign.state, "done")
        self.assertEqual(len(campaign.renewal_ids), 4)

    def test_a_helper_runs_the_campaigns_without_launching_any(self):
        due = self.make_campaign(auto_launch=True, launch_days_before=400)
        with self.patched_commit_progress():
            self.env["membership.renewal.campaign"]._cron_work_campaigns()
        self.assertEqual(due.state, "draft", "launching is the main scheduled action's")

    def test_the_worker_count_is_bounded(self):
        with self.assertRaises(ValidationError):
            self.env.company.dues_campaign_workers = 0
