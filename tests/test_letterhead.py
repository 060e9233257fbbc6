from unittest.mock import patch

from odoo.tests import HttpCase, tagged
from odoo.tools.misc import formatLang

from odoo.addons.base.models import ir_actions_report as base_report

from .common import MembershipDocumentsCommon
from .test_documents import CARD, CERTIFICATE, INVOICE, LETTER, NOTICE, squash

VAT = "BE0477472701"
REGISTRY = "0477.472.701"
FOOTER = "Office open Monday to Friday"
EXPLANATION = [
    "Company members' tariff 2027, figures of 2027:",
    "- Headcount: 50 employees (not declared: the 2026 value of 48 employees increased by 5 %).",
    "- Payroll: 1,991,850 EUR (not declared: the 2026 value of 1,897,000 EUR increased by 5 %).",
    "- Turnover: 1,752,660 EUR (not declared: the 2026 value of 1,669,200 EUR increased by 5 %).",
    "Base fee: Turnover 1,752,660 EUR, bracket from 500,000 EUR to 2,000,000 EUR = 430.00 EUR.",
    "Payroll contribution: 0.2 % of 250,000 EUR + 0.05 % of 1,741,850 EUR = 1,370.93 EUR.",
    "Per employee: 10 at 16.00 EUR + 40 at 11.00 EUR = 600.00 EUR.",
    "Rounded to the nearest 1: 0.07 EUR.",
    "Fee for a full period: 2,401.00 EUR.",
]


WKHTML = base_report._wkhtml


def build(patched):
    """Odoo's wkhtmltopdf description with or without patched Qt."""
    return WKHTML()._replace(is_patched_qt=patched)


@tagged("post_install", "-at_install")
class TestLetterhead(MembershipDocumentsCommon, HttpCase):
    """Every document the module prints, styled (an HttpCase serves the
    report assets), in French, Dutch and English: the organisation's
    letterhead (logo, name, address, registry and VAT numbers) and footer
    with the wkhtmltopdf of this machine, whichever build it is, and a text
    layer holding what a member copies to pay."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write(
            {
                "vat": VAT,
                "company_registry": REGISTRY,
                "phone": "+32 2 555 01 23",
                "email": "members@federation.example",
                "website": "https://federation.example",
                "report_footer": f"<p>{FOOTER}</p>",
            }
        )
        policy = cls.env["membership.followup.policy"]._for_company(cls.company)
        cls.formal_level = policy.level_ids.filtered(lambda level: level.tone == "formal_notice")[:1]
        cls.reminder_level = policy.level_ids.filtered(lambda level: level.tone == "firm")[:1]
        cls.members.action_print_membership_card()

    def letter(self, member, level, year):
        return self.followup_letter(member, level, self.eur_dues_invoice(member, year=year))

    def documents(self, member):
        """(name, report, records, data) of every document of ``member``."""
        year = self.today.year + 1
        notice = self.notices_for(member, year)
        return (
            ("dues invoice", INVOICE, self.eur_dues_invoice(member), None),
            ("renewal notice", NOTICE, notice, None),
            ("reminder letter", LETTER, self.letter(member, self.reminder_level, year + 1), None),
            ("formal notice", LETTER, self.letter(member, self.formal_level, year + 2), None),
            ("payment certificate", CERTIFICATE, member, {"year": self.today.year}),
            ("card", CARD, member, None),
        )

    def assert_letterhead(self, text, what):
        for expected in (self.company.name, "Rue Royale 1", "1000", "Brussels", VAT, REGISTRY, FOOTER):
            self.assertIn(expected, text, f"{expected!r} in the {what}")

    def test_every_document_in_three_languages(self):
        self.assertTrue(self.company.logo)
        labels = {self.company.with_context(lang=m.lang)._membership_letterhead_labels()[0] for m in self.members}
        self.assertEqual(len(labels), 3, "the registry label differs by language: the check below means something")
        for member in self.members:
            for name, report, records, data in self.documents(member):
                with self.subTest(document=name, lang=member.lang):
                    html = self.render_html(report, records, data=data)
                    self.assert_letterhead(html, "HTML")
                    label = self.company.with_context(lang=member.lang)._membership_letterhead_labels()[0]
                    # printed by an English-speaking officer: the letterhead still speaks the member's language
                    english = self.env["ir.actions.report"].with_context(lang="en_US")
                    html = " ".join(english._render_qweb_html(report, records.ids, data=data)[0].decode().split())
                    self.assertIn(f"{label}: {REGISTRY}", html, "the letterhead's labels in the member's language")
                    self.assertIn('alt="Logo"', html, "the company logo")
                    pdf, text = self.render_pdf(report, records, data=data)
                    self.assert_letterhead(text, "PDF text")
                    self.assertIn(member.name, text)
                    self.assertEqual(self.pdf_pages(pdf), 1)
                    self.assertEqual(text.count(VAT), 1, "the letterhead once")
                    self.assertEqual(text.count(FOOTER), 1, "the footer once")
                    if report == LETTER:
                        dateline = records.company_id._membership_dateline(records.date, lang_code=member.lang)
                        self.assertIn(squash(dateline), text, "the letter's date line")

    def test_dues_invoice_one_page_with_reference_and_amount(self):
        """A one-line dues invoice, with how its fee was computed from a
        tariff (ten lines, as in the demo), fits one page with either build's
        page layout; the member copies its structured reference and amount
        from the PDF emailed and the PDF of the portal."""
        Subscription = type(self.env["membership.subscription"])
        for member in self.members:
            with self.subTest(lang=member.lang):
                with patch.object(Subscription, "_fee_explanation_lines", lambda self: EXPLANATION):
                    invoice = self.eur_dues_invoice(member, amount=1234.56)
                self.assertEqual(len(invoice.invoice_line_ids), 1)
                self.assertIn(EXPLANATION[-1], invoice.invoice_line_ids.name)
                for patched in (True, False):
                    with patch.object(base_report, "_wkhtml", lambda patched=patched: build(patched)):
                        pdf, _text = self.render_pdf(INVOICE, invoice)
                    self.assertEqual(self.pdf_pages(pdf), 1, f"one page (patched Qt's page layout: {patched})")
                amount = squash(formatLang(self.env(context={"lang": member.lang}), 1234.56))
                self.env["account.move.send"].with_context(force_report_rendering=True)._generate_and_send_invoices(
                    invoice, sending_methods=["email"]
                )
                message = self.env["mail.message"].search(
                    [("model", "=", "account.move"), ("res_id", "=", invoice.id), ("partner_ids", "in", member.ids)]
                )
                emailed = message.attachment_ids.filtered(lambda attachment: attachment.mimetype == "application/pdf")
                self.assertEqual(len(emailed), 1, "the invoice PDF emailed to the member")
                emailed = emailed.raw
                invoice._portal_ensure_token()
                response = self.url_open(
                    f"/my/invoices/{invoice.id}?report_type=pdf&download=true&access_token={invoice.access_token}"
                )
                self.assertEqual(response.status_code, 200)
                portal = response.content
                for source, pdf in (("email", emailed), ("portal", portal)):
                    text = self.pdf_text(pdf)
                    self.assertEqual(self.pdf_pages(pdf), 1, f"one page ({source})")
                    self.assertIn(squash(invoice.payment_reference), text, f"the reference ({source})")
                    self.assertIn(amount, text, f"the amount ({source})")
                    self.assert_letterhead(text, f"PDF text ({source})")

    def test_contact_details_without_footer_text(self):
        self.company.report_footer = False
        invoice = self.eur_dues_invoice(self.emma)
        html = self.render_html(INVOICE, invoice)
        self.assertIn("members@federation.example", html)
        self.assertIn("+32 2 555 01 23", html)
        _pdf, text = self.render_pdf(INVOICE, invoice)
        self.assertIn("members@federation.example", text)

    def test_other_invoices_keep_odoos_layout(self):
        invoice = self.init_invoice("out_invoice", partner=self.emma, amounts=[100.0], post=True)
        html = self.render_html(INVOICE, invoice)
        self.assertNotIn("o_membership_letterhead", html)
        self.assertNotIn(REGISTRY, html)

    def test_header_apart_with_patched_qt_in_the_body_without(self):
        """With patched Qt the letterhead goes to wkhtmltopdf's separate
        header and footer, the body does not repeat it; without, it is in
        the body, once, and the page margins no longer leave room for them."""
        invoice = self.eur_dues_invoice(self.sophie)
        Report = self.env["ir.actions.report"]
        report = Report._get_report(INVOICE)
        html = Report._render_qweb_html(INVOICE, invoice.ids, data={"report_type": "pdf"})[0]
        for patched in (True, False):
            with (
                self.subTest(patched=patched),
                patch.object(base_report, "_wkhtml", lambda patched=patched: build(patched)),
            ):
                bodies, _ids, header, footer, args = report._prepare_html(html, report_model="account.move")
                body = squash("".join(bodies))
                self.assertEqual(len(bodies), 1)
                self.assertIn(invoice.payment_reference, body)
                if patched:
                    self.assertIn(REGISTRY, header)
                    self.assertIn(FOOTER, footer)
                    self.assertNotIn(REGISTRY, body)
                    self.assertNotIn(FOOTER, body)
                    self.assertNotIn("data-report-margin-top", args)
                else:
                    self.assertNotIn(REGISTRY, header)
                    self.assertNotIn(FOOTER, footer)
                    self.assertEqual(body.count(REGISTRY), 1)
                    self.assertEqual(body.count(FOOTER), 1)
                    self.assertIn("o_membership_local_fonts", body, "system fonts: a text layer")
                    self.assertNotIn('<span class="page">', body, "no page numbers to fill in")
                    self.assertLess(int(args["data-report-margin-top"]), report.get_paperformat().margin_top)
