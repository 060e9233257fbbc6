"""Numbers on the declaration form, read in the member's language, refused in
the member's words, and figures far from last year's confirmed by the member
and flagged for the officer's check."""

from odoo import Command
from odoo.exceptions import ValidationError
from odoo.http import Request
from odoo.tests import HttpCase, tagged

from .common import MembershipPortalCommon

NBSP, NNBSP = "\u00a0", "\u202f"


class DeclarationNumbersCommon(MembershipPortalCommon):
    """Last year (2026) the bakery declared turnover 800 000, payroll 50 000
    and headcount 4."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for lang in ("fr_FR", "fr_BE", "nl_NL", "nl_BE"):
            cls.env["res.lang"]._activate_lang(lang)

    def figures(self):
        return {line.figure_id.code: line.value for line in self.declaration.line_ids}


@tagged("post_install", "-at_install")
class TestPortalNumbers(DeclarationNumbersCommon):
    def parse(self, lang, typed, figure=None):
        """(value, message) of ``typed`` for ``figure`` (the payroll) read by
        the portal form for a member of language ``lang``."""
        figure = figure or self.payroll
        self.bakery.lang = lang
        posted = {f"figure_{each.id}": "1" for each in self.declaration._portal_figures()}
        posted[f"figure_{figure.id}"] = typed
        values, errors = self.declaration._portal_parse(posted)
        self.assertEqual(set(values) | set(errors), set(self.declaration._portal_figures().ids))
        return values.get(figure.id), errors.get(figure.id)

    def test_numbers_are_read_in_the_members_language(self):
        cases = [
            ("fr_BE", "120.000", 120_000),
            ("fr_BE", "1.234,56", 1234.56),
            ("fr_BE", "50.000", 50_000),
            ("nl_BE", "120.000", 120_000),
            ("nl_BE", "1.250.000,50", 1_250_000.5),
            ("fr_FR", "120 000", 120_000),
            ("fr_FR", f"1{NNBSP}250{NNBSP}000,50", 1_250_000.5),
            ("fr_FR", f"1{NBSP}250", 1250),
            ("fr_FR", "1,5", 1.5),
            ("fr_FR", "118.600", 118_600),
            ("nl_NL", "50.000", 50_000),
            ("en_US", "120,000", 120_000),
            ("en_US", "1,234", 1234),
            ("en_US", "1.5", 1.5),
            ("en_US", "1,234.56", 1234.56),
            ("en_US", "1 250 000.50", 1_250_000.5),
            ("en_US", "+12", 12),
            ("en_US", "0", 0),
        ]
        for lang, typed, value in cases:
            with self.subTest(lang=lang, typed=typed):
                self.assertEqual(self.parse(lang, typed), (value, None))

    def test_without_a_language_the_page_language_reads(self):
        self.bakery.lang = False
        self.assertEqual(self.declaration.with_context(lang="fr_FR")._portal_number("120.000"), 120_000)
        self.assertEqual(self.declaration.with_context(lang="en_US")._portal_number("1.5"), 1.5)

    def test_messages_in_the_members_words(self):
        """The figure, the value as typed, what is accepted; both readings
        of an ambiguous number, formatted in the member's language."""
        cases = [
            ("", "Enter your Payroll (0 if you have none)."),
            (
                "12a",
                f"Payroll: “12a” is not a number. Type digits, with a dot for decimals, e.g. 1{NBSP}250{NBSP}000.50.",
            ),
            ("1e5", "Payroll: “1e5” is not a number."),
            ("nan", "Payroll: “nan” is not a number."),
            ("1.2.3", "Payroll: “1.2.3” is not a number."),
            ("120.000", f"Payroll: did you mean 120 or 120,000? Type 120 or 120{NBSP}000."),
            ("50.000", f"Payroll: did you mean 50 or 50,000? Type 50 or 50{NBSP}000."),
            ("1.255", f"Payroll: did you mean 1.255 or 1,255? For 1,255, type 1{NBSP}255."),
            (
                "1,5",
                (
                    "Payroll: “1,5” is not written as numbers are in your language: did you mean 1.5? "
                    "Type 1.5, with a dot for decimals."
                ),
            ),
            (
                "1.234.567",
                (
                    "Payroll: “1.234.567” is not written as numbers are in your language: did you mean "
                    f"1,234,567? Type 1{NBSP}234{NBSP}567, with a dot for decimals."
                ),
            ),
            ("١٢٣", f"Payroll: “١٢٣”: type the number with the digits 0 to 9, e.g. 1{NBSP}250{NBSP}000.50."),
            ("１２３", "Payroll: “１２３”: type the number with the digits 0 to 9"),
            (
                "99999999999999",
                "Payroll: “99999999999999” is too large; a figure has at most 13 digits before the decimal mark.",
            ),
            ("-5", "Payroll: -5 is negative; a figure cannot be negative. Type 0 if you have none."),
            ("1.2345", "Payroll: 1.2345 has more than 2 decimals. Type at most 2, e.g. 1.23."),
            (
                "20 000 000 000",
                (
                    "Payroll: 20,000,000,000 is more than we accept for this figure: at most 10,000,000,000. "
                    "Please check the value (thousands typed twice?)."
                ),
            ),
        ]
        for typed, message in cases:
            with self.subTest(typed=typed):
                value, error = self.parse("en_US", typed)
                self.assertIsNone(value)
                self.assertIn(message, error)
                for never in ("e+", "raise the limit", "plausibility", ".0 "):
                    self.assertNotIn(never, error)
        value, error = self.parse("en_US", "2.5", self.headcount)
        self.assertEqual(error, "Headcount: 2.5 is not a whole number. Type a whole number, e.g. 2.")
        value, error = self.parse("en_US", "1.000", self.headcount)
        self.assertEqual(error, f"Headcount: did you mean 1 or 1,000? Type 1 or 1{NBSP}000.")

    def test_messages_of_a_french_speaking_member(self):
        """Readings and examples as French speakers write them (the sentences
        themselves come from the translations)."""
        payroll = self.payroll.with_context(lang="fr_FR").name
        self.assertEqual(payroll, "Masse salariale")
        cases = [
            ("1,234", ("vouliez-vous dire", "1,234", f"1{NNBSP}234", f"1{NBSP}234")),
            ("120,000", ("120", f"120{NNBSP}000", f"Saisissez 120 ou 120{NBSP}000")),
            ("1.5", (f"«{NBSP}1.5{NBSP}»", "1,5")),
            ("1,234.56", (f"«{NBSP}1,234.56{NBSP}»", f"1{NNBSP}234,56", f"1{NBSP}234,56")),
            ("12a", (f"«{NBSP}12a{NBSP}»", f"1{NBSP}250{NBSP}000,50", "avec une virgule pour les décimales")),
            ("1,2345", ("1,2345", "1,23")),
            ("20.000.000.000", (f"20{NNBSP}000{NNBSP}000{NNBSP}000", f"10{NNBSP}000{NNBSP}000{NNBSP}000")),
        ]
        for typed, fragments in cases:
            with self.subTest(typed=typed):
                value, error = self.parse("fr_FR", typed)
                self.assertIsNone(value)
                self.assertTrue(error.startswith((f"{payroll}:", f"{payroll} ", f"{payroll}\xa0:")), error)
                for fragment in fragments:
                    self.assertIn(fragment, error)
        _value, error = self.parse("nl_BE", "1,234")
        self.assertIn("1.234", error, "the thousands reading as Dutch speakers in Belgium write it")

    def test_form_shows_values_as_the_member_writes_them(self):
        self.declare(self.bakery, 2025, turnover=700_000.5, payroll=1, headcount=3)
        self.bakery.lang = "fr_FR"
        rows = {row["figure"].code: row for row in self.declaration._portal_rows()}
        self.assertEqual(rows["turnover"]["last_year"], f"800{NNBSP}000")
        self.assertEqual(rows["turnover"]["value"], "800 000", "pre-filled as typed back")
        self.assertEqual(self.declaration._portal_number(rows["turnover"]["value"]), 800_000)
        self.declaration.line_ids = [Command.create({"figure_id": self.turnover.id, "value": 1_234_567.5})]
        rows = {row["figure"].code: row for row in self.declaration._portal_rows()}
        self.assertEqual(rows["turnover"]["value"], "1 234 567,5")
        self.assertEqual(self.declaration._portal_number(rows["turnover"]["value"]), 1_234_567.5)
        self.bakery.lang = "en_US"
        rows = {row["figure"].code: row for row in self.declaration._portal_rows()}
        self.assertEqual(rows["turnover"]["value"], "1 234 567.5")
        self.assertEqual(rows["turnover"]["last_year"], "800,000")

    def test_officers_read_values_formatted_not_float_reprs(self):
        # 1e16 is "1e+16" as a float's repr; the ORM stores it rounded (...008)
        cases = [
            ({"figure_id": self.turnover.id, "value": 1e16}, r"Turnover is 10,000,000,000,000,0\d\d, above"),
            ({"figure_id": self.turnover.id, "value": 1e16}, "plausibility limit of 100,000,000,000\\. Check"),
            ({"figure_id": self.turnover.id, "value": 1e16}, "raise the limit on the figure"),
            ({"figure_id": self.turnover.id, "value": -1}, "Turnover is -1; a declared figure cannot be negative"),
            ({"figure_id": self.headcount.id, "value": 2.5}, "Headcount is 2.5; it must be a whole number"),
        ]
        for line, message in cases:
            with self.subTest(message=message):
                with self.assertRaisesRegex(ValidationError, message) as caught, self.env.cr.savepoint():
                    self.env["membership.declaration"].create(
                        {"partner_id": self.person.id, "year": 2027, "line_ids": [Command.create(line)]}
                    )
                self.assertNotIn("e+", str(caught.exception))
                self.assertNotIn(".0;", str(caught.exception))


@tagged("post_install", "-at_install")
class TestLargeChanges(DeclarationNumbersCommon, HttpCase):
    def setUp(self):
        super().setUp()
        self.authenticate("paula", "paula-portal-1")

    def post(self, turnover="800 000", payroll="50 000", headcount="4", **extra):
        data = {
            f"figure_{self.turnover.id}": turnover,
            f"figure_{self.payroll.id}": payroll,
            f"figure_{self.headcount.id}": headcount,
            "csrf_token": Request.csrf_token(self),
            **extra,
        }
        response = self.url_open(f"/my/declarations/{self.declaration.id}/submit", data=data)
        self.env.invalidate_all()
        return response

    def confirm(self, figure):
        return f"confirm_figure_{figure.id}"

    def test_a_large_change_is_confirmed_then_flagged_for_the_officer(self):
        response = self.post(payroll="500000")
        self.assertEqual(response.status_code, 200)
        page = response.text
        self.assertIn("Payroll 500,000 is 10 times last year&#39;s 50,000. Please check; tick to confirm.", page)
        self.assertIn(f'name="{self.confirm(self.payroll)}" value="500000"', page)
        self.assertIn('id="declaration_large_changes"', page)
        self.assertIn(f'name="figure_{self.payroll.id}" value="500000"', page, "what was typed is kept")
        self.assertNotIn(self.confirm(self.turnover), page, "only the payroll is asked")
        self.assertEqual(self.declaration.state, "to_declare", "nothing saved before the member confirms")
        self.assertFalse(self.declaration.line_ids)

        response = self.post(payroll="500000", **{self.confirm(self.payroll): "500000"})
        self.assertEqual(response.status_code, 200)
        self.assertIn('id="declaration_done"', response.text)
        self.assertEqual(self.declaration.state, "declared")
        self.assertEqual(self.figures(), {"turnover": 800_000, "payroll": 500_000, "headcount": 4})
        self.assertTrue(self.declaration.large_change)
        self.assertEqual(self.declaration.large_change_note, "Payroll: 500,000 (last year 50,000, 10 times more)")
        self.assertTrue(
            self.declaration.message_ids.filtered(lambda m: "Large changes to check" in (m.body or "")),
            "a chatter line for the officer",
        )
        Declaration = self.env["membership.declaration"]
        self.assertIn(self.declaration, Declaration.search([("large_change", "=", True)]))
        self.declaration.action_validate()
        self.assertFalse(self.declaration.large_change, "validating clears the flag")
        self.assertNotIn(self.declaration, Declaration.search([("large_change", "=", True)]))

    def test_smaller_values_and_two_confirmations(self):
        response = self.post(turnover="8 000 000", payroll="4 000", headcount="0")
        page = " ".join(response.text.split())
        self.assertIn("Turnover 8,000,000 is 10 times last year&#39;s 800,000.", page)
        self.assertIn("Payroll 4,000 is 12.5 times less than last year&#39;s 50,000.", page)
        self.assertNotIn(self.confirm(self.headcount), page, "0 is what a member declares for none: no ratio")
        self.assertEqual(self.declaration.state, "to_declare")
        # one confirmed, the other not: asked again for the other only, the first stays ticked
        response = self.post(
            turnover="8 000 000", payroll="4 000", headcount="0", **{self.confirm(self.payroll): "4000"}
        )
        page = response.text
        self.assertIn(f'name="{self.confirm(self.payroll)}" value="4000" checked="checked"', page)
        self.assertIn(f'name="{self.confirm(self.turnover)}" value="8000000"', page)
        self.assertNotIn(f'name="{self.confirm(self.turnover)}" value="8000000" checked', page)
        self.assertEqual(self.declaration.state, "to_declare")
        self.post(
            turnover="8 000 000",
            payroll="4 000",
            headcount="0",
            **{self.confirm(self.payroll): "4000", self.confirm(self.turnover): "8000000"},
        )
        self.assertEqual(self.declaration.state, "declared")
        self.assertEqual(self.figures(), {"turnover": 8_000_000, "payroll": 4_000, "headcount": 0})
        self.assertEqual(
            self.declaration.large_change_note.split("\n"),
            [
                "Turnover: 8,000,000 (last year 800,000, 10 times more)",
                "Payroll: 4,000 (last year 50,000, 12.5 times less)",
            ],
        )

    def test_the_confirmation_is_for_the_value_shown(self):
        response = self.post(payroll="600 000", **{self.confirm(self.payroll): "500000"})
        self.assertIn("Payroll 600,000 is 12 times last year&#39;s 50,000.", response.text)
        self.assertEqual(self.declaration.state, "to_declare")

    def test_within_the_ratio_nothing_is_asked(self):
        self.post(turnover="3 900 000", payroll="10 001", headcount="1")  # 4.9, 4.9996 and 4 times
        self.assertEqual(self.declaration.state, "declared")
        self.assertFalse(self.declaration.large_change)
        self.assertFalse(self.declaration.large_change_note)

    def test_the_ratio_is_a_company_setting(self):
        self.company.dues_declaration_change_ratio = 20
        self.post(payroll="500 000")
        self.assertEqual(self.declaration.state, "declared", "10 times is within 20")
        self.assertFalse(self.declaration.large_change)
        self.company.dues_declaration_change_ratio = 0
        self.post(payroll="50 000 000")
        self.assertEqual(self.figures()["payroll"], 50_000_000)
        self.assertFalse(self.declaration.large_change, "0: no check")
        settings = self.env["res.config.settings"].create({"dues_declaration_change_ratio": 3})
        settings.execute()
        self.assertEqual(self.company.dues_declaration_change_ratio, 3)
        for ratio in (0.5, 1, -2):
            with self.subTest(ratio=ratio), self.assertRaisesRegex(ValidationError, "large change ratio"):
                self.company.dues_declaration_change_ratio = ratio

    def test_declaring_again_without_large_change_clears_the_flag(self):
        self.post(payroll="500000", **{self.confirm(self.payroll): "500000"})
        self.assertTrue(self.declaration.large_change)
        self.post(payroll="52 000")
        self.assertFalse(self.declaration.large_change)
        self.assertEqual(self.figures()["payroll"], 52_000)

    def test_nothing_changed_never_asks(self):
        self.post(unchanged="1", payroll="5")
        self.assertEqual(self.declaration.state, "declared")
        self.assertFalse(self.declaration.large_change)

    def test_no_last_year_no_question(self):
        declaration = self.brewery_declaration
        self.authenticate("otto", "otto-portal-1")
        data = {f"figure_{figure.id}": "9 000 000" for figure in declaration._portal_figures() - self.headcount}
        data[f"figure_{self.headcount.id}"] = "900"
        data["csrf_token"] = Request.csrf_token(self)
        self.url_open(f"/my/declarations/{declaration.id}/submit", data=data)
        declaration.invalidate_recordset()
        self.assertEqual(declaration.state, "declared")
        self.assertFalse(declaration.large_change)

    def test_a_french_speaking_member_over_http(self):
        self.bakery.lang = "fr_FR"
        response = self.post(turnover="800.000", payroll="1,234", headcount="4")
        self.assertEqual(response.status_code, 400)
        page = " ".join(response.text.split())
        self.assertIn("Masse salariale", page)
        self.assertIn("1 234", page)  # narrow no-break spaces are spaces here
        self.assertIn(f'name="figure_{self.payroll.id}" value="1,234"', page)
        self.assertEqual(self.declaration.state, "to_declare")
        response = self.post(turnover="800.000", payroll="1.186.000", headcount="4")
        page = " ".join(response.text.split())
        self.assertIn("Masse salariale : 1 186 000, soit 23,7 fois la valeur de l&#39;an dernier (50 000)", page)
        self.post(turnover="800.000", payroll="1.186.000", headcount="4", **{self.confirm(self.payroll): "1186000"})
        self.assertEqual(self.figures(), {"turnover": 800_000, "payroll": 1_186_000, "headcount": 4})
        self.assertTrue(self.declaration.large_change)


@tagged("post_install", "-at_install")
class TestDeclarationNumbersTour(DeclarationNumbersCommon, HttpCase):
    def test_french_speaking_member_declares_in_the_browser(self):
        self.bakery.lang = "fr_FR"
        self.paula.lang = "fr_FR"
        self.start_tour(
            f"/my/declarations/{self.declaration.id}", "membership_dues_declaration_numbers_fr", login="paula"
        )
        self.assertEqual(self.declaration.state, "declared")
        self.assertEqual(self.figures(), {"turnover": 1_500_000, "payroll": 120_000, "headcount": 50})
        self.assertTrue(self.declaration.large_change)
        self.assertIn("50", self.declaration.large_change_note)
        self.assertIn("12.5", self.declaration.large_change_note)
