"""The campaigns and the dues follow-up run by OCA queue_job (tools/jobs.py).

Runs only where queue_job is installed beside membership_dues: the
neighbour phase of dev/test.sh selects these tests by their tag
``membership_dues_queue_job`` (not ``standard``: the normal phase, without
queue_job, does not select them; run there explicitly, they skip). The jobs
are stored for real (their identity keys are looked up in the database) and
performed in the test's transaction with queue_job's ``Job.perform``."""

import unittest
from datetime import date

from odoo import SUPERUSER_ID, api
from odoo.tests import tagged

from ..models.membership_followup_run import CLAIM_LOCK_KEY, DELIVER_METHOD, JOB_METHOD
from ..tools import jobs
from .common import MembershipFollowupCommon, MembershipRenewalCommon
from .test_declaration_campaign import DeclarationCampaignCommon
from .test_followup_concurrency import RUN_DATE, CommittedFollowupCase

DUE = date(2027, 3, 1)
LOGGER = "odoo.addons.membership_dues.models.membership_followup_run"


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


class FollowupJobs:
    """The follow-up's jobs of a day (models/membership_followup_run.py
    _enqueue_followup, _job_followup_batch)."""

    def followup_jobs(self, env, day, states=(*jobs.HELD_STATES, "done")):
        return jobs.owner_jobs(env["membership.followup.run"], JOB_METHOD, states, scope=str(day))


@tagged("-standard", "membership_dues_queue_job", "post_install", "-at_install")
class TestQueueJobFollowup(FollowupJobs, QueueJobInstalled, MembershipFollowupCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.members = cls.ann | cls.bob | cls.cem
        cls.invoices = cls.env["account.move"].union(*(cls.dues_invoice(member, DUE) for member in cls.members))

    def cron(self, day=DUE, batch_size=2):
        with self.patched_commit_progress():
            self.assertTrue(self.env["membership.followup.communication"]._cron_run_followup(batch_size, day))
        self.env.invalidate_all()

    def day_jobs(self, day=DUE):
        return self.followup_jobs(self.env, day)

    def perform(self, queue_jobs):
        results = perform(self.env, queue_jobs)
        queue_jobs.state = "done"  # as the runner leaves them
        self.env.invalidate_all()
        return results

    def communications(self, state="sent"):
        return self.env["membership.followup.communication"].search(
            [("partner_id", "in", self.members.ids), ("state", "=", state)]
        )

    def test_the_scheduled_action_enqueues_one_job_per_batch_of_the_day_once(self):
        self.company.dues_campaign_workers = 3
        self.cron()
        queued = self.day_jobs()
        self.assertEqual(len(queued), 2, "3 members in batches of 2")
        ids = sorted(self.members.ids)
        self.assertEqual(sorted(job.args for job in queued), [[ids[:2], DUE], [ids[2:], DUE]])
        owner = self.env["membership.followup.run"]
        for job in queued:
            self.assertEqual(job.identity_key, jobs.batch_key(owner, JOB_METHOD, job.args[0], "2027-03-01"))
            self.assertEqual(job.channel, jobs.CHANNEL)
            self.assertEqual(job.state, "pending")
            self.assertEqual(job.model_name, "membership.followup.run")
            self.assertIn("Dues follow-up of", job.name)
        self.assertFalse(self.communications(), "the scheduled action sent nothing itself")
        self.assertFalse(
            self.env["ir.cron"].with_context(active_test=False).search([("code", "=", "model._cron_work_followup()")]),
            "no helper scheduled action with queue_job",
        )
        # again while the jobs wait, even in other batches: nothing enqueued twice
        self.cron()
        self.cron(batch_size=3)
        self.assertEqual(self.day_jobs(), queued)
        # a new day's run is new jobs
        self.cron(day=date(2027, 3, 2))
        self.assertEqual(len(self.day_jobs(date(2027, 3, 2))), 2)
        self.assertEqual(self.day_jobs(), queued)

    def test_the_jobs_send_one_communication_per_member_once(self):
        self.cron()
        queued = self.day_jobs()
        results = self.perform(queued)
        self.assertEqual(sorted(results), ["1 members done, 0 failed.", "2 members done, 0 failed."])
        self.assertEqual([self.sent_levels(invoice) for invoice in self.invoices], [[(0, "2027-03-01")]] * 3)
        sent = self.communications()
        self.assertEqual(len(sent), 3, "one communication per member")
        self.assertEqual(sent.partner_id, self.members)
        self.assertEqual(sent.level_id, self.level_due)
        # performed again, or the scheduled action run again the same day: nothing more
        self.assertEqual(self.perform(queued), ["0 members done, 0 failed."] * 2)
        self.cron()
        self.assertEqual(self.day_jobs(), queued, "nothing enqueued: the day's members were sent to")
        self.assertEqual(len(self.communications()), 3)
        # the next level's day: new jobs, the next level
        self.cron(day=date(2027, 3, 16))
        self.perform(self.day_jobs(date(2027, 3, 16)))
        self.assertEqual(
            [self.sent_levels(invoice) for invoice in self.invoices],
            [[(0, "2027-03-01"), (15, "2027-03-16")]] * 3,
        )
        self.assertEqual(len(self.communications()), 6)

    def test_a_failing_member_is_recorded_and_the_others_sent(self):
        self.cron(batch_size=3)
        with self.email_refused_to(self.ann), self.assertLogs(LOGGER, "ERROR"):
            [result] = self.perform(self.day_jobs())
        self.assertEqual(result, "2 members done, 1 failed.")
        failed = self.communications("failed")
        self.assertEqual(failed.partner_id, self.ann)
        self.assertIn("mail server refused", failed.error)
        self.assertFalse(failed.line_ids)
        self.assertEqual(self.communications().partner_id, self.bob | self.cem)
        # the scheduled action run again the same day enqueues her alone
        self.cron(batch_size=3)
        again = self.day_jobs().filtered(lambda job: job.state == "pending")
        self.assertEqual(again.args, [self.ann.ids, DUE])
        self.perform(again)
        self.assertEqual(self.communications().partner_id, self.members)
        self.assertEqual(len(self.communications()), 3)

    def test_with_late_fees_the_communications_are_delivered_by_jobs_of_their_own(self):
        """A job that posted late fees records its communications To Deliver
        and enqueues their delivery, performed after its commit (which ends
        its hold on the journal's numbering)."""
        self.level_due.write(
            {"late_fee_type": "fixed", "late_fee_amount": 5.0, "late_fee_product_id": self.late_fee_product.id}
        )
        self.cron(batch_size=3)
        self.perform(self.day_jobs())
        queued = self.communications("queued")
        self.assertEqual(queued.partner_id, self.members)
        self.assertFalse(self.mails_to(self.members))
        owner = self.env["membership.followup.run"]
        deliveries = jobs.owner_jobs(owner, DELIVER_METHOD, ("pending",))
        self.assertEqual(len(deliveries), 1)
        self.assertEqual(deliveries.args, [sorted(queued.ids)])
        self.assertEqual(deliveries.identity_key, jobs.batch_key(owner, DELIVER_METHOD, queued.ids))
        self.assertIn("delivering 3 communications", deliveries.name)
        # the scheduled action run again meanwhile enqueues no other
        self.cron(batch_size=3)
        self.assertEqual(jobs.owner_jobs(owner, DELIVER_METHOD, ("pending",)), deliveries)
        self.assertEqual(self.perform(deliveries), ["3 delivered, 0 failed."])
        self.assertEqual(len(self.communications()), 3)
        self.assertEqual([len(self.mails_to(member)) for member in self.members], [1, 1, 1])
        self.assertEqual(self.perform(deliveries), ["0 delivered, 0 failed."])
        self.assertEqual([len(self.mails_to(member)) for member in self.members], [1, 1, 1])

    def test_the_opt_out_sends_with_the_scheduled_action(self):
        self.env["ir.config_parameter"].sudo().set_param(jobs.PARAM, "cron")
        self.cron()
        self.assertFalse(self.day_jobs())
        self.assertEqual([self.sent_levels(invoice) for invoice in self.invoices], [[(0, "2027-03-01")]] * 3)
        self.assertEqual(len(self.communications()), 3)


@tagged("-standard", "membership_dues_queue_job", "post_install", "-at_install")
class TestQueueJobFollowupClaim(FollowupJobs, CommittedFollowupCase):
    """A follow-up job claims its members as the scheduled action does, on
    committed data: a member another worker holds, and one whose invoice
    another transaction holds (a payment being registered), are skipped,
    not waited for, and left to the next run."""

    PREFIX = "Queue job claim"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if "queue.job" not in cls.registry:
            raise unittest.SkipTest("queue_job is not installed: the neighbour phase of dev/test.sh runs this")
        cls.addClassCleanup(cls._delete_jobs)

    @classmethod
    def _delete_jobs(cls):
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            for method in (JOB_METHOD, DELIVER_METHOD):
                jobs.owner_jobs(env["membership.followup.run"], method, states=jobs.HELD_STATES + ("done",)).unlink()

    def cron_then_jobs(self):
        """The scheduled action, then the jobs it enqueued, each in its own transaction."""
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
            env["membership.followup.run"]._cron_run_followup(batch_size=3, today=RUN_DATE)
            uuids = self.followup_jobs(env, RUN_DATE, ("pending",)).mapped("uuid")
        self.perform_each(uuids)
        # the fixture's level posts a late fee: the communications are
        # delivered by jobs of their own, enqueued by the batches' jobs
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            deliveries = jobs.owner_jobs(env["membership.followup.run"], DELIVER_METHOD, ("pending",)).mapped("uuid")
        self.perform_each(deliveries)
        return len(uuids)

    def perform_each(self, uuids):
        """Perform the jobs of ``uuids``, each in its own transaction, left done as the runner leaves them."""
        for uuid in uuids:
            with self.registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
                perform(env, env["queue.job"].search([("uuid", "=", uuid)]))
                env["queue.job"].search([("uuid", "=", uuid)]).state = "done"

    def sent(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            communications = env["membership.followup.communication"].search(
                [("partner_id", "in", self.ids["members"]), ("state", "=", "sent")]
            )
            return [
                len(communications.filtered(lambda c, m=member: c.partner_id.id == m)) for member in self.ids["members"]
            ]

    def test_a_job_skips_what_another_transaction_holds(self):
        held_member, paid_member, *_others = self.ids["members"]
        with self.registry.cursor() as other:
            other.execute(
                "SELECT id FROM account_move WHERE partner_id = %s AND id IN %s FOR NO KEY UPDATE",
                [paid_member, tuple(self.ids["invoices"])],
            )
            self.assertEqual(len(other.fetchall()), 1)
            other.execute("SELECT pg_advisory_xact_lock(%s, %s)", [CLAIM_LOCK_KEY, held_member])
            self.assertEqual(self.cron_then_jobs(), 2, "6 members in batches of 3")
            self.assertEqual(self.sent(), [0, 0, 1, 1, 1, 1], "both skipped, not waited for")
            other.rollback()
        self.assertEqual(self.cron_then_jobs(), 1, "the next run enqueues the two members left")
        self.assertEqual(self.sent(), [1] * 6, "then each sent once")
