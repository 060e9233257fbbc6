import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Domain
from odoo.tools import format_date

from ..engine import Period, next_period
from ..tools.batch import run_campaign
from ..tools.jobs import campaign_batch_job, campaign_close_job, work_campaigns

_logger = logging.getLogger(__name__)

RENEWABLE_STATES = ("waiting_payment", "upcoming", "active", "expired")


class MembershipRenewalCampaign(models.Model):
    """Renews the subscriptions of some plans ending in a date range.

    Launching it computes every renewing member's next fee, then creates a
    renewal notice, or (auto-renew) approves it at once: next subscription
    and invoice, and an email telling the member how to opt out. It runs in
    batches with the cron progress API and is idempotent: a member has one
    notice per plan and period (unique index), so relaunching, running the
    scheduled action twice or resuming after a crash never creates a second
    notice or invoice and never skips anyone. A failing member is recorded
    with its error and does not stop the others.
    """

    _name = "membership.renewal.campaign"
    _description = "Renewal Campaign"
    _inherit = ["mail.thread"]
    _order = "date_from desc, id desc"
    _check_company_auto = True

    name = fields.Char(required=True, tracking=True)
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    currency_id = fields.Many2one(related="company_id.currency_id")
    user_id = fields.Many2one(
        "res.users", "Responsible", default=lambda self: self.env.user, tracking=True, help="Follows the answers."
    )
    plan_ids = fields.Many2many("membership.plan", string="Plans", required=True, check_company=True)
    date_from = fields.Date(
        "Periods Ending From", required=True, tracking=True, help="Renews the subscriptions ending in this range."
    )
    date_to = fields.Date("Periods Ending Until", required=True, tracking=True)
    auto_launch = fields.Boolean(
        "Launch Automatically", help="The scheduled action launches the campaign this many days before the periods end."
    )
    launch_days_before = fields.Integer("Days Before", default=60)
    send_on_launch = fields.Boolean(
        "Send the Notices", default=True, help="Email each notice as soon as the campaign creates it."
    )
    state = fields.Selection(
        [("draft", "Draft"), ("running", "Running"), ("done", "Done"), ("cancelled", "Cancelled")],
        required=True,
        default="draft",
        tracking=True,
        index=True,
    )
    launched_on = fields.Datetime(readonly=True, copy=False)
    done_on = fields.Datetime(readonly=True, copy=False)
    renewal_ids = fields.One2many("membership.renewal", "campaign_id", "Renewal Notices")
    failure_ids = fields.One2many("membership.renewal.campaign.failure", "campaign_id", "Failures")

    # progress
    member_count = fields.Integer("Members to Renew", compute="_compute_progress")
    done_count = fields.Integer("Done", compute="_compute_progress")
    todo_count = fields.Integer("To Do", compute="_compute_progress")
    failed_count = fields.Integer("Failed", compute="_compute_progress")
    progress = fields.Float(compute="_compute_progress")

    # figures
    sent_count = fields.Integer("Notices Sent", compute="_compute_figures")
    answered_count = fields.Integer("Answered", compute="_compute_figures")
    approved_count = fields.Integer("Approved", compute="_compute_figures")
    refused_count = fields.Integer("Refused", compute="_compute_figures")
    pending_count = fields.Integer("Pending", compute="_compute_figures")
    response_rate = fields.Float("Response Rate (%)", compute="_compute_figures", digits=(5, 1))
    renewal_rate = fields.Float("Renewal Rate (%)", compute="_compute_figures", digits=(5, 1))
    amount_called = fields.Monetary(compute="_compute_figures")
    amount_invoiced = fields.Monetary(compute="_compute_figures")
    amount_paid = fields.Monetary(compute="_compute_figures")
    declaration_warning = fields.Text(
        compute="_compute_declaration_warning",
        help="A declaration campaign for the figures these renewals read is still collecting them.",
    )

    @api.constrains("date_from", "date_to", "launch_days_before")
    def _check_dates(self):
        for campaign in self:
            if campaign.date_to < campaign.date_from:
                raise UserError(
                    self.env._(
                        "Campaign %(name)s: 'Periods Ending Until' (%(end)s) must not be before "
                        "'Periods Ending From' (%(start)s).",
                        name=campaign.name,
                        end=format_date(self.env, campaign.date_to),
                        start=format_date(self.env, campaign.date_from),
                    )
                )
            if campaign.launch_days_before < 0:
                raise UserError(
                    self.env._("Campaign %(name)s: the days before launch cannot be negative.", name=campaign.name)
                )

    @api.constrains("plan_ids", "company_id")  # company_id: always given at creation, plan_ids not
    def _check_plans(self):
        for campaign in self:
            if not campaign.plan_ids:
                raise ValidationError(
                    self.env._(
                        "Campaign %(name)s: choose the plans it renews (Plans); a campaign without a plan renews "
                        "nobody.",
                        name=campaign.name,
                    )
                )

    # ------------------------------------------------------------------
    # Who renews
    # ------------------------------------------------------------------
    def _candidate_domain(self):
        """Subscriptions this campaign renews: its plans, ending in its range,
        not cancelled, not already renewed, their member not leaving."""
        self.ensure_one()
        return (
            Domain("company_id", "=", self.company_id.id)
            & Domain("plan_id", "in", self.plan_ids.ids)
            & Domain("date_end", ">=", self.date_from)
            & Domain("date_end", "<=", self.date_to)
            & Domain("state", "in", RENEWABLE_STATES)
            & Domain("next_ids", "not any", [("state", "!=", "cancelled")])
            & Domain("partner_id", "not any", [("dues_leaving", "=", True)])
        )

    def _todo_domain(self):
        """Candidates without a notice yet, except those that failed in this
        campaign (retried with Retry Failed)."""
        self.ensure_one()
        return (
            self._candidate_domain()
            & Domain("renewal_ids", "=", False)
            & Domain(
                "id",
                "not in",
                self.env["membership.renewal.campaign.failure"]
                .sudo()
                ._search([("campaign_id", "=", self.id), ("subscription_id", "!=", False)])
                .subselect("subscription_id"),
            )
        )

    def _compute_progress(self):
        Subscription = self.env["membership.subscription"].with_context(active_test=False)
        for campaign in self:
            if not campaign.id or not campaign.plan_ids:
                campaign.update({"member_count": 0, "done_count": 0, "todo_count": 0, "failed_count": 0, "progress": 0})
                continue
            done = len(campaign.renewal_ids)
            todo = Subscription.search_count(campaign._todo_domain())
            failed = len(campaign.failure_ids)
            campaign.done_count = done
            campaign.todo_count = todo
            campaign.failed_count = failed
            campaign.member_count = done + todo + failed
            campaign.progress = 100.0 * done / campaign.member_count if campaign.member_count else 0.0

    @api.depends("renewal_ids.state", "renewal_ids.amount", "renewal_ids.amount_paid")
    def _compute_figures(self):
        groups = {
            (campaign.id, state): (count, amount, invoiced, paid)
            for campaign, state, count, amount, invoiced, paid in self.env["membership.renewal"]._read_group(
                [("campaign_id", "in", self.ids)],
                ["campaign_id", "state"],
                ["__count", "amount:sum", "amount_invoiced:sum", "amount_paid:sum"],
            )
        }
        for campaign in self:
            counts = {state: groups.get((campaign.id, state), (0, 0, 0, 0)) for state in _STATES}
            total = sum(count for count, *_rest in counts.values())
            answered_states = ("change_requested", "approved", "refused")
            approved = counts["approved"][0]
            refused = counts["refused"][0]
            sent_like = total - counts["draft"][0] - counts["cancelled"][0]
            campaign.sent_count = sent_like
            campaign.answered_count = sum(counts[state][0] for state in answered_states)
            campaign.approved_count = approved
            campaign.refused_count = refused
            campaign.pending_count = sum(
                counts[state][0] for state in ("draft", "sent", "change_requested", "intervention")
            )
            campaign.response_rate = 100.0 * campaign.answered_count / sent_like if sent_like else 0.0
            decided = total - counts["cancelled"][0]
            campaign.renewal_rate = 100.0 * approved / decided if decided else 0.0
            campaign.amount_called = sum(amount for _count, amount, *_rest in counts.values()) - counts["cancelled"][1]
            campaign.amount_invoiced = sum(invoiced for _c, _a, invoiced, _p in counts.values())
            campaign.amount_paid = sum(paid for *_rest, paid in counts.values())

    @api.depends("date_from", "date_to", "plan_ids", "company_id", "state")
    def _compute_declaration_warning(self):
        for campaign in self:
            campaign.declaration_warning = campaign._declaration_warning()

    def _declaration_campaigns_collecting(self):
        """Declaration campaigns still before their deadline, asking for the
        figures of a year these renewals start in, on one of their plans."""
        self.ensure_one()
        if not (self.date_from and self.date_to and self.plan_ids):
            return self.env["membership.declaration.campaign"]
        years = list(range((self.date_from + timedelta(days=1)).year, (self.date_to + timedelta(days=1)).year + 1))
        return self.env["membership.declaration.campaign"].search(
            [
                ("company_id", "=", self.company_id.id),
                ("state", "in", ("running", "open")),
                ("year", "in", years),
                ("plan_ids", "in", self.plan_ids.ids),
                ("deadline", ">=", fields.Date.context_today(self)),
            ]
        )

    def _declaration_warning(self):
        self.ensure_one()
        if self.state not in ("draft", "running"):
            return False
        collecting = self._declaration_campaigns_collecting()
        if not collecting:
            return False
        first = collecting.sorted("deadline")[0]
        return self.env._(
            "The declaration campaign %(campaign)s collects the figures of %(year)s until %(deadline)s "
            "(%(declared)s of %(asked)s members have declared). Renewing before then computes the fees of the "
            "members who have not declared with the plan's fallback rule; their fees are recomputed when they "
            "declare, as long as their notice is not approved.",
            campaign=first.name,
            year=first.year,
            deadline=format_date(self.env, first.deadline),
            declared=first.declared_count,
            asked=first.asked_count,
        )

    # ------------------------------------------------------------------
    # Running
    # ------------------------------------------------------------------
    def action_launch(self):
        """Start the campaign: the scheduled action runs it in the
        background, batch after batch (see the progress on the form)."""
        for campaign in self:
            if campaign.state not in ("draft", "done"):
                continue
            warning = campaign._declaration_warning()
            campaign.write({"state": "running", "launched_on": fields.Datetime.now(), "done_on": False})
            campaign.message_post(body=self.env._("Campaign launched."))
            if warning:
                campaign.message_post(body=warning)
        self.env.ref("membership_dues.ir_cron_membership_campaigns")._trigger()
        return True

    def action_retry_failed(self):
        """Forget the failures and renew those members again: their fees are
        computed afresh, on the figures declared and the tariffs adopted
        since."""
        campaigns = self.filtered(lambda c: c.state in ("running", "done") and c.failure_ids)
        for campaign in campaigns:
            campaign.message_post(
                body=self.env._("Retrying %(count)s failed members.", count=len(campaign.failure_ids))
            )
        campaigns.failure_ids.unlink()
        campaigns.filtered(lambda c: c.state == "done").action_launch()
        if campaigns:
            # a running campaign takes them in its next batch: now, not at the next scheduled run
            self.env.ref("membership_dues.ir_cron_membership_campaigns")._trigger()
        return True

    def action_cancel(self):
        self.write({"state": "cancelled"})
        return True

    def action_draft(self):
        self.filtered(lambda c: c.state == "cancelled").write({"state": "draft"})
        return True

    @api.model
    def _cron_run_campaigns(self, batch_size=200, today=None):
        """Launch the campaigns due, then run the running ones, batch by
        batch, with progress committed after each batch; or, when OCA
        queue_job runs them, enqueue their batches (see
        :func:`~..tools.jobs.work_campaigns`)."""
        today = today or fields.Date.context_today(self)
        for campaign in self.search([("state", "=", "draft"), ("auto_launch", "=", True)]):
            if campaign.date_from - timedelta(days=campaign.launch_days_before) <= today:
                campaign.action_launch()
        work_campaigns(
            self.search([("state", "=", "running")], order="date_from, id"),
            batch_size,
            wake=(self.env.ref("membership_dues.ir_cron_membership_campaigns"), "model._cron_work_campaigns()"),
        )

    @api.model
    def _cron_work_campaigns(self, batch_size=200, campaigns=None):
        """Run the running campaigns, batch by batch, beside the other
        workers (the helper scheduled actions the main one wakes, see
        :func:`~..tools.batch.start_workers`). False when out of time (the
        scheduler calls again)."""
        if campaigns is None:
            campaigns = self.search([("state", "=", "running")], order="date_from, id")
        return work_campaigns(campaigns, batch_size)

    def _batch_todo(self):
        """What the campaign's batches take: (model, domain of the records
        still to do)."""
        return self.env["membership.subscription"], self._todo_domain()

    def _run(self, batch_size=200):
        """Process the members still to renew (see
        :func:`~..tools.batch.run_campaign`), beside any other worker running
        the same campaign. Returns False when this worker is to be called
        again (the cron's time is up), True when it has nothing left to do."""
        return run_campaign(self, *self._batch_todo(), batch_size)

    def _job_work_batch(self, ids):
        """The queue job of one batch of members (OCA queue_job, see
        :func:`~..tools.jobs.campaign_batch_job`)."""
        return campaign_batch_job(self, ids)

    def _job_close(self, batch_size=200):
        """The queue job that closes the campaign once its batches are done
        (:func:`~..tools.jobs.campaign_close_job`)."""
        return campaign_close_job(self, batch_size)

    def _done(self):
        self.write({"state": "done", "done_on": fields.Datetime.now()})
        self.message_post(
            body=self.env._(
                "Campaign done: %(done)s notices, %(failed)s failures.",
                done=len(self.renewal_ids),
                failed=len(self.failure_ids),
            )
        )

    def _record_failure(self, subscription, message):
        self._record_failures(subscription, message)

    def _process(self, subscriptions):
        """One batch (or one member when the batch failed): the fees of all
        its members at once, by plan and period, then their notices created,
        and the auto-renewals approved, invoiced and posted, all together. A
        fee that cannot be computed for a member is recorded as a failure
        (with what to do) and the others go on."""
        prepared = []
        for (plan, start), subs in subscriptions.grouped(lambda s: (s.plan_id, s.date_end + timedelta(days=1))).items():
            quotes = plan._compute_period_fees(subs.partner_id, start)
            for sub in subs:
                quote = quotes[sub.partner_id.id]
                if quote.error:
                    self._record_failures(sub, str(quote.error), self._missing_figures_hint(sub, quote))
                else:
                    prepared.append((sub, quote))
        if prepared:
            self._renew(prepared)

    def _renew(self, prepared):
        """Create the notices of ``prepared`` (subscription, quote) pairs;
        approve the automatic ones at once (one invoicing batch) and tell
        their members; send the others when the campaign says so."""
        renewals = self.env["membership.renewal"].create(
            [self._renewal_values(subscription, quote) for subscription, quote in prepared]
        )
        auto = renewals.filtered(lambda r: r.mode == "auto")
        if auto:
            auto._approve()
            auto.date_sent = fields.Date.context_today(self)
            # Their emails (each with its notice as PDF) are queued, not
            # rendered here: posting the invoices took the sales journal's
            # numbering lock, held until this batch commits, and any other
            # invoice posted in that journal meanwhile (another worker's, an
            # accountant's) waits for it.
            auto._queue_notices()
        if self.send_on_launch and renewals - auto:
            (renewals - auto).action_send()
        return renewals

    def _record_failures(self, subscriptions, message, hint=None):
        """Record why ``subscriptions`` were not renewed, and what to do
        (``hint``; by default: fix it, then Retry Failed)."""
        Failure = self.env["membership.renewal.campaign.failure"]
        existing = {f.subscription_id.id: f for f in self.failure_ids}
        hint = hint or self.env._("Once this is fixed, click Retry Failed on the campaign.")
        for subscription in subscriptions:
            values = {"error": f"{message}\n{hint}", "date": fields.Datetime.now()}
            if subscription.id in existing:
                existing[subscription.id].write(values)
            else:
                Failure.create(
                    {
                        **values,
                        "campaign_id": self.id,
                        "subscription_id": subscription.id,
                        "partner_id": subscription.partner_id.id,
                    }
                )

    def _missing_figures_hint(self, subscription, quote):
        """What the officer does about a fee that lacks declared figures
        (None for another error)."""
        if not quote.data.get("missing"):
            return None
        declaration = self.env["membership.declaration"].search(
            [
                ("partner_id", "=", subscription.partner_id.id),
                ("company_id", "=", subscription.company_id.id),
                ("year", "=", quote.year),
            ],
            limit=1,
        )
        if declaration.state == "to_declare" and declaration.line_ids:
            return self.env._(
                "Its %(year)s declaration holds figures but is still To Declare, and only declared figures count: "
                "click Open Declaration on this line, check them and click Mark Declared, then Retry Failed on the "
                "campaign.",
                year=quote.year,
            )
        if declaration.state in ("declared", "validated"):
            return self.env._(
                "Click Open Declaration on this line and add the missing figures to its %(year)s declaration, then "
                "click Retry Failed on the campaign.",
                year=quote.year,
            )
        return self.env._(
            "Click Open Declaration on this line, type the member's %(year)s figures and click Mark Declared, then "
            "click Retry Failed on the campaign.",
            year=quote.year,
        )

    def _renewal_values(self, subscription, quote):
        plan = subscription.plan_id
        anchor = subscription.period_anchor_day or (
            plan.period_start_day if plan.period_rule == "calendar" else subscription.date_start.day
        )
        period = next_period(Period(subscription.date_start, subscription.date_end), plan.period_months, anchor)
        return {
            "campaign_id": self.id,
            "partner_id": subscription.partner_id.id,
            "previous_subscription_id": subscription.id,
            "plan_id": plan.id,
            "date_start": period.start,
            "date_end": period.end,
            "period_anchor_day": anchor,
            "mode": "auto" if subscription.partner_id._membership_renewal_mode(plan) == "invoice" else "notice",
            **self.env["membership.renewal"]._quote_values(quote),
        }

    # ------------------------------------------------------------------
    # Views
    # ------------------------------------------------------------------
    def action_view_renewals(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("membership_dues.membership_renewal_action")
        action["domain"] = [("campaign_id", "=", self.id)]
        action["context"] = {"search_default_groupby_state": 1}
        return action

    def action_view_failures(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Failures of %(campaign)s", campaign=self.name),
            "res_model": "membership.renewal.campaign.failure",
            "view_mode": "list",
            "domain": [("campaign_id", "=", self.id)],
        }


_STATES = ("draft", "sent", "change_requested", "approved", "refused", "intervention", "cancelled")
