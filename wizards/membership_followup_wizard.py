from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tools import format_date


class MembershipFollowupWizard(models.TransientModel):
    """Preview, then send, the follow-up levels due: per member what would be
    sent, what is skipped and why, and warnings (unreconciled payments)."""

    _name = "membership.followup.wizard"
    _description = "Run the Dues Follow-up"

    date = fields.Date(required=True, default=fields.Date.context_today)
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)
    line_ids = fields.One2many("membership.followup.wizard.line", "wizard_id", "Members")
    state = fields.Selection([("draft", "Preview"), ("done", "Sent")], default="draft")
    result = fields.Text(readonly=True)

    @api.onchange("date", "company_id")
    def _onchange_preview(self):
        self.line_ids = [Command.clear()] + [Command.create(values) for values in self._preview_values()]

    def _preview_values(self):
        self.ensure_one()
        if not self.date or not self.company_id:
            return []
        collected = self.env["membership.followup.run"]._collect(self.date, company=self.company_id)
        values = []
        for member, entry in collected.items():
            details = self._preview_details(entry)
            values.append(
                {
                    "partner_id": member.id,
                    "level_id": entry.top_level.id if entry.due else False,
                    "invoice_count": len(details),
                    "amount_due": sum(entry.open_lines.mapped("amount_residual")),
                    "to_send": bool(entry.due),
                    "send": bool(entry.due),
                    "details": "\n".join(f"{move.name}: {text}" for move, text in details.items()),
                    "warning": "\n".join(entry.warnings),
                }
            )
        return values

    def _preview_details(self, entry):
        """{invoice: what happens to it}, one per invoice of the member the
        preview lists (so that the count and the details agree): the level
        due, why it is skipped, or that no level is due on this date."""
        texts = {}
        for item in entry.due:
            texts.setdefault(item.move_line.move_id, []).append(item.level.name)
        for item in entry.skipped:
            texts.setdefault(item.move_line.move_id, []).append(item.reason)
        for move in entry.open_lines.move_id:
            texts.setdefault(move, [self.env._("no level due on this date")])
        return {move: ", ".join(texts[move]) for move in sorted(texts, key=lambda move: move.id)}

    def action_send(self):
        """Send what the preview shows, dated today or a past day (catching
        up a day without a run); a future date is for the preview only."""
        self.ensure_one()
        today = fields.Date.context_today(self)
        if self.date > today:
            raise UserError(
                self.env._(
                    "Date %(date)s is in the future: a future date only previews what would be sent. To send, "
                    "set the date to today (%(today)s) or to a past day to catch up.",
                    date=format_date(self.env, self.date),
                    today=format_date(self.env, today),
                )
            )
        if not self.line_ids:
            self._onchange_preview()
        members = self.line_ids.filtered(lambda line: line.send and line.to_send).partner_id
        Run = self.env["membership.followup.run"]
        collected = Run._collect(self.date, partner_ids=members.ids, company=self.company_id)
        _run, sent = Run._send_collected(collected, self.date, commit=False)
        failed = sent.filtered(lambda communication: communication.state == "failed")
        self.write(
            {
                "state": "done",
                "result": self.env._(
                    "%(sent)s communications sent, %(failed)s failed.", sent=len(sent - failed), failed=len(failed)
                ),
            }
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": "membership.followup.communication",
            "name": self.env._("Communications Sent"),
            "view_mode": "list,form",
            "domain": [("id", "in", sent.ids)],
        }
