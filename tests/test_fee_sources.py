import re
from datetime import date

from odoo.tests import tagged

from ..tools.fee_explanation import explain_fee
from .common import MembershipTariffCommon

# "declared" not preceded by "not " (the fallback lines say "not declared: ...")
CALLED_DECLARED = re.compile(r"(?<!not )\bdeclared\b")


@tagged("post_install", "-at_install")
class TestFeeSources(MembershipTariffCommon):
    """The explanation says where each value came from: declared by the
    member, or given by the plan's fallback (last year's value plus an
    uplift, the figure's default value), also where a capped figure is
    quoted; the whole-fee coefficients' result is rounded once; a floor is
    an amount to the cent, not snapped to the rounding step."""

    def explanation(self, partner, year=2027):
        subscription = self.join(partner, self.plan_company, date(year, 1, 1))
        return subscription, subscription.with_context(lang="en_US").fee_explanation

    def test_each_value_says_where_it_came_from(self):
        """Payroll 2,116,275 is capped at 500,000 by the Payroll component:
        the cap's note quotes it as declared, last year's plus the uplift,
        or the default value, as it was."""
        self.payroll.default_value = 2_116_275
        declared_2027 = {"turnover": 500_000, "headcount": 2}
        cases = [
            (
                "declared",
                {"fallback_mode": "none"},
                {2027: {**declared_2027, "payroll": 2_116_275}},
                "- Payroll: 2,116,275 EUR (declared).",
                "Payroll counted up to 500,000 EUR (declared 2,116,275 EUR)",
            ),
            (
                "last year plus uplift",
                {"fallback_mode": "last_year", "fallback_uplift": 5.0},
                {2026: {"payroll": 2_015_500}, 2027: declared_2027},
                "- Payroll: 2,116,275 EUR (not declared: 2026 value 2,015,500 EUR plus 5 %).",
                "Payroll counted up to 500,000 EUR (not declared: 2026 value 2,015,500 EUR plus 5 %, 2,116,275 EUR)",
            ),
            (
                "default value",
                {"fallback_mode": "default"},
                {2027: declared_2027},
                "- Payroll: 2,116,275 EUR (not declared: default value).",
                "Payroll counted up to 500,000 EUR (not declared: default value 2,116,275 EUR)",
            ),
        ]
        for index, (source, plan_values, declarations, figure_line, cap_note) in enumerate(cases):
            with self.subTest(source=source):
                member = self.env["res.partner"].create({"name": f"Member {index}", "is_company": True})
                self.plan_company.write(plan_values)
                for year, values in declarations.items():
                    self.declare(member, year, **values)
                subscription, explanation = self.explanation(member)
                self.assertEqual(subscription.fee_fallback, source != "declared")
                self.assertIn(figure_line, explanation.splitlines())
                self.assertIn(cap_note, explanation)
                if source != "declared":
                    for line in explanation.splitlines():
                        if "2,116,275" in line:
                            self.assertNotRegex(
                                line, CALLED_DECLARED, "a value from the plan's fallback is never called declared"
                            )

    def test_a_fallback_value_is_never_called_declared(self):
        """Everything from last year: no line calls a value declared, the
        figures' lines and the cap's note alike."""
        self.plan_company.write({"fallback_mode": "last_year", "fallback_uplift": 5.0})
        self.declare(self.member_company, 2026, turnover=1_500_000, payroll=2_015_500, headcount=10)
        subscription, explanation = self.explanation(self.member_company)
        self.assertTrue(subscription.fee_fallback)
        self.assertEqual([origin["source"] for origin in subscription.fee_data["figures"]], ["last_year"] * 3)
        self.assertIn("2,116,275", explanation, "the capped payroll is quoted")
        self.assertNotRegex(explanation, CALLED_DECLARED)
        # renewal notices and simulations print the same sentences from a quote
        quote = self.plan_company._compute_period_fees(self.member_company, date(2027, 1, 1))[self.member_company.id]
        english = self.env(context=dict(self.env.context, lang="en_US"))
        lines = explain_fee(english, quote.data, self.company.currency_id)
        self.assertIn("Payroll counted up to 500,000 EUR (not declared: 2026 value", "\n".join(lines))
        self.assertNotRegex("\n".join(lines), CALLED_DECLARED)

    def test_whole_fee_coefficient_is_rounded_once(self):
        """300 + 582.38 + 120 = 1,002.38, times 1.05 = 1,052.499: 1,052 to
        the nearest 1 (rounding to the cent first would give 1,053)."""
        self.version_2027.coefficient_ids.factor = 1.05
        self.member_company.dues_category_ids = self.small
        self.declare(self.member_company, 2027, turnover=0, payroll=97_063.33, headcount=10)
        subscription, explanation = self.explanation(self.member_company)
        result = subscription.fee_data["result"]
        self.assertEqual(result["subtotal"], "1002.38")
        self.assertEqual(result["exact"], "1052.4990")
        self.assertEqual(subscription.fee_data["amount"], "1052.00")
        self.assertEqual(subscription.full_amount, 1052.0)
        symbol = self.company.currency_id.symbol
        self.assertIn(
            f"Whole fee {symbol}\xa01,002.38 times 1.05 (Small) = {symbol}\xa01,052.499: {symbol}\xa050.12.",
            explanation,
        )
        self.assertIn(f"Rounded to the nearest 1: {symbol}\xa0-\ufeff0.50.", explanation)

    def test_a_floor_is_an_amount_to_the_cent_not_rounded_to_the_step(self):
        """300 x 0.8 = 240, rounded to 5: 240, below the floor of 243: the fee
        is 243.00, not 245."""
        self.version_2027.write({"floor": 243.0, "rounding": "5"})
        self.person.dues_category_ids = self.small
        self.declare(self.person, 2027, turnover=0, payroll=0, headcount=0)
        subscription, explanation = self.explanation(self.person)
        self.assertEqual(subscription.fee_data["amount"], "243.00")
        self.assertEqual(subscription.fee_data["result"]["bound"], "floor")
        self.assertEqual(subscription.full_amount, 243.0)
        symbol = self.company.currency_id.symbol
        self.assertIn(
            f"Raised to the tariff's floor, which the rounding does not change: {symbol}\xa0243.00.", explanation
        )
        self.assertIn(f"Fee for a full period: {symbol}\xa0243.00.", explanation)
