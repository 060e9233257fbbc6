"""Members and their history from a spreadsheet: one row per period, loaded
with Odoo's standard import (base_import), then processed."""

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_is_zero

from ..tools.import_rows import member_searches
from ..tools.orm_batch import write_links


class MembershipImportLine(models.Model):
    _name = "membership.import.line"
    _inherit = ["membership.import.row"]
    _description = "Membership Import Row"
    _order = "id"

    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    member_name = fields.Char()
    plan_name = fields.Char("Plan")
    date_start = fields.Date("Period Start")
    date_end = fields.Date("Period End")
    amount = fields.Float(digits="Account")
    paid = fields.Boolean()
    invoice_ref = fields.Char("Invoice Reference")
    opening_invoice = fields.Boolean(help="Unpaid and no invoice: create and post one.")
    subscription_id = fields.Many2one("membership.subscription", readonly=True)

    def _column_error(self, **values):
        return self.env._("Row %(row)s, column %(column)s, value %(value)s: %(reason)s", **values)

    def _row_error(self, error):
        return self.env._("Row %(row)s: %(error)s", row=self.row, error=error)

    def _match_partner(self):
        """(partner or None, error or None)."""
        for column, found in member_searches(self):
            if len(found) > 1:
                return None, self._err(column, self.env._("several contacts have it; make it unique"))
            if found:
                return found, None
        if not (self.member_name or "").strip():
            return None, self._err(
                "member_name",
                self.env._("no contact matches the reference, VAT or email: a name is needed to create one"),
            )
        return self.env["res.partner"].with_context(active_test=False).browse(), None

    def _check_row(self):
        """The errors of this row (list), before anything is written."""
        errors = []
        partner, error = self._match_partner()
        if error:
            errors.append(error)
        plan = self.env["membership.plan"].search(
            [("name", "=ilike", (self.plan_name or "").strip()), ("company_id", "=", self.company_id.id)], limit=1
        )
        if not plan:
            errors.append(self._err("plan_name", self.env._("no plan of this name in the company")))
        if not self.date_start:
            errors.append(self._err("date_start", self.env._("a start date is required")))
        if not self.date_end:
            errors.append(self._err("date_end", self.env._("an end date is required")))
        elif self.date_start and self.date_end < self.date_start:
            errors.append(self._err("date_end", self.env._("the end is before the start")))
        if self.amount < 0:
            errors.append(self._err("amount", self.env._("the amount must be zero or positive")))
        invoice = self.env["account.move"]
        if self.invoice_ref:
            invoice = self.env["account.move"].search(
                [
                    ("move_type", "=", "out_invoice"),
                    ("company_id", "=", self.company_id.id),
                    ("state", "!=", "cancel"),
                    "|",
                    ("name", "=", self.invoice_ref.strip()),
                    ("ref", "=", self.invoice_ref.strip()),
                ],
                limit=2,
            )
            if len(invoice) != 1:
                errors.append(
                    self._err("invoice_ref", self.env._("no single customer invoice has this number or reference"))
                )
        if self.opening_invoice and (self.paid or self.invoice_ref):
            errors.append(
                self._err(
                    "opening_invoice", self.env._("only an unpaid period without an invoice gets an opening invoice")
                )
            )
        return errors, partner, plan, invoice[:1]

    def _process_one(self, partner, plan, invoice):
        if not partner:
            partner = self.env["res.partner"].create(
                {
                    "name": self.member_name.strip(),
                    "ref": self.member_ref or False,
                    "vat": self.member_vat or False,
                    "email": self.member_email or False,
                }
            )
        values = {
            "partner_id": partner.id,
            "plan_id": plan.id,
            "date_start": self.date_start,
            "date_end": self.date_end,
            "amount": self.amount,
            "full_amount": self.amount,
        }
        if self.paid and not invoice and not float_is_zero(self.amount, precision_digits=2):
            # paid before, outside Odoo: nothing left to invoice (a paid period needs no invoice)
            values.update(
                amount=0.0,
                note=self.env._("Paid before the import: %(amount)s.", amount=self.amount),
            )
        if invoice:
            values["invoice_id"] = invoice.id
        subscription = self.env["membership.subscription"].with_company(self.company_id).create(values)
        if invoice:
            lines = invoice.invoice_line_ids.filtered(
                lambda line: line.display_type == "product" and not line.dues_subscription_id
            )[:1]
            write_links(lines, "dues_subscription_id", subscription)
        elif self.opening_invoice:
            subscription._create_invoices(post=True)
        self.write({"state": "done", "error": False, "partner_id": partner.id, "subscription_id": subscription.id})

    @api.model
    def _process_all(self, lines, figures, skip_invalid=False):
        """Process period rows, then figure rows (the members the periods
        create can have figures). A failing row stops everything (nothing
        is imported) unless ``skip_invalid``: then the valid rows are
        imported and the others are marked skipped, with their errors."""
        lines = lines.filtered(lambda row: row.state != "done")
        figures = figures.filtered(lambda row: row.state != "done")
        errors = lines._process_rows()
        figure_errors = figures._process_rows()
        if (errors or figure_errors) and not skip_invalid:
            raise UserError(
                self.env._("Nothing was imported: fix these rows (or import the valid rows only).")
                + "\n"
                + "\n".join(message for messages in [*errors.values(), *figure_errors.values()] for message in messages)
            )
        for row, messages in [*errors.items(), *figure_errors.items()]:
            row.write({"state": "error", "error": "\n".join(messages)})
        done = lines - self.browse([row.id for row in errors])
        done_figures = figures - figures.browse([row.id for row in figure_errors])
        message = self.env._("%(count)s rows imported.", count=len(done))
        if figures:
            message += " " + self.env._("%(count)s figure rows imported.", count=len(done_figures))
        if errors:
            message += " " + self.env._("Skipped rows: %(rows)s.", rows=", ".join(str(row.row) for row in errors))
        if figure_errors:
            message += " " + self.env._(
                "Skipped figure rows: %(rows)s.", rows=", ".join(str(row.row) for row in figure_errors)
            )
        failed = errors or figure_errors
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {"message": message, "type": "warning" if failed else "success", "sticky": bool(failed)},
        }

    def action_process(self, skip_invalid=False):
        """Process the selected rows, and the figure rows to process of
        their companies (see :meth:`_process_all`)."""
        figures = self.env["membership.import.figure"].search(
            [("state", "=", "draft"), ("company_id", "in", self.company_id.ids)]
        )
        return self._process_all(self, figures, skip_invalid=skip_invalid)

    def action_process_valid(self):
        return self.action_process(skip_invalid=True)
