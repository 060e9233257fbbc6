"""Members and their periods from a spreadsheet: rows loaded with Odoo's
standard import, then processed all-or-nothing or valid rows only."""

import csv
import io

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import MembershipCommon

HEADER = [
    "member_ref", "member_vat", "member_email", "member_name", "plan_name",
    "date_start", "date_end", "amount", "paid", "invoice_ref", "opening_invoice",
]  # fmt: skip


@tagged("post_install", "-at_install")
class TestImportSpreadsheet(MembershipCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.person.write({"ref": "M-7", "email": "jan@example.com"})

    def load(self, rows):
        """Load ``rows`` as Odoo's import does (load = what base_import calls)."""
        Line = self.env["membership.import.line"]
        result = Line.load(HEADER, [[str(value) for value in row] for row in rows])
        self.assertFalse([m for m in result["messages"] if m["type"] == "error"], result["messages"])
        return Line.browse(result["ids"])

    GOOD = [
        ["M-7", "", "", "", "Full member", "2025-01-01", "2025-12-31", "240", "1", "", "0"],
        ["", "", "new@example.com", "Nora New", "full member", "2026-01-01", "2026-12-31", "240", "0", "", "1"],
        ["", "", "", "Otto Unpaid", "Full member", "2026-01-01", "2026-12-31", "240", "0", "", "0"],
    ]
    BAD = [
        ["", "", "", "", "Full member", "2026-01-01", "2026-12-31", "240", "1", "", "0"],
        ["M-7", "", "", "", "Gold", "2026-01-01", "2026-12-31", "240", "1", "", "0"],
        ["M-7", "", "", "", "Full member", "2026-01-01", "2026-12-31", "240", "1", "INV/NOPE", "0"],
    ]

    def test_template_columns_load(self):
        with open(
            __file__.replace("tests/test_import_spreadsheet.py", "static/import/membership_import_template.csv")
        ) as f:
            rows = list(csv.reader(io.StringIO(f.read())))
        self.assertEqual(rows[0], HEADER)
        self.assertEqual(len(self.load(rows[1:])), 2)

    def test_good_rows(self):
        lines = self.load(self.GOOD)
        self.assertEqual(lines.mapped("row"), [2, 3, 4])
        lines.action_process()
        self.assertEqual(set(lines.mapped("state")), {"done"})
        paid, opened, unpaid = lines.subscription_id
        self.assertEqual(paid.partner_id, self.person, "matched by reference")
        self.assertEqual(self.status(self.person, "2025-06-01"), "member")
        self.assertEqual(paid.state, "expired")
        self.assertFalse(paid.invoice_id)
        nora = opened.partner_id
        self.assertEqual((nora.name, nora.email), ("Nora New", "new@example.com"))
        self.assertEqual(opened.invoice_id.state, "posted")
        self.assertEqual(opened.invoice_id.amount_untaxed, 240.0)
        self.assertEqual(opened.state, "waiting_payment")
        self.assertFalse(unpaid.invoice_id)
        self.assertEqual(unpaid.state, "draft")

    def test_invoice_reference_links_the_existing_invoice(self):
        subscription = self.make_subscription(self.member_company, self.plan_year, "2026-01-01", "2026-12-31")
        invoice = subscription._create_invoices(post=True)
        subscription.invoice_id = False
        invoice.invoice_line_ids.dues_subscription_id = False
        subscription.unlink()
        moves = self.env["account.move"].search_count([])
        lines = self.load([["", "", "", "Atelier Dupont SA", "Full member", "2026-01-01", "2026-12-31", "240", "0",
                            invoice.name, "0"]])  # fmt: skip
        lines.action_process()
        self.assertEqual(lines.subscription_id.invoice_id, invoice)
        self.assertEqual(invoice.invoice_line_ids.dues_subscription_id, lines.subscription_id)
        self.assertEqual(self.env["account.move"].search_count([]), moves)

    def test_bad_rows_import_nothing(self):
        lines = self.load(self.GOOD + self.BAD)
        subscriptions = self.env["membership.subscription"].search_count([])
        with self.assertRaises(UserError) as caught:
            lines.action_process()
        message = str(caught.exception)
        self.assertIn("Nothing was imported", message)
        self.assertIn("Row 5, column Member Name, value ''", message)
        self.assertIn("Row 6, column Plan, value 'Gold'", message)
        self.assertIn("Row 7, column Invoice Reference, value 'INV/NOPE'", message)
        self.assertNotIn("Row 2", message)
        self.assertEqual(self.env["membership.subscription"].search_count([]), subscriptions)

    def test_valid_rows_only(self):
        lines = self.load(self.GOOD + self.BAD)
        action = lines.action_process(skip_invalid=True)
        self.assertIn("Skipped rows: 5, 6, 7", action["params"]["message"])
        self.assertEqual(lines.mapped("state"), ["done"] * 3 + ["error"] * 3)
        self.assertIn("no plan of this name", lines[4].error)
        # the overlap of a period already imported is refused by the subscription's own rule
        again = self.load([self.GOOD[0]])
        action = again.action_process(skip_invalid=True)
        self.assertEqual(again.state, "error")
        self.assertIn("overlap", again.error.lower())
