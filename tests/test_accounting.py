from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.tests import tagged

from .common import MembershipCommon


@tagged("post_install", "-at_install")
class TestAccountingMapping(MembershipCommon):
    """Every row of README.rst's "Accounting link" table, driven by real
    invoices, payments and credit notes."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.today = fields.Date.context_today(cls.env["membership.subscription"])

    def current(self, partner=None):
        """A subscription covering today, so that "paid" means "active"."""
        return self.make_subscription(
            partner or self.person,
            self.plan_year,
            self.today - timedelta(days=10),
            self.today + timedelta(days=300),
        )

    def test_no_invoice_yet_is_draft(self):
        self.assertEqual(self.current().state, "draft")

    def test_draft_invoice_is_draft(self):
        subscription = self.current()
        subscription._create_invoices(post=False)
        self.assertEqual(subscription.invoice_id.state, "draft")
        self.assertEqual(subscription.state, "draft")

    def test_posted_unpaid_is_waiting_payment(self):
        subscription = self.current()
        subscription._create_invoices(post=True)
        self.assertEqual(subscription.payment_state, "not_paid")
        self.assertEqual(subscription.state, "waiting_payment")

    def test_partially_paid_is_waiting_payment(self):
        subscription = self.current()
        self.pay(subscription._create_invoices(post=True), amount=100.0)
        self.assertEqual(subscription.payment_state, "partial")
        self.assertEqual(subscription.state, "waiting_payment")

    def test_in_payment_counts_as_paid(self):
        subscription = self.current()
        invoice = subscription._create_invoices(post=True)
        with patch.object(
            self.env.registry["account.move"], "_get_invoice_in_payment_state", return_value="in_payment"
        ):
            self.pay(invoice)
            self.assertEqual(invoice.payment_state, "in_payment")
            self.assertEqual(subscription.state, "active")

    def test_paid_is_active_upcoming_or_expired_by_dates(self):
        current = self.current()
        self.pay(current._create_invoices(post=True))
        self.assertEqual(current.payment_state, "paid")
        self.assertEqual(current.state, "active")
        future = self.make_subscription(
            self.person,
            self.plan_anniversary,
            self.today + timedelta(days=5),
            self.today + timedelta(days=370),
        )
        self.pay(future._create_invoices(post=True))
        self.assertEqual(future.state, "upcoming")
        past = self.make_subscription(
            self.member_company,
            self.plan_year,
            self.today - timedelta(days=400),
            self.today - timedelta(days=36),
        )
        self.pay(past._create_invoices(post=True))
        self.assertEqual(past.state, "expired")

    def test_cancelled_invoice_cancels(self):
        subscription = self.current()
        subscription._create_invoices(post=True).button_cancel()
        self.assertEqual(subscription.state, "cancelled")

    def test_reset_to_draft_goes_back_to_draft_and_repost_waits_again(self):
        subscription = self.current()
        invoice = subscription._create_invoices(post=True)
        invoice.button_draft()
        self.assertEqual(subscription.state, "draft")
        invoice.action_post()
        self.assertEqual(subscription.state, "waiting_payment")

    def test_partially_credited_is_waiting_payment(self):
        subscription = self.current()
        invoice = subscription._create_invoices(post=True)
        self.credit(invoice, amount=40.0)
        self.assertEqual(invoice.payment_state, "partial")
        self.assertEqual(subscription.state, "waiting_payment")
        self.pay(invoice)
        self.assertEqual(subscription.state, "active", "credit + payment settle it: paid")

    def test_fully_credited_cancels(self):
        subscription = self.current()
        invoice = subscription._create_invoices(post=True)
        refund = self.credit(invoice)
        self.assertEqual(invoice.payment_state, "reversed")
        self.assertEqual(subscription.state, "cancelled")
        self.assertEqual(
            refund.invoice_line_ids.dues_subscription_id,
            subscription,
            "the credit note's line keeps the subscription",
        )

    def test_a_cancelled_subscription_frees_the_period(self):
        subscription = self.current()
        self.credit(subscription._create_invoices(post=True))
        again = self.current()
        self.assertEqual(again.state, "draft")

    def test_invoice_shows_its_subscription(self):
        subscription = self.current()
        invoice = subscription._create_invoices(post=False)
        self.assertEqual(invoice.dues_subscription_count, 1)
        action = invoice.action_view_membership_subscriptions()
        self.assertEqual(action["res_id"], subscription.id)
        self.assertEqual(invoice.partner_id, self.person)
        self.assertEqual(invoice.invoice_line_ids.product_id, self.fee_product)
