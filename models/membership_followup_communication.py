import logging
from collections import defaultdict
from datetime import timedelta

import psycopg2.errors
from markupsafe import Markup, escape

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Command, Domain
from odoo.tools import SQL, format_amount, format_date

from ..engine import Step, next_step
from ..tools.orm_batch import post_template, write_value

_logger = logging.getLogger(__name__)


class MembershipFollowupCommunication(models.Model):
    """One communication to one member in one follow-up run: it lists all of
    the member's overdue dues invoices at their levels, and the highest level
    sent drives its tone and channels (email, letter, SMS, phone call)."""

    _name = "membership.followup.communication"
    _description = "Dues Follow-up Communication"
    _inherit = ["mail.thread"]
    _order = "date desc, id desc"
    _check_company_auto = True

    partner_id = fields.Many2one("res.partner", "Member", required=True, index=True, check_company=True)
    company_id = fields.Many2one("res.company", required=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    date = fields.Date(required=True)
    level_id = fields.Many2one(
        "membership.followup.level", "Highest Level", required=True, ondelete="restrict", check_company=True
    )
    tone = fields.Selection(related="level_id.tone")
    line_ids = fields.One2many("membership.followup.line", "communication_id", "Levels Sent")
    open_line_ids = fields.Many2many(
        "account.move.line", string="Overdue Instalments", help="All the member's open dues instalments it lists."
    )
    amount_due = fields.Monetary("Total Due", help="The dues still open it lists, late fees apart.")
    late_fee_total = fields.Monetary(
        "Late Fees", help="The late fees it lists: invoiced with it, or earlier and still unpaid when it was sent."
    )
    late_fee_move_ids = fields.Many2many(
        "account.move",
        "membership_followup_communication_late_fee_rel",
        "communication_id",
        "move_id",
        string="Late Fee Invoices",
        help="The late-fee invoices it lists: invoiced with it, or earlier and still unpaid when it was sent.",
    )
    listed_amounts = fields.Json(
        help="What it listed as due, per instalment and late-fee invoice, when it was sent: a letter printed "
        "again later is the same letter."
    )
    channels = fields.Char()
    letter_id = fields.Many2one("ir.attachment", "Letter", help="The PDF letter to print and post.")
    state = fields.Selection([("sent", "Sent"), ("failed", "Failed")], required=True, default="sent")
    error = fields.Text()

    @api.depends("partner_id", "date", "level_id")
    def _compute_display_name(self):
        for communication in self:
            communication.display_name = self.env._(
                "%(level)s to %(member)s, %(date)s",
                level=communication.level_id.name or "",
                member=communication.partner_id.display_name or "",
                date=format_date(self.env, communication.date) if communication.date else "",
            )

    # ------------------------------------------------------------------
    # Helpers for the templates
    # ------------------------------------------------------------------
    def _levels_by_move_line(self):
        """{instalment id: highest level sent up to this communication} for the
        listed instalments: its own levels and the earlier ones, never those
        sent after it (a letter printed again later is the same letter)."""
        self.ensure_one()
        levels = {}
        sent = self.open_line_ids.dues_followup_line_ids.filtered(
            lambda line: line.communication_id == self or line.date < self.date
        )
        for line in sent.sorted(lambda line: (line.date, line.level_id.delay_days, line.id)):
            levels[line.move_line_id.id] = line.level_id
        return levels

    def _listed_amount(self, record):
        """What this communication listed as due for an instalment (an
        account.move.line) or a late-fee invoice (an account.move) when it was
        sent; the current residual for communications sent before it was
        recorded."""
        self.ensure_one()
        if record._name == "account.move":
            key, current = f"fee:{record.id}", record.amount_residual_signed
        else:
            key, current = str(record.id), record.amount_residual
        return (self.listed_amounts or {}).get(key, current)

    def _record_listed(self):
        """Fix what each communication lists, at sending: the residual of each
        instalment, and the late-fee invoices still to pay for them (this
        communication's and earlier ones) with their residual."""
        for communication in self:
            fees = communication.open_line_ids.dues_followup_line_ids.late_fee_move_id.filtered(
                lambda move: move.state == "posted" and move.payment_state in ("not_paid", "partial")
            )
            amounts = {str(line.id): line.amount_residual for line in communication.open_line_ids}
            amounts.update({f"fee:{move.id}": move.amount_residual_signed for move in fees})
            communication.write(
                {
                    "late_fee_move_ids": [Command.set(fees.ids)],
                    "late_fee_total": communication.currency_id.round(sum(fees.mapped("amount_residual_signed"))),
                    "listed_amounts": amounts,
                }
            )

    def _total_to_pay(self):
        """The one total the member is asked to pay: the dues still open and the late fees."""
        self.ensure_one()
        return self.currency_id.round(self.amount_due + self.late_fee_total)

    def _format_amount(self, amount):
        return format_amount(self.env, amount, self.currency_id)

    def _deadline(self):
        """Pay within ten days of the communication."""
        return self.date + timedelta(days=10)

    def _invoice_table(self):
        """The listed instalments with their level, as an HTML table."""
        self.ensure_one()
        return self.env["ir.qweb"]._render(
            "membership_dues.followup_invoice_table",
            {"communication": self, "levels": self._levels_by_move_line(), "lang": self.partner_id.lang},
        )

    def _channel_labels(self):
        return {
            "email": self.env._("email"),
            "letter": self.env._("letter"),
            "sms": self.env._("SMS"),
            "call": self.env._("phone call"),
        }

    def action_print_letters(self):
        """The letters of the selection in one PDF, to print and post."""
        return self.env["ir.actions.report"]._membership_batch_print(
            "membership_dues.action_report_followup_letter", self, self.env._("Dues letters.pdf")
        )

    def _late_fee_sentence(self):
        """Nothing: the late fees are rows of the invoice table and a part of
        the total to pay (_total_due_sentence). Kept for the email templates
        of existing databases that still call it."""
        return ""

    def _payment_instructions(self):
        """Where to pay: the company's first bank account, if any."""
        self.ensure_one()
        bank = self.company_id._membership_bank_account()
        if not bank:
            return ""
        return self.env._(
            "Please pay to account %(account)s, quoting the payment reference of each invoice.",
            account=bank.display_name,
        )

    def _membership_pdf_name(self):
        """The letter's PDF name, in the member's language (print_report_name)."""
        self.ensure_one()
        return self.partner_id._membership_document_filename("letter", self.date)

    def _letter_place_and_date(self):
        self.ensure_one()
        return self.company_id._membership_dateline(self.date, lang_code=self.partner_id.lang)

    def _total_due_sentence(self):
        """The one total to pay, "Total due: X, to pay before D.", with its
        parts (dues still open, late fees) when there are late fees; the
        total and the date in bold."""
        self.ensure_one()
        bold = Markup("<strong>%s</strong>")
        values = {
            "amount": bold % self._format_amount(self._total_to_pay()),
            "date": bold % format_date(self.env, self._deadline(), lang_code=self.partner_id.lang),
        }
        if not self.late_fee_total:
            return Markup(escape(self.env._("Total due: %(amount)s, to pay before %(date)s."))) % values
        sentence = self.env._(
            "Total due: %(amount)s (dues still open: %(dues)s; late fees: %(fees)s), to pay before %(date)s."
        )
        return Markup(escape(sentence)) % {
            **values,
            "dues": self._format_amount(self.amount_due),
            "fees": self._format_amount(self.late_fee_total),
        }

    # ------------------------------------------------------------------
    # Finding what is due
    # ------------------------------------------------------------------
    @api.model
    def _open_dues_domain(self):
        return (
            Domain("move_id.move_type", "=", "out_invoice")
            & Domain("move_id.state", "=", "posted")
            & Domain("move_id.dues_is_invoice", "=", True)
            & Domain("display_type", "=", "payment_term")
            & Domain("reconciled", "=", False)
            & Domain("amount_residual", ">", 0)
        )

    @api.model
    def _collect(self, today, partner_ids=None, company=None):
        """What a run on ``today`` would send, per member.

        Returns {member: {"items": [(instalment, level)], "skipped": [(instalment, reason)],
        "warnings": [text], "open": instalments to list}}. Never: paid or in-payment
        invoices, disputed or manual ones, postponed ones, instalments
        covered by an unreconciled payment or credit note of the member, an
        instalment before its own due date beyond the courtesy levels, or a
        second level the same day.
        """
        AML = self.env["account.move.line"]
        # never reminded before it was issued: an invoice dated after ``today`` waits
        domain = (
            self._open_dues_domain()
            & Domain("move_id.payment_state", "in", ("not_paid", "partial"))
            & Domain("move_id.invoice_date", "<=", today)
        )
        if company:
            domain &= Domain("company_id", "=", company.id)
        if partner_ids:
            domain &= Domain("partner_id.commercial_partner_id", "in", list(partner_ids))
        instalments = AML.search(domain, order="date_maturity, id")
        if not instalments:
            return {}
        instalments.fetch(["move_id", "partner_id", "date_maturity", "amount_residual", "company_id"])
        moves = instalments.move_id
        moves.fetch(
            [
                "dues_dispute",
                "dues_followup_manual",
                "dues_followup_postponed_until",
                "payment_state",
                "partner_id",
            ]
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
            entry = result.setdefault(member, {"items": [], "skipped": [], "warnings": [], "open": AML})
            policy = policies.get(move.id)
            reason = self._skip_reason(move, instalment, credits.get(member.id, 0.0), today, policy)
            if reason:
                entry["skipped"].append((instalment, reason))
                continue
            level = self._next_level(policy, instalment, sent.get(instalment.id, {}), today)
            if level:
                entry["items"].append((instalment, level))
            # The communication lists what is reminded and what is already overdue, not future instalments.
            if level or instalment.date_maturity <= today:
                entry["open"] |= instalment
        for member, entry in result.items():
            credit = credits.get(member.id, 0.0)
            if credit and entry["items"]:
                entry["warnings"].append(
                    self.env._(
                        "%(member)s has %(amount)s of unreconciled payments or credit notes: reconcile them before "
                        "reminding.",
                        member=member.display_name,
                        amount=format_amount(self.env, credit, entry["items"][0][0].company_currency_id),
                    )
                )
        return {member: entry for member, entry in result.items() if entry["items"] or entry["skipped"]}

    def _skip_reason(self, move, instalment, credit, today, policy):
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
    def _cron_run_followup(self, batch_size=50, today=None):
        """Send the follow-up levels due, one grouped communication per
        member, in batches committed with the cron progress API. A member
        whose sending fails is recorded and the others go on."""
        today = today or fields.Date.context_today(self)
        cron = self.env["ir.cron"]
        collected = self._collect(today)
        members = [member for member, entry in collected.items() if entry["items"]]
        cron._commit_progress(remaining=len(members))
        for start in range(0, len(members), batch_size):
            batch = members[start : start + batch_size]
            self._send_batch({member: collected[member] for member in batch}, today)
            if not cron._commit_progress(len(batch)):
                return False
        return True

    @api.model
    def _send_due(self, today):
        """Send what is due on ``today`` in the current transaction (no
        commit): the demo data and scripts use it; the scheduled action
        batches and commits."""
        return self._send_batch(
            {member: entry for member, entry in self._collect(today).items() if entry["items"]}, today
        )

    @api.model
    def _send_batch(self, entries, today):
        """Send to the members of ``entries`` ({member: entry of _collect})
        together, in one savepoint: records, chatter notes and emails created
        in batches. If anything fails, or another worker touched their
        invoices, the batch is redone member by member."""
        if not entries:
            return self.browse()
        if len(entries) > 1:
            try:
                with self.env.cr.savepoint():
                    sent = self._send(entries, today)
                if sent is not None:
                    return sent
            except Exception as error:  # noqa: BLE001 - redone member by member below
                _logger.info(
                    "Membership: a follow-up batch of %s members failed (%s); redoing it member by member",
                    len(entries),
                    error,
                )
        sent = self.browse()
        for member, entry in entries.items():
            sent |= self._send_to_member(member, entry, today)
        return sent

    def _send_to_member(self, member, entry, today):
        """One member in its own savepoint: a failure is recorded, not
        raised, and returned as a failed communication. Levels another worker
        sent meanwhile are left to it."""
        try:
            with self.env.cr.savepoint():
                sent = self._send({member: entry}, today)
            if sent is None:
                _logger.info(
                    "Membership: follow-up of %s left to the next run (changed meanwhile)", member.display_name
                )
                return self.browse()
            return sent
        except (psycopg2.errors.UniqueViolation, psycopg2.errors.SerializationFailure):
            _logger.info("Membership: follow-up of %s left to the next run (sent meanwhile)", member.display_name)
            return self.browse()
        except Exception as error:
            _logger.exception("Membership: follow-up of %s failed", member.display_name)
            items = entry["items"]
            values = {
                "partner_id": member.id,
                "company_id": items[0][0].company_id.id,
                "date": today,
                "level_id": max((level for _line, level in items), key=lambda level: level.delay_days).id,
                "state": "failed",
                "error": str(error.args[0]) if isinstance(error, UserError) and error.args else str(error),
            }
            # a second run the same day updates the day's failure instead of recording another
            failed = self.search(
                [
                    ("partner_id", "=", member.id),
                    ("company_id", "=", values["company_id"]),
                    ("date", "=", today),
                    ("state", "=", "failed"),
                ],
                limit=1,
            )
            if failed:
                failed.write({"level_id": values["level_id"], "error": values["error"]})
                return failed
            return self.create(values)

    def _send(self, entries, today):
        """Send to the members of ``entries``: one communication each, its
        follow-up lines, late fees, deliveries and actions, and the chatter
        notes, created in batches. Returns the communications, or None when
        another transaction changed some of the invoices after this one began
        (the caller redoes it member by member; those members wait for the
        next run)."""
        all_items = [item for entry in entries.values() for item in entry["items"]]
        locked = self._lock_invoices(self.env["account.move"].union(*(line.move_id for line, _level in all_items)))
        if locked is None:
            return None
        # Paid since the run collected them?
        instalments = self.env["account.move.line"].union(*(line for line, _level in all_items))
        open_all = self.env["account.move.line"].union(*(entry["open"] for entry in entries.values()))
        (instalments | open_all).invalidate_recordset(["reconciled", "amount_residual"])
        locked.invalidate_recordset(["payment_state"])
        already = self.env["membership.followup.line"].search_fetch(
            [("move_line_id", "in", instalments.ids)], ["move_line_id", "level_id"]
        )
        done = {(line.move_line_id.id, line.level_id.id) for line in already}
        plans = []  # (member, items, open instalments, top level, channels)
        for member, entry in entries.items():
            items = [
                (line, level)
                for line, level in entry["items"]
                if line.move_id in locked
                and not line.reconciled
                and line.move_id.payment_state in ("not_paid", "partial")
                and (line.id, level.id) not in done
            ]
            if not items:
                continue
            top = max((level for _line, level in items), key=lambda level: level.delay_days)
            channels = [
                channel
                for channel, enabled in (
                    ("email", top.send_email),
                    ("letter", top.send_letter),
                    ("sms", top.send_sms and "sms.sms" in self.env),
                    ("call", top.schedule_call),
                )
                if enabled
            ]
            plans.append((member, items, entry["open"].filtered(lambda line: not line.reconciled), top, channels))
        if not plans:
            return self.browse()
        labels = self._channel_labels()
        communications = self.create(
            [
                {
                    "partner_id": member.id,
                    "company_id": items[0][0].company_id.id,
                    "date": today,
                    "level_id": top.id,
                    "open_line_ids": [Command.set(open_lines.ids)],
                    "amount_due": sum(open_lines.mapped("amount_residual")),
                    "channels": ", ".join(labels[channel] for channel in channels),
                }
                for member, items, open_lines, top, channels in plans
            ]
        )
        records = self.env["membership.followup.line"].create(
            [
                {
                    "move_line_id": line.id,
                    "partner_id": member.id,
                    "level_id": level.id,
                    "communication_id": communication.id,
                    "date": today,
                    "channels": communication.channels,
                    "amount_due": line.amount_residual,
                }
                for communication, (member, items, _open, _top, _channels) in zip(communications, plans, strict=True)
                for line, level in items
            ]
        )
        write_value(records.move_id, "dues_followup_last_date", today)
        with_fees = records.filtered(lambda record: record.level_id.late_fee_type != "none")
        for communication, fee_records in with_fees.grouped("communication_id").items():
            communication._invoice_late_fees(fee_records)
        communications._record_listed()
        # what the emails and letters list, read for the whole batch at once
        open_lines = communications.open_line_ids
        open_lines.fetch(["move_id", "date_maturity", "amount_residual", "company_currency_id"])
        open_lines.dues_followup_line_ids.fetch(["move_line_id", "level_id", "date"])
        open_lines.move_id.fetch(["name", "invoice_date", "payment_reference"])
        self._deliver_all(
            [
                (communication, channels, top)
                for communication, (*_rest, top, channels) in zip(communications, plans, strict=True)
            ]
        )
        self._apply_actions([item for _member, items, *_rest in plans for item in items])
        communications.partner_id._message_log_batch(
            bodies={
                communication.partner_id.id: self.env._(
                    "Dues follow-up %(level)s sent (%(channels)s) for %(invoices)s.",
                    level=communication.level_id.name,
                    channels=communication.channels or self.env._("no channel"),
                    invoices=", ".join(dict.fromkeys(line.move_id.name for line, _level in items)),
                )
                for communication, (_member, items, *_rest) in zip(communications, plans, strict=True)
            }
        )
        move_bodies = defaultdict(list)
        for record in records:
            move_bodies[record.move_id.id].append(
                self.env._(
                    "Follow-up %(level)s sent (%(channels)s).",
                    level=record.level_id.name,
                    channels=record.channels or self.env._("no channel"),
                )
            )
        self.env["account.move"].browse(move_bodies)._message_log_batch(
            bodies={move_id: " ".join(bodies) for move_id, bodies in move_bodies.items()}
        )
        return communications

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

    def _invoice_late_fees(self, records):
        """One late-fee invoice per instalment and level at most (the record
        holding it is unique per instalment and level)."""
        for record in records:
            level = record.level_id
            fee = level._late_fee(record.amount_due)
            if not fee:
                continue
            move = (
                self.env["account.move"]
                .with_company(record.company_id)
                .create(
                    {
                        "move_type": "out_invoice",
                        "partner_id": record.move_id.partner_id.id,
                        "company_id": record.company_id.id,
                        "invoice_origin": record.move_id.name,
                        "invoice_line_ids": [
                            Command.create(
                                {
                                    "product_id": level.late_fee_product_id.id,
                                    "name": self.env._(
                                        "Late fee, %(level)s, invoice %(invoice)s",
                                        level=level.name,
                                        invoice=record.move_id.name,
                                    ),
                                    "quantity": 1,
                                    "price_unit": fee,
                                }
                            )
                        ],
                    }
                )
            )
            move.action_post()
            record.late_fee_move_id = move

    def _deliver_all(self, plans):
        """Deliver the communications of ``plans`` ([(communication, channels,
        level)]): plain emails rendered and posted in batches per template;
        letters, emails with attachments, SMS and calls one by one."""
        if self.env.context.get("membership_skip_emails"):  # demo data: nothing sent, nothing printed
            return
        batched = defaultdict(lambda: self.browse())
        templates = {}
        for communication, channels, level in plans:
            if "email" in channels and "letter" not in channels and not level.attach_invoices:
                if level not in templates:
                    templates[level] = level._email_template()
                batched[templates[level]] |= communication
                channels = [channel for channel in channels if channel != "email"]
            communication._deliver(channels, level)
        comment = self.env.ref("mail.mt_comment").id
        for template, communications in batched.items():
            post_template(communications, template, subtype_id=comment)

    def _deliver(self, channels, level):
        self.ensure_one()
        member = self.partner_id
        if self.env.context.get("membership_skip_emails"):  # demo data: nothing sent, nothing printed
            return
        if "letter" in channels:
            pdf, _kind = self.env["ir.actions.report"]._render_qweb_pdf(
                "membership_dues.action_report_followup_letter", self.ids
            )
            self.letter_id = self.env["ir.attachment"].create(
                {
                    "name": self.env._("Letter %(name)s.pdf", name=self.display_name),
                    "raw": pdf,
                    "res_model": self._name,
                    "res_id": self.id,
                    "mimetype": "application/pdf",
                }
            )
        if "email" in channels:
            attachments = self.letter_id.ids if self.letter_id else []
            if level.attach_invoices:
                for move in self.open_line_ids.move_id:
                    content, _kind = self.env["ir.actions.report"]._render_qweb_pdf(
                        "account.account_invoices", move.ids
                    )
                    attachments.append(
                        self.env["ir.attachment"]
                        .create(
                            {
                                "name": f"{move.name.replace('/', '_')}.pdf",
                                "raw": content,
                                "res_model": self._name,
                                "res_id": self.id,
                                "mimetype": "application/pdf",
                            }
                        )
                        .id
                    )
            self.message_post_with_source(
                level._email_template(),
                subtype_xmlid="mail.mt_comment",
                attachment_ids=attachments,
            )
        if "sms" in channels and member.phone:
            self.env["sms.sms"].create(
                {
                    "number": member.phone,
                    "partner_id": member.id,
                    "body": level.sms_text
                    or self.env._(
                        "%(company)s: %(amount)s of membership dues are overdue. Thank you for paying them.",
                        company=self.company_id.name,
                        amount=self._format_amount(self.amount_due),
                    ),
                }
            )
        if "call" in channels:
            user = level.call_user_id or self.open_line_ids.move_id.invoice_user_id[:1] or self.env.user
            member.activity_schedule(
                "mail.mail_activity_data_call",
                summary=self.env._("Call about overdue dues (%(level)s)", level=level.name),
                note=self.env._("Total due: %(amount)s", amount=self._format_amount(self.amount_due)),
                user_id=user.id,
            )

    def _apply_actions(self, items):
        for line, level in items:
            member = line.move_id.partner_id.commercial_partner_id.with_company(line.company_id)
            if level.action == "suspend" and not member.dues_suspended:
                member.dues_suspended = True
                member.message_post(
                    body=self.env._("Membership suspended: dues overdue (%(level)s).", level=level.name)
                )
            elif level.action == "collection" and not member.dues_collection:
                member.dues_collection = True
                member.message_post(body=self.env._("Flagged for external collection (%(level)s).", level=level.name))

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
