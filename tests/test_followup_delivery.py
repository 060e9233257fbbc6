"""A follow-up batch that posts late fees is delivered after its commit:
posting numbered the fees, and the journal's numbering stays locked until
the transaction ends, so the emails and letters (rendered and printed, the
slow part) must not be made while it is held
(models/membership_followup_run.py ``_send`` with ``defer``,
``_deliver_queued``)."""

from contextlib import ExitStack
from datetime import date
from unittest.mock import patch

from freezegun import freeze_time

from odoo import SUPERUSER_ID, Command, api
from odoo.modules.registry import DummyRLock, Registry
from odoo.tests import tagged

from .common import MembershipFollowupCommon
from .test_followup_concurrency import RUN_DATE, CommittedFollowupCase

DUE = date(2027, 3, 1)
RUN_DAY = "2027-03-02"
LOGGER = "odoo.addons.membership_dues.models.membership_followup_run"


@tagged("post_install", "-at_install")
class TestFollowupDeliveryAfterLateFees(MembershipFollowupCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.strict = cls.env["membership.followup.policy"].create(
            {
                "name": "Strict",
                "level_ids": [
                    Command.create(
                        {
                            "name": "Pay now",
                            "delay_days": 1,
                            "send_letter": True,
                            "late_fee_type": "fixed",
                            "late_fee_amount": 10.0,
                            "late_fee_product_id": cls.late_fee_product.id,
                        }
                    )
                ],
            }
        )
        cls.plain = cls.env["membership.followup.policy"].create(
            {"name": "Plain", "level_ids": [Command.create({"name": "Reminder", "delay_days": 1})]}
        )
        cls.members = cls.ann | cls.bob

    def invoices(self, policy):
        self.plan_year.followup_policy_id = policy
        return self.env["account.move"].union(*(self.dues_invoice(member, DUE) for member in self.members))

    def communications(self):
        return self.env["membership.followup.communication"].search([("partner_id", "in", self.members.ids)])

    def fees(self):
        return self.env["account.move.line"].search([("product_id", "=", self.late_fee_product.id)]).move_id

    def traced_run(self, batch_size=1):
        """The scheduled action's run on RUN_DAY, with what happened in
        order: ("post", fees), ("commit", {member: state}) and ("deliver",
        members)."""
        Run = type(self.env["membership.followup.run"])
        events = []
        invoice_late_fees, deliver = Run._invoice_late_fees, Run._deliver

        def trace_fees(run, records):
            invoice_late_fees(run, records)
            if records.late_fee_move_id:
                events.append(("post", records.late_fee_move_id))

        def trace_deliver(run, sendings):
            events.append(("deliver", [sending.member for sending in sendings]))
            return deliver(run, sendings)

        def trace_commit(*args, **kwargs):
            self.env.flush_all()
            events.append(("commit", {c.partner_id: c.state for c in self.communications()}))
            return 1000.0

        with ExitStack() as stack:
            stack.enter_context(freeze_time(RUN_DAY))
            stack.enter_context(patch.object(Run, "_invoice_late_fees", trace_fees))
            stack.enter_context(patch.object(Run, "_deliver", trace_deliver))
            stack.enter_context(patch.object(type(self.env["ir.cron"]), "_commit_progress", side_effect=trace_commit))
            self.env["membership.followup.run"]._cron_run_followup(batch_size=batch_size)
        self.env.invalidate_all()
        return events

    def assert_no_delivery_while_numbering_held(self, events):
        """Between posting late fees and delivering anything, a commit."""
        held = False
        for kind, _value in events:
            if kind == "post":
                held = True
            elif kind == "commit":
                held = False
            elif kind == "deliver":
                self.assertFalse(held, f"delivered with late fees posted and not committed: {events}")

    def test_a_batch_with_late_fees_is_delivered_after_its_commit(self):
        invoices = self.invoices(self.strict)
        events = self.traced_run()
        self.assert_no_delivery_while_numbering_held(events)
        kinds = [kind for kind, _value in events]
        self.assertEqual(kinds.count("post"), 2, "one late fee per member, one batch each")
        self.assertEqual(kinds.count("deliver"), 2, "recorded batch by batch, then delivered batch by batch")
        self.assertLess(max(i for i, kind in enumerate(kinds) if kind == "post"), kinds.index("deliver"))
        # each batch committed its communication as To Deliver, nothing sent yet
        first_commit = next(value for kind, value in events if kind == "commit" and value)
        self.assertEqual(set(first_commit.values()), {"queued"})
        # in the end: sent, one email and one letter each, listing the fee
        communications = self.communications()
        self.assertEqual(len(communications), 2)
        self.assertEqual(set(communications.mapped("state")), {"sent"})
        self.assertFalse(any(communications.mapped("error")))
        self.assertTrue(all(communications.mapped("letter_id")))
        self.assertEqual(len(self.fees()), 2)
        for member, communication in zip(self.members, communications.sorted("partner_id"), strict=True):
            mails = self.mails_to(member)
            self.assertEqual(len(mails), 1)
            self.assertEqual(communication.late_fee_move_ids.partner_id, member)
            self.assertIn(communication.late_fee_move_ids.name, mails.body_html)
            bodies = communication.message_ids.mapped("body")
            self.assertFalse(
                [b for b in bodies if "Communication created" in b], "its chatter starts with what was sent"
            )
        self.assertEqual(len(invoices.dues_followup_line_ids), 2)
        # run again the same day, and the next: nothing more
        self.run_followup(RUN_DAY)
        self.run_followup("2027-03-03")
        self.assertEqual(len(self.communications()), 2)
        self.assertEqual(len(self.fees()), 2)
        self.assertEqual([len(self.mails_to(member)) for member in self.members], [1, 1])

    def test_without_late_fees_a_batch_is_delivered_at_once(self):
        self.invoices(self.plain)
        events = self.traced_run(batch_size=2)
        kinds = [kind for kind, _value in events]
        self.assertNotIn("post", kinds)
        first_deliver = kinds.index("deliver")
        self.assertEqual(events[first_deliver + 1][0], "commit", "delivered in the batch, before its commit")
        self.assertEqual(set(events[first_deliver + 1][1].values()), {"sent"})
        self.assertEqual(kinds.count("deliver"), 1)

    def test_nothing_to_deliver_costs_one_query_and_no_commit(self):
        Run = self.env["membership.followup.run"]
        Run._deliver_queued()  # warm the caches (access rules)
        self.env.flush_all()
        with (
            patch.object(type(self.env["ir.cron"]), "_commit_progress", return_value=1000.0) as progress,
            self.assertQueryCount(1),
        ):
            run = Run._deliver_queued()
        self.assertTrue(run.finished)
        progress.assert_not_called()

    def test_a_crash_before_delivery_leaves_them_to_the_next_run(self):
        self.invoices(self.strict)
        Run = type(self.env["membership.followup.run"])
        crashed = False
        with (
            freeze_time(RUN_DAY),
            self.patched_commit_progress(),
            patch.object(Run, "_deliver_queued", side_effect=KeyboardInterrupt("worker killed")),
        ):
            try:
                self.env["membership.followup.run"]._cron_run_followup(batch_size=1)
            except KeyboardInterrupt:
                crashed = True
        self.assertTrue(crashed)
        self.env.invalidate_all()
        communications = self.communications()
        self.assertEqual(set(communications.mapped("state")), {"queued"})
        self.assertFalse(self.mails_to(self.members))
        self.assertEqual(len(self.fees()), 2, "the late fees are posted and kept")
        # the next run (the same day) delivers them, and records nothing more
        self.run_followup(RUN_DAY)
        self.run_followup(RUN_DAY)
        self.assertEqual(self.communications(), communications)
        self.assertEqual(set(communications.mapped("state")), {"sent"})
        self.assertEqual([len(self.mails_to(member)) for member in self.members], [1, 1])
        self.assertEqual(len(self.fees()), 2)

    def test_a_failing_delivery_keeps_it_to_deliver_with_the_error(self):
        self.invoices(self.strict)
        with self.email_refused_to(self.ann), self.assertLogs(LOGGER, "ERROR"):
            self.traced_run()
        ann, bob = (self.communications().filtered(lambda c, m=m: c.partner_id == m) for m in self.members)
        self.assertEqual(bob.state, "sent")
        self.assertEqual(ann.state, "queued", "still to deliver, by the next run")
        self.assertIn("mail server refused", ann.error)
        self.assertTrue(ann.line_ids.late_fee_move_id, "her level and late fee are recorded")
        self.assertFalse(self.mails_to(self.ann))
        self.run_followup(RUN_DAY)
        self.assertEqual(ann.state, "sent")
        self.assertFalse(ann.error)
        self.assertEqual([len(self.mails_to(member)) for member in self.members], [1, 1])
        self.assertEqual(len(self.communications()), 2)
        self.assertEqual(len(self.fees()), 2)

    def test_sending_in_one_transaction_delivers_at_once(self):
        """The wizard and the demo send in the current transaction (no
        commit to wait for): delivered with the late fees."""
        self.invoices(self.strict)
        with freeze_time(RUN_DAY):
            sent = self.env["membership.followup.run"]._send_due(date(2027, 3, 2))
        self.assertEqual(set(sent.mapped("state")), {"sent"})
        self.assertEqual([len(self.mails_to(member)) for member in self.members], [1, 1])
        self.assertEqual(len(sent.late_fee_move_ids), 2)


@tagged("post_install", "-at_install")
class TestFollowupDeliveryLeavesTheNumbering(CommittedFollowupCase):
    """On committed data, with real transactions: while the run delivers
    the communications of batches that posted late fees, another
    transaction numbers an invoice in the same journal without waiting
    (before, it waited for the batch's commit, the rendering included)."""

    PREFIX = "Delivery numbering"

    def test_another_transaction_posts_an_invoice_while_the_run_delivers(self):
        Run = self.registry["membership.followup.run"]
        deliver = Run._deliver
        posted = []

        def deliver_while_another_posts(run, sendings):
            with self.registry.cursor() as other:
                # waiting for the numbering would fail here, not hang
                other.execute("SET LOCAL lock_timeout = '3s'")
                env = api.Environment(other, SUPERUSER_ID, {"tracking_disable": True})
                move = env["account.move"].create(
                    {
                        "move_type": "out_invoice",
                        "partner_id": self.ids["members"][0],
                        "invoice_line_ids": [
                            Command.create({"product_id": self.ids["products"][0], "quantity": 1, "price_unit": 1.0})
                        ],
                    }
                )
                move.action_post()
                posted.append(move.name)
            return deliver(run, sendings)

        with (
            patch.object(Run, "_deliver", deliver_while_another_posts),
            patch.object(Registry, "_lock", DummyRLock()),
            self.registry.cursor() as cr,
        ):
            env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
            env["membership.followup.run"]._cron_run_followup(batch_size=3, today=RUN_DATE)
        self.assertEqual(len(posted), 2, "6 members in batches of 3: two deliveries, an invoice posted during each")
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            communications = env["membership.followup.communication"].search(
                [("partner_id", "in", self.ids["members"])]
            )
            self.assertEqual(communications.mapped("state"), ["sent"] * 6)
            fees = communications.late_fee_move_ids
            self.assertEqual(len(fees), 6)
            # the fees were numbered before the invoices posted meanwhile
            self.assertLess(max(fees.mapped("name")), min(posted))
