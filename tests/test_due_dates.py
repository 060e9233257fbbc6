from datetime import date, timedelta
from decimal import Decimal

from markupsafe import escape

from odoo import fields
from odoo.tests import tagged
from odoo.tools.misc import format_date

from .common import MembershipDocumentsCommon, MembershipRenewalCommon

INVOICE = "account.account_invoices"
NOTICE = "membership_dues.action_report_renewal_notice"


def squash(text):
    return " ".join(str(text).split())


@tagged("post_install", "-at_install")
class TestDuesPaymentTerm(MembershipRenewalCommon):
    """A plan's payment term gives every dues invoice the module creates its
    due date, and the follow-up counts from it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.term_45 = cls.env.ref("account.account_payment_term_45days")
        cls.term_15 = cls.env.ref("account.account_payment_term_15days")
        cls.plan_year.payment_term_id = cls.term_45
        cls.today = fields.Date.context_today(cls.env.user)

    def test_default_is_odoo_30_days_else_none(self):
        thirty = self.env.ref("account.account_payment_term_30days")
        values = {"name": "Plan", "product_id": self.fee_product.id}
        self.assertEqual(self.env["membership.plan"].create(values).payment_term_id, thirty)
        thirty.active = False
        plan = self.env["membership.plan"].create(values)
        self.assertFalse(plan.payment_term_id, "no 30 days: due on the invoice date")
        self.assertEqual(
            plan._dues_due_text(self.person), "The dues invoice is due on the day it is issued.", "and it says so"
        )

    # the paths by which the module creates dues invoices, each returning its posted invoice
    def _join(self):
        return self.join(self.person, self.plan_year, self.today).invoice_id

    def _create_invoice_action(self):
        subscription = self.make_subscription(self.member_company, self.plan_year, date(2031, 1, 1), date(2031, 12, 31))
        subscription.action_create_invoice()
        subscription.invoice_id.action_post()
        return subscription.invoice_id

    def _renewal_accepted(self):
        renewal = self.notice(self.members[1])
        renewal.action_approve()
        return renewal.subscription_id.invoice_id

    def _auto_renewal(self):
        self.members[0].dues_renewal_mode = "invoice"
        renewals = self.run_campaign(self.make_campaign())
        return renewals.filtered(lambda r: r.partner_id == self.members[0]).subscription_id.invoice_id

    def _regularisation(self):
        subscription = self.make_subscription(self.members[2], self.plan_year, date(2032, 1, 1), date(2032, 12, 31))
        subscription._create_invoices(post=True)
        return subscription._create_regularisation_move(Decimal(60), Decimal(240), Decimal(300))

    def test_every_dues_invoice_gets_the_plans_payment_term(self):
        paths = [
            ("joining", self._join),
            ("invoice created from the subscription", self._create_invoice_action),
            ("renewal accepted", self._renewal_accepted),
            ("auto-renewal by the campaign", self._auto_renewal),
            ("complementary invoice of a regularisation", self._regularisation),
        ]
        for label, create in paths:
            with self.subTest(path=label):
                invoice = create()
                self.assertEqual(invoice.move_type, "out_invoice")
                self.assertEqual(invoice.state, "posted")
                self.assertTrue(invoice.dues_is_invoice)
                self.assertEqual(invoice.invoice_payment_term_id, self.term_45)
                self.assertEqual(invoice.invoice_date_due, invoice.invoice_date + timedelta(days=45))
                instalment = invoice.line_ids.filtered(lambda line: line.display_type == "payment_term")
                self.assertEqual(instalment.date_maturity, invoice.invoice_date_due, "what the follow-up counts from")

    def test_the_members_own_payment_term_comes_first(self):
        self.person.property_payment_term_id = self.term_15
        invoice = self._join()
        self.assertEqual(invoice.invoice_payment_term_id, self.term_15)
        self.assertEqual(invoice.invoice_date_due, invoice.invoice_date + timedelta(days=15))

    def test_the_first_reminder_is_not_sent_the_day_of_issue(self):
        invoice = self._join()
        issued = invoice.invoice_date
        Run = self.env["membership.followup.run"].with_context(membership_skip_emails=True)
        Run._send_due(issued)
        self.assertFalse(invoice.dues_followup_line_ids, "nothing the day the invoice is issued")
        courtesy = issued + timedelta(days=45 - 7)
        self.assertEqual(invoice.dues_followup_next_date, courtesy, "the courtesy reminder, before the due date")
        Run._send_due(courtesy - timedelta(days=1))
        self.assertFalse(invoice.dues_followup_line_ids)
        Run._send_due(courtesy)
        Run._send_due(invoice.invoice_date_due)
        self.assertEqual(
            [(line.delay_days, line.date) for line in invoice.dues_followup_line_ids.sorted("date")],
            [(-7, courtesy), (0, invoice.invoice_date_due)],
        )

    def test_no_reminder_before_the_invoice_date(self):
        """An invoice dated after the run's day is not reminded yet, even if
        its due date (written by hand) has come."""
        invoice = self.make_subscription(self.members[3], self.plan_year, date(2033, 1, 1), date(2033, 12, 31))
        invoice = invoice._create_invoices()
        later = self.today + timedelta(days=20)
        invoice.write({"invoice_date": later, "invoice_payment_term_id": False, "invoice_date_due": self.today})
        invoice.action_post()
        Run = self.env["membership.followup.run"].with_context(membership_skip_emails=True)
        Run._send_due(self.today)
        self.assertFalse(invoice.dues_followup_line_ids)
        Run._send_due(later)
        self.assertTrue(invoice.dues_followup_line_ids)


@tagged("post_install", "-at_install")
class TestDueDateOnDocuments(MembershipDocumentsCommon):
    """The renewal notice and the dues invoice tell the member when to pay,
    in French, Dutch and English."""

    def test_notice_and_invoice_state_the_due_date(self):
        self.plan_year.payment_term_id = self.env.ref("account.account_payment_term_45days")
        year = self.today.year + 1
        for member in self.members:
            with self.subTest(lang=member.lang):
                notice = self.notices_for(member, year)
                plan = self.plan_year.with_context(lang=member.lang)
                html = self.render_html(NOTICE, notice)
                before = plan._dues_due_text(member)
                self.assertIn("45", before)
                self.assertIn(squash(escape(before)), html, "the payment term, before the invoice exists")
                notice._approve(send_invoice=False)
                invoice = notice.invoice_id
                self.assertEqual(invoice.invoice_date_due, invoice.invoice_date + timedelta(days=45))
                due = format_date(self.env, invoice.invoice_date_due, lang_code=member.lang)
                html = self.render_html(NOTICE, notice)
                self.assertIn(squash(escape(plan._dues_due_text(member, invoice))), html)
                self.assertIn(due, html, "the invoice's due date, once invoiced")
                self.assertIn(due, self.render_html(INVOICE, invoice), "the invoice states its due date")
