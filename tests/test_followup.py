import base64
import subprocess
from datetime import date, timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo import Command
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from ..models import membership_followup_run, membership_subscription
from ..tools.orm_batch import refresh_statistics
from .common import MembershipFollowupCommon

D = date
LOGGER = "odoo.addons.membership_dues.models.membership_followup_run"


@tagged("post_install", "-at_install")
class TestFollowupPolicy(MembershipFollowupCommon):
    def test_default_policy_installed_with_the_module(self):
        """Courtesy email 7 days before, email on the due date, email 15 days
        after, letter + email 30 days after, formal notice letter 45 days
        after, suspension 60 days after."""
        channels = [
            (
                level.delay_days,
                level.tone,
                level.send_email,
                level.send_letter,
                level.action,
            )
            for level in self.policy.level_ids.sorted("delay_days")
        ]
        self.assertEqual(
            channels,
            [
                (-7, "courtesy", True, False, "none"),
                (0, "reminder", True, False, "none"),
                (15, "reminder", True, False, "none"),
                (30, "firm", True, True, "none"),
                (45, "formal_notice", False, True, "none"),
                (60, "formal_notice", True, False, "suspend"),
            ],
        )
        self.assertTrue(self.policy.is_default)
        self.assertEqual(self.policy.company_id, self.company)
        self.assertEqual(self.env["membership.followup.policy"]._for_company(self.company), self.policy, "one default")

    def test_a_level_needs_its_own_day_and_a_late_fee_product(self):
        with self.assertRaisesRegex(Exception, "same number of days"):
            self.policy.write({"level_ids": [Command.create({"name": "Twice", "delay_days": 15})]})
        with self.assertRaisesRegex(Exception, "product the late fee"):
            self.level_first.write({"late_fee_type": "fixed", "late_fee_amount": 5.0})
        with self.assertRaisesRegex(Exception, "does nothing"):
            self.level_first.write({"send_email": False})
        with self.assertRaisesRegex(Exception, "cannot be negative"):
            self.level_second.late_fee_amount = -1

    def test_a_plan_policy_overrides_the_company_default(self):
        strict = self.env["membership.followup.policy"].create(
            {"name": "Strict", "level_ids": [Command.create({"name": "At once", "delay_days": 1})]}
        )
        self.plan_anniversary.followup_policy_id = strict
        on_plan = self.dues_invoice(self.ann, D(2027, 3, 1), plan=self.plan_anniversary)
        on_default = self.dues_invoice(self.bob, D(2027, 3, 1))
        policies = self.env["membership.followup.run"]._policies_by_move(on_plan | on_default)
        self.assertEqual(policies[on_plan.id], strict)
        self.assertEqual(policies[on_default.id], self.policy)
        self.run_followup("2027-03-02")
        self.assertEqual(self.sent_levels(on_plan), [(1, "2027-03-02")])
        self.assertEqual(self.sent_levels(on_default), [(0, "2027-03-02")])


@tagged("post_install", "-at_install")
class TestFollowupRun(MembershipFollowupCommon):
    def test_one_invoice_walks_through_every_level(self):
        invoice = self.dues_invoice(self.ann, D(2027, 3, 1), invoice_date=D(2027, 2, 1))
        self.assertEqual(invoice.dues_followup_next_level_id, self.level_courtesy)
        self.assertEqual(str(invoice.dues_followup_next_date), "2027-02-22")
        levels = [(-7, "2027-02-22"), (0, "2027-03-01"), (15, "2027-03-16"), (30, "2027-03-31")]
        levels += [(45, "2027-04-15"), (60, "2027-04-30")]
        walk = [
            # (run on, levels sent so far, emails so far, next level, next date)
            ("2027-02-15", 0, 0, self.level_courtesy, "2027-02-22"),
            ("2027-02-22", 1, 1, self.level_due, "2027-03-01"),
            ("2027-02-23", 1, 1, self.level_due, "2027-03-01"),
            ("2027-03-01", 2, 2, self.level_first, "2027-03-16"),
            ("2027-03-16", 3, 3, self.level_second, "2027-03-31"),
            ("2027-03-31", 4, 4, self.level_notice, "2027-04-15"),
            ("2027-03-31", 4, 4, self.level_notice, "2027-04-15"),  # the same day again: nothing more
            ("2027-04-15", 5, 4, self.level_suspend, "2027-04-30"),  # formal notice: a letter, no email
            ("2027-04-30", 6, 5, self.env["membership.followup.level"], False),
            ("2027-06-30", 6, 5, self.env["membership.followup.level"], False),
        ]
        for on, sent, emails, next_level, next_date in walk:
            self.run_followup(on)
            with self.subTest(on=on):
                self.assertEqual(self.sent_levels(invoice), levels[:sent])
                self.assertEqual(len(self.mails_to(self.ann)), emails)
                self.assertEqual(invoice.dues_followup_next_level_id, next_level)
                self.assertEqual(str(invoice.dues_followup_next_date or False), str(next_date))
        self.assertEqual(
            [days for days, _sent in self.sent_levels(invoice)], [-7, 0, 15, 30, 45, 60], "every level once"
        )
        self.assertEqual(invoice.dues_followup_level_id, self.level_suspend)
        records = invoice.dues_followup_line_ids
        self.assertEqual(records.filtered(lambda r: r.delay_days == 30).channels, "email, letter")
        self.assertEqual(records.filtered(lambda r: r.delay_days == 45).channels, "letter")
        self.assertEqual(set(records.mapped("result")), {"sent"})
        self.assertEqual(set(records.mapped("amount_due")), {240.0})
        letters = records.communication_id.filtered("letter_id").sorted("date")
        self.assertEqual(letters.level_id.mapped("delay_days"), [30, 45], "letters to print and post")
        # The 15-day email attaches the invoice; the formal notice letter is kept on its communication
        first_mail = self.mails_to(self.ann)[2]
        self.assertIn(invoice.name.replace("/", "_"), " ".join(first_mail.attachment_ids.mapped("name")))
        # One late fee, of the second reminder
        fee_lines = self.env["account.move.line"].search([("product_id", "=", self.late_fee_product.id)])
        self.assertEqual(len(fee_lines), 1)
        self.assertEqual(fee_lines.move_id.state, "posted")
        self.assertEqual(fee_lines.move_id.amount_total, 15.0)
        self.assertEqual(fee_lines.move_id.partner_id, self.ann)
        self.assertEqual(records.filtered(lambda r: r.delay_days == 30).late_fee_move_id, fee_lines.move_id)
        # Suspended at 60 days, until paid
        self.assertTrue(self.ann.dues_suspended)
        self.assertEqual(self.status(self.ann, D(2027, 5, 1)), "suspended")
        self.assertIn("Membership suspended", " ".join(self.ann.message_ids.mapped("body")))
        # The history is in the invoice's chatter
        bodies = " ".join(invoice.message_ids.mapped("body"))
        for level in (self.level_courtesy, self.level_due, self.level_notice, self.level_suspend):
            self.assertIn(f"Follow-up {level.name} sent", bodies)
        self.pay(invoice, pay_date=D(2027, 5, 2))
        self.assertFalse(self.ann.dues_suspended, "lifted when the overdue dues are paid")
        self.assertIn("Suspension lifted", self.ann.message_ids[0].body)
        self.assertFalse(invoice.dues_followup_next_level_id)

    def test_levels_missed_while_the_scheduled_action_was_off_are_sent_not_skipped(self):
        invoice = self.dues_invoice(self.ann, D(2027, 3, 1))
        # Off until 50 days after the due date: the courtesy reminder's moment has passed, the others all come,
        # one at a time, each leaving the member the policy's time to pay.
        for on in ("2027-04-20", "2027-04-21", "2027-05-05", "2027-05-20", "2027-06-04", "2027-06-19"):
            self.run_followup(on)
        self.assertEqual(
            self.sent_levels(invoice),
            [(0, "2027-04-20"), (15, "2027-05-05"), (30, "2027-05-20"), (45, "2027-06-04"), (60, "2027-06-19")],
        )

    def test_never_reminds_an_invoice_paid_between_two_runs(self):
        invoice = self.dues_invoice(self.ann, D(2027, 3, 1))
        self.run_followup("2027-03-01")
        self.assertEqual(self.sent_levels(invoice), [(0, "2027-03-01")])
        self.pay(invoice, pay_date=D(2027, 3, 5))
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        for on in ("2027-03-16", "2027-04-30", "2027-06-30"):
            self.run_followup(on)
        self.assertEqual(self.sent_levels(invoice), [(0, "2027-03-01")])
        self.assertEqual(len(self.mails_to(self.ann)), 1)
        self.assertFalse(invoice.dues_followup_next_level_id)

    def test_paid_after_the_run_collected_it_and_before_it_sent(self):
        """A run collects, then sends in batches: an invoice paid meanwhile is not reminded."""
        invoice = self.dues_invoice(self.ann, D(2027, 3, 1))
        Run = self.env["membership.followup.run"]
        collected = Run._collect(D(2027, 3, 1))
        self.assertIn(self.ann, collected)
        self.pay(invoice, pay_date=D(2027, 3, 1))
        self.assertFalse(Run._send([collected[self.ann]], D(2027, 3, 1)))
        self.assertFalse(invoice.dues_followup_line_ids)
        self.assertFalse(self.mails_to(self.ann))

    def test_a_partly_paid_invoice_is_reminded_for_what_is_left(self):
        invoice = self.dues_invoice(self.ann, D(2027, 3, 1))
        self.pay(invoice, amount=100.0, pay_date=D(2027, 2, 20))
        self.assertEqual(invoice.payment_state, "partial")
        self.run_followup("2027-03-01")
        self.assertEqual(invoice.dues_followup_line_ids.amount_due, 140.0)
        self.assertIn("140.00", self.mails_to(self.ann).body_html)

    def test_disputed_manual_and_postponed_invoices_are_left_alone(self):
        disputed = self.dues_invoice(self.ann, D(2027, 3, 1))
        manual = self.dues_invoice(self.bob, D(2027, 3, 1))
        postponed = self.dues_invoice(self.cem, D(2027, 3, 1))
        disputed.dues_dispute = True
        manual.dues_followup_manual = True
        with freeze_time("2027-03-01"):
            postponed.action_membership_postpone()
        self.assertEqual(str(postponed.dues_followup_postponed_until), "2027-03-16")
        self.assertEqual(str(postponed.dues_followup_next_date), "2027-03-16")
        for on in ("2027-03-01", "2027-03-10"):
            self.run_followup(on)
        self.assertFalse((disputed | manual | postponed).dues_followup_line_ids)
        self.run_followup("2027-03-16")
        self.assertEqual(self.sent_levels(postponed), [(0, "2027-03-16")])
        self.assertFalse((disputed | manual).dues_followup_line_ids)
        # The preview says why
        with freeze_time("2027-03-20"):
            wizard = Form(self.env["membership.followup.wizard"])
            wizard.date = D(2027, 3, 20)
            wizard = wizard.save()
        details = {line.partner_id: line.details for line in wizard.line_ids}
        self.assertIn("disputed", details[self.ann])
        self.assertIn("manual follow-up", details[self.bob])
        # Lifting the dispute resumes the follow-up where it stopped
        disputed.dues_dispute = False
        self.run_followup("2027-03-20")
        self.assertEqual(self.sent_levels(disputed), [(0, "2027-03-20")])

    def test_a_credit_note_or_a_payment_not_yet_allocated_that_covers_it(self):
        covered = self.dues_invoice(self.ann, D(2027, 3, 1))
        refund = covered.copy({"move_type": "out_refund", "invoice_date": D(2027, 2, 15)})
        refund.action_post()  # not reconciled with the invoice
        partly = self.dues_invoice(self.bob, D(2027, 3, 1))
        payment = self.env["account.payment"].create(
            {
                "payment_type": "inbound",
                "partner_type": "customer",
                "partner_id": self.bob.id,
                "amount": 100.0,
                "date": D(2027, 2, 20),
                "journal_id": self.company_data["default_journal_bank"].id,
            }
        )
        payment.action_post()
        credits = self.env["membership.followup.run"]._unreconciled_credits(self.ann | self.bob)
        self.assertEqual(credits[self.ann.id], 240.0)
        self.assertEqual(credits[self.bob.id], 100.0)
        with freeze_time("2027-03-01"):
            wizard = self.env["membership.followup.wizard"].create({"date": D(2027, 3, 1)})
            wizard._onchange_preview()
        lines = {line.partner_id: line for line in wizard.line_ids}
        self.assertFalse(lines[self.ann].to_send)
        self.assertIn("covered by an unreconciled payment or credit note", lines[self.ann].details)
        self.assertTrue(lines[self.bob].to_send, "100.00 does not cover 240.00")
        self.assertIn("unreconciled payments or credit notes", lines[self.bob].warning)
        self.run_followup("2027-03-01")
        self.assertFalse(covered.dues_followup_line_ids)
        self.assertEqual(self.sent_levels(partly), [(0, "2027-03-01")])

    def test_each_instalment_follows_the_levels_on_its_own_date(self):
        half_now_half_later = self.env["account.payment.term"].create(
            {
                "name": "Half now, half in 60 days",
                "line_ids": [
                    Command.create({"value": "percent", "value_amount": 50.0, "nb_days": 0}),
                    Command.create({"value": "percent", "value_amount": 50.0, "nb_days": 60}),
                ],
            }
        )
        invoice = self.dues_invoice(self.ann, None, payment_term=half_now_half_later, invoice_date=D(2027, 1, 1))
        first, second = invoice.line_ids.filtered(lambda line: line.display_type == "payment_term").sorted(
            "date_maturity"
        )
        self.assertEqual((str(first.date_maturity), str(second.date_maturity)), ("2027-01-01", "2027-03-02"))
        for on in ("2027-01-01", "2027-01-16", "2027-02-23"):
            self.run_followup(on)

        def levels(instalment):
            records = invoice.dues_followup_line_ids.filtered(lambda r: r.move_line_id == instalment)
            return [(r.delay_days, str(r.date)) for r in records.sorted("date")]

        self.assertEqual(levels(first), [(0, "2027-01-01"), (15, "2027-01-16"), (30, "2027-02-23")])
        self.assertEqual(levels(second), [(-7, "2027-02-23")], "only its courtesy reminder before its due date")
        communication = invoice.dues_followup_line_ids.filtered(lambda r: str(r.date) == "2027-02-23").communication_id
        self.assertEqual(len(communication), 1, "both instalments in one communication")
        # The member pays the first half: the second goes on, on its own dates
        self.pay(invoice, amount=120.0, pay_date=D(2027, 2, 25))
        self.assertEqual(invoice.payment_state, "partial")
        self.assertTrue(first.reconciled)
        for on in ("2027-03-02", "2027-03-17"):
            self.run_followup(on)
        self.assertEqual(levels(first), [(0, "2027-01-01"), (15, "2027-01-16"), (30, "2027-02-23")], "paid")
        self.assertEqual(levels(second), [(-7, "2027-02-23"), (0, "2027-03-02"), (15, "2027-03-17")])
        march = invoice.dues_followup_line_ids.filtered(lambda r: r.date.month == 3)
        self.assertEqual(march.mapped("amount_due"), [120.0, 120.0])

    def test_running_twice_sends_once(self):
        invoices = self.dues_invoice(self.ann, D(2027, 3, 1)) | self.dues_invoice(self.bob, D(2027, 3, 1))
        self.run_followup("2027-03-31")
        self.run_followup("2027-03-31")
        self.assertEqual(len(invoices.dues_followup_line_ids), 2)
        self.assertEqual(
            len(
                self.env["membership.followup.communication"].search([("partner_id", "in", (self.ann | self.bob).ids)])
            ),
            2,
        )
        self.assertEqual(len(self.mails_to(self.ann)), 1)

    def test_the_database_refuses_a_level_twice_for_an_instalment(self):
        invoice = self.dues_invoice(self.ann, D(2027, 3, 1))
        self.run_followup("2027-03-01")
        record = invoice.dues_followup_line_ids
        with mute_logger("odoo.sql_db"), self.assertRaisesRegex(Exception, "instalment_level_unique"):
            record.copy()
            self.env.flush_all()

    def test_resumed_after_a_crash_one_record_per_invoice_and_level_and_one_late_fee(self):
        strict = self.env["membership.followup.policy"].create(
            {
                "name": "Strict",
                "level_ids": [
                    Command.create(
                        {
                            "name": "Pay now",
                            "delay_days": 1,
                            "late_fee_type": "percent",
                            "late_fee_percent": 10.0,
                            "late_fee_product_id": self.late_fee_product.id,
                        }
                    )
                ],
            }
        )
        self.plan_year.followup_policy_id = strict
        members = self.ann | self.bob | self.cem
        invoices = self.env["account.move"].union(*(self.dues_invoice(member, D(2027, 3, 1)) for member in members))
        Communication = self.env["membership.followup.communication"]
        calls = []

        def crash_after_first_batch(*args, **kwargs):
            calls.append(kwargs)
            if len(calls) == 2:  # 1st call sets the remaining count, 2nd ends the first batch
                raise KeyboardInterrupt("worker killed")
            return 1000.0

        # (not assertRaises: Odoo's rolls the block back, as a crash would not)
        crashed = False
        with (
            freeze_time("2027-03-02"),
            patch.object(type(self.env["ir.cron"]), "_commit_progress", side_effect=crash_after_first_batch),
        ):
            try:
                Communication._cron_run_followup(batch_size=1)
            except KeyboardInterrupt:
                crashed = True
        self.assertTrue(crashed)
        self.assertEqual(len(invoices.dues_followup_line_ids), 1, "the first batch went through")
        self.run_followup("2027-03-02", batch_size=1)
        self.run_followup("2027-03-02", batch_size=1)
        self.run_followup("2027-03-03", batch_size=1)
        records = invoices.dues_followup_line_ids
        self.assertEqual(len(records), 3)
        self.assertEqual(
            set(records.mapped(lambda r: (r.move_id, r.level_id))),
            {(invoice, strict.level_ids) for invoice in invoices},
        )
        fees = self.env["account.move.line"].search([("product_id", "=", self.late_fee_product.id)])
        self.assertEqual(len(fees), 3, "one late fee per invoice")
        self.assertEqual(set(fees.mapped("price_unit")), {24.0}, "10 % of 240.00")
        self.assertEqual(len(Communication.search([("partner_id", "in", members.ids)])), 3)

    def test_a_failing_member_is_recorded_and_the_others_go_on(self):
        self.dues_invoice(self.ann, D(2027, 3, 1))
        bob_invoice = self.dues_invoice(self.bob, D(2027, 3, 1))
        with self.email_refused_to(self.ann), self.assertLogs(LOGGER, "ERROR") as logs:
            self.run_followup("2027-03-01")
        self.assertIn("follow-up of Ann Martin failed", logs.output[0])
        failed = self.env["membership.followup.communication"].search([("partner_id", "=", self.ann.id)])
        self.assertEqual(failed.state, "failed")
        self.assertIn("mail server refused", failed.error)
        self.assertFalse(failed.line_ids, "its levels are not recorded: the next run retries them")
        self.assertEqual(self.sent_levels(bob_invoice), [(0, "2027-03-01")])
        self.run_followup("2027-03-02")
        self.assertEqual(len(self.env["membership.followup.line"].search([("partner_id", "=", self.ann.id)])), 1)

    def test_phone_call_and_sms_channels(self):
        self.level_due.write({"schedule_call": True, "call_user_id": self.officer.id, "send_sms": True})
        self.ann.phone = "+32 470 12 34 56"
        invoice = self.dues_invoice(self.ann, D(2027, 3, 1))
        self.run_followup("2027-03-01")
        activity = self.ann.activity_ids
        self.assertEqual(activity.user_id, self.officer)
        self.assertEqual(activity.activity_type_id, self.env.ref("mail.mail_activity_data_call"))
        self.assertIn("240.00", str(activity.note))
        has_sms = "sms.sms" in self.env
        self.assertEqual(
            invoice.dues_followup_line_ids.channels, "email, SMS, phone call" if has_sms else "email, phone call"
        )


@tagged("post_install", "-at_install")
class TestFollowupCommunication(MembershipFollowupCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Three invoices of one member, due two weeks apart, and one not due yet
        cls.invoice_a = cls.dues_invoice(cls.ann, D(2027, 3, 1), year=2025)
        cls.invoice_b = cls.dues_invoice(cls.ann, D(2027, 3, 16), year=2026)
        cls.invoice_c = cls.dues_invoice(cls.ann, D(2027, 3, 31), year=2027)
        cls.invoice_later = cls.dues_invoice(cls.ann, D(2027, 6, 1), year=2028)

    def test_one_email_lists_the_three_overdue_invoices_at_their_levels(self):
        for on in ("2027-03-01", "2027-03-16"):
            self.run_followup(on)
        mails_before = self.mails_to(self.ann)
        self.run_followup("2027-03-31")
        communication = self.env["membership.followup.communication"].search(
            [("partner_id", "=", self.ann.id), ("date", "=", "2027-03-31")]
        )
        self.assertEqual(len(communication), 1)
        self.assertEqual(
            {(record.move_id, record.delay_days) for record in communication.line_ids},
            {(self.invoice_a, 30), (self.invoice_b, 15), (self.invoice_c, 0)},
        )
        self.assertEqual(communication.level_id, self.level_second, "the highest level drives the tone")
        self.assertEqual(communication.amount_due, 720.0)
        self.assertEqual(communication.open_line_ids.move_id, self.invoice_a | self.invoice_b | self.invoice_c)
        mail = self.mails_to(self.ann) - mails_before
        self.assertEqual(len(mail), 1, "a single email")
        self.assertIn("second reminder", mail.subject)
        for invoice, level in (
            (self.invoice_a, self.level_second),
            (self.invoice_b, self.level_first),
            (self.invoice_c, self.level_due),
        ):
            self.assertIn(invoice.name, mail.body_html)
            self.assertIn(level.name, mail.body_html)
        self.assertNotIn(self.invoice_later.name, mail.body_html, "not due yet: not listed")
        self.assertIn("Dear Ann Martin,", mail.body_html)
        self.assertIn("720.00", mail.body_html)
        self.assertIn("15.00", mail.body_html, "the late fee")
        self.assertEqual(len(mail.attachment_ids.filtered(lambda a: a.name.endswith(".pdf"))), 4, "letter + 3 invoices")

    def test_an_invoice_sent_before_is_attached_as_the_member_received_it(self):
        stored = b"%PDF-1.4 the invoice as sent to the member"
        self.invoice_a.invoice_pdf_report_file = base64.b64encode(stored)  # what account.move.send keeps
        self.run_followup("2027-03-01")
        mails_before = self.mails_to(self.ann)
        self.run_followup("2027-03-16")  # the first reminder attaches the invoices due
        mail = self.mails_to(self.ann) - mails_before
        self.assertEqual(len(mail), 1)
        attached = {attachment.name: attachment.raw for attachment in mail.attachment_ids}
        self.assertEqual(attached[f"{self.invoice_a.name.replace('/', '_')}.pdf"], stored, "not printed again")
        printed = attached[f"{self.invoice_b.name.replace('/', '_')}.pdf"]
        self.assertIn(self.invoice_b.name.encode(), printed, "never sent: printed now")

    def test_the_letter_and_the_formal_notice_are_pdf_documents(self):
        for on in ("2027-03-01", "2027-03-16", "2027-03-31", "2027-04-15"):
            self.run_followup(on)
        notice = self.env["membership.followup.communication"].search(
            [("partner_id", "=", self.ann.id), ("date", "=", "2027-04-15")]
        )
        self.assertEqual(notice.level_id, self.level_notice)
        self.assertTrue(notice.letter_id, "the letter to post is kept")
        with self.allow_pdf_render():
            pdf, kind = (
                self.env["ir.actions.report"]
                .with_context(force_report_rendering=True)
                ._render_qweb_pdf("membership_dues.action_report_followup_letter", notice.ids)
            )
        self.assertEqual(kind, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF"))
        info = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
        self.assertRegex(info, r"Pages:\s+1\b")
        html = " ".join(
            self.env["ir.actions.report"]
            ._render_qweb_html("membership_dues.action_report_followup_letter", notice.ids)[0]
            .decode()
            .split()
        )
        for expected in (
            "Formal notice to pay",
            "Ann Martin",
            "Rue de la Loi 16",
            "1000",
            "Brussels",
            self.invoice_a.name,
            self.invoice_b.name,
            self.invoice_c.name,
            "Formal notice",  # invoice A's level
            "720.00",
            "formal notice to pay the total due within ten days",
            "04/25/2027",  # the deadline
        ):
            self.assertIn(expected, html)
        self.assertNotIn(self.invoice_later.name, html)
        second = notice.search([("partner_id", "=", self.ann.id), ("date", "=", "2027-03-31")])
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html("membership_dues.action_report_followup_letter", second.ids)[0]
            .decode()
        )
        self.assertIn("Second reminder: overdue membership dues", html)
        self.assertNotIn("formal notice to pay the total due", html)
        self.assertIn("late fees:", html, "the late fee is a part of the one total to pay")


@tagged("post_install", "-at_install")
class TestFollowupWizardAndActions(MembershipFollowupCommon):
    def test_preview_details_match_the_invoice_count(self):
        """A member with an invoice at a level and another not due yet: two
        invoices, two lines of details."""
        reminded = self.dues_invoice(self.ann, D(2027, 2, 25), year=2028)
        self.run_followup(D(2027, 2, 25))  # its 'due' level is sent; the next comes 15 days after
        due = self.dues_invoice(self.ann, D(2027, 3, 1))
        disputed = self.dues_invoice(self.ann, D(2027, 2, 1), year=2029)
        disputed.dues_dispute = True
        with freeze_time("2027-03-01"):
            wizard = Form(self.env["membership.followup.wizard"].with_user(self.officer)).save()
        line = wizard.line_ids.filtered(lambda line: line.partner_id == self.ann)
        details = line.details.split("\n")
        self.assertEqual(line.invoice_count, 3)
        self.assertEqual(len(details), 3, details)
        self.assertIn(f"{due.name}: {self.level_due.name}", details)
        self.assertIn(f"{reminded.name}: no level due on this date", details)
        self.assertIn(f"{disputed.name}: disputed", details)

    def test_the_date_does_not_open_on_load(self):
        arch = self.env["membership.followup.wizard"].get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn('disable_autofocus="1"', arch)

    def test_preview_sends_nothing_then_sends_the_chosen_members(self):
        ann_invoice = self.dues_invoice(self.ann, D(2027, 3, 1))
        bob_invoice = self.dues_invoice(self.bob, D(2027, 3, 1))
        with freeze_time("2027-03-01"):
            form = Form(self.env["membership.followup.wizard"].with_user(self.officer))
            self.assertEqual(len(form.line_ids), 2)
            wizard = form.save()
        self.assertFalse((ann_invoice | bob_invoice).dues_followup_line_ids, "a preview sends nothing")
        lines = {line.partner_id: line for line in wizard.line_ids}
        self.assertEqual(lines[self.ann].level_id, self.level_due)
        self.assertEqual(lines[self.ann].amount_due, 240.0)
        self.assertIn(ann_invoice.name, lines[self.ann].details)
        lines[self.bob].send = False
        with freeze_time("2027-03-01"):
            action = wizard.action_send()
        self.assertEqual(self.sent_levels(ann_invoice), [(0, "2027-03-01")])
        self.assertFalse(bob_invoice.dues_followup_line_ids)
        self.assertEqual(wizard.result, "1 communications sent, 0 failed.")
        self.assertEqual(self.env["membership.followup.communication"].search(action["domain"]).partner_id, self.ann)

    def test_member_shows_level_next_action_and_history(self):
        invoice = self.dues_invoice(self.ann, D(2027, 3, 1))
        self.run_followup("2027-03-01")
        with freeze_time("2027-03-02"):
            self.ann.invalidate_recordset()
            self.assertEqual(self.ann.dues_followup_level_id, self.level_due)
            self.assertEqual(self.ann.dues_followup_next_level_id, self.level_first)
            self.assertEqual(str(self.ann.dues_followup_next_date), "2027-03-16")
        self.assertEqual(self.ann.dues_followup_line_ids, invoice.dues_followup_line_ids)
        action = self.ann.action_view_membership_followup()
        self.assertEqual(self.env["membership.followup.line"].search(action["domain"]), invoice.dues_followup_line_ids)
        self.assertIn("Dues follow-up Due today sent", " ".join(self.ann.message_ids.mapped("body")))
        # An officer postpones, flags a dispute, or moves to manual follow-up
        invoice_as_officer = invoice.with_user(self.officer).with_context(tracking_disable=False, mail_notrack=False)
        with freeze_time("2027-03-02"):
            invoice_as_officer.action_membership_postpone()
        self.assertEqual(str(invoice.dues_followup_next_date), "2027-03-17")
        invoice_as_officer.dues_dispute = True
        invoice_as_officer.dues_followup_manual = True
        self.env.cr.precommit.run()  # tracking
        tracked = self.env["mail.tracking.value"].search(
            [("mail_message_id.model", "=", "account.move"), ("mail_message_id.res_id", "=", invoice.id)]
        )
        self.assertIn("Disputed", tracked.field_id.mapped("field_description"))
        self.assertIn("Manual Follow-up", tracked.field_id.mapped("field_description"))


@tagged("post_install", "-at_install")
class TestFollowupPerformance(MembershipFollowupCommon):
    def test_collecting_does_not_query_per_invoice(self):
        Run = self.env["membership.followup.run"]
        members = self.env["res.partner"].create(
            [{"name": f"Member {i}", "email": f"m{i}@example.com"} for i in range(12)]
        )

        def count_collect():
            self.env.invalidate_all()
            start = self.cr.sql_log_count
            collected = Run._collect(D(2027, 4, 1))
            return self.cr.sql_log_count - start, len(collected)

        for index, member in enumerate(members[:4]):
            self.dues_invoice(member, D(2027, 3, 1 + index))
        count_collect()  # warm the caches (access rules, default policy)
        few, collected = count_collect()
        self.assertEqual(collected, 4)
        for index, member in enumerate(members[4:]):
            self.dues_invoice(member, D(2027, 3, 1 + index))
        many, collected = count_collect()
        self.assertEqual(collected, 12)
        self.assertEqual(many, few, "the same number of queries for 4 and 12 members")

    def run_for_group(self, group, day):
        """Invoice ``group`` at ``day`` and run the follow-up that day, the
        earlier groups' invoices left alone (disputed) so that only this
        group is sent to. Returns the new invoices and the run's queries."""
        self.env["account.move"].search([("dues_is_invoice", "=", True)]).dues_dispute = True
        invoices = self.env["account.move"].union(*(self.dues_invoice(member, day) for member in group))
        self.env.flush_all()
        self.env.invalidate_all()
        start = self.cr.sql_log_count
        self.run_followup(str(day))
        return invoices, self.cr.sql_log_count - start

    def test_sending_batches_the_members(self):
        """A run sends to a batch of members together (records, notes and
        emails created in batches): the queries per member stay low and flat."""
        members = self.env["res.partner"].create(
            [{"name": f"Member {i}", "email": f"m{i}@example.com"} for i in range(22)]
        )

        def queries_for(group, day):
            _invoices, queries = self.run_for_group(group, day)
            for member in group:
                self.assertEqual(len(self.mails_to(member)), 1, member.name)
            return queries

        queries_for(members[:2], D(2027, 3, 1))  # warm the caches
        five = queries_for(members[2:7], D(2027, 5, 3))
        fifteen = queries_for(members[7:22], D(2027, 7, 5))
        per_member = (fifteen - five) / 10
        self.assertLess(per_member, 18, f"{five} queries for 5 members, {fifteen} for 15")

    def test_late_fees_are_invoiced_in_batch(self):
        """The late fees of a batch of members are created and posted
        together (as the dues invoices are): the queries per member stay
        low and flat, and each fee is its own posted invoice, numbered,
        linked to the level that charged it."""
        self.level_due.write(
            {"late_fee_type": "fixed", "late_fee_amount": 5.0, "late_fee_product_id": self.late_fee_product.id}
        )
        members = self.env["res.partner"].create(
            [{"name": f"Member {i}", "email": f"m{i}@example.com"} for i in range(14)]
        )

        def queries_for(group, day):
            invoices, queries = self.run_for_group(group, day)
            records = invoices.dues_followup_line_ids
            self.assertEqual(len(records), len(group))
            fees = records.late_fee_move_id
            self.assertEqual(len(fees), len(group), "one late fee each")
            self.assertEqual(set(fees.mapped("state")), {"posted"})
            self.assertEqual(set(fees.mapped("amount_total")), {5.0})
            self.assertEqual([r.late_fee_move_id.partner_id for r in records], [r.move_id.partner_id for r in records])
            self.assertEqual(len(set(fees.mapped("name"))), len(group), "each numbered")
            self.assertEqual(set(fees.mapped("invoice_origin")), set(invoices.mapped("name")))
            return queries

        queries_for(members[:2], D(2027, 3, 1))  # warm the caches
        four = queries_for(members[2:6], D(2027, 5, 3))
        eight = queries_for(members[6:14], D(2027, 7, 5))
        per_member = (eight - four) / 4
        self.assertLess(per_member, 25, f"{four} queries for 4 members, {eight} for 8")

    def test_a_bulk_of_late_fees_refreshes_the_invoice_tables_statistics(self):
        """From BULK_POSTING late fees in one batch, the invoice tables'
        planner statistics are checked between creating and posting them,
        as for a batch of dues invoices (membership.subscription
        _create_invoices): stale ones make numbering and the balance check
        read whole tables. Below it, nothing is checked."""
        self.level_due.write(
            {"late_fee_type": "fixed", "late_fee_amount": 5.0, "late_fee_product_id": self.late_fee_product.id}
        )
        members = self.env["res.partner"].create(
            [{"name": f"Member {i}", "email": f"m{i}@example.com"} for i in range(5)]
        )
        with (
            patch.object(membership_followup_run, "BULK_POSTING", 3),
            patch.object(membership_followup_run, "refresh_statistics", wraps=refresh_statistics) as refresh,
        ):
            invoices, _queries = self.run_for_group(members[:2], D(2027, 3, 1))
            self.assertEqual(len(invoices.dues_followup_line_ids.late_fee_move_id), 2)
            self.assertFalse(refresh.called, "2 late fees: not a bulk")
            invoices, _queries = self.run_for_group(members[2:], D(2027, 5, 3))
            self.assertEqual(set(invoices.dues_followup_line_ids.late_fee_move_id.mapped("state")), {"posted"})
        self.assertEqual(
            [call.args[0]._name for call in refresh.call_args_list],
            list(membership_subscription.INVOICE_STATISTICS),
            "once for the batch, each invoice table",
        )


@tagged("post_install", "-at_install")
class TestFollowupFigures(MembershipFollowupCommon):
    """The figures are SQL views on today's date (the database's): the
    invoices here are dated relative to today."""

    def figures(self, model, domain):
        self.env.flush_all()
        return self.env[model].search(domain)

    def test_ageing_of_unpaid_dues(self):
        today = date.today()
        expected = {}
        for year, (bucket, offset) in enumerate(
            (("not_due", 5), ("1_30", -10), ("31_60", -45), ("61_90", -75), ("over_90", -120)), start=2030
        ):
            due = today + timedelta(days=offset)
            invoice = self.dues_invoice(self.ann, due, year=year, invoice_date=min(due, today))
            expected[invoice] = (bucket, max(-offset, 0))
        paid = self.dues_invoice(
            self.ann, today - timedelta(days=20), year=2040, invoice_date=today - timedelta(days=30)
        )
        self.pay(paid, pay_date=today - timedelta(days=12))
        expected[paid] = ("paid", 0)
        lines = self.figures("membership.dues.analysis", [("partner_id", "=", self.ann.id)])
        self.assertEqual({line.move_id: (line.ageing, line.days_overdue) for line in lines}, expected)
        paid_line = lines.filtered(lambda line: line.move_id == paid)
        self.assertEqual((paid_line.amount_due, paid_line.amount_collected, paid_line.days_to_pay), (0.0, 240.0, 18))
        groups = dict(
            self.env["membership.dues.analysis"]._read_group(
                [("partner_id", "=", self.ann.id), ("amount_due", ">", 0)], ["ageing"], ["amount_due:sum"]
            )
        )
        self.assertEqual(groups, {"not_due": 240.0, "1_30": 240.0, "31_60": 240.0, "61_90": 240.0, "over_90": 240.0})

    def test_collection_rate_and_days_sales_outstanding_per_plan_and_campaign(self):
        today = date.today()
        previous = {
            member: self.paid_subscription(member, self.plan_year, "2026-01-01", "2026-12-31")
            for member in (self.ann, self.bob)
        }
        campaign = self.env["membership.renewal.campaign"].create(
            {
                "name": "Renewals 2027",
                "plan_ids": [Command.set(self.plan_year.ids)],
                "date_from": "2026-12-31",
                "date_to": "2026-12-31",
                "send_on_launch": False,
            }
        )
        renewed = {}
        for member in (self.ann, self.bob):
            renewal = self.env["membership.renewal"].create(
                {
                    "campaign_id": campaign.id,
                    "partner_id": member.id,
                    "plan_id": self.plan_year.id,
                    "previous_subscription_id": previous[member].id,
                    "date_start": "2027-01-01",
                    "date_end": "2027-12-31",
                    "amount": 240.0,
                    "fee_data": {"flat": "240.00", "amount": "240.00", "year": 2027},
                }
            )
            renewed[member] = renewal._approve(send_invoice=False).invoice_id
        self.pay(renewed[self.bob], pay_date=today)
        self.dues_invoice(self.cem, today, year=2027)  # joined outside the campaign, unpaid
        associate = self.dues_invoice(self.cem, today, year=2027, plan=self.plan_anniversary)
        self.pay(associate, amount=30.0, pay_date=today)
        lines = self.figures("membership.dues.collection", [("company_id", "=", self.company.id)])
        by_plan = {line.plan_id: line for line in lines if line.scope == "plan"}
        by_campaign = {line.campaign_id: line for line in lines if line.scope == "campaign"}
        full = by_plan[self.plan_year]
        # 2026 paid twice, 2027: Ann unpaid, Bob paid, Cem unpaid
        self.assertEqual((full.invoice_count, full.amount_invoiced, full.amount_collected), (5, 1200.0, 720.0))
        self.assertAlmostEqual(full.collection_rate, 60.0, places=2)
        self.assertAlmostEqual(by_plan[self.plan_anniversary].collection_rate, 25.0, places=2)
        in_campaign = by_campaign[campaign]
        self.assertEqual((in_campaign.invoice_count, in_campaign.amount_due), (2, 240.0))
        self.assertAlmostEqual(in_campaign.collection_rate, 50.0, places=2)
        self.assertAlmostEqual(in_campaign.dso, 182.5, places=1, msg="half of a year's dues still due")
        outside = by_campaign[self.env["membership.renewal.campaign"]]
        self.assertEqual(outside.invoice_count, 4)
        self.assertEqual(
            sum(line.amount_invoiced for line in by_plan.values()),
            sum(line.amount_invoiced for line in by_campaign.values()),
            "both views add up to the same total",
        )

    def test_what_each_level_brings_in(self):
        quick = self.dues_invoice(self.ann, D(2027, 3, 1))
        slow = self.dues_invoice(self.bob, D(2027, 3, 1))
        never = self.dues_invoice(self.cem, D(2027, 3, 1))
        self.run_followup("2027-03-01")
        self.pay(quick, pay_date=D(2027, 3, 5))
        self.pay(slow, pay_date=D(2027, 4, 20))
        lines = self.figures("membership.followup.analysis", [("move_id", "in", (quick | slow | never).ids)])
        result = {
            line.move_id: (line.level_id, line.paid_within_15, line.paid_later, line.days_to_pay) for line in lines
        }
        self.assertEqual(
            result,
            {
                quick: (self.level_due, 1, 0, 4),
                slow: (self.level_due, 0, 1, 50),
                never: (self.level_due, 0, 0, 0),
            },
        )
        groups = self.env["membership.followup.analysis"]._read_group(
            [("move_id", "in", (quick | slow | never).ids)], ["level_id"], ["sent_count:sum", "paid_within_15:sum"]
        )
        self.assertEqual(groups, [(self.level_due, 3, 1)])
