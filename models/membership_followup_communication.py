from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.fields import Command
from odoo.tools import format_date

from ..tools.formatting import format_money


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
    letter_id = fields.Many2one("ir.attachment", help="The PDF letter to print and post.")
    state = fields.Selection(
        [("queued", "To Deliver"), ("sent", "Sent"), ("failed", "Failed")],
        required=True,
        default="sent",
        index=True,
        help="To Deliver: recorded with its late fees, its email, letter or SMS delivered by the run in a moment "
        "(the invoices' numbering is not held while they are printed). Failed: nothing was recorded, the next run "
        "tries the member again.",
    )
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
        return format_money(self.env, amount, self.currency_id)

    def _format_date(self, day):
        """A date as the member reads it, in the member's language."""
        return format_date(self.env, day, lang_code=self.partner_id.lang)

    def _deadline(self):
        """Pay within ten days of the communication."""
        return self.date + timedelta(days=10)

    def _wording_values(self):
        """The values the follow-up sentences quote (report/membership_followup_templates.xml),
        formatted in the member's language; the total and the date in bold."""
        self.ensure_one()
        bold = Markup("<strong>%s</strong>")
        return {
            "total": bold % self._format_amount(self._total_to_pay()),
            "deadline": bold % self._format_date(self._deadline()),
            "dues": self._format_amount(self.amount_due),
            "fees": self._format_amount(self.late_fee_total),
            "account": self.company_id._membership_bank_account().display_name or "",
        }

    def action_print_letters(self):
        """The letters of the selection in one PDF, to print and post."""
        return self.env["ir.actions.report"]._membership_batch_print(
            "membership_dues.action_report_followup_letter", self, self.env._("Dues letters.pdf")
        )

    def _membership_pdf_name(self):
        """The letter's PDF name, in the member's language (print_report_name)."""
        self.ensure_one()
        return self.partner_id._membership_document_filename("letter", self.date)

    # The wording of the emails and the letter is in their QWeb templates
    # (report/membership_followup_templates.xml); the follow-up email
    # templates of databases installed earlier (noupdate data) still call
    # these three.
    def _render_part(self, template):
        self.ensure_one()
        return self.env["ir.qweb"]._render(template, {"communication": self})

    def _invoice_table(self):
        """The listed instalments with their level, as an HTML table."""
        return self._render_part("membership_dues.followup_invoice_table")

    def _total_due_sentence(self):
        """The one total to pay, with its parts when there are late fees."""
        return self._render_part("membership_dues.followup_total_due")

    def _late_fee_sentence(self):
        """Nothing: the late fees are rows of the invoice table and a part of the total to pay."""
        return ""

    # ------------------------------------------------------------------
    # The scheduled action (data/ir_cron_data.xml, kept on this model for
    # the databases that have it): the run is the membership.followup.run
    # service
    # ------------------------------------------------------------------
    @api.model
    def _cron_run_followup(self, batch_size=50, today=None):
        return self.env["membership.followup.run"]._cron_run_followup(batch_size=batch_size, today=today)

    @api.model
    def _cron_work_followup(self, batch_size=50, today=None):
        """A helper worker of the day's run, woken by the scheduled action
        above (tools/batch.py start_workers): the same run, beside it, on
        members of its own, waking no other."""
        return self.env["membership.followup.run"]._cron_run_followup(batch_size=batch_size, today=today, wake=False)
