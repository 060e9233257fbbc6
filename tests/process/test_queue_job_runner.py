"""OCA queue_job's real job runner works the renewal campaign, the
follow-up and the declaration campaign (tools/jobs.py): a real Odoo server in prefork mode (``--workers=2``,
``--load=base,web,queue_job``, channels from ``ODOO_QUEUE_JOB_CHANNELS``)
runs the jobs the scheduled actions enqueued, through its HTTP workers; it
is killed with ``kill -9`` (the whole process group) while jobs run, then
restarted, and queue_job requeues the jobs the dead workers left started;
the same again while the jobs of the day's follow-up (with a late fee) run,
and while a declaration campaign's jobs run. SQL counts check that every
member ends with one renewal, one subscription and its posted invoice, one
follow-up communication sent and one late fee, one declaration and one
request email, that nothing is done twice and that every job ends done,
none failed.

Needs OCA queue_job 19.0 on the addons path: dev/test.sh downloads it
(``ensure_oca_addon``) and passes its folder as ``MD_QUEUE_JOB_ADDONS`` and
openupgradelib on ``PYTHONPATH``; when it cannot, ``MD_QUEUE_JOB_ERROR``
says why and this check fails (it never passes without running). Its own
database: membership_dues and queue_job installed together."""

import math
import os
import signal
import socket
import subprocess
import time

import pytest
from conftest import fresh_database
from helpers import (
    CAMPAIGN_SEED,
    DECLARATION_SEED,
    all_asked_once,
    assert_declarations_closed_once,
    assert_declarations_whole,
    campaign_counts,
    declaration_counts,
    declarations_asked,
    wait_for,
)

MEMBERS = 48
BATCH = 8  # members per renewal job: 6 jobs
FOLLOWUP_BATCH = 6  # members per follow-up job: 8 jobs, then 8 delivering them
CHANNELS = "root:2,root.membership_dues:2"
FOLLOWUP_DAY = "2027-03-01"
# queue_job requeues a job left started or enqueued once it was enqueued
# this long ago (jobrunner/runner.py, _query_requeue_dead_jobs: 10 s)
DEAD_AFTER = 11

SEED = (
    CAMPAIGN_SEED % {"members": MEMBERS, "keys": ("jobs",)}
    + """
fee = env["product.product"].create({"name": "jobs late fee", "type": "service", "taxes_id": [(5, 0, 0)]})
policy = env["membership.followup.policy"].create({
    "name": "jobs policy",
    "level_ids": [(0, 0, {
        "name": "jobs reminder", "delay_days": 0,
        "late_fee_type": "fixed", "late_fee_amount": 5.0, "late_fee_product_id": fee.id,
    })],
})
env["membership.plan"].search([("name", "=", "Plan jobs")]).followup_policy_id = policy
env.cr.commit()
print("POLICY")
"""
)

# The campaigns' scheduled action, twice: with queue_job installed it
# enqueues one job per batch, and the second run none (identity keys).
ENQUEUE_CAMPAIGN = """
Campaign = env["membership.renewal.campaign"]
Campaign._cron_run_campaigns(batch_size=%(batch)d)
env.cr.commit()
Campaign._cron_run_campaigns(batch_size=%(batch)d)
env.cr.commit()
print("ENQUEUED")
"""

# The declaration campaigns' scheduled action, twice: one job per batch,
# none the second time.
ENQUEUE_DECLARATIONS = """
Campaign = env["membership.declaration.campaign"]
for _run in range(2):
    Campaign._cron_run_declaration_campaigns(batch_size=%(batch)d)
    env.cr.commit()
print("ENQUEUED")
"""
DECLARATION_KEY = "decl-jobs"
DECLARATION_BATCH = 4  # members per declaration job: 12 jobs

# The follow-up's scheduled action of the day, twice (identity keys: the day,
# the batch).
ENQUEUE_FOLLOWUP = """
from datetime import date
Communication = env["membership.followup.communication"]
for _run in range(2):
    Communication._cron_run_followup(batch_size=%(batch)d, today=date.fromisoformat(%(day)r))
    env.cr.commit()
print("ENQUEUED")
"""


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class JobServer:
    """A real Odoo server in prefork mode with queue_job's job runner, on
    the database of ``odoo``, its log appended to ``log_path``."""

    def __init__(self, odoo, log_path):
        self.odoo = odoo
        self.log_path = log_path
        self.process = None

    def start(self):
        common = [arg for arg in self.odoo.common if arg not in ("--no-http", "--log-level=warn")]
        log = open(self.log_path, "a")  # noqa: SIM115 - closed when the server stops
        self.process = subprocess.Popen(
            [
                *self.odoo.bin,
                "-d",
                self.odoo.db,
                *common,
                f"--db-filter=^{self.odoo.db}$",
                "--workers=2",
                "--load=base,web,queue_job",
                "--http-interface=127.0.0.1",
                f"--http-port={free_port()}",
                f"--gevent-port={free_port()}",
                "--log-level=info",
            ],
            env={**os.environ, "ODOO_QUEUE_JOB_CHANNELS": CHANNELS},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, killed as a whole
        )
        self.process.log = log

    def kill(self):
        """``kill -9`` of the whole server: its main process, its HTTP
        workers (the jobs they run) and the job runner's worker."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        self.process.log.close()

    def stop(self):
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pass
        try:
            os.killpg(self.process.pid, signal.SIGKILL)  # workers left behind, if any
        except ProcessLookupError:
            pass
        self.process.wait(timeout=30)
        self.process.log.close()

    def tail(self, lines=60):
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def job_states(odoo, method=None, model=None):
    """{state: count} of the queue jobs (of ``method``, of ``model``)."""
    conditions = [f"method_name = '{method}'"] if method else []
    conditions += [f"model_name = '{model}'"] if model else []
    where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
    return {state: int(count) for state, count in odoo.sql(f"SELECT state, count(*) FROM queue_job {where} GROUP BY 1")}


def wait_for_jobs(odoo, server, timeout=180):
    """Wait until every job is done (or one failed): fail with the jobs'
    states, the failures and the server log's tail otherwise."""

    def settled():
        states = job_states(odoo)
        return states.get("failed") or set(states) == {"done"}

    if not wait_for(settled, timeout=timeout) or job_states(odoo).get("failed"):
        failures = odoo.sql("SELECT method_name, exc_name, left(exc_info, 1500) FROM queue_job WHERE state = 'failed'")
        pytest.fail(
            f"the jobs did not all end done within {timeout} s: {job_states(odoo)}; failed: {failures}\n"
            f"server log:\n{server.tail()}"
        )


def kill_while_running(odoo, server, method, model=None, timeout=180):
    """Kill the server with ``kill -9`` once a job of ``method`` (of
    ``model``) is done and another one runs; fail with the jobs' states if
    none ran."""

    def running():
        states = job_states(odoo, method, model)
        return states.get("done", 0) >= 1 and states.get("started", 0) >= 1

    started = wait_for(running, timeout=timeout)
    server.kill()
    assert started, f"no {method} job ran: {job_states(odoo)}\n{server.tail()}"


def wait_until_dead_jobs_requeued_at_start(odoo, timeout=30):
    """Wait until every job left started or enqueued by the killed server
    was enqueued more than ``DEAD_AFTER`` s ago: a runner (re)started then
    requeues them at once, as after a real restart (which takes about as
    long)."""
    wait_for(
        lambda: (
            odoo.value(
                "SELECT count(*) FROM queue_job WHERE state IN ('started', 'enqueued') "
                f"AND date_enqueued > now() AT TIME ZONE 'utc' - interval '{DEAD_AFTER} seconds'"
            )
            == 0
        ),
        timeout=timeout,
    )


def invoiced_twice(odoo):
    """The 2027 subscriptions of the plan with more than one invoice."""
    return odoo.value(
        "SELECT count(*) FROM (SELECT s.id FROM membership_subscription s JOIN account_move_line l "
        "ON l.dues_subscription_id = s.id JOIN account_move m ON m.id = l.move_id "
        "JOIN membership_plan p ON p.id = s.plan_id WHERE p.name->>'en_US' = 'Plan jobs' "
        "AND s.date_start = '2027-01-01' GROUP BY s.id HAVING count(DISTINCT m.id) > 1) d"
    )


def followup_counts(odoo):
    """(members sent a communication that day, members with more than one,
    invoices of the 2027 subscriptions with their level, invoices whose level
    is recorded more than once, those invoices still without it, late fee
    invoices posted, communications of the day not sent)."""
    members = "(SELECT id FROM res_partner WHERE name LIKE 'jobs member %')"
    level = "(SELECT id FROM membership_followup_level WHERE name->>'en_US' = 'jobs reminder')"
    invoices = (
        "(SELECT s.invoice_id FROM membership_subscription s JOIN membership_plan p ON p.id = s.plan_id "
        "WHERE p.name->>'en_US' = 'Plan jobs' AND s.date_start = '2027-01-01')"
    )
    return (
        odoo.value(
            f"SELECT count(DISTINCT partner_id) FROM membership_followup_communication WHERE partner_id IN {members} "
            f"AND date = '{FOLLOWUP_DAY}' AND state = 'sent'"
        ),
        odoo.value(
            "SELECT count(*) FROM (SELECT partner_id FROM membership_followup_communication "
            f"WHERE partner_id IN {members} AND date = '{FOLLOWUP_DAY}' GROUP BY 1 HAVING count(*) > 1) d"
        ),
        odoo.value(f"SELECT count(DISTINCT move_id) FROM membership_followup_line WHERE level_id = {level}"),
        odoo.value(
            "SELECT count(*) FROM (SELECT move_line_id, level_id FROM membership_followup_line "
            f"WHERE level_id = {level} GROUP BY 1, 2 HAVING count(*) > 1) d"
        ),
        odoo.value(
            f"SELECT count(*) FROM account_move WHERE id IN {invoices} AND id NOT IN "
            f"(SELECT move_id FROM membership_followup_line WHERE level_id = {level})"
        ),
        odoo.value(
            "SELECT count(DISTINCT l.move_id) FROM account_move_line l JOIN product_product p "
            "ON p.id = l.product_id JOIN product_template t ON t.id = p.product_tmpl_id "
            "JOIN account_move m ON m.id = l.move_id WHERE t.name->>'en_US' = 'jobs late fee' AND m.state = 'posted'"
        ),
        odoo.value(
            f"SELECT count(*) FROM membership_followup_communication WHERE partner_id IN {members} "
            f"AND date = '{FOLLOWUP_DAY}' AND state != 'sent'"
        ),
    )


@pytest.fixture(scope="module")
def queue_odoo():
    queue_job = os.environ.get("MD_QUEUE_JOB_ADDONS")
    if not queue_job:
        pytest.fail(
            os.environ.get("MD_QUEUE_JOB_ERROR")
            or "MD_QUEUE_JOB_ADDONS (the folder holding OCA queue_job 19.0) is not set: run through dev/test.sh"
        )
    addons_path = f"{os.environ['MD_ADDONS_PATH']},{queue_job}"
    with fresh_database("membership_dues,queue_job", addons_path) as odoo:
        installed = odoo.value(
            "SELECT count(*) FROM ir_module_module WHERE name IN ('membership_dues', 'queue_job') "
            "AND state = 'installed'"
        )
        assert installed == 2, "membership_dues and queue_job installed together"
        output = odoo.shell(SEED)
        assert "SEEDED" in output and "POLICY" in output, output[-3000:]
        yield odoo


def test_the_job_runner_renews_and_follows_up_every_member_once_through_a_crash(queue_odoo, tmp_path):
    """The renewal campaign's batches enqueued as jobs (once, however often
    the scheduled action runs); the server running them killed with
    ``kill -9`` in the middle and restarted: queue_job requeues the jobs
    left started, and every member ends with exactly one renewal, one
    subscription and its posted invoice, the campaign closed once. Then the
    day's follow-up, enqueued the same way while the server runs, killed
    and restarted the same way: each member gets one communication, sent,
    each invoice its level and its late fee once. Every job ends done, none
    failed."""
    odoo = queue_odoo
    batches = math.ceil(MEMBERS / BATCH)
    assert "ENQUEUED" in odoo.shell(ENQUEUE_CAMPAIGN % {"batch": BATCH})
    assert job_states(odoo, "_job_work_batch") == {"pending": batches}, "one job per batch, enqueued once"
    assert odoo.value("SELECT count(*) FROM queue_job WHERE identity_key IS NULL") == 0

    server = JobServer(odoo, tmp_path / "odoo.log")
    server.start()
    try:
        kill_while_running(odoo, server, "_job_work_batch")
        dead = [uuid for (uuid,) in odoo.sql("SELECT uuid FROM queue_job WHERE state = 'started'")]
        assert dead, f"killed while a job ran: {job_states(odoo)}"
        candidates, renewals, duplicates, subscriptions, without_invoice, orphans = campaign_counts(odoo, "jobs")
        assert candidates == MEMBERS
        assert BATCH <= renewals < MEMBERS, "killed in the middle"
        assert (duplicates, without_invoice, orphans) == (0, 0, 0), "nothing half-created"
        assert subscriptions == renewals, "each committed renewal has its subscription"

        # Meanwhile the scheduled action runs again: the jobs still to run
        # or left started hold their members, nothing is enqueued again.
        assert "ENQUEUED" in odoo.shell(ENQUEUE_CAMPAIGN % {"batch": BATCH})
        assert sum(job_states(odoo, "_job_work_batch").values()) == batches, "no batch enqueued twice"

        # The restarted runner requeues the jobs left started (their lock row
        # is free) that were enqueued more than 10 s ago, at once at its start.
        wait_until_dead_jobs_requeued_at_start(odoo)
        restarted_at = time.monotonic()
        server.start()
        wait_for_jobs(odoo, server)
        assert "Re-queued dead job" in server.tail(100000), server.tail()
        requeued = odoo.sql(
            "SELECT uuid, state, retry FROM queue_job WHERE uuid IN ({})".format(", ".join(f"'{u}'" for u in dead))
        )
        assert all(state == "done" and int(retry) >= 1 for _uuid, state, retry in requeued), requeued
        assert campaign_counts(odoo, "jobs") == (MEMBERS, MEMBERS, 0, MEMBERS, 0, 0), "nothing missing, nothing twice"
        assert invoiced_twice(odoo) == 0, "no subscription invoiced twice"
        assert job_states(odoo, "_job_work_batch") == {"done": batches}
        campaign = "(SELECT id FROM membership_renewal_campaign WHERE name = 'Campaign jobs')"
        assert odoo.value(f"SELECT count(*) FROM membership_renewal_campaign WHERE id = {campaign} AND state = 'done'")
        closing = odoo.value(
            "SELECT count(*) FROM mail_message WHERE model = 'membership.renewal.campaign' "
            f"AND body LIKE '%Campaign done%' AND res_id = {campaign}"
        )
        assert closing == 1, "closed once"
        print(f"campaign finished {time.monotonic() - restarted_at:.1f} s after the restart")

        # The day's follow-up of the renewals' invoices, with a late fee,
        # enqueued while the server runs: its runner takes the new jobs at
        # once; each posts its members' late fees and enqueues the job that
        # delivers their communications. Killed again in the middle.
        assert "ENQUEUED" in odoo.shell(ENQUEUE_FOLLOWUP % {"batch": FOLLOWUP_BATCH, "day": FOLLOWUP_DAY})
        followup_jobs = math.ceil(MEMBERS / FOLLOWUP_BATCH)
        assert sum(job_states(odoo, "_job_followup_batch").values()) == followup_jobs, "enqueued once"
        kill_while_running(odoo, server, "_job_followup_batch")
        sent, twice, recorded, recorded_twice, _without, fees, _unsent = followup_counts(odoo)
        assert FOLLOWUP_BATCH <= recorded < MEMBERS, "killed in the middle"
        assert (twice, recorded_twice) == (0, 0)
        assert fees == recorded, "a late fee for each level recorded, none for the others"
        assert sent <= recorded
        wait_until_dead_jobs_requeued_at_start(odoo)
        server.start()
        wait_for_jobs(odoo, server)
        assert followup_counts(odoo) == (MEMBERS, 0, MEMBERS, 0, 0, MEMBERS, 0), (
            "one communication each, sent; each level and late fee once"
        )
        assert job_states(odoo, "_job_followup_batch") == {"done": followup_jobs}, "no batch enqueued twice"
        assert set(job_states(odoo, "_job_followup_deliver")) == {"done"}
    finally:
        server.stop()


def test_the_job_runner_asks_every_member_once_through_a_crash(queue_odoo, tmp_path):
    """A declaration campaign's batches enqueued as jobs (once, however
    often the scheduled action runs); the server killed with ``kill -9``
    while they run and restarted: every member ends with one declaration of
    the year and one request email (the one who had declared, none), the
    campaign closed once, every job done."""
    odoo = queue_odoo
    output = odoo.shell(DECLARATION_SEED % {"keys": (DECLARATION_KEY,), "members": MEMBERS})
    assert f"TODO {DECLARATION_KEY} {MEMBERS} running" in output, output[-3000:]
    batches = math.ceil(MEMBERS / DECLARATION_BATCH)
    assert "ENQUEUED" in odoo.shell(ENQUEUE_DECLARATIONS % {"batch": DECLARATION_BATCH})
    declaring = ("_job_work_batch", "membership.declaration.campaign")
    assert job_states(odoo, *declaring) == {"pending": batches}, "one job per batch, enqueued once"

    server = JobServer(odoo, tmp_path / "odoo.log")
    server.start()
    try:
        kill_while_running(odoo, server, *declaring)
        asked = declarations_asked(odoo, DECLARATION_KEY)
        assert DECLARATION_BATCH <= asked < MEMBERS, f"killed in the middle: {asked} asked"
        assert_declarations_whole(odoo, DECLARATION_KEY)
        assert "ENQUEUED" in odoo.shell(ENQUEUE_DECLARATIONS % {"batch": DECLARATION_BATCH})
        assert sum(job_states(odoo, *declaring).values()) == batches, "no batch enqueued twice"
        wait_until_dead_jobs_requeued_at_start(odoo)
        server.start()
        wait_for_jobs(odoo, server)
        assert "Re-queued dead job" in server.tail(100000), server.tail()
    finally:
        server.stop()
    assert job_states(odoo, *declaring) == {"done": batches}
    assert_declarations_whole(odoo, DECLARATION_KEY)
    assert declaration_counts(odoo, DECLARATION_KEY) == all_asked_once(MEMBERS), "every member asked once"
    assert_declarations_closed_once(odoo, DECLARATION_KEY, MEMBERS)
