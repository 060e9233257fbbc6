import logging
from datetime import date, timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Domain
from odoo.tools import SQL, format_date

from ..tools.batch import run_campaign
from ..tools.jobs import campaign_batch_job, campaign_close_job, work_campaigns

_logger = logging.getLogger(__name__)

# Subscriptions whose members are asked for their figures.
ASKED_STATES = ("waiting_payment", "upcoming", "active", "expired")


class MembershipDeclarationCampaign(models.Model):
    """Asks the members of some plans for their figures of one year.

    Launching it creates each member's declaration of the year (to declare),
    linked to the campaign, and emails the member a link to the form,
    pre-filled with last year's figures, that works without a portal account
    (the declaration's token, valid for a limited time). It runs in batches
    with the cron progress API and is idempotent: a member has one
    declaration per year (unique index), and a declaration already linked to
    a campaign is never asked again. The same scheduled action then reminds
    the members who did not answer, on the campaign's days before and after
    the deadline: one reminder per step (a persisted reminder and a unique
    index), and a day missed sends one reminder, not several.
    """

    _name = "membership.declaration.campaign"
    _description = "Declaration Campaign"
    _inherit = ["mail.thread"]
    _order = "year desc, id desc"
    _check_company_auto = True

    name = fields.Char(required=True, tracking=True)
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    user_id = fields.Many2one(
        "res.users", "Responsible", default=lambda self: self.env.user, tracking=True, help="Follows the answers."
    )
    year = fields.Integer(
        required=True,
        aggregator=None,
        tracking=True,
        default=lambda self: fields.Date.context_today(self).year + 1,
        help="The membership year whose figures are asked: they set the fees of the periods starting that year.",
    )
    plan_ids = fields.Many2many(
        "membership.plan",
        string="Plans",
        required=True,
        check_company=True,
        domain="[('tariff_id', '!=', False)]",
        help="The members of these plans are asked for their figures. Only plans with a tariff grid read figures.",
    )
    deadline = fields.Date(
        required=True,
        tracking=True,
        help="Declarations received after this date are accepted and flagged late.",
    )
    reminder_days_before = fields.Char(
        "Remind Days Before",
        default="7",
        help="Days before the deadline when members who have not answered are reminded, comma-separated (e.g. 14,3).",
    )
    reminder_days_after = fields.Char(
        "Remind Days After",
        default="7,21",
        help="Days after the deadline when members who have still not answered are reminded, comma-separated.",
    )
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("running", "Sending"),
            ("open", "Collecting"),
            ("closed", "Closed"),
            ("cancelled", "Cancelled"),
        ],
        required=True,
        default="draft",
        tracking=True,
        index=True,
        copy=False,
    )
    launched_on = fields.Datetime(readonly=True, copy=False)
    declaration_ids = fields.One2many("membership.declaration", "campaign_id", "Declarations")
    failed_partner_ids = fields.Many2many(
        "res.partner",
        "membership_declaration_campaign_failed_rel",
        string="Members Not Asked",
        copy=False,
        help="Members the campaign could not ask (see the chatter for why); Retry asks them again.",
    )

    # progress
    member_count = fields.Integer("Members to Ask", compute="_compute_progress")
    todo_count = fields.Integer("Still to Ask", compute="_compute_progress")
    asked_count = fields.Integer("Asked", compute="_compute_figures")
    opened_count = fields.Integer("Opened", compute="_compute_figures")
    declared_count = fields.Integer("Declared", compute="_compute_figures")
    validated_count = fields.Integer("Validated", compute="_compute_figures")
    unanswered_count = fields.Integer("Not Answered", compute="_compute_figures")
    late_count = fields.Integer("Late", compute="_compute_figures", help="Not answered after the deadline.")
    declared_late_count = fields.Integer("Declared Late", compute="_compute_figures")
    to_validate_count = fields.Integer("To Validate", compute="_compute_figures")
    large_change_count = fields.Integer("Large Changes to Check", compute="_compute_figures")
    fallback_count = fields.Integer(
        "Fallback Used",
        compute="_compute_figures",
        help="Members whose fee of this year was computed by the plan's fallback rule, without declared figures.",
    )
    response_rate = fields.Float("Response Rate (%)", compute="_compute_figures", digits=(5, 1))
    failed_count = fields.Integer("Not Asked", compute="_compute_figures")
    progress = fields.Float(compute="_compute_progress")

    _year_check = models.Constraint("CHECK(year BETWEEN 1900 AND 2999)", "The year must be between 1900 and 2999.")

    # ------------------------------------------------------------------
    # Checks
    # ------------------------------------------------------------------
    @api.constrains("plan_ids", "company_id")
    def _check_plans(self):
        for campaign in self:
            if not campaign.plan_ids:
                raise ValidationError(
                    self.env._(
                        "Declaration campaign %(name)s: choose the plans whose members declare (Plans).",
                        name=campaign.name,
                    )
                )
            without_grid = campaign.plan_ids.filtered(lambda plan: not plan.tariff_id)
            if without_grid:
                raise ValidationError(
                    self.env._(
                        "Declaration campaign %(name)s: the plan %(plan)s has no tariff grid, so its fee reads no "
                        "figure. Choose plans with a tariff grid.",
                        name=campaign.name,
                        plan=without_grid[0].display_name,
                    )
                )

    @api.constrains("reminder_days_before", "reminder_days_after")
    def _check_reminder_days(self):
        for campaign in self:
            campaign._reminder_offsets()

    def _parse_days(self, text, label):
        try:
            days = sorted({int(part) for part in (text or "").replace(" ", "").split(",") if part})
        except ValueError as error:
            raise ValidationError(
                self.env._(
                    "Declaration campaign %(name)s, %(field)s %(value)r: write whole numbers of days separated "
                    "by commas, e.g. 14,3.",
                    name=self.name,
                    field=label,
                    value=text,
                )
            ) from error
        if any(day < 0 or day > 366 for day in days):
            raise ValidationError(
                self.env._(
                    "Declaration campaign %(name)s, %(field)s %(value)r: every number of days must be between 0 "
                    "and 366.",
                    name=self.name,
                    field=label,
                    value=text,
                )
            )
        return days

    def _reminder_offsets(self):
        """The reminder steps, as days from the deadline (negative before),
        in the order they come."""
        self.ensure_one()
        before = self._parse_days(self.reminder_days_before, self._fields["reminder_days_before"].string)
        after = self._parse_days(self.reminder_days_after, self._fields["reminder_days_after"].string)
        return sorted({-day for day in before} | set(after))

    def _reminder_dates(self):
        """The date of each reminder step, in order."""
        self.ensure_one()
        return [self.deadline + timedelta(days=offset) for offset in self._reminder_offsets()]

    # ------------------------------------------------------------------
    # Who is asked
    # ------------------------------------------------------------------
    def _get_member_domain(self):
        """res.partner domain of the members this campaign asks: a current or
        recent subscription on one of its plans (ending in the year before
        the declared year or later), not leaving."""
        self.ensure_one()
        return Domain(
            "dues_subscription_ids",
            "any",
            [
                ("company_id", "=", self.company_id.id),
                ("plan_id", "in", self.plan_ids.ids),
                ("state", "in", ASKED_STATES),
                ("date_end", ">=", date(self.year - 1, 1, 1)),
            ],
        ) & Domain("dues_leaving", "=", False)

    def _get_todo_domain(self):
        """Members still to ask: no declaration of the year already asked by
        a campaign, and not failed in this one (Retry asks those again)."""
        self.ensure_one()
        # read in SQL at each search: the members other workers failed meanwhile count too
        self.flush_recordset(["failed_partner_ids"])
        field = self._fields["failed_partner_ids"]
        failed = SQL(
            "SELECT %s FROM %s WHERE %s = %s",
            SQL.identifier(field.column2),
            SQL.identifier(field.relation),
            SQL.identifier(field.column1),
            self.id,
        )
        return (
            self._get_member_domain()
            & Domain("id", "not in", failed)
            & Domain(
                "id",
                "not in",
                self.env["membership.declaration"]
                .sudo()
                ._search(
                    [
                        ("company_id", "=", self.company_id.id),
                        ("year", "=", self.year),
                        ("campaign_id", "!=", False),
                    ]
                )
                .subselect("partner_id"),
            )
        )

    def _compute_progress(self):
        Partner = self.env["res.partner"].with_context(active_test=False).sudo()
        for campaign in self:
            if not campaign.id or not campaign.plan_ids or not campaign.year:
                campaign.update({"member_count": 0, "todo_count": 0, "progress": 0.0})
                continue
            todo = Partner.search_count(campaign._get_todo_domain()) if campaign.state in ("draft", "running") else 0
            done = len(campaign.declaration_ids)
            campaign.todo_count = todo
            campaign.member_count = todo + done + len(campaign.failed_partner_ids)
            campaign.progress = 100.0 * done / campaign.member_count if campaign.member_count else 0.0

    @api.depends("declaration_ids.state", "declaration_ids.date_opened", "declaration_ids.is_late")
    def _compute_figures(self):
        today = fields.Date.context_today(self)
        rows = self.env["membership.declaration"]._read_group(
            [("campaign_id", "in", self.ids)],
            ["campaign_id", "state", "is_late"],
            ["__count", "date_opened:count"],
        )
        counts = {}
        for campaign, state, is_late, count, opened in rows:
            entry = counts.setdefault(campaign.id, {"states": {}, "opened": 0, "declared_late": 0})
            entry["states"][state] = entry["states"].get(state, 0) + count
            entry["opened"] += opened
            if is_late:
                entry["declared_late"] += count
        large = dict(
            self.env["membership.declaration"]._read_group(
                [("campaign_id", "in", self.ids), ("large_change", "=", True)], ["campaign_id"], ["__count"]
            )
        )
        late = dict(
            self.env["membership.declaration"]._read_group(
                [("campaign_id", "in", self.ids), ("state", "=", "to_declare"), ("deadline", "<", today)],
                ["campaign_id"],
                ["__count"],
            )
        )
        fallback = self._fallback_counts()
        for campaign in self:
            entry = counts.get(campaign.id, {"states": {}, "opened": 0, "declared_late": 0})
            states = entry["states"]
            asked = sum(states.values())
            declared = states.get("declared", 0) + states.get("validated", 0)
            campaign.update(
                {
                    "asked_count": asked,
                    "opened_count": entry["opened"],
                    "declared_count": declared,
                    "validated_count": states.get("validated", 0),
                    "to_validate_count": states.get("declared", 0),
                    "unanswered_count": states.get("to_declare", 0),
                    "late_count": late.get(campaign, 0),
                    "declared_late_count": entry["declared_late"],
                    "large_change_count": large.get(campaign, 0),
                    "fallback_count": fallback.get(campaign.id, 0),
                    "failed_count": len(campaign.failed_partner_ids),
                    "response_rate": 100.0 * declared / asked if asked else 0.0,
                }
            )

    def _fallback_counts(self):
        """{campaign id: members whose fee of the campaign's year came from the
        fallback rule}, on their renewal notices and subscriptions."""
        result = {}
        for campaign in self.filtered("id"):
            partners = campaign.declaration_ids.partner_id
            if not partners:
                continue
            domain = [
                ("partner_id", "in", partners.ids),
                ("company_id", "=", campaign.company_id.id),
                ("fee_year", "=", campaign.year),
                ("fee_fallback", "=", True),
            ]
            notices = (
                self.env["membership.renewal"]
                .sudo()
                ._read_group(domain + [("state", "!=", "cancelled")], ["partner_id"])
            )
            subscriptions = (
                self.env["membership.subscription"]
                .sudo()
                ._read_group(domain + [("state", "!=", "cancelled")], ["partner_id"])
            )
            result[campaign.id] = len({partner for (partner,) in notices} | {partner for (partner,) in subscriptions})
        return result

    # ------------------------------------------------------------------
    # Running
    # ------------------------------------------------------------------
    def action_launch(self):
        """Start asking: the scheduled action creates the declarations and
        sends the emails in the background, batch after batch."""
        today = fields.Date.context_today(self)
        for campaign in self:
            if campaign.state != "draft":
                continue
            if campaign.deadline < today:
                raise UserError(
                    self.env._(
                        "Declaration campaign %(name)s: the deadline %(deadline)s has passed; set a deadline from "
                        "today on before launching.",
                        name=campaign.name,
                        deadline=format_date(self.env, campaign.deadline),
                    )
                )
            campaign.write({"state": "running", "launched_on": fields.Datetime.now()})
            campaign.message_post(body=self.env._("Campaign launched: the members are being asked for their figures."))
        self.env.ref("membership_dues.ir_cron_membership_declaration_campaigns")._trigger()
        return True

    def action_retry_failed(self):
        for campaign in self.filtered(lambda c: c.state in ("running", "open") and c.failed_partner_ids):
            campaign.failed_partner_ids = [fields.Command.clear()]
            campaign.state = "running"
        self.env.ref("membership_dues.ir_cron_membership_declaration_campaigns")._trigger()
        return True

    def action_close(self):
        self.filtered(lambda c: c.state in ("running", "open")).write({"state": "closed"})
        return True

    def action_reopen(self):
        self.filtered(lambda c: c.state == "closed").write({"state": "open"})
        return True

    def action_cancel(self):
        self.filtered(lambda c: c.state in ("draft", "running")).write({"state": "cancelled"})
        return True

    def action_draft(self):
        self.filtered(lambda c: c.state == "cancelled").write({"state": "draft"})
        return True

    @api.model
    def _cron_run_declaration_campaigns(self, batch_size=200, today=None):
        """Ask the members of the running campaigns, batch by batch, then
        remind the members who have not answered. Progress is committed after
        each batch; a member that fails is recorded and the others go on.
        When OCA queue_job runs the campaigns, their batches are enqueued
        instead (see :func:`~..tools.jobs.work_campaigns`)."""
        today = today or fields.Date.context_today(self)
        wake = (
            self.env.ref("membership_dues.ir_cron_membership_declaration_campaigns"),
            "model._cron_work_declaration_campaigns()",
        )
        if not work_campaigns(self.search([("state", "=", "running")], order="id"), batch_size, wake=wake):
            return  # out of time: the scheduler calls again
        self.env["membership.declaration"]._cron_send_declaration_reminders(batch_size=batch_size, today=today)

    @api.model
    def _cron_work_declaration_campaigns(self, batch_size=200, campaigns=None):
        """Ask the members of the running campaigns, batch by batch, beside
        the other workers (the helper scheduled actions the main one wakes,
        see :func:`~..tools.batch.start_workers`). False when out of time."""
        if campaigns is None:
            campaigns = self.search([("state", "=", "running")], order="id")
        return work_campaigns(campaigns, batch_size)

    def _run(self, batch_size=200):
        """Ask the members still to ask (see
        :func:`~..tools.batch.run_campaign`), beside any other worker running
        the same campaign. Returns False when this worker is to be called
        again (the cron's time is up), True when it has nothing left to do."""
        return run_campaign(self, *self._batch_todo(), batch_size)

    def _batch_todo(self):
        """What the campaign's batches take: (model, domain of the records
        still to do)."""
        return self.env["res.partner"].with_context(active_test=False), self._get_todo_domain()

    def _job_work_batch(self, ids):
        """The queue job of one batch of members (OCA queue_job, see
        :func:`~..tools.jobs.campaign_batch_job`)."""
        return campaign_batch_job(self, ids)

    def _job_close(self, batch_size=200):
        """The queue job that closes the campaign once its members are all
        asked (:func:`~..tools.jobs.campaign_close_job`)."""
        return campaign_close_job(self, batch_size)

    def _done(self):
        self.write({"state": "open"})
        self.message_post(
            body=self.env._(
                "All members asked: %(asked)s declarations, %(failed)s members not asked.",
                asked=len(self.declaration_ids),
                failed=len(self.failed_partner_ids),
            )
        )

    def _record_failure(self, partner, message):
        """A member who could not be asked: listed on the campaign (Retry
        asks them again), with the error in the chatter."""
        self.failed_partner_ids = [fields.Command.link(partner.id)]
        self.message_post(
            body=self.env._("%(member)s could not be asked: %(error)s", member=partner.display_name, error=message)
        )

    def _prepare_declaration_values(self, partner):
        return {
            "partner_id": partner.id,
            "company_id": self.company_id.id,
            "year": self.year,
            "campaign_id": self.id,
            "deadline": self.deadline,
        }

    def _process(self, partners):
        """Ask these members: create (or link) their declarations of the year
        and email those still to declare."""
        Declaration = self.env["membership.declaration"]
        existing = {
            declaration.partner_id.id: declaration
            for declaration in Declaration.search(
                [
                    ("partner_id", "in", partners.ids),
                    ("company_id", "=", self.company_id.id),
                    ("year", "=", self.year),
                ]
            )
        }
        linked = Declaration.browse([existing[partner.id].id for partner in partners if partner.id in existing])
        if linked:
            linked.write({"campaign_id": self.id, "deadline": self.deadline})
        created = Declaration.create(
            [self._prepare_declaration_values(partner) for partner in partners if partner.id not in existing]
        )
        (linked | created).filtered(lambda d: d.state == "to_declare")._send_declaration_requests()

    # ------------------------------------------------------------------
    # Views
    # ------------------------------------------------------------------
    def _declarations_action(self, name, search_default=None):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("membership_dues.membership_declaration_action")
        context = {"default_campaign_id": self.id, "search_default_campaign_id": self.id}
        if search_default:
            context[f"search_default_{search_default}"] = 1
        action.update(
            {
                "name": self.env._("%(queue)s: %(campaign)s", queue=name, campaign=self.name),
                "domain": [("campaign_id", "=", self.id)],
                "context": context,
            }
        )
        return action

    def action_view_declarations(self):
        return self._declarations_action(self.env._("Declarations"))

    def action_view_unanswered(self):
        return self._declarations_action(self.env._("Not Answered"), "queue_unanswered")

    def action_view_late(self):
        return self._declarations_action(self.env._("Late"), "queue_late")

    def action_view_to_validate(self):
        return self._declarations_action(self.env._("To Validate"), "filter_declared")

    def action_view_large_changes(self):
        return self._declarations_action(self.env._("Large Changes to Check"), "filter_large_change")

    def action_view_progress(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("membership_dues.membership_declaration_analysis_action")
        action["domain"] = [("campaign_id", "=", self.id)]
        action["context"] = {"search_default_groupby_plan": 1}
        return action

    def action_view_figures(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "membership_dues.membership_declaration_figure_analysis_action"
        )
        action["domain"] = [("campaign_id", "=", self.id)]
        return action

    def action_view_failed(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Members not asked by %(campaign)s", campaign=self.name),
            "res_model": "res.partner",
            "view_mode": "list,form",
            "domain": [("id", "in", self.failed_partner_ids.ids)],
        }
