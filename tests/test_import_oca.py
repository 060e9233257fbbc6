"""Import from OCA membership 19.0 (Odoo's old membership module).

Runs only where OCA `membership` is installed beside membership_dues: the
neighbour phase of dev/test.sh selects these tests by their tag
``membership_dues_oca`` (they are not ``standard``: the normal phase, without
OCA membership, does not select them; run there explicitly, they skip)."""

import unittest
from datetime import date

from odoo.tests import tagged

from .common import MembershipCommon

# OCA membership's status of a member -> ours on the same day, for the
# imported data (README, "Coming from another system").
STATUS_MAP = {
    "paid": "member",
    "free": "member",
    "invoiced": "none",  # an unpaid period makes no member here: the follow-up takes the invoice over
    "waiting": "none",  # draft invoice
    "old": "former",
    "canceled": "none",
    "none": "none",
}


@tagged("-standard", "membership_dues_oca", "post_install", "-at_install")
class TestImportOca(MembershipCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if "membership.membership_line" not in cls.env:
            raise unittest.SkipTest("OCA membership is not installed: the neighbour phase of dev/test.sh runs this")
        cls.today = date.today()
        year = cls.today.year
        cls.eur = cls.setup_other_currency("EUR") if cls.env.company.currency_id.name != "EUR" else None
        Product = cls.env["product.product"]
        common = {"membership": True, "type": "service", "list_price": 100.0, "taxes_id": [(5, 0, 0)]}
        cls.p_year = Product.create(
            {**common, "name": "Membership this year", "membership_date_from": date(year, 1, 1),
             "membership_date_to": date(year, 12, 31)}
        )  # fmt: skip
        cls.p_last = Product.create(
            {**common, "name": "Membership last year", "membership_date_from": date(year - 1, 1, 1),
             "membership_date_to": date(year - 1, 12, 31)}
        )  # fmt: skip
        cls.p_season = Product.create(
            {**common, "name": "Season", "membership_date_from": date(year - 1, 9, 1),
             "membership_date_to": date(year, 8, 31)}
        )  # fmt: skip
        Partner = cls.env["res.partner"]
        names = ["paid", "invoiced", "waiting", "free", "old", "cancelled", "season", "currency", "overlap", "nodates"]
        cls.members = {name: Partner.create({"name": f"OCA {name}"}) for name in names}
        cls.assoc_company = Partner.create({"name": "OCA associate company", "is_company": True})
        cls.members["associate"] = Partner.create(
            {"name": "OCA associate", "parent_id": cls.assoc_company.id, "associate_member_id": cls.assoc_company.id}
        )
        cls.members["associate_elsewhere"] = Partner.create(
            {"name": "OCA associate elsewhere", "associate_member_id": cls.members["paid"].id}
        )
        cls.members["free"].free_member = True

        def invoice(partner, product, post=True, pay=True, currency=None):
            move = partner.create_membership_invoice(product, 100.0)
            if currency:
                move.currency_id = currency
            if post:
                move.invoice_date = cls.today
                move.action_post()
                if pay:
                    cls.pay(move)
            return move

        m = cls.members
        cls.invoices = {
            "paid": invoice(m["paid"], cls.p_year),
            "invoiced": invoice(m["invoiced"], cls.p_year, pay=False),
            "waiting": invoice(m["waiting"], cls.p_year, post=False),
            "old": invoice(m["old"], cls.p_last),
            "cancelled": invoice(m["cancelled"], cls.p_year, pay=False),
            "season": invoice(m["season"], cls.p_season),
            "assoc": invoice(cls.assoc_company, cls.p_year),
            "overlap": invoice(m["overlap"], cls.p_year),
            "overlap2": invoice(m["overlap"], cls.p_year),
        }
        if cls.eur:
            cls.invoices["currency"] = invoice(m["currency"], cls.p_year, currency=cls.eur)
        cls.invoices["cancelled"].button_draft()
        cls.invoices["cancelled"].button_cancel()
        cls.env["membership.membership_line"].create(
            {"partner_id": m["nodates"].id, "membership_id": cls.p_year.id, "member_price": 10.0}
        )
        cls.env.flush_all()
        cls.env.invalidate_all()

    def wizard(self):
        return self.env["membership.import.oca"].create({"company_id": self.company.id})

    def oca_lines(self, key):
        return self.invoices[key].invoice_line_ids.membership_line_ids

    def test_dry_run_lists_per_kind_and_what_cannot_map(self):
        moves = self.env["account.move"].search_count([])
        wizard = self.wizard()
        self.assertTrue(wizard.oca_installed)
        wizard.action_preview()
        self.assertEqual(wizard.state, "preview")
        self.assertEqual(self.env["account.move"].search_count([]), moves)
        self.assertFalse(self.env["membership.subscription"].search([("partner_id", "in", self.all_partners().ids)]))
        todo = wizard._collect()
        planned = {product.name: (values, note) for product, values, note in todo["plans"]}
        values, _note = planned["Membership this year"]
        self.assertEqual(
            (values["period_rule"], values["period_months"], values["period_start_month"], values["period_start_day"]),
            ("calendar", 12, "1", 1),
        )
        values, _note = planned["Season"]
        self.assertEqual((values["period_rule"], values["period_start_month"], values["period_start_day"]),
                         ("calendar", "9", 1))  # fmt: skip
        self.assertFalse(planned["Membership last year"][0]["active"])
        skipped = {label: reason for label, reason in todo["skipped"]}
        text = "\n".join(f"{label}: {reason}" for label, reason in skipped.items())
        self.assertIn("OCA nodates", text)
        self.assertRegex(text, r"OCA nodates.*no start date or no end date")
        self.assertRegex(text, r"OCA overlap.*overlaps line")
        self.assertRegex(text, r"OCA associate elsewhere.*not its company")
        if self.eur:
            self.assertRegex(text, r"OCA currency.*is in EUR")
        self.assertIn(self.members["free"], todo["free"])
        self.assertIn((self.members["associate"], self.assoc_company), todo["associates"])
        self.assertIn("Cannot map", wizard.preview)
        self.assertGreaterEqual(wizard.subscription_count, 8)

    def test_import_keeps_invoices_statuses_and_is_idempotent(self):
        before = {
            key: (move.state, move.payment_state, move.amount_total, move.name, move.line_ids.ids)
            for key, move in self.invoices.items()
        }
        oca_states = {name: partner.membership_state for name, partner in self.members.items()}
        self.assertEqual(oca_states["paid"], "paid")
        self.assertEqual(oca_states["invoiced"], "invoiced")
        self.assertEqual(oca_states["waiting"], "waiting")
        self.assertEqual(oca_states["free"], "free")
        self.assertEqual(oca_states["old"], "old")
        self.assertEqual(oca_states["associate"], "paid")
        moves = self.env["account.move"].search_count([])

        wizard = self.wizard()
        wizard.action_preview()
        wizard.action_import()
        self.assertEqual(wizard.state, "done")
        self.env.invalidate_all()
        self.assertEqual(self.env["account.move"].search_count([]), moves, "no invoice created")
        after = {
            key: (move.state, move.payment_state, move.amount_total, move.name, move.line_ids.ids)
            for key, move in self.invoices.items()
        }
        self.assertEqual(after, before, "no move changed")
        for key in ("paid", "invoiced", "waiting", "old", "season", "cancelled"):
            with self.subTest(line=key):
                move = self.invoices[key]
                subscription = self.env["membership.subscription"].search([("invoice_id", "=", move.id)])
                self.assertEqual(len(subscription), 1)
                line = self.oca_lines(key)
                self.assertEqual((subscription.date_start, subscription.date_end), (line.date_from, line.date_to))
                self.assertEqual(subscription.amount, 100.0)
                self.assertEqual(line.account_invoice_line_id.dues_subscription_id, subscription)
        cancelled = self.env["membership.subscription"].search([("invoice_id", "=", self.invoices["cancelled"].id)])
        self.assertEqual(cancelled.state, "cancelled")
        self.assertTrue(cancelled.is_cancelled)

        # the members' statuses equal OCA's, through the mapping table
        for name, partner in self.members.items():
            if name in ("associate_elsewhere", "currency"):
                # cannot map (listed in the dry run): no status here
                self.assertEqual(self.status(partner, self.today), "none")
                continue
            with self.subTest(member=name, oca=oca_states[name]):
                self.assertEqual(self.status(partner, self.today), STATUS_MAP[oca_states[name]])

        # a second run creates nothing
        counts = (
            self.env["membership.subscription"].search_count([]),
            self.env["membership.plan"].with_context(active_test=False).search_count([]),
        )
        again = self.wizard()
        again.action_preview()
        self.assertEqual((again.plan_count, again.subscription_count, again.free_count), (0, 0, 0))
        self.assertGreater(again.existing_count, 0)
        again.action_import()
        self.assertEqual(
            (
                self.env["membership.subscription"].search_count([]),
                self.env["membership.plan"].with_context(active_test=False).search_count([]),
            ),
            counts,
        )

    def all_partners(self):
        return self.env["res.partner"].concat(*self.members.values()) | self.assoc_company
