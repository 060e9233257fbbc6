from datetime import date

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged

from .common import MembershipTariffCommon


@tagged("post_install", "-at_install")
class TestTariffGrid(MembershipTariffCommon):
    def test_fee_from_declared_figures_with_stored_explanation(self):
        self.declare(self.member_company, 2027, turnover=1_500_000, payroll=200_000, headcount=10)
        subscription = self.join(self.member_company, self.plan_company, date(2027, 1, 1))
        # 450 (turnover 1.5M) + 600 + 200 (payroll 200k, marginal) + 120 (10 employees)
        self.assertEqual(subscription.amount, 1370.0)
        self.assertEqual(subscription.tariff_version_id, self.version_2027)
        self.assertEqual(subscription.fee_year, 2027)
        self.assertFalse(subscription.fee_fallback)
        result = subscription.fee_data["result"]
        self.assertEqual([c["amount"] for c in result["components"]], ["450.00", "800.00", "120.00"])
        self.assertEqual(subscription.fee_data["figures"][0]["source"], "declaration")
        explanation = subscription.fee_explanation
        for text in (
            "Company tariff 2027, figures of 2027:",
            "Turnover: 1,500,000 EUR (declared)",
            "Base fee",
            "Payroll",
            "Staff",
        ):
            self.assertIn(text, explanation)
        self.assertIn("Fee for a full period: $\xa01,370.00", explanation)
        self.assertIn("Staff: 10 employees at $\xa012.00 = $\xa0120.00", explanation)
        self.assertIn("Base fee", subscription.invoice_id.invoice_line_ids.name, "the invoice line explains the fee")

    def test_coefficient_floor_and_proration(self):
        self.person.dues_category_ids = self.small
        self.declare(self.person, 2027, turnover=100_000, payroll=10_000, headcount=1)
        # 300 + 60 + 12 = 372, x 0.8 = 297.60, rounded to 1 = 298; joined on 1 July: 6/12
        subscription = self.join(self.person, self.plan_company, date(2027, 7, 1))
        self.assertEqual(subscription.full_amount, 298.0)
        self.assertEqual(subscription.amount, 149.0)
        self.assertIn("times 0.8 (Small)", subscription.fee_explanation)
        self.assertIn("Prorated by month", subscription.fee_explanation)

    def test_floor(self):
        self.version_2027.floor = 400.0
        self.declare(self.member_company, 2027, turnover=0, payroll=0, headcount=0)
        floor = self.join(self.member_company, self.plan_company, date(2027, 1, 1))
        self.assertEqual(floor.amount, 400.0)
        self.assertIn("Raised to the tariff's floor", floor.fee_explanation)

    def test_version_in_force_and_adoption(self):
        self.assertEqual(self.tariff._version_on(date(2027, 6, 1)), self.version_2027)
        self.assertFalse(self.tariff._version_on(date(2028, 1, 1)))
        draft_2028 = self.make_version("2028", "2028-01-01")
        self.assertFalse(self.tariff._version_on(date(2028, 1, 1)), "a draft never applies")
        with self.assertRaisesRegex(UserError, "no adopted version valid on 01/01/2028"):
            self.plan_company._get_period_fee(self.person, date(2028, 1, 1), date(2028, 12, 31))
        draft_2028.action_adopt()
        self.assertEqual(self.tariff._version_on(date(2028, 3, 1)), draft_2028)
        overlapping = self.make_version("2027 bis", "2027-06-01", "2027-12-31")
        with self.assertRaisesRegex(ValidationError, "overlaps the adopted version Company tariff 2027"):
            overlapping.action_adopt()

    def test_adopting_closes_the_open_version_before_it(self):
        self.version_2027.date_to = False
        version_2028 = self.make_version("2028", "2028-01-01")
        version_2028.action_adopt()
        self.assertEqual(self.version_2027.date_to, date(2027, 12, 31))

    def test_an_incomplete_grid_cannot_be_adopted(self):
        version = self.make_version("2029", "2029-01-01")
        version.component_ids[0].bracket_ids.unlink()
        with self.assertRaisesRegex(ValidationError, "Component Base fee: add its brackets"):
            version.action_adopt()

    def test_bad_brackets_are_rejected_when_saving(self):
        version = self.make_version("2029", "2029-01-01")
        component = version.component_ids.filtered(lambda c: c.name == "Base fee")
        first, second, third = component.bracket_ids.sorted("sequence")
        cases = [
            ({"upper": 900_000}, first, r"gap between brackets \[0, 900 000\) and \[1 000 000, 2 000 000\)"),
            ({"upper": 1_200_000}, first, r"brackets \[0, 1 200 000\) and \[1 000 000, 2 000 000\) overlap"),
            ({"sequence": 5}, first, r"bracket \[0, 1 000 000\) comes after \[2 000 000, \.\.\.\); sort"),
            ({"amount": -10}, second, r"bracket \[1 000 000, 2 000 000\): amount is -10"),
            ({"upper": 3_000_000}, third, r"last bracket \[2 000 000, 3 000 000\) must be open-ended"),
        ]
        for values, bracket, message in cases:
            with self.subTest(values=values):
                with self.assertRaisesRegex(ValidationError, message) as error, self.env.cr.savepoint():
                    bracket.write(values)
                self.assertIn("Tariff Company tariff 2029: Component Base fee", str(error.exception))
        with self.assertRaisesRegex(ValidationError, "rate is -1"), self.env.cr.savepoint():
            version.component_ids.filtered(lambda c: c.name == "Payroll").bracket_ids[0].rate = -1

    def test_moving_a_bound_in_the_form_checks_the_final_brackets(self):
        """Two brackets edited together: only the final state is checked."""
        version = self.make_version("2029", "2029-01-01")
        component = version.component_ids.filtered(lambda c: c.name == "Base fee")
        with Form(component) as form:
            with form.bracket_ids.edit(0) as bracket:
                bracket.upper = 800_000
            with form.bracket_ids.edit(1) as bracket:
                bracket.lower = 800_000
        self.assertEqual(component.bracket_ids.sorted("sequence").mapped("lower"), [0, 800_000, 2_000_000])

    def test_formula_component_runs_in_safe_eval(self):
        version = self.make_version("2029", "2029-01-01", "2029-12-31")
        version.component_ids = [
            Command.create(
                {"name": "Solidarity", "kind": "formula", "formula": "max(10, turnover * 0.0001 + headcount * 0.5)"}
            )
        ]
        version.action_adopt()
        self.declare(self.person, 2029, turnover=1_000_000, payroll=0, headcount=4)
        fee = self.plan_company._get_period_fee(self.person, date(2029, 1, 1), date(2029, 12, 31))
        # 450 + 0 + 48 + (100 + 2) = 600
        self.assertEqual(str(fee), "600.00")
        for bad in ("__import__('os').getcwd()", "turnover.real", "open('x')"):
            with self.subTest(formula=bad), self.assertRaises(ValidationError), self.env.cr.savepoint():
                version.component_ids.filtered(lambda c: c.name == "Solidarity").formula = bad

    def test_adopted_version_used_by_an_invoice_is_locked(self):
        self.declare(self.member_company, 2027, turnover=1_500_000, payroll=200_000, headcount=10)
        self.join(self.member_company, self.plan_company, date(2027, 1, 1))
        version = self.version_2027
        self.assertTrue(version.is_locked)
        component = version.component_ids[0]
        for operation in (
            lambda: version.write({"floor": 1.0}),
            lambda: component.write({"name": "Changed"}),
            lambda: component.bracket_ids[0].write({"amount": 1.0}),
            lambda: component.bracket_ids[0].unlink(),
            lambda: version.coefficient_ids.write({"factor": 2.0}),
            lambda: version.write({"component_ids": [Command.create({"name": "New", "kind": "flat", "amount": 1})]}),
        ):
            with (
                self.subTest(operation=operation),
                self.assertRaisesRegex(UserError, "Copy it"),
                self.env.cr.savepoint(),
            ):
                operation()
        with self.assertRaisesRegex(UserError, "cannot end before"):
            version.date_to = date(2026, 12, 31)
        version.date_to = date(2027, 12, 31)  # its end date may still be set
        action = version.action_copy_version()
        copy = self.env["membership.tariff.version"].browse(action["res_id"])
        self.assertEqual((copy.state, copy.date_from), ("draft", date(2028, 1, 1)))
        self.assertEqual(len(copy.component_ids.bracket_ids), len(version.component_ids.bracket_ids))
        self.assertEqual(copy.coefficient_ids.category_id, self.small)
        copy.component_ids[0].bracket_ids[0].amount = 310.0  # the copy is free

    def test_brackets_import_and_export(self):
        version = self.make_version("2029", "2029-01-01")
        staff = version.component_ids.filtered(lambda c: c.name == "Staff")
        staff.write({"amount": 0})
        fields = ["component_id/.id", "sequence", "lower", "upper", "amount"]
        result = self.env["membership.tariff.bracket"].load(
            fields,
            [
                [str(staff.id), "1", "0", "10", "20"],
                [str(staff.id), "2", "10", "50", "12"],
                [str(staff.id), "3", "50", "0", "6"],
            ],
        )
        self.assertFalse(result["messages"], result["messages"])
        self.assertEqual(staff.bracket_ids.sorted("sequence").mapped("amount"), [20, 12, 6])
        exported = staff.bracket_ids.sorted("sequence").export_data(["lower", "upper", "amount"])["datas"]
        self.assertEqual(exported, [[0.0, 10.0, 20.0], [10.0, 50.0, 12.0], [50.0, 0.0, 6.0]])
        bad = self.env["membership.tariff.bracket"].load(fields, [[str(staff.id), "4", "60", "0", "1"]])
        self.assertTrue(bad["messages"] and "overlap" in bad["messages"][0]["message"], bad["messages"])

    def test_fees_of_many_members_cost_the_same_queries(self):
        def members(count, prefix):
            partners = self.env["res.partner"].create([{"name": f"{prefix} {i}"} for i in range(count)])
            for index, partner in enumerate(partners):
                partner.dues_category_ids = self.small if index % 2 else False
                self.declare(partner, 2027, turnover=index * 100_000, payroll=index * 10_000, headcount=index)
            return partners

        few, many = members(5, "Few"), members(25, "Many")

        def queries(partners):
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            quotes = self.plan_company._compute_period_fees(partners, date(2027, 1, 1))
            self.assertTrue(all(quote.amount is not None and not quote.error for quote in quotes.values()))
            self.assertEqual(len(quotes), len(partners))
            return self.env.cr.sql_log_count - before

        queries(few)  # warm up the caches of access rules
        self.assertEqual(queries(many), queries(few), "25 members cost the queries of 5")
        self.assertLessEqual(queries(many), 20)
