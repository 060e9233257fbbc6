"""OCA queue_job, when it is installed, instead of the helper scheduled actions.

Without queue_job (it is not a dependency), a long run shares its batches
between Odoo's own cron workers: the main scheduled action and the helpers it
wakes (:func:`~.batch.start_workers`), each claiming its batches with ``FOR
NO KEY UPDATE SKIP LOCKED``. When queue_job is installed in the database and
the system parameter ``membership_dues.job_runner`` is not ``cron``, the
scheduled action only enqueues one job per batch of what is still to do, on
the channel ``root.membership_dues``, and queue_job's runner works them, on as
many threads and hosts as its channels allow.

The API, for any run made of batches of records (a campaign, the follow-up):

- :func:`job_runner` says which is used: ``"queue_job"`` or ``"cron"``;
- :func:`enqueue_batches` enqueues one job per batch of the ids given,
  except those an unfinished or failed job of the same owner (and scope)
  already holds, each with an identity key (owner's model, owner's id, job
  method, scope, the batch's ids): a batch is never enqueued twice, however
  often the scheduled action runs;
- :func:`perform_batch` is the body of such a job: the batch's records still
  to do, claimed, then processed as :func:`~.batch.process_batch` does; it
  never commits (queue_job forbids it: the job's transaction is committed by
  the runner, with the job's state);
- :func:`held_ids` are the ids the owner's unfinished jobs hold.

- :func:`retry_later` has queue_job perform the current job again later.

A ``scope`` (such as a run's day) narrows the identity keys: the same ids in
another scope are another job, and only the jobs of the same scope hold
them; ``args`` are passed to the job method after the batch's ids.

:func:`enqueue_campaign`, :func:`campaign_batch_job` and
:func:`campaign_close_job` are the campaigns' use of it (hooks ``_process``,
``_record_failure``, ``_done``, ``_batch_todo``, and the job methods
``_job_work_batch`` and ``_job_close``). The daily dues follow-up
(models/membership_followup_run.py) uses it too: its scheduled action
enqueues the day's members (``_enqueue_followup``: one job per batch, the
day as scope and argument, members sent to that day left out), and its job
method ``_job_followup_batch(member_ids, today)`` claims them as the
scheduled action's run does (advisory lock per member, their invoices
``SKIP LOCKED``), then sends through :func:`~.batch.process_batch`.

Nothing here imports queue_job: it is reached through the registry
(``with_delay``, ``queue.job``), only when it is installed.
"""

import hashlib
import logging

import psycopg2.errors
import psycopg2.extensions

from odoo.fields import Domain

from .batch import BatchRun, campaign_left, claim, process_batch, start_workers

_logger = logging.getLogger(__name__)

CHANNEL = "root.membership_dues"
PARAM = "membership_dues.job_runner"  # "cron": the helper scheduled actions even with queue_job
KEY_PREFIX = "membership_dues"
# queue.job states of a job that holds its records: still to run, or running,
# or failed (requeued or cancelled from queue_job's menu, not enqueued again)
HELD_STATES = ("wait_dependencies", "pending", "enqueued", "started", "failed")
UNFINISHED_STATES = ("wait_dependencies", "pending", "enqueued", "started")
BATCH_PRIORITY = 10  # queue_job's default
CLOSE_PRIORITY = 20  # after the batches of the channel
# The closing job waits this long for the batches still running. It runs after
# every batch job of the channel has started (its priority), so it only waits
# for the last ones: a short wait costs a few cheap checks, and the queue shows
# nothing pending soon after the last batch closed the campaign.
CLOSE_RETRY_SECONDS = 10


def queue_job_installed(env):
    """Whether OCA queue_job is installed in this database (its models are
    in the registry and the module is installed): never an import."""
    if "queue.job" not in env.registry:
        return False
    return bool(
        env["ir.module.module"]
        .sudo()
        .search_count([("name", "=", "queue_job"), ("state", "in", ("installed", "to upgrade"))], limit=1)
    )


def job_runner(env):
    """``"queue_job"`` when queue_job is installed and the system parameter
    ``membership_dues.job_runner`` is not ``cron``; ``"cron"`` otherwise."""
    if env["ir.config_parameter"].sudo().get_param(PARAM, "") == "cron":
        return "cron"
    return "queue_job" if queue_job_installed(env) else "cron"


def _escape_like(text):
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def key_prefix(owner, method, scope=""):
    """The start of the identity keys of ``owner``'s jobs of ``method``;
    with ``scope`` (such as a run's day), of those of that scope alone."""
    prefix = f"{KEY_PREFIX}:{owner._name}:{owner.id if len(owner) == 1 else 0}:{method}:"
    return f"{prefix}{scope}:" if scope else prefix


def batch_key(owner, method, ids, scope=""):
    """The identity key of the job of ``method`` on ``owner`` for ``ids``
    (in ``scope``)."""
    digest = hashlib.sha1(",".join(map(str, sorted(ids))).encode()).hexdigest()
    return key_prefix(owner, method, scope) + digest


def owner_jobs(owner, method, states=UNFINISHED_STATES, scope=""):
    """``owner``'s queue jobs of ``method`` in ``states`` (sudo); with
    ``scope``, those of that scope alone."""
    prefix = _escape_like(key_prefix(owner, method, scope))
    return owner.env["queue.job"].sudo().search([("identity_key", "=like", prefix + "%"), ("state", "in", states)])


def held_ids(owner, method, states=HELD_STATES, scope=""):
    """The record ids that ``owner``'s jobs of ``method`` in ``states`` hold
    (each job's first argument); with ``scope``, those of that scope's jobs."""
    ids = set()
    for job in owner_jobs(owner, method, states, scope):
        if job.args:
            ids.update(job.args[0])
    return ids


def ensure_channel(env):
    """The channel ``root.membership_dues`` (created when missing, so that
    it shows in queue_job's menus and can be given its own capacity in the
    server's ``channels`` option)."""
    Channel = env["queue.job.channel"].sudo()
    channel = Channel.search([("complete_name", "=", CHANNEL)], limit=1)
    if channel:
        return channel
    root = env.ref("queue_job.channel_root")
    try:
        with env.cr.savepoint():
            return Channel.create({"name": CHANNEL.rsplit(".", 1)[1], "parent_id": root.id})
    except psycopg2.errors.UniqueViolation:  # created meanwhile by another transaction
        return Channel.search([("complete_name", "=", CHANNEL)], limit=1)


def ensure_job_function(owner, method):
    """The job function of ``method`` on ``owner``'s model, on our channel
    (created when missing; an existing one, maybe set otherwise by the
    administrator, is kept). The jobs take their channel from it."""
    Function = owner.env["queue.job.function"].sudo()
    name = Function.job_function_name(owner._name, method)
    if Function.search_count([("name", "=", name)], limit=1):
        return
    channel = ensure_channel(owner.env)
    try:
        with owner.env.cr.savepoint():
            Function.create(
                {
                    "model_id": owner.env["ir.model"]._get_id(owner._name),
                    "method": method,
                    "channel_id": channel.id,
                }
            )
    except psycopg2.errors.UniqueViolation:
        _logger.info("Membership: job function %s created meanwhile by another transaction", name)


def enqueue_batches(
    owner,
    method,
    ids,
    *,
    batch_size=200,
    description=None,
    priority=BATCH_PRIORITY,
    args=(),
    scope="",
    held_states=HELD_STATES,
):
    """Enqueue ``getattr(owner, method)(batch_ids, *args)`` for each batch
    of ``batch_size`` of ``ids`` (in id order) that no job of ``owner`` for
    ``method`` (of ``scope``) in ``held_states`` (by default unfinished or
    failed) already holds, each with its identity key (:func:`batch_key`):
    queue_job does not create a job whose key a job still waiting to run
    has. ``description(count)`` names a job. Returns the number of batches
    enqueued."""
    ensure_job_function(owner, method)
    free = sorted(set(ids) - held_ids(owner, method, held_states, scope))
    count = 0
    for start in range(0, len(free), batch_size):
        batch = free[start : start + batch_size]
        delayable = owner.with_delay(
            priority=priority,
            identity_key=batch_key(owner, method, batch, scope),
            description=description(len(batch)) if description else None,
        )
        getattr(delayable, method)(batch, *args)
        count += 1
    return count


def retry_later(env, message, seconds=CLOSE_RETRY_SECONDS, ignore_retry=True):
    """Have queue_job perform the current job again in ``seconds`` (its
    transaction rolled back) when queue_job performs it, counted among the
    job's tries unless ``ignore_retry``; otherwise (called directly) return
    False, doing nothing."""
    if env.context.get("job_uuid"):  # performed by queue_job
        from odoo.addons.queue_job.exception import RetryableJobError

        raise RetryableJobError(message, seconds=seconds, ignore_retry=ignore_retry)
    return False


def perform_batch(model, domain, ids, process, record_failure, what=""):
    """The body of a batch job: the records of ``ids`` that still match
    ``domain``, claimed (those another transaction holds are skipped, and
    left to it), processed with ``process`` (batch first, then record by
    record, failures recorded with ``record_failure``). No commit. Returns
    the :class:`~.batch.BatchRun`."""
    run = BatchRun()
    records = claim(model, Domain(domain or []) & Domain("id", "in", list(ids)), len(ids) or 1)
    if records:
        process_batch(records, process, record_failure, run=run, what=what)
    _logger.info(
        "Membership: %s: job of %s records, %s still to do: %s done, %s failed",
        what,
        len(ids),
        len(records),
        run.done,
        run.failed,
    )
    return run


# ----------------------------------------------------------------------
# Campaigns (renewal and declaration)
# ----------------------------------------------------------------------
BATCH_METHOD = "_job_work_batch"
CLOSE_METHOD = "_job_close"


def _batch_description(campaign):
    return lambda count: campaign.env._(
        "%(campaign)s: a batch of %(count)s members", campaign=campaign.display_name, count=count
    )


def work_campaigns(campaigns, batch_size, wake=None):
    """What the campaigns' scheduled actions do with the running
    ``campaigns``. With queue_job (:func:`job_runner`): enqueue their
    batches (:func:`enqueue_campaign`) and return True. Otherwise run them
    one after the other, each through its ``_run``
    (:func:`~.batch.run_campaign`, beside the other workers); with
    ``wake=(cron, code)``, first wake the helper scheduled actions the
    campaigns' companies ask for (``dues_campaign_workers``, see
    :func:`~.batch.start_workers`). False when out of time: the scheduler
    calls again."""
    if not campaigns:
        return True
    if job_runner(campaigns.env) == "queue_job":
        for campaign in campaigns:
            enqueue_campaign(campaign, batch_size)
        return True
    if wake:
        start_workers(*wake, max(campaigns.company_id.mapped("dues_campaign_workers")))
    return all(campaign._run(batch_size=batch_size) for campaign in campaigns)


def enqueue_campaign(campaign, batch_size=200):
    """What the scheduled action does for a running ``campaign`` when
    queue_job runs it: one job per batch of the members still to do that no
    job holds yet; when none is left and no job holds any, close it at once.
    Returns the number of batches enqueued."""
    model, domain = campaign._batch_todo()
    todo = model.search(domain, order="id").ids
    count = enqueue_batches(
        campaign, BATCH_METHOD, todo, batch_size=batch_size, description=_batch_description(campaign)
    )
    if not todo and not owner_jobs(campaign, BATCH_METHOD) and not owner_jobs(campaign, CLOSE_METHOD):
        _close(campaign, model, domain)
    _logger.info("Membership: %s %s: %s batch jobs enqueued", campaign._name, campaign.id, count)
    return count


def campaign_batch_job(campaign, ids):
    """The job of one batch of a running ``campaign``: its members still to
    do, through the campaign's ``_process`` and ``_record_failure``; then
    close the campaign if nothing is left, or else leave that to a closing
    job (:func:`campaign_close_job`; the others may still be running)."""
    what = f"{campaign._name} {campaign.id}"
    if campaign.state != "running":
        return campaign.env._("Campaign not running: nothing done.")
    model, domain = campaign._batch_todo()
    run = perform_batch(model, domain, ids, campaign._process, campaign._record_failure, what)
    if not _close(campaign, model, domain, run.failed_ids + run.stuck_ids):
        _enqueue_close(campaign, batch_size=len(ids))
    return campaign.env._("%(done)s members done, %(failed)s failed.", done=run.done, failed=run.failed)


def campaign_close_job(campaign, batch_size=200):
    """The closing job of a running ``campaign``: while batch jobs of it are
    still to run, try again later; then enqueue the members still to do
    that no job holds (left by a batch, changed meanwhile), or close the
    campaign when none is left. The members of a failed job are left to
    the administrator (requeue it from queue_job's menu)."""
    if campaign.state != "running":
        return campaign.env._("Campaign not running: nothing done.")
    if owner_jobs(campaign, BATCH_METHOD):
        retry_later(campaign.env, "batches still running")
        return campaign.env._("Batches still running.")
    model, domain = campaign._batch_todo()
    if enqueue_batches(
        campaign,
        BATCH_METHOD,
        model.search(domain, order="id").ids,
        batch_size=batch_size,
        description=_batch_description(campaign),
    ):
        return campaign.env._("Members left by the batches enqueued again.")
    if _close(campaign, model, domain):
        return campaign.env._("Campaign closed.")
    # members held by failed jobs, or the campaign held by another transaction: the
    # scheduled action closes it once nothing is left and no job holds any
    return campaign.env._("Not closed yet: members still to do in failed jobs (requeue them from Job Queue).")


def _close(campaign, model, domain, skip_ids=()):
    """Close ``campaign`` when nothing is left (:func:`~.batch.campaign_left`,
    in a savepoint, without commit): True when it is closed (now or by
    another worker before), False when it may still have to be."""
    try:
        with campaign.env.cr.savepoint():
            left = campaign_left(campaign, model, domain, skip_ids)
            if left == 0:
                campaign._done()
                return True
    except psycopg2.extensions.TransactionRollbackError:
        return False  # changed by another transaction since this one began: the closing job looks again
    if left is None:
        campaign.invalidate_recordset(["state"])
        return campaign.state != "running"
    return False


def _enqueue_close(campaign, batch_size=200):
    """The closing job of ``campaign``, unless one is already waiting to run
    (identity key); it enqueues what is left in batches of ``batch_size``."""
    ensure_job_function(campaign, CLOSE_METHOD)
    campaign.with_delay(
        priority=CLOSE_PRIORITY,
        identity_key=key_prefix(campaign, CLOSE_METHOD) + "close",
        description=campaign.env._("%(campaign)s: close when done", campaign=campaign.display_name),
    )._job_close(batch_size=batch_size)
