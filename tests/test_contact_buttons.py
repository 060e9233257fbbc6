"""What a membership officer expects on the contact form, the members list
and the tariff components: a member company's records counted once for the
company and each of its contacts (one query per kind of record, whatever the
number of contacts), the lists the smart buttons open holding exactly what
they count, the members list counting a company once, its covered contacts
apart, and a cap, minimum or maximum that is not set reading "none"."""

from datetime import date

from lxml import etree

from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools.safe_eval import safe_eval

from .common import MembershipCommon, MembershipTariffCommon

D = date
KINDS = {
    # kind: (count field, action method)
    "subscription": ("dues_subscription_count", "action_view_dues_subscriptions"),
    "renewal": ("dues_renewal_count", "action_view_dues_renewals"),
    "declaration": ("dues_declaration_count", "action_view_dues_declarations"),
    "invoice": ("dues_invoice_count", "action_view_dues_invoices"),
    "followup": ("dues_followup_count", "action_view_dues_followups"),
}


class ContactButtonsCommon(MembershipCommon):
    """Atelier Dupont SA (two contacts) holds 3 subscriptions (two of its own,
    one of its contact Claire), 1 renewal notice, 2 declarations, 3 dues
    invoices and 1 follow-up communication; a customer invoice that bills no
    dues is not counted. Jan Peeters, a member in his own name, holds 1
    subscription and its invoice."""

    EXPECTED_COMPANY = {"subscription": 3, "renewal": 1, "declaration": 2, "invoice": 3, "followup": 1}
    EXPECTED_PERSON = {"subscription": 1, "renewal": 0, "declaration": 0, "invoice": 1, "followup": 0}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.second_contact = cls.env["res.partner"].create({"name": "Marc Dupont", "parent_id": cls.member_company.id})
        company_2026 = cls.paid_subscription(cls.member_company, cls.plan_year, "2026-01-01", "2026-12-31")
        company_2027 = cls.make_subscription(cls.member_company, cls.plan_year, "2027-01-01", "2027-12-31")
        company_2027._create_invoices(post=True)
        cls.paid_subscription(cls.member_contact, cls.plan_anniversary, "2026-03-01", "2027-02-28")
        cls.env["membership.renewal"].create(
            {
                "partner_id": cls.member_company.id,
                "plan_id": cls.plan_year.id,
                "previous_subscription_id": company_2026.id,
                "date_start": "2027-01-01",
                "date_end": "2027-12-31",
                "amount": 240.0,
            }
        )
        cls.env["membership.declaration"].create(
            [{"partner_id": cls.member_company.id, "year": year} for year in (2026, 2027)]
        )
        policy = cls.env["membership.followup.policy"]._for_company(cls.company)
        cls.env["membership.followup.communication"].create(
            {
                "partner_id": cls.member_company.id,
                "company_id": cls.company.id,
                "date": "2027-02-15",
                "level_id": policy.level_ids[:1].id,
            }
        )
        # an ordinary customer invoice of the company: not a dues invoice
        cls.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": cls.member_company.id,
                "invoice_line_ids": [Command.create({"name": "Training day", "price_unit": 90.0})],
            }
        ).action_post()
        cls.paid_subscription(cls.person, cls.plan_year, "2027-01-01", "2027-12-31")


@tagged("post_install", "-at_install")
class TestContactButtons(ContactButtonsCommon):
    def counts(self, partner):
        partner = partner.with_user(self.officer)
        partner.invalidate_recordset()
        return {kind: partner[field] for kind, (field, _action) in KINDS.items()}

    def test_a_company_and_its_contacts_count_the_company_records(self):
        cases = [
            ("the company", self.member_company, self.EXPECTED_COMPANY),
            ("a contact with its own subscription", self.member_contact, self.EXPECTED_COMPANY),
            ("a contact without one", self.second_contact, self.EXPECTED_COMPANY),
            ("a member in his own name", self.person, self.EXPECTED_PERSON),
        ]
        for label, partner, expected in cases:
            with self.subTest(label):
                self.assertEqual(self.counts(partner), expected)

    def test_each_button_lists_what_it_counts(self):
        for partner in (self.member_company, self.second_contact, self.person):
            partner = partner.with_user(self.officer)
            for kind, (field, method) in KINDS.items():
                with self.subTest(partner=partner.name, kind=kind):
                    action = getattr(partner, method)()
                    records = self.env[action["res_model"]].with_user(self.officer).search(action["domain"])
                    self.assertEqual(len(records), partner[field])
                    self.assertEqual(
                        records.mapped("partner_id.commercial_partner_id"),
                        partner.commercial_partner_id if partner[field] else partner.browse(),
                    )
                    self.assertIn(partner.commercial_partner_id.name, action["display_name"])
                    self.assertNotIn("search_default_filter_live", action["context"], "all of them, as counted")
        invoices_action = self.member_company.with_user(self.officer).action_view_dues_invoices()
        invoices = self.env["account.move"].search(invoices_action["domain"])
        self.assertTrue(all(invoices.mapped("dues_is_invoice")), "the training invoice is left out")
        # the status button still opens the live subscriptions
        status_action = self.member_company.with_user(self.officer).action_view_membership_subscriptions()
        self.assertEqual(status_action["context"].get("search_default_filter_live"), 1)

    def test_counts_of_many_partners_in_one_query_per_kind(self):
        Partner = self.env["res.partner"].with_user(self.officer)
        companies = Partner.create([{"name": f"Company {i}", "is_company": True} for i in range(10)])
        contacts = Partner.create(
            [{"name": f"Contact {i}", "parent_id": company.id} for i, company in enumerate(companies)]
        )
        for company in companies[:3]:
            self.paid_subscription(company, self.plan_year, "2027-01-01", "2027-12-31")
        partners = companies | contacts
        self.assertEqual(len(partners), 20)
        fields = [field for field, _action in KINDS.values()]

        def read_counts(records):
            records.invalidate_recordset()
            return [[partner[field] for field in fields] for partner in records]

        read_counts(partners[10:12])  # warm up the caches of access rules
        for records in (partners[:2], partners):
            with self.assertQueryCount(6):  # the partners' commercial entities, then one count per kind
                counts = read_counts(records)
        self.assertEqual(sum(row[0] for row in counts), 6, "three companies and their contacts: one subscription each")
        self.assertEqual(counts[0][0], counts[10][0], "a contact counts its company's subscriptions")

    def test_button_box_for_officers_only(self):
        arch = self.env["res.partner"].with_user(self.officer).get_views([(False, "form")])["views"]["form"]["arch"]
        buttons = etree.fromstring(arch).xpath("//div[@name='button_box']/button/@name")
        for _field, method in KINDS.values():
            self.assertIn(method, buttons)
        salesperson = new_test_user(
            self.env, login="md_contact_sales", groups="base.group_user,base.group_partner_manager"
        )
        arch = self.env["res.partner"].with_user(salesperson).get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertFalse(set(etree.fromstring(arch).xpath("//button/@name")) & {m for _f, m in KINDS.values()})
        self.assertFalse(
            set(self.env["res.partner"].with_user(salesperson).fields_get()) & {f for f, _m in KINDS.values()}
        )


@tagged("post_install", "-at_install")
class TestMembersList(MembershipCommon):
    """On 1 June 2027: Atelier Dupont SA is a member with three contacts
    (Claire, covered; Luc, whose own membership lapsed, covered; Anne, a
    member in her own name too); Bois Martin SPRL is a former member with one
    covered contact; Jan Peeters is a member; Eva Smets never was one."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls.lapsed_contact = Partner.create({"name": "Luc Dupont", "parent_id": cls.member_company.id})
        cls.own_contact = Partner.create({"name": "Anne Dupont", "parent_id": cls.member_company.id})
        cls.former_company = Partner.create({"name": "Bois Martin SPRL", "is_company": True})
        cls.former_contact = Partner.create({"name": "Paul Martin", "parent_id": cls.former_company.id})
        cls.non_member = Partner.create({"name": "Eva Smets"})
        cls.paid_subscription(cls.member_company, cls.plan_year, "2027-01-01", "2027-12-31")
        cls.paid_subscription(cls.lapsed_contact, cls.plan_year, "2025-01-01", "2025-12-31")
        cls.paid_subscription(cls.own_contact, cls.plan_anniversary, "2027-03-01", "2028-02-29")
        cls.paid_subscription(cls.former_company, cls.plan_year, "2025-01-01", "2025-12-31")
        cls.paid_subscription(cls.person, cls.plan_year, "2027-01-01", "2027-12-31")
        cls.everyone = (
            cls.member_company
            | cls.member_contact
            | cls.lapsed_contact
            | cls.own_contact
            | cls.former_company
            | cls.former_contact
            | cls.person
            | cls.non_member
        )

    def partners(self):
        return (
            self.env["res.partner"]
            .with_user(self.officer)
            .with_context(membership_date_ref=D(2027, 6, 1))
            .with_context(active_test=False)
        )

    def members_action(self):
        action = self.env.ref("membership_dues.res_partner_action_members")
        return safe_eval(action.domain), safe_eval(action.context), action

    def search_filter(self, name):
        arch = self.partners().get_views([(False, "search")])["views"]["search"]["arch"]
        (node,) = etree.fromstring(arch).xpath(f"//filter[@name='{name}']")
        return safe_eval(node.get("domain"))

    def test_covered_by(self):
        partners = self.partners().browse(self.everyone.ids)
        expected = {
            self.member_company: False,
            self.member_contact: self.member_company,
            self.lapsed_contact: self.member_company,
            self.own_contact: False,
            self.former_company: False,
            self.former_contact: self.former_company,
            self.person: False,
            self.non_member: False,
        }
        for partner in partners:
            with self.subTest(partner=partner.name):
                self.assertEqual(partner.dues_covered_by_id, expected[partner] or partner.browse())
        scope = [("id", "in", self.everyone.ids)]
        covered = self.partners().search(scope + self.search_filter("filter_membership_covered"))
        self.assertEqual(covered, self.member_contact | self.lapsed_contact | self.former_contact)
        by_name = self.partners().search(scope + [("dues_covered_by_id.name", "=", "Atelier Dupont SA")])
        self.assertEqual(by_name, self.member_contact | self.lapsed_contact)
        groups = dict(self.partners()._read_group(scope, ["dues_covered_by_id"], ["__count"]))
        self.assertEqual(groups, {self.member_company: 2, self.former_company: 1, self.partners().browse(): 5})

    def test_members_list_counts_a_company_once(self):
        domain, context, _action = self.members_action()
        defaults = [
            name[len("search_default_") :]
            for name, value in context.items()
            if name.startswith("search_default_") and value
        ]
        self.assertIn("filter_membership_own_name", defaults, "members in their own name by default")
        self.assertIn("groupby_membership_state", defaults)
        scope = [("id", "in", self.everyone.ids)] + domain
        own_name = scope + self.search_filter("filter_membership_own_name")
        self.assertEqual(
            self.partners().search(own_name),
            self.member_company | self.own_contact | self.former_company | self.person,
        )
        counts = dict(self.partners()._read_group(own_name, ["dues_member_state"], ["__count"]))
        self.assertEqual(counts, {"member": 3, "former": 1}, "Atelier Dupont SA once, Anne in her own name")
        # without the default filter, the covered contacts come with their company's status
        everyone = dict(self.partners()._read_group(scope, ["dues_member_state"], ["__count"]))
        self.assertEqual(everyone, {"member": 5, "former": 2})

    def test_members_list_shows_number_status_and_paid_until(self):
        _domain, _context, action = self.members_action()
        list_views = [view.view_id for view in action.view_ids if view.view_mode == "list"]
        self.assertEqual(list_views, [self.env.ref("membership_dues.res_partner_view_list_members")])
        arch = self.partners().get_views([(list_views[0].id, "list")])["views"]["list"]["arch"]
        columns = {node.get("name"): node for node in etree.fromstring(arch).xpath("/list/field")}
        for name in ("dues_member_number", "dues_member_state", "dues_date_end"):
            self.assertIn(name, columns)
            self.assertNotIn(columns[name].get("optional"), ("hide",), name)
            self.assertNotEqual(columns[name].get("column_invisible"), "True", name)
        self.assertEqual(columns["dues_covered_by_id"].get("optional"), "show")
        # on a phone the members open in kanban: the cards show the same
        kanban_views = [view.view_id for view in action.view_ids if view.view_mode == "kanban"]
        self.assertEqual(kanban_views, [self.env.ref("membership_dues.res_partner_view_kanban_members")])
        arch = self.partners().get_views([(kanban_views[0].id, "kanban")])["views"]["kanban"]["arch"]
        shown = set(etree.fromstring(arch).xpath("//templates//field/@name"))
        self.assertTrue(
            {"dues_member_number", "dues_member_state", "dues_date_end", "dues_covered_by_id"} <= shown, shown
        )


@tagged("post_install", "-at_install")
class TestNoLimitDisplay(MembershipTariffCommon):
    """A component's cap, minimum and maximum, a version's floor and ceiling:
    0 is "none" for the engine, so the screens show "none", not 0.00."""

    def arch(self, xmlid, view_type):
        view = self.env.ref(xmlid)
        return etree.fromstring(self.env[view.model].get_views([(view.id, view_type)])["views"][view_type]["arch"])

    def test_zero_limits_read_none(self):
        component_form = self.arch("membership_dues.membership_tariff_component_view_form", "form")
        version_form = self.arch("membership_dues.membership_tariff_version_view_form", "form")
        cases = [
            (component_form, "/form/sheet/group/group/field", "figure_cap", "membership_dues_open_bound"),
            (component_form, "/form/sheet/group/group/field", "minimum", "membership_dues_no_limit"),
            (component_form, "/form/sheet/group/group/field", "maximum", "membership_dues_no_limit"),
            (version_form, "//field[@name='component_ids']/list/field", "figure_cap", "membership_dues_open_bound"),
            (version_form, "//field[@name='component_ids']/list/field", "minimum", "membership_dues_no_limit"),
            (version_form, "//field[@name='component_ids']/list/field", "maximum", "membership_dues_no_limit"),
            (version_form, "//group[@name='bounds']/field", "floor", "membership_dues_no_limit"),
            (version_form, "//group[@name='bounds']/field", "ceiling", "membership_dues_no_limit"),
        ]
        for arch, path, name, widget in cases:
            with self.subTest(field=name, path=path):
                (node,) = arch.xpath(f"{path}[@name='{name}']")
                self.assertEqual(node.get("widget"), widget)
                self.assertEqual(node.get("placeholder"), "none")
        paths = [path for path, *__ in self.env["ir.asset"]._get_asset_paths("web.assets_backend", {})]
        for name in ("no_limit_field.js", "no_limit_field.xml"):
            self.assertTrue(any(path.endswith(f"membership_dues/static/src/fields/{name}") for path in paths), name)

    def test_zero_is_no_limit_for_the_engine(self):
        component = self.version_2027.component_ids.filtered(lambda c: c.name == "Staff")
        self.assertEqual((component.figure_cap, component.minimum, component.maximum), (0, 0, 0))
        engine = component._engine_component()
        self.assertEqual((engine.figure_cap, engine.minimum, engine.maximum), (None, None, None))
        capped = self.version_2027.component_ids.filtered(lambda c: c.name == "Payroll")._engine_component()
        self.assertEqual(capped.figure_cap, 500_000)


@tagged("post_install", "-at_install")
class TestContactButtonsTour(ContactButtonsCommon, HttpCase):
    def test_officer_follows_the_smart_buttons_of_a_member_company(self):
        self.start_tour(
            f"/odoo/res.partner/{self.member_company.id}",
            "membership_dues_contact_buttons_tour",
            login=self.officer.login,
        )
