"""The dues follow-up run, a service (as ``account.move.send`` is for
invoices): find what is due (:meth:`_collect`), then send it
(:meth:`_send`), one grouped communication per member, through the
channels of its highest level (:meth:`_get_followup_channels`).

The steps pass typed values, not dicts: :class:`DueInstalment` and
:class:`SkippedInstalment` per instalment, :class:`MemberFollowup` per
member collected, :class:`FollowupSending` per member sent. A channel is
one :class:`FollowupChannel` in :meth:`_get_followup_channels` and one
``_deliver_<code>(sendings)`` method; the rest of the run reads the
registry."""

import logging
import zlib
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import psycopg2.errors

from odoo import api, fields, models
from odoo.fields import Command, Domain
from odoo.tools import SQL, format_date

from ..engine import Step, next_step
from ..tools.batch import BatchRun, LeaveForNextRun, process_batch, run_in_batches, start_workers
from ..tools.formatting import format_money
from ..tools.jobs import enqueue_batches, job_runner, perform_batch, retry_later
from ..tools.orm_batch import post_template, refresh_statistics, write_links, write_value
from .membership_subscription import BULK_POSTING, INVOICE_STATISTICS

_logger = logging.getLogger(__name__)

# What the helper scheduled actions run (tools/batch.py start_workers), on
# the model of the follow-up's scheduled action.
WORKER_CODE = "model._cron_work_followup()"
# The first key of the advisory locks that claim a member for a run (the
# second is the member's id): a constant of this service.
CLAIM_LOCK_KEY = zlib.crc32(b"membership.followup.run") & 0x7FFFFFFF
# how many times a worker puts a member whose invoices another transaction
# changed back at the end of its queue before leaving it to the next run
MAX_DEFERRALS = 3
# The queue job of one batch of the day's members (OCA queue_job, tools/jobs.py).
JOB_METHOD = "_job_followup_batch"
# The queue job delivering a batch of communications recorded with late fees.
DELIVER_METHOD = "_job_followup_deliver"
JOB_RETRY_SECONDS = 10  # a job whose invoices changed meanwhile is tried again this much later


def top_level(due):
    """The highest level of ``due`` (DueInstalment): it drives the tone and the channels."""
    return max((item.level for item in due), key=lambda level: level.delay_days) if due else None


@dataclass(frozen=True, slots=True)
class FollowupChannel:
    """One way of reaching a member: delivered by ``_deliver_<code>``."""

    code: str
    label: str  # how the communication and its levels name it: "email, letter"
    level_field: str  # the level's Boolean field that enables it
    available: bool = True  # False when the module it needs is not installed


@dataclass(frozen=True, slots=True)
class DueInstalment:
    """An open dues instalment (account.move.line) and the level due on it."""

    move_line: Any
    level: Any


@dataclass(frozen=True, slots=True)
class SkippedInstalment:
    """An open dues instalment the run leaves, and why."""

    move_line: Any
    reason: str


@dataclass(slots=True)
class MemberFollowup:
    """What a run finds for one member: the levels due, the instalments
    skipped, warnings for the officer, and the instalments to list
    (account.move.line: the reminded ones and those already overdue)."""

    member: Any
    open_lines: Any
    due: list[DueInstalment] = field(default_factory=list)
    skipped: list[SkippedInstalment] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def top_level(self):
        return top_level(self.due)


@dataclass(slots=True)
class FollowupSending:
    """One member's communication being sent: the levels still due once
    the invoices are locked, the instalments it lists, its highest level
    and that level's channels."""

    member: Any
    due: list[DueInstalment]
    open_lines: Any
    level: Any
    channels: list[FollowupChannel]
    communication: Any = None

    def sends(self, code):
        return any(channel.code == code for channel in self.channels)


@dataclass(slots=True)
class FollowupQueue:
    """The members one worker of a run goes through, claiming them batch by
    batch beside the other workers
    (:meth:`MembershipFollowupRun._claim_members`): ``position`` only moves
    forward, past the members this worker took and those another worker
    held (that one sends to them). ``members`` are the candidates (ids
    only), followed by those put back at the end (:meth:`defer`); what is
    due is collected batch by batch into ``entries``, which holds the
    current batch's alone: a run's memory does not grow with the number of
    members."""

    service: Any  # membership.followup.run
    today: Any  # date of the run
    members: Any  # res.partner, the candidates in order
    entries: dict = field(default_factory=dict)  # {member: MemberFollowup} of the batch claimed, each with a level due
    position: int = 0
    collect: bool = False  # collect what is due batch by batch (the scheduled action's run)
    deferred: dict = field(default_factory=dict)  # {member id: times put back at the end}

    @property
    def env(self):
        return self.service.env

    def take(self, batch_size):
        return self.service._claim_members(self, batch_size)

    def remaining(self):
        return len(self.members) - self.position

    def defer(self, members):
        """Put ``members`` back at the end of the queue, to claim again on a
        later snapshot, each at most MAX_DEFERRALS times; the members
        deferred too often, which are left to the next run."""
        again = members.filtered(lambda member: self.deferred.get(member.id, 0) < MAX_DEFERRALS)
        for member in again:
            self.deferred[member.id] = self.deferred.get(member.id, 0) + 1
        self.members += again  # concatenated: a member may come again
        return members - again


class MembershipFollowupRun(models.AbstractModel):
    _name = "membership.followup.run"
    _description = "Dues Follow-up Run"

    # ------------------------------------------------------------------
    # Channels
    # ------------------------------------------------------------------
    @api.model
    def _get_followup_channels(self):
        """The channels, in the order the communication names them. A new
        channel: a Boolean on the level, a descriptor here and its
        ``_deliver_<code>(sendings)`` method."""
        return [
            FollowupChannel("email", self.env._("email"), "send_email"),
            FollowupChannel("letter", self.env._("letter"), "send_letter"),
            FollowupChannel("sms", self.env._("SMS"), "send_sms", available="sms.sms" in self.env),
            FollowupChannel("call", self.env._("phone call"), "schedule_call"),
        ]

    @api.model
    def _get_level_channels(self, level):
        return [
            channel for channel in self._get_followup_channels() if channel.available and level[channel.level_field]
        ]

    # ------------------------------------------------------------------
    # Finding what is due
    # ------------------------------------------------------------------
    @api.model
    def _get_open_dues_domain(self):
        return (
            Domain("move_id.move_type", "=", "out_invoice")
            & Domain("move_id.state", "=", "posted")
            & Domain("move_id.dues_is_invoice", "=", True)
            & Domain("display_type", "=", "payment_term")
            & Domain("reconciled", "=", False)
            & Domain("amount_residual", ">", 0)
        )

    @api.model
    def _get_due_domain(self, today, partner_ids=None, company=None):
        # never reminded before it was issued: an invoice dated after ``today`` waits
        domain = (
            self._get_open_dues_domain()
            & Domain("move_id.payment_state", "in", ("not_paid", "partial"))
            & Domain("move_id.invoice_date", "<=", today)
        )
        if company:
            domain &= Domain("company_id", "=", company.id)
        if partner_ids:
            domain &= Domain("partner_id.commercial_partner_id", "in", list(partner_ids))
        return domain

    @api.model
    def _collect(self, today, partner_ids=None, company=None):
        """What a run on ``today`` would send: {member: :class:`MemberFollowup`}
        for the members with a level due or an instalment skipped. Never: paid
        or in-payment invoices, disputed or manual ones, postponed ones,
        instalments covered by an unreconciled payment or credit note of the
        member, an instalment before its own due date beyond the courtesy
        levels, or a second level the same day."""
        AML = self.env["account.move.line"]
        instalments = AML.search(self._get_due_domain(today, partner_ids, company), order="date_maturity, id")
        if not instalments:
            return {}
        instalments.fetch(["move_id", "partner_id", "date_maturity", "amount_residual", "company_id"])
        moves = instalments.move_id
        moves.fetch(
            ["dues_dispute", "dues_followup_manual", "dues_followup_postponed_until", "payment_state", "partner_id"]
        )
        sent = defaultdict(dict)  # instalment id -> {level id: date}
        for line in self.env["membership.followup.line"].search_fetch(
            [("move_line_id", "in", instalments.ids)], ["move_line_id", "level_id", "date"]
        ):
            sent[line.move_line_id.id][line.level_id.id] = line.date
        credits = self._unreconciled_credits(instalments.partner_id.commercial_partner_id)
        policies = self._policies_by_move(moves)
        result = {}
        for instalment in instalments:
            move = instalment.move_id
            member = move.partner_id.commercial_partner_id
            entry = result.get(member) or result.setdefault(member, MemberFollowup(member, AML))
            policy = policies.get(move.id)
            reason = self._get_skip_reason(move, instalment, credits.get(member.id, 0.0), today, policy)
            if reason:
                entry.skipped.append(SkippedInstalment(instalment, reason))
                continue
            level = self._next_level(policy, instalment, sent.get(instalment.id, {}), today)
            if level:
                entry.due.append(DueInstalment(instalment, level))
            # The communication lists what is reminded and what is already overdue, not future instalments.
            if level or instalment.date_maturity <= today:
                entry.open_lines |= instalment
        for member, entry in result.items():
            credit = credits.get(member.id, 0.0)
            if credit and entry.due:
                entry.warnings.append(
                    self.env._(
                        "%(member)s has %(amount)s of unreconciled payments or credit notes: reconcile them before "
                        "reminding.",
                        member=member.display_name,
                        amount=format_money(self.env, credit, entry.due[0].move_line.company_currency_id),
                    )
                )
        return {member: entry for member, entry in result.items() if entry.due or entry.skipped}

    @api.model
    def _get_skip_reason(self, move, instalment, credit, today, policy):
        """Why the run leaves an instalment, or None."""
        if move.dues_dispute:
            return self.env._("disputed")
        if move.dues_followup_manual:
            return self.env._("manual follow-up")
        if move.dues_followup_postponed_until and move.dues_followup_postponed_until > today:
            return self.env._(
                "postponed until %(date)s", date=format_date(self.env, move.dues_followup_postponed_until)
            )
        if credit and credit >= instalment.amount_residual:
            return self.env._("covered by an unreconciled payment or credit note")
        if not policy:
            return self.env._("no follow-up policy")
        return None

    @api.model
    def _next_step(self, policy, instalment, sent, today):
        """The next level of an instalment (a record) and its date (see engine/followup.py):
        levels in order, each at most once, the policy's gaps kept when
        catching up after days without a run."""
        step = next_step(
            [(level.id, level.delay_days) for level in policy.level_ids],
            instalment.date_maturity,
            sent,
            today,
            not_before=instalment.move_id.dues_followup_postponed_until or None,
        )
        return step and Step(policy.level_ids.browse(step.key), step.delay, step.date)

    @api.model
    def _next_level(self, policy, instalment, sent, today):
        """The level to send today, if any."""
        step = self._next_step(policy, instalment, sent, today)
        return step.key if step and step.date <= today else None

    @api.model
    def _policies_by_move(self, moves):
        """The policy of each dues invoice: its plan's, else the company's."""
        defaults = {}
        result = {}
        moves.invoice_line_ids.dues_subscription_id.plan_id.mapped("followup_policy_id")  # prefetch
        for move in moves:
            plan = move.invoice_line_ids.dues_subscription_id.plan_id[:1]
            policy = plan.followup_policy_id
            if not policy:
                if move.company_id.id not in defaults:
                    defaults[move.company_id.id] = self.env["membership.followup.policy"]._for_company(move.company_id)
                policy = defaults[move.company_id.id]
            result[move.id] = policy
        return result

    @api.model
    def _unreconciled_credits(self, members):
        """{member id: money of the member not allocated to an invoice}:
        unreconciled payments and credit notes on receivable accounts, and
        payments recorded without a journal entry nor an invoice."""
        if not members:
            return {}
        groups = self.env["account.move.line"]._read_group(
            [
                ("partner_id.commercial_partner_id", "in", members.ids),
                ("account_id.account_type", "=", "asset_receivable"),
                ("parent_state", "=", "posted"),
                ("reconciled", "=", False),
                ("amount_residual", "<", 0),
            ],
            ["partner_id"],
            ["amount_residual:sum"],
        )
        result = defaultdict(float)
        for partner, residual in groups:
            result[partner.commercial_partner_id.id] += -residual
        # Payments recorded without a journal entry (no outstanding account)
        # and not allocated to an invoice yet.
        payments = self.env["account.payment"]._read_group(
            [
                ("partner_id.commercial_partner_id", "in", members.ids),
                ("payment_type", "=", "inbound"),
                ("partner_type", "=", "customer"),
                ("state", "in", ("in_process", "paid")),
                ("move_id", "=", False),
                ("invoice_ids", "=", False),
            ],
            ["partner_id"],
            ["amount_company_currency_signed:sum"],
        )
        for partner, amount in payments:
            result[partner.commercial_partner_id.id] += amount
        return result

    # ------------------------------------------------------------------
    # Running
    # ------------------------------------------------------------------
    @api.model
    def _cron_run_followup(self, batch_size=50, today=None, wake=True):
        """Send the follow-up levels due, one grouped communication per
        member, in batches committed with the cron progress API. A member
        whose sending fails is recorded and the others go on.

        Several workers share the run: with ``wake``, the helper scheduled
        actions the companies ask for (``dues_campaign_workers``) are woken
        first; each worker collects what is due and claims its own batches
        of members (:meth:`_claim_members`).

        When OCA queue_job runs it (:func:`~..tools.jobs.job_runner`), the
        scheduled action only enqueues the day's members in batches
        (:meth:`_enqueue_followup`), and queue_job's runner sends."""
        today = today or fields.Date.context_today(self)
        if self._get_job_runner() == "queue_job":
            self._enqueue_followup(today, batch_size=batch_size)
            return True
        queue = self._prepare_queue(today)
        if wake:
            self._start_workers(queue, batch_size)
        run, _communications = self._send_queue(queue, batch_size=batch_size)
        if not run.finished:
            return False
        return self._deliver_queued(batch_size=batch_size).finished

    @api.model
    def _get_candidates(self, today):
        """The members with an instalment open and due on ``today`` (ids
        only, whatever their number), in id order: what a run goes through.
        What is due for each is collected batch by batch (:meth:`_collect`)."""
        query = self.env["account.move.line"]._search(self._get_due_domain(today))
        rows = self.env.execute_query(
            SQL(
                "SELECT DISTINCT partner.commercial_partner_id FROM res_partner partner "
                "WHERE partner.id IN (%s) ORDER BY 1",
                query.select(SQL.identifier("account_move_line", "partner_id")),
            )
        )
        return self.env["res.partner"].browse(member_id for (member_id,) in rows)

    @api.model
    def _get_worker_count(self, queue, batch_size):
        """How many workers share the run: as many as the companies with a
        level due ask for (the most of their ``dues_campaign_workers``), no
        more than there are batches of candidates (members with an
        instalment open: a helper finding nothing due stops at once)."""
        if not queue.members:
            return 0
        companies = self.env["account.move.line"]._read_group(self._get_due_domain(queue.today), ["company_id"])
        wanted = max((company.sudo().dues_campaign_workers for (company,) in companies), default=1)
        return min(wanted, -(-len(queue.members) // batch_size))

    @api.model
    def _start_workers(self, queue, batch_size):
        """Wake the helper scheduled actions (tools/batch.py start_workers)
        that run the same day's follow-up beside this worker."""
        count = self._get_worker_count(queue, batch_size)
        cron = self.env.ref("membership_dues.ir_cron_membership_followup", raise_if_not_found=False)
        if count > 1 and cron:
            start_workers(cron, WORKER_CODE, count)

    @api.model
    def _send_due(self, today):
        """Send what is due on ``today`` in the current transaction (no
        commit): the demo data and scripts use it; the scheduled action
        batches and commits."""
        return self._send_collected(self._collect(today), today, commit=False)[1]

    @api.model
    def _send_collected(self, collected, today, batch_size=50, commit=True):
        """Send to the members of ``collected`` ({member: MemberFollowup})
        with a level due, in batches (tools/batch.py): a batch together, in
        one savepoint; if anything fails, or another worker touched their
        invoices, member by member. A member whose sending fails gets a
        failed communication. ``commit=False`` sends them as one batch in the
        current transaction (the wizard, the demo data). Returns (the
        BatchRun, the communications sent or failed)."""
        entries = {member: entry for member, entry in collected.items() if entry.due}
        communications = []

        def process(members):
            communications.append(self._send([entries[member] for member in members], today, defer=commit))

        def record_failure(member, message):
            _logger.error("Membership: follow-up of %s failed: %s", member.display_name, message)
            communications.append(self._record_failure(entries[member], today, message))

        if commit:
            queue = FollowupQueue(self, today, self.env["res.partner"].union(*entries), entries=entries)
            run = run_in_batches(process, record_failure, queue=queue, batch_size=batch_size, what="dues follow-up")
        else:
            members = self.env["res.partner"].union(*entries)
            run = process_batch(members, process, record_failure, what="dues follow-up")
        if commit and run.finished:
            self._deliver_queued(batch_size=batch_size)
        # a batch redone member by member left its communications rolled back
        return run, self.env["membership.followup.communication"].union(*communications).exists()

    @api.model
    def _send_queue(self, queue, batch_size=50):
        """The scheduled action's run: the members of ``queue`` claimed
        batch by batch beside the other workers, what is due for them
        collected then, and sent as :meth:`_send_collected` does, each batch
        committed. Returns (the BatchRun, the communications)."""
        communications = []
        process, record_failure = self._get_queue_handlers(queue, communications)
        run = run_in_batches(process, record_failure, queue=queue, batch_size=batch_size, what="dues follow-up")
        return run, self.env["membership.followup.communication"].union(*communications).exists()

    @api.model
    def _get_queue_handlers(self, queue, communications):
        """``process(members)`` and ``record_failure(member, message)`` of
        the members claimed from ``queue`` (tools/batch.py): send to them
        (:meth:`_send`), or record a failed communication; both append what
        they create to ``communications``."""

        def process(members):
            communications.append(self._send([queue.entries[member] for member in members], queue.today, defer=True))

        def record_failure(member, message):
            _logger.error("Membership: follow-up of %s failed: %s", member.display_name, message)
            communications.append(self._record_failure(queue.entries[member], queue.today, message))

        return process, record_failure

    # ------------------------------------------------------------------
    # Run by OCA queue_job
    # ------------------------------------------------------------------
    @api.model
    def _get_job_runner(self):
        """``"queue_job"`` when OCA queue_job runs the follow-up, else ``"cron"``."""
        return job_runner(self.env)

    @api.model
    def _get_job_owner(self):
        """The recordset the day's jobs are enqueued on: their identity keys
        name its model (tools/jobs.py key_prefix)."""
        return self.browse()

    @api.model
    def _get_job_scope(self, today):
        """What the identity keys of the jobs of ``today``'s run share: a new
        day's run enqueues new jobs, the same day's never twice."""
        return fields.Date.to_string(today)

    @api.model
    def _prepare_job_description(self, today):
        """``description(count)``: how queue_job names a job of ``today``."""
        day = format_date(self.env, today)
        return lambda count: self.env._(
            "Dues follow-up of %(date)s: a batch of %(count)s members", date=day, count=count
        )

    @api.model
    def _enqueue_followup(self, today, batch_size=50):
        """What the scheduled action does when queue_job runs the follow-up:
        one job per batch of ``today``'s candidates (:meth:`_get_candidates`)
        that no job of the same day holds yet (still to run, running, or
        failed: requeue it from Job Queue) and that were not sent to that
        day (:meth:`_get_sent_member_ids`), each with its identity key.
        Running it again the same day enqueues only the members a job left
        to the next run or recorded as failed. Returns the number of jobs
        enqueued."""
        today = fields.Date.to_date(today)
        candidates = self._get_candidates(today)
        count = enqueue_batches(
            self._get_job_owner(),
            JOB_METHOD,
            sorted(set(candidates.ids) - self._get_sent_member_ids(today)),
            batch_size=batch_size,
            description=self._prepare_job_description(today),
            args=(today,),
            scope=self._get_job_scope(today),
        )
        _logger.info("Membership: dues follow-up of %s: %s batch jobs enqueued", today, count)
        # communications a crashed job or run left to deliver
        left = self.env["membership.followup.communication"].search(self._get_queued_domain())
        self._enqueue_deliveries(left, batch_size=batch_size)
        return count

    @api.model
    def _enqueue_deliveries(self, communications, batch_size=50):
        """One job per batch of ``communications`` recorded *To Deliver*
        (:meth:`_job_followup_deliver`), each with its identity key: after
        the enqueuing transaction's commit, which ends its hold on the
        journal's numbering. Returns the number of jobs enqueued."""
        if not communications:
            return 0
        return enqueue_batches(
            self._get_job_owner(),
            DELIVER_METHOD,
            communications.ids,
            batch_size=batch_size,
            description=lambda count: self.env._(
                "Dues follow-up: delivering %(count)s communications with late fees", count=count
            ),
        )

    @api.model
    def _job_followup_deliver(self, communication_ids):
        """The queue job delivering communications recorded *To Deliver*:
        those still to deliver, claimed (another transaction's skipped),
        delivered, a failing one keeping its state with the error. No
        commit: queue_job commits the job's transaction."""
        run = perform_batch(
            self.env["membership.followup.communication"],
            self._get_queued_domain(),
            communication_ids,
            self._deliver_communications,
            self._record_delivery_failure,
            what="dues follow-up deliveries",
        )
        return self.env._("%(done)s delivered, %(failed)s failed.", done=run.done, failed=run.failed)

    @api.model
    def _get_sent_member_ids(self, today):
        """The ids of the members sent a communication on ``today`` (or
        recorded, its delivery to come): the day's run is done for them."""
        groups = self.env["membership.followup.communication"]._read_group(
            [("date", "=", today), ("state", "in", ("queued", "sent"))], ["partner_id"]
        )
        return {partner.id for (partner,) in groups}

    @api.model
    def _prepare_job_queue(self, member_ids, today):
        """The members of a job, to claim as the scheduled action claims
        them (:meth:`_claim_next_members`), what is due collected then."""
        return FollowupQueue(self, today, self.env["res.partner"].browse(sorted(member_ids)), collect=True)

    @api.model
    def _job_followup_batch(self, member_ids, today):
        """The queue job of one batch of members of the follow-up of
        ``today`` (performed later, it sends what is due on the day it
        runs). The members are claimed as the scheduled action claims them:
        one another worker holds, or one of whose invoices another
        transaction holds (a payment being registered), is skipped and left
        to the next run; what is due for the others is collected then, and
        sent as :meth:`_send_queue` does, a failing member recorded as a
        failed communication and the others sent. No commit: queue_job
        commits the job's transaction. When an invoice changed after this
        transaction began, the job is tried again later."""
        today = max(fields.Date.to_date(today), fields.Date.context_today(self))
        queue = self._prepare_job_queue(member_ids, today)
        members = self._claim_next_members(queue, len(queue.members) or 1)
        if members is None:
            retry_later(
                self.env, "invoices changed by another transaction", seconds=JOB_RETRY_SECONDS, ignore_retry=False
            )
            return self.env._("Invoices changed by another transaction meanwhile: nothing done.")
        run = BatchRun()
        if members:
            communications = []
            process, record_failure = self._get_queue_handlers(queue, communications)
            process_batch(members, process, record_failure, run=run, what="dues follow-up")
            queued = self.env["membership.followup.communication"].union(*communications).exists()
            self._enqueue_deliveries(queued.filtered(lambda communication: communication.state == "queued"))
        _logger.info(
            "Membership: dues follow-up of %s: job of %s members: %s done, %s failed",
            today,
            len(member_ids),
            run.done,
            run.failed,
        )
        return self.env._("%(done)s members done, %(failed)s failed.", done=run.done, failed=run.failed)

    @api.model
    def _prepare_queue(self, today):
        """The candidates of the day's run (:meth:`_get_candidates`) for this
        worker to claim, batch by batch, beside the others."""
        return FollowupQueue(self, today, self._get_candidates(today), collect=True)

    @api.model
    def _claim_members(self, queue, batch_size):
        """The next members of ``queue`` (a FollowupQueue) this worker sends
        to, at most ``batch_size``; none when it is through.

        A member is claimed with a transaction-level advisory lock on its id
        (no row lock on the contact, a busy row): a member another worker
        holds is skipped, not waited for, and that worker sends to it. Then
        the invoices due of the members claimed are locked (``FOR NO KEY
        UPDATE SKIP LOCKED``, as sending does): a member one of whose
        invoices another transaction holds (a payment being registered) is
        left to the next run, so that it still gets one communication.

        The claim follows a commit (tools/batch.py run_in_batches). A member
        whose invoices changed after this transaction's snapshot was taken
        (another worker reminded them and committed just before this worker
        took the member's advisory lock) is put back at the end of the queue
        and claimed again on a later snapshot, which shows what that worker
        sent: the other members of the batch are claimed at once, so a
        worker that commits often never starves the others."""
        return self._claim_next_members(queue, batch_size, defer_changed=True)

    @api.model
    def _claim_next_members(self, queue, batch_size, defer_changed=False):
        """The next members of ``queue`` claimed (:meth:`_claim_members`).
        When an invoice changed after this transaction began: None, or with
        ``defer_changed`` the members of such invoices put back at the end
        of the queue (FollowupQueue.defer) and the others claimed."""
        while queue.position < len(queue.members):
            window = queue.members[queue.position : queue.position + batch_size].with_prefetch()
            queue.position += len(window)
            members = self._lock_members(window)
            if queue.collect and members:
                # what is due for the members claimed, read now (after the
                # claim, on this transaction's snapshot), the batch's alone
                collected = self._collect(queue.today, partner_ids=members.ids)
                queue.entries = {member: entry for member, entry in collected.items() if entry.due}
                members = members.filtered(lambda member: member in queue.entries)
            if not members:
                continue  # all held by other workers, or nothing due for them
            invoices = {member: self._get_due_invoices([queue.entries[member]]) for member in members}
            moves = self.env["account.move"].union(*invoices.values())
            locked = self._lock_invoices(moves)
            if locked is None:
                if not defer_changed:
                    return None
                locked, changed = self._lock_invoices_apart(invoices)
                left = queue.defer(changed)
                _logger.info(
                    "Membership: dues follow-up: %s claimed again later, %s left to the next run "
                    "(invoices changed by another worker)",
                    changed - left,
                    left,
                )
                members -= changed
                if not members:
                    # a fresh snapshot for the rest of the queue: this one
                    # shows none of what the other worker committed
                    self.env.cr.rollback()
                    continue
            held = self.env["account.move"].union(*(invoices[member] for member in members)) - locked
            if held:
                left = members.browse([member.id for member in members if invoices[member] & held])
                _logger.info(
                    "Membership: dues follow-up: %s left to the next run (invoices %s held by another transaction)",
                    left,
                    held,
                )
                members -= left
            if members:
                return members
        return self.env["res.partner"]

    @api.model
    def _lock_invoices_apart(self, invoices):
        """Lock the invoices of each member apart (``invoices``: {member:
        account.move}), once locking them together failed: (the invoices
        locked, the members one of whose invoices changed after this
        transaction began)."""
        locked = self.env["account.move"]
        changed = self.env["res.partner"]
        for member, moves in invoices.items():
            member_locked = self._lock_invoices(moves)
            if member_locked is None:
                changed |= member
            else:
                locked |= member_locked
        return locked, changed

    @api.model
    def _lock_members(self, members):
        """The ``members`` this transaction now holds for the run (advisory
        locks, until it ends), in order, without those another worker
        holds."""
        rows = self.env.execute_query(
            SQL(
                "SELECT member.id FROM unnest(%s::int[]) AS member(id) WHERE pg_try_advisory_xact_lock(%s, member.id)",
                members.ids,
                CLAIM_LOCK_KEY,
            )
        )
        held = {member_id for (member_id,) in rows}
        return members.browse([member_id for member_id in members.ids if member_id in held])

    @api.model
    def _get_due_invoices(self, entries):
        """The invoices with a level due in ``entries`` (MemberFollowup)."""
        return self.env["account.move"].union(*(item.move_line.move_id for entry in entries for item in entry.due))

    @api.model
    def _record_failure(self, entry, today, message):
        """A failed communication for the member, or the day's failed one
        updated: a second run the same day does not record another."""
        values = {
            **self._prepare_communication_values(entry.member, entry.due, entry.top_level, today),
            "state": "failed",
            "error": message,
        }
        Communication = self.env["membership.followup.communication"]
        failed = Communication.search(
            [
                ("partner_id", "=", entry.member.id),
                ("company_id", "=", values["company_id"]),
                ("date", "=", today),
                ("state", "=", "failed"),
            ],
            limit=1,
        )
        if failed:
            failed.write({"level_id": values["level_id"], "error": message})
            return failed
        return Communication.with_context(mail_create_nolog=True).create(values)

    # ------------------------------------------------------------------
    # Sending
    # ------------------------------------------------------------------
    @api.model
    def _send(self, entries, today, defer=False):
        """Send to the members of ``entries`` (MemberFollowup): one
        communication each, its follow-up lines, late fees, deliveries and
        actions, and the chatter notes, created in batches. Returns the
        communications; raises LeaveForNextRun when another transaction
        changed some of the invoices after this one began (those members
        wait for the next run).

        With ``defer`` (the caller commits each batch), a batch that posted
        late fees is not delivered here: posting numbered the fees, and the
        journal's numbering stays locked until this transaction ends, so
        every other transaction posting an invoice in that journal (another
        worker, a campaign) would wait while the emails and letters are
        rendered and printed. Its communications are recorded as *To
        Deliver* and :meth:`_deliver_queued` delivers them after the
        commit."""
        locked = self._lock_invoices(self._get_due_invoices(entries))
        if locked is None:
            raise LeaveForNextRun("invoices changed by another transaction meanwhile")
        sendings = self._prepare_sendings(entries, locked)
        Communication = self.env["membership.followup.communication"]
        if not sendings:
            return Communication
        # no "created" line in its chatter: it starts with what was sent
        communications = Communication.with_context(mail_create_nolog=True).create(
            [
                {
                    **self._prepare_communication_values(sending.member, sending.due, sending.level, today),
                    **self._prepare_listed_values(sending),
                }
                for sending in sendings
            ]
        )
        for sending, communication in zip(sendings, communications, strict=True):
            sending.communication = communication
        records = self.env["membership.followup.line"].create(
            [self._prepare_followup_line_values(sending, item, today) for sending in sendings for item in sending.due]
        )
        write_value(records.move_id, "dues_followup_last_date", today)
        with_fees = records.filtered(lambda record: record.level_id.late_fee_type != "none")
        self._invoice_late_fees(with_fees)
        communications._record_listed()
        if defer and with_fees.late_fee_move_id:
            communications.state = "queued"
        else:
            self._deliver_sendings(sendings)
        self._apply_actions(sendings)
        self._log_sent(sendings, records)
        return communications

    @api.model
    def _lock_invoices(self, moves):
        """Lock the invoices for this transaction, skipping those another
        worker holds; None when another transaction changed them after this
        one began (it may have reminded them: this run must not).

        Sending a level always writes the invoice (its last follow-up date),
        so with the database's repeatable-read isolation two workers can
        never both send for the same invoice: the second either finds it
        locked, or fails to lock it here, quietly, and leaves it."""
        if not moves:
            return moves
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    SQL(
                        "SELECT id FROM account_move WHERE id IN %s FOR NO KEY UPDATE SKIP LOCKED",
                        tuple(moves.ids),
                    ),
                    log_exceptions=False,
                )
                return moves.browse(row[0] for row in self.env.cr.fetchall())
        except psycopg2.errors.SerializationFailure:
            return None

    @api.model
    def _prepare_sendings(self, entries, locked):
        """A FollowupSending per member with a level still due once its
        invoices are locked: not paid since the run collected it, nor sent by
        another worker."""
        instalments = self.env["account.move.line"].union(*(item.move_line for entry in entries for item in entry.due))
        open_all = self.env["account.move.line"].union(*(entry.open_lines for entry in entries))
        (instalments | open_all).invalidate_recordset(["reconciled", "amount_residual"])
        locked.invalidate_recordset(["payment_state"])
        already = self.env["membership.followup.line"].search_fetch(
            [("move_line_id", "in", instalments.ids)], ["move_line_id", "level_id"]
        )
        done = {(line.move_line_id.id, line.level_id.id) for line in already}
        sendings = []
        for entry in entries:
            due = [
                item
                for item in entry.due
                if item.move_line.move_id in locked
                and not item.move_line.reconciled
                and item.move_line.move_id.payment_state in ("not_paid", "partial")
                and (item.move_line.id, item.level.id) not in done
            ]
            if not due:
                continue
            top = top_level(due)
            sendings.append(
                FollowupSending(
                    member=entry.member,
                    due=due,
                    open_lines=entry.open_lines.filtered(lambda line: not line.reconciled),
                    level=top,
                    channels=self._get_level_channels(top),
                )
            )
        return sendings

    @api.model
    def _prepare_communication_values(self, member, due, level, today):
        """A communication to ``member`` about ``due`` (DueInstalment) at ``level``, sent or failed."""
        return {
            "partner_id": member.id,
            "company_id": due[0].move_line.company_id.id,
            "date": today,
            "level_id": level.id,
        }

    @api.model
    def _prepare_listed_values(self, sending):
        """What a communication sent lists, and its channels."""
        return {
            "open_line_ids": [Command.set(sending.open_lines.ids)],
            "amount_due": sum(sending.open_lines.mapped("amount_residual")),
            "channels": ", ".join(channel.label for channel in sending.channels),
        }

    @api.model
    def _prepare_followup_line_values(self, sending, item, today):
        return {
            "move_line_id": item.move_line.id,
            "partner_id": sending.member.id,
            "level_id": item.level.id,
            "communication_id": sending.communication.id,
            "date": today,
            "channels": sending.communication.channels,
            "amount_due": item.move_line.amount_residual,
        }

    @api.model
    def _invoice_late_fees(self, records):
        """One late-fee invoice per instalment and level at most (the record
        holding it is unique per instalment and level), created and posted
        per company in one batch, as the dues invoices are: dated at
        creation with the date posting gives (posting then recomputes
        nothing per invoice), the sales journal searched once, each linked
        to its record in one update."""
        today = fields.Date.context_today(self)
        by_company = defaultdict(list)  # company: [(record, invoice values)]
        for record in records:
            fee = record.level_id._late_fee(record.amount_due)
            if fee:
                values = self._prepare_late_fee_invoice_values(record, fee)
                values.setdefault("invoice_date", today)
                by_company[record.company_id].append((record, values))
        for company, charged in by_company.items():
            Move = (
                self.env["account.move"]
                .with_company(company)
                .with_context(default_move_type="out_invoice", mail_create_nolog=True)
            )
            journal = None  # searched once per company, as for the dues invoices
            for _record, values in charged:
                if "journal_id" not in values:
                    journal = journal or Move._membership_sales_journal(company)
                    values["journal_id"] = journal.id
            moves = Move.create([values for _record, values in charged]).with_env(self.env)
            if len(moves) >= BULK_POSTING:
                # see membership.subscription._create_invoices
                for model in INVOICE_STATISTICS:
                    refresh_statistics(self.env[model])
            moves.action_post()
            write_links(
                self.env["membership.followup.line"].union(*(r for r, _v in charged)), "late_fee_move_id", moves
            )

    @api.model
    def _prepare_late_fee_invoice_values(self, record, fee):
        level = record.level_id
        return {
            "move_type": "out_invoice",
            "partner_id": record.move_id.partner_id.id,
            "company_id": record.company_id.id,
            "invoice_origin": record.move_id.name,
            "invoice_line_ids": [
                Command.create(
                    {
                        "product_id": level.late_fee_product_id.id,
                        "name": self.env._(
                            "Late fee, %(level)s, invoice %(invoice)s", level=level.name, invoice=record.move_id.name
                        ),
                        "quantity": 1,
                        "price_unit": fee,
                    }
                )
            ],
        }

    @api.model
    def _apply_actions(self, sendings):
        """The actions of the levels sent: suspend, flag for collection."""
        for sending in sendings:
            for item in sending.due:
                level = item.level
                member = item.move_line.move_id.partner_id.commercial_partner_id.with_company(item.move_line.company_id)
                if level.action == "suspend" and not member.dues_suspended:
                    member.dues_suspended = True
                    member.message_post(
                        body=self.env._("Membership suspended: dues overdue (%(level)s).", level=level.name)
                    )
                elif level.action == "collection" and not member.dues_collection:
                    member.dues_collection = True
                    member.message_post(
                        body=self.env._("Flagged for external collection (%(level)s).", level=level.name)
                    )

    @api.model
    def _log_sent(self, sendings, records):
        """The chatter notes: one on each member, one on each invoice."""
        no_channel = self.env._("no channel")
        self.env["res.partner"].union(*(sending.member for sending in sendings))._message_log_batch(
            bodies={
                sending.member.id: self.env._(
                    "Dues follow-up %(level)s sent (%(channels)s) for %(invoices)s.",
                    level=sending.level.name,
                    channels=sending.communication.channels or no_channel,
                    invoices=", ".join(dict.fromkeys(item.move_line.move_id.name for item in sending.due)),
                )
                for sending in sendings
            }
        )
        move_bodies = defaultdict(list)
        for record in records:
            move_bodies[record.move_id.id].append(
                self.env._(
                    "Follow-up %(level)s sent (%(channels)s).",
                    level=record.level_id.name,
                    channels=record.channels or no_channel,
                )
            )
        self.env["account.move"].browse(move_bodies)._message_log_batch(
            bodies={move_id: " ".join(bodies) for move_id, bodies in move_bodies.items()}
        )

    # ------------------------------------------------------------------
    # Delivering, one method per channel
    # ------------------------------------------------------------------
    @api.model
    def _deliver_sendings(self, sendings):
        """Deliver ``sendings`` (FollowupSending), what they list read for
        the whole batch at once."""
        open_lines = (
            self.env["membership.followup.communication"]
            .union(*(sending.communication for sending in sendings))
            .open_line_ids
        )
        open_lines.fetch(["move_id", "date_maturity", "amount_residual", "company_currency_id"])
        open_lines.dues_followup_line_ids.fetch(["move_line_id", "level_id", "date"])
        open_lines.move_id.fetch(["name", "invoice_date", "payment_reference"])
        self._deliver(sendings)

    @api.model
    def _deliver_queued(self, batch_size=50):
        """Deliver the communications recorded *To Deliver* (:meth:`_send`
        with ``defer``), in batches claimed beside the other workers (``FOR
        NO KEY UPDATE SKIP LOCKED``), each committed: a crash leaves the
        batch in progress to deliver, by the next run. One whose delivery
        fails keeps its state, with the error, and is tried again by the
        next run. Returns the BatchRun; when nothing is to deliver (most
        runs), one query, no progress nor commit."""
        Communication = self.env["membership.followup.communication"]
        if not Communication.search_count(self._get_queued_domain(), limit=1):
            return BatchRun()
        return run_in_batches(
            self._deliver_communications,
            self._record_delivery_failure,
            model=Communication,
            domain=self._get_queued_domain(),
            batch_size=batch_size,
            what="dues follow-up deliveries",
            claim=True,
        )

    @api.model
    def _get_queued_domain(self):
        return Domain("state", "=", "queued")

    @api.model
    def _deliver_communications(self, communications):
        """Deliver ``communications`` (recorded *To Deliver*) and mark them sent."""
        self._deliver_sendings([self._prepare_queued_sending(communication) for communication in communications])
        communications.write({"state": "sent", "error": False})

    @api.model
    def _prepare_queued_sending(self, communication):
        """The FollowupSending of a communication recorded *To Deliver*: its
        member, what it lists, its highest level and that level's channels
        (its levels are recorded: nothing is due any more)."""
        return FollowupSending(
            member=communication.partner_id,
            due=[],
            open_lines=communication.open_line_ids,
            level=communication.level_id,
            channels=self._get_level_channels(communication.level_id),
            communication=communication,
        )

    @api.model
    def _record_delivery_failure(self, communication, message):
        """The error, on the communication left *To Deliver*."""
        _logger.error("Membership: delivery of %s failed: %s", communication.display_name, message)
        communication.error = message

    @api.model
    def _deliver(self, sendings):
        """Each channel delivers the communications that use it."""
        if self.env.context.get("membership_skip_emails"):  # demo data: nothing sent, nothing printed
            return
        for channel in self._get_followup_channels():
            todo = [sending for sending in sendings if sending.sends(channel.code)]
            if todo:
                getattr(self, f"_deliver_{channel.code}")(todo)

    @api.model
    def _deliver_email(self, sendings):
        """Plain emails rendered and posted in batches per template; those
        with the letter or the invoices attached one by one."""
        batched = defaultdict(lambda: self.env["membership.followup.communication"])
        for sending in sendings:
            template = sending.level._email_template()
            if not sending.sends("letter") and not sending.level.attach_invoices:
                batched[template] |= sending.communication
                continue
            attachments = self._get_email_attachments(sending)
            sending.communication.message_post_with_source(
                template, subtype_xmlid="mail.mt_comment", attachment_ids=attachments.ids
            )
        comment = self.env.ref("mail.mt_comment").id
        for template, communications in batched.items():
            post_template(communications, template, subtype_id=comment)

    @api.model
    def _get_email_attachments(self, sending):
        """The letter, when one is sent, and the invoices when the level
        attaches them: each invoice's PDF as the member received it (the one
        Odoo stored when the invoice was sent), printed only for an invoice
        never sent (each print is a wkhtmltopdf run, about a second)."""
        communication = sending.communication
        attachments = self._get_letter(communication) if sending.sends("letter") else self.env["ir.attachment"]
        if sending.level.attach_invoices:
            for move in communication.open_line_ids.move_id:
                attachments |= self._create_attachment(
                    communication, f"{move.name.replace('/', '_')}.pdf", self._get_invoice_pdf(move)
                )
        return attachments

    @api.model
    def _get_invoice_pdf(self, move):
        """The PDF of ``move`` to attach: the one stored when it was sent
        (``invoice_pdf_report_id``), else printed now."""
        if stored := move.invoice_pdf_report_id:
            return stored.raw
        content, _kind = self.env["ir.actions.report"]._render_qweb_pdf("account.account_invoices", move.ids)
        return content

    @api.model
    def _deliver_letter(self, sendings):
        for sending in sendings:
            self._get_letter(sending.communication)

    @api.model
    def _get_letter(self, communication):
        """The communication's PDF letter, printed once."""
        if not communication.letter_id:
            pdf, _kind = self.env["ir.actions.report"]._render_qweb_pdf(
                "membership_dues.action_report_followup_letter", communication.ids
            )
            name = self.env._("Letter %(name)s.pdf", name=communication.display_name)
            communication.letter_id = self._create_attachment(communication, name, pdf)
        return communication.letter_id

    @api.model
    def _create_attachment(self, communication, name, content):
        return self.env["ir.attachment"].create(
            {
                "name": name,
                "raw": content,
                "res_model": communication._name,
                "res_id": communication.id,
                "mimetype": "application/pdf",
            }
        )

    @api.model
    def _deliver_sms(self, sendings):
        self.env["sms.sms"].create(
            [
                {
                    "number": sending.member.phone,
                    "partner_id": sending.member.id,
                    "body": sending.level.sms_text
                    or self.env._(
                        "%(company)s: %(amount)s of membership dues are overdue. Thank you for paying them.",
                        company=sending.communication.company_id.name,
                        amount=sending.communication._format_amount(sending.communication.amount_due),
                    ),
                }
                for sending in sendings
                if sending.member.phone
            ]
        )

    @api.model
    def _deliver_call(self, sendings):
        for sending in sendings:
            communication, level = sending.communication, sending.level
            user = level.call_user_id or communication.open_line_ids.move_id.invoice_user_id[:1] or self.env.user
            sending.member.activity_schedule(
                "mail.mail_activity_data_call",
                summary=self.env._("Call about overdue dues (%(level)s)", level=level.name),
                note=self.env._("Total due: %(amount)s", amount=communication._format_amount(communication.amount_due)),
                user_id=user.id,
            )

    # ------------------------------------------------------------------
    # Suspension lifted when the overdue dues are paid
    # ------------------------------------------------------------------
    @api.model
    def _lift_suspensions(self, members, company):
        """Lift the suspension of members with no open dues instalment left
        at a level that suspends."""
        for member in members.with_company(company).filtered("dues_suspended"):
            still = self.env["membership.followup.line"].search_count(
                [
                    ("partner_id", "=", member.id),
                    ("level_id.action", "=", "suspend"),
                    ("move_line_id.reconciled", "=", False),
                    ("move_id.payment_state", "in", ("not_paid", "partial")),
                    ("company_id", "=", company.id),
                ]
            )
            if not still:
                member.dues_suspended = False
                member.message_post(body=self.env._("Suspension lifted: the overdue dues are paid."))
