from unittest.mock import patch

from odoo.tests import TransactionCase, tagged

from odoo.addons import membership_dues

from .. import post_init_hook
from ..demo.generator import load_demo_data


@tagged("post_install", "-at_install")
class TestDemoData(TransactionCase):
    """The demo generator builds a realistic federation, and only once."""

    def test_demo_data_is_realistic_and_loaded_once(self):
        load_demo_data(self.env)
        company = self.env.ref("membership_dues.demo_plan_company").company_id
        self.assertEqual(company.currency_id, self.env.ref("base.EUR"))
        self.assertEqual(company.country_id.code, "BE")
        Subscription = self.env["membership.subscription"].with_company(company)
        subscriptions = Subscription.search([("company_id", "=", company.id)])
        members = subscriptions.partner_id
        self.assertGreaterEqual(len(members), 60)
        self.assertTrue(members.filtered("is_company").child_ids, "companies come with contacts")
        self.assertEqual(set(members.mapped("country_id.code")), {"BE", "FR"})
        self.assertTrue({"fr_BE", "nl_BE"} <= set(members.mapped("lang")))
        self.assertGreaterEqual(len(self.env["membership.plan"].search([("company_id", "=", company.id)])), 3)
        payment_states = set(subscriptions.mapped("invoice_id.payment_state"))
        self.assertTrue({"paid", "not_paid", "partial"} <= payment_states, payment_states)
        last_year = subscriptions.filtered(lambda s: s.date_start.year == s._today().year - 1)
        self.assertTrue(last_year and set(last_year.mapped("payment_state")) == {"paid"})
        # dues fall due by the plans' payment terms, and no reminder predates its invoice
        plans = self.env["membership.plan"].search([("company_id", "=", company.id)])
        self.assertTrue(all(plans.mapped("payment_term_id")), "every demo plan has a payment term")
        dues_invoices = subscriptions.invoice_id.filtered(lambda move: move.state == "posted")
        self.assertTrue(all(move.invoice_date_due > move.invoice_date for move in dues_invoices))
        # dues of a non-profit association carry no VAT, nor does a late-payment indemnity: no tax
        # on their products, none from the income account's default taxes either (README, "Dues and VAT")
        products = self.env.ref("membership_dues.demo_product_dues") | self.env.ref(
            "membership_dues.demo_product_late_fee"
        )
        self.assertFalse(products.taxes_id)
        lines = self.env["account.move.line"].search([("product_id", "in", products.ids)])
        self.assertTrue(lines.move_id & dues_invoices)
        self.assertFalse(lines.filtered("tax_ids"), lines.filtered("tax_ids").tax_ids.mapped("name"))
        self.assertFalse(dues_invoices.filtered("amount_tax"))
        followup_lines = self.env["membership.followup.line"].search([("company_id", "=", company.id)])
        self.assertTrue(followup_lines, "the demo's follow-up has run")
        early = followup_lines.filtered(lambda line: line.date < line.move_id.invoice_date)
        self.assertFalse(early, [(line.move_id.name, str(line.move_id.invoice_date), str(line.date)) for line in early])
        self.env.flush_all()  # a SQL view
        [(within_15, later)] = self.env["membership.followup.analysis"]._read_group(
            [("company_id", "=", company.id)], [], ["paid_within_15:sum", "paid_later:sum"]
        )
        self.assertTrue(within_15 and later, "some members paid after a reminder, within 15 days and later")
        officer = self.env.ref("membership_dues.demo_user_officer")
        self.assertTrue(officer.has_group("membership_dues.group_membership_user"))
        portal_user = self.env.ref("membership_dues.demo_user_member")
        self.assertEqual(
            portal_user.lang, portal_user.commercial_partner_id.lang, "the portal in the member's language"
        )

        # next year's declaration campaign is under way: answered, late and missing members
        declaration_campaign = self.env.ref("membership_dues.demo_declaration_campaign_next_year")
        self.assertEqual(declaration_campaign.state, "open")
        self.assertGreaterEqual(declaration_campaign.asked_count, 20)
        self.assertGreater(declaration_campaign.declared_count, declaration_campaign.asked_count / 2)
        self.assertTrue(declaration_campaign.validated_count)
        self.assertTrue(declaration_campaign.declared_late_count, "some declared after the deadline")
        self.assertTrue(declaration_campaign.late_count, "some have not answered after the deadline")
        self.assertGreater(declaration_campaign.opened_count, declaration_campaign.declared_count)
        self.assertEqual(declaration_campaign.large_change_count, 1, "one large change to check")
        renewals = self.env.ref("membership_dues.demo_campaign_next_year").renewal_ids
        declared = declaration_campaign.declaration_ids.filtered(lambda d: d.state != "to_declare").partner_id
        self.assertTrue(renewals.filtered(lambda r: r.partner_id in declared and not r.fee_fallback))

        counts = (Subscription.search_count([]), self.env["res.partner"].search_count([]))
        load_demo_data(self.env)
        self.assertEqual(
            (Subscription.search_count([]), self.env["res.partner"].search_count([])),
            counts,
            "a second call creates nothing",
        )

    def test_no_demo_model_without_demo_data(self):
        """The test database is installed without demo data: the generator
        left no model behind, and the install hook creates nothing."""
        module = self.env["ir.module.module"].search([("name", "=", "membership_dues")])
        self.assertFalse(module.demo)
        self.assertNotIn("membership.demo", self.env)
        self.assertFalse(self.env["ir.model"].search([("model", "=", "membership.demo")]))
        partners = self.env["res.partner"].search_count([])
        post_init_hook(self.env)
        self.assertFalse(self.env.ref("membership_dues.demo_member_company_01", raise_if_not_found=False))
        self.assertEqual(self.env["res.partner"].search_count([]), partners)

    def test_failing_demo_leaves_module_installed_without_demo(self):
        """As Odoo's own demo loading: a failure is logged and listed, its
        records are rolled back, the module stays installed, flagged without
        demo data."""
        module = self.env["ir.module.module"].search([("name", "=", "membership_dues")])
        module.demo = True

        def failing_generator(env):
            env["res.partner"].create({"name": "Half-made demo member"})
            raise ValueError("demo generator broken")

        with (
            patch.object(membership_dues, "load_demo_data", failing_generator),
            self.assertLogs("odoo.addons.membership_dues", "WARNING") as logs,
        ):
            post_init_hook(self.env)
        self.assertIn("demo data failed to install", logs.output[0])
        self.assertEqual(module.state, "installed")
        self.assertFalse(module.demo)
        self.assertFalse(self.env["res.partner"].search([("name", "=", "Half-made demo member")]))
        failure = self.env["ir.demo_failure"].search([("module_id", "=", module.id)])
        self.assertIn("demo generator broken", failure.error)
