from datetime import date

from odoo.tests import tagged

from .common import MembershipTariffCommon


@tagged("post_install", "-at_install")
class TestRegularisation(MembershipTariffCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.plan_company.write({"fallback_mode": "last_year", "fallback_uplift": 0})
        # Last year's figures only: the 2027 fee falls back on them (636.00).
        cls.declare(cls.member_company, 2026, turnover=500_000, payroll=50_000, headcount=3)

    def test_lower_real_figures_give_a_credit_note(self):
        subscription = self.join(self.member_company, self.plan_company, date(2027, 1, 1))
        invoice = subscription.invoice_id
        self.assertEqual(invoice.amount_untaxed, 636.0)
        declaration = self.declare(
            self.member_company, 2027, turnover=500_000, payroll=20_000, headcount=3, state="declared"
        )
        declaration.action_validate()  # 300 + 120 + 36 = 456: 180 less
        self.assertEqual(invoice.amount_untaxed, 636.0, "the posted invoice never changes")
        refund = subscription.regularisation_move_ids
        self.assertEqual(refund.move_type, "out_refund")
        self.assertEqual(refund.state, "posted")
        self.assertEqual(refund.amount_untaxed, 180.0)
        self.assertEqual(refund.reversed_entry_id, invoice)
        self.assertIn("recomputed as $\xa0456.00", refund.invoice_line_ids.name)
        self.assertIn("Payroll", refund.invoice_line_ids.name, "the credit note carries the explanation")
        self.assertEqual(subscription.amount, 456.0)
        self.assertFalse(subscription.fee_fallback)
        self.assertEqual(invoice.amount_residual, 456.0, "the credit note settles part of the unpaid invoice")
        self.assertEqual(subscription.state, "waiting_payment")
        self.pay(invoice)
        self.assertIn(subscription.state, ("active", "upcoming", "expired"))
        # validating again finds nothing to regularise
        declaration.action_reset()
        declaration.action_validate()
        self.assertEqual(len(subscription.regularisation_move_ids), 1)

    def test_higher_real_figures_give_a_complementary_invoice(self):
        subscription = self.join(self.member_company, self.plan_company, date(2027, 1, 1))
        self.pay(subscription.invoice_id)
        declaration = self.declare(
            self.member_company, 2027, turnover=1_500_000, payroll=50_000, headcount=3, state="declared"
        )
        declaration.action_validate()  # 450 + 300 + 36 = 786: 150 more
        complement = subscription.regularisation_move_ids
        self.assertEqual(complement.move_type, "out_invoice")
        self.assertEqual(complement.state, "posted")
        self.assertEqual(complement.amount_untaxed, 150.0)
        self.assertEqual(complement.invoice_line_ids.dues_subscription_id, subscription)
        self.assertEqual(subscription.invoice_id.payment_state, "paid", "the paid invoice is untouched")

    def test_a_draft_invoice_is_updated_instead(self):
        self.plan_company.post_joining_invoice = False
        subscription = self.join(self.member_company, self.plan_company, date(2027, 1, 1), post=False)
        self.declare(
            self.member_company, 2027, turnover=500_000, payroll=20_000, headcount=3, state="declared"
        ).action_validate()
        self.assertFalse(subscription.regularisation_move_ids)
        self.assertEqual(subscription.invoice_id.amount_untaxed, 456.0)
        self.assertEqual(subscription.amount, 456.0)

    def test_prorated_subscription_is_regularised_prorated(self):
        subscription = self.join(self.member_company, self.plan_company, date(2027, 7, 1))
        self.assertEqual(subscription.amount, 318.0)  # 636 x 6/12
        self.declare(
            self.member_company, 2027, turnover=500_000, payroll=20_000, headcount=3, state="declared"
        ).action_validate()
        self.assertEqual(subscription.amount, 228.0)  # 456 x 6/12
        self.assertEqual(subscription.regularisation_move_ids.amount_untaxed, 90.0)
