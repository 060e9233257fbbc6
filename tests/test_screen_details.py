from datetime import date, timedelta

from lxml import etree

from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tools.safe_eval import safe_eval

from .common import MembershipFollowupCommon, MembershipTariffCommon

# (model, year field, [(view xmlid, view type)] showing it)
YEAR_FIELDS = [
    (
        "membership.declaration",
        "year",
        [
            ("membership_dues.membership_declaration_view_list", "list"),
            ("membership_dues.membership_declaration_view_form", "form"),
        ],
    ),
    ("membership.declaration.line", "year", [("membership_dues.membership_declaration_line_view_list", "list")]),
    ("membership.subscription", "fee_year", [("membership_dues.membership_subscription_view_form", "form")]),
    ("membership.renewal", "fee_year", []),
    (
        "membership.certificate.wizard",
        "year",
        [("membership_dues.membership_certificate_wizard_view_form", "form")],
    ),
]


def _options(node):
    # options are a JavaScript-like expression: true/false as in the views
    return safe_eval(node.get("options") or "{}", {"true": True, "false": False})


@tagged("post_install", "-at_install")
class TestScreenDetails(MembershipFollowupCommon, MembershipTariffCommon):
    def _arch(self, model, xmlid, view_type, user=None):
        env = self.env(user=user) if user else self.env
        view = self.env.ref(xmlid)
        views = env[model].get_views([(view.id, view_type)])
        return etree.fromstring(views["views"][view_type]["arch"])

    # ------------------------------------------------------------------
    # 1. years are years
    # ------------------------------------------------------------------
    def test_years_are_neither_summed_nor_formatted_as_amounts(self):
        for model, field_name, views in YEAR_FIELDS:
            with self.subTest(model=model, field=field_name):
                description = self.env[model].fields_get([field_name], ["type", "aggregator"])[field_name]
                self.assertEqual(description["type"], "integer")
                self.assertFalse(description.get("aggregator"), "a year is not summed in grouped lists")
                for xmlid, view_type in views:
                    nodes = self._arch(model, xmlid, view_type).xpath(f"//field[@name='{field_name}']")
                    self.assertTrue(nodes, f"{xmlid} shows {field_name}")
                    for node in nodes:
                        # Odoo 19's integer field and list formatter read 'enable_formatting'
                        self.assertIs(_options(node).get("enable_formatting"), False, xmlid)

    def test_declarations_grouped_by_year_sum_nothing_but_counts(self):
        for year in (2025, 2025, 2026):
            self.declare(self.env["res.partner"].create({"name": f"Declarant {year}"}), year, turnover=1.0)
        result = self.env["membership.declaration"].web_read_group(
            [("year", "in", (2025, 2026))],
            ["year"],
            ["__count"] + [f"{name}:{agg}" for name, agg in self._list_aggregates("membership.declaration")],
        )
        groups = {group["year"]: group for group in result["groups"]}
        self.assertEqual({year: group["__count"] for year, group in groups.items()}, {2025: 2, 2026: 1})
        self.assertNotIn("year:sum", groups[2025])

    def _list_aggregates(self, model):
        """The aggregates the web client asks for: the fields of the list
        view that have an aggregator."""
        fields = self.env[model].fields_get(attributes=["aggregator"])
        arch = etree.fromstring(self.env[model].get_views([(False, "list")])["views"]["list"]["arch"])
        names = {node.get("name") for node in arch.xpath("//field")}
        return [(name, fields[name]["aggregator"]) for name in names if fields[name].get("aggregator")]

    # ------------------------------------------------------------------
    # 2. tariff brackets as people write them
    # ------------------------------------------------------------------
    def test_open_bracket_reads_and_above_and_rates_without_trailing_zeros(self):
        component_form = self._arch(
            "membership.tariff.component", "membership_dues.membership_tariff_component_view_form", "form"
        )
        bracket_list = self._arch(
            "membership.tariff.bracket", "membership_dues.membership_tariff_bracket_view_list", "list"
        )
        for label, arch, prefix in (
            ("component form", component_form, "//field[@name='bracket_ids']/list"),
            ("bracket list", bracket_list, "/list"),
        ):
            with self.subTest(view=label):
                (upper,) = arch.xpath(f"{prefix}/field[@name='upper']")
                self.assertEqual(upper.get("widget"), "membership_dues_open_bound")
                self.assertEqual(upper.get("placeholder"), "and above")
                for rate in ("rate", "rate_to"):
                    (node,) = arch.xpath(f"{prefix}/field[@name='{rate}']")
                    self.assertIs(_options(node).get("hide_trailing_zeros"), True, rate)
        # the widget is shipped to the backend
        paths = [path for path, *__ in self.env["ir.asset"]._get_asset_paths("web.assets_backend", {})]
        for name in ("open_bound_field.js", "open_bound_field.xml"):
            self.assertTrue(any(path.endswith(f"membership_dues/static/src/fields/{name}") for path in paths), name)
        # the last bracket of the fixture is open-ended: stored as 0, read as no bound
        last = self.version_2027.component_ids.bracket_ids.filtered(lambda b: b.lower == 2_000_000)
        self.assertEqual(last.upper, 0.0)
        self.assertIsNone(last._engine_bracket()[1])

    # ------------------------------------------------------------------
    # 3. ageing buckets in their natural order
    # ------------------------------------------------------------------
    def test_ageing_buckets_come_in_their_natural_order(self):
        today = date.today()
        for year, offset in enumerate((-120, -75, -45, -10, 5), start=2030):  # created oldest first
            due = today + timedelta(days=offset)
            self.dues_invoice(self.ann, due, year=year, invoice_date=min(due, today))
        paid = self.dues_invoice(
            self.ann, today - timedelta(days=20), year=2040, invoice_date=today - timedelta(days=30)
        )
        self.pay(paid, pay_date=today - timedelta(days=12))
        self.env.flush_all()
        natural = ["paid", "not_due", "1_30", "31_60", "61_90", "over_90"]
        analysis = self.env["membership.dues.analysis"]
        domain = [("partner_id", "=", self.ann.id)]
        for order, expected in ((None, natural), ("ageing asc", natural), ("ageing desc", natural[::-1])):
            with self.subTest(order=order):
                groups = analysis._read_group(domain, ["ageing"], ["__count"], order=order)
                self.assertEqual([ageing for ageing, __ in groups], expected)
                web = analysis.web_read_group(domain, ["ageing"], ["amount_due:sum"], order=order)
                self.assertEqual([group["ageing"] for group in web["groups"]], expected)
        # grouped by two fields (pivot), ageing still in bucket order within the plan
        pivot = analysis._read_group(domain, ["plan_id", "ageing"], ["__count"])
        self.assertEqual([ageing for __, ageing, __ in pivot], natural)

    # ------------------------------------------------------------------
    # 4. subscriptions kanban in lifecycle order
    # ------------------------------------------------------------------
    def test_subscription_kanban_columns_follow_the_lifecycle(self):
        arch = self._arch("membership.subscription", "membership_dues.membership_subscription_view_kanban", "kanban")
        self.assertEqual(arch.get("default_group_by"), "state")
        # subscriptions in a few states, created in an order that is neither
        self.make_subscription(self.bob, self.plan_year, date(2030, 1, 1), date(2030, 12, 31))  # draft
        self.dues_invoice(self.cem, date(2031, 1, 31), year=2031)  # waiting payment
        lifecycle = [value for value, __ in self.env["membership.subscription"]._fields["state"].selection]
        self.assertEqual(
            lifecycle[:2] + lifecycle[-2:], ["draft", "waiting_payment", "expired", "cancelled"], "lifecycle order"
        )
        result = (
            self.env["membership.subscription"]
            .with_context(read_group_expand=True)
            .web_read_group([], ["state"], ["__count"])
        )
        self.assertEqual([group["state"] for group in result["groups"]], lifecycle, "every column, in order")

    # ------------------------------------------------------------------
    # 5. officers see plans and grids and simulate, read only
    # ------------------------------------------------------------------
    def test_officer_sees_plans_grids_and_simulation_but_not_the_rest(self):
        menus = self.env["ir.ui.menu"]
        visible = {
            "officer": menus.with_user(self.officer)._visible_menu_ids(),
            "manager": menus.with_user(self.manager)._visible_menu_ids(),
        }
        table = [
            # menu, officer sees it, manager sees it
            ("membership_menu_config", True, True),
            ("membership_menu_plans", True, True),
            ("membership_menu_tariffs", True, True),
            ("membership_menu_tariff_brackets", True, True),
            ("membership_menu_tariff_simulation", True, True),
            ("membership_menu_followup_policies", False, True),
            ("membership_menu_refusal_reasons", False, True),
            ("membership_menu_figures", False, True),
            ("membership_menu_categories", False, True),
            ("membership_menu_settings", False, False),
        ]
        for xmlid, officer_sees, manager_sees in table:
            menu = self.env.ref(f"membership_dues.{xmlid}")
            with self.subTest(menu=xmlid):
                self.assertEqual(menu.id in visible["officer"], officer_sees, "officer")
                self.assertEqual(menu.id in visible["manager"], manager_sees, "manager")
        # the officer opens the configuration screens read only
        for model, xmlid in (
            ("membership.plan", "membership_dues.membership_plan_view_form"),
            ("membership.tariff", "membership_dues.membership_tariff_view_form"),
            ("membership.tariff.version", "membership_dues.membership_tariff_version_view_form"),
        ):
            with self.subTest(model=model):
                arch = self._arch(model, xmlid, "form", user=self.officer)
                self.assertIn(arch.get("edit"), ("0", "false", "False"), "no edit button for an officer")
                self.assertIn(arch.get("create"), ("0", "false", "False"), "no create button for an officer")
        with self.assertRaises(AccessError):
            self.version_2027.with_user(self.officer).write({"floor": 0.0})
        with self.assertRaises(AccessError):
            self.plan_company.with_user(self.officer).write({"name": "Renamed"})

    def test_officer_runs_a_simulation(self):
        member = self.env["res.partner"].create({"name": "Simulated member"})
        self.declare(member, 2027, turnover=500_000, payroll=50_000, headcount=3)
        self.env["membership.join.wizard"].create(
            {"partner_id": member.id, "plan_id": self.plan_company.id, "join_date": date(2027, 1, 1)}
        ).action_confirm()
        draft = self.make_version("2028", "2028-01-01", base=(350, 450, 600), per_employee=15.0)
        simulation = (
            self.env["membership.tariff.simulation"]
            .with_user(self.officer)
            .create({"version_id": draft.id, "date_from": "2027-01-01", "date_to": "2027-12-31"})
        )
        action = simulation.action_run()
        self.assertEqual(action["res_model"], "membership.tariff.simulation.line")
        # 300 + 300 + 36 = 636 -> 350 + 300 + 45 = 695
        line = simulation.line_ids.filtered(lambda line: line.partner_id == member)
        self.assertEqual((line.old_amount, line.new_amount), (636.0, 695.0))
        self.assertTrue(line.explanation)
        self.assertEqual(draft.state, "draft")
