from datetime import date

from markupsafe import escape
from num2words import num2words

from odoo.exceptions import UserError
from odoo.tests import HttpCase, tagged
from odoo.tools import SQL
from odoo.tools.misc import format_date

from odoo.addons.account.tools import is_valid_structured_reference

from .common import MembershipDocumentsCommon

INVOICE = "account.account_invoices"
NOTICE = "membership_dues.action_report_renewal_notice"
CARD = "membership_dues.action_report_membership_card"
CERTIFICATE = "membership_dues.action_report_payment_certificate"
LETTER = "membership_dues.action_report_followup_letter"
ISO = {"fr_FR": "fr", "nl_NL": "nl", "en_US": "en"}


def squash(text):
    """Whitespace collapsed as in render_html (non-breaking spaces included)."""
    return " ".join(str(text).split())


@tagged("post_install", "-at_install")
class TestDuesInvoiceDocument(MembershipDocumentsCommon):
    def test_dues_invoice_in_the_members_language_html(self):
        """Period, plan, amount, the amount in words in the member's
        language, the structured reference, the EPC QR code; the invoice
        lines are written in the member's language too."""
        invoices = self.env["account.move"]
        for member in self.members:
            invoices |= self.eur_dues_invoice(member)
        english = invoices[2]._membership_subscriptions()._period_text()
        for member, invoice in zip(self.members, invoices, strict=True):
            with self.subTest(lang=member.lang):
                html = self.render_html(INVOICE, invoice)
                subscription = invoice._membership_subscriptions().with_context(lang=member.lang)
                words = num2words(123, lang=ISO[member.lang]).title()
                self.assertIn(words, html, "the total in words, in the member's language")
                self.assertIn(squash(subscription._period_text()), html)
                self.assertIn("Full member", html)
                self.assertIn("123.45" if member.lang == "en_US" else "123,45", html)
                self.assertTrue(is_valid_structured_reference(invoice.payment_reference), invoice.payment_reference)
                self.assertTrue(invoice.payment_reference.startswith("RF"))
                self.assertIn(invoice.payment_reference, html)
                self.assertIn('id="qrcode"', html, "the payment QR code")
                self.assertIn(subscription._invoice_line_name(), invoice.invoice_line_ids[0].name)
                if member.lang != "en_US":
                    self.assertNotEqual(subscription._period_text(), english, "translated")

    def test_epc_qr_payload(self):
        invoice = self.eur_dues_invoice(self.emma, amount=123.45)
        self.assertEqual(invoice.partner_bank_id, self.bank_account)
        self.assertTrue(invoice.display_qr_code, "always offered on dues invoices")
        self.assertTrue(invoice._generate_qr_code(silent_errors=True))
        self.assertEqual(invoice.qr_code_method, "sct_qr")
        payload = self.bank_account._get_qr_vals(
            invoice.qr_code_method,
            invoice.amount_residual,
            invoice.currency_id,
            invoice.partner_id,
            invoice.payment_reference,
            invoice.payment_reference,
        )
        self.assertEqual(
            payload,
            [
                "BCD",  # service tag
                "002",  # version
                "1",  # character set (UTF-8)
                "SCT",  # identification
                "KREDBEBB",  # BIC
                self.company.partner_id.name,  # beneficiary
                "BE71096123456769",  # IBAN
                "EUR123.45",  # amount
                "",  # purpose
                invoice.payment_reference.replace(" ", ""),  # structured reference
                "",  # no unstructured text beside it
                "",
            ],
        )

    def test_no_qr_code_without_eur_or_without_bank_account(self):
        usd_invoice = self.make_subscription(self.emma, self.plan_year, date(2030, 1, 1), date(2030, 12, 31))
        usd_invoice = usd_invoice._create_invoices(post=True)
        self.assertNotEqual(usd_invoice.currency_id, self.eur)
        self.assertFalse(usd_invoice._generate_qr_code(silent_errors=True))
        self.assertNotIn("<img", self.render_html(INVOICE, usd_invoice).split('id="qrcode"')[-1][:300])
        self.bank_account.active = False
        eur_invoice = self.eur_dues_invoice(self.emma, year=2031)
        self.assertFalse(eur_invoice.partner_bank_id)
        self.assertFalse(eur_invoice._generate_qr_code(silent_errors=True))
        html = self.render_html(INVOICE, eur_invoice)
        self.assertIn(eur_invoice.payment_reference, html, "the reference is still printed")

    def test_other_invoices_are_unchanged(self):
        other = self.init_invoice("out_invoice", partner=self.emma, amounts=[100.0], post=True)
        self.assertFalse(other.dues_is_invoice)
        self.assertEqual(other.payment_reference, other.name, "the journal's own reference")
        html = self.render_html(INVOICE, other)
        self.assertNotIn('name="membership_dues"', html)

    def test_reference_model_setting(self):
        self.company.dues_reference_model = "journal"
        invoice = self.eur_dues_invoice(self.emma)
        self.assertEqual(invoice.payment_reference, invoice.name)
        self.company.dues_reference_model = "auto"
        self.assertEqual(self.company._membership_reference_model(), "euro", "not a Belgian company")


@tagged("post_install", "-at_install")
class TestFormalNoticeDocument(MembershipDocumentsCommon):
    def formal_notices(self):
        """The formal notice letter of each member, for an overdue EUR dues invoice."""
        policy = self.env["membership.followup.policy"]._for_company(self.company)
        level = policy.level_ids.filtered(lambda level: level.tone == "formal_notice" and level.legal_text)
        Communication = self.env["membership.followup.communication"]
        for member in self.members:
            invoice = self.eur_dues_invoice(member)
            instalment = invoice.line_ids.filtered(lambda line: line.display_type == "payment_term")
            Communication |= Communication.create(
                {
                    "partner_id": member.id,
                    "company_id": self.company.id,
                    "date": self.today,
                    "level_id": level.id,
                    "open_line_ids": [(6, 0, instalment.ids)],
                    "amount_due": invoice.amount_residual,
                }
            )
        return Communication, level

    def test_formal_notice_in_three_languages(self):
        notices, level = self.formal_notices()
        english = level.with_context(lang="en_US").legal_text
        for member, notice in zip(self.members, notices, strict=True):
            with self.subTest(lang=member.lang):
                html = self.render_html(LETTER, notice)
                local = notice.with_context(lang=member.lang)
                legal = level.with_context(lang=member.lang).legal_text
                self.assertIn(squash(legal), html, "the legal wording in the member's language")
                if member.lang != "en_US":
                    self.assertNotEqual(legal, english)
                for expected in (
                    member.name,
                    member.street,
                    notice.open_line_ids.move_id.name,
                    squash(local._total_due_sentence()),
                    squash(format_date(local.env, notice.open_line_ids.date_maturity, lang_code=member.lang)),
                ):
                    self.assertIn(expected, html)


@tagged("post_install", "-at_install")
class TestRenewalNoticeDocument(MembershipDocumentsCommon):
    def test_notice_in_three_languages(self):
        year = self.today.year + 1
        notices = self.notices_for(self.members, year)
        for member, notice in zip(self.members, notices, strict=True):
            with self.subTest(lang=member.lang):
                html = self.render_html(NOTICE, notice)
                local = notice.with_context(lang=member.lang)
                self.assertIn(member.name, html)
                self.assertIn(member.street, html)
                self.assertIn(squash(escape(local._notice_intro())), html)
                self.assertIn(squash(escape(local._render_wording("answer"))), html)
                self.assertIn(squash(escape(local._render_wording("payment"))), html)
                self.assertIn(notice.access_token, html, "the link to answer")
                self.assertIn("data:image/png;base64,", html, "the link's QR code")
                self.assertIn("BE71 0961 2345 6769", html, "how to pay")
                self.assertIn(format_date(local.env, notice.date_start, lang_code=member.lang), html)
                if member.lang != "en_US":
                    self.assertNotEqual(local._notice_intro(), notice.with_context(lang="en_US")._notice_intro())


@tagged("post_install", "-at_install")
class TestMembershipCard(MembershipDocumentsCommon):
    def test_print_issues_one_card_per_member_and_renders_them(self):
        action = self.members.action_print_membership_card()
        self.assertEqual(action["report_name"], "membership_dues.report_membership_card")
        cards = self.env["membership.card"].search([("partner_id", "in", self.members.ids)])
        self.assertEqual(len(cards), 3)
        self.members.action_print_membership_card()
        self.assertEqual(self.env["membership.card"].search_count([("partner_id", "in", self.members.ids)]), 3)
        html = self.render_html(CARD, self.members)
        for member in self.members:
            card = cards.filtered(lambda c, m=member: c.partner_id == m)
            self.assertIn(member.name, html)
            self.assertIn(member.dues_member_number, html)
            self.assertIn(squash(format_date(self.env, date(self.today.year, 12, 31), lang_code=member.lang)), html)
            self.assertEqual(len(card.token), 32)
            self.assertTrue(card._verification_url().endswith("/membership/card/" + card.token))
        for card in cards:
            self.assertIn(card._qr_data_uri(), html, "each card's QR code")

    def test_no_card_for_non_members(self):
        stranger = self.env["res.partner"].create({"name": "Not A Member"})
        with self.assertRaisesRegex(UserError, "Not A Member is not a member today"):
            stranger.action_print_membership_card()

    def test_validity(self):
        card = self.env["membership.card"]._for_members(self.emma)[self.emma.id]
        self.assertEqual(card._valid_until(), date(self.today.year, 12, 31))
        self.assertIn("Valid until", card._validity_text("en_US"))
        self.assertNotEqual(card._validity_text("fr_FR"), card._validity_text("en_US"))
        expired = card.with_context(membership_date_ref=date(self.today.year + 2, 6, 1))
        self.assertIsNone(expired._valid_until(), "no paid period covers that day")
        card.action_revoke()
        self.assertIsNone(card._valid_until(), "a revoked card is not valid")
        new_card = self.env["membership.card"]._for_members(self.emma)[self.emma.id]
        self.assertNotEqual(new_card, card)
        self.assertNotEqual(new_card.token, card.token)

    def test_send_cards_by_email_in_the_members_language(self):
        self.members.action_send_membership_card()
        for member in self.members:
            message = self.env["mail.message"].search(
                [("model", "=", "res.partner"), ("res_id", "=", member.id), ("attachment_ids", "!=", False)]
            )
            self.assertEqual(len(message), 1)
            salutation = member.with_context(lang=member.lang)._membership_salutation()
            self.assertIn(salutation, message.body, "in the member's language")
            if member.lang != "en_US":
                self.assertNotEqual(salutation, member.with_context(lang="en_US")._membership_salutation())
                self.assertNotIn("Please find your membership card attached", message.body)
            self.assertIn(member.name, message.attachment_ids[0].name, "the card")
            self.assertIn(member, message.partner_ids)


@tagged("post_install", "-at_install")
class TestCardVerificationPage(MembershipDocumentsCommon, HttpCase):
    def test_valid_expired_unknown(self):
        cards = self.env["membership.card"]._for_members(self.emma + self.sophie)
        valid, expiring = cards[self.emma.id], cards[self.sophie.id]
        self.current[self.sophie].date_end = date(self.today.year, 1, 31)
        cases = (
            (valid.token, "Valid until"),
            (expiring.token, "Not valid"),
            ("x" * 32, "Not valid"),
            ("short", "Not valid"),
        )
        for token, expected in cases:
            with self.subTest(token=token):
                response = self.url_open(f"/membership/card/{token}")
                self.assertEqual(response.status_code, 200)
                page = " ".join(response.text.split())
                self.assertIn(expected, page)
                self.assertEqual(response.headers.get("Cache-Control"), "no-store")
                for private in ("Emma", "Brown", "Sophie", "Lambert", "@example.com", "Downing", "Rivoli"):
                    self.assertNotIn(private, page, "no personal data")
        page = " ".join(self.url_open(f"/membership/card/{valid.token}").text.split())
        self.assertIn(format_date(self.env, date(self.today.year, 12, 31)), page)


@tagged("post_install", "-at_install")
class TestPaymentCertificate(MembershipDocumentsCommon):
    def test_certificate_lists_the_years_payments(self):
        year = self.today.year
        html = self.render_html(CERTIFICATE, self.members, data={"year": year})
        for member in self.members:
            invoice = self.current[member].invoice_id
            with self.subTest(lang=member.lang):
                self.assertIn(invoice.name, html)
                self.assertIn(member.name, html)
        self.assertIn("240.00", html)
        values = self.env["report.membership_dues.report_payment_certificate"]._get_report_values(
            self.members.ids, {"year": year}
        )
        statements = [values["certificates"][member.id]["statement"] for member in self.members]
        self.assertEqual(len(set(statements)), 3, "each in its member's language")
        self.assertEqual(values["certificates"][self.emma.id]["total"], 240.0)

    def test_year_without_payment_and_partial_payment(self):
        invoice = self.eur_dues_invoice(self.emma)
        self.pay(invoice, amount=100.0)
        values = self.env["report.membership_dues.report_payment_certificate"]._get_report_values(
            self.emma.ids, {"year": self.today.year + 1}
        )
        certificate = values["certificates"][self.emma.id]
        self.assertEqual(len(certificate["payments"]), 1)
        self.assertEqual(certificate["total"], 100.0)
        empty = self.env["report.membership_dues.report_payment_certificate"]._get_report_values(
            self.emma.ids, {"year": 2001}
        )["certificates"][self.emma.id]
        self.assertFalse(empty["payments"])
        self.assertIn("no payment", empty["statement"])

    def test_wizard_prints_the_chosen_year(self):
        wizard = self.env["membership.certificate.wizard"].create({"partner_ids": self.emma.ids})
        self.assertIn(wizard.year, (self.today.year, self.today.year - 1))
        wizard.year = self.today.year
        action = wizard.action_print()
        self.assertEqual(action["data"]["year"], self.today.year)
        self.assertEqual(action["context"]["active_ids"], self.emma.ids)


@tagged("post_install", "-at_install")
class TestDocumentsPdf(MembershipDocumentsCommon):
    """Every document through wkhtmltopdf, the three members' merged in one
    PDF (batch printing). Without an HTTP server the PDF is unstyled, which
    keeps its text extractable for the checks."""

    def test_every_document_as_one_pdf_for_three_languages(self):
        year = self.today.year
        invoices = self.env["account.move"]
        notices = self.env["membership.renewal"]
        for member in self.members:
            invoices |= self.eur_dues_invoice(member, year=year + 2)
            notices |= notices.create(
                {
                    "partner_id": member.id,
                    "plan_id": self.plan_year.id,
                    "date_start": date(year + 1, 1, 1),
                    "date_end": date(year + 1, 12, 31),
                    "amount": 240.0,
                }
            )
        self.members.action_print_membership_card()
        letters, _level = TestFormalNoticeDocument.formal_notices(self)
        Report = self.env["ir.actions.report"]
        for report, records, data, pages in (
            (INVOICE, invoices, None, 3),
            (LETTER, letters, None, 3),
            (NOTICE, notices, None, 3),
            (CERTIFICATE, self.members, {"year": year}, 3),
        ):
            with self.subTest(report=report):
                with self.allow_pdf_render():
                    pdf = Report.with_context(force_report_rendering=True)._membership_merged_pdf(report, records, data)
                self.assertEqual(self.pdf_pages(pdf), pages)
                text = self.pdf_text(pdf)
                for member in self.members:
                    self.assertIn(member.name, text)
                if report == INVOICE:
                    for member in self.members:
                        self.assertIn(num2words(123, lang=ISO[member.lang]).title(), text, "amount in words")
        pdf, text = self.render_pdf(CARD, self.members)
        self.assertEqual(self.pdf_pages(pdf), 1, "the three cards on one page")
        for member in self.members:
            self.assertIn(member.name, text)


@tagged("post_install", "-at_install")
class TestBatchPrintDownload(MembershipDocumentsCommon, HttpCase):
    def test_certificates_of_a_selection_download_as_one_pdf(self):
        wizard = self.env["membership.certificate.wizard"].create(
            {"partner_ids": [(6, 0, self.members.ids)], "year": self.today.year}
        )
        action = wizard.with_context(force_report_rendering=True).action_print()
        self.assertEqual(action["type"], "ir.actions.act_url")
        attachment_id = int(action["url"].split("/")[3].split("?")[0])
        self.assertEqual(self.pdf_pages(self.env["ir.attachment"].browse(attachment_id).raw), 3)
        self.authenticate(self.env.user.login, self.env.user.login)
        response = self.url_open(action["url"])
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.content[:4], b"%PDF")

    def test_letters_and_notices_of_a_selection(self):
        year = self.today.year + 1
        notices = self.env["membership.renewal"].create(
            [
                {
                    "partner_id": member.id,
                    "plan_id": self.plan_year.id,
                    "date_start": date(year, 1, 1),
                    "date_end": date(year, 12, 31),
                    "amount": 240.0,
                }
                for member in self.members
            ]
        )
        action = notices.with_context(force_report_rendering=True).action_print_notices()
        attachment = self.env["ir.attachment"].browse(int(action["url"].split("/")[3].split("?")[0]))
        self.assertEqual(self.pdf_pages(attachment.raw), 3)
        single = notices[:1].action_print_notices()
        self.assertEqual(single["type"], "ir.actions.report", "one record: Odoo's own printing")


@tagged("post_install", "-at_install")
class TestFollowupTextsTranslated(MembershipDocumentsCommon):
    def test_company_copy_of_the_policy_gets_translations_loaded_later(self):
        """A company's copy of the installed policy (made before French was
        loaded, as in a company created while installing) gets the French
        legal wording when translations load; edited texts stay."""
        policy = self.env["membership.followup.policy"]._for_company(self.company)
        self.assertTrue(policy.origin_id)
        notice = policy.level_ids.filtered("legal_text")
        self.assertEqual(len(notice), 1)
        self.assertEqual(notice.origin_id.id, self.env.ref("membership_dues.followup_level_formal_notice").id)
        origin = notice.sudo().origin_id  # the installed policy belongs to the main company
        french = origin.with_context(lang="fr_FR").legal_text
        english = notice.with_context(lang="en_US").legal_text
        self.assertNotEqual(french, english, "the installed level is translated")
        edited = policy.level_ids.filtered(lambda level: level.delay_days == 15)
        edited.with_context(lang="en_US").name = "Our own first reminder"
        # as if the copy had been made before French was loaded: French = English
        self.env.flush_all()
        for fname in ("name", "legal_text"):
            column = SQL.identifier(fname)
            self.env.cr.execute(
                SQL(
                    "UPDATE membership_followup_level SET %s = %s || jsonb_build_object('fr_FR', %s->>'en_US') "
                    "WHERE id IN %s",
                    column,
                    column,
                    column,
                    tuple((notice + edited).ids),
                )
            )
        (notice + edited).invalidate_recordset()
        self.assertEqual(notice.with_context(lang="fr_FR").legal_text, english)
        self.env["ir.module.module"]._load_module_terms(["membership_dues"], ["fr_FR"])
        self.assertEqual(notice.with_context(lang="fr_FR").legal_text, french)
        self.assertEqual(notice.with_context(lang="fr_FR").name, origin.with_context(lang="fr_FR").name)
        self.assertEqual(edited.with_context(lang="fr_FR").name, "Our own first reminder", "edited: left alone")
        self.assertEqual(notice.with_context(lang="en_US").legal_text, english)
