import logging
from datetime import timedelta
from functools import partialmethod

import psycopg2.errors
from dateutil.relativedelta import relativedelta
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain
from odoo.tools import SQL, format_date

from ..tools.batch import run_in_batches
from ..tools.orm_batch import fetch_rule_fields, post_template, write_links
from ..tools.qr_code import qr_data_uri
from ..tools.rpc_args import check_record, check_text

_logger = logging.getLogger(__name__)

OPEN_STATES = ("draft", "sent", "change_requested", "intervention")
# open and not waiting for an officer: what approval, sending (of a notice
# to approve) and a failure's move to 'intervention required' apply to
APPROVABLE_STATES = ("draft", "sent", "change_requested")
NOTICE_STATES = [
    ("draft", "Draft"),
    ("sent", "Sent"),
    ("change_requested", "Change Requested"),
    ("approved", "Approved"),
    ("refused", "Refused"),
    ("intervention", "Intervention Required"),
    ("cancelled", "Cancelled"),
]
# How long an action waits for a notice another user is changing, before
# telling the user so (it then usually learns the other user's outcome).
LOCK_WAIT = "15s"


class MembershipRenewal(models.Model):
    """A renewal notice: asks a member to confirm the next period.

    It is separate from the subscription: approving it creates the next
    subscription (waiting for payment) and its invoice. In auto-renew mode
    the campaign approves it at once and the member is told beforehand how
    to opt out. One notice per member, plan and period (unique index).
    """

    _name = "membership.renewal"
    _description = "Renewal Notice"
    _inherit = ["portal.mixin", "mail.thread", "mail.activity.mixin", "membership.fee.mixin"]
    _order = "date_start desc, id desc"
    _check_company_auto = True
    _rec_names_search = ["partner_id", "plan_id"]

    # What a member reads of a notice (portal pages, JSON-RPC): member, plan,
    # period, mode, fee and how it is computed, state, invoice and the change
    # the member asked for. The other fields (officers' notes, stored fee
    # data, sending and reminders, the access token) are for membership
    # users only (groups=).
    campaign_id = fields.Many2one(
        "membership.renewal.campaign",
        index="btree_not_null",
        check_company=True,
        groups="membership_dues.group_membership_user",
    )
    partner_id = fields.Many2one(
        "res.partner", "Member", required=True, index=True, tracking=True, check_company=True, ondelete="restrict"
    )
    previous_subscription_id = fields.Many2one(
        "membership.subscription",
        "Renewed Subscription",
        index="btree_not_null",
        check_company=True,
        groups="membership_dues.group_membership_user",
    )
    plan_id = fields.Many2one(
        "membership.plan",
        "Proposed Plan",
        required=True,
        tracking=True,
        check_company=True,
        help="The plan of the next period; it may change while the notice is being discussed.",
    )
    company_id = fields.Many2one(related="plan_id.company_id", store=True, index=True, precompute=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    date_start = fields.Date("Period Start", required=True, tracking=True)
    date_end = fields.Date("Period End", required=True, tracking=True)
    period_anchor_day = fields.Integer(groups="membership_dues.group_membership_user")
    mode = fields.Selection(
        [("notice", "Notice to approve"), ("auto", "Auto-renewal")], required=True, default="notice", tracking=True
    )
    amount = fields.Monetary("Fee", tracking=True, help="Untaxed fee of the proposed period.")
    # the fee's fields come from membership.fee.mixin; how it was computed is
    # for membership users, the member reads the explanation
    tariff_version_id = fields.Many2one(groups="membership_dues.group_membership_user")
    fee_year = fields.Integer(groups="membership_dues.group_membership_user")
    fee_data = fields.Json(groups="membership_dues.group_membership_user")
    fee_fallback = fields.Boolean(groups="membership_dues.group_membership_user")
    # the member's reading of fee_data, computed as superuser
    fee_explanation = fields.Text(compute_sudo=True)
    state = fields.Selection(
        NOTICE_STATES,
        required=True,
        default="draft",
        tracking=True,
        index=True,
        copy=False,
    )
    state_before_intervention = fields.Char(copy=False, groups="membership_dues.group_membership_user")
    date_sent = fields.Date("Sent On", copy=False, tracking=True, groups="membership_dues.group_membership_user")
    date_answered = fields.Date(
        "Answered On", copy=False, tracking=True, groups="membership_dues.group_membership_user"
    )
    date_reminded = fields.Date("Last Reminder", copy=False, groups="membership_dues.group_membership_user")
    reminder_count = fields.Integer("Reminders Sent", copy=False, groups="membership_dues.group_membership_user")
    next_reminder_date = fields.Date(
        compute="_compute_next_reminder_date",
        store=True,
        help="When the next reminder is due, for a sent notice without answer.",
        groups="membership_dues.group_membership_user",
    )
    no_reply_date = fields.Date(
        "No Reply Since",
        compute="_compute_next_reminder_date",
        store=True,
        help="From this day, a notice still without answer is listed as 'no reply' (6 months by default).",
        groups="membership_dues.group_membership_user",
    )
    # portal.mixin's token, the key of the member's link: never read back by a member
    access_token = fields.Char(groups="base.group_user")
    token_expires_on = fields.Date("Link Valid Until", copy=False, groups="membership_dues.group_membership_user")
    send_requested = fields.Boolean(
        "To Send",
        copy=False,
        index=True,
        help="Queued for sending by the scheduled action.",
        groups="membership_dues.group_membership_user",
    )
    approval_requested = fields.Boolean(
        "To Approve",
        copy=False,
        index=True,
        help="Queued for approval by the scheduled action (Approve in the Background).",
        groups="membership_dues.group_membership_user",
    )
    change_comment = fields.Text("Requested Change", tracking=True)
    opt_out_requested = fields.Boolean(
        "Opt-out Requested",
        copy=False,
        tracking=True,
        help="An auto-renewed member asked not to renew.",
        groups="membership_dues.group_membership_user",
    )
    refusal_reason_id = fields.Many2one(
        "membership.refusal.reason", tracking=True, groups="membership_dues.group_membership_user"
    )
    refusal_note = fields.Text(groups="membership_dues.group_membership_user")
    intervention_reason = fields.Text(tracking=True, groups="membership_dues.group_membership_user")
    subscription_id = fields.Many2one(
        "membership.subscription",
        "New Subscription",
        copy=False,
        index="btree_not_null",
        check_company=True,
        groups="membership_dues.group_membership_user",
    )
    invoice_id = fields.Many2one(related="subscription_id.invoice_id", string="Invoice")
    payment_state = fields.Selection(related="subscription_id.invoice_id.payment_state", string="Payment")
    amount_invoiced = fields.Monetary(
        compute="_compute_amounts_invoiced", store=True, groups="membership_dues.group_membership_user"
    )
    amount_paid = fields.Monetary(
        compute="_compute_amounts_invoiced", store=True, groups="membership_dues.group_membership_user"
    )
    is_paid = fields.Boolean(
        compute="_compute_amounts_invoiced", store=True, groups="membership_dues.group_membership_user"
    )
    category_id = fields.Many2one(
        "membership.category",
        compute="_compute_category_id",
        store=True,
        help="The member's sector (or first category), for the campaign's figures.",
        groups="membership_dues.group_membership_user",
    )

    _member_plan_period_unique = models.UniqueIndex(
        "(partner_id, plan_id, date_start)",
        "A member has one renewal notice per plan and period: the campaign never creates a second one.",
    )

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------
    def _compute_access_url(self):  # pylint: disable=missing-return
        super()._compute_access_url()
        for renewal in self:
            renewal.access_url = f"/my/renewals/{renewal.id}"

    @api.depends("date_sent", "reminder_count", "state", "company_id.dues_reminder_delays")
    def _compute_next_reminder_date(self):
        for renewal in self:
            delays = renewal.company_id._membership_reminder_delays()
            sent = renewal.date_sent
            renewal.no_reply_date = sent and sent + relativedelta(months=renewal.company_id.dues_no_reply_months or 6)
            if renewal.state == "sent" and sent and renewal.reminder_count < len(delays):
                renewal.next_reminder_date = sent + timedelta(days=delays[renewal.reminder_count])
            else:
                renewal.next_reminder_date = False

    @api.depends("subscription_id.invoice_id.amount_untaxed", "subscription_id.invoice_id.amount_residual", "state")
    def _compute_amounts_invoiced(self):
        for renewal in self:
            invoice = renewal.subscription_id.invoice_id
            if renewal.state == "approved" and invoice and invoice.state == "posted":
                renewal.amount_invoiced = invoice.amount_untaxed
                total = invoice.amount_total
                renewal.amount_paid = (total - invoice.amount_residual) * (
                    invoice.amount_untaxed / total if total else 1
                )
                renewal.is_paid = invoice.currency_id.is_zero(invoice.amount_residual)
            else:
                renewal.amount_invoiced = renewal.amount_paid = 0.0
                renewal.is_paid = renewal.state == "approved" and not invoice and bool(renewal.subscription_id)

    @api.depends("partner_id.dues_category_ids")
    def _compute_category_id(self):
        for renewal in self:
            renewal.category_id = renewal.partner_id._membership_main_category()

    @api.depends("partner_id", "plan_id", "date_start")
    def _compute_display_name(self):
        for renewal in self:
            renewal.display_name = self.env._(
                "Renewal of %(member)s, %(plan)s from %(start)s",
                member=renewal.partner_id.display_name or "",
                # the member reads its notice's name too, not the plan behind it
                plan=renewal.plan_id.sudo().name or "",
                start=format_date(self.env, renewal.date_start) if renewal.date_start else "",
            )

    def _membership_pdf_name(self):
        """The notice's PDF name, in the member's language (print_report_name)."""
        self.ensure_one()
        return self.partner_id._membership_document_filename("renewal", self.date_start)

    def preview_renewal(self):
        """Open the member's page, as the member sees it."""
        self.ensure_one()
        return {"type": "ir.actions.act_url", "url": self.get_portal_url(), "target": "new"}

    # ------------------------------------------------------------------
    # Printed notice (called in the member's language)
    # ------------------------------------------------------------------
    def action_print_notices(self):
        """The notices of the selection in one PDF, to print and post."""
        return self.env["ir.actions.report"]._membership_batch_print(
            "membership_dues.action_report_renewal_notice", self, self.env._("Renewal notices.pdf")
        )

    def _notice_link(self):
        """The member's link to answer (also printed as a QR code)."""
        self.ensure_one()
        return self.get_base_url() + self.get_portal_url()

    def _notice_link_qr(self):
        self.ensure_one()
        return qr_data_uri(self._notice_link())

    def _wording_values(self):
        """The values the notice's sentences quote (report/membership_renewal_templates.xml,
        renewal_wording_*), formatted in the context's language."""
        self.ensure_one()
        start = format_date(self.env, self.date_start)
        return {
            "plan": self.plan_id.name,
            "start": start,
            "end": format_date(self.env, self.date_end),
            "date": start,  # the day before which the member answers
            "amount": self._format_amount(self.amount),
            "account": self.company_id._membership_bank_account().display_name or "",
        }

    def _render_wording(self, sentence):
        """One of the notice's sentences (template renewal_wording_<sentence>),
        in the context's language: for the email templates and the portal."""
        self.ensure_one()
        html = self.env["ir.qweb"]._render(f"membership_dues.renewal_wording_{sentence}", {"o": self})
        return Markup(" ").join(html.split())

    # The sentences the email templates call (templates that are noupdate,
    # and whose translated bodies call these names too) and the portal page.
    _notice_intro = partialmethod(_render_wording, "intro")
    _mail_fee_text = partialmethod(_render_wording, "mail_fee")
    _mail_reminder_text = partialmethod(_render_wording, "mail_reminder")
    _mail_auto_text = partialmethod(_render_wording, "mail_auto")
    _mail_opt_out_text = partialmethod(_render_wording, "mail_opt_out")

    # ------------------------------------------------------------------
    # Fee
    # ------------------------------------------------------------------
    def action_recompute_fee(self):
        """Recompute the fee on today's figures and the proposed plan (a
        changed plan, new declarations) before the notice is approved."""
        self._lock_for_change()
        for renewal in self:
            if renewal.state not in OPEN_STATES:
                raise UserError(
                    self.env._(
                        "%(notice)s is %(state)s: reset it to draft to change its fee.",
                        notice=renewal.display_name,
                        state=dict(self._fields["state"]._description_selection(self.env))[renewal.state],
                    )
                )
            quote = renewal.plan_id._compute_period_fees(renewal.partner_id, renewal.date_start)[renewal.partner_id.id]
            if quote.error:
                raise UserError(quote.error)
            old = renewal.amount
            renewal._write_quote(quote)
            if old != renewal.amount:
                renewal.message_post(
                    body=self.env._(
                        "Fee recomputed: %(old)s becomes %(new)s.",
                        old=renewal._format_amount(old),
                        new=renewal._format_amount(renewal.amount),
                    )
                )
        return True

    # ------------------------------------------------------------------
    # Sending
    # ------------------------------------------------------------------
    def _token_validity_days(self):
        return self.company_id.dues_link_validity_days or 120

    def _send_notices(self, template_xmlid):
        """Queue the notice's email (with its PDF) and extend its link."""
        template = self.env.ref(template_xmlid)
        today = fields.Date.context_today(self)
        for renewal in self:
            renewal._portal_ensure_token()
        for renewals in self.grouped("company_id").values():
            renewals.token_expires_on = today + timedelta(days=renewals[:1]._token_validity_days())
        if not self.env.context.get("membership_skip_emails"):  # demo data
            post_template(self, template, subtype_id=self.env.ref("mail.mt_comment").id)

    def action_send(self):
        """Send (or send again) the notices; returns what was done and what
        was skipped, and why."""
        self._lock_for_change()
        to_send = self._filter_sendable()
        skipped = self - to_send
        to_send._send_notices("membership_dues.mail_template_renewal_notice")
        first = to_send.filtered(lambda r: r.state == "draft")
        first.write({"state": "sent", "date_sent": fields.Date.context_today(self), "send_requested": False})
        to_send.filtered("send_requested").send_requested = False
        return self._report(self.env._("Sent"), to_send, skipped)

    def action_queue_send(self):
        """Send a large selection in the background, in batches."""
        self._lock_for_change()
        to_send = self._filter_sendable()
        to_send._set_queue_flag("send_requested")
        self.env.ref("membership_dues.ir_cron_membership_renewal_send")._trigger()
        return self._report(self.env._("Queued for sending"), to_send, self - to_send)

    def _filter_sendable(self):
        """The notices a sending applies to: notices to approve (not
        auto-renewals), still open. Only their mode and state are read: a
        season's selection is not loaded whole."""
        self.fetch(["mode", "state"])
        return self.filtered(lambda r: r.mode == "notice" and r.state in APPROVABLE_STATES)

    def _set_queue_flag(self, flag):
        """Queue these notices for a scheduled action: ``flag`` set on all of
        them in one write, without field tracking. The flags are not
        tracked, but Odoo's mail thread would otherwise read every tracked
        field of every notice before the write and keep the values until
        the commit: queueing a season's 90,000 notices took 1 GB. The
        record rules the write checks read their own fields only."""
        fetch_rule_fields(self, "write")
        self.with_context(mail_notrack=True).write({flag: True})

    def _report(self, verb, done, skipped):
        """A notification saying what was done and what was skipped, and why."""
        states = dict(self._fields["state"]._description_selection(self.env))
        reasons = {}
        for renewal in skipped:
            reasons.setdefault(states[renewal.state], []).append(renewal)
        lines = [self.env._("%(verb)s: %(count)s.", verb=verb, count=len(done))]
        for state, renewals in sorted(reasons.items()):
            named = self.browse([r.id for r in renewals[:10]])  # read alone, not with every skipped notice
            lines.append(
                self.env._(
                    "Skipped %(count)s in state %(state)s: %(members)s.",
                    count=len(renewals),
                    state=state,
                    members=", ".join(r.partner_id.display_name for r in named)
                    + (", ..." if len(renewals) > 10 else ""),
                )
            )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success" if not skipped else "warning",
                "title": self.env._("Renewal notices"),
                "message": "\n".join(lines),
                "sticky": bool(skipped),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    # ------------------------------------------------------------------
    # Member's answers (portal) and officer's decisions
    # ------------------------------------------------------------------
    def action_request_change(self, comment):
        """The member asks for a change: the officer gets an activity."""
        self.ensure_one()
        comment = check_text(self.env, "comment", comment, 4000)
        if not comment:
            raise UserError(self.env._("Please say which change you would like."))
        self._lock_for_change()
        if self.state not in ("sent", "draft", "change_requested"):
            raise UserError(self.env._("This renewal notice cannot be changed anymore."))
        self.write(
            {
                "state": "change_requested",
                "change_comment": comment,
                "date_answered": fields.Date.context_today(self),
            }
        )
        self.message_post(body=self.env._("The member asks for a change: %(comment)s", comment=comment))
        self.activity_schedule(
            "mail.mail_activity_data_todo",
            summary=self.env._("Renewal change requested"),
            note=comment,
            user_id=self._responsible_user().id,
        )
        return True

    def _request_opt_out(self, comment):
        """An auto-renewed member does not wish to renew: the officer resets
        the notice (which credits the invoice) and refuses it."""
        self.ensure_one()
        self.write({"opt_out_requested": True, "change_comment": comment})
        self.message_post(body=self.env._("The member does not wish to renew: %(comment)s", comment=comment))
        self.activity_schedule(
            "mail.mail_activity_data_todo",
            summary=self.env._("Auto-renewal: the member opts out"),
            note=comment,
            user_id=self._responsible_user().id,
        )

    def _responsible_user(self):
        """The officer following the notice: the campaign's responsible, or
        the current user when a person acts, or the administrator."""
        self.ensure_one()
        if self.campaign_id.user_id:
            return self.campaign_id.user_id
        if not self.env.user._is_public() and not self.env.user.share:
            return self.env.user
        return self.env.ref("base.user_admin", raise_if_not_found=False) or self.env.user

    def _filter_approvable(self):
        """The notices an approval applies to: open, and not set aside for
        an officer (an intervention is cleared first). Only their states are
        read: a season's selection is not loaded whole."""
        self.fetch(["state"])
        return self.filtered(lambda r: r.state in APPROVABLE_STATES)

    def action_approve(self):
        """Approve: create the next subscription, waiting for payment, and its
        invoice, posted and sent. Returns a report of done and skipped."""
        self._lock_for_change()
        to_approve = self._filter_approvable()
        skipped = self - to_approve
        to_approve._approve()
        return self._report(self.env._("Approved"), to_approve, skipped)

    def action_queue_approve(self):
        """Approve a large selection in the background, in batches each
        committed on its own (a season's notices do not fit in one request)."""
        self._lock_for_change()
        to_approve = self._filter_approvable()
        to_approve._set_queue_flag("approval_requested")
        self.env.ref("membership_dues.ir_cron_membership_renewal_approve")._trigger()
        return self._report(self.env._("Queued for approval"), to_approve, self - to_approve)

    def _approve(self, send_invoice=True):
        """Approve these notices in one batch: their subscriptions, then all
        their invoices created and posted together (one accounting batch, not
        one per member). Returns the subscriptions, in the notices' order."""
        if not self:
            return self.env["membership.subscription"]
        subscriptions = self.env["membership.subscription"].create([r._subscription_values() for r in self])
        subscriptions._create_invoices(post=True, send=send_invoice)
        today = fields.Date.context_today(self)
        # not tracked field by field (one message per notice): the approval
        # note below, logged in one batch, says it
        quiet = self.with_context(mail_notrack=True)
        quiet.filtered(lambda r: not r.date_answered).date_answered = today
        quiet.state = "approved"
        write_links(self, "subscription_id", subscriptions)
        # one note per notice, created in one batch
        self._message_log_batch(
            bodies={
                renewal.id: self.env._(
                    "Approved: subscription %(subscription)s and invoice %(invoice)s created.",
                    subscription=subscription.display_name,
                    invoice=subscription.invoice_id.display_name or self.env._("none (nothing to pay)"),
                )
                for renewal, subscription in zip(self, subscriptions, strict=True)
            }
        )
        return subscriptions

    def _subscription_values(self):
        self.ensure_one()
        return {
            **self.env["membership.subscription"]._fee_values_from(self),
            "partner_id": self.partner_id.id,
            "plan_id": self.plan_id.id,
            "kind": "renewal",
            "date_start": self.date_start,
            "date_end": self.date_end,
            "period_anchor_day": self.period_anchor_day,
            "amount": self.amount,
            "previous_id": self.previous_subscription_id.id,
        }

    def action_refuse(self, reason, note=None):
        """Refuse (officers only): the membership ends with the current period.
        ``reason``: a refusal reason (its id over RPC); ``note``: an optional text."""
        if not reason:
            raise UserError(self.env._("Choose the reason of the refusal."))
        reason = check_record(self.env, "reason", reason, "membership.refusal.reason")
        note = check_text(self.env, "note", note, 4000)
        self._lock_for_change()
        to_refuse = self.filtered(lambda r: r.state in OPEN_STATES)
        skipped = self - to_refuse
        to_refuse.write(
            {
                "state": "refused",
                "refusal_reason_id": reason.id,
                "refusal_note": note or False,
                "date_answered": fields.Date.context_today(self),
                "send_requested": False,
            }
        )
        for renewal in to_refuse:
            renewal.message_post(
                body=self.env._(
                    "Refused (%(reason)s): the membership ends on %(end)s.",
                    reason=reason.name,
                    end=format_date(self.env, renewal.date_start - timedelta(days=1)),
                )
            )
        return self._report(self.env._("Refused"), to_refuse, skipped)

    def action_set_intervention(self):
        self._lock_for_change()
        for renewal in self:
            if not (renewal.intervention_reason or "").strip():
                raise UserError(
                    self.env._("%(notice)s: write the reason of the intervention first.", notice=renewal.display_name)
                )
            if renewal.state not in ("draft", "sent", "change_requested"):
                raise UserError(
                    self.env._("%(notice)s cannot require an intervention in its state.", notice=renewal.display_name)
                )
            renewal.write({"state_before_intervention": renewal.state, "state": "intervention"})
        return True

    def action_clear_intervention(self):
        self._lock_for_change()
        for renewal in self.filtered(lambda r: r.state == "intervention"):
            renewal.write({"state": renewal.state_before_intervention or "draft", "state_before_intervention": False})
            renewal.message_post(body=self.env._("Intervention done: %(reason)s", reason=renewal.intervention_reason))
        return True

    def action_cancel(self):
        self._lock_for_change()
        open_renewals = self.filtered(lambda r: r.state in OPEN_STATES)
        open_renewals.write({"state": "cancelled", "send_requested": False})
        return self._report(self.env._("Cancelled"), open_renewals, self - open_renewals)

    def action_reset(self):
        """Back to draft. An approved notice first undoes its approval: a
        draft invoice is cancelled, a posted invoice without any payment is
        credited in full, and the pending subscription is cancelled. A paid
        or partly paid invoice is refused: money was received for it.
        Returns a report of done and skipped (a draft is left as it is)."""
        self._lock_for_change()
        to_reset = self.filtered(lambda r: r.state != "draft")
        for renewal in to_reset:
            if renewal.state == "approved" or renewal.subscription_id:
                renewal._undo_approval()
            renewal.write(
                {
                    "state": "draft",
                    "refusal_reason_id": False,
                    "state_before_intervention": False,
                    "send_requested": False,
                    "opt_out_requested": False,
                }
            )
            renewal.message_post(body=self.env._("Reset to draft."))
        return self._report(self.env._("Reset to draft"), to_reset, self - to_reset)

    def _lock_for_change(self):
        """Lock these notices before changing them, for the rest of the
        transaction, in the order of their ids: two users acting at once on
        the same notices (or overlapping selections) queue on these rows
        instead of deadlocking deeper (on their subscriptions and invoices).
        The one that waited finds the notice changed by the first: it is told
        so with a UserError (its transaction cannot see the change), or, if
        the other user is still at it after LOCK_WAIT, that the notice is
        being changed. The notices are read again after locking."""
        if not self.ids:
            return self
        self.flush_recordset()
        cr = self.env.cr
        try:
            with cr.savepoint(flush=False):
                cr.execute("SELECT current_setting('lock_timeout')")
                previous = cr.fetchone()[0]
                cr.execute(SQL("SELECT set_config('lock_timeout', %s, true)", LOCK_WAIT))
                cr.execute(
                    SQL(
                        "SELECT id FROM membership_renewal WHERE id IN %s ORDER BY id FOR NO KEY UPDATE",
                        tuple(self.ids),
                    ),
                    log_exceptions=False,
                )
                cr.execute(SQL("SELECT set_config('lock_timeout', %s, true)", previous))
        except psycopg2.errors.LockNotAvailable:
            raise UserError(
                self.env._(
                    "%(notice)s is being changed by someone else right now: reload it in a moment and check "
                    "its state before acting again.",
                    notice=self[:1].display_name if len(self) == 1 else self.env._("A selected renewal notice"),
                )
            ) from None
        except psycopg2.errors.SerializationFailure:
            raise UserError(self._changed_meanwhile_message()) from None
        self.invalidate_recordset()
        return self

    def _changed_meanwhile_message(self):
        """ "X was just approved by someone else": the states committed by
        the other users, read in a transaction of their own (this one still
        sees the notices as they were when it began)."""
        states = dict(self._fields["state"]._description_selection(self.env))
        with self.env.registry.cursor() as cr:
            cr.execute(SQL("SELECT id, state FROM membership_renewal WHERE id IN %s ORDER BY id", tuple(self.ids)))
            now = dict(cr.fetchall())
        changed = [renewal for renewal in self if now.get(renewal.id) != renewal.state] or self[:1]
        renewal = changed[0]
        return self.env._(
            "%(notice)s was just changed by someone else: it is now %(state)s. Reload it to see it; nothing was done.",
            notice=renewal.display_name,
            state=states.get(now.get(renewal.id), self.env._("deleted")),
        )

    def _undo_approval(self):
        self.ensure_one()
        subscription = self.subscription_id
        invoice = subscription.invoice_id
        if subscription:
            # cancelled first: crediting the invoice below is no accounting
            # event for the notice (see _on_invoice_events)
            subscription.is_cancelled = True
        if invoice and invoice.state == "posted" and invoice.payment_state == "reversed":
            pass  # already credited in full from Accounting
        elif invoice and invoice.state == "posted":
            if invoice.payment_state != "not_paid":
                raise UserError(
                    self.env._(
                        "The invoice %(invoice)s of %(notice)s has a payment (%(state)s): resetting the notice would "
                        "leave money without a membership. Change the subscription directly, or refund the payment "
                        "and credit the invoice first.",
                        invoice=invoice.display_name,
                        notice=self.display_name,
                        state=dict(invoice._fields["payment_state"]._description_selection(self.env))[
                            invoice.payment_state
                        ],
                    )
                )
            # a full credit note, posted and reconciled with the invoice
            document = invoice._reverse_moves(
                [{"ref": self.env._("Renewal notice reset: %(notice)s", notice=self.display_name)}], cancel=True
            )
            self.message_post(
                body=self.env._(
                    "Approval undone: invoice %(invoice)s credited by %(credit)s.",
                    invoice=invoice.display_name,
                    credit=document.display_name,
                )
            )
        elif invoice and invoice.state == "draft":
            invoice.button_cancel()
            self.message_post(
                body=self.env._("Approval undone: draft invoice %(invoice)s cancelled.", invoice=invoice.display_name)
            )
        if subscription:
            subscription.message_post(body=self.env._("Cancelled: its renewal notice was reset."))
        self.subscription_id = False

    def _invoice_event_reason(self, event, invoice):
        """What happened to the invoice of this approved notice, and what the
        officer does about it (the intervention reason and the chatter line)."""
        if event == "credited":
            return self.env._(
                "Invoice %(invoice)s was credited in full in Accounting: the member is neither renewed nor "
                "refused. Reset this notice to draft to propose the renewal again, or refuse it.",
                invoice=invoice.display_name,
            )
        if event == "cancelled":
            return self.env._(
                "Invoice %(invoice)s was cancelled in Accounting: the member is neither renewed nor refused. "
                "Reset this notice to draft to propose the renewal again, or refuse it.",
                invoice=invoice.display_name,
            )
        if event == "refunded":
            return self.env._(
                "Invoice %(invoice)s was paid, then credited in full by %(credit)s in Accounting: the member is "
                "still shown as renewed. If the dues are refunded, refuse this notice and have the subscription "
                "cancelled; otherwise mark this intervention as done.",
                invoice=invoice.display_name,
                credit=invoice.reversal_move_ids.filtered(lambda m: m.state == "posted")[-1:].display_name,
            )
        if event == "draft":
            return self.env._(
                "Invoice %(invoice)s was reset to draft in Accounting: the member is not billed. Post the "
                "invoice again and mark this intervention as done, or reset this notice to draft.",
                invoice=invoice.display_name,
            )
        return self.env._(
            "The payment of invoice %(invoice)s was taken back in Accounting (refunded or unreconciled): the "
            "renewal is unpaid again. Check with the member, then mark this intervention as done to wait for "
            "the payment, or reset this notice to draft (which credits the invoice).",
            invoice=invoice.display_name,
        )

    def _on_invoice_events(self, events):
        """The accounting side changed the invoices of these subscriptions
        (``events``: {subscription: event}, see the subscription's
        _invoice_events): their approved notices require an intervention,
        with the reason in their chatter (a later event on the same invoice,
        e.g. reset to draft then cancelled, says so too). One search and one batch of notes
        (events are rare: a normal posting or payment never gets here); a notice already in intervention is left
        as it is, so a second identical event writes nothing."""
        subscriptions = self.env["membership.subscription"].union(*events)
        renewals = self.search(
            Domain("subscription_id", "in", subscriptions.ids)
            & (
                Domain("state", "=", "approved")
                | (Domain("state", "=", "intervention") & Domain("state_before_intervention", "=", "approved"))
            )
        )
        event_of = {sub.id: event for sub, event in events.items()}
        reasons = {
            renewal.id: renewal._invoice_event_reason(
                event_of[renewal.subscription_id.id], renewal.subscription_id.invoice_id
            )
            for renewal in renewals
        }
        renewals = renewals.filtered(lambda r: r.intervention_reason != reasons[r.id])
        if not renewals:
            return
        reasons = {renewal.id: reasons[renewal.id] for renewal in renewals}
        quiet = renewals.with_context(mail_notrack=True)
        for reason, group in quiet.grouped(lambda r: reasons[r.id]).items():
            group.write(
                {
                    "state": "intervention",
                    "state_before_intervention": "approved",
                    "intervention_reason": reason,
                    "send_requested": False,
                }
            )
        renewals._message_log_batch(bodies=reasons)

    # ------------------------------------------------------------------
    # Scheduled actions
    # ------------------------------------------------------------------
    @api.model
    def _get_reminder_domain(self, today):
        """Sent notices whose next reminder is due; an intervention stops them."""
        return Domain("state", "=", "sent") & Domain("next_reminder_date", "<=", today)

    @api.model
    def _cron_send_reminders(self, batch_size=200, today=None):
        """Remind the members who did not answer. Idempotent: the number of
        reminders sent is stored, and a day the server was off sends one
        reminder, not several. A notice whose reminder fails is set to
        'intervention required' with the error (see _cron_failure): the
        others go on, and it is not retried until an officer clears it.
        Returns the number of failures."""
        today = today or fields.Date.context_today(self)
        return run_in_batches(
            lambda renewal: renewal._send_reminder(today),
            self._cron_failure(self.env._("Reminder"), today),
            model=self,
            domain=self._get_reminder_domain(today),
            batch_size=batch_size,
            batch_first=False,
            what="renewal reminders",
        ).failed

    def _send_reminder(self, today):
        self.ensure_one()
        delays = self.company_id._membership_reminder_delays()
        passed = sum(1 for delay in delays if self.date_sent + timedelta(days=delay) <= today)
        self._send_notices("membership_dues.mail_template_renewal_reminder")
        self.write({"reminder_count": max(passed, self.reminder_count + 1), "date_reminded": today})

    @api.model
    def _cron_send_queued(self, batch_size=100):
        """Send the notices queued by a bulk action, in batches. Returns the
        number of failures (see _run_queue)."""
        return self._run_queue(
            "send_requested", lambda renewals: renewals._send_queued(), self.env._("Sending"), batch_size
        )

    @api.model
    def _cron_approve_queued(self, batch_size=100):
        """Approve the notices queued by a bulk action, in batches. Returns
        the number of failures (see _run_queue)."""
        return self._run_queue(
            "approval_requested", lambda renewals: renewals._approve_queued(), self.env._("Approval"), batch_size
        )

    @api.model
    def _run_queue(self, flag, process, what, batch_size):
        """Work the queue of the notices whose boolean ``flag`` is set:
        ``process`` is called on each batch and clears the flag, in batches
        claimed beside any other worker (tools/batch.py), each committed on
        its own: a crash loses the batch in progress only, still queued. A
        batch that fails is redone notice by notice: a notice that fails
        leaves the queue and is set to 'intervention required' with the
        error (see _cron_failure, ``what`` names the step), the others go
        on. Returns the number of failures."""
        today = fields.Date.context_today(self)
        return run_in_batches(
            process,
            self._cron_failure(what, today),
            model=self,
            domain=Domain(flag, "=", True),
            batch_size=batch_size,
            what=f"queued renewal notices ({flag})",
            claim=True,
        ).failed

    def _approve_queued(self):
        """Approve these queued notices together; those that cannot be
        approved any more (answered, refused or cancelled meanwhile) leave
        the queue as they are."""
        self._filter_approvable()._approve()
        self.approval_requested = False

    def _send_queued(self):
        """Send these queued notices, and the emails of the automatic
        renewals a campaign approved (each with its notice attached); those
        that cannot be sent any more (answered, approved meanwhile) leave the
        queue too."""
        auto = self.filtered(lambda r: r.mode == "auto" and r.state == "approved")
        auto._send_notices("membership_dues.mail_template_renewal_auto")
        (self - auto).action_send()
        self.filtered("send_requested").send_requested = False

    def _queue_notices(self):
        """Queue the emails of these automatic renewals for the sending
        scheduled action (woken now). The demo data and the benchmarks,
        which send no email, only get the members' links."""
        if self.env.context.get("membership_skip_emails"):
            self._send_notices("membership_dues.mail_template_renewal_auto")
            return
        self._set_queue_flag("send_requested")
        self.env.ref("membership_dues.ir_cron_membership_renewal_send")._trigger()

    @api.model
    def _cron_failure(self, what, today):
        """How a scheduled action records that ``what`` failed for a notice
        (for :func:`~..tools.batch.run_in_batches`): out of the send queue,
        and an open notice goes to 'intervention required' with the error as
        reason (an officer's queue), so that the next runs neither retry it
        in a loop nor record the failure twice."""

        def record_failure(renewal, message):
            values = {
                "send_requested": False,
                "approval_requested": False,
                "intervention_reason": self.env._(
                    "%(what)s failed on %(date)s: %(error)s",
                    what=what,
                    date=format_date(self.env, today),
                    error=message,
                ),
            }
            if renewal.state in APPROVABLE_STATES:
                values.update(state_before_intervention=renewal.state, state="intervention")
            renewal.write(values)

        return record_failure
