from datetime import date

from odoo import Command
from odoo.tests import tagged

from .common import MembershipTariffCommon


@tagged("post_install", "-at_install")
class TestSimulation(MembershipTariffCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.members = cls.env["res.partner"].create([{"name": f"Member {i}"} for i in range(4)])
        cls.members[0].dues_category_ids = cls.small
        figures = [(500_000, 50_000, 3), (990_000, 90_000, 5), (1_500_000, 200_000, 10), (3_000_000, 400_000, 40)]
        for partner, (turnover, payroll, headcount) in zip(cls.members, figures, strict=True):
            cls.declare(partner, 2027, turnover=turnover, payroll=payroll, headcount=headcount)
            cls.join_cls(partner)
        # a reference member whose figures were deleted since
        cls.lost = cls.env["res.partner"].create({"name": "Lost figures"})
        declaration = cls.declare(cls.lost, 2027, turnover=100, payroll=100, headcount=1)
        cls.join_cls(cls.lost)
        declaration.line_ids.unlink()
        # 2028 draft: the first bracket up to 1,000,000 costs 350 instead of 300, the staff fee 15
        cls.draft = cls.make_version("2028", "2028-01-01", base=(350, 450, 600), per_employee=15.0)

    @classmethod
    def join_cls(cls, partner):
        wizard = cls.env["membership.join.wizard"].create(
            {"partner_id": partner.id, "plan_id": cls.plan_company.id, "join_date": date(2027, 1, 1)}
        )
        return wizard.action_confirm()

    def test_simulation_changes_nothing_and_explains_everything(self):
        moves = self.env["account.move"].search_count([])
        subscriptions = self.env["membership.subscription"].search([("plan_id", "=", self.plan_company.id)])
        amounts = subscriptions.mapped("amount")
        simulation = self.env["membership.tariff.simulation"].create(
            {
                "version_id": self.draft.id,
                "date_from": "2027-01-01",
                "date_to": "2027-12-31",
                "category_dimension": "size",
            }
        )
        action = simulation.action_run()
        lines = simulation.line_ids
        self.assertEqual(len(lines), 5)
        by_member = {line.partner_id.name: line for line in lines}
        first = by_member["Member 0"]  # 300 + 300 + 36 = 636 x 0.8 -> 509; then 350 + 300 + 45 = 695 x 0.8 -> 556
        self.assertEqual((first.old_amount, first.new_amount, first.difference), (509.0, 556.0, 47.0))
        self.assertEqual(first.category_id, self.small)
        self.assertEqual(first.change_band, "up")
        self.assertIn("times 0.8", first.explanation)
        second = by_member["Member 1"]  # 300 + 540 + 60 = 900 -> 350 + 540 + 75 = 965
        self.assertEqual((second.old_amount, second.new_amount), (900.0, 965.0))
        self.assertEqual(by_member["Member 3"].difference, 40 * 3.0)  # only the staff fee changes
        self.assertEqual(by_member["Lost figures"].status, "missing")
        self.assertIn("are missing", by_member["Lost figures"].explanation)
        self.assertEqual(simulation.member_count, 5)
        self.assertEqual(simulation.missing_count, 1)
        self.assertEqual(simulation.increase_count, 4)
        self.assertAlmostEqual(simulation.difference_total, 47 + 65 + 30 + 120)
        self.assertIn("Company member", simulation.summary)
        self.assertEqual(action["res_model"], "membership.tariff.simulation.line")
        self.assertEqual(self.env["account.move"].search_count([]), moves, "no invoice created")
        self.assertEqual(subscriptions.mapped("amount"), amounts, "no subscription changed")
        self.assertEqual(self.draft.state, "draft")

    def test_members_changing_bracket(self):
        shifted = self.make_version("2029", "2029-01-01")
        base = shifted.component_ids.filtered(lambda c: c.name == "Base fee")
        first, second, _third = base.bracket_ids.sorted("sequence")
        base.write(
            {
                "bracket_ids": [
                    Command.update(first.id, {"upper": 950_000}),
                    Command.update(second.id, {"lower": 950_000}),
                ]
            }
        )
        simulation = self.env["membership.tariff.simulation"].create(
            {"version_id": shifted.id, "date_from": "2027-01-01", "date_to": "2027-12-31"}
        )
        simulation.action_run()
        changed = simulation.line_ids.filtered("bracket_changed")
        self.assertEqual(changed.partner_id.name, "Member 1", "990,000 moves from the first to the second bracket")
        self.assertEqual(changed.changed_components, "Base fee")
        self.assertEqual(simulation.bracket_change_count, 1)
