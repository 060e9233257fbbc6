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

:func:`run_campaign` is the shape of a campaign's run on top of it: its
members in batches that several workers claim at once (``SELECT ... FOR NO
KEY UPDATE SKIP LOCKED``: a batch another worker holds is skipped, never
waited for nor done twice), the campaign closed once, by the worker that finds
nothing left to do. :func:`start_workers` wakes the helper scheduled actions
that share a campaign (or the day's dues follow-up, whose members are claimed
by a ``queue``, see models/membership_followup_run.py) with the main one;
:func:`.jobs.work_campaigns` runs the campaigns with them, or has OCA
queue_job run them when it is installed.
:func:`process_batch` is steps 2 to 4 alone, for one recordset in a larger
transaction (no progress, no commit).
"""

import logging
from dataclasses import dataclass, field

import psycopg2.errors
import psycopg2.extensions

from odoo.exceptions import UserError
from odoo.fields import Domain
from odoo.tools import SQL

from .orm_batch import refresh_statistics

_logger = logging.getLogger(__name__)


class LeaveForNextRun(Exception):
    """Raised by ``process`` for a record that another worker changed
    meanwhile: its savepoint is rolled back, nothing is recorded as failed,
    and the next run takes it again."""


# Another transaction did the same thing first (unique index, serialization),
# or two workers waited for each other (deadlock): the record is left to the
# next run, not recorded as failed.
CONCURRENCY_ERRORS = (
    psycopg2.errors.UniqueViolation,
    psycopg2.errors.SerializationFailure,
    psycopg2.errors.DeadlockDetected,
    LeaveForNextRun,
)


@dataclass
class BatchRun:
    """What one call of :func:`run_in_batches` did."""

    done: int = 0  # records processed
    failed_ids: list[int] = field(default_factory=list)  # failures recorded by record_failure
    left_ids: list[int] = field(default_factory=list)  # left to the next run (changed meanwhile)
    finished: bool = True  # False when the scheduler's time ran out
    remaining: int = 0  # what is still to do when the time ran out (0 when finished)
    stuck_ids: list[int] = field(default_factory=list)  # done in this call, yet still to do (a broken contract)

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
    queue=None,
    batch_size=200,
    order="id",
    batch_first=True,
    what="",
    claim=False,
):
    """Process what is to do in batches (see the module's docstring).

    What is to do is either a fixed recordset ``records`` (taken in slices of
    ``batch_size``), the records of ``model`` matching ``domain`` (searched
    again before each batch, in ``order``, without the records this call
    failed or left to the next run), or what a ``queue`` hands this worker:
    ``queue.take(batch_size)`` claims the next batch (an empty recordset when
    nothing is left to this worker) and ``queue.remaining()`` estimates what
    is left, for the progress.

    ``process(recordset)`` does the work; ``record_failure(record, message)``
    records a failure. ``batch_first=False`` goes record by record from the
    start (for steps that send one message per record anyway). ``what``
    names the run in the log. ``claim=True`` (with ``model``) locks each
    batch as it is taken and skips the records another worker holds, so
    that several workers share the same work (see :func:`run_campaign`).
    Returns a :class:`BatchRun`.
    """
    sources = [source for source in (records, model, queue) if source is not None]
    assert len(sources) == 1, "give records, model and domain, or queue"
    cron = (queue.env if queue is not None else sources[0].env)["ir.cron"]
    run = BatchRun()
    if records is not None:
        todo = _Slices(records, batch_size)
    elif queue is not None:
        todo = _Claims(queue, batch_size)
    else:
        todo = _Searches(model, Domain(domain or []), batch_size, order, run, what, claim=claim)
    cron._commit_progress(remaining=todo.remaining())
    for batch in todo:
        process_batch(batch, process, record_failure, run=run, batch_first=batch_first, what=what)
        remaining = todo.remaining()
        if not cron._commit_progress(len(batch), remaining=remaining):
            run.finished = False
            run.remaining = remaining
            return run
        # Committed: nothing of this batch is needed any more. The record
        # cache would otherwise keep every batch's values (rendered mails,
        # printed PDFs) to the end of the run: memory grows with the season.
        cron.env.invalidate_all()
    cron._commit_progress(remaining=0)
    return run


def run_campaign(campaign, model, domain, batch_size=200):
    """Run ``campaign`` (one record in state ``running``) on the records of
    ``model`` matching ``domain`` with :func:`run_in_batches`, sharing the
    work with any other worker running the same campaign at the same time.

    Each batch is claimed with ``FOR NO KEY UPDATE SKIP LOCKED`` on the
    records it takes, processed and committed on its own: two workers never
    take the same batch, and a crash loses only the batch in progress (its
    records are still to do). The unique indexes of what ``_process``
    creates keep it idempotent whatever the race. The campaign's methods are
    the hooks: ``_process(records)``, ``_record_failure(record, message)``
    and ``_done()``, which closes it: called once, by the worker that finds
    nothing left to do, under the campaign's row lock (taken only then).

    Returns False when this worker should be called again (the scheduler's
    time is up, or records it left to the next run are still to do), True
    when it has nothing more to do (the campaign closed, or the rest held by
    other workers, which close it)."""
    campaign.ensure_one()
    what = f"{campaign._name} {campaign.id}"
    run = run_in_batches(
        campaign._process,
        campaign._record_failure,
        model=model,
        domain=domain,
        batch_size=batch_size,
        what=what,
        claim=True,
    )
    if not run.finished:
        return False
    return _close_campaign(campaign, model, Domain(domain or []), run, what)


def _close_campaign(campaign, model, domain, run, what):
    """Close ``campaign`` if nothing is left to do, counting the records
    other workers hold (they close it when they are done) and those this
    call left to the next run (they are retried first)."""
    cron = campaign.env["ir.cron"]
    try:
        left = campaign_left(campaign, model, domain, run.failed_ids + run.stuck_ids)
    except psycopg2.extensions.TransactionRollbackError:
        # another worker closed it between this transaction's start and the lock
        campaign.env.cr.rollback()
        return True
    if left is None:
        return True  # another worker is closing it, or has closed it
    if left:
        _logger.info("Membership: %s: %s records still to do, held by other workers or left", what, left)
        if run.left_ids:
            cron._commit_progress(remaining=left)
            return False  # the scheduler calls again: the records left are retried
        cron._commit_progress(remaining=0)
        return True
    campaign._done()
    cron._commit_progress(remaining=0)
    return True


def campaign_left(campaign, model, domain, skip_ids=()):
    """The closing check of a running ``campaign``, under its row lock:
    how many records of ``model`` still match ``domain`` (without
    ``skip_ids``: done in this transaction yet still matching); None when
    another transaction holds the campaign (it is closing it) or it is no
    longer running. The lock is kept until the transaction ends; the caller
    calls ``_done`` when nothing is left. Raises ``TransactionRollbackError``
    when another transaction changed the campaign since this one began."""
    rows = execute_expecting_concurrency(
        campaign.env,
        SQL(
            "SELECT id FROM %(table)s WHERE id IN %(ids)s FOR UPDATE SKIP LOCKED",
            table=SQL.identifier(campaign._table),
            ids=tuple(campaign.ids),
        ),
    )
    locked = campaign.browse(id_ for (id_,) in rows)
    campaign.invalidate_recordset()
    if not locked or campaign.state != "running":
        return None
    domain = Domain(domain or [])
    return model.search_count(domain & Domain("id", "not in", list(skip_ids)) if skip_ids else domain)


def start_workers(cron, code, count):
    """Wake ``count - 1`` helper scheduled actions that run ``code`` (a
    server action's code, such as ``model._cron_work_campaigns()``) on the
    model of ``cron``, creating those still missing. Odoo runs one job of a
    scheduled action at a time; each helper is one more job, so ``count``
    cron workers (threads of ``--max-cron-threads``, on one Odoo host or
    several on the same database) can share a campaign at once. Returns the
    helpers triggered."""
    Cron = cron.env["ir.cron"].sudo()
    if count <= 1:
        return Cron
    helpers = Cron.with_context(active_test=False).search([("code", "=", code)], order="id")
    for number in range(len(helpers) + 2, count + 1):
        helpers |= Cron.create(
            {
                "name": cron.env._("%(name)s (worker %(number)s)", name=cron.sudo().name, number=number),
                "model_id": cron.sudo().model_id.id,
                "state": "code",
                "code": code,
                "user_id": cron.sudo().user_id.id,
                "interval_number": 1,
                "interval_type": "days",
                "priority": cron.sudo().priority,
            }
        )
    helpers = helpers.filtered("active")[: count - 1]
    for helper in helpers:
        helper._trigger()
    return helpers


class _Slices:
    """A fixed recordset, slice by slice."""

    def __init__(self, records, batch_size):
        self.records, self.batch_size, self.taken = records, batch_size, 0

    def __iter__(self):
        while self.taken < len(self.records):
            # prefetching within the batch only, not across the whole run
            batch = self.records[self.taken : self.taken + self.batch_size].with_prefetch()
            self.taken += len(batch)
            yield batch

    def remaining(self):
        return len(self.records) - self.taken


class _Claims:
    """The batches a queue claims for this worker, until it has none left."""

    def __init__(self, queue, batch_size):
        self.queue, self.batch_size = queue, batch_size

    def __iter__(self):
        while batch := self.queue.take(self.batch_size):
            yield batch

    def remaining(self):
        return self.queue.remaining()


class _Searches:
    """The records of ``model`` still matching ``domain``, searched again
    batch by batch, without those this call failed, left, or already did.

    In id order, each search starts after the last record taken (keyset
    pagination: an index range of one batch, not a walk over what is done),
    and once nothing is left past it, the whole domain is searched again
    until empty (records another worker released, or a ``process`` that
    left its records to do). What remains is counted once, then estimated
    from what this call took: a count per batch would read the whole
    domain each time, a cost per member that grows with the run. The
    table's planner statistics are refreshed first when stale (a bulk
    import, a seeding): with them missing, the planner reads the whole
    table for each batch."""

    def __init__(self, model, domain, batch_size, order, run, what, claim=False):
        self.model, self.domain, self.order, self.run = model, domain, order, run
        self.batch_size, self.what, self.claim = batch_size, what, claim
        self.done_ids = set()
        self.keyset = order == "id"
        self.after = 0  # the last id taken while keyset
        self.total = None  # what remained when this call began

    def todo(self):
        skip = self.run.failed_ids + self.run.left_ids + self.run.stuck_ids
        return self.domain & Domain("id", "not in", skip) if skip else self.domain

    def remaining(self):
        if self.total is None:
            refresh_statistics(self.model)
            self.total = self.model.search_count(self.todo())
            return self.total
        return max(self.total - len(self.done_ids), 0)

    def take(self):
        """The next batch; with ``claim``, locked, without the records
        another transaction holds."""
        if self.keyset:
            batch = self._take(self.todo() & Domain("id", ">", self.after))
            if batch:
                self.after = max(batch.ids)
                return batch
            self.keyset = False  # past the last one: the whole domain, until empty
        return self._take(self.todo())

    def _take(self, domain):
        if not self.claim:
            return self.model.search(domain, limit=self.batch_size, order=self.order)
        cr = self.model.env.cr
        for _attempt in range(9):
            try:
                return claim(self.model, domain, self.batch_size, self.order)
            except psycopg2.extensions.TransactionRollbackError as error:
                # the claim follows a commit: nothing is lost by rolling back
                _logger.info("Membership: %s: claim retried (%s)", self.what or self.model._name, error)
                cr.rollback()
        return claim(self.model, domain, self.batch_size, self.order)  # the tenth attempt raises

    def __iter__(self):
        while batch := self.take():
            again = [id_ for id_ in batch.ids if id_ in self.done_ids]
            if again:
                _logger.warning(
                    "Membership: %s: %s done in this run and still to do; left to the next run",
                    self.what or self.model._name,
                    self.model.browse(again),
                )
                self.run.stuck_ids += again
                batch -= self.model.browse(again)
                if not batch:
                    continue
            self.done_ids.update(batch.ids)
            yield batch


def claim(model, domain, limit, order="id"):
    """Lock and return up to ``limit`` records of ``model`` matching
    ``domain``, without those another transaction holds (``FOR NO KEY UPDATE
    SKIP LOCKED``). The claimed rows are also touched (a no-op update): a
    transaction whose snapshot predates the commit of the one that did them
    gets a serialization error (``TransactionRollbackError``) instead of
    taking them again (Odoo's transactions are REPEATABLE READ); the caller
    retries with a fresh snapshot (a scheduled action after a rollback, a
    queue job by being retried)."""
    query = model._search(domain, limit=limit, order=order)
    table = SQL.identifier(model._table)
    # The locking search runs once, in a materialized CTE. Written as
    # ``WHERE id IN (search)``, the planner may run the search again for each
    # row of the table (a nested loop semi join, chosen when the statistics
    # say the table is small): each run skips the rows this statement
    # already updated and locks the next ones, and the claim takes every row
    # matching, not ``limit``.
    sql = SQL(
        "WITH claimed AS MATERIALIZED (%(select)s FOR NO KEY UPDATE OF %(table)s SKIP LOCKED) "
        "UPDATE %(table)s SET id = %(id)s FROM claimed WHERE %(id)s = claimed.id RETURNING %(id)s",
        table=table,
        id=SQL.identifier(model._table, "id"),
        select=query.select(SQL.identifier(model._table, "id")),
    )
    ids = [id_ for (id_,) in execute_expecting_concurrency(model.env, sql)]
    if order == "id":
        return model.browse(sorted(ids))
    return model.search([("id", "in", ids)], order=order)


def execute_expecting_concurrency(env, query):
    """``env.execute_query(query)`` for a lock that another worker may have
    made stale (a claim, a campaign's closing check): a serialization error
    (``TransactionRollbackError``) is raised to the caller, which retries or
    leaves the work to another worker, without the cursor logging it as a bad
    query; any other error is logged as the cursor would."""
    env.flush_query(query)
    try:
        env.cr.execute(query, log_exceptions=False)
    except psycopg2.extensions.TransactionRollbackError:
        raise
    except Exception as error:
        _logger.error("bad query: %s\nERROR: %s", query.code, error)
        raise
    return [] if env.cr.description is None else env.cr.fetchall()


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
