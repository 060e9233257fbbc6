import re
from datetime import date

from odoo.http import Request
from odoo.tests import HttpCase, new_test_user, tagged

from .common import MembershipCommon, MembershipPortalCommon

COUNTERS = [
    "membership_count",
    "membership_todo_count",
    "declaration_count",
    "declaration_todo_count",
    "renewal_count",
    "renewal_todo_count",
]


@tagged("post_install", "-at_install")
class TestPortalTiles(MembershipPortalCommon, HttpCase):
    """The portal home's membership tiles: the member's counts in the
    website's company, and what waits for the member's action."""

    def unpaid_2025(self):
        """A 2025 period of the bakery, invoiced and not paid."""
        subscription = self.make_subscription(self.bakery, self.plan_company, date(2025, 1, 1), date(2025, 12, 31))
        return subscription._create_invoices(post=True)

    def counters(self, login="paula", password="paula-portal-1"):
        self.authenticate(login, password)
        return self.make_jsonrpc_request("/my/counters", {"counters": COUNTERS})

    def test_tiles_count_and_flag_what_waits_for_the_member(self):
        self.assertEqual(
            self.counters(),
            {
                "membership_count": 1,  # the paid 2026 period
                "membership_todo_count": 0,
                "declaration_count": 2,  # 2026 (validated) and 2027
                "declaration_todo_count": 1,  # 2027, to declare
                "renewal_count": 1,
                "renewal_todo_count": 1,  # the 2027 notice, sent
            },
        )
        invoice = self.unpaid_2025()
        self.declaration.state = "declared"
        self.notice.action_request_change("Another plan, please")
        counters = self.counters()
        self.assertEqual(
            {key: counters[key] for key in ("membership_count", "declaration_count", "renewal_count")},
            {"membership_count": 2, "declaration_count": 2, "renewal_count": 1},
        )
        self.assertEqual(
            {key: counters[key] for key in ("membership_todo_count", "declaration_todo_count", "renewal_todo_count")},
            {"membership_todo_count": 1, "declaration_todo_count": 0, "renewal_todo_count": 0},
            "the invoice to pay; the declaration is made; the notice waits for the officer, not for the member",
        )
        self.pay(invoice)
        self.assertEqual(self.counters()["membership_todo_count"], 0)

    def test_only_the_counters_asked_for(self):
        self.authenticate("paula", "paula-portal-1")
        counters = self.make_jsonrpc_request("/my/counters", {"counters": ["declaration_todo_count"]})
        self.assertEqual(counters, {"declaration_todo_count": 1})

    def test_other_members_and_other_companies_are_not_counted(self):
        other, plan_b = self.other_company_plan()
        # the bakery in the other company: a period to pay, a declaration, a notice
        self.paula.company_ids |= other
        env_b = self.env(context=dict(self.env.context, allowed_company_ids=other.ids))
        subscription_b = self.make_subscription(
            self.bakery.with_env(env_b), plan_b.with_env(env_b), date(2026, 1, 1), date(2026, 12, 31)
        )
        subscription_b._create_invoices(post=True)
        env_b["membership.declaration"].create({"partner_id": self.bakery.id, "year": 2028, "company_id": other.id})
        notice_b = env_b["membership.renewal"].create(
            {
                "partner_id": self.bakery.id,
                "plan_id": plan_b.id,
                "date_start": "2027-01-01",
                "date_end": "2027-12-31",
                "amount": 10.0,
            }
        )
        notice_b.state = "sent"
        # Otto's brewery: its own period to pay
        brewery_2027 = self.make_subscription(self.brewery, self.plan_company, date(2027, 1, 1), date(2027, 12, 31))
        brewery_2027._create_invoices(post=True)
        self.assertEqual(
            self.counters(),
            {
                "membership_count": 1,
                "membership_todo_count": 0,
                "declaration_count": 2,
                "declaration_todo_count": 1,
                "renewal_count": 1,
                "renewal_todo_count": 1,
            },
        )
        self.assertEqual(
            self.counters("otto", "otto-portal-1"),
            {
                "membership_count": 2,
                "membership_todo_count": 1,
                "declaration_count": 1,
                "declaration_todo_count": 1,
                "renewal_count": 1,
                "renewal_todo_count": 1,
            },
        )

    def queries(self):
        """The queries of one /my/counters request (after one to warm up)."""
        self.make_jsonrpc_request("/my/counters", {"counters": COUNTERS})
        self.env.invalidate_all()
        before = self.cr.sql_log_count
        self.make_jsonrpc_request("/my/counters", {"counters": COUNTERS})
        return self.cr.sql_log_count - before

    def test_counters_take_the_same_queries_whatever_the_records(self):
        self.authenticate("paula", "paula-portal-1")
        self.unpaid_2025()
        few = self.queries()
        self.assertGreater(few, 0, "the request's queries are counted")
        for year in range(2010, 2020):
            self.env["membership.declaration"].create({"partner_id": self.bakery.id, "year": year})
            start = date(year, 1, 1)
            subscription = self.make_subscription(self.bakery, self.plan_company, start, date(year, 12, 31))
            subscription._create_invoices(post=True)
            notice = self.env["membership.renewal"].create(
                {
                    "partner_id": self.bakery.id,
                    "plan_id": self.plan_company.id,
                    "date_start": start,
                    "date_end": date(year, 12, 31),
                    "amount": 300.0,
                }
            )
            notice.state = "sent"
        self.assertEqual(self.counters()["membership_todo_count"], 11)
        self.assertEqual(self.queries(), few, "no query per period, declaration, notice or invoice")

    def test_tiles_in_the_browser(self):
        self.unpaid_2025()
        self.start_tour("/my", "membership_dues_portal_tiles", login="paula")

    def test_phone_width(self):
        self.browser_size = "390x844"
        self.start_tour("/my", "membership_dues_portal_phone", login="paula")


@tagged("post_install", "-at_install")
class TestPortalDuesInvoice(MembershipPortalCommon, HttpCase):
    """A renewal accepted on the portal: its invoice is posted and queued for
    sending (its PDF is not generated yet). The member's invoice page reads
    as an invoice, without a salesperson."""

    def accept(self):
        self.authenticate("paula", "paula-portal-1")
        response = self.url_open(
            f"/my/renewals/{self.notice.id}/accept",
            data={"csrf_token": Request.csrf_token(self)},
            allow_redirects=False,
        )
        self.assertEqual(response.status_code, 303)
        return self.notice.subscription_id.invoice_id

    @staticmethod
    def title(html):
        """The document's title, as text."""
        title = re.search(r"<h2>(.*?)</h2>", html, re.DOTALL)
        return " ".join(re.sub(r"<[^>]+>", " ", title[1]).split()) if title else None

    def test_accepted_renewal_invoice_reads_as_an_invoice(self):
        invoice = self.accept()
        self.assertEqual(invoice.state, "posted")
        self.assertTrue(invoice.sending_data, "queued for sending")
        self.assertFalse(invoice.invoice_pdf_report_id, "its PDF is not generated yet")
        self.assertFalse(invoice.invoice_user_id, "not the member, not OdooBot")
        page = self.url_open(f"/my/invoices/{invoice.id}")
        self.assertEqual(page.status_code, 200)
        self.assertIn(invoice.name, page.text)
        self.assertNotIn("Salesperson", page.text)
        # the document shown in the page, and the one downloaded (HTML in test mode)
        for url in (
            f"/my/invoices/{invoice.id}?report_type=html",
            f"/my/invoices/{invoice.id}?report_type=pdf&download=true",
        ):
            with self.subTest(url=url):
                response = self.url_open(url)
                self.assertEqual(response.status_code, 200)
                self.assertEqual(self.title(response.text), f"Invoice {invoice.name}")
                self.assertFalse("proforma" in response.text.lower(), "a pro-forma")
                self.assertNotIn("proforma", response.headers.get("Content-Disposition", "").lower())

    def test_other_invoices_keep_odoos_proforma(self):
        """Only dues invoices change: any other posted invoice not generated
        yet is still Odoo's pro-forma."""
        invoice = self.init_invoice("out_invoice", partner=self.bakery, amounts=[100.0], post=True)
        self.authenticate("paula", "paula-portal-1")
        html = self.url_open(f"/my/invoices/{invoice.id}?report_type=html").text
        self.assertEqual(self.title(html), f"Proforma Invoice {invoice.name}")


@tagged("post_install", "-at_install")
class TestDuesSalesperson(MembershipCommon):
    """The salesperson of a dues invoice (printed on it, shown on the portal):
    the member's salesperson, or the officer who creates it; nobody when a
    scheduled action or the member on the portal creates it."""

    def test_salesperson(self):
        root = self.env.ref("base.user_root")
        portal = new_test_user(self.env, login="md_tiles_portal", groups="base.group_portal")
        cases = [
            # (who creates the invoice, the member's salesperson, expected salesperson)
            ("an officer", self.env, None, self.env.user),
            ("a scheduled action (OdooBot)", self.env(user=root), None, None),
            ("the member on the portal (as superuser)", self.env(user=portal, su=True), None, None),
            ("a scheduled action, the member has a salesperson", self.env(user=root), self.officer, self.officer),
        ]
        for index, (creator, env, member_salesperson, expected) in enumerate(cases):
            with self.subTest(creator=creator):
                member = self.env["res.partner"].create(
                    {"name": f"Member {index}", "user_id": member_salesperson.id if member_salesperson else False}
                )
                subscription = self.make_subscription(member, self.plan_year, date(2026, 1, 1), date(2026, 12, 31))
                invoice = subscription.with_env(env)._create_invoices(post=True)
                self.assertEqual(invoice.invoice_user_id, expected or self.env["res.users"])
