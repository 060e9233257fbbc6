from datetime import date

from odoo.tests import tagged

from .common import MembershipCommon

D = date


@tagged("post_install", "-at_install")
class TestPartnerStatus(MembershipCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Jan Peeters: paid 2027 (grace 30 days -> 30 January 2028).
        cls.sub_person = cls.paid_subscription(cls.person, cls.plan_year, "2027-01-01", "2027-12-31")

    def test_status_by_date(self):
        cases = [
            (D(2026, 12, 31), "none", "paid but not started yet"),
            (D(2027, 1, 1), "member", "first day"),
            (D(2027, 12, 31), "member", "last day"),
            (D(2028, 1, 1), "grace", "day after the end"),
            (D(2028, 1, 30), "grace", "last day of grace"),
            (D(2028, 1, 31), "former", "grace over"),
        ]
        for on, expected, why in cases:
            with self.subTest(on=on):
                self.assertEqual(self.status(self.person, on), expected, why)

    def test_paid_until_member_since_and_plan(self):
        self.paid_subscription(self.person, self.plan_year, "2028-01-01", "2028-12-31")
        person = self.person.with_context(membership_date_ref=D(2027, 6, 1))
        self.assertEqual(person.dues_date_end, D(2028, 12, 31))
        self.assertEqual(person.dues_date_start, D(2027, 1, 1))
        self.assertEqual(person.dues_plan_id, self.plan_year)

    def test_unpaid_subscription_does_not_make_a_member(self):
        subscription = self.make_subscription(self.member_company, self.plan_year, "2027-01-01", "2027-12-31")
        subscription._create_invoices(post=True)
        self.assertEqual(self.status(self.member_company, D(2027, 6, 1)), "none")
        self.pay(subscription.invoice_id)
        self.assertEqual(self.status(self.member_company, D(2027, 6, 1)), "member", "paying makes it a member at once")

    def test_contact_covered_by_its_company_and_the_better_status_wins(self):
        self.assertEqual(self.status(self.member_contact, D(2027, 6, 1)), "none")
        self.paid_subscription(self.member_company, self.plan_year, "2027-01-01", "2027-12-31")
        self.assertEqual(self.status(self.member_contact, D(2027, 6, 1)), "member", "covered by the company")
        self.assertEqual(self.status(self.member_contact, D(2028, 1, 10)), "grace")
        # The contact's own membership (anniversary plan) is better after the company's grace.
        self.paid_subscription(self.member_contact, self.plan_anniversary, "2027-09-01", "2028-08-31")
        self.assertEqual(self.status(self.member_contact, D(2028, 1, 10)), "member", "own membership wins")
        self.assertEqual(
            self.status(self.member_company, D(2028, 1, 10)),
            "grace",
            "the company is not covered by its contact",
        )
        self.assertEqual(self.status(self.member_contact, D(2028, 10, 1)), "former")

    def test_suspended(self):
        self.paid_subscription(self.member_company, self.plan_year, "2027-01-01", "2027-12-31")
        self.member_company.dues_suspended = True
        self.assertEqual(self.status(self.member_company, D(2027, 6, 1)), "suspended")
        self.assertEqual(
            self.status(self.member_contact, D(2027, 6, 1)), "suspended", "the contact follows its company"
        )
        self.assertEqual(self.status(self.member_company, D(2029, 1, 1)), "former", "after grace: former")
        self.paid_subscription(self.member_contact, self.plan_anniversary, "2027-01-01", "2027-12-31")
        self.assertEqual(self.status(self.member_contact, D(2027, 6, 1)), "member", "its own membership is better")

    def test_status_is_per_company(self):
        other, plan_other = self.other_company_plan()
        self.paid_subscription(self.member_company, plan_other, "2027-01-01", "2027-12-31")
        self.assertEqual(self.status(self.member_company.with_company(other), D(2027, 6, 1)), "member")
        self.assertEqual(self.status(self.member_company, D(2027, 6, 1)), "none", "not a member of the current company")

    def test_search_and_group_by_status(self):
        self.paid_subscription(self.member_company, self.plan_anniversary, "2027-10-01", "2028-09-30")
        Partner = self.env["res.partner"].with_context(membership_date_ref=D(2028, 1, 15))
        scope = [("id", "in", (self.person | self.member_company | self.member_contact).ids)]
        self.assertEqual(Partner.search(scope + [("dues_member_state", "=", "grace")]), self.person)
        self.assertEqual(
            Partner.search(scope + [("dues_member_state", "=", "member")]),
            self.member_company | self.member_contact,
        )
        self.assertEqual(Partner.search(scope + [("dues_member_state", "!=", "member")]), self.person)
        self.assertEqual(
            Partner.search(scope + [("dues_member_state", "in", ("grace", "member"))]), Partner.search(scope)
        )
        groups = dict(Partner._read_group(scope, ["dues_member_state"], ["__count"]))
        self.assertEqual(groups, {"grace": 1, "member": 2})
        by_plan = dict(Partner._read_group(scope, ["dues_plan_id"], ["__count"]))
        self.assertEqual(by_plan, {self.plan_year: 1, self.plan_anniversary: 2})
        self.assertEqual(
            Partner.search(scope + [("dues_plan_id", "=", self.plan_anniversary.id)]),
            self.member_company | self.member_contact,
        )
        self.assertEqual(Partner.search(scope + [("dues_date_end", "<", "2028-01-01")]), self.person)
        self.assertEqual(Partner.search(scope, order="dues_date_end desc, id")[-1], self.person)
        fields_info = Partner.fields_get(["dues_member_state"], ["searchable", "sortable", "groupable"])
        self.assertTrue(all(fields_info["dues_member_state"].values()), fields_info)

    def test_status_of_many_partners_in_one_query(self):
        partners = self.env["res.partner"].create([{"name": f"P{i}"} for i in range(30)])
        self.paid_subscription(partners[0], self.plan_year, "2027-01-01", "2027-12-31")
        partners.invalidate_recordset()
        partners = partners.with_context(membership_date_ref=D(2027, 6, 1))
        with self.assertQueryCount(2):  # flushes nothing; one query for the fields + one for the plans
            states = partners.mapped("dues_member_state")
            partners.mapped("dues_plan_id.name")
        self.assertEqual(states.count("member"), 1)
