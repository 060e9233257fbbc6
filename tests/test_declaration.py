from datetime import date

from psycopg2 import IntegrityError

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import MembershipTariffCommon


@tagged("post_install", "-at_install")
class TestDeclaration(MembershipTariffCommon):
    def test_bad_values_are_refused_in_the_members_terms(self):
        cases = [
            ({"figure_id": self.turnover.id, "value": -1}, "Turnover is -1; a declared figure cannot be negative"),
            ({"figure_id": self.headcount.id, "value": 2.5}, "Headcount is 2.5; it must be a whole number"),
            ({"figure_id": self.headcount.id, "value": 5_000_000}, "above the plausibility limit of 1,000,000"),
        ]
        for line, message in cases:
            with self.subTest(line=line):
                with self.assertRaisesRegex(ValidationError, message) as error, self.env.cr.savepoint():
                    self.env["membership.declaration"].create(
                        {"partner_id": self.person.id, "year": 2027, "line_ids": [Command.create(line)]}
                    )
                self.assertIn("Jan Peeters, 2027", str(error.exception))

    def test_one_declaration_per_member_and_year(self):
        self.declare(self.person, 2027, turnover=1)
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError), self.env.cr.savepoint():
            self.declare(self.person, 2027, turnover=2)

    def test_bulk_import_with_standard_import(self):
        fields = ["partner_id", "year", "source", "line_ids/figure_id", "line_ids/value"]
        rows = [
            ["Atelier Dupont SA", "2027", "import", "Turnover", "1234567.89"],
            ["", "", "", "Headcount", "12"],
            ["Jan Peeters", "2027", "import", "Turnover", "45000"],
        ]
        result = self.env["membership.declaration"].load(fields, rows)
        self.assertFalse(result["messages"], result["messages"])
        declarations = self.env["membership.declaration"].browse(result["ids"])
        self.assertEqual(declarations.mapped("state"), ["declared", "declared"], "imported figures are declared")
        self.assertEqual(declarations[0].line_ids.mapped("value"), [1234567.89, 12.0])
        bad = self.env["membership.declaration"].load(fields, [["Jan Peeters", "2028", "import", "Headcount", "-3"]])
        self.assertTrue(bad["messages"] and "cannot be negative" in bad["messages"][0]["message"])
        garbage = self.env["membership.declaration"].load(
            fields, [["Jan Peeters", "2029", "import", "Turnover", "abc"]]
        )
        self.assertTrue(garbage["messages"], "a non-numeric value is refused with a message")

    def test_declare_validate_and_prefill(self):
        self.declare(self.person, 2026, turnover=80_000, payroll=10_000, headcount=2)
        declaration = self.env["membership.declaration"].create({"partner_id": self.person.id, "year": 2027})
        with self.assertRaisesRegex(UserError, "has no figure"):
            declaration.action_declare()
        declaration.action_prefill_from_last_year()
        self.assertEqual(declaration.line_ids.mapped("value"), [80_000, 10_000, 2])
        declaration.action_declare()
        self.assertEqual(declaration.state, "declared")
        self.assertTrue(declaration.date_declared)
        declaration.action_validate()
        self.assertEqual(declaration.state, "validated")

    def test_undeclared_figures_are_not_used(self):
        self.declare(self.person, 2027, turnover=1_500_000, payroll=0, headcount=0, state="to_declare")
        quote = self.plan_company._compute_period_fees(self.person, date(2027, 1, 1))[self.person.id]
        self.assertIsNone(quote.amount)
        self.assertIn("Jan Peeters, 2027: the figures Turnover, Payroll, Headcount are missing", quote.error)


@tagged("post_install", "-at_install")
class TestFallback(MembershipTariffCommon):
    def quote(self, partner, **plan_values):
        self.plan_company.write(plan_values)
        return self.plan_company._compute_period_fees(partner, date(2027, 1, 1))[partner.id]

    def test_last_year_with_uplift(self):
        self.declare(self.person, 2026, turnover=1_000_000, payroll=100_000, headcount=10)
        self.declare(self.person, 2027, turnover=1_000_000, headcount=10)  # payroll missing
        quote = self.quote(self.person, fallback_mode="last_year", fallback_uplift=10.0)
        # payroll 110,000: 600 + 20 = 620; 450 + 620 + 120 = 1190
        self.assertEqual(str(quote.amount), "1190.00")
        self.assertTrue(quote.fallback)
        payroll = next(f for f in quote.data["figures"] if f["code"] == "payroll")
        self.assertEqual((payroll["source"], payroll["year"], payroll["value"]), ("last_year", 2026, "110000.00"))

    def test_whole_number_figures_stay_whole(self):
        self.declare(self.person, 2026, turnover=1_000_000, payroll=100_000, headcount=38)
        quote = self.quote(self.person, fallback_mode="last_year", fallback_uplift=5.0)
        headcount = next(f for f in quote.data["figures"] if f["code"] == "headcount")
        self.assertEqual(headcount["value"], "40", "38 employees plus 5 % is 40 employees, not 39.9")

    def test_default_value(self):
        self.payroll.default_value = 50_000
        self.declare(self.person, 2027, turnover=0, headcount=0)
        quote = self.quote(self.person, fallback_mode="default")
        self.assertEqual(str(quote.amount), "600.00")  # 300 + 300 + 0
        self.assertTrue(quote.fallback)

    def test_penalty(self):
        quote = self.quote(self.person, fallback_mode="penalty", fallback_penalty=2500.0)
        self.assertEqual(str(quote.amount), "2500.00")
        self.assertTrue(quote.fallback)
        self.assertEqual(quote.data["missing"], ["headcount", "payroll", "turnover"])

    def test_no_fallback_names_the_member_and_figures(self):
        self.declare(self.person, 2027, turnover=10)
        quote = self.quote(self.person, fallback_mode="none")
        self.assertIsNone(quote.amount)
        self.assertIn("Jan Peeters, 2027: the figures Payroll, Headcount are missing", quote.error)
        with self.assertRaisesRegex(UserError, "Payroll, Headcount are missing"):
            self.join(self.person, self.plan_company, date(2027, 1, 1))

    def test_fallback_is_recorded_on_the_subscription(self):
        self.declare(self.member_company, 2026, turnover=500_000, payroll=50_000, headcount=3)
        self.plan_company.write({"fallback_mode": "last_year", "fallback_uplift": 0})
        subscription = self.join(self.member_company, self.plan_company, date(2027, 1, 1))
        self.assertTrue(subscription.fee_fallback)
        self.assertEqual(subscription.amount, 636.0)
        self.assertIn("not declared: 2026 value", subscription.fee_explanation)
