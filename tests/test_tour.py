from odoo.tests import HttpCase, tagged

from .common import MembershipCommon


@tagged("post_install", "-at_install")
class TestJoinTour(MembershipCommon, HttpCase):
    def test_officer_joins_a_member_in_the_browser(self):
        partner = self.env["res.partner"].create({"name": "Tour Member"})
        self.plan_year.copy({"name": "Tour Plan"})
        self.start_tour(f"/odoo/res.partner/{partner.id}", "membership_dues_join_tour", login=self.officer.login)
        subscription = self.env["membership.subscription"].search([("partner_id", "=", partner.id)])
        self.assertEqual(subscription.amount, 200.0)
        self.assertEqual(subscription.invoice_id.state, "posted")
        self.assertEqual(subscription.state, "waiting_payment")
