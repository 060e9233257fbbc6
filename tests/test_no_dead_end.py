from datetime import date

from lxml import etree

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, HttpCase, tagged

from .common import MembershipTariffCommon

# The 2027 grid on 800,000 turnover, 50,000 payroll and 4 employees:
# 300 + 0.6 % of 50,000 + 4 x 12 = 648 for a full year.
FIGURES = {"turnover": "800 000", "payroll": "50000", "headcount": "4"}


@tagged("post_install", "-at_install")
class TestNoDeadEnd(MembershipTariffCommon):
    """A member without declared figures is no dead end: the join wizard
    takes the figures in place or applies the plan's rule, and a campaign's
    failed members lead to their declaration and renew once it is declared."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Declaration = cls.env["membership.declaration"]
        cls.member = cls.env["res.partner"].create({"name": "Garage Martin SPRL", "is_company": True})

    def wizard_form(self, partner=None, plan=None, join_date=date(2027, 7, 1), user=None):
        Wizard = self.env["membership.join.wizard"].with_user(user or self.officer)
        form = Form(Wizard.with_context(default_partner_id=(partner or self.member).id))
        form.plan_id = plan or self.plan_company
        form.join_date = join_date
        return form

    def type_figures(self, form, figures):
        """Type ``figures`` ({code: text}) in the wizard's list of figures."""
        for index in range(len(form.figure_line_ids)):
            with form.figure_line_ids.edit(index) as line:
                if line.figure_id.code in figures:
                    line.value = figures[line.figure_id.code]

    def rows(self, form, *fnames):
        """The wizard's figure lines as (figure code, *values of fnames)."""
        Figure = self.env["membership.figure"]
        return [
            (Figure.browse(vals["figure_id"]).code, *(vals[fname] for fname in fnames))
            for vals in form.figure_line_ids._records
        ]

    def declaration_of(self, partner, year):
        return self.Declaration.search([("partner_id", "=", partner.id), ("year", "=", year)])

    def declared_values(self, declaration):
        return {line.figure_id.code: line.value for line in declaration.line_ids}

    # ------------------------------------------------------------------
    # Join wizard
    # ------------------------------------------------------------------
    def test_join_with_the_figures_typed_in_place(self):
        self.declare(self.member, 2026, turnover=700_000, payroll=45_000, headcount=3)
        form = self.wizard_form()
        self.assertTrue(form.needs_figures)
        self.assertFalse(form.fallback_available, "the plan has no rule for missing figures")
        self.assertEqual((form.figure_mode, form.fee_year), ("enter", 2027))
        self.assertIn("Garage Martin SPRL has not declared Turnover, Payroll, Headcount for 2027", form.figures_intro)
        # the period is shown before the figures are known
        self.assertEqual((form.date_start, form.date_end), (date(2027, 7, 1), date(2027, 12, 31)))
        self.assertEqual(
            self.rows(form, "value", "last_year_value"),
            [("turnover", False, "700,000"), ("payroll", False, "45,000"), ("headcount", False, "3")],
            "the figures the tariff reads, with last year's value",
        )
        self.type_figures(form, {"turnover": FIGURES["turnover"]})
        self.assertIn("Type Payroll, Headcount in the list of figures", form.fee_error)
        self.assertFalse(form.amount)
        # what is typed survives a change of date
        form.join_date = date(2027, 4, 1)
        self.type_figures(form, {"payroll": FIGURES["payroll"], "headcount": FIGURES["headcount"]})
        form.join_date = date(2027, 7, 1)
        self.assertEqual(self.rows(form, "value"), [("turnover", "800 000"), ("payroll", "50000"), ("headcount", "4")])
        # the fee and its explanation, live, before anything is created
        self.assertFalse(form.fee_error)
        self.assertEqual((form.full_amount, form.amount, form.amount_total), (648.0, 324.0, 324.0))
        self.assertIn("Turnover: 800,000 EUR (declared)", form.fee_explanation)
        self.assertIn("6/12 months", form.fee_explanation)
        self.assertFalse(self.declaration_of(self.member, 2027), "nothing created before Create")
        wizard = form.save()
        subscription = self.env["membership.subscription"].browse(wizard.action_confirm()["res_id"])
        declaration = self.declaration_of(self.member, 2027)
        self.assertRecordValues(declaration, [{"state": "declared", "source": "manual", "company_id": self.company.id}])
        self.assertEqual(self.declared_values(declaration), {"turnover": 800_000, "payroll": 50_000, "headcount": 4})
        self.assertRecordValues(
            subscription,
            [
                {
                    "full_amount": 648.0,
                    "amount": 324.0,
                    "fee_year": 2027,
                    "fee_fallback": False,
                    "tariff_version_id": self.version_2027.id,
                    "state": "waiting_payment",
                }
            ],
        )
        self.assertEqual(subscription.invoice_id.state, "posted")
        self.assertEqual(subscription.invoice_id.amount_untaxed, 324.0)
        self.assertIn("Figures entered by", declaration.message_ids[0].body)

    def test_join_completes_a_declaration_under_way(self):
        """A declaration to declare keeps its figures (shown, changeable);
        one declared without a figure gets it, the others stay as declared."""
        draft = self.Declaration.create(
            {
                "partner_id": self.member.id,
                "year": 2027,
                "line_ids": [Command.create({"figure_id": self.turnover.id, "value": 800_000})],
            }
        )
        form = self.wizard_form()
        self.assertEqual(self.rows(form, "value"), [("turnover", "800,000"), ("payroll", False), ("headcount", False)])
        self.type_figures(form, {"payroll": "50000", "headcount": "4"})
        self.assertEqual(form.full_amount, 648.0)
        form.save().action_confirm()
        self.assertEqual(self.declaration_of(self.member, 2027), draft, "completed, not a second one")
        self.assertRecordValues(draft, [{"state": "declared", "source": "manual"}])
        self.assertEqual(self.declared_values(draft), {"turnover": 800_000, "payroll": 50_000, "headcount": 4})

        other = self.env["res.partner"].create({"name": "Other member"})
        declared = self.declare(other, 2027, turnover=800_000, payroll=50_000)
        form = self.wizard_form(partner=other)
        self.assertIn("has not declared Headcount for 2027", form.figures_intro)
        self.assertEqual(
            self.rows(form, "value", "declared"),
            [("turnover", "800,000", True), ("payroll", "50,000", True), ("headcount", False, False)],
        )
        self.type_figures(form, {"headcount": "4"})
        form.save().action_confirm()
        self.assertEqual(declared.state, "validated", "a validated declaration is completed, not reset")
        self.assertEqual(self.declared_values(declared), {"turnover": 800_000, "payroll": 50_000, "headcount": 4})

    def test_join_with_the_plans_rule_for_missing_figures(self):
        self.declare(self.member, 2026, turnover=500_000, payroll=50_000, headcount=3)
        self.turnover.default_value = 1_500_000
        self.headcount.default_value = 1
        cases = [
            # plan's rule, full fee, in the explanation
            ({"fallback_mode": "last_year", "fallback_uplift": 10}, 666.0, "not declared: 2026 value 500,000 EUR"),
            ({"fallback_mode": "default"}, 462.0, "not declared: default value"),
            ({"fallback_mode": "penalty", "fallback_penalty": 2500}, 2500.0, "the plan's penalty fee applies"),
        ]
        for index, (rule, full_fee, explained) in enumerate(cases):
            with self.subTest(rule=rule["fallback_mode"]):
                self.plan_company.write(rule)
                member = self.member if index == 0 else self.env["res.partner"].create({"name": f"Member {index}"})
                form = self.wizard_form(partner=member, join_date=date(2027, 1, 1))
                self.assertTrue(form.needs_figures and form.fallback_available)
                self.assertEqual(form.figure_mode, "fallback", "the plan's rule by default")
                self.assertFalse(form.fee_error)
                self.assertEqual((form.full_amount, form.amount), (full_fee, full_fee))
                self.assertIn(explained, form.fee_explanation)
                # typing instead is offered; a blank figure then says both ways out
                form.figure_mode = "enter"
                self.assertIn("or choose 'Apply the plan's rule for missing figures'", form.fee_error)
                form.figure_mode = "fallback"
                subscription = self.env["membership.subscription"].browse(form.save().action_confirm()["res_id"])
                self.assertRecordValues(subscription, [{"full_amount": full_fee, "fee_fallback": True}])
                self.assertTrue(subscription.invoice_id)
                self.assertFalse(self.declaration_of(member, 2027), "the plan's rule declares nothing")

    def test_join_without_figures_or_rule_is_blocked_with_what_to_type(self):
        form = self.wizard_form()
        self.assertFalse(form.fallback_available)
        self.assertEqual(
            form.fee_error,
            "Garage Martin SPRL, 2027: the figures Turnover, Payroll, Headcount are missing and plan Company member "
            "has no fallback for missing figures. Type Turnover, Payroll, Headcount in the list of figures (0 when "
            "the member has none) to compute the fee.",
        )
        arch = etree.fromstring(
            self.env["membership.join.wizard"]
            .with_user(self.officer)
            .get_views([(False, "form")])["views"]["form"]["arch"]
        )
        [create] = arch.xpath("//footer/button[@name='action_confirm']")
        self.assertEqual(create.get("invisible"), "fee_error", "no Create while the fee cannot be computed")
        # (a call through RPC all the same) nothing is created
        wizard = form.save()
        with self.assertRaisesRegex(UserError, "Type Turnover, Payroll, Headcount"):
            wizard.action_confirm()
        self.assertFalse(self.env["membership.subscription"].search([("partner_id", "=", self.member.id)]))
        self.assertFalse(self.declaration_of(self.member, 2027))

    def test_a_bad_figure_is_refused_naming_the_figure_and_the_value(self):
        cases = [
            ("payroll", "-5", "Payroll is -5; a declared figure cannot be negative."),
            ("headcount", "2.5", "Headcount is 2.5; it must be a whole number."),
            ("headcount", "4 employees", "Headcount: “4 employees” is not a number"),
            ("turnover", "200000000000", "Turnover is 200,000,000,000, above the plausibility limit"),
        ]
        for code, text, message in cases:
            with self.subTest(figure=code, value=text):
                form = self.wizard_form()
                self.type_figures(form, {**FIGURES, code: text})
                self.assertIn(message, form.fee_error, "shown as typed")
                self.assertFalse(form.amount)
                wizard = form.save()
                with self.assertRaisesRegex(ValidationError, message.replace(".", r"\.")):
                    wizard.action_confirm()
                self.assertFalse(self.declaration_of(self.member, 2027))

    def test_wizard_form_renders_the_figures_for_an_officer(self):
        views = self.env["membership.join.wizard"].with_user(self.officer).get_views([(False, "form")])
        arch = etree.fromstring(views["views"]["form"]["arch"])
        self.assertTrue(arch.xpath("//div[@name='missing_figures'][@invisible='not needs_figures']"))
        self.assertEqual(
            arch.xpath("//field[@name='figure_line_ids']/list/field/@name"),
            ["sequence", "figure_id", "value", "unit", "last_year_value", "declared"],
        )
        self.assertTrue(arch.xpath("//field[@name='figure_mode'][@widget='radio']"))
        self.assertIn("membership.join.wizard.figure", views["models"])

    # ------------------------------------------------------------------
    # Campaign failures
    # ------------------------------------------------------------------
    def failing_campaign(self):
        """A campaign renewing the member's 2026 period on the company plan,
        run once: its 2027 figures are missing, so it fails."""
        self.paid_subscription(self.member, self.plan_company, date(2026, 1, 1), date(2026, 12, 31))
        campaign = self.env["membership.renewal.campaign"].create(
            {
                "name": "Company renewals 2027",
                "plan_ids": [Command.set(self.plan_company.ids)],
                "date_from": "2026-12-31",
                "date_to": "2026-12-31",
                "send_on_launch": False,
            }
        )
        campaign.action_launch()
        self.run_cron()
        self.assertEqual(campaign.state, "done")
        self.assertEqual(campaign.failure_ids.partner_id, self.member)
        return campaign

    def run_cron(self):
        with self.patched_commit_progress():
            self.env["membership.renewal.campaign"]._cron_run_campaigns()

    def test_failure_rows_open_the_member_and_the_declaration(self):
        campaign = self.failing_campaign()
        failure = campaign.failure_ids.with_user(self.officer)
        self.assertIn("the figures Turnover, Payroll, Headcount are missing", failure.error)
        self.assertIn(
            "Click Open Declaration on this line, type the member's 2027 figures and click Mark Declared, then "
            "click Retry Failed on the campaign.",
            failure.error,
        )
        self.assertTrue(failure.reads_figures)
        self.assertEqual(failure.fee_year, 2027)
        action = failure.action_open_member()
        self.assertEqual((action["res_model"], action["res_id"]), ("res.partner", self.member.id))
        action = failure.action_open_declaration()
        declaration = self.declaration_of(self.member, 2027)
        self.assertEqual((action["res_model"], action["res_id"]), ("membership.declaration", declaration.id))
        self.assertRecordValues(declaration, [{"state": "to_declare", "company_id": self.company.id}])
        self.assertEqual(failure.action_open_declaration()["res_id"], declaration.id, "opened again, not created")
        # the list shows both buttons, the declaration's only on a tariff plan
        arch = etree.fromstring(
            self.env["membership.renewal.campaign.failure"].get_views([(False, "list")])["views"]["list"]["arch"]
        )
        buttons = {button.get("name"): button.get("invisible") for button in arch.xpath("//button")}
        self.assertEqual(buttons, {"action_open_member": None, "action_open_declaration": "not reads_figures"})
        self.plan_company.tariff_id = False
        failure.invalidate_recordset()
        self.assertFalse(failure.reads_figures)

    def test_retry_failed_picks_up_the_figures_declared_since(self):
        campaign = self.failing_campaign()
        declaration = self.Declaration.browse(campaign.failure_ids.action_open_declaration()["res_id"])
        declaration.line_ids = [
            Command.create({"figure_id": figure.id, "value": value})
            for figure, value in ((self.turnover, 800_000), (self.payroll, 50_000), (self.headcount, 4))
        ]
        # typed but not declared yet: only declared figures count, and the error says so
        campaign.action_retry_failed()
        self.run_cron()
        self.assertFalse(campaign.renewal_ids)
        self.assertIn("still To Declare", campaign.failure_ids.error)
        declaration.action_declare()
        campaign.action_retry_failed()
        self.assertEqual(campaign.state, "running")
        self.run_cron()
        self.assertEqual(campaign.state, "done")
        self.assertFalse(campaign.failure_ids)
        notice = campaign.renewal_ids
        self.assertRecordValues(
            notice,
            [{"partner_id": self.member.id, "amount": 648.0, "fee_year": 2027, "fee_fallback": False}],
        )
        self.assertEqual(
            {figure["code"]: (figure["source"], figure["value"]) for figure in notice.fee_data["figures"]},
            {
                "turnover": ("declaration", "800000.0"),
                "payroll": ("declaration", "50000.0"),
                "headcount": ("declaration", "4.0"),
            },
        )


@tagged("post_install", "-at_install")
class TestNoDeadEndTour(MembershipTariffCommon, HttpCase):
    def test_officer_types_the_missing_figures_in_the_browser(self):
        partner = self.env["res.partner"].create({"name": "Tour Garage", "is_company": True})
        self.plan_company.name = "Tour Company Plan"
        self.start_tour(
            f"/odoo/res.partner/{partner.id}", "membership_dues_join_figures_tour", login=self.officer.login
        )
        subscription = self.env["membership.subscription"].search([("partner_id", "=", partner.id)])
        self.assertEqual((subscription.full_amount, subscription.amount), (648.0, 324.0))
        declaration = self.env["membership.declaration"].search([("partner_id", "=", partner.id)])
        self.assertRecordValues(declaration, [{"year": 2027, "state": "declared", "source": "manual"}])
