import logging
import sys
import threading
import traceback
from datetime import date
from unittest.mock import patch

import psycopg2.extensions

from odoo import SUPERUSER_ID, Command, api
from odoo.fields import Domain
from odoo.modules.registry import DummyRLock, Registry
from odoo.tests import BaseCase, get_db_name, tagged

from ..models.membership_followup_run import CLAIM_LOCK_KEY, MAX_DEFERRALS, FollowupQueue
from ..tools.batch import BatchRun, _Searches, campaign_left, claim

RUN_DATE = date(2027, 3, 1)


class CommittedFollowupCase(BaseCase):
    """Six members with an invoice due on RUN_DATE, committed (named after
    ``PREFIX``), for tests on several real database cursors (transactions).

    Not a TransactionCase: the data must be committed for the second
    connection to see it, so the class creates it in the main company and
    deletes it afterwards."""

    PREFIX = ""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry = Registry(get_db_name())
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
            company = env.ref("base.main_company")
            env = env(context=dict(env.context, allowed_company_ids=company.ids))
            product = env["product.product"].create({"name": f"{cls.PREFIX} dues", "type": "service", "taxes_id": []})
            fee_product = env["product.product"].create(
                {"name": f"{cls.PREFIX} fee", "type": "service", "taxes_id": []}
            )
            policy = env["membership.followup.policy"].create(
                {
                    "name": f"{cls.PREFIX} policy",
                    "company_id": company.id,
                    "level_ids": [
                        Command.create(
                            {
                                "name": "Pay now",
                                "delay_days": 0,
                                "late_fee_type": "fixed",
                                "late_fee_amount": 5.0,
                                "late_fee_product_id": fee_product.id,
                            }
                        )
                    ],
                }
            )
            plan = env["membership.plan"].create(
                {
                    "name": f"{cls.PREFIX} plan",
                    "company_id": company.id,
                    "fee_amount": 100.0,
                    "product_id": product.id,
                    "followup_policy_id": policy.id,
                }
            )
            members = env["res.partner"].create([{"name": f"{cls.PREFIX} member {i}"} for i in range(6)])
            subscriptions = env["membership.subscription"].create(
                [
                    {
                        "partner_id": member.id,
                        "plan_id": plan.id,
                        "date_start": date(2027, 1, 1),
                        "date_end": date(2027, 12, 31),
                        "amount": 100.0,
                        "full_amount": 100.0,
                    }
                    for member in members
                ]
            )
            invoices = subscriptions._create_invoices()
            invoices.write({"invoice_date": RUN_DATE, "invoice_date_due": RUN_DATE, "invoice_payment_term_id": False})
            invoices.action_post()
            cls.ids = {
                "products": (product | fee_product).ids,
                "policy": policy.id,
                "plan": plan.id,
                "members": members.ids,
                "subscriptions": subscriptions.ids,
                "invoices": invoices.ids,
            }
        cls.addClassCleanup(cls._delete_committed_data)

    @classmethod
    def _delete_committed_data(cls):
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
            members = env["res.partner"].browse(cls.ids["members"])
            env["membership.followup.communication"].search([("partner_id", "in", members.ids)]).unlink()
            moves = env["account.move"].search([("partner_id", "in", members.ids)])
            moves.button_draft()
            moves.button_cancel()
            env["membership.subscription"].browse(cls.ids["subscriptions"]).unlink()
            moves.with_context(force_delete=True).unlink()
            env["membership.plan"].browse(cls.ids["plan"]).unlink()
            env["membership.followup.policy"].browse(cls.ids["policy"]).unlink()
            env["product.product"].browse(cls.ids["products"]).unlink()
            members.unlink()


@tagged("post_install", "-at_install")
class TestFollowupTwoWorkers(CommittedFollowupCase):
    """Two workers run the follow-up at the same moment, each on its own real
    database cursor (its own transaction), on committed data: every invoice
    gets its level once and one late fee, whoever wins."""

    PREFIX = "Two workers"

    def run_two_workers(self):
        """Both workers find the same members to go through, wait for each other, then claim and send."""
        barrier = threading.Barrier(2, timeout=20)
        errors = []
        Run = self.registry["membership.followup.run"]
        original_candidates = Run._get_candidates

        def candidates_then_wait(model, *args, **kwargs):
            candidates = original_candidates(model, *args, **kwargs)
            barrier.wait()
            return candidates

        def worker():
            try:
                with self.registry.cursor() as cr:
                    env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
                    env["membership.followup.run"]._cron_run_followup(batch_size=2, today=RUN_DATE)
            except Exception as error:  # noqa: BLE001 - reported by the test
                errors.append(error)

        # The test runner holds the registry class lock for the whole run; a
        # worker (and the post-commit hooks) asks for the registry: as in Odoo's
        # own HTTP tests, the lock is a dummy while the workers run.
        with patch.object(Run, "_get_candidates", candidates_then_wait), patch.object(Registry, "_lock", DummyRLock()):
            threads = [threading.Thread(target=worker, name=f"followup-worker-{i}") for i in range(2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=40)
        stuck = [thread for thread in threads if thread.is_alive()]
        if stuck:
            frames = sys._current_frames()
            stacks = "\n".join("".join(traceback.format_stack(frames[thread.ident])) for thread in stuck)
            self.fail(f"a worker is stuck:\n{stacks}")
        self.assertFalse(errors, "neither worker fails")

    def test_two_workers_at_once_send_each_level_once(self):
        self.run_two_workers()
        self.run_two_workers()  # and again: nothing more
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            invoices = env["account.move"].browse(self.ids["invoices"])
            records = env["membership.followup.line"].search([("move_id", "in", invoices.ids)])
            self.assertEqual(len(records), 6, "one record per invoice and level")
            self.assertEqual(records.move_id, invoices)
            fees = env["account.move"].search(
                [("partner_id", "in", self.ids["members"]), ("id", "not in", invoices.ids)]
            )
            self.assertEqual(len(fees), 6, "one late fee per invoice")
            self.assertEqual(set(fees.mapped("amount_total")), {5.0})
            self.assertEqual(records.late_fee_move_id, fees)
            communications = env["membership.followup.communication"].search(
                [("partner_id", "in", self.ids["members"])]
            )
            self.assertEqual(communications.mapped("state"), ["sent"] * 6, "no failure recorded for the loser")


@tagged("post_install", "-at_install")
class TestFollowupClaim(CommittedFollowupCase):
    """A worker claims its members (models/membership_followup_run.py
    _claim_members) without waiting for another transaction: it skips a
    member another worker holds and a member one of whose invoices another
    transaction holds (a payment being registered); the next run sends to
    them."""

    PREFIX = "Claim"

    def run_followup(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
            env["membership.followup.run"]._cron_run_followup(batch_size=2, today=RUN_DATE)

    def communications(self):
        """{member id: communications sent} of the class's members."""
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            communications = env["membership.followup.communication"].search(
                [("partner_id", "in", self.ids["members"]), ("state", "=", "sent")]
            )
            return {
                member: communications.filtered(lambda c, m=member: c.partner_id.id == m).ids
                for member in self.ids["members"]
            }

    def test_the_claim_skips_what_another_transaction_holds(self):
        held_member, paid_member, *others = self.ids["members"]
        with self.registry.cursor() as other:
            other.execute(
                "SELECT id FROM account_move WHERE partner_id = %s AND id IN %s FOR NO KEY UPDATE",
                [paid_member, tuple(self.ids["invoices"])],
            )
            self.assertEqual(len(other.fetchall()), 1)
            other.execute("SELECT pg_advisory_xact_lock(%s, %s)", [CLAIM_LOCK_KEY, held_member])
            self.run_followup()  # would wait for ``other`` (and the test time out) if the claim did
            sent = self.communications()
            self.assertEqual([len(sent[member]) for member in others], [1] * len(others))
            self.assertFalse(sent[held_member] or sent[paid_member], "both skipped, not waited for")
            other.rollback()
        self.run_followup()
        after = self.communications()
        self.assertEqual([len(after[member]) for member in self.ids["members"]], [1] * 6, "then each sent once")
        self.assertEqual({member: after[member] for member in others}, {member: sent[member] for member in others})


@tagged("post_install", "-at_install")
class TestClaimAfterAnotherWorkerCommitted(CommittedFollowupCase):
    """A worker whose snapshot predates what another worker committed on the
    same rows gets a serialization error when it locks them (Odoo's
    transactions are REPEATABLE READ): expected, retried or left, and not
    logged as a bad query (the test run counts any logged error as a
    failure, as an officer reading the server log would)."""

    PREFIX = "Stale claim"

    def test_a_stale_claim_is_retried_quietly(self):
        with self.registry.cursor() as late, self.registry.cursor() as first:
            late_env = api.Environment(late, SUPERUSER_ID, {})
            late_env["account.move"].browse(self.ids["invoices"]).mapped("name")  # its snapshot starts
            claim(api.Environment(first, SUPERUSER_ID, {})["account.move"], [("id", "in", self.ids["invoices"])], 6)
            first.commit()
            searches = _Searches(
                late_env["account.move"], Domain("id", "in", self.ids["invoices"]), 6, "id", BatchRun(), "test", True
            )
            with (
                self.assertNoLogs("odoo.sql_db", "ERROR"),
                # logging.INFO, not "INFO": Odoo names its level 25 "INFO" too
                self.assertLogs("odoo.addons.membership_dues.tools.batch", logging.INFO) as logs,
            ):
                batch = searches.take()
            self.assertEqual(batch.ids, sorted(self.ids["invoices"]), "taken with a fresh snapshot")
            self.assertIn("claim retried", logs.output[0])
            late.rollback()

    def stale_queue(self, late, first, changed_invoices):
        """A follow-up queue of the class's members on ``late``, whose
        snapshot starts before ``first`` changes ``changed_invoices`` and
        commits (as another worker reminding them does)."""
        late_env = api.Environment(late, SUPERUSER_ID, {})
        members = late_env["res.partner"].browse(self.ids["members"])
        queue = FollowupQueue(late_env["membership.followup.run"], RUN_DATE, members, collect=True)
        late_env["account.move"].browse(self.ids["invoices"]).mapped("name")  # its snapshot starts
        first.execute("UPDATE account_move SET id = id WHERE id IN %s", [tuple(changed_invoices)])
        first.commit()
        return queue

    def invoice_of(self, member_id):
        with self.registry.cursor() as cr:
            cr.execute(
                "SELECT id FROM account_move WHERE partner_id = %s AND id IN %s",
                [member_id, tuple(self.ids["invoices"])],
            )
            return cr.fetchone()[0]

    def test_a_member_changed_meanwhile_is_claimed_again_later(self):
        """The others of the batch are claimed at once; the member whose
        invoice another worker changed comes again at the end of the queue,
        claimed on the next snapshot."""
        changed, *others = self.ids["members"]
        with self.registry.cursor() as late, self.registry.cursor() as first:
            queue = self.stale_queue(late, first, [self.invoice_of(changed)])
            with self.assertNoLogs("odoo.sql_db", "ERROR"):
                batch = queue.take(6)
            self.assertEqual(sorted(batch.ids), sorted(others), "the others claimed, not retried")
            self.assertEqual((queue.remaining(), queue.deferred), (1, {changed: 1}))
            late.rollback()  # the batch done, the next claim has a fresh snapshot
            self.assertEqual(queue.take(6).ids, [changed], "claimed again")
            late.rollback()
            self.assertFalse(queue.take(6), "through")

    def test_a_batch_all_changed_meanwhile_is_claimed_on_a_fresh_snapshot(self):
        with self.registry.cursor() as late, self.registry.cursor() as first:
            queue = self.stale_queue(late, first, self.ids["invoices"])
            with self.assertNoLogs("odoo.sql_db", "ERROR"):
                batch = queue.take(6)
            self.assertEqual(sorted(batch.ids), sorted(self.ids["members"]), "claimed again at once")
            self.assertEqual(len(queue.members), 12)
            late.rollback()
            self.assertFalse(queue.take(6), "through")

    def test_a_member_deferred_too_often_is_left_to_the_next_run(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            members = env["res.partner"].browse(self.ids["members"][:2])
            queue = FollowupQueue(env["membership.followup.run"], RUN_DATE, members)
            for _round in range(MAX_DEFERRALS):
                self.assertFalse(queue.defer(members), "put back")
            self.assertEqual(queue.defer(members[0]), members[0], "left")
            self.assertEqual(len(queue.members), 2 + 2 * MAX_DEFERRALS)

    def test_a_stale_closing_check_raises_without_logging(self):
        invoice_id = self.ids["invoices"][0]
        with self.registry.cursor() as late, self.registry.cursor() as first:
            late_env = api.Environment(late, SUPERUSER_ID, {})
            invoice = late_env["account.move"].browse(invoice_id)
            invoice.mapped("name")  # its snapshot starts
            first.execute("UPDATE account_move SET id = id WHERE id = %s", [invoice_id])
            first.commit()
            with (
                self.assertNoLogs("odoo.sql_db", "ERROR"),
                self.assertRaises(psycopg2.extensions.TransactionRollbackError),
            ):
                campaign_left(invoice, late_env["account.move"], [("id", "=", invoice_id)])
            late.rollback()
