"""One batch pattern for the scheduled actions and the campaign steps.

Every long run of the module (subscription states, renewal and declaration
campaigns, reminders, the sending queue, the follow-up run) goes through
:func:`run_in_batches`, which follows Odoo 19's ``ir.cron._commit_progress``
contract:

1. take the next batch of what is still to do;
2. process the whole batch in one savepoint (the fast path);
3. if that raises, redo the batch record by record, each in its own
   savepoint, so that one bad record does not hold back the others;
4. a record that still fails is handed to ``record_failure`` (in its own
   savepoint), which records the error where the officer sees it (a field on
   the record, a failure record, a failed communication, a chatter note), and
   it is not retried within this call;
5. commit the progress (``_commit_progress``); stop when the scheduler says
   the time is up: the next call resumes from what is still to do.

``process`` must make what it did leave what is still to do (a state that
changes, a persisted record under a unique index): that is what makes a run
idempotent and resumable, and safe with several workers. A record that fails
or is left to the next run is not taken again within the call; nor is one
that ``process`` did but that is still to do (logged: a broken contract).

:func:`run_campaign` is the shape of a campaign's run on top of it: the
campaign locked, its members in batches, the campaign closed when all is done.
:func:`process_batch` is steps 2 to 4 alone, for one recordset in a larger
transaction (no progress, no commit).
"""

import logging
from dataclasses import dataclass, field

import psycopg2.errors

from odoo.exceptions import UserError
from odoo.fields import Domain

_logger = logging.getLogger(__name__)


class LeaveForNextRun(Exception):
    """Raised by ``process`` for a record that another worker changed
    meanwhile: its savepoint is rolled back, nothing is recorded as failed,
    and the next run takes it again."""


# Another transaction did the same thing first (unique index, serialization):
# the record is left to the next run, not recorded as failed.
CONCURRENCY_ERRORS = (psycopg2.errors.UniqueViolation, psycopg2.errors.SerializationFailure, LeaveForNextRun)


@dataclass
class BatchRun:
    """What one call of :func:`run_in_batches` did."""

    done: int = 0  # records processed
    failed_ids: list[int] = field(default_factory=list)  # failures recorded by record_failure
    left_ids: list[int] = field(default_factory=list)  # left to the next run (changed meanwhile)
    finished: bool = True  # False when the scheduler's time ran out
    remaining: int = 0  # what is still to do when the time ran out (0 when finished)

    @property
    def failed(self):
        return len(self.failed_ids)


def error_message(error):
    """The message of ``error`` in the user's terms: a UserError's own text,
    otherwise the exception as a string."""
    if isinstance(error, UserError) and error.args:
        return str(error.args[0])
    return str(error)


def run_in_batches(
    process,
    record_failure,
    *,
    records=None,
    model=None,
    domain=None,
    batch_size=200,
    order="id",
    batch_first=True,
    what="",
    after_commit=None,
    on_done=None,
):
    """Process what is to do in batches (see the module's docstring).

    What is to do is either a fixed recordset ``records`` (taken in slices of
    ``batch_size``) or the records of ``model`` matching ``domain`` (searched
    again before each batch, in ``order``, without the records this call
    failed or left to the next run).

    ``process(recordset)`` does the work; ``record_failure(record, message)``
    records a failure. ``batch_first=False`` goes record by record from the
    start (for steps that send one message per record anyway). ``what``
    names the run in the log. ``after_commit()`` is called after each
    intermediate commit (to take a lock again); ``on_done()`` when all is
    done, before the last commit. Returns a :class:`BatchRun`.
    """
    assert (records is None) != (model is None), "give records, or model and domain"
    cron = (records if records is not None else model).env["ir.cron"]
    run = BatchRun()
    if records is not None:
        todo = _Slices(records, batch_size)
    else:
        todo = _Searches(model, Domain(domain or []), batch_size, order, run, what)
    cron._commit_progress(remaining=todo.remaining())
    for batch in todo:
        process_batch(batch, process, record_failure, run=run, batch_first=batch_first, what=what)
        remaining = todo.remaining()
        if not cron._commit_progress(len(batch), remaining=remaining):
            run.finished = False
            run.remaining = remaining
            return run
        if after_commit:
            after_commit()
    if on_done:
        on_done()
    cron._commit_progress(remaining=0)
    return run


def run_campaign(campaign, model, domain, batch_size=200):
    """Run ``campaign`` (one record) on the records of ``model`` matching
    ``domain`` with :func:`run_in_batches`, under the campaign's lock (taken
    again after each commit). The campaign's methods are the hooks:
    ``_process(records)``, ``_record_failure(record, message)``, and
    ``_done()``, called under the lock to close it when nothing is left.
    Returns False when the scheduler's time is up (the next call resumes),
    True when finished or when another worker holds the campaign."""
    campaign.ensure_one()
    if not campaign.try_lock_for_update():
        _logger.info("Membership: %s %s is running in another worker", campaign._name, campaign.id)
        return True
    return run_in_batches(
        campaign._process,
        campaign._record_failure,
        model=model,
        domain=domain,
        batch_size=batch_size,
        what=f"{campaign._name} {campaign.id}",
        after_commit=campaign.try_lock_for_update,  # the commit released the lock
        on_done=campaign._done,
    ).finished


class _Slices:
    """A fixed recordset, slice by slice."""

    def __init__(self, records, batch_size):
        self.records, self.batch_size, self.taken = records, batch_size, 0

    def __iter__(self):
        while self.taken < len(self.records):
            batch = self.records[self.taken : self.taken + self.batch_size]
            self.taken += len(batch)
            yield batch

    def remaining(self):
        return len(self.records) - self.taken


class _Searches:
    """The records of ``model`` still matching ``domain``, searched again
    batch by batch, without those this call failed, left, or already did."""

    def __init__(self, model, domain, batch_size, order, run, what):
        self.model, self.domain, self.order, self.run = model, domain, order, run
        self.batch_size, self.what = batch_size, what
        self.done_ids = set()
        self.stuck_ids = []  # done in this call, yet still to do: the process broke its contract

    def todo(self):
        skip = self.run.failed_ids + self.run.left_ids + self.stuck_ids
        return self.domain & Domain("id", "not in", skip) if skip else self.domain

    def remaining(self):
        return self.model.search_count(self.todo())

    def __iter__(self):
        while batch := self.model.search(self.todo(), limit=self.batch_size, order=self.order):
            again = [id_ for id_ in batch.ids if id_ in self.done_ids]
            if again:
                _logger.warning(
                    "Membership: %s: %s done in this run and still to do; left to the next run",
                    self.what or self.model._name,
                    self.model.browse(again),
                )
                self.stuck_ids += again
                batch -= self.model.browse(again)
                if not batch:
                    continue
            self.done_ids.update(batch.ids)
            yield batch


def process_batch(batch, process, record_failure, *, run=None, batch_first=True, what=""):
    """Steps 2 to 4 of the module's docstring for one recordset, without
    progress nor commit (for a caller inside a larger transaction, such as
    the demo data): returns the :class:`BatchRun` (``run`` if given)."""
    run = run if run is not None else BatchRun()
    cr = batch.env.cr
    if batch_first and len(batch) > 1:
        try:
            with cr.savepoint():
                process(batch)
            run.done += len(batch)
            return run
        except Exception as error:  # noqa: BLE001 - redone record by record below
            _logger.info(
                "Membership: %s: a batch of %s records failed (%s); redoing it record by record",
                what or batch._name,
                len(batch),
                error,
            )
    for record in batch:
        try:
            with cr.savepoint():
                process(record)
            run.done += 1
            continue
        except CONCURRENCY_ERRORS as error:
            _logger.info("Membership: %s: %s left to the next run (%s)", what or batch._name, record, error)
            run.left_ids.append(record.id)
            continue
        except Exception as error:  # noqa: BLE001 - recorded where the officer sees it
            _logger.warning("Membership: %s: %s failed: %s", what or batch._name, record, error)
            message = error_message(error)
        run.failed_ids.append(record.id)
        try:
            with cr.savepoint():
                record_failure(record, message)
        except Exception:
            _logger.exception("Membership: %s: could not record the failure of %s", what or batch._name, record)
    return run
