import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Command, Domain
from odoo.tools import SQL, format_date

from ..engine import round_money, to_decimal
from ..tools.batch import run_in_batches
from ..tools.orm_batch import refresh_statistics, write_links

_logger = logging.getLogger(__name__)

# Subscription states that mean "paid" (or free): the member is covered by the
# subscription's dates. The partner's status is derived from these in SQL.
PAID_STATES = ("upcoming", "active", "expired")

# Creating this many invoices at once is a bulk run (a campaign's or a bulk
# approval's batch): the planner's statistics of BULK_STATISTICS are checked
# once they are created.
BULK_POSTING = 20
# The tables a batch of dues invoices queries row by row once created: Odoo
# numbers each invoice (account_move) and checks each one's balance on its
# lines (account_move_line), as for any batch of invoices (INVOICE_STATISTICS,
# also refreshed before posting late fees); and the ORM finds the notices and
# subscriptions to recompute by their invoice's subscription
# (membership_renewal, membership_subscription). Each plan depends on the
# table's planner statistics; stale or missing ones (autovacuum off or behind
# a season's bulk) make each query read the whole table, whose cost per member
# grows with the season.
INVOICE_STATISTICS = ("account.move", "account.move.line")
BULK_STATISTICS = (*INVOICE_STATISTICS, "membership.subscription", "membership.renewal")


class MembershipSubscription(models.Model):
    """One period of one member on one plan.

    The state follows the invoice (see README.rst, "Accounting link") and the
    dates: it is a stored compute triggered by the invoice's state and payment
    state; the daily cron only moves paid subscriptions from upcoming to active
    to expired as the days pass.
    """

    _name = "membership.subscription"
    _description = "Membership Subscription"
    _inherit = ["mail.thread", "mail.activity.mixin", "membership.fee.mixin"]
    _order = "date_start desc, id desc"
    _check_company_auto = True
    _rec_names_search = ["partner_id", "plan_id"]
    _fee_amount_field = "full_amount"

    partner_id = fields.Many2one(
        "res.partner",
        "Member",
        required=True,
        index=True,
        tracking=True,
        check_company=True,
        ondelete="restrict",
    )
    plan_id = fields.Many2one(
        "membership.plan", required=True, index=True, tracking=True, check_company=True, ondelete="restrict"
    )
    company_id = fields.Many2one(related="plan_id.company_id", store=True, index=True, precompute=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    date_start = fields.Date("Start", required=True, tracking=True)
    date_end = fields.Date("End", required=True, tracking=True)
    grace_date_end = fields.Date(
        "End of Grace",
        compute="_compute_grace_date_end",
        store=True,
        help="Last day of the grace period that follows this subscription.",
    )
    period_anchor_day = fields.Integer(
        "Anchor Day",
        help="Day of month that the following periods keep (the joining day for anniversary plans).",
    )
    kind = fields.Selection([("join", "Joining"), ("renewal", "Renewal")], required=True, default="join")
    full_amount = fields.Monetary("Full Period Fee", help="Untaxed fee of the full period, before proration.")
    amount = fields.Monetary("Period Fee", tracking=True, help="Untaxed fee charged for this period.")
    joining_fee_amount = fields.Monetary("Joining Fee")
    amount_total = fields.Monetary("Total (untaxed)", compute="_compute_amount_total", store=True)
    proration_method = fields.Selection([("none", "None"), ("month", "By month"), ("day", "By day")], default="none")
    proration_numerator = fields.Integer(default=1)
    proration_denominator = fields.Integer(default=1)
    cutoff_applied = fields.Boolean(
        help="The member joined after the cut-off day: one full fee covers the rest of that "
        "period and the whole next one."
    )
    # the fee's fields come from membership.fee.mixin
    tariff_version_id = fields.Many2one(index="btree_not_null", copy=False)
    fee_year = fields.Integer(copy=False)
    fee_data = fields.Json(copy=False)
    fee_fallback = fields.Boolean(copy=False)
    regularisation_move_ids = fields.Many2many(
        "account.move",
        compute="_compute_regularisation_move_ids",
        string="Regularisations",
        help="Credit notes and complementary invoices issued when the fee was recomputed on new figures.",
    )
    invoice_id = fields.Many2one(
        "account.move",
        copy=False,
        index="btree_not_null",
        tracking=True,
        check_company=True,
        ondelete="restrict",
    )
    invoice_state = fields.Selection(related="invoice_id.state", string="Invoice Status")
    payment_state = fields.Selection(related="invoice_id.payment_state")
    is_cancelled = fields.Boolean(
        "Cancelled Manually", copy=False, help="Cancelled by a user; independent of the invoice."
    )
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("waiting_payment", "Waiting Payment"),
            ("upcoming", "Paid, Upcoming"),
            ("active", "Active"),
            ("expired", "Expired"),
            ("cancelled", "Cancelled"),
        ],
        compute="_compute_state",
        group_expand=True,
        store=True,
        index=True,
        tracking=True,
        copy=False,
    )
    previous_id = fields.Many2one(
        "membership.subscription",
        "Previous Subscription",
        index="btree_not_null",
        copy=False,
        check_company=True,
        ondelete="set null",
    )
    next_ids = fields.One2many("membership.subscription", "previous_id", "Next Subscriptions")
    renewal_ids = fields.One2many("membership.renewal", "previous_subscription_id", "Renewal Notices")
    next_id = fields.Many2one("membership.subscription", "Next Subscription", compute="_compute_next_id")
    member_number = fields.Char(compute="_compute_member_number")
    cron_error = fields.Text(
        "Processing Error",
        copy=False,
        help="Error of the last scheduled update of this subscription, if it failed.",
    )
    cron_error_date = fields.Date(
        "Failed On", copy=False, help="Day of the scheduled update that failed; retried the next day."
    )
    note = fields.Html()

    # No two live subscriptions of one member on one plan may overlap, also
    # for writes that bypass the ORM. Plain PostgreSQL (no btree_gist): the
    # member and plan ids are one-point int4ranges compared with "=" in a GiST
    # index. Deferred to the commit, so that _check_overlap speaks first,
    # naming the member and the periods. Field-level rules (dates in order,
    # amounts not negative) are Python constraints with messages naming the
    # field; rows with the dates in the wrong order are left out here so that
    # their message is the Python one.
    _no_overlap = models.Constraint(
        # Written as PostgreSQL prints it back, so upgrades do not rebuild it.
        "EXCLUDE USING gist ("
        "int4range(partner_id, partner_id, '[]'::text) WITH =, "
        "int4range(plan_id, plan_id, '[]'::text) WITH =, "
        "daterange(date_start, date_end, '[]'::text) WITH &&"
        ") WHERE ((((state)::text <> 'cancelled'::text) AND (date_end >= date_start))) "
        "DEFERRABLE INITIALLY DEFERRED",
        "A member cannot have two overlapping subscriptions on the same plan.",
    )
    # Used by the partner's membership status (see res_partner.py).
    _status_lookup = models.Index(
        "(partner_id, company_id, date_start, date_end) WHERE state IN ('upcoming', 'active', 'expired')"
    )

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------
    @api.depends("date_end", "plan_id.grace_days")
    def _compute_grace_date_end(self):
        for sub in self:
            sub.grace_date_end = sub.date_end and sub.date_end + timedelta(days=sub.plan_id.grace_days)

    @api.depends("amount", "joining_fee_amount")
    def _compute_amount_total(self):
        for sub in self:
            sub.amount_total = sub.amount + sub.joining_fee_amount

    @api.depends(
        "is_cancelled",
        "invoice_id",
        "invoice_id.state",
        "invoice_id.payment_state",
        "amount_total",
        "date_start",
        "date_end",
    )
    def _compute_state(self):
        today = self._today()
        states = {sub: sub._state_on(today) for sub in self}
        events = self._invoice_events(states)
        for sub, state in states.items():
            sub.state = state
        if events:
            self.env["membership.renewal"].sudo()._on_invoice_events(events)

    def _invoice_events(self, states):
        """What the accounting side did to these subscriptions' invoices, for
        their approved renewal notices: {subscription: event} with event in
        "cancelled", "credited", "draft" (reset after posting) or "unpaid"
        (paid, then its payment taken back). ``states`` are the new states;
        a normal posting or payment is no event and costs no query."""
        events = {}
        unpaid = []
        for sub, state in states.items():
            invoice = sub.invoice_id
            if not invoice or sub.is_cancelled or not isinstance(sub.id, int):
                continue
            if state == "cancelled":
                events[sub] = "cancelled" if invoice.state == "cancel" else "credited"
            elif state == "draft" and invoice.posted_before:
                events[sub] = "draft"
            elif state == "waiting_payment" and invoice.payment_state in ("not_paid", "partial"):
                unpaid.append(sub)
        if unpaid:
            # the stored state before this change: in cache after a normal
            # posting of this transaction; none for a subscription created in
            # this transaction (a campaign's); else read in one query
            cache = self._fields["state"]._get_cache(self.env)
            before = {sub.id: cache[sub.id] for sub in unpaid if sub.id in cache}
            now = self.env.cr.now()
            missing = tuple(sub.id for sub in unpaid if sub.id not in before and sub.create_date != now)
            if missing:
                self.env.cr.execute(SQL("SELECT id, state FROM membership_subscription WHERE id IN %s", missing))
                before.update(self.env.cr.fetchall())
            events.update((sub, "unpaid") for sub in unpaid if before.get(sub.id) in PAID_STATES)
        return events

    def _state_on(self, today):
        """The state this subscription has on ``today``: the accounting
        mapping of README.rst, then the dates for a paid subscription."""
        self.ensure_one()
        invoice = self.invoice_id
        if self.is_cancelled:
            return "cancelled"
        if not invoice:
            # Nothing to pay (a free plan) counts as paid; otherwise the
            # invoice has not been created yet.
            if self.currency_id.is_zero(self.amount_total):
                return self._paid_state_on(today)
            return "draft"
        if invoice.state == "cancel":
            return "cancelled"
        if invoice.state == "draft":
            return "draft"
        if invoice.payment_state in ("paid", "in_payment"):
            return self._paid_state_on(today)
        if invoice.payment_state == "reversed":
            return "cancelled"
        # not_paid, partial (paid or credited in part), blocked
        return "waiting_payment"

    def _paid_state_on(self, today):
        if not self.date_start or today < self.date_start:
            return "upcoming"
        if today <= self.date_end:
            return "active"
        return "expired"

    @api.depends("next_ids.state")
    def _compute_next_id(self):
        for sub in self:
            live = sub.next_ids.filtered(lambda s: s.state != "cancelled")
            sub.next_id = live[:1] or sub.next_ids[:1]

    @api.depends("partner_id", "company_id")
    @api.depends_context("company")
    def _compute_member_number(self):
        for sub in self:
            sub.member_number = sub.partner_id.with_company(sub.company_id).dues_member_number

    def _compute_regularisation_move_ids(self):
        lines = self.env["account.move.line"].search_fetch(
            [("dues_subscription_id", "in", self.ids), ("display_type", "=", "product")],
            ["move_id", "dues_subscription_id"],
        )
        moves = {}
        for line in lines:
            moves.setdefault(line.dues_subscription_id.id, set()).add(line.move_id.id)
        for sub in self:
            sub.regularisation_move_ids = [
                move_id for move_id in sorted(moves.get(sub.id, ())) if move_id != sub.invoice_id.id
            ]

    @api.depends(
        "plan_id",
        "date_start",
        "date_end",
        "full_amount",
        "amount",
        "joining_fee_amount",
        "proration_method",
        "proration_numerator",
        "proration_denominator",
        "cutoff_applied",
    )
    def _compute_fee_explanation(self):  # pylint: disable=missing-return
        super()._compute_fee_explanation()

    def _fee_explanation_lines(self):
        """How the fee was computed, in the user's language: the same text is
        printed on the invoice line."""
        self.ensure_one()
        if not self.plan_id:
            return []
        env = self.env
        money = self._format_amount
        lines = super()._fee_explanation_lines() or [
            env._(
                "Full fee of the %(plan)s period: %(amount)s.",
                plan=self.plan_id.name,
                amount=money(self.full_amount),
            )
        ]
        if self.cutoff_applied:
            lines.append(
                env._(
                    "Joined after the cut-off day: the full fee covers %(start)s to %(end)s.",
                    start=format_date(env, self.date_start),
                    end=format_date(env, self.date_end),
                )
            )
        elif self.proration_method == "month" and self.proration_numerator != self.proration_denominator:
            lines.append(
                env._(
                    "Prorated by month: %(full)s x %(num)s/%(den)s months = %(amount)s.",
                    full=money(self.full_amount),
                    num=self.proration_numerator,
                    den=self.proration_denominator,
                    amount=money(self.amount),
                )
            )
        elif self.proration_method == "day" and self.proration_numerator != self.proration_denominator:
            lines.append(
                env._(
                    "Prorated by day: %(full)s x %(num)s/%(den)s days = %(amount)s.",
                    full=money(self.full_amount),
                    num=self.proration_numerator,
                    den=self.proration_denominator,
                    amount=money(self.amount),
                )
            )
        if self.joining_fee_amount:
            lines.append(env._("Joining fee: %(amount)s (not prorated).", amount=money(self.joining_fee_amount)))
        return lines

    def _today(self):
        """Today, or the reference date given in the context (crons, tests)."""
        return self.env.context.get("membership_date_ref") or fields.Date.context_today(self)

    @api.depends("plan_id", "date_start", "date_end")
    def _compute_display_name(self):
        for sub in self:
            if not sub.plan_id or not sub.date_start or not sub.date_end:
                sub.display_name = sub.plan_id.name or self.env._("New Subscription")
                continue
            sub.display_name = self.env._(
                "%(plan)s, %(start)s - %(end)s",
                plan=sub.plan_id.name,
                start=format_date(self.env, sub.date_start),
                end=format_date(self.env, sub.date_end),
            )

    # ------------------------------------------------------------------
    # Constraints
    # ------------------------------------------------------------------
    @api.constrains("date_start", "date_end")
    def _check_dates(self):
        for sub in self:
            if sub.date_start and sub.date_end and sub.date_end < sub.date_start:
                raise ValidationError(
                    self.env._(
                        "Subscription of %(member)s: the end date %(end)s is before the start "
                        "date %(start)s. The end must be on or after the start.",
                        member=sub.partner_id.display_name,
                        end=format_date(self.env, sub.date_end),
                        start=format_date(self.env, sub.date_start),
                    )
                )

    @api.constrains("amount", "full_amount", "joining_fee_amount")
    def _check_amounts(self):
        for sub in self:
            for fname in ("amount", "full_amount", "joining_fee_amount"):
                if sub[fname] < 0:
                    raise ValidationError(
                        self.env._(
                            "Subscription of %(member)s: %(field)s is %(value)s, it must be zero or positive.",
                            member=sub.partner_id.display_name,
                            field=sub._fields[fname].get_description(self.env)["string"],
                            value=sub[fname],
                        )
                    )

    @api.constrains("partner_id", "plan_id", "date_start", "date_end", "state")
    def _check_overlap(self):
        """Name the member and the periods before the database's exclusion
        constraint refuses the same thing with a generic message."""
        self.flush_model(["partner_id", "plan_id", "date_start", "date_end", "state"])
        rows = self.env.execute_query(
            SQL(
                """
                SELECT s.id, o.id
                  FROM membership_subscription s
                  JOIN membership_subscription o
                    ON o.partner_id = s.partner_id
                   AND o.plan_id = s.plan_id
                   AND o.id <> s.id
                   AND o.state <> 'cancelled'
                   AND o.date_start <= s.date_end
                   AND o.date_end >= s.date_start
                 WHERE s.id IN %s AND s.state <> 'cancelled'
                 LIMIT 1
                """,
                tuple(self.ids),
            )
        )
        if rows:
            sub, other = self.browse(rows[0][0]), self.browse(rows[0][1])
            raise ValidationError(
                self.env._(
                    "%(member)s already has a %(plan)s subscription from %(other_start)s to "
                    "%(other_end)s; the period %(start)s to %(end)s overlaps it. Change the dates "
                    "or cancel one of the two subscriptions.",
                    member=sub.partner_id.display_name,
                    plan=sub.plan_id.name,
                    other_start=format_date(self.env, other.date_start),
                    other_end=format_date(self.env, other.date_end),
                    start=format_date(self.env, sub.date_start),
                    end=format_date(self.env, sub.date_end),
                )
            )

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        subscriptions = super().create(vals_list)
        subscriptions.filtered(lambda s: s.state != "cancelled")._assign_member_numbers()
        return subscriptions

    @api.ondelete(at_uninstall=False)
    def _unlink_except_invoiced(self):
        invoiced = self.filtered(lambda s: s.invoice_id and s.invoice_id.state != "cancel")
        if invoiced:
            raise UserError(
                self.env._(
                    "The subscription %(subscription)s of %(member)s has the invoice %(invoice)s. "
                    "Cancel it instead, or cancel the invoice first.",
                    subscription=invoiced[0].display_name,
                    member=invoiced[0].partner_id.display_name,
                    invoice=invoiced[0].invoice_id.display_name,
                )
            )

    def _assign_member_numbers(self):
        """Give each new member a number at its first subscription in a
        company, from that company's member sequence. The number is the
        system's, not the user's to choose: it is written as superuser."""
        for company, subs in self.grouped("company_id").items():
            partners = subs.partner_id.sudo().with_company(company).filtered(lambda p: not p.dues_member_number)
            if not partners:
                continue
            sequence = self._member_sequence(company)
            for partner in partners:
                partner.dues_member_number = sequence.next_by_id()

    @api.model
    def _member_sequence(self, company):
        """The company's member-number sequence, created from the shared
        template (prefix M, 5 digits) the first time a company needs one."""
        Sequence = self.env["ir.sequence"].sudo()
        sequence = Sequence.search([("code", "=", "membership.member"), ("company_id", "=", company.id)], limit=1)
        if not sequence:
            template = self.env.ref("membership_dues.seq_membership_member", raise_if_not_found=False)
            values = {"company_id": company.id, "number_next": 1, "name": f"Member Number ({company.name})"}
            if template:
                sequence = template.sudo().copy(values)
            else:
                sequence = Sequence.create(
                    {
                        **values,
                        "name": "Member Number",
                        "code": "membership.member",
                        "prefix": "M",
                        "padding": 5,
                    }
                )
        return sequence

    # ------------------------------------------------------------------
    # Invoicing
    # ------------------------------------------------------------------
    def _invoice_line_name(self):
        self.ensure_one()
        return self.env._(
            "%(plan)s membership from %(start)s to %(end)s",
            plan=self.plan_id.name,
            start=format_date(self.env, self.date_start, lang_code=self.partner_id.lang),
            end=format_date(self.env, self.date_end, lang_code=self.partner_id.lang),
        )

    def _in_member_lang(self):
        """This subscription in its member's language: the texts printed for
        the member (invoice lines, documents) use it."""
        return self.with_context(lang=self.partner_id.lang or self.env.lang)

    def _origin_text(self):
        """ "Full member, 01/01/2027 - 12/31/2027" in the context's language
        (the display name, whose cache does not follow the language)."""
        self.ensure_one()
        return self.env._(
            "%(plan)s, %(start)s - %(end)s",
            plan=self.plan_id.name,
            start=format_date(self.env, self.date_start),
            end=format_date(self.env, self.date_end),
        )

    def _period_text(self):
        """ "01/01/2027 to 12/31/2027", in the context's language."""
        self.ensure_one()
        return self.env._(
            "%(start)s to %(end)s",
            start=format_date(self.env, self.date_start),
            end=format_date(self.env, self.date_end),
        )

    def _invoice_line_description(self):
        """The period's invoice line: the period, then how its fee was computed."""
        self.ensure_one()
        sub = self._in_member_lang()
        return "\n".join([sub._invoice_line_name(), *sub._fee_explanation_lines()])

    def _prepare_invoice_line_vals(self):
        """Invoice lines of this subscription: the period fee, then the joining fee."""
        self.ensure_one()
        plan = self.plan_id
        member_lang = self._in_member_lang()
        lines = [
            Command.create(
                {
                    "product_id": plan.product_id.id,
                    "name": self._invoice_line_description(),
                    "quantity": 1,
                    "price_unit": self.amount,
                    "dues_subscription_id": self.id,
                }
            )
        ]
        if self.joining_fee_amount:
            product = plan.joining_product_id or plan.product_id
            lines.append(
                Command.create(
                    {
                        "product_id": product.id,
                        "name": member_lang.env._("Joining fee, %(plan)s", plan=member_lang.plan_id.name),
                        "quantity": 1,
                        "price_unit": self.joining_fee_amount,
                        "dues_subscription_id": self.id,
                    }
                )
            )
        return lines

    def _prepare_invoice_vals(self):
        self.ensure_one()
        vals = {
            "move_type": "out_invoice",
            "partner_id": self.partner_id.id,
            "company_id": self.company_id.id,
            "currency_id": self.currency_id.id,
            # the invoice's Source, printed on it: in the member's language
            "invoice_origin": self._in_member_lang()._origin_text(),
            "invoice_line_ids": self._prepare_invoice_line_vals(),
        }
        if self.plan_id.journal_id:
            vals["journal_id"] = self.plan_id.journal_id.id
        vals["invoice_payment_term_id"] = self.plan_id._dues_payment_term(self.partner_id).id
        vals["invoice_user_id"] = self._dues_salesperson().id
        return vals

    def _dues_salesperson(self):
        """The salesperson of a dues invoice: the member's own salesperson, or
        the officer creating it. None when a scheduled action or the member
        on the portal creates it (Odoo would name OdooBot or the member: the
        member's invoice page would read "Salesperson: OdooBot")."""
        self.ensure_one()
        user = self.env.user
        return (
            self.partner_id.user_id
            or self.partner_id.commercial_partner_id.user_id
            or (user if not user.share and not user._is_superuser() else user.browse())
        )

    def _create_invoices(self, post=False, send=False):
        """Create (and optionally post) one invoice per subscription without
        one, in a single batch. With ``send`` (posted invoices only), the
        invoices are queued for Odoo's own sending by email in the background.
        Returns the invoices."""
        todo = self.filtered(lambda s: not s.invoice_id and not s.currency_id.is_zero(s.amount_total))
        if not todo:
            return self.env["account.move"]
        Move = self.env["account.move"].with_context(default_move_type="out_invoice")
        journals = {}  # the default sales journal, searched once per company, not once per invoice
        vals_list = []
        today = fields.Date.context_today(self)
        for sub in todo:
            vals = sub.with_company(sub.company_id)._prepare_invoice_vals()
            if post and "invoice_date" not in vals:
                # the date posting would give it, set at creation: posting then
                # writes no invoice date (and recomputes no lines) per invoice
                vals["invoice_date"] = today
                if send:
                    # queued for sending from creation (no write per invoice after posting)
                    vals["sending_data"] = self.env["account.move"]._membership_sending_data()
            if "journal_id" not in vals:
                if sub.company_id not in journals:
                    journals[sub.company_id] = Move._membership_sales_journal(sub.company_id)
                vals["journal_id"] = journals[sub.company_id].id
            vals_list.append(Move._membership_prepare_line_amounts(vals))
        # Odoo's per-invoice "Invoice Created" message (one message_post and
        # follower notification each) is replaced by one note per invoice
        # written in a single batch.
        moves = Move.with_context(mail_create_nolog=True).create(vals_list).with_env(Move.env)
        if len(moves) >= BULK_POSTING:
            for model in BULK_STATISTICS:
                refresh_statistics(self.env[model])
        moves._message_log_batch(
            bodies={
                move.id: self.env._("Dues invoice created for %(subscription)s.", subscription=sub.display_name)
                for move, sub in zip(moves, todo, strict=True)
            }
        )
        write_links(todo, "invoice_id", moves)
        if post:
            moves.action_post()
            if send:
                self.env.ref("account.ir_cron_account_move_send")._trigger()
        return moves

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_create_invoice(self):
        self._create_invoices(post=False)
        return self.action_view_invoice()

    def action_view_invoice(self):
        self.ensure_one()
        if not self.invoice_id:
            return False
        return {
            "type": "ir.actions.act_window",
            "res_model": "account.move",
            "res_id": self.invoice_id.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }

    def action_cancel(self):
        """Cancel the subscriptions; a draft invoice is cancelled with them. A
        posted invoice must be credited by the accountant first."""
        posted = self.filtered(lambda s: s.invoice_id.state == "posted")
        if posted:
            raise UserError(
                self.env._(
                    "The invoice %(invoice)s of %(subscription)s is posted: issue a credit note "
                    "for it (the subscription is then cancelled) instead of cancelling the "
                    "subscription.",
                    invoice=posted[0].invoice_id.display_name,
                    subscription=posted[0].display_name,
                )
            )
        # cancelled first: the invoice's cancellation is then no accounting
        # event for a renewal notice (see _invoice_events)
        self.is_cancelled = True
        self.invoice_id.filtered(lambda m: m.state == "draft").button_cancel()
        return True

    def action_reset_cancelled(self):
        self.filtered("is_cancelled").is_cancelled = False
        return True

    # ------------------------------------------------------------------
    # Fees recomputed on new figures, and their regularisation
    # ------------------------------------------------------------------
    def _prorated(self, full_amount):
        """This subscription's share of a full-period fee, by its stored
        proration (a joiner's first period), rounded to the currency."""
        self.ensure_one()
        if self.proration_method in ("month", "day") and self.proration_denominator:
            return round_money(
                full_amount * self.proration_numerator / self.proration_denominator,
                to_decimal(self.currency_id.rounding),
            )
        return round_money(full_amount, to_decimal(self.currency_id.rounding))

    def _recompute_fee(self):
        """Recompute the fee with the figures declared now, on the same tariff
        version. A fee not invoiced yet (or on a draft invoice) is updated; a
        posted invoice is never changed: the difference becomes a credit note
        or a complementary invoice, with the explanation. Returns the
        regularisation documents created."""
        moves = self.env["account.move"]
        groups = self.filtered(lambda s: s.tariff_version_id and s.state != "cancelled").grouped(
            lambda s: (s.plan_id, s.tariff_version_id, s.fee_year)
        )
        for (plan, version, year), subs in groups.items():
            quotes = plan._compute_period_fees(subs.partner_id, version.date_from, version=version, year=year)
            for sub in subs:
                quote = quotes[sub.partner_id.id]
                if quote.error:
                    sub.message_post(body=self.env._("The fee could not be recomputed: %(error)s", error=quote.error))
                    continue
                moves |= sub._apply_quote(quote)
        return moves

    def _apply_quote(self, quote):
        self.ensure_one()
        old_amount = to_decimal(self.amount)
        new_amount = self._prorated(quote.amount)
        difference = new_amount - old_amount
        invoice = self.invoice_id
        values = {**self._quote_values(quote), "amount": float(new_amount)}
        if not invoice or invoice.state == "draft":
            self.write(values)
            if invoice:
                line = invoice.invoice_line_ids.filtered(
                    lambda line: line.dues_subscription_id == self and line.product_id == self.plan_id.product_id
                )[:1]
                line.write(
                    {
                        "price_unit": float(new_amount),
                        "name": self._invoice_line_description(),
                    }
                )
            if difference:
                self.message_post(
                    body=self.env._(
                        "Fee recomputed on the declared figures: %(old)s becomes %(new)s.",
                        old=self._format_amount(old_amount),
                        new=self._format_amount(new_amount),
                    )
                )
            return self.env["account.move"]
        self.write(values)
        if not difference:
            return self.env["account.move"]
        move = self._create_regularisation_move(difference, old_amount, new_amount)
        self.message_post(
            body=self.env._(
                "Fee recomputed on the declared figures: %(old)s becomes %(new)s. The posted invoice is "
                "unchanged; %(document)s settles the difference of %(difference)s.",
                old=self._format_amount(old_amount),
                new=self._format_amount(new_amount),
                document=move.display_name,
                difference=self._format_amount(difference),
            )
        )
        return move

    def _create_regularisation_move(self, difference, old_amount, new_amount):
        """A complementary invoice (difference > 0) or a credit note on the
        original invoice (difference < 0), posted, with the explanation."""
        self.ensure_one()
        invoice = self.invoice_id
        refund = difference < 0
        name = "\n".join(
            [
                self.env._(
                    "Regularisation of the %(period)s: fee %(old)s recomputed as %(new)s on the declared figures.",
                    period=self._invoice_line_name(),
                    old=self._format_amount(old_amount),
                    new=self._format_amount(new_amount),
                ),
                *self._fee_explanation_lines(),
            ]
        )
        move = (
            self.env["account.move"]
            .with_company(self.company_id)
            .create(
                {
                    "move_type": "out_refund" if refund else "out_invoice",
                    "partner_id": invoice.partner_id.id,
                    "company_id": self.company_id.id,
                    "currency_id": invoice.currency_id.id,
                    "journal_id": invoice.journal_id.id,
                    "invoice_origin": invoice.name,
                    "invoice_user_id": self._dues_salesperson().id,
                    "reversed_entry_id": invoice.id if refund else False,
                    # a complementary invoice falls due like the plan's dues invoices
                    **(
                        {}
                        if refund
                        else {"invoice_payment_term_id": self.plan_id._dues_payment_term(invoice.partner_id).id}
                    ),
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "product_id": self.plan_id.product_id.id,
                                "name": name,
                                "quantity": 1,
                                "price_unit": float(abs(difference)),
                                "dues_subscription_id": self.id,
                            }
                        )
                    ],
                }
            )
        )
        move.action_post()
        if refund and invoice.payment_state in ("not_paid", "partial"):
            # settle the original invoice with the credit note it calls for
            (move + invoice).line_ids.filtered(
                lambda line: line.account_id.account_type == "asset_receivable" and not line.reconciled
            ).reconcile()
        return move

    def action_recompute_fee(self):
        moves = self._recompute_fee()
        if moves:
            return {
                "type": "ir.actions.act_window",
                "res_model": "account.move",
                "name": self.env._("Regularisations"),
                "domain": [("id", "in", moves.ids)],
                "view_mode": "list,form",
            }
        return True

    def action_view_regularisations(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "account.move",
            "name": self.env._("Regularisations"),
            "domain": [("id", "in", self.regularisation_move_ids.ids)],
            "view_mode": "list,form",
        }

    # ------------------------------------------------------------------
    # Daily update of date-driven states
    # ------------------------------------------------------------------
    @api.model
    def _get_state_update_domain(self, today):
        """Paid subscriptions whose stored state is stale on ``today``, except
        those that already failed today: they are retried the next day, so
        one bad record cannot make the cron loop."""
        stale = (Domain("state", "=", "upcoming") & Domain("date_start", "<=", today)) | (
            Domain("state", "=", "active") & Domain("date_end", "<", today)
        )
        not_failed_today = Domain("cron_error_date", "=", False) | Domain("cron_error_date", "<", today)
        return stale & not_failed_today

    @api.model
    def _cron_update_states(self, batch_size=1000, today=None):
        """Move paid subscriptions from upcoming to active to expired.

        Batched with :func:`~..tools.batch.run_in_batches`: each batch is
        committed; a batch that fails is redone one record at a time, and a
        failing record is stamped with its error (retried the next day)
        instead of blocking the others. Running it twice changes nothing the
        second time. Returns the number of records left for a later call.
        """
        if today:
            self = self.with_context(membership_date_ref=today)  # noqa: PLW0642
        today = self._today()

        def record_failure(subscription, message):
            subscription.write({"cron_error": message, "cron_error_date": today})

        return run_in_batches(
            lambda subscriptions: subscriptions._update_state(),
            record_failure,
            model=self,
            domain=self._get_state_update_domain(today),
            batch_size=batch_size,
            what="subscription states",
        ).remaining

    def _recompute_state(self):
        self.env.add_to_compute(self._fields["state"], self)
        self.flush_recordset(["state"])

    def _update_state(self):
        """Bring the stored state up to date, and clear the error of a
        previous failed update."""
        self._recompute_state()
        self.filtered("cron_error_date").write({"cron_error": False, "cron_error_date": False})
