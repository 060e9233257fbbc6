import re
import subprocess
from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase, new_test_user, tagged

from .common import MembershipRenewalCommon


@tagged("post_install", "-at_install")
class TestRenewalPortal(MembershipRenewalCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ann, cls.bob = cls.members[0], cls.members[1]
        cls.ann_notice = cls.notice(cls.ann, state="draft")
        cls.bob_notice = cls.notice(cls.bob, state="draft")
        (cls.ann_notice | cls.bob_notice).action_send()
        cls.ann_user = new_test_user(
            cls.env, login="ann_portal", name="Ann", groups="base.group_portal", partner_id=cls.ann.id
        )
        cls.bob_user = new_test_user(
            cls.env, login="bob_portal", name="Bob", groups="base.group_portal", partner_id=cls.bob.id
        )

    def page(self, renewal, token=None, **query):
        url = f"/my/renewals/{renewal.id}"
        params = dict(query)
        if token is not None:
            params["access_token"] = token
        return self.url_open(url, params=params, allow_redirects=True)

    def post(self, renewal, action, token=None, **data):
        """POST a form of the page the way the browser does (with its CSRF token)."""
        page = self.page(renewal, token=token or renewal.access_token)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        self.assertTrue(csrf, "the page has the form")
        payload = {"csrf_token": csrf.group(1), **data}
        if token is not None:
            payload["access_token"] = token
        return self.url_open(f"/my/renewals/{renewal.id}/{action}", data=payload, allow_redirects=True)

    def test_the_token_link_shows_the_amount_and_explanation(self):
        response = self.page(self.ann_notice, self.ann_notice.access_token)
        self.assertEqual(response.status_code, 200)
        self.assertIn("renewal_accept", response.text)
        self.assertIn("240.00", response.text)
        self.assertIn("Fee of the plan for a full period", response.text)

    def test_bad_tokens_are_refused_and_change_nothing(self):
        cases = [
            (self.ann_notice, "wrong-token", 403),
            (self.ann_notice, self.bob_notice.access_token, 403),
            (self.ann_notice, self.ann_notice.access_token[:-1] + "x", 403),
            (self.ann_notice, None, 403),
        ]
        for renewal, token, status in cases:
            with self.subTest(token=token):
                response = self.page(renewal, token)
                self.assertEqual(response.status_code, status)
                self.assertNotIn("240.00", response.text)
        missing = self.url_open("/my/renewals/999999?access_token=x")
        self.assertEqual(missing.status_code, 404)
        # posting with another notice's token
        page = self.page(self.bob_notice, self.bob_notice.access_token)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        response = self.url_open(
            f"/my/renewals/{self.ann_notice.id}/accept",
            data={"csrf_token": csrf, "access_token": self.bob_notice.access_token},
        )
        self.assertEqual(response.status_code, 403)
        self.assertEqual(self.ann_notice.state, "sent", "nothing changed")

    def test_an_expired_link_is_refused(self):
        self.ann_notice.token_expires_on = fields.Date.today() - timedelta(days=1)
        response = self.page(self.ann_notice, self.ann_notice.access_token)
        self.assertEqual(response.status_code, 403)
        self.assertIn("This link is not valid", response.text)

    def test_accept_with_the_token(self):
        response = self.post(self.ann_notice, "accept", token=self.ann_notice.access_token)
        self.assertEqual(response.status_code, 200)
        self.assertIn("renewal_accepted", response.text)
        self.assertEqual(self.ann_notice.state, "approved")
        self.assertEqual(self.ann_notice.subscription_id.invoice_id.state, "posted")
        self.assertNotIn("renewal_accept", self.page(self.ann_notice, self.ann_notice.access_token).text)
        # a late change request (the form of another notice's page gives the CSRF token)
        page = self.page(self.bob_notice, self.bob_notice.access_token)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        again = self.url_open(
            f"/my/renewals/{self.ann_notice.id}/change",
            data={"csrf_token": csrf, "access_token": self.ann_notice.access_token, "comment": "too late"},
        )
        self.assertIn("already answered", again.text)
        self.assertEqual(self.ann_notice.state, "approved")

    def test_request_a_change_with_the_token(self):
        empty = self.post(self.bob_notice, "change", token=self.bob_notice.access_token, comment="   ")
        self.assertIn("which change you would like", empty.text)
        self.assertEqual(self.bob_notice.state, "sent")
        self.post(self.bob_notice, "change", token=self.bob_notice.access_token, comment="Switch me to associate")
        self.assertEqual(self.bob_notice.state, "change_requested")
        self.assertEqual(self.bob_notice.change_comment, "Switch me to associate")
        self.assertTrue(self.bob_notice.activity_ids)

    def test_portal_users_see_only_their_notices(self):
        self.authenticate("ann_portal", "ann_portal")
        listing = self.url_open("/my/renewals")
        self.assertEqual(listing.status_code, 200)
        self.assertIn(f"/my/renewals/{self.ann_notice.id}", listing.text)
        self.assertNotIn(f"/my/renewals/{self.bob_notice.id}", listing.text)
        self.assertEqual(self.page(self.ann_notice).status_code, 200, "her own notice, without token")
        self.assertEqual(self.page(self.bob_notice).status_code, 403, "not Bob's")
        home = self.url_open("/my/home")
        self.assertIn("Renewal Notices", home.text)

    def test_the_notice_pdf(self):
        """The notice is a real PDF (wkhtmltopdf); its content, as rendered,
        shows member, period, amount and explanation."""
        with self.allow_pdf_render():
            pdf, kind = (
                self.env["ir.actions.report"]
                .with_context(force_report_rendering=True)
                ._render_qweb_pdf("membership_dues.action_report_renewal_notice", self.ann_notice.ids)
            )
        self.assertEqual(kind, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF"))
        info = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
        self.assertRegex(info, r"Pages:\s+1\b")
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html("membership_dues.action_report_renewal_notice", self.ann_notice.ids)[0]
            .decode()
        )
        for expected in ("Renewal notice", "Ann", "01/01/2027", "12/31/2027", "240.00", "Fee of the plan"):
            self.assertIn(expected, html)
        self.assertIn(self.ann_notice.access_token, html, "with the member's link")
