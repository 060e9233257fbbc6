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
idempotent and resumable, and safe with several workers.
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
):
    """Process what is to do in batches (see the module's docstring).

    What is to do is either a fixed recordset ``records`` (taken in slices of
    ``batch_size``) or the records of ``model`` matching ``domain`` (searched
    again before each batch, in ``order``, without the records this call has
    already seen).

    ``process(recordset)`` does the work; ``record_failure(record, message)``
    records a failure. ``batch_first=False`` goes record by record from the
    start (for steps that send one message per record anyway). ``what``
    names the run in the log. Returns a :class:`BatchRun`.
    """
    assert (records is None) != (model is None), "give records, or model and domain"
    cron = (records if records is not None else model).env["ir.cron"]
    run = BatchRun()
    seen = set()
    if records is not None:
        cron._commit_progress(remaining=len(records))
        batches = (records[start : start + batch_size] for start in range(0, len(records), batch_size))
    else:
        domain = Domain(domain or [])
        cron._commit_progress(remaining=model.search_count(domain))
        batches = _searched_batches(model, domain, batch_size, order, seen)
    for batch in batches:
        seen.update(batch.ids)
        _process_batch(batch, process, record_failure, run, batch_first, what)
        remaining = (
            len(records) - len(seen)
            if records is not None
            else model.search_count(domain & Domain("id", "not in", list(seen)))
        )
        if not cron._commit_progress(len(batch), remaining=remaining):
            run.finished = False
            return run
    cron._commit_progress(remaining=0)
    return run


def _searched_batches(model, domain, batch_size, order, seen):
    while True:
        todo = domain & Domain("id", "not in", list(seen)) if seen else domain
        batch = model.search(todo, limit=batch_size, order=order)
        if not batch:
            return
        yield batch


def _process_batch(batch, process, record_failure, run, batch_first, what):
    cr = batch.env.cr
    if batch_first and len(batch) > 1:
        try:
            with cr.savepoint():
                process(batch)
            run.done += len(batch)
            return
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
