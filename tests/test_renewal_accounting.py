from odoo.tests import tagged

from .common import MembershipRenewalCommon


@tagged("post_install", "-at_install")
class TestRenewalAccounting(MembershipRenewalCommon):
    """Whatever Accounting does to an approved notice's invoice, the notice
    requires an intervention, says so once in its chatter, and never falls
    out of the work queues."""

    def approved(self, member, pay=False):
        renewal = self.notice(member, mode="auto")
        renewal.action_approve()
        if pay:
            self.pay(renewal.subscription_id.invoice_id)
        # stored as at the end of a request: the next event is another one
        self.env.flush_all()
        self.assertEqual(renewal.state, "approved")
        return renewal

    def accounting_notes(self, renewal):
        renewal.invalidate_recordset()
        return renewal.message_ids.filtered(lambda m: "in Accounting" in (m.body or ""))

    def unreconcile(self, invoice):
        invoice.line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        ).remove_move_reconcile()

    def refund(self, invoice):
        """A full credit note of a paid invoice (to be refunded to the member)."""
        action = (
            self.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"journal_id": invoice.journal_id.id, "reason": "refund"})
            .refund_moves()
        )
        refund = self.env["account.move"].browse(action["res_id"])
        refund.action_post()
        return refund

    def test_invoice_events(self):
        extra = self.env["res.partner"].create({"name": "Eve"})
        self.subscriptions |= self.paid_subscription(extra, self.plan_year, "2026-01-01", "2026-12-31")
        cases = [
            ("credited", False, lambda inv: self.credit(inv), "was credited in full in Accounting"),
            ("cancelled", False, lambda inv: inv.button_cancel(), "was cancelled in Accounting"),
            ("reset to draft", False, lambda inv: inv.button_draft(), "was reset to draft in Accounting"),
            ("paid then unreconciled", True, self.unreconcile, "was taken back in Accounting"),
            ("paid then refunded", True, self.refund, "was paid, then credited in full by"),
        ]
        for (name, pay, event, text), member in zip(cases, self.members | extra, strict=True):
            with self.subTest(case=name):
                renewal = self.approved(member, pay=pay)
                invoice = renewal.subscription_id.invoice_id
                self.assertFalse(self.accounting_notes(renewal))
                event(invoice)
                self.env.flush_all()
                renewal.invalidate_recordset()
                self.assertEqual(renewal.state, "intervention")
                self.assertEqual(renewal.state_before_intervention, "approved")
                self.assertIn(text, renewal.intervention_reason)
                self.assertIn(invoice.name, renewal.intervention_reason)
                notes = self.accounting_notes(renewal)
                self.assertIn(text, notes[:1].body)
                self.assertIn(invoice.name, notes[:1].body)
                count = len(notes)
                # the same event again (the subscription's state recomputed
                # on the same invoice) writes nothing twice
                renewal.subscription_id._recompute_state()
                if name == "paid then refunded":
                    self.env["membership.renewal"]._on_invoice_events({renewal.subscription_id: "refunded"})
                self.env.flush_all()
                self.assertEqual(len(self.accounting_notes(renewal)), count)
                self.assertEqual(renewal.state, "intervention")

    def test_normal_cycle_writes_nothing(self):
        renewal = self.approved(self.members[0], pay=True)
        self.env.flush_all()
        renewal.invalidate_recordset()
        self.assertEqual(renewal.state, "approved")
        self.assertTrue(renewal.is_paid)
        self.assertFalse(self.accounting_notes(renewal))

    def test_reset_after_credit(self):
        """The officer's way out: reset the notice (nothing credited twice)."""
        renewal = self.approved(self.members[0])
        invoice = renewal.subscription_id.invoice_id
        self.credit(invoice)
        self.env.flush_all()
        renewal.invalidate_recordset()
        self.assertEqual(renewal.state, "intervention")
        credits = self.env["account.move"].search_count([("reversed_entry_id", "=", invoice.id)])
        renewal.action_reset()
        self.assertEqual(renewal.state, "draft")
        self.assertFalse(renewal.subscription_id)
        self.assertEqual(self.env["account.move"].search_count([("reversed_entry_id", "=", invoice.id)]), credits)
