from datetime import date, timedelta

from odoo import Command
from odoo.tests import tagged
from odoo.tools import format_amount

from .common import MembershipDocumentsCommon

LETTER = "membership_dues.action_report_followup_letter"
# The first words of "Despite our reminders..." in each language: the
# template's sentence and the formal notice's legal text both open with them.
DESPITE = {"fr_FR": "Malgré nos", "nl_NL": "Ondanks onze", "en_US": "Despite our"}
DUES, LATE_FEE = 1680.69, 18.15


def squash(text):
    return " ".join(str(text).split())


@tagged("post_install", "-at_install")
class TestFollowupLetters(MembershipDocumentsCommon):
    """The follow-up letters of a French-, a Dutch- and an English-speaking
    member whose dues invoice walks through every level: each letter says
    once what it means, shows the levels of its own day, and asks for one
    total to pay."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        policy = cls.env["membership.followup.policy"]._for_company(cls.company)
        levels = {level.delay_days: level for level in policy.level_ids}
        cls.level_second, cls.level_notice, cls.level_suspend = levels[30], levels[45], levels[60]
        fee_product = cls.env["product.product"].create(
            {
                "name": "Late fee",
                "type": "service",
                "taxes_id": [Command.clear()],
                "property_account_income_id": cls.company_data["default_account_revenue"].id,
            }
        )
        cls.level_second.write(
            {"late_fee_type": "fixed", "late_fee_amount": LATE_FEE, "late_fee_product_id": fee_product.id}
        )
        cls.due = cls.today - timedelta(days=90)
        cls.invoices = {}
        for member in cls.members:
            subscription = cls.make_subscription(
                member,
                cls.plan_year,
                date(cls.today.year + 1, 1, 1),
                date(cls.today.year + 1, 12, 31),
                amount=DUES,
                full_amount=DUES,
            )
            invoice = subscription._create_invoices()
            invoice.write({"invoice_date": cls.due, "invoice_payment_term_id": False, "invoice_date_due": cls.due})
            invoice.action_post()
            cls.invoices[member] = invoice
        cls.Run = cls.env["membership.followup.run"].with_context(membership_skip_emails=True)

    def send(self, days):
        return self.Run._send_due(self.due + timedelta(days=days))

    def letter_of(self, communications, member):
        return communications.filtered(lambda c: c.partner_id == member)

    def test_letters_say_what_they_mean_in_three_languages(self):
        for days in (0, 15):
            self.send(days)
        seconds = self.send(30)
        # printed the day it is sent...
        first_print = {member: self.render_html(LETTER, self.letter_of(seconds, member)) for member in self.members}
        notices = self.send(45)
        self.send(60)
        for member in self.members:
            self.assertEqual(self.invoices[member].dues_followup_level_id, self.level_suspend)
            self.pay(self.invoices[member], amount=100.0, pay_date=self.today)
        for member in self.members:
            lang = member.lang
            second = self.letter_of(seconds, member)
            notice = self.letter_of(notices, member)
            second_name = self.level_second.with_context(lang=lang).name
            notice_name = self.level_notice.with_context(lang=lang).name
            suspend_name = self.level_suspend.with_context(lang=lang).name
            with self.subTest(lang=lang, letter="second reminder"):
                html = self.render_html(LETTER, second)
                # ...and printed again once the invoice is suspended and partly paid: the same letter
                self.assertEqual(html, first_print[member], "a letter printed again is the same letter")
                self.assertIn(second_name, html, "the level of the letter itself")
                self.assertNotIn(suspend_name, html, "not the invoice's level of today")
                self.assert_one_total(second, html, lang)
            with self.subTest(lang=lang, letter="formal notice"):
                html = self.render_html(LETTER, notice)
                self.assertEqual(html.count(DESPITE[lang]), 1, "the formal notice says it once")
                self.assertIn(squash(self.level_notice.with_context(lang=lang).legal_text), html)
                self.assertIn(notice_name, html)
                self.assertNotIn(suspend_name, html)
                # the late fee of the second reminder, still unpaid, is part of what to pay
                self.assert_one_total(notice, html, lang)

    def assert_one_total(self, letter, html, lang):
        """One total to pay: the dues still open plus the late fee, printed
        once, its parts beside it, the late-fee invoice listed with its reference."""
        fee_invoice = letter.late_fee_move_ids
        self.assertEqual(len(fee_invoice), 1)
        self.assertAlmostEqual(letter.amount_due, DUES)
        self.assertAlmostEqual(letter.late_fee_total, LATE_FEE)
        self.assertAlmostEqual(letter._total_to_pay(), DUES + LATE_FEE)

        def money(amount):
            return squash(format_amount(self.env, amount, self.company.currency_id, lang_code=lang))

        self.assertEqual(html.count(money(DUES + LATE_FEE)), 1, "the total to pay, printed once")
        self.assertIn(squash(letter.with_context(lang=lang)._total_due_sentence()), html)
        self.assertIn(money(DUES), html)
        self.assertIn(money(LATE_FEE), html)
        self.assertIn(fee_invoice.name, html)
        self.assertIn(fee_invoice.payment_reference, html)
