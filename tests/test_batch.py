"""tools/batch.py, the one batch pattern of the scheduled actions and the
campaign steps, on real subscriptions with real failures (a UserError, a
Python constraint, the notices' unique index). Only ``_commit_progress`` is
replaced: a test may not commit; it plays the scheduler's clock."""

from unittest.mock import patch

from odoo.exceptions import UserError
from odoo.fields import Domain
from odoo.tests import tagged
from odoo.tools import mute_logger

from ..tools.batch import LeaveForNextRun, error_message, process_batch, run_in_batches
from .common import MembershipRenewalCommon

QUIET = ("odoo.addons.membership_dues.tools.batch", "odoo.sql_db")


@tagged("post_install", "-at_install")
class TestBatch(MembershipRenewalCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        more = cls.env["res.partner"].create([{"name": f"Member {index}"} for index in range(3)])
        for member in more:
            cls.subscriptions |= cls.paid_subscription(member, cls.plan_year, "2026-01-01", "2026-12-31")
        cls.todo = Domain("id", "in", cls.subscriptions.ids) & Domain("note", "=", False)

    def setUp(self):
        super().setUp()
        self.calls = []  # the ids given to process, call by call
        self.failures = {}  # id: message, as recorded
        self.refuse = self.env["membership.subscription"]  # process raises a UserError for these
        self.negative = self.env["membership.subscription"]  # process breaks a constraint on these

    def process(self, subscriptions):
        """Done: a note on each subscription (which takes it out of
        ``self.todo``) and its 2027 notice (under a unique index)."""
        self.calls.append(subscriptions.ids)
        if subscriptions & self.refuse:
            raise UserError("refused by the test")  # pylint: disable=translation-required
        subscriptions.write({"note": "<p>done</p>"})
        (subscriptions & self.negative).write({"amount": -1.0})
        for subscription in subscriptions:
            self.notice(subscription.partner_id, state="draft", previous_subscription_id=subscription.id)

    def record_failure(self, subscription, message):
        self.failures[subscription.id] = message
        subscription.write({"cron_error": message})

    def run_batches(self, process=None, clock=None, **kwargs):
        """Run the batches; ``clock`` is what the successive progress
        commits answer (seconds left), 1000 each by default."""
        kwargs = {"model": self.env["membership.subscription"], "domain": self.todo, "batch_size": 3, **kwargs}
        side_effect = iter(clock) if clock else None
        with (
            mute_logger(*QUIET),
            patch.object(
                type(self.env["ir.cron"]),
                "_commit_progress",
                side_effect=(lambda *a, **k: next(side_effect)) if side_effect else None,
                return_value=1000.0,
            ) as progress,
        ):
            run = run_in_batches(process or self.process, self.record_failure, **kwargs)
        self.env.invalidate_all()
        return run, progress

    def taken(self):
        """Every id given to process, in order."""
        return [id_ for ids in self.calls for id_ in ids]

    def done(self):
        return self.subscriptions.filtered("note")

    def test_the_batch_path_does_a_batch_in_one_call(self):
        run, progress = self.run_batches()
        self.assertEqual([len(ids) for ids in self.calls], [3, 3, 1], "7 records in batches of 3")
        self.assertEqual(sorted(self.taken()), sorted(self.subscriptions.ids), "each once")
        self.assertEqual((run.done, run.failed, run.left_ids, run.finished, run.remaining), (7, 0, [], True, 0))
        self.assertEqual(self.done(), self.subscriptions)
        self.assertEqual(progress.call_args_list[0].kwargs, {"remaining": 7})
        self.assertEqual(progress.call_args_list[1].args, (3,))
        self.assertEqual(progress.call_args_list[1].kwargs, {"remaining": 4})
        self.assertEqual(progress.call_args_list[-1].kwargs, {"remaining": 0})

    def test_a_failing_batch_is_redone_record_by_record_and_the_failure_recorded_once(self):
        poison = self.subscriptions[1]
        self.refuse = poison
        run, _progress = self.run_batches()
        first = self.subscriptions[:3].ids
        self.assertEqual(self.calls[:4], [first, [first[0]], [first[1]], [first[2]]], "the batch, then one by one")
        self.assertEqual(self.taken().count(poison.id), 2, "not retried within the call")
        self.assertEqual(run.failed_ids, [poison.id])
        self.assertEqual((run.done, run.finished, run.remaining), (6, True, 0))
        self.assertEqual(self.failures, {poison.id: "refused by the test"})
        self.assertEqual(poison.cron_error, "refused by the test", "recorded by the callback, in the database")
        self.assertFalse(poison.note)
        self.assertEqual(self.done(), self.subscriptions - poison, "the others went through")
        self.assertEqual(len(self.env["membership.renewal"].search([("partner_id", "=", poison.partner_id.id)])), 0)

    def test_a_broken_constraint_is_a_failure_and_rolls_back_that_record_only(self):
        poison = self.subscriptions[4]
        self.negative = poison
        run, _progress = self.run_batches()
        self.assertEqual(run.failed_ids, [poison.id])
        self.assertIn("must be zero or positive", self.failures[poison.id])
        self.assertFalse(poison.note, "its savepoint was rolled back")
        self.assertGreaterEqual(poison.amount, 0)
        self.assertEqual(self.done(), self.subscriptions - poison)

    def test_a_record_changed_meanwhile_is_left_to_the_next_run(self):
        raced = self.subscriptions[2]
        unique = self.subscriptions[5]
        leave = raced

        def process(subscriptions):
            if subscriptions & leave:
                self.calls.append(subscriptions.ids)
                raise LeaveForNextRun
            self.process(subscriptions)

        # another worker renewed this member first: the notices' unique index refuses a second one
        self.notice(unique.partner_id, state="draft", previous_subscription_id=False)
        run, _progress = self.run_batches(process=process)
        self.assertEqual(sorted(run.left_ids), sorted((raced | unique).ids))
        self.assertEqual((run.failed, run.done), (0, 5))
        self.assertFalse(self.failures, "nothing recorded as failed")
        self.assertFalse((raced | unique).filtered("note") | (raced | unique).filtered("cron_error"))
        self.assertEqual(self.taken().count(raced.id), 2, "not taken again within the call")
        # the next run takes them again
        leave = self.env["membership.subscription"]
        self.calls = []
        run, _progress = self.run_batches(process=process)
        self.assertEqual(self.calls[0], (raced | unique).sorted("id").ids, "both taken again")
        self.assertEqual(run.done, 1)
        self.assertEqual(run.left_ids, [unique.id], "still a duplicate")
        self.assertIn(raced, self.done())

    def test_time_up_returns_unfinished_and_the_next_call_resumes(self):
        # the first progress call sets the total, the second commits batch 1: the time is up
        run, _progress = self.run_batches(clock=[1000.0, 0.0])
        self.assertFalse(run.finished)
        self.assertEqual((run.done, run.remaining), (3, 4))
        self.assertEqual(len(self.done()), 3)
        run, _progress = self.run_batches()
        self.assertTrue(run.finished)
        self.assertEqual(run.done, 4)
        self.assertEqual(self.done(), self.subscriptions)
        self.assertEqual(sorted(self.taken()), sorted(self.subscriptions.ids), "each record once")

    def test_a_second_run_does_nothing(self):
        self.refuse = self.subscriptions[0]
        self.run_batches()
        self.env.flush_all()
        written = self.subscriptions.mapped("write_date")
        notices = self.env["membership.renewal"].search_count([])
        self.calls = []
        # what failed leaves what is to do the way each scheduled action says: here, its error
        run, progress = self.run_batches(domain=self.todo & Domain("cron_error", "=", False))
        self.assertEqual(self.calls, [], "process not called")
        self.assertEqual((run.done, run.failed, run.finished), (0, 0, True))
        self.assertEqual(progress.call_args_list[0].kwargs, {"remaining": 0})
        self.assertEqual(self.subscriptions.mapped("write_date"), written, "nothing written")
        self.assertEqual(self.env["membership.renewal"].search_count([]), notices)

    def test_a_process_that_leaves_its_record_to_do_takes_it_once(self):
        """A process that breaks the contract (what it did is still to do)
        cannot make the run loop."""
        run, _progress = self.run_batches(process=lambda subscriptions: self.calls.append(subscriptions.ids))
        self.assertEqual(sorted(self.taken()), sorted(self.subscriptions.ids), "each once")
        self.assertTrue(run.finished)

    def test_each_search_starts_after_the_last_record_taken_and_counts_once(self):
        """In id order, a batch is searched past the last record taken (an
        index range, not a walk over what is done), and what remains is
        counted once: their cost per batch does not grow with the run."""
        statements = []
        execute = type(self.env.cr).execute

        def spy(cr, query, params=None, log_exceptions=True):
            statements.append(str(query) + str(params or ""))
            return execute(cr, query, params, log_exceptions)

        with patch.object(type(self.env.cr), "execute", spy):
            run, progress = self.run_batches()
        self.assertEqual([len(ids) for ids in self.calls], [3, 3, 1])
        table = '"membership_subscription"'
        searches = [s for s in statements if s.startswith(f'SQL(\'SELECT {table}."id" FROM {table}')]
        keyset = [s for s in searches if f'{table}."id" > %s' in s]
        self.assertEqual(len(keyset), 4, "3 batches and the empty search past the last, each after the last taken")
        self.assertEqual(len(searches), 5, "then the whole domain's, once")
        ids = sorted(self.subscriptions.ids)
        self.assertIn(f", {ids[2]},", keyset[1].replace(")", ",").replace("(", ","), "after the first batch's last")
        counts = [s for s in statements if f"SELECT COUNT(*) FROM {table}" in s]
        self.assertEqual(len(counts), 1, "counted once")
        self.assertEqual(
            [call.kwargs.get("remaining") for call in progress.call_args_list], [7, 4, 1, 0, 0], "then estimated"
        )
        self.assertEqual(run.done, 7)

    def test_what_is_to_do_behind_the_last_taken_is_seen_by_a_last_search(self):
        """Past the last record, the whole domain is searched again: what is
        to do behind it is seen (one another worker held and released is
        taken; here, one done and made to do again meanwhile, a broken
        contract, is logged and not taken twice)."""
        first = self.subscriptions.sorted("id")[0]

        def process(subscriptions):
            self.process(subscriptions)
            if len(self.calls) == 2:  # after the second batch, the first record is to do again
                first.note = False

        run, _progress = self.run_batches(process=process)
        self.assertEqual([len(ids) for ids in self.calls], [3, 3, 1])
        self.assertEqual(run.stuck_ids, [first.id], "seen again by the whole domain's search, not taken twice")

    def test_a_fixed_recordset_one_by_one(self):
        self.refuse = self.subscriptions[3]
        run, _progress = self.run_batches(model=None, domain=None, records=self.subscriptions, batch_first=False)
        self.assertEqual(self.calls, [[sub.id] for sub in self.subscriptions], "record by record from the start")
        self.assertEqual((run.done, run.failed_ids, run.finished), (6, [self.refuse.id], True))

    def test_one_batch_without_progress_nor_commit(self):
        """process_batch: the savepoints and the failures, inside the
        caller's transaction (the demo data's campaign)."""
        self.refuse = self.subscriptions[6]
        with mute_logger(*QUIET), patch.object(type(self.env["ir.cron"]), "_commit_progress") as progress:
            run = process_batch(self.subscriptions, self.process, self.record_failure)
        progress.assert_not_called()
        self.assertEqual((run.done, run.failed_ids), (6, [self.refuse.id]))
        self.assertEqual(len(self.calls), 8, "the batch, then record by record")
        self.assertEqual(self.done(), self.subscriptions - self.refuse)

    def test_error_message_speaks_the_users_terms(self):
        self.assertEqual(error_message(UserError("Adopt a tariff first.")), "Adopt a tariff first.")
        self.assertEqual(error_message(ValueError("bad value")), "bad value")
