from odoo import Command, api, fields, models

from ..tools.rpc_args import check_int

MEMBERSHIP_USER = "membership_dues.group_membership_user"


class AccountMove(models.Model):
    """Dues invoices are ordinary customer invoices linked to their
    subscriptions. The subscription's state follows the invoice's state and
    payment state (see README.rst, "Accounting link"). They are followed up
    by the membership follow-up policies."""

    _inherit = "account.move"

    # Readable by internal users (not portal users): whether an invoice bills
    # dues, which decides its payment reference and QR code. Everything else
    # is for membership users only, so accountants open, duplicate, reverse,
    # pay and print invoices without reading it; follow-up data is never
    # copied.
    dues_subscription_ids = fields.One2many(
        "membership.subscription", "invoice_id", "Membership Subscriptions", readonly=True, groups=MEMBERSHIP_USER
    )
    dues_subscription_count = fields.Integer(
        "Membership Subscription Count", compute="_compute_membership_subscription_count", groups=MEMBERSHIP_USER
    )
    dues_is_invoice = fields.Boolean(
        "Dues Invoice",
        compute="_compute_is_membership_dues",
        store=True,
        index=True,
        groups="base.group_user",
        help="Invoices membership dues (a period, a joining fee or a regularisation).",
    )
    dues_dispute = fields.Boolean(
        "Disputed", copy=False, tracking=True, groups=MEMBERSHIP_USER, help="A disputed invoice is never reminded."
    )
    dues_followup_manual = fields.Boolean(
        "Manual Follow-up",
        copy=False,
        tracking=True,
        groups=MEMBERSHIP_USER,
        help="Left to an officer: the automatic follow-up skips it.",
    )
    dues_followup_postponed_until = fields.Date(
        "Next Reminder Not Before",
        copy=False,
        tracking=True,
        groups=MEMBERSHIP_USER,
        help="Postpones the next follow-up level.",
    )
    dues_followup_line_ids = fields.One2many(
        "membership.followup.line", "move_id", "Follow-up History", groups=MEMBERSHIP_USER
    )
    dues_followup_last_date = fields.Date(
        "Last Follow-up On",
        copy=False,
        readonly=True,
        groups=MEMBERSHIP_USER,
        help="When the last follow-up level was sent.",
    )
    dues_followup_level_id = fields.Many2one(
        "membership.followup.level",
        "Follow-up Level",
        compute="_compute_membership_followup",
        store=True,
        copy=False,
        groups=MEMBERSHIP_USER,
        help="The highest follow-up level sent.",
    )
    dues_followup_next_level_id = fields.Many2one(
        "membership.followup.level",
        "Next Follow-up",
        compute="_compute_membership_followup",
        store=True,
        copy=False,
        groups=MEMBERSHIP_USER,
    )
    dues_followup_next_date = fields.Date(
        "Next Follow-up On", compute="_compute_membership_followup", store=True, copy=False, groups=MEMBERSHIP_USER
    )

    @api.depends("invoice_line_ids.dues_subscription_id")
    def _compute_is_membership_dues(self):
        for move in self:
            move.dues_is_invoice = bool(move.invoice_line_ids.dues_subscription_id)

    @api.depends("dues_subscription_ids")
    def _compute_membership_subscription_count(self):
        counts = dict(
            self.env["membership.subscription"]._read_group(
                [("invoice_id", "in", self.ids)], ["invoice_id"], ["__count"]
            )
        )
        for move in self:
            move.dues_subscription_count = counts.get(move, 0)

    @api.depends(
        "dues_followup_line_ids.level_id",
        "dues_followup_line_ids.date",
        "dues_followup_postponed_until",
        "payment_state",
        "dues_is_invoice",
        "line_ids.date_maturity",
        "line_ids.reconciled",
    )
    def _compute_membership_followup(self):
        """The highest level sent, and the earliest next level among the open
        instalments, with the same calendar as the run (engine/followup.py).
        Stored, and recomputed when a level is sent, a payment reconciled or
        the reminder postponed. As of the day it is computed: a courtesy
        level whose moment passed is not shown as next."""
        Run = self.env["membership.followup.run"]
        today = fields.Date.context_today(self)
        dues = self.filtered(lambda m: m.dues_is_invoice and m.state == "posted" and m.move_type == "out_invoice")
        policies = Run._policies_by_move(dues) if dues else {}
        for move in self:
            sent = move.dues_followup_line_ids.sorted(lambda line: (line.delay_days, line.id))
            move.dues_followup_level_id = sent[-1:].level_id
            policy = policies.get(move.id)
            best = None
            if policy and move.payment_state in ("not_paid", "partial"):
                for line in move.line_ids:
                    if line.display_type != "payment_term" or line.reconciled:
                        continue
                    line_sent = {r.level_id.id: r.date for r in sent if r.move_line_id == line}
                    step = Run._next_step(policy, line, line_sent, today)
                    if step and (best is None or step.date < best.date):
                        best = step
            move.dues_followup_next_level_id = best.key if best else False
            move.dues_followup_next_date = best.date if best else False

    @api.depends("dues_is_invoice", "move_type")
    def _compute_display_qr_code(self):
        """Dues invoices always offer the payment QR code (the EPC SEPA credit
        transfer code when the company has a EUR IBAN account); Odoo prints
        nothing when no QR method fits the currency or bank account."""
        result = super()._compute_display_qr_code()
        for move in self.filtered(lambda m: m.dues_is_invoice and m.move_type == "out_invoice"):
            move.display_qr_code = True
        return result

    def _get_invoice_computed_reference(self):
        """Dues invoices carry a structured payment reference (Belgian
        +++xxx/xxxx/xxxxx+++ or RF creditor reference, see the company's
        "Dues Payment Reference"), whatever their journal's standard."""
        self.ensure_one()
        if self.dues_is_invoice:
            model = self.company_id._membership_reference_model()
            method = model and getattr(self, f"_get_invoice_reference_{model}_invoice", None)
            if method:
                return method()
        return super()._get_invoice_computed_reference()

    def _membership_subscriptions(self):
        """The subscriptions this dues invoice bills (its lines' ones), for
        printing it: whoever may read the invoice reads what it bills (plan,
        period, member number), membership rights or not."""
        self.ensure_one()
        return self.invoice_line_ids.dues_subscription_id.sudo()

    def _invoice_paid_hook(self):
        """Paid dues lift the suspension they caused."""
        result = super()._invoice_paid_hook()
        dues = self.filtered("dues_is_invoice")
        for company, moves in dues.grouped("company_id").items():
            # whoever registers the payment (an accountant too) lifts it
            self.env["membership.followup.run"].sudo()._lift_suspensions(
                moves.partner_id.commercial_partner_id.sudo(), company
            )
        return result

    def _post(self, soft=True):
        """A paid dues invoice credited in full: its renewal notice requires
        an intervention (the subscription itself still counts as paid).
        Nothing more for ordinary invoices: only credit notes are looked at."""
        posted = super()._post(soft=soft)
        refunds = posted.filtered(lambda m: m.move_type == "out_refund" and m.reversed_entry_id)
        if refunds:
            paid = {
                refund.reversed_entry_id: refund
                for refund in refunds.sudo()
                if refund.reversed_entry_id.dues_is_invoice
                and refund.reversed_entry_id.payment_state in ("paid", "in_payment")
                and refund.currency_id.compare_amounts(refund.amount_total, refund.reversed_entry_id.amount_total) >= 0
            }
            if paid:
                subscriptions = (
                    self.env["membership.subscription"]
                    .sudo()
                    .search([("invoice_id", "in", [invoice.id for invoice in paid]), ("is_cancelled", "=", False)])
                )
                self.env["membership.renewal"].sudo()._on_invoice_events(
                    {subscription: "refunded" for subscription in subscriptions}
                )
        return posted

    def _get_invoice_proforma_pdf_report_filename(self):
        """A posted dues invoice downloaded before its PDF is generated (the
        portal's Download while it is queued for sending) is printed as the
        invoice it is (see report/membership_invoice_templates.xml), and
        named so."""
        self.ensure_one()
        if self.dues_is_invoice and self.state == "posted":
            return self._get_invoice_report_filename()
        return super()._get_invoice_proforma_pdf_report_filename()

    @api.model
    def _membership_sending_data(self):
        """The ``sending_data`` that queues an invoice for Odoo's own
        background sending (PDF, mail template, the member's sending
        preferences) as the current user; the invoice is sent once posted."""
        return {"author_user_id": self.env.user.id, "author_partner_id": self.env.user.partner_id.id}

    @api.model
    def _membership_sales_journal(self, company):
        """The sales journal an invoice of ``company`` gets by default, as
        Odoo chooses it (``_search_default_journal``); the batch creations
        search it once per company, not once per invoice."""
        return (
            self.with_company(company)
            .with_context(default_move_type="out_invoice")
            .new({"move_type": "out_invoice", "company_id": company.id})
            ._search_default_journal()
        )

    @api.model
    def _membership_prepare_line_amounts(self, vals):
        """Give the lines of a customer invoice about to be created (``vals``,
        changed in place) the amounts Odoo computes for them, where Odoo's
        rule makes them certain: in the company's currency, no discount, the
        quantity times the unit price, rounded to the currency, credited.

        Odoo's line synchronisation (``_sync_tax_lines``) computes every
        line's amounts after the creation anyway, with its taxes, and writes
        those that differ: amounts equal to its own save the writes and what
        they set off again (about a fifth of an invoice's creation,
        dev/BENCHMARKS.rst); a taxed line's, or a wrong one, is rewritten.
        Odoo stays the authority on the amounts (tests/test_invoice_amounts.py)."""
        if vals.get("move_type") != "out_invoice":
            return vals
        company = self.env["res.company"].browse(vals.get("company_id")) or self.env.company
        currency = company.currency_id
        if vals.get("currency_id") != currency.id:
            return vals  # another currency, or the journal's: a rate may apply, left to Odoo
        for command in vals.get("invoice_line_ids", ()):
            if command[0] != Command.CREATE:
                continue
            line = command[2]
            if line.get("display_type") or line.get("discount") or "price_unit" not in line:
                continue
            amount = -currency.round(line["price_unit"] * line.get("quantity", 1.0))
            line.setdefault("amount_currency", amount)
            line.setdefault("balance", amount)
        return vals

    @api.depends("amount_total", "currency_id")
    @api.depends_context("lang")
    def _compute_amount_total_words(self):
        """The amount in words in the language the invoice is printed in:
        a sending or a print of several invoices renders them together, each
        in its member's language (Odoo's compute gave them all the words of
        the first one)."""
        return super()._compute_amount_total_words()

    def action_membership_postpone(self, days=15):
        days = check_int(self.env, "days", days, 1, 365)
        today = fields.Date.context_today(self)
        for move in self:
            move.dues_followup_postponed_until = fields.Date.add(
                max(today, move.dues_followup_postponed_until or today), days=days
            )
        return True

    def action_view_membership_subscriptions(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("membership_dues.membership_subscription_action")
        subscriptions = self.dues_subscription_ids
        if len(subscriptions) == 1:
            action.update(view_mode="form", views=[(False, "form")], res_id=subscriptions.id)
        else:
            action["domain"] = [("invoice_id", "=", self.id)]
        return action
