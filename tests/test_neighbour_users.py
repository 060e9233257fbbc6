"""What users without membership rights (an accountant, a salesperson) see
and can do on contacts and invoices once the module is installed: open,
duplicate, merge, export, print, pay and credit, without an access error and
without reading any membership data."""

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import Form, new_test_user, tagged

from ..models.membership_subscription import PAID_STATES
from .common import MembershipCommon

MODULE_FIELDS_OPEN_TO_ALL = {
    # whether an invoice bills dues (its payment reference and QR code follow)
    ("account.move", "dues_is_invoice"),
    # which invoice lines bill a subscription (kept on credit notes)
    ("account.move.line", "dues_subscription_id"),
}


@tagged("post_install", "-at_install")
class TestUsersWithoutMembershipRights(MembershipCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.company
        common = {"company_id": company.id, "company_ids": [Command.set(company.ids)]}
        cls.accountant = new_test_user(
            cls.env,
            login="md_accountant",
            groups="base.group_user,base.group_partner_manager,base.group_allow_export,account.group_account_invoice",
            **common,
        )
        cls.salesperson = new_test_user(
            cls.env,
            login="md_salesperson",
            groups="base.group_user,base.group_partner_manager,base.group_allow_export",
            **common,
        )
        cls.category = cls.env["membership.category"].create({"name": "Region Nord"})
        cls.person.write(
            {"dues_category_ids": [Command.set(cls.category.ids)], "dues_leaving": True, "email": "jan@example.com"}
        )
        cls.subscription = cls.make_subscription(cls.person, cls.plan_year, "2027-01-01", "2027-12-31")
        cls.invoice = cls.subscription._create_invoices(post=True)
        cls.invoice.dues_dispute = True

    def module_fields(self, model):
        """The fields the module adds to ``model`` (res.users: through the
        contact it inherits)."""
        if model == "res.users":
            return self.module_fields("res.partner") & set(self.env[model]._fields)
        return {
            name
            for name, field in self.env[model]._fields.items()
            if field._module == "membership_dues" and (model, name) not in MODULE_FIELDS_OPEN_TO_ALL
        }

    def test_shared_models_hide_membership_fields(self):
        for model in ("res.partner", "res.users", "account.move", "account.move.line"):
            hidden = self.module_fields(model)
            self.assertTrue(hidden or model == "account.move.line", model)
            for user in (self.accountant, self.salesperson):
                with self.subTest(model=model, user=user.login):
                    visible = set(self.env[model].with_user(user).fields_get())
                    self.assertFalse(hidden & visible, f"{model}: membership fields visible to {user.login}")
                    self.assertTrue(
                        {f for f in MODULE_FIELDS_OPEN_TO_ALL if f[0] == model} <= {(model, f) for f in visible}
                    )
            with self.subTest(model=model, user="officer"):
                self.assertTrue(hidden <= set(self.env[model].with_user(self.officer).fields_get()))

    def test_contact_open_duplicate_export(self):
        for user in (self.accountant, self.salesperson):
            with self.subTest(user=user.login):
                partner = self.person.with_user(user)
                with Form(partner) as form:
                    form.phone = "+32 2 555 01 01"
                copy = partner.copy()
                self.assertEqual(copy.sudo().dues_category_ids, self.category.browse())
                self.assertFalse(copy.sudo().dues_leaving)
                # every stored field of the export dialog whose records the
                # user may read (some of Odoo's own computed fields, Discuss
                # sessions and property definitions are not readable by
                # them, module or not)
                names = [
                    name
                    for name, field in partner.fields_get().items()
                    if field.get("exportable", True)
                    and field.get("store")
                    and field["type"] not in ("one2many", "properties", "properties_definition")
                    and (not field.get("relation") or self.env[field["relation"]].with_user(user).has_access("read"))
                ]
                rows = partner.export_data(names)["datas"]
                self.assertEqual(len(rows), 1)
                with self.assertRaises(AccessError):
                    partner.read(["dues_category_ids"])

    def test_users_and_contacts_created_without_membership_rights(self):
        access_admin = new_test_user(
            self.env,
            login="md_access_admin",
            groups="base.group_user,base.group_erp_manager,base.group_partner_manager",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        user = self.env["res.users"].with_user(access_admin).create({"name": "New Colleague", "login": "md_new"})
        self.assertFalse(user.partner_id.sudo().dues_renewal_mode)
        partner = self.env["res.partner"].with_user(self.salesperson).create({"name": "New Prospect"})
        self.assertEqual(partner.sudo()._membership_renewal_mode(self.plan_year), self.plan_year.renewal_mode)

    def test_officer_duplicate_starts_without_membership_data(self):
        copy = self.person.with_user(self.officer).copy()
        self.assertFalse(copy.dues_category_ids)
        self.assertFalse(copy.dues_leaving)
        self.assertFalse(copy.dues_member_number)
        self.assertEqual(self.person.dues_category_ids, self.category, "the original keeps its categories")

    def test_contact_merge(self):
        duplicate = self.env["res.partner"].create({"name": "Jan Peeters (2)", "email": "jan@example.com"})
        wizard = (
            self.env["base.partner.merge.automatic.wizard"]
            .with_user(self.accountant)
            .with_context(active_model="res.partner", active_ids=(self.person + duplicate).ids)
            .create({})
        )
        wizard.dst_partner_id = self.person
        wizard.action_merge()
        self.assertFalse(duplicate.exists())
        self.assertEqual(self.subscription.partner_id, self.person)
        self.assertEqual(self.person.dues_category_ids, self.category, "membership data survives the merge")

    def test_dues_invoice_open_print_duplicate_pay_credit(self):
        invoice = self.invoice.with_user(self.accountant)
        with Form(invoice) as form:
            form.ref = "checked"
        html = (
            self.env["ir.actions.report"]
            .with_user(self.accountant)
            ._render_qweb_html("account.report_invoice", invoice.ids)[0]
        )
        self.assertIn(b"Full member", html, "the plan billed is printed for the accountant too")
        duplicate = invoice.copy()
        self.assertFalse(duplicate.sudo().dues_dispute, "follow-up data is never copied")
        self.assertTrue(duplicate.dues_is_invoice)
        self.pay(invoice)
        self.assertIn(self.subscription.state, PAID_STATES, "the accountant's payment pays the period")
        reversal = (
            self.env["account.move.reversal"]
            .with_user(self.accountant)
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"journal_id": invoice.journal_id.id, "reason": "test"})
        )
        refund = self.env["account.move"].browse(reversal.refund_moves()["res_id"]).with_user(self.accountant)
        refund.action_post()
        self.assertEqual(refund.invoice_line_ids.dues_subscription_id, self.subscription)
