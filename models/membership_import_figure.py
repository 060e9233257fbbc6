"""Declared figures from a spreadsheet: one row per member, year and figure,
loaded with Odoo's standard import (base_import), then processed with the
period rows (:mod:`.membership_import_line`)."""

from odoo import fields, models
from odoo.exceptions import ValidationError

from ..tools.import_rows import member_searches


class MembershipImportFigure(models.Model):
    _name = "membership.import.figure"
    _inherit = ["membership.import.row"]
    _description = "Membership Import Figure Row"
    _order = "id"

    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    year = fields.Integer(aggregator=None, help="The membership year the figure is declared for.")
    figure = fields.Char(help="The code (e.g. turnover) or the name of a declared figure.")
    value = fields.Float(digits=(20, 2))
    declaration_id = fields.Many2one("membership.declaration", readonly=True)

    def _column_error(self, **values):
        return self.env._("Figures row %(row)s, column %(column)s, value %(value)s: %(reason)s", **values)

    def _row_error(self, error):
        return self.env._("Figures row %(row)s: %(error)s", row=self.row, error=error)

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

    def action_process(self, skip_invalid=False):
        """Process the selected figure rows alone (the period rows' Process
        takes the figure rows to process of their company too)."""
        return self.env["membership.import.line"]._process_all(
            self.env["membership.import.line"], self, skip_invalid=skip_invalid
        )

    def action_process_valid(self):
        return self.action_process(skip_invalid=True)
