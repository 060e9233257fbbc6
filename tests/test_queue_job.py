"""The campaigns run by OCA queue_job (tools/jobs.py).

Runs only where queue_job is installed beside membership_dues: the
neighbour phase of dev/test.sh selects these tests by their tag
``membership_dues_queue_job`` (not ``standard``: the normal phase, without
queue_job, does not select them; run there explicitly, they skip). The jobs
are stored for real (their identity keys are looked up in the database) and
performed in the test's transaction with queue_job's ``Job.perform``."""

import unittest

from odoo.tests import tagged

from ..tools import jobs
from .common import MembershipRenewalCommon
from .test_declaration_campaign import DeclarationCampaignCommon


class QueueJobInstalled:
    """Runs only where queue_job is installed (the neighbour phase), with
    the job runner left to its default (queue_job)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if "queue.job" not in cls.env:
            raise unittest.SkipTest("queue_job is not installed: the neighbour phase of dev/test.sh runs this")
        cls.env["ir.config_parameter"].sudo().set_param(jobs.PARAM, "")


@tagged("-standard", "membership_dues_queue_job", "post_install", "-at_install")
class TestQueueJobCampaign(QueueJobInstalled, MembershipRenewalCommon):
    def batch_jobs(self, campaign, states=jobs.UNFINISHED_STATES):
        return jobs.owner_jobs(campaign, jobs.BATCH_METHOD, states)

    def perform(self, queue_jobs):
        return perform(self.env, queue_jobs)

    def cron(self, batch_size=2):
        with self.patched_commit_progress():
            self.env["membership.renewal.campaign"]._cron_run_campaigns(batch_size=batch_size)

    def launched(self):
        campaign = self.make_campaign()
        campaign.state = "running"
        return campaign

    def done_messages(self, campaign):
        return campaign.message_ids.filtered(lambda m: "Campaign done" in (m.body or ""))

    def test_queue_job_is_chosen_when_installed(self):
        self.assertTrue(jobs.queue_job_installed(self.env))
        self.assertEqual(jobs.job_runner(self.env), "queue_job")
        self.env["ir.config_parameter"].sudo().set_param(jobs.PARAM, "cron")
        self.assertEqual(jobs.job_runner(self.env), "cron", "the opt-out")

    def test_the_scheduled_action_enqueues_one_job_per_batch_once(self):
        self.env.company.dues_campaign_workers = 3
        campaign = self.launched()
        self.cron()
        queued = self.batch_jobs(campaign)
        self.assertEqual(len(queued), 2, "4 members in batches of 2")
        ids = sorted(self.subscriptions.ids)
        self.assertEqual(sorted(job.args[0] for job in queued), [ids[:2], ids[2:]])
        for job in queued:
            self.assertEqual(job.identity_key, jobs.batch_key(campaign, jobs.BATCH_METHOD, job.args[0]))
            self.assertIn(f":{campaign._name}:{campaign.id}:", job.identity_key)
            self.assertEqual(job.channel, jobs.CHANNEL)
            self.assertEqual(job.state, "pending")
            self.assertEqual(job.records, campaign)
        self.assertFalse(
            self.env["ir.cron"].with_context(active_test=False).search([("code", "=", "model._cron_work_campaigns()")]),
            "no helper scheduled action with queue_job",
        )
        self.assertFalse(campaign.renewal_ids, "the scheduled action did not work the batches itself")
        # again while the jobs wait: nothing enqueued twice, even in other batches
        self.cron()
        self.cron(batch_size=3)
        self.assertEqual(self.batch_jobs(campaign), queued)
        self.assertEqual(campaign.state, "running")

    def test_the_jobs_do_every_member_once_and_close_the_campaign_once(self):
        campaign = self.launched()
        self.cron()
        queued = self.batch_jobs(campaign)
        self.perform(queued)
        self.assertEqual(campaign.state, "done", "the last batch closed it")
        self.assertEqual(len(self.done_messages(campaign)), 1)
        self.assertEqual(len(campaign.renewal_ids), 4)
        self.assertEqual(campaign.renewal_ids.previous_subscription_id, self.subscriptions)
        self.assertFalse(campaign.failure_ids)
        # the first batch found the second still to do: it left the closing to a closing job
        closing = jobs.owner_jobs(campaign, jobs.CLOSE_METHOD)
        self.assertEqual(len(closing), 1)
        self.assertEqual(closing.channel, jobs.CHANNEL)
        # performed late, the jobs do nothing more
        self.perform(queued | closing)
        self.assertEqual(len(campaign.renewal_ids), 4)
        self.assertEqual(len(self.done_messages(campaign)), 1)

    def test_a_batch_done_by_another_worker_is_not_done_again(self):
        campaign = self.launched()
        self.cron()
        first = self.batch_jobs(campaign).sorted("id")[0]
        done_elsewhere = self.env["membership.subscription"].browse(first.args[0])
        campaign._process(done_elsewhere)  # another worker did this batch meanwhile
        self.assertEqual(len(campaign.renewal_ids), 2)
        [result] = self.perform(first)
        self.assertIn("0 members done", result)
        self.assertEqual(len(campaign.renewal_ids), 2)
        self.assertEqual(campaign.renewal_ids.previous_subscription_id, done_elsewhere)
        self.assertFalse(campaign.failure_ids)
        self.assertEqual(campaign.state, "running", "the other batch is still to do")

    def test_the_closing_job_waits_for_the_batches_still_to_run(self):
        from odoo.addons.queue_job.exception import RetryableJobError

        campaign = self.launched()
        self.cron()
        queued = self.batch_jobs(campaign).sorted("id")
        self.perform(queued[0])
        closing = jobs.owner_jobs(campaign, jobs.CLOSE_METHOD)
        with self.assertRaises(RetryableJobError):
            self.perform(closing)  # the second batch's job is still pending: later
        self.assertEqual(campaign.state, "running")
        queued[0].state = "done"  # as the runner leaves it
        self.perform(queued[1])
        queued[1].state = "done"
        self.assertEqual(campaign.state, "done")
        self.assertEqual(self.perform(closing), ["Campaign not running: nothing done."])
        self.assertEqual(len(self.done_messages(campaign)), 1)

    def test_the_closing_job_enqueues_the_members_no_job_holds(self):
        """Members a batch left to the next run (changed meanwhile), or
        whose job was cancelled, are enqueued again by the closing job."""
        campaign = self.launched()
        self.cron()
        queued = self.batch_jobs(campaign)
        queued.state = "cancelled"
        jobs._enqueue_close(campaign, batch_size=2)
        closing = jobs.owner_jobs(campaign, jobs.CLOSE_METHOD)
        self.assertEqual(self.perform(closing), ["Members left by the batches enqueued again."])
        again = self.batch_jobs(campaign)
        self.assertEqual(len(again), 2)
        self.assertFalse(again & queued)
        self.perform(again)
        self.assertEqual(campaign.state, "done")
        self.assertEqual(len(campaign.renewal_ids), 4)

    def test_nothing_left_closes_at_once(self):
        campaign = self.launched()
        campaign._process(self.subscriptions)
        self.cron()
        self.assertFalse(self.batch_jobs(campaign))
        self.assertEqual(
            campaign.state, "done", "nothing to enqueue and no job running: closed by the scheduled action"
        )

    def test_the_opt_out_runs_the_campaign_with_the_scheduled_actions(self):
        self.env["ir.config_parameter"].sudo().set_param(jobs.PARAM, "cron")
        campaign = self.launched()
        self.cron()
        self.assertFalse(self.batch_jobs(campaign))
        self.assertEqual(campaign.state, "done")
        self.assertEqual(len(campaign.renewal_ids), 4)


def perform(env, queue_jobs):
    """Perform ``queue_jobs`` as queue_job's runner does (in this transaction)."""
    from odoo.addons.queue_job.job import Job

    return [Job.load(env, job.uuid).perform() for job in queue_jobs.sorted("id")]


@tagged("-standard", "membership_dues_queue_job", "post_install", "-at_install")
class TestQueueJobDeclarationCampaign(QueueJobInstalled, DeclarationCampaignCommon):
    def test_a_declaration_campaign_is_enqueued_and_worked_by_jobs(self):
        campaign = self.make_campaign()
        self.assertFalse(self.launch(campaign, batch_size=2), "the scheduled action only enqueued")
        queued = jobs.owner_jobs(campaign, jobs.BATCH_METHOD)
        self.assertEqual(len(queued), 2, "Alpha, Beta and Gamma in batches of 2")
        self.assertEqual(set(queued.mapped("channel")), {jobs.CHANNEL})
        perform(self.env, queued)
        self.assertEqual(campaign.state, "open", "all asked: closed by the last batch")
        self.assertEqual(campaign.declaration_ids.partner_id, self.alpha | self.beta | self.gamma)
        self.assertFalse(campaign.failed_partner_ids)
