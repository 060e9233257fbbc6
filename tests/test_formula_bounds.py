import time
from datetime import date

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from .common import MembershipTariffCommon

GOOD = "max(10, turnover * 0.0001)"
# (formula, what the message says is not allowed)
HOSTILE = [
    ("10**10**10", r"the exponent after \*\* must be a number between -10 and 10 written in the formula, not 10\*\*10"),
    ("9**9**9", r"the exponent after \*\* .* not 9\*\*9"),
    ("2**1000", r"the exponent after \*\* .* not 1000"),
    ("turnover ** headcount", r"the exponent after \*\* .* not headcount"),
    ("10**15*10**15", r"the exponent after \*\* .* not 15"),
    ("10**10 * 10**10", "the formula reaches 100 000 000 000 000 000 000; the numbers it computes must stay between"),
    ("1e308*1e308", "the number 1e308 is too large; the numbers in a formula are at most 1 000 000 000 000 000"),
    ("1+" * 5000 + "1", "the formula has 10 001 characters; at most 1 000 are allowed"),
    ("-" * 20000 + "1", "the formula has 20 001 characters; at most 1 000 are allowed"),
    ("(" * 500 + "1" + ")" * 500, "the formula has 1 001 characters; at most 1 000 are allowed"),
    ("1" * 100_000, "the formula has 100 000 characters; at most 1 000 are allowed"),
    ("1+" * 300 + "1", "the formula has 601 numbers, figures and operations; at most 200 are allowed"),
    ("abs(" * 60 + "turnover" + ")" * 60, "the formula nests operations 61 levels deep; at most 50 are allowed"),
    ("turnover / 0 + 1 / 0", "the formula divides by zero"),
    ("__import__('os').getcwd()", "the formula may only call min, max, abs, round"),
    ("turnover.real", "the formula may only use numbers, figures, .*; Attribute is not allowed"),
    ("profit * 2", "the formula uses 'profit', which is not a declared figure"),
]


@tagged("post_install", "-at_install")
class TestFormulaBounds(MembershipTariffCommon):
    """Issue 13: formulas beyond the engine's limits are refused when saved,
    naming the component and the limit, and a formula going beyond them for
    a member's figures gives a clear error, not a crash or a hang."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.version = cls.make_version("2029", "2029-01-01", "2029-12-31")
        cls.version.component_ids = [Command.create({"name": "Solidarity", "kind": "formula", "formula": GOOD})]
        cls.solidarity = cls.version.component_ids.filtered(lambda c: c.name == "Solidarity")

    def stored_formulas(self, version):
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT id, formula FROM membership_tariff_component WHERE version_id = %s ORDER BY id", [version.id]
        )
        return self.env.cr.fetchall()

    def test_hostile_formulas_are_refused_when_saved_and_nothing_is_written(self):
        before = self.stored_formulas(self.version)
        component = self.solidarity.with_user(self.manager)
        version = self.version.with_user(self.manager)
        for formula, message in HOSTILE:
            with self.subTest(formula=formula[:40]):
                start = time.perf_counter()
                with (
                    self.assertRaisesRegex(ValidationError, f"Component Solidarity: {message}") as caught,
                    self.env.cr.savepoint(),
                ):
                    component.write({"formula": formula})
                self.assertIn("Tariff ", str(caught.exception), "the message names the tariff version")
                with (
                    self.assertRaisesRegex(ValidationError, f"Component Extra: {message}"),
                    self.env.cr.savepoint(),
                ):
                    version.write(
                        {"component_ids": [Command.create({"name": "Extra", "kind": "formula", "formula": formula})]}
                    )
                self.assertLess(time.perf_counter() - start, 10, "refused without holding the worker")
                self.env.invalidate_all()
                self.assertEqual(self.solidarity.formula, GOOD)
                self.assertEqual(self.stored_formulas(self.version), before, "nothing was written")

    def test_officers_cannot_change_formulas(self):
        with self.assertRaises(AccessError):
            self.solidarity.with_user(self.officer).write({"formula": "10**10**10"})
        self.env.invalidate_all()
        self.assertEqual(self.solidarity.formula, GOOD)

    def test_formula_valid_when_saved_overflowing_for_big_figures_is_a_clear_error(self):
        # an intermediate of 10^18 for a turnover of 10^9, though the result would be 10^12
        self.solidarity.with_user(self.manager).formula = "turnover ** 2 / 1000000"
        self.version.action_adopt()
        big = self.env["res.partner"].create({"name": "Big Industries", "is_company": True})
        self.declare(big, 2029, turnover=10**9, payroll=0, headcount=1)
        self.declare(self.person, 2029, turnover=1_000, payroll=0, headcount=1)
        start = time.perf_counter()
        quotes = self.plan_company._compute_period_fees(big | self.person, date(2029, 1, 1))
        self.assertLess(time.perf_counter() - start, 10)
        self.assertIsNone(quotes[big.id].amount)
        self.assertRegex(
            quotes[big.id].error,
            r"Tariff .*: Component Solidarity: the formula reaches 1 000 000 000 000 000 000; the numbers it "
            r"computes must stay between -1 000 000 000 000 000 and 1 000 000 000 000 000\.",
        )
        self.assertIsNotNone(quotes[self.person.id].amount, "the other members' fees are computed")
        self.assertFalse(quotes[self.person.id].error)
        with self.assertRaisesRegex(UserError, "Component Solidarity: the formula reaches 1 000 000 000 000 000 000"):
            self.plan_company._get_period_fee(big, date(2029, 1, 1), date(2029, 12, 31))

    def test_formula_dividing_by_a_zero_figure_is_a_clear_error(self):
        self.solidarity.formula = "turnover / headcount"
        self.version.action_adopt()
        self.declare(self.person, 2029, turnover=1_000, payroll=0, headcount=0)
        with self.assertRaisesRegex(UserError, "Component Solidarity: the formula divides by zero"):
            self.plan_company._get_period_fee(self.person, date(2029, 1, 1), date(2029, 12, 31))
