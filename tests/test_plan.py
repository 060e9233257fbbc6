from datetime import date

from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import MembershipCommon


@tagged("post_install", "-at_install")
class TestPlan(MembershipCommon):
    def test_bad_input_is_refused_with_the_field_named(self):
        cases = [
            ({"fee_amount": -1.0}, "Period Fee"),
            ({"joining_fee_type": "fixed", "joining_fee_amount": -5.0}, "Joining Fee"),
            ({"joining_fee_type": "percent", "joining_fee_percent": -10.0}, "Joining Fee (%)"),
            ({"grace_days": -3}, "Grace Period (days)"),
            ({"period_months": 0}, "Duration (months)"),
            ({"period_months": 5}, "Duration (months)"),
            ({"period_start_month": "2", "period_start_day": 29}, "Start Day"),
            ({"period_start_month": "4", "period_start_day": 31}, "Start Day"),
            ({"period_start_day": 0}, "Start Day"),
            ({"use_cutoff": True, "cutoff_month": "2", "cutoff_day": 30}, "Cut-off Day"),
        ]
        for values, field_label in cases:
            with self.subTest(values=values), self.assertRaises(ValidationError) as error:
                self.plan_year.copy(values)
            self.assertIn(field_label, str(error.exception))
            self.assertIn("Full member", str(error.exception), "the message names the plan")

    def test_anniversary_plan_accepts_any_duration_and_ignores_calendar_fields(self):
        plan = self.plan_anniversary.copy({"period_months": 18, "period_start_day": 31, "period_start_month": "2"})
        self.assertEqual(plan.period_months, 18)

    def test_price_included_tax_is_refused(self):
        tax = self.tax_sale_a.copy({"price_include_override": "tax_included", "name": "VAT incl."})
        product = self.env["product.product"].create(
            {"name": "Dues incl.", "type": "service", "taxes_id": [Command.set(tax.ids)]}
        )
        with self.assertRaisesRegex(ValidationError, "VAT incl."):
            self.plan_year.copy({"product_id": product.id})

    def test_join_terms_from_the_plan_rules(self):
        terms, joining, _quote = self.plan_year._get_join_terms(self.person, date(2027, 3, 15))
        self.assertEqual((terms.coverage.start, terms.coverage.end), (date(2027, 3, 15), date(2027, 12, 31)))
        self.assertEqual(str(terms.amount), "200.00")
        self.assertEqual(str(joining), "0.00")

    def test_subscription_count(self):
        self.make_subscription(self.person, self.plan_year, "2027-01-01", "2027-12-31")
        self.make_subscription(self.member_company, self.plan_year, "2027-01-01", "2027-12-31")
        self.assertEqual(self.plan_year.subscription_count, 2)
        action = self.plan_year.action_view_subscriptions()
        self.assertEqual(self.env["membership.subscription"].search_count(action["domain"]), 2)
