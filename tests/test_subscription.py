from datetime import date

from psycopg2 import errors as pgerrors

from odoo import fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import SQL, mute_logger

from .common import MembershipCommon


@tagged("post_install", "-at_install")
class TestSubscription(MembershipCommon):
    def test_end_before_start_is_refused_naming_the_dates(self):
        with self.assertRaisesRegex(ValidationError, "end date 01/01/2027 is before the start date 12/31/2027"):
            self.make_subscription(self.person, self.plan_year, "2027-12-31", "2027-01-01")

    def test_negative_amounts_are_refused_naming_the_field(self):
        for field, label in (
            ("amount", "Period Fee"),
            ("full_amount", "Full Period Fee"),
            ("joining_fee_amount", "Joining Fee"),
        ):
            with self.subTest(field=field), self.assertRaisesRegex(ValidationError, f"{label} is -1"):
                self.make_subscription(self.person, self.plan_year, "2027-01-01", "2027-12-31", **{field: -1.0})

    def test_overlap_is_refused_with_member_and_periods_named(self):
        self.make_subscription(self.person, self.plan_year, "2027-01-01", "2027-12-31")
        with self.assertRaises(ValidationError) as error:
            self.make_subscription(self.person, self.plan_year, "2027-12-31", "2028-12-30")
        message = str(error.exception)
        self.assertIn("Jan Peeters", message)
        self.assertIn("01/01/2027 to 12/31/2027", message)
        self.assertIn("12/31/2027 to 12/30/2028", message)

    def test_contiguous_periods_other_plans_and_cancelled_ones_may_coexist(self):
        first = self.make_subscription(self.person, self.plan_year, "2027-01-01", "2027-12-31")
        self.make_subscription(self.person, self.plan_year, "2028-01-01", "2028-12-31")
        self.make_subscription(self.person, self.plan_anniversary, "2027-06-01", "2028-05-31")
        self.make_subscription(self.member_company, self.plan_year, "2027-01-01", "2027-12-31")
        first.action_cancel()
        self.assertEqual(first.state, "cancelled")
        self.make_subscription(self.person, self.plan_year, "2027-03-01", "2027-12-31")
        with self.assertRaises(ValidationError):
            first.action_reset_cancelled()

    def test_database_refuses_an_overlap_even_without_the_python_check(self):
        """The exclusion constraint holds on plain PostgreSQL, without btree_gist.
        It is deferred to the commit; the test asks PostgreSQL to check now."""
        self.make_subscription(self.person, self.plan_year, "2027-01-01", "2027-12-31")
        other = self.make_subscription(self.person, self.plan_year, "2028-01-01", "2028-12-31")
        self.env.cr.execute("SET CONSTRAINTS membership_subscription_no_overlap IMMEDIATE")
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaises(pgerrors.ExclusionViolation),
            self.env.cr.savepoint(),
        ):
            self.env.cr.execute(
                "UPDATE membership_subscription SET date_start = '2027-06-01' WHERE id = %s", [other.id]
            )
        extensions = self.env.execute_query(SQL("SELECT extname FROM pg_extension WHERE extname = 'btree_gist'"))
        self.assertFalse(extensions, "no extension is needed")

    def test_cancel_cancels_a_draft_invoice_but_not_a_posted_one(self):
        draft = self.make_subscription(self.person, self.plan_year, "2027-01-01", "2027-12-31")
        draft._create_invoices(post=False)
        draft.action_cancel()
        self.assertEqual(draft.invoice_id.state, "cancel")
        self.assertEqual(draft.state, "cancelled")
        posted = self.make_subscription(self.person, self.plan_year, "2028-01-01", "2028-12-31")
        posted._create_invoices(post=True)
        with self.assertRaisesRegex(UserError, "issue a credit note"):
            posted.action_cancel()

    def test_invoiced_subscription_cannot_be_deleted(self):
        subscription = self.make_subscription(self.person, self.plan_year, "2027-01-01", "2027-12-31")
        subscription._create_invoices()
        with self.assertRaisesRegex(UserError, "Cancel it instead"):
            subscription.unlink()

    def test_fee_explanation_and_display_name(self):
        subscription = self.join(self.person, self.plan_year, date(2027, 3, 15))
        self.assertEqual(subscription.display_name, "Full member, 03/15/2027 - 12/31/2027")
        self.assertIn("Prorated by month", subscription.fee_explanation)
        self.assertIn("10/12", subscription.fee_explanation)
        self.assertIn("Prorated by month", subscription.invoice_id.invoice_line_ids.name)

    def test_invoices_of_a_batch_are_created_in_one_go(self):
        partners = self.env["res.partner"].create([{"name": f"Batch {i}"} for i in range(10)])
        subscriptions = self.env["membership.subscription"].create(
            [
                {
                    "partner_id": partner.id,
                    "plan_id": self.plan_year.id,
                    "date_start": "2027-01-01",
                    "date_end": "2027-12-31",
                    "amount": 240.0,
                    "full_amount": 240.0,
                }
                for partner in partners
            ]
        )
        invoices = subscriptions._create_invoices(post=True)
        self.assertEqual(len(invoices), 10)
        self.assertEqual(subscriptions.mapped("invoice_id"), invoices)
        self.assertEqual(set(subscriptions.mapped("state")), {"waiting_payment"})
        self.assertFalse(subscriptions._create_invoices(), "never invoiced twice")
        self.assertEqual(set(invoices.mapped("invoice_date")), {fields.Date.context_today(invoices)})
        invoice = subscriptions[0].invoice_id
        self.assertEqual(
            invoice.message_ids.mapped("body"),
            [f"<p>Dues invoice created for {subscriptions[0].display_name}.</p>"],
            "one creation note per invoice, logged in one batch (instead of Odoo's posted 'Invoice Created')",
        )

    def test_a_draft_invoice_gets_its_date_when_posted(self):
        subscription = self.make_subscription(self.person, self.plan_year, date(2027, 1, 1), date(2027, 12, 31))
        invoice = subscription._create_invoices()
        self.assertFalse(invoice.invoice_date, "a draft keeps no date: posting later dates it")
