"""Every scheduled action of the module (data/ir_cron_data.xml) isolates a
failing record: a real failure inside PostgreSQL for one record (a trigger,
rolled back with the test), the others processed, the failure recorded on
the record, and a second run the same day duplicates nothing."""

from datetime import date

from odoo.tests import TransactionCase, new_test_user, tagged
from odoo.tools import SQL, mute_logger

from ..tools.batch import claim
from .common import MembershipFollowupCommon, MembershipRenewalCommon

D = date
QUIET = (
    "odoo.addons.membership_dues.models.membership_renewal",
    "odoo.addons.membership_dues.models.membership_renewal_campaign",
    "odoo.addons.membership_dues.models.membership_followup_run",
    "odoo.addons.membership_dues.tools.batch",
    "odoo.sql_db",
)


class FailOneRecord:
    def fail_on(self, table, timing, when):
        """Make PostgreSQL refuse the rows of ``table`` matching ``when``."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                CREATE OR REPLACE FUNCTION md_test_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN RAISE EXCEPTION 'refused by the test trigger'; END $$;
                CREATE TRIGGER md_test_refuse %s ON %s FOR EACH ROW WHEN (%s) EXECUTE FUNCTION md_test_refuse();
                """,
                SQL(timing),
                SQL.identifier(table),
                SQL(when),
            )
        )

    def counts(self, model, domain=()):
        self.env.flush_all()
        return self.env[model].search_count(list(domain))


@tagged("post_install", "-at_install")
class TestRenewalCronIsolation(FailOneRecord, MembershipRenewalCommon):
    def run_list_action(self, xmlid, notices):
        """Run an entry of the notices list's Actions menu on ``notices``, as
        an officer does; return what the web client is given to show."""
        action = self.env.ref(f"membership_dues.{xmlid}").with_user(self.officer)
        return action.with_context(active_model="membership.renewal", active_ids=notices.ids).run()

    def test_background_actions_are_in_the_list_actions_menu_of_officers_only(self):
        def menu(user):
            bindings = self.env["ir.actions.actions"].with_user(user).get_bindings("membership.renewal")
            return {action["name"] for action in bindings.get("action", [])}

        background = {"Send in the Background", "Approve in the Background"}
        self.assertLessEqual(background, menu(self.officer))
        accountant = new_test_user(self.env, login="md_accountant_only", groups="account.group_account_invoice")
        self.assertFalse(background & menu(accountant))

    def test_queued_approval_approves_each_notice_once_and_isolates_a_failing_one(self):
        """Approve in the Background queues the open notices of a selection
        (an answered one is skipped, and the report says so); the scheduled
        action approves them in batches: one subscription and one posted
        invoice each, a notice that cannot be approved set aside with the
        error, the others approved. A second run does nothing more."""
        notices = self.env["membership.renewal"].browse()
        for member in self.members:
            notices |= self.notice(member, state="sent")
        refused = notices[-1]
        refused.state = "refused"
        report = self.run_list_action("action_server_queue_approve_renewals", notices)
        self.assertIn(f"Queued for approval: {len(notices) - 1}.", report["params"]["message"])
        self.assertIn("Skipped 1 in state Refused", report["params"]["message"])
        self.assertEqual(notices.mapped("approval_requested"), [True] * (len(notices) - 1) + [False])
        poison = notices[1]
        self.fail_on("membership_subscription", "BEFORE INSERT", f"NEW.partner_id = {poison.partner_id.id}")
        for run in (1, 2):
            with self.subTest(run=run), mute_logger(*QUIET), self.patched_commit_progress():
                failed = self.env["membership.renewal"]._cron_approve_queued(batch_size=2)
                self.env.invalidate_all()
                self.assertEqual(failed, 1 if run == 1 else 0, "a second run does not retry it")
                approved = notices - poison - refused
                self.assertEqual(set(approved.mapped("state")), {"approved"})
                self.assertFalse(notices.filtered("approval_requested"), "the queue is empty")
                self.assertEqual(poison.state, "intervention")
                self.assertEqual(poison.state_before_intervention, "sent")
                self.assertIn("Approval failed on", poison.intervention_reason)
                self.assertIn("refused by the test trigger", poison.intervention_reason)
                self.assertEqual(refused.state, "refused")
                subscriptions = self.env["membership.subscription"].search(
                    [("partner_id", "in", notices.partner_id.ids), ("date_start", "=", "2027-01-01")]
                )
                self.assertEqual(subscriptions, approved.subscription_id, "one subscription per approved notice")
                self.assertEqual(len(subscriptions.invoice_id), len(approved))
                self.assertEqual(set(subscriptions.invoice_id.mapped("state")), {"posted"})

    def test_queueing_a_selection_reads_only_what_it_filters_on(self):
        """Queueing a season's selection (tens of thousands of notices) must
        not load it whole: only the fields the queue filters on and those
        the officer's record rules test are read, and the flag is written
        without Odoo's field tracking, which would read every tracked field
        of every notice and keep them until the commit (90,000 notices
        queued for approval took 1 GB). The explanation of the fee
        (fee_data) is never prefetched with the other fields of a notice."""
        tracking = "mail.tracking.membership.renewal"
        notices = self.env["membership.renewal"].browse()
        for member in self.members:
            notices |= self.notice(member, state="sent")
        skipped = notices[-1]
        skipped.state = "refused"
        written = {"company_id", "write_date", "write_uid"}  # the rule's field, and the write's own
        for action, read, flag in (
            ("action_queue_approve", {"state"}, "approval_requested"),
            ("action_queue_send", {"mode", "state"}, "send_requested"),
        ):
            with self.subTest(action=action):
                self.env.flush_all()
                self.env.cr.precommit.data.pop(tracking, None)
                self.env.invalidate_all()
                getattr(notices.with_user(self.officer), action)()
                self.assertFalse(self.env.cr.precommit.data.get(tracking), "no tracking prepared")
                for notice in notices - skipped:
                    self.assertLessEqual(set(notice._cache), read | written | {flag}, "nothing else read")
                self.assertEqual(notices.mapped(flag), [True] * (len(notices) - 1) + [False])
                notices.write({flag: False})
        self.env.invalidate_all()
        notices.mapped("amount")
        self.assertFalse(any("fee_data" in notice._cache for notice in notices), "not prefetched")
        with self.assertQueryCount(1):  # read when needed, for the whole batch at once
            self.assertEqual({data["amount"] for data in notices.mapped("fee_data")}, {"240.00"})

    def test_queued_sending_isolates_a_failing_notice(self):
        notices = self.env["membership.renewal"].browse()
        for member in self.members:
            notices |= self.notice(member, state="draft")
        report = self.run_list_action("action_server_queue_send_renewals", notices)
        self.assertIn(f"Queued for sending: {len(notices)}.", report["params"]["message"])
        self.assertTrue(all(notices.mapped("send_requested")))
        poison = notices[1]
        self.fail_on(
            "membership_renewal",
            "BEFORE UPDATE",
            f"NEW.id = {poison.id} AND NEW.token_expires_on IS DISTINCT FROM OLD.token_expires_on",
        )
        for run in (1, 2):
            with self.subTest(run=run), mute_logger(*QUIET), self.patched_commit_progress():
                failed = self.env["membership.renewal"]._cron_send_queued(batch_size=10)
                self.env.invalidate_all()
                self.assertEqual(failed, 1 if run == 1 else 0, "a second run does not retry it")
                others = notices - poison
                self.assertEqual(set(others.mapped("state")), {"sent"}, "the others are sent")
                self.assertFalse(notices.filtered("send_requested"), "the queue is empty")
                self.assertEqual(poison.state, "intervention")
                self.assertEqual(poison.state_before_intervention, "draft")
                self.assertIn("Sending failed on", poison.intervention_reason)
                self.assertIn("refused by the test trigger", poison.intervention_reason)
                self.assertFalse(poison.date_sent)
                if run == 1:
                    mails = self.counts("mail.mail")
                    messages = self.counts("mail.message", [("model", "=", "membership.renewal")])
                else:
                    self.assertEqual(self.counts("mail.mail"), mails, "no email twice")
                    self.assertEqual(
                        self.counts("mail.message", [("model", "=", "membership.renewal")]), messages, "no note twice"
                    )
        self.assertEqual(len(self.mails_for(others)), 3, "one email per member sent")
        self.assertFalse(self.mails_for(poison))

    def test_reminders_isolate_a_failing_notice(self):
        notices = self.env["membership.renewal"].browse()
        for member in self.members:
            notices |= self.notice(member, state="sent", date_sent="2026-11-01")
        poison = notices[2]
        self.fail_on(
            "membership_renewal",
            "BEFORE UPDATE",
            f"NEW.id = {poison.id} AND NEW.reminder_count IS DISTINCT FROM OLD.reminder_count",
        )
        for run in (1, 2):
            with self.subTest(run=run), mute_logger(*QUIET), self.patched_commit_progress():
                failed = self.env["membership.renewal"]._cron_send_reminders(today=D(2026, 12, 31))
                self.env.invalidate_all()
                self.assertEqual(failed, 1 if run == 1 else 0)
                others = notices - poison
                counts = set(others.mapped("reminder_count"))
                self.assertEqual(len(counts), 1)
                self.assertGreaterEqual(counts.pop(), 1, "the others are reminded")
                self.assertEqual(poison.reminder_count, 0)
                self.assertEqual(poison.state, "intervention")
                self.assertEqual(poison.state_before_intervention, "sent")
                self.assertIn("Reminder failed on", poison.intervention_reason)
                self.assertIn("refused by the test trigger", poison.intervention_reason)
                if run == 1:
                    reminded = others.mapped("reminder_count")
                    mails = self.counts("mail.mail")
                else:
                    self.assertEqual(others.mapped("reminder_count"), reminded, "nobody reminded twice")
                    self.assertEqual(self.counts("mail.mail"), mails, "no email twice")
        # cleared by an officer: reminded at the next run
        self.env.cr.execute("DROP TRIGGER md_test_refuse ON membership_renewal")
        poison.action_clear_intervention()
        self.assertEqual(poison.state, "sent")
        with mute_logger(*QUIET), self.patched_commit_progress():
            self.env["membership.renewal"]._cron_send_reminders(today=D(2026, 12, 31))
        self.assertGreaterEqual(poison.reminder_count, 1)

    def test_campaign_run_isolates_a_failing_member(self):
        campaign = self.make_campaign(auto_launch=True, launch_days_before=60)
        poison = self.members[1]
        self.fail_on("membership_renewal", "BEFORE INSERT", f"NEW.partner_id = {poison.id}")
        Campaign = self.env["membership.renewal.campaign"]
        for run in (1, 2):
            with self.subTest(run=run), mute_logger(*QUIET), self.patched_commit_progress():
                Campaign._cron_run_campaigns(today=D(2026, 11, 15))
                self.env.invalidate_all()
                self.assertEqual(campaign.state, "done")
                self.assertEqual(campaign.renewal_ids.partner_id, self.members - poison, "the others are renewed")
                self.assertEqual(len(campaign.renewal_ids), 3, "one notice each, never two")
                self.assertEqual(campaign.failure_ids.partner_id, poison)
                self.assertEqual(len(campaign.failure_ids), 1, "the failure recorded once")
                self.assertIn("refused by the test trigger", campaign.failure_ids.error)

    def mails_for(self, notices):
        return self.env["mail.message"].search(
            [
                ("model", "=", "membership.renewal"),
                ("res_id", "in", notices.ids),
                ("subtype_id", "=", self.env.ref("mail.mt_comment").id),
            ]
        )


@tagged("post_install", "-at_install")
class TestFollowupCronIsolation(FailOneRecord, MembershipFollowupCommon):
    def test_followup_run_isolates_a_failing_member(self):
        invoices = {member: self.dues_invoice(member, D(2027, 3, 1)) for member in (self.ann, self.bob, self.cem)}
        poison = self.bob
        self.fail_on(
            "membership_followup_communication",
            "BEFORE INSERT",
            f"NEW.partner_id = {poison.id} AND NEW.state = 'sent'",
        )
        Communication = self.env["membership.followup.communication"]
        for run in (1, 2):
            with self.subTest(run=run), mute_logger(*QUIET):
                self.run_followup("2027-03-01")
                levels = {member: self.sent_levels(invoices[member]) for member in (self.ann, self.cem)}
                self.assertTrue(all(levels.values()), "the others are followed up")
                if run == 1:
                    first_levels = levels
                else:
                    self.assertEqual(levels, first_levels, "no level sent twice")
                self.assertFalse(invoices[poison].dues_followup_line_ids)
                failed = Communication.search([("partner_id", "=", poison.id)])
                self.assertEqual(failed.mapped("state"), ["failed"], "the failure recorded once")
                self.assertIn("refused by the test trigger", failed.error)
                self.assertEqual(
                    Communication.search_count([("state", "=", "sent"), ("date", "=", "2027-03-01")]),
                    2,
                    "one communication per member, never two",
                )

    def test_state_update_isolates_a_failing_subscription_and_a_second_run_skips_it(self):
        Subscription = self.env["membership.subscription"]
        subscriptions = Subscription.browse()
        for member in (self.ann, self.bob, self.cem):
            subscriptions |= self.paid_subscription(member, self.plan_year, "2028-01-01", "2028-12-31")
        poison = subscriptions[0]
        self.fail_on(
            "membership_subscription",
            "BEFORE UPDATE",
            f"NEW.id = {poison.id} AND NEW.state IS DISTINCT FROM OLD.state",
        )
        for run in (1, 2):
            with (
                self.subTest(run=run),
                mute_logger(*QUIET, "odoo.addons.membership_dues.models.membership_subscription"),
            ):
                with self.patched_commit_progress():
                    remaining = Subscription._cron_update_states(batch_size=2, today=D(2028, 1, 2))
                self.env.invalidate_all()
                self.assertEqual(remaining, 0)
                self.assertEqual(set((subscriptions - poison).mapped("state")), {"active"})
                self.assertEqual(poison.state, "upcoming")
                self.assertIn("refused by the test trigger", poison.cron_error)
                self.assertEqual(poison.cron_error_date, D(2028, 1, 2))
                if run == 1:
                    written = poison.write_date
                else:
                    self.assertEqual(poison.write_date, written, "not retried the same day")


@tagged("post_install", "-at_install")
class TestClaimTakesAtMostItsLimit(TransactionCase):
    """tools/batch.py ``claim`` locks at most ``limit`` records, whatever plan
    the planner picks: its locking search must run once, not once per row
    of the table (a nested loop semi join re-running it locked a new record
    each time, and a batch of 1 took them all)."""

    def test_a_claim_of_one_takes_one_whatever_the_plan(self):
        partners = self.env["res.partner"].create([{"name": f"Claimed {i}"} for i in range(3)])
        self.env.flush_all()
        # the plan that re-runs a subquery for each row, the others disabled
        for setting in ("hashagg", "material", "hashjoin", "mergejoin", "sort"):
            self.env.cr.execute(SQL("SET LOCAL %s = off", SQL.identifier(f"enable_{setting}")))
        try:
            taken = claim(self.env["res.partner"], [("id", "in", partners.ids)], 1)
        finally:
            self.env.cr.execute("RESET ALL")
        self.assertEqual(taken, partners[0], "one record, the first")
