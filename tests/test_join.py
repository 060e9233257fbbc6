from datetime import date

from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged

from .common import MembershipCommon


@tagged("post_install", "-at_install")
class TestJoin(MembershipCommon):
    def test_joining_table(self):
        """The README's proration table, through the wizard, down to the invoice."""
        season = self.plan_year.copy({"name": "Season", "period_start_month": "9"})
        cutoff = self.plan_year.copy({"name": "Cut-off", "use_cutoff": True, "cutoff_month": "10", "cutoff_day": 1})
        by_day = self.plan_year.copy({"name": "By day", "proration": "day", "fee_amount": 250.0})
        cases = [
            # plan, join date, start, end, amount, numerator, denominator
            (self.plan_year, date(2027, 3, 15), date(2027, 3, 15), date(2027, 12, 31), 200.0, 10, 12),
            (by_day, date(2027, 3, 15), date(2027, 3, 15), date(2027, 12, 31), 200.0, 292, 365),
            (by_day, date(2028, 2, 29), date(2028, 2, 29), date(2028, 12, 31), 209.70, 307, 366),
            (cutoff, date(2027, 10, 15), date(2027, 10, 15), date(2028, 12, 31), 240.0, 1, 1),
            (season, date(2027, 3, 15), date(2027, 3, 15), date(2027, 8, 31), 120.0, 6, 12),
            (self.plan_anniversary, date(2027, 1, 31), date(2027, 1, 31), date(2028, 1, 30), 120.0, 1, 1),
            (self.plan_anniversary, date(2028, 2, 29), date(2028, 2, 29), date(2029, 2, 27), 120.0, 1, 1),
        ]
        for index, (plan, joined, start, end, amount, num, den) in enumerate(cases):
            with self.subTest(plan=plan.name, joined=joined):
                partner = self.env["res.partner"].create({"name": f"Joiner {index}"})
                subscription = self.join(partner, plan, joined)
                self.assertRecordValues(
                    subscription,
                    [
                        {
                            "date_start": start,
                            "date_end": end,
                            "amount": amount,
                            "proration_numerator": num,
                            "proration_denominator": den,
                            "state": "waiting_payment",
                            "kind": "join",
                        }
                    ],
                )
                invoice = subscription.invoice_id
                self.assertEqual(invoice.state, "posted")
                self.assertEqual(invoice.amount_untaxed, amount)
                line = invoice.invoice_line_ids
                self.assertEqual(line.dues_subscription_id, subscription)
                self.assertIn(start.strftime("%m/%d/%Y"), line.name, "the period is printed on the invoice line")
                self.assertIn(end.strftime("%m/%d/%Y"), line.name)

    def test_joining_fee_on_its_own_line_never_prorated(self):
        plan = self.plan_year.copy({"joining_fee_type": "percent", "joining_fee_percent": 25.0})
        subscription = self.join(self.person, plan, date(2027, 7, 1))
        self.assertEqual(subscription.amount, 120.0, "6/12 of 240")
        self.assertEqual(subscription.joining_fee_amount, 60.0, "25% of the full fee 240, not of 120")
        lines = subscription.invoice_id.invoice_line_ids
        self.assertEqual(sorted(lines.mapped("price_subtotal")), [60.0, 120.0])
        fixed = self.plan_year.copy({"name": "Fixed", "joining_fee_type": "fixed", "joining_fee_amount": 35.0})
        other = self.join(self.member_company, fixed, date(2027, 12, 1))
        self.assertEqual(other.invoice_id.amount_untaxed, 20.0 + 35.0)

    def test_draft_or_posted_invoice_follows_the_plan(self):
        self.plan_year.post_joining_invoice = False
        with Form(self.env["membership.join.wizard"].with_context(default_partner_id=self.person.id)) as wizard:
            wizard.plan_id = self.plan_year
            self.assertFalse(wizard.post_invoice, "the plan's setting is the default")
            wizard.join_date = date(2027, 3, 15)
            self.assertEqual(wizard.amount, 200.0)
            self.assertIn("10/12", wizard.fee_explanation)
        subscription = self.env["membership.subscription"].browse(wizard.record.action_confirm()["res_id"])
        self.assertEqual(subscription.invoice_id.state, "draft")
        self.assertEqual(subscription.state, "draft")

    def test_member_number_taken_once_at_first_subscription(self):
        self.assertFalse(self.person.dues_member_number)
        first = self.join(self.person, self.plan_year, date(2027, 3, 15))
        number = self.person.dues_member_number
        self.assertTrue(number and number.startswith("M"))
        self.join(self.person, self.plan_anniversary, date(2027, 4, 1))
        self.assertEqual(self.person.dues_member_number, number, "a second subscription keeps the number")
        self.assertEqual(first.member_number, number)
        self.join(self.member_company, self.plan_year, date(2027, 3, 15))
        self.assertNotEqual(self.member_company.dues_member_number, number)

    def test_member_numbers_are_per_company(self):
        self.join(self.person, self.plan_year, date(2027, 3, 15))
        first = self.person.dues_member_number
        _other, plan_other = self.other_company_plan()
        self.make_subscription(self.person, plan_other, "2027-01-01", "2027-12-31")
        self.assertEqual(self.person.dues_member_number, first, "unchanged in the first company")
        number_other = self.person.with_company(plan_other.company_id).dues_member_number
        self.assertTrue(number_other)
        self.assertEqual(number_other[-5:], "00001", "each company numbers its own members from 1")

    def test_joining_twice_for_the_same_period_is_refused(self):
        self.join(self.person, self.plan_year, date(2027, 3, 15))
        with self.assertRaisesRegex(ValidationError, "Jan Peeters already has a Full member subscription"):
            self.join(self.person, self.plan_year, date(2027, 6, 1))

    def test_free_plan_needs_no_invoice(self):
        free = self.plan_year.copy({"name": "Honorary", "fee_amount": 0.0})
        subscription = self.join(self.person, free, date(2027, 3, 15))
        self.assertFalse(subscription.invoice_id)
        self.assertIn(subscription.state, ("upcoming", "active", "expired"), "nothing to pay counts as paid")
        self.assertEqual(subscription._state_on(date(2027, 3, 1)), "upcoming")
        self.assertEqual(subscription._state_on(date(2027, 3, 15)), "active")
        self.assertEqual(subscription._state_on(date(2028, 1, 1)), "expired")
