"""Odd input on every public and portal URL of the module, over real HTTP:
each answer is the page's normal refusal (404 page, the renewal link's
"not valid" page, the card's "Not valid", the declaration form with the
field's message), never a 500, and nothing is written."""

from decimal import Decimal

from odoo.http import Request
from odoo.tests import HttpCase, tagged

from ..engine.numbers import InvalidNumber, NumberTooLarge
from .common import MembershipPortalCommon

HUGE = "9" * 10240  # a 10 kB number
LONG = "A" * 10240  # a 10 kB text
NOT_FOUND = "Error 404"
LINK_NOT_VALID = "This link is not valid"


@tagged("post_install", "-at_install")
class TestPortalHostileInput(MembershipPortalCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.card = cls.env["membership.card"]._for_members(cls.bakery)[cls.bakery.id]
        cls.figures = cls.declaration._portal_figures()

    # ------------------------------------------------------------------
    # helpers
    # ------------------------------------------------------------------
    def check(self, response, status, fragment):
        """The answer has ``status`` and says ``fragment``; no traceback."""
        text = " ".join(response.text.split())
        self.assertEqual(response.status_code, status, text[:500])
        self.assertIn(fragment, text)
        self.assertNotIn("Traceback", text)
        self.assertNotIn("Internal Server Error", text)
        return text

    def assert_nothing_written(self):
        self.env.invalidate_all()
        self.assertEqual(self.notice.state, "sent", "the notice is not answered")
        self.assertFalse(self.notice.subscription_id, "no subscription created")
        self.assertFalse(self.notice.change_comment)
        self.assertEqual(self.declaration.state, "to_declare")
        self.assertFalse(self.declaration.line_ids, "no figure saved")
        self.assertFalse(self.declaration.date_declared)

    def as_anonymous(self):
        self.authenticate(None, None)
        return Request.csrf_token(self)

    def as_paula(self):
        self.authenticate("paula", "paula-portal-1")
        return Request.csrf_token(self)

    # ------------------------------------------------------------------
    # public: the card verification page
    # ------------------------------------------------------------------
    def test_card_page_answers_not_valid_to_odd_tokens(self):
        self.as_anonymous()
        token = self.card.token
        cases = [
            ("the card (control)", token, 200, "Valid until"),
            ("NUL byte", "%00" + "A" * 20, 200, "Not valid"),
            ("NUL byte after the real token", token + "%00", 200, "Not valid"),
            ("NUL byte inside the real token", token[:10] + "%00" + token[10:], 200, "Not valid"),
            ("10 kB token", LONG, 200, "Not valid"),
            ("unicode token", "%C3%A9" * 20, 200, "Not valid"),
            ("right-to-left and emoji", "%E2%80%AE%F0%9F%98%80" * 8, 200, "Not valid"),
            ("percent-encoded slash: no such page", "abc%2Fdef" * 3, 404, NOT_FOUND),
            ("SQL-like token", "x'%20OR%20'1'='1" * 2, 200, "Not valid"),
            ("too short", "abc", 200, "Not valid"),
            ("missing", "", 404, NOT_FOUND),
        ]
        for label, path_token, status, fragment in cases:
            with self.subTest(label):
                self.check(self.url_open(f"/membership/card/{path_token}"), status, fragment)
        response = self.url_open(f"/membership/card/{token}", params={"x": "\x00", "lang": LONG})
        self.check(response, 200, "Valid until")

    # ------------------------------------------------------------------
    # public: the renewal notice by its token
    # ------------------------------------------------------------------
    def test_renewal_page_refuses_odd_ids_and_tokens(self):
        self.as_anonymous()
        token = self.notice.access_token
        url = f"/my/renewals/{self.notice.id}"
        cases = [
            ("the link (control)", url, {"access_token": token}, 200, "renewal_accept"),
            ("odd message with the link", url, {"access_token": token, "message": "\x00" + LONG}, 200, "Fee"),
            ("no token", url, {}, 403, LINK_NOT_VALID),
            ("empty token", url, {"access_token": ""}, 403, LINK_NOT_VALID),
            ("NUL byte", url, {"access_token": "\x00"}, 403, LINK_NOT_VALID),
            ("token and a NUL byte", url, {"access_token": token + "\x00"}, 403, LINK_NOT_VALID),
            ("unicode token", url, {"access_token": "é" * 36}, 403, LINK_NOT_VALID),
            ("emoji token", url, {"access_token": "😀" * 10}, 403, LINK_NOT_VALID),
            ("10 kB token", url, {"access_token": LONG}, 403, LINK_NOT_VALID),
            ("token twice, wrong first", url, {"access_token": ["wrong", token]}, 403, LINK_NOT_VALID),
            ("text id", "/my/renewals/abc", {"access_token": token}, 404, NOT_FOUND),
            ("NUL id", "/my/renewals/%00", {"access_token": token}, 404, NOT_FOUND),
            ("negative id", f"/my/renewals/-{self.notice.id}", {"access_token": token}, 404, NOT_FOUND),
            ("id 0", "/my/renewals/0", {"access_token": token}, 404, NOT_FOUND),
            ("unknown id", "/my/renewals/2147483647", {"access_token": token}, 404, NOT_FOUND),
            ("id above PostgreSQL's integer", "/my/renewals/2147483648", {"access_token": token}, 404, NOT_FOUND),
            ("11-digit id", "/my/renewals/99999999999", {"access_token": token}, 404, NOT_FOUND),
            ("10 kB id", f"/my/renewals/{HUGE}", {"access_token": token}, 404, NOT_FOUND),
            ("decimal id", f"/my/renewals/{self.notice.id}.0", {"access_token": token}, 404, NOT_FOUND),
            ("unicode digits id", "/my/renewals/%D9%A1", {"access_token": token}, 404, NOT_FOUND),
        ]
        for label, path, params, status, fragment in cases:
            with self.subTest(label):
                self.check(self.url_open(path, params=params), status, fragment)
        self.assert_nothing_written()

    def test_renewal_answers_refuse_odd_input_and_write_nothing(self):
        csrf = self.as_anonymous()
        token = self.notice.access_token
        accept = f"/my/renewals/{self.notice.id}/accept"
        change = f"/my/renewals/{self.notice.id}/change"
        cases = [
            ("accept, no token", accept, {}, None, 403, LINK_NOT_VALID),
            ("accept, NUL token", accept, {"access_token": "\x00"}, None, 403, LINK_NOT_VALID),
            ("accept, token and NUL", accept, {"access_token": token + "\x00"}, None, 403, LINK_NOT_VALID),
            ("accept, unicode token", accept, {"access_token": "é" * 36}, None, 403, LINK_NOT_VALID),
            ("accept, 10 kB token", accept, {"access_token": LONG}, None, 403, LINK_NOT_VALID),
            ("accept, token as a file", accept, {}, {"access_token": ("t.txt", token)}, 403, LINK_NOT_VALID),
            ("accept, text id", "/my/renewals/abc/accept", {"access_token": token}, None, 404, NOT_FOUND),
            ("accept, negative id", "/my/renewals/-1/accept", {"access_token": token}, None, 404, NOT_FOUND),
            ("accept, huge id", "/my/renewals/2147483648/accept", {"access_token": token}, None, 404, NOT_FOUND),
            ("accept, 10 kB id", f"/my/renewals/{HUGE}/accept", {"access_token": token}, None, 404, NOT_FOUND),
            ("change, NUL token", change, {"access_token": "\x00", "comment": "x"}, None, 403, LINK_NOT_VALID),
            ("change, unicode token", change, {"access_token": "é" * 36, "comment": "x"}, None, 403, LINK_NOT_VALID),
            ("change, 10 kB token", change, {"access_token": LONG, "comment": "x"}, None, 403, LINK_NOT_VALID),
            ("change, 10 kB id", f"/my/renewals/{HUGE}/change", {"comment": "x"}, None, 404, NOT_FOUND),
            (
                "change, only NUL bytes",
                change,
                {"access_token": token, "comment": "\x00\x00 \x01"},
                None,
                200,
                "Please tell us which change you would like.",
            ),
            (
                "change, comment as a file",
                change,
                {"access_token": token},
                {"comment": ("comment.txt", "Switch me")},
                200,
                "Please tell us which change you would like.",
            ),
        ]
        for label, path, data, files, status, fragment in cases:
            with self.subTest(label):
                response = self.url_open(path, data={"csrf_token": csrf, **data}, files=files)
                self.check(response, status, fragment)
                self.assert_nothing_written()

    def test_a_comment_with_control_characters_is_stored_without_them(self):
        csrf = self.as_anonymous()
        response = self.url_open(
            f"/my/renewals/{self.notice.id}/change",
            data={
                "csrf_token": csrf,
                "access_token": self.notice.access_token,
                "comment": "Associate\x00 plan, please\x07 ✓\n" + "z" * 10240,
            },
        )
        self.check(response, 200, "we received your request")
        self.env.invalidate_all()
        self.assertEqual(self.notice.state, "change_requested")
        self.assertTrue(self.notice.change_comment.startswith("Associate plan, please ✓\nzzz"))
        self.assertEqual(len(self.notice.change_comment), 4000, "cut at 4000 characters")

    # ------------------------------------------------------------------
    # portal: the member's pages
    # ------------------------------------------------------------------
    def test_member_pages_refuse_odd_ids(self):
        self.as_paula()
        declaration = f"/my/declarations/{self.declaration.id}"
        cases = [
            ("declaration (control)", declaration, {}, 200, "declaration_form"),
            ("declaration, odd message", declaration, {"message": "\x00" + LONG}, 200, "declaration_form"),
            ("declaration, text id", "/my/declarations/abc", {}, 404, NOT_FOUND),
            ("declaration, NUL id", "/my/declarations/%00", {}, 404, NOT_FOUND),
            ("declaration, negative id", f"/my/declarations/-{self.declaration.id}", {}, 404, NOT_FOUND),
            ("declaration, id 0", "/my/declarations/0", {}, 404, NOT_FOUND),
            ("declaration, other member's", f"/my/declarations/{self.brewery_declaration.id}", {}, 404, NOT_FOUND),
            ("declaration, huge id", "/my/declarations/2147483648", {}, 404, NOT_FOUND),
            ("declaration, 10 kB id", f"/my/declarations/{HUGE}", {}, 404, NOT_FOUND),
            ("declarations, odd params", "/my/declarations", {"x": "\x00", "page": LONG}, 200, "Declarations"),
            ("renewals, unicode page", "/my/renewals", {"page": "²"}, 200, "Renewal Notices"),
            ("renewals, NUL page", "/my/renewals", {"page": "\x00"}, 200, "Renewal Notices"),
            ("renewals, 10 kB page", "/my/renewals", {"page": HUGE}, 200, "Renewal Notices"),
            ("renewals, negative page", "/my/renewals", {"page": "-3"}, 200, "Renewal Notices"),
            ("renewals, page far away", "/my/renewals/page/999999", {}, 200, "Renewal Notices"),
            ("renewals, 10 kB page path", f"/my/renewals/page/{HUGE}", {}, 404, NOT_FOUND),
            ("notice, odd token for its member", f"/my/renewals/{self.notice.id}", {"access_token": "é"}, 200, "Fee"),
            ("notice of another member", f"/my/renewals/{self.brewery_notice.id}", {}, 403, LINK_NOT_VALID),
            ("membership, odd params", "/my/membership", {"x": "\x00" + LONG}, 200, "My Membership"),
            ("certificate, text year", "/my/membership/certificate/abc", {}, 404, NOT_FOUND),
            ("certificate, negative year", "/my/membership/certificate/-2026", {}, 404, NOT_FOUND),
            ("certificate, year 0", "/my/membership/certificate/0", {}, 404, NOT_FOUND),
            ("certificate, year 1899", "/my/membership/certificate/1899", {}, 404, NOT_FOUND),
            ("certificate, huge year", "/my/membership/certificate/99999999999", {}, 404, NOT_FOUND),
            ("certificate, 10 kB year", f"/my/membership/certificate/{HUGE}", {}, 404, NOT_FOUND),
            ("certificate, NUL year", "/my/membership/certificate/%00", {}, 404, NOT_FOUND),
        ]
        for label, path, params, status, fragment in cases:
            with self.subTest(label):
                self.check(self.url_open(path, params=params), status, fragment)
        self.assert_nothing_written()

    def test_declaration_submit_to_odd_ids_is_refused(self):
        csrf = self.as_paula()
        data = {"csrf_token": csrf, **{f"figure_{figure.id}": "1" for figure in self.figures}}
        for label, path in (
            ("text id", "/my/declarations/abc/submit"),
            ("negative id", f"/my/declarations/-{self.declaration.id}/submit"),
            ("huge id", "/my/declarations/2147483648/submit"),
            ("10 kB id", f"/my/declarations/{HUGE}/submit"),
            ("other member's", f"/my/declarations/{self.brewery_declaration.id}/submit"),
        ):
            with self.subTest(label):
                self.check(self.url_open(path, data=data), 404, NOT_FOUND)
        self.env.invalidate_all()
        self.assertFalse(self.brewery_declaration.line_ids)
        self.assert_nothing_written()

    def test_declaration_form_refuses_odd_numbers_and_keeps_what_was_typed(self):
        """Each value in the turnover field, the other figures typed right:
        the form comes back (400) with the turnover's message, the other
        values as typed, and nothing saved."""
        csrf = self.as_paula()
        not_a_number = "” is not a number. Type digits, with a dot for decimals"
        other_digits = "”: type the number with the digits 0 to 9"
        too_large = "” is too large; a figure has at most 13 digits"
        cases = [
            ("nan", not_a_number),
            ("NaN", not_a_number),
            ("-nan", not_a_number),
            ("inf", not_a_number),
            ("-inf", not_a_number),
            ("+inf", not_a_number),
            ("Infinity", not_a_number),
            ("-Infinity", not_a_number),
            ("1e999", not_a_number),
            ("1e-999", not_a_number),
            ("1E5", not_a_number),
            ("1_000", not_a_number),
            ("0x1F", not_a_number),
            ("1.2.3", not_a_number),
            ("١٢٣", other_digits),  # Arabic-Indic digits
            ("１２３", other_digits),  # full-width digits
            ("12€", not_a_number),
            ("😀", not_a_number),
            ("abc" * 4000, not_a_number),  # 12 kB
            ("12\x00", not_a_number),
            ("\x00", not_a_number),
            ("99999999999999", too_large),  # 14 digits
            ("1" * 10240, too_large),  # 10 kB of digits
            ("-" + "9" * 400, too_large),
        ]
        others = {
            figure: ("12345" if figure.value_type != "integer" else "7") for figure in self.figures - self.turnover
        }
        for typed, message in cases:
            with self.subTest(typed=typed[:20]):
                data = {
                    "csrf_token": csrf,
                    f"figure_{self.turnover.id}": typed,
                    **{f"figure_{figure.id}": value for figure, value in others.items()},
                }
                response = self.url_open(f"/my/declarations/{self.declaration.id}/submit", data=data)
                # the message names the value (its first 40 characters) when it is printable
                expected = f"Turnover: “{typed[:40]}{message}" if typed.isprintable() else message
                text = self.check(response, 400, expected)
                self.assertIn("nothing was saved", text)
                if typed.isprintable():
                    self.assertIn(f'value="{typed}"', text, "what was typed is kept")
                for figure, value in others.items():
                    self.assertIn(f'name="figure_{figure.id}" value="{value}"', text, "the other values are kept")
                    self.assertNotIn(f"{figure.name}:", text, "only the turnover is refused")
                self.assert_nothing_written()

    def test_declaration_form_refuses_wrong_types(self):
        csrf = self.as_paula()
        url = f"/my/declarations/{self.declaration.id}/submit"
        figures = {f"figure_{figure.id}": "1" for figure in self.figures}
        turnover = f"figure_{self.turnover.id}"
        cases = [
            ("turnover missing", {**figures, turnover: None}, None, "Enter your Turnover (0 if you have none)."),
            ("turnover as a file", {**figures, turnover: None}, {turnover: ("t.txt", "1000")}, "Enter your Turnover"),
            ("turnover blank", {**figures, turnover: " \t "}, None, "Enter your Turnover"),
        ]
        for label, values, files, message in cases:
            with self.subTest(label):
                data = {"csrf_token": csrf, **{key: value for key, value in values.items() if value is not None}}
                self.check(self.url_open(url, data=data, files=files), 400, message)
                self.assert_nothing_written()

    def test_numbers_as_members_type_them_still_pass(self):
        Declaration = self.env["membership.declaration"]
        for typed, value in (
            ("1 250 000,50", Decimal("1250000.5")),
            ("1\u00a0250\u00a0000", 1250000),
            ("1\u202f250", 1250),
            ("1'250,5", Decimal("1250.5")),
            ("+12", 12),
            ("-5", -5),
            (",5", Decimal("0.5")),
            ("5,", 5),
            ("9999999999999,99", Decimal("9999999999999.99")),
        ):
            with self.subTest(typed=typed):
                self.assertEqual(Declaration._portal_number(typed, "fr_FR"), value)
        for typed, error in (("nan", InvalidNumber), ("1e3", InvalidNumber), ("10000000000000", NumberTooLarge)):
            with self.subTest(typed=typed), self.assertRaises(error):
                Declaration._portal_number(typed, "fr_FR")
