from datetime import date

from odoo.http import Request
from odoo.tests import HttpCase, tagged

from .common import MembershipPortalCommon


@tagged("post_install", "-at_install")
class TestPortalTours(MembershipPortalCommon, HttpCase):
    def test_member_declares_accepts_pays_and_gets_the_card(self):
        self.start_tour(
            f"/my/declarations/{self.declaration.id}", "membership_dues_portal_renew_and_pay", login="paula"
        )
        self.assertEqual(self.declaration.state, "declared")
        self.assertEqual(self.declaration.source, "portal")
        self.assertEqual(
            {line.figure_id.code: line.value for line in self.declaration.line_ids},
            {"turnover": 1_500_000, "payroll": 50_000, "headcount": 5},
        )
        self.assertEqual(self.notice.state, "approved")
        self.assertEqual(self.notice.amount, 810.0)
        invoice = self.notice.subscription_id.invoice_id
        self.assertEqual(invoice.amount_total, 810.0)
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertEqual(self.notice.subscription_id.state, "upcoming", "paid; the 2027 period starts later")
        self.assertEqual(self.env["payment.transaction"].search([("invoice_ids", "in", invoice.ids)]).state, "done")

    def test_member_requests_a_change(self):
        self.start_tour(f"/my/renewals/{self.notice.id}", "membership_dues_portal_request_change", login="paula")
        self.assertEqual(self.notice.state, "change_requested")
        self.assertIn("associate plan", self.notice.change_comment)

    def test_anonymous_visitor_accepts_from_the_email_link(self):
        self.start_tour(self.notice.get_portal_url(), "membership_dues_portal_token_accept", login=None)
        self.assertEqual(self.notice.state, "approved")
        self.assertEqual(self.notice.subscription_id.invoice_id.state, "posted")


@tagged("post_install", "-at_install")
class TestPortalAccess(MembershipPortalCommon, HttpCase):
    """Nobody sees or changes another member's records, whatever the URL."""

    def test_other_members_records_are_refused(self):
        self.authenticate("otto", "otto-portal-1")
        invoice = self.bakery_2026.invoice_id
        for url in (
            f"/my/declarations/{self.declaration.id}",
            f"/my/renewals/{self.notice.id}",
            f"/my/invoices/{invoice.id}",
            "/my/declarations/999999",
            "/my/renewals/999999",
        ):
            with self.subTest(url=url):
                response = self.url_open(url, allow_redirects=False)
                self.assertIn(response.status_code, (303, 403, 404), url)
                self.assertNotIn("Boulangerie Paula", response.text)
        for url, data in (
            (f"/my/declarations/{self.declaration.id}/submit", {"unchanged": "1"}),
            (f"/my/renewals/{self.notice.id}/accept", {}),
            (f"/my/renewals/{self.notice.id}/change", {"comment": "not mine"}),
        ):
            with self.subTest(url=url):
                response = self.url_open(url, data={**data, "csrf_token": self.csrf_token()}, allow_redirects=False)
                self.assertIn(response.status_code, (403, 404), url)
        self.assertEqual(self.declaration.state, "to_declare")
        self.assertFalse(self.declaration.line_ids)
        self.assertEqual(self.notice.state, "sent")

    def csrf_token(self):
        return Request.csrf_token(self)

    def test_own_pages_list_only_own_records(self):
        self.authenticate("otto", "otto-portal-1")
        for url in ("/my/membership", "/my/declarations", "/my/renewals", "/my"):
            with self.subTest(url=url):
                response = self.url_open(url)
                self.assertEqual(response.status_code, 200)
                self.assertNotIn("Boulangerie Paula", response.text)
        self.assertIn("Brasserie Otto", self.url_open("/my/membership").text)

    def test_company_contact_sees_the_company_membership(self):
        self.authenticate("paula", "paula-portal-1")
        page = self.url_open("/my/membership").text
        self.assertIn("Boulangerie Paula SA", page)
        self.assertIn('id="membership_card_download"', page)
        card = self.url_open("/my/membership/card")
        self.assertEqual(card.status_code, 200)
        self.assertEqual(card.headers["Content-Type"], "application/pdf")
        self.assertTrue(self.env["membership.card"].search([("partner_id", "=", self.bakery.id)]))
        certificate = self.url_open("/my/membership/certificate/2026")
        self.assertEqual(certificate.status_code, 200)
        self.assertEqual(certificate.headers["Content-Type"], "application/pdf")
        self.assertEqual(self.url_open("/my/membership/certificate/99999").status_code, 404)

    def test_home_counters_count_only_own_records(self):
        self.authenticate("paula", "paula-portal-1")
        counters = self.make_jsonrpc_request(
            "/my/counters", {"counters": ["membership_count", "declaration_count", "renewal_count"]}
        )
        self.assertEqual(counters["membership_count"], 1)
        self.assertEqual(counters["declaration_count"], 2, "2026 and 2027")
        self.assertEqual(counters["renewal_count"], 1)
        stranger = self.env["res.partner"].create({"name": "Nobody SA", "is_company": True})
        self.otto.partner_id.parent_id = stranger
        self.authenticate("otto", "otto-portal-1")
        counters = self.make_jsonrpc_request("/my/counters", {"counters": ["membership_count", "declaration_count"]})
        self.assertEqual((counters["membership_count"], counters["declaration_count"]), (0, 0))

    def test_anonymous_is_sent_to_login(self):
        for url in ("/my/membership", "/my/declarations", f"/my/declarations/{self.declaration.id}"):
            response = self.url_open(url, allow_redirects=False)
            self.assertEqual(response.status_code, 303)
            self.assertIn("/web/login", response.headers["Location"])

    def test_a_non_member_has_no_card(self):
        self.brewery_2026.invoice_id.button_draft()
        self.brewery_2026.invoice_id.button_cancel()
        self.authenticate("otto", "otto-portal-1")
        self.assertEqual(self.url_open("/my/membership/card").status_code, 404)


@tagged("post_install", "-at_install")
class TestPortalDeclarationForm(MembershipPortalCommon, HttpCase):
    """Bad input gets a clear message, keeps what was typed, saves nothing."""

    def setUp(self):
        super().setUp()
        self.authenticate("paula", "paula-portal-1")
        self.url = f"/my/declarations/{self.declaration.id}/submit"

    def post(self, **values):
        fields = {f"figure_{figure.id}": "" for figure in self.declaration._portal_figures()}
        fields.update(values)
        return self.url_open(self.url, data={**fields, "csrf_token": Request.csrf_token(self)})

    def figure(self, figure):
        return f"figure_{figure.id}"

    def test_bad_values_are_refused_with_the_figure_named(self):
        cases = (
            ("abc", "Turnover: “abc” is not a number"),
            ("-5", "cannot be negative"),
            ("", "Enter your Turnover (0 if you have none)."),
        )
        for typed, message in cases:
            with self.subTest(typed=typed):
                response = self.post(
                    **{
                        self.figure(self.turnover): typed,
                        self.figure(self.payroll): "1",
                        self.figure(self.headcount): "2",
                    }
                )
                self.assertEqual(response.status_code, 400)
                page = " ".join(response.text.split())
                self.assertIn(message, page)
                self.assertIn("nothing was saved", page)
                self.assertIn(f'value="{typed}"', page, "what was typed is kept")
        response = self.post(
            **{self.figure(self.turnover): "1", self.figure(self.payroll): "1", self.figure(self.headcount): "2.5"}
        )
        self.assertIn("whole number", response.text)
        self.assertEqual(self.declaration.state, "to_declare")
        self.assertFalse(self.declaration.line_ids)

    def test_numbers_as_members_type_them(self):
        # in the member's language (tests/test_declaration_numbers.py has the details)
        Declaration = self.env["membership.declaration"]
        for typed, lang, value in (
            ("1 250 000,50", "fr_FR", 1250000.5),
            ("1,250,000.50", "en_US", 1250000.5),
            ("12,5", "fr_FR", 12.5),
            ("1,250", "en_US", 1250),
        ):
            with self.subTest(typed=typed):
                self.assertEqual(Declaration._portal_number(typed, lang), value)

    def test_nothing_changed_declares_last_years_figures(self):
        response = self.post(unchanged="1")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.declaration.state, "declared")
        self.assertEqual(
            {line.figure_id.code: line.value for line in self.declaration.line_ids},
            {"turnover": 800_000, "payroll": 50_000, "headcount": 4},
        )
        self.assertFalse(self.declaration.is_late)

    def test_late_declaration_is_accepted_and_flagged(self):
        self.declaration.deadline = date(2026, 1, 31)
        response = self.post(
            **{self.figure(self.turnover): "900000", self.figure(self.payroll): "0", self.figure(self.headcount): "3"}
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("after the deadline", response.text)
        self.assertEqual(self.declaration.state, "declared")
        self.assertTrue(self.declaration.is_late)
        self.assertTrue(self.declaration.message_ids.filtered(lambda m: "after the deadline" in (m.body or "")))

    def test_form_shows_units_help_and_last_year(self):
        self.turnover.help_text = "Your turnover excluding VAT, as in your annual accounts."
        page = " ".join(self.url_open(f"/my/declarations/{self.declaration.id}").text.split())
        self.assertIn("Your turnover excluding VAT", page)
        self.assertIn("Last year:</span> <span>800,000</span>", page)
        self.assertIn('value="800 000"', page, "pre-filled with last year's figure")
        self.assertIn("01/31/2027", page, "the deadline")
