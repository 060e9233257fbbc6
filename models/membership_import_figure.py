"""Declared figures from a spreadsheet: one row per member, year and figure,
loaded with Odoo's standard import (base_import), then processed with the
period rows (:mod:`.membership_import_line`)."""

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..tools.import_rows import member_searches, number_rows


class MembershipImportFigure(models.Model):
    _name = "membership.import.figure"
    _description = "Membership Import Figure Row"
    _order = "id"

    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    row = fields.Integer(help="The row of the file (the header is row 1).", readonly=True)
    state = fields.Selection(
        [("draft", "To Process"), ("done", "Imported"), ("error", "Skipped")], default="draft", required=True
    )
    error = fields.Text(readonly=True)
    member_ref = fields.Char("Member Reference")
    member_vat = fields.Char("Member VAT")
    member_email = fields.Char("Member Email")
    year = fields.Integer(aggregator=None, help="The membership year the figure is declared for.")
    figure = fields.Char(help="The code (e.g. turnover) or the name of a declared figure.")
    value = fields.Float(digits=(20, 2))
    partner_id = fields.Many2one("res.partner", "Member", readonly=True, index="btree_not_null")
    declaration_id = fields.Many2one("membership.declaration", "Declaration", readonly=True)

    @api.model_create_multi
    def create(self, vals_list):
        number_rows(self, vals_list)
        return super().create(vals_list)

    def _label(self, column):
        return self._fields[column].get_description(self.env)["string"]

    def _err(self, column, reason):
        return self.env._(
            "Figures row %(row)s, column %(column)s, value %(value)s: %(reason)s",
            row=self.row,
            column=self._label(column),
            value=repr(self[column] if self[column] is not False else ""),
            reason=reason,
        )

    def _match_partner(self):
        """(partner or None, error or None): an existing contact only, the
        period rows create the new members."""
        for column, found in member_searches(self):
            if len(found) > 1:
                return None, self._err(column, self.env._("several contacts have it; make it unique"))
            if found:
                return found, None
            return None, self._err(column, self.env._("no contact has it (import the member's periods first)"))
        return None, self._err(
            "member_ref", self.env._("a member reference, VAT or email is needed to find the member")
        )

    def _match_figure(self):
        text = (self.figure or "").strip()
        Figure = self.env["membership.figure"]
        figure = Figure.search([("code", "=", text)], limit=1) if text else Figure
        if text and not figure:
            figure = Figure.search([("name", "=ilike", text)], limit=2)
            if len(figure) > 1:
                figure = Figure
        return figure

    def _check_row(self):
        """The errors of this row (list), before anything is written."""
        errors = []
        partner, error = self._match_partner()
        if error:
            errors.append(error)
        if not 1900 <= self.year <= 2999:
            errors.append(self._err("year", self.env._("a year between 1900 and 2999 is required")))
        figure = self._match_figure()
        if not figure:
            errors.append(
                self._err(
                    "figure",
                    self.env._(
                        "no active declared figure has this code or name; allowed: %(codes)s",
                        codes=", ".join(self.env["membership.figure"].search([("code", "!=", False)]).mapped("code")),
                    ),
                )
            )
        else:
            try:
                figure._check_value(self.value)
            except ValidationError as caught:
                errors.append(self._err("value", caught.args[0]))
        if partner and figure and not errors:
            existing = self.env["membership.declaration.line"].search(
                [
                    ("declaration_id.partner_id", "=", partner.id),
                    ("declaration_id.company_id", "=", self.company_id.id),
                    ("declaration_id.year", "=", self.year),
                    ("figure_id", "=", figure.id),
                ],
                limit=1,
            )
            if existing and figure._format_value(existing.value) != figure._format_value(self.value):
                errors.append(
                    self._err(
                        "value",
                        self.env._(
                            "the declaration %(declaration)s already holds %(figure)s = %(current)s; the import "
                            "does not overwrite it (correct it on the declaration)",
                            declaration=existing.declaration_id.display_name,
                            figure=figure.name,
                            current=figure._format_value(existing.value),
                        ),
                    )
                )
        return errors, partner, figure

    def _process_one(self, partner, figure):
        Declaration = self.env["membership.declaration"]
        declaration = Declaration.search(
            [("partner_id", "=", partner.id), ("company_id", "=", self.company_id.id), ("year", "=", self.year)],
            limit=1,
        )
        line_vals = {"figure_id": figure.id, "value": self.value}
        if not declaration:
            declaration = Declaration.with_company(self.company_id).create(
                {
                    "partner_id": partner.id,
                    "company_id": self.company_id.id,
                    "year": self.year,
                    "source": "import",
                    "line_ids": [fields.Command.create(line_vals)],
                }
            )
        else:
            if not declaration.line_ids.filtered(lambda line: line.figure_id == figure):
                declaration.write({"line_ids": [fields.Command.create(line_vals)]})
            if declaration.state == "to_declare":
                declaration._mark_declared(source="import")
        self.write({"state": "done", "error": False, "partner_id": partner.id, "declaration_id": declaration.id})

    def _process_rows(self):
        """Process the rows to process, each in its own savepoint; returns
        ``{row: [errors]}`` of the rows that failed."""
        errors = {}
        for row in self.filtered(lambda row: row.state != "done").sorted("row"):
            row_errors, partner, figure = row._check_row()
            if not row_errors:
                try:
                    with self.env.cr.savepoint():
                        row._process_one(partner, figure)
                except (UserError, ValidationError) as error:
                    row_errors = [
                        self.env._(
                            "Figures row %(row)s: %(error)s", row=row.row, error=getattr(error, "args", [error])[0]
                        )
                    ]
            if row_errors:
                errors[row] = row_errors
        return errors

    def action_process(self, skip_invalid=False):
        """Process the selected figure rows alone (the period rows' Process
        takes the figure rows to process of their company too)."""
        return self.env["membership.import.line"]._process_all(
            self.env["membership.import.line"], self, skip_invalid=skip_invalid
        )

    def action_process_valid(self):
        return self.action_process(skip_invalid=True)
