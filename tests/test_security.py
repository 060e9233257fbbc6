from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import MembershipCommon


@tagged("post_install", "-at_install")
class TestSecurity(MembershipCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.subscription = cls.make_subscription(cls.person, cls.plan_year, "2027-01-01", "2027-12-31")
        cls.plain_user = new_test_user(
            cls.env,
            login="md_plain",
            groups="base.group_user",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )

    def test_user_without_membership_groups_can_neither_read_nor_write(self):
        plan = self.plan_year.with_user(self.plain_user)
        subscription = self.subscription.with_user(self.plain_user)
        for operation in (
            lambda: plan.read(["name"]),
            lambda: plan.write({"name": "Hacked"}),
            lambda: (
                self.env["membership.plan"]
                .with_user(self.plain_user)
                .create({"name": "New", "product_id": self.fee_product.id})
            ),
            lambda: subscription.read(["amount"]),
            lambda: subscription.write({"amount": 1.0}),
            lambda: self.env["membership.subscription"].with_user(self.plain_user).search([]),
        ):
            with self.subTest(operation=operation), self.assertRaises(AccessError):
                operation()

    def test_officer_reads_plans_and_manages_subscriptions(self):
        plan = self.plan_year.with_user(self.officer)
        self.assertEqual(plan.read(["name"])[0]["name"], "Full member")
        with self.assertRaises(AccessError):
            plan.write({"fee_amount": 1.0})
        subscription = self.subscription.with_user(self.officer)
        subscription.write({"amount": 200.0})
        with self.assertRaises(AccessError):
            subscription.unlink()
        joined = self.join(self.member_company, self.plan_year, "2027-05-01", user=self.officer)
        self.assertEqual(joined.invoice_id.state, "posted", "an officer issues dues invoices")

    def test_manager_configures_plans(self):
        plan = self.plan_year.with_user(self.manager)
        plan.write({"fee_amount": 250.0})
        plan.copy({"name": "Copy"}).unlink()

    def test_other_company_records_are_invisible(self):
        _other, plan_other = self.other_company_plan()
        sub_other = self.make_subscription(self.person, plan_other, "2027-01-01", "2027-12-31")
        Subscription = self.env["membership.subscription"].with_user(self.officer)
        self.assertIn(self.subscription, Subscription.search([]))
        self.assertNotIn(sub_other, Subscription.search([]))
        with self.assertRaises(AccessError):
            sub_other.with_user(self.officer).read(["amount"])
        self.assertNotIn(plan_other, self.env["membership.plan"].with_user(self.officer).search([]))
