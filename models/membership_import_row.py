"""What the spreadsheet import rows share (membership.import.line and
membership.import.figure): their row number, state and error, the member's
keys, and how they are processed, each row in its own savepoint."""

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools.batch import error_message
from ..tools.import_rows import number_rows


class MembershipImportRow(models.AbstractModel):
    _name = "membership.import.row"
    _description = "Membership Import Row (shared)"
    # company_id is on each model: a model with a company is company-bound (see test_multi_company)

    row = fields.Integer(help="The row of the file (the header is row 1).", readonly=True)
    state = fields.Selection(
        [("draft", "To Process"), ("done", "Imported"), ("error", "Skipped")], default="draft", required=True
    )
    error = fields.Text(readonly=True)
    member_ref = fields.Char("Member Reference")
    member_vat = fields.Char("Member VAT")
    member_email = fields.Char()
    partner_id = fields.Many2one("res.partner", "Member", readonly=True, index="btree_not_null")

    @api.model_create_multi
    def create(self, vals_list):
        number_rows(self, vals_list)
        return super().create(vals_list)

    def _err(self, column, reason):
        """The error of this row's ``column`` (see :meth:`_column_error`)."""
        value = self[column]
        return self._column_error(
            row=self.row,
            column=self._fields[column].get_description(self.env)["string"],
            value=repr(value if value is not False else ""),
            reason=reason,
        )

    def _column_error(self, **values):
        """The message of an error in a column (row, column, value, reason)."""
        raise NotImplementedError

    def _row_error(self, error):
        """The message of an error in processing the row."""
        raise NotImplementedError

    def _check_row(self):
        """(errors, *found): the errors of this row (a list), before anything
        is written, and what :meth:`_process_one` needs."""
        raise NotImplementedError

    def _process_one(self, *found):
        raise NotImplementedError

    def _process_rows(self):
        """Process the rows to process, in the order of the file, each in its
        own savepoint; returns ``{row: [errors]}`` of the rows that failed."""
        errors = {}
        for row in self.filtered(lambda row: row.state != "done").sorted("row"):
            row_errors, *found = row._check_row()
            if not row_errors:
                try:
                    with self.env.cr.savepoint():
                        row._process_one(*found)
                except UserError as error:  # a ValidationError too
                    row_errors = [row._row_error(error_message(error))]
            if row_errors:
                errors[row] = row_errors
        return errors
