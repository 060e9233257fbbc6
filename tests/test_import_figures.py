"""Declared figures from a spreadsheet, processed with the period rows; and
both kinds of rows through Odoo's real import path (base_import, XLSX and
CSV)."""

import csv
import io

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import MembershipCommon
from .test_import_spreadsheet import HEADER as LINE_HEADER

FIGURE_HEADER = ["member_ref", "member_vat", "member_email", "year", "figure", "value"]


@tagged("post_install", "-at_install")
class TestImportFigures(MembershipCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.person.write({"ref": "M-7", "email": "jan@example.com"})
        cls.member_company.vat = "BE0477472701"
        cls.turnover = cls.env.ref("membership_dues.figure_turnover")
        cls.headcount = cls.env.ref("membership_dues.figure_headcount")

    def load(self, model, header, rows):
        Model = self.env[model]
        result = Model.load(header, [[str(value) for value in row] for row in rows])
        self.assertFalse([m for m in result["messages"] if m["type"] == "error"], result["messages"])
        return Model.browse(result["ids"])

    def declaration(self, partner, year):
        return self.env["membership.declaration"].search([("partner_id", "=", partner.id), ("year", "=", year)])

    def figures_of(self, declaration):
        return {line.figure_id.code: line.value for line in declaration.line_ids}

    def test_template_loads_and_processes(self):
        with open(
            __file__.replace("tests/test_import_figures.py", "static/import/membership_import_figure_template.csv")
        ) as f:
            rows = list(csv.reader(io.StringIO(f.read())))
        self.assertEqual(rows[0], FIGURE_HEADER)
        figures = self.load("membership.import.figure", FIGURE_HEADER, rows[1:])
        figures.action_process()
        declaration = self.declaration(self.member_company, 2026)
        self.assertEqual(self.figures_of(declaration), {"turnover": 1_250_000.0, "headcount": 12.0})

    def test_figures_processed_with_the_periods(self):
        lines = self.load(
            "membership.import.line",
            LINE_HEADER,
            [["", "", "new@example.com", "Nora New", "Full member", "2026-01-01", "2026-12-31", "240", "1", "", "0"]],
        )
        figures = self.load(
            "membership.import.figure",
            FIGURE_HEADER,
            [
                ["M-7", "", "", "2026", "turnover", "1000"],
                ["", "", "JAN@example.com", "2026", "Headcount", "4"],  # by name, email in any case
                ["", "", "new@example.com", "2026", "turnover", "500.5"],  # a member the period row creates
            ],
        )
        action = lines.action_process()
        self.assertIn("3 figure rows imported", action["params"]["message"])
        self.assertEqual(set(figures.mapped("state")), {"done"})
        jan = self.declaration(self.person, 2026)
        self.assertEqual(self.figures_of(jan), {"turnover": 1000.0, "headcount": 4.0})
        self.assertEqual((jan.state, jan.source), ("declared", "import"))
        self.assertTrue(jan.date_declared)
        nora = self.declaration(lines.partner_id, 2026)
        self.assertEqual(self.figures_of(nora), {"turnover": 500.5})
        self.assertEqual(figures[2].declaration_id, nora)
        # the fee computation reads them (declared figures count)
        figures_by_partner = self.env["membership.declaration"]._figures_by_partner(self.person, self.company, 2026)
        self.assertEqual(figures_by_partner[self.person.id]["turnover"], 1000)

    def test_completes_existing_declarations(self):
        empty = self.env["membership.declaration"].create(
            {"partner_id": self.person.id, "year": 2025, "state": "to_declare"}
        )
        validated = self.env["membership.declaration"].create(
            {
                "partner_id": self.member_company.id,
                "year": 2025,
                "state": "validated",
                "line_ids": [(0, 0, {"figure_id": self.turnover.id, "value": 900})],
            }
        )
        figures = self.load(
            "membership.import.figure",
            FIGURE_HEADER,
            [
                ["M-7", "", "", "2025", "turnover", "100"],
                ["", "BE0477472701", "", "2025", "turnover", "900.00"],  # the same value: nothing to do
                ["", "BE0477472701", "", "2025", "headcount", "3"],  # a missing figure: added
            ],
        )
        figures.action_process()
        self.assertEqual((empty.state, empty.source), ("declared", "import"))
        self.assertEqual(self.figures_of(empty), {"turnover": 100.0})
        self.assertEqual(validated.state, "validated", "a validated declaration stays validated")
        self.assertEqual(self.figures_of(validated), {"turnover": 900.0, "headcount": 3.0})

    BAD = [
        ["NOPE", "", "", "2026", "turnover", "1"],
        ["", "", "", "2026", "turnover", "1"],
        ["M-7", "", "", "0", "turnover", "1"],
        ["M-7", "", "", "2026", "weight", "1"],
        ["M-7", "", "", "2026", "headcount", "2.5"],
        ["M-7", "", "", "2026", "turnover", "-5"],
        ["M-7", "", "", "2026", "payroll", "20000000000"],
    ]

    def test_bad_rows_import_nothing(self):
        self.env["membership.declaration"].create(
            {"partner_id": self.member_company.id, "year": 2026, "state": "validated",
             "line_ids": [(0, 0, {"figure_id": self.turnover.id, "value": 900})]}
        )  # fmt: skip
        lines = self.load(
            "membership.import.line",
            LINE_HEADER,
            [["M-7", "", "", "", "Full member", "2026-01-01", "2026-12-31", "240", "1", "", "0"]],
        )
        self.load(
            "membership.import.figure",
            FIGURE_HEADER,
            [["", "BE0477472701", "", "2026", "turnover", "901"], *self.BAD],
        )
        declarations = self.env["membership.declaration"].search_count([])
        subscriptions = self.env["membership.subscription"].search_count([])
        with self.assertRaises(UserError) as caught:
            lines.action_process()
        message = str(caught.exception)
        self.assertIn("Nothing was imported", message)
        for expected in (
            "Figures row 2, column Value, value 901.0: the declaration Atelier Dupont SA 2026 already holds Turnover",
            "Figures row 3, column Member Reference, value 'NOPE': no contact has it",
            "Figures row 4, column Member Reference, value '': a member reference, VAT or email is needed",
            "Figures row 5, column Year, value 0: a year between 1900 and 2999",
            "Figures row 6, column Figure, value 'weight': no active declared figure",
            "Figures row 7, column Value, value 2.5: Headcount is 2.5; it must be a whole number.",
            "Figures row 8, column Value, value -5.0: Turnover is -5; a declared figure cannot be negative.",
            "Figures row 9, column Value, value 20000000000.0: Payroll is 20,000,000,000, above",
        ):
            self.assertIn(expected, message)
        self.assertEqual(self.env["membership.declaration"].search_count([]), declarations)
        self.assertEqual(self.env["membership.subscription"].search_count([]), subscriptions)

    def test_valid_rows_only(self):
        figures = self.load(
            "membership.import.figure",
            FIGURE_HEADER,
            [["M-7", "", "", "2026", "turnover", "10"], *self.BAD],
        )
        action = figures.action_process_valid()
        self.assertIn("1 figure rows imported", action["params"]["message"])
        self.assertIn("Skipped figure rows: 3, 4, 5, 6, 7, 8, 9", action["params"]["message"])
        self.assertEqual(figures.mapped("state"), ["done"] + ["error"] * 7)
        self.assertIn("whole number", figures[5].error)
        self.assertEqual(self.figures_of(self.declaration(self.person, 2026)), {"turnover": 10.0})


@tagged("post_install", "-at_install")
class TestImportThroughBaseImport(MembershipCommon):
    """The files go through base_import as the Import button sends them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.person.write({"ref": "M-7"})

    def base_import(self, model, content, file_name, file_type, header):
        importer = self.env["base_import.import"].create(
            {"res_model": model, "file": content, "file_name": file_name, "file_type": file_type}
        )
        options = {
            "has_headers": True,
            "separator": ",",
            "quoting": '"',
            "encoding": "utf-8",
            "date_format": "%Y-%m-%d",
            "float_decimal_separator": ".",
            "float_thousand_separator": ",",
        }
        preview = importer.parse_preview(dict(options))
        self.assertFalse(preview.get("error"), preview)
        self.assertEqual(preview["headers"], header)
        result = importer.execute_import(header, header, options)
        return result, self.env[model].browse(result.get("ids") or [])

    def test_xlsx_periods(self):
        import openpyxl

        book = openpyxl.Workbook()
        sheet = book.active
        sheet.append(LINE_HEADER)
        sheet.append(["M-7", None, None, None, "Full member", "2025-01-01", "2025-12-31", 240, 1, None, 0])
        sheet.append([None, None, "x@example.com", "Xavier", "Full member", "2026-01-01", "2026-12-31", 120.5, 0,
                      None, 1])  # fmt: skip
        data = io.BytesIO()
        book.save(data)
        result, lines = self.base_import(
            "membership.import.line",
            data.getvalue(),
            "members.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            LINE_HEADER,
        )
        self.assertFalse([m for m in result["messages"] if m["type"] == "error"], result["messages"])
        self.assertEqual(len(lines), 2)
        lines.action_process()
        paid, opened = lines.subscription_id
        self.assertEqual(paid.partner_id, self.person)
        self.assertEqual(self.status(self.person, "2025-06-01"), "member")
        self.assertEqual(opened.partner_id.name, "Xavier")
        self.assertEqual(opened.invoice_id.amount_untaxed, 120.5)
        self.assertEqual(opened.invoice_id.state, "posted")

    def test_csv_with_a_bad_row(self):
        rows = [
            LINE_HEADER,
            ["M-7", "", "", "", "Full member", "2025-01-01", "2025-12-31", "240", "1", "", "0"],
            ["M-7", "", "", "", "Gold", "2026-01-01", "2026-12-31", "240", "1", "", "0"],
        ]
        text = io.StringIO()
        csv.writer(text).writerows(rows)
        result, lines = self.base_import(
            "membership.import.line", text.getvalue().encode(), "members.csv", "text/csv", LINE_HEADER
        )
        self.assertFalse([m for m in result["messages"] if m["type"] == "error"], result["messages"])
        self.assertEqual(lines.mapped("row"), [2, 3])
        subscriptions = self.env["membership.subscription"].search_count([])
        with self.assertRaises(UserError) as caught:
            lines.action_process()
        self.assertIn("Row 3, column Plan, value 'Gold': no plan of this name", str(caught.exception))
        self.assertNotIn("Row 2", str(caught.exception))
        self.assertEqual(self.env["membership.subscription"].search_count([]), subscriptions)
        lines.action_process_valid()
        self.assertEqual(lines.mapped("state"), ["done", "error"])
        self.assertIn("no plan of this name", lines[1].error)

    def test_csv_figures_with_a_bad_value(self):
        header = ["member_ref", "year", "figure", "value"]
        content = b"member_ref,year,figure,value\nM-7,2026,turnover,1000\nM-7,2026,headcount,1.5\n"
        result, figures = self.base_import("membership.import.figure", content, "figures.csv", "text/csv", header)
        self.assertFalse([m for m in result["messages"] if m["type"] == "error"], result["messages"])
        with self.assertRaises(UserError) as caught:
            figures.action_process()
        self.assertIn("Figures row 3, column Value, value 1.5: Headcount is 1.5", str(caught.exception))
