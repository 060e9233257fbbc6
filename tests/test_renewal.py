from datetime import date, timedelta

from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged

from .common import MembershipRenewalCommon


@tagged("post_install", "-at_install")
class TestRenewalNotice(MembershipRenewalCommon):
    def test_send_emails_the_notice_with_its_pdf(self):
        renewal = self.notice(self.members[0], state="draft")
        renewal.action_send()
        self.assertEqual(renewal.state, "sent")
        self.assertTrue(renewal.date_sent)
        self.assertTrue(renewal.access_token)
        self.assertEqual(renewal.token_expires_on, renewal.date_sent + timedelta(days=120))
        message = renewal.message_ids.filtered(lambda m: m.attachment_ids)
        self.assertEqual(len(message), 1)
        self.assertIn(renewal.access_url, message.body, "the email carries the member's link")
        attachment = message.attachment_ids
        self.assertTrue(attachment.name.startswith("Renewal notice - Ann"))
        content = attachment.raw.decode()
        for expected in ("Ann", "01/01/2027", "12/31/2027", "240.00", "Fee of the plan for a full period"):
            self.assertIn(expected, content)
        self.assertEqual(self.env["mail.mail"].search_count([("mail_message_id", "=", message.id)]), 1, "queued")

    def test_change_requested_schedules_a_follow_up(self):
        renewal = self.notice(self.members[0])
        with self.assertRaisesRegex(UserError, "which change"):
            renewal.action_request_change("  ")
        renewal.action_request_change("We merged with another company: please use our new name.")
        self.assertEqual(renewal.state, "change_requested")
        self.assertTrue(renewal.date_answered)
        activity = renewal.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertIn("new name", activity.note)

    def test_approve_creates_the_subscription_and_invoice_and_sends_it(self):
        for state in ("sent", "change_requested", "draft"):
            with self.subTest(state=state):
                member = self.members.filtered(lambda m: not m.dues_renewal_ids)[:1]
                renewal = self.notice(member, state=state)
                renewal.action_approve()
                self.assertEqual(renewal.state, "approved")
                subscription = renewal.subscription_id
                self.assertEqual(
                    (subscription.date_start, subscription.date_end, subscription.amount, subscription.kind),
                    (date(2027, 1, 1), date(2027, 12, 31), 240.0, "renewal"),
                )
                self.assertEqual(subscription.state, "waiting_payment")
                self.assertEqual(subscription.previous_id.partner_id, member)
                self.assertEqual(subscription.invoice_id.state, "posted")
                self.assertTrue(subscription.invoice_id.sending_data)

    def test_refuse_needs_a_reason_and_ends_the_membership_with_the_period(self):
        renewal = self.notice(self.members[0])
        with self.assertRaisesRegex(UserError, "reason"):
            renewal.action_refuse(self.env["membership.refusal.reason"])
        renewal.action_refuse(self.refuse_reason, "Too expensive this year")
        self.assertEqual((renewal.state, renewal.refusal_reason_id), ("refused", self.refuse_reason))
        self.assertFalse(renewal.subscription_id)
        self.assertEqual(self.status(self.members[0], date(2026, 12, 31)), "member")
        self.assertEqual(self.status(self.members[0], date(2027, 3, 1)), "former")
        approved = self.notice(self.members[1])
        approved.action_approve()
        report = approved.action_refuse(self.refuse_reason)
        self.assertEqual(approved.state, "approved", "an approved notice is reset first")
        self.assertIn("Skipped 1 in state Approved", report["params"]["message"])

    def test_intervention_needs_a_reason_and_stops_reminders(self):
        renewal = self.notice(self.members[0])
        with self.assertRaisesRegex(UserError, "reason of the intervention"):
            renewal.action_set_intervention()
        renewal.intervention_reason = "The member's company was taken over: check the new contact."
        renewal.action_set_intervention()
        self.assertEqual(renewal.state, "intervention")
        with self.patched_commit_progress():
            self.env["membership.renewal"]._cron_send_reminders(today=date(2026, 12, 31))
        self.assertEqual(renewal.reminder_count, 0, "never reminded while an intervention is required")
        self.assertEqual(renewal.action_approve()["params"]["type"], "warning", "not approved either")
        renewal.action_clear_intervention()
        self.assertEqual(renewal.state, "sent")

    def test_reset_after_a_draft_invoice(self):
        self.plan_year.post_joining_invoice = False
        renewal = self.notice(self.members[0])
        subscription = renewal._approve(send_invoice=False)
        subscription.invoice_id.button_draft()
        invoice = subscription.invoice_id
        renewal.action_reset()
        self.assertEqual(invoice.state, "cancel")
        self.assertEqual(subscription.state, "cancelled")
        self.assertEqual((renewal.state, renewal.subscription_id.id), ("draft", False))
        renewal.plan_id = self.plan_year
        renewal.action_approve()
        self.assertNotEqual(renewal.subscription_id, subscription)
        self.assertEqual(renewal.subscription_id.invoice_id.state, "posted", "a new invoice")

    def test_reset_after_a_posted_invoice_credits_it(self):
        renewal = self.notice(self.members[0])
        renewal.action_approve()
        subscription, invoice = renewal.subscription_id, renewal.subscription_id.invoice_id
        renewal.action_reset()
        self.assertEqual(invoice.payment_state, "reversed")
        self.assertEqual(invoice.reversal_move_ids.state, "posted")
        self.assertEqual(subscription.state, "cancelled")
        self.assertEqual(renewal.state, "draft")
        self.assertTrue(renewal.message_ids.filtered(lambda m: "credited by" in (m.body or "")))
        # changed and approved again: a new invoice, the period is free again
        renewal.plan_id = self.plan_anniversary
        renewal.action_recompute_fee()
        self.assertEqual(renewal.amount, 120.0)
        renewal.action_approve()
        self.assertEqual(renewal.subscription_id.invoice_id.amount_untaxed, 120.0)

    def test_reset_after_a_paid_invoice_is_refused_with_a_clear_message(self):
        renewal = self.notice(self.members[0])
        renewal.action_approve()
        self.pay(renewal.subscription_id.invoice_id)
        with self.assertRaisesRegex(UserError, "has a payment .*refund the payment and credit the invoice first"):
            renewal.action_reset()
        self.assertEqual(renewal.state, "approved")

    def test_bulk_actions_report_done_and_skipped(self):
        ann = self.notice(self.members[0], state="draft")
        bob = self.notice(self.members[1], state="sent")
        cid = self.notice(self.members[2], state="sent")
        cid.action_refuse(self.refuse_reason)
        report = (ann | bob | cid).action_send()
        message = report["params"]["message"]
        self.assertIn("Sent: 2.", message)
        self.assertIn("Skipped 1 in state Refused: Cid.", message)
        report = (ann | bob | cid).action_approve()
        self.assertIn("Approved: 2.", report["params"]["message"])
        wizard = Form(
            self.env["membership.renewal.refuse.wizard"].with_context(
                active_model="membership.renewal", active_ids=(ann | bob | cid).ids
            )
        )
        wizard.reason_id = self.env.ref("membership_dues.refusal_reason_no_reply")
        report = wizard.save().action_refuse()
        self.assertIn("Refused: 0.", report["params"]["message"])

    def test_no_reply_notices_refused_in_bulk(self):
        old = self.notice(self.members[0], date_sent="2026-03-01")
        recent = self.notice(self.members[1], date_sent="2026-11-01")
        no_reply = self.env["membership.renewal"].search(
            [("no_reply_date", "<=", "2026-11-21"), ("state", "=", "sent")]
        )
        self.assertEqual(no_reply, old)
        reason = self.env.ref("membership_dues.refusal_reason_no_reply")
        self.env["membership.renewal.refuse.wizard"].create(
            {"renewal_ids": [(6, 0, no_reply.ids)], "reason_id": reason.id}
        ).action_refuse()
        self.assertEqual((old.state, old.refusal_reason_id), ("refused", reason))
        self.assertEqual(recent.state, "sent")

    def test_reminders_after_7_21_and_45_days_once_each(self):
        renewal = self.notice(self.members[0], date_sent="2026-10-01")
        Renewal = self.env["membership.renewal"]

        def run(day):
            with self.patched_commit_progress():
                Renewal._cron_send_reminders(today=day)
            return renewal.reminder_count

        self.assertEqual(renewal.next_reminder_date, date(2026, 10, 8))
        self.assertEqual(run(date(2026, 10, 7)), 0)
        self.assertEqual(run(date(2026, 10, 8)), 1)
        self.assertEqual(run(date(2026, 10, 8)), 1, "run twice the same day: one reminder")
        self.assertEqual(renewal.next_reminder_date, date(2026, 10, 22))
        self.assertEqual(run(date(2026, 11, 20)), 3, "after a downtime: one reminder, the levels caught up")
        self.assertFalse(renewal.next_reminder_date)
        self.assertEqual(run(date(2026, 12, 31)), 3, "no more than the configured reminders")
        reminders = renewal.message_ids.filtered(lambda m: "have not received your answer" in (m.body or ""))
        self.assertEqual(len(reminders), 2)

    def test_reminder_delays_are_configurable_and_checked(self):
        self.env.company.dues_reminder_delays = "3, 10"
        renewal = self.notice(self.members[0], date_sent="2026-10-01")
        self.assertEqual(renewal.next_reminder_date, date(2026, 10, 4))
        with self.assertRaisesRegex(ValidationError, "whole numbers of days"):
            self.env.company.dues_reminder_delays = "7, two weeks"
