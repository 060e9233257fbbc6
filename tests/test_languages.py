import re
from datetime import date, datetime, timedelta

from lxml import html as lxml_html

from odoo.tests import HttpCase, tagged
from odoo.tools.safe_eval import safe_eval, time

from .common import MembershipDocumentsCommon, MembershipTariffCommon

INVOICE = "account.account_invoices"
NOTICE = "membership_dues.action_report_renewal_notice"
CARD = "membership_dues.action_report_membership_card"
CERTIFICATE = "membership_dues.action_report_payment_certificate"
LETTER = "membership_dues.action_report_followup_letter"

# 2,905.21 EUR in words on a dues invoice, by language (Odoo's amount_to_text
# with the euro's French and Dutch labels)
AMOUNT_IN_WORDS = {
    "fr_FR": "Deux Mille Neuf Cent Cinq euros et Vingt Et Un centimes",
    "nl_NL": "Tweeduizendnegenhonderdvijf euro en Eenentwintig cent",
    "en_US": "Two Thousand Nine Hundred And Five Euros and Twenty-One Cents",
}
# the French and Dutch names of the test's own records
TRANSLATIONS = {
    "membership.plan": {
        "Full member": ("Membre effectif", "Gewoon lid"),
        "Company member": ("Membre entreprise", "Bedrijfslid"),
    },
    "membership.tariff": {"Company tariff": ("Barème des entreprises", "Bedrijfstarief")},
    "membership.tariff.component": {
        "Base fee": ("Cotisation de base", "Basisbijdrage"),
        "Payroll": ("Part sur la masse salariale", "Deel op de loonmassa"),
        "Staff": ("Part par salarié", "Deel per werknemer"),
    },
    "membership.category": {"Small": ("Petite entreprise", "Kleine onderneming")},
}
# anything that looks like a date: it must be in the member's date format
DATE = re.compile(r"(?<![\d/.-])\d{1,4}[/.-]\d{1,2}[/.-]\d{2,4}(?![\d/.-])")


def text_of(html):
    """The text a reader sees in an HTML page, email or report."""
    if isinstance(html, bytes):
        html = html.decode()
    if not html or not html.strip():
        return ""
    document = lxml_html.fromstring(html)
    for element in document.xpath("//script|//style|//head"):
        element.drop_tree()
    return " ".join(document.text_content().split())


class MemberLanguagesCommon(MembershipDocumentsCommon, MembershipTariffCommon):
    """French, Dutch and English members (MembershipDocumentsCommon) on the
    company plan, whose fee comes from the tariff grid on their declared
    figures, with the plan, tariff, components and category translated."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.year = cls.today.year + 2
        cls.version = cls.make_version(str(cls.year), date(cls.year, 1, 1), date(cls.year, 12, 31))
        cls.version.action_adopt()
        for model, names in TRANSLATIONS.items():
            records = cls.env[model].with_context(lang="en_US", active_test=False).search([("name", "in", list(names))])
            for record in records:
                french, dutch = names[record.name]
                record.update_field_translations("name", {"fr_FR": french, "nl_NL": dutch})
        start, end = date(cls.year, 1, 1), date(cls.year, 12, 31)
        cls.invoices, cls.notices = {}, {}
        for member in cls.members:
            member.dues_category_ids = cls.small
            cls.declare(member, cls.year, turnover=1_250_000, payroll=180_000, headcount=12)
            quote = cls.plan_company._compute_period_fees(member, start)[member.id]
            subscription = cls.make_subscription(
                member,
                cls.plan_company,
                start,
                end,
                **cls.env["membership.subscription"]._quote_values(quote),
                amount=float(quote.amount),
            )
            cls.invoices[member] = subscription._create_invoices(post=True)
            notice = cls.env["membership.renewal"].create(
                {
                    "partner_id": member.id,
                    "plan_id": cls.plan_company.id,
                    "date_start": start,
                    "date_end": end,
                    "amount": float(quote.amount),
                    "tariff_version_id": cls.version.id,
                    "fee_year": cls.year,
                    "fee_data": quote.data,
                }
            )
            notice._portal_ensure_token()
            notice.token_expires_on = date.today() + timedelta(days=60)
            cls.notices[member] = notice

    def untranslated_terms(self, lang):
        """The English names of the module's data and of the member's plan,
        tariff, components and category that have another name in ``lang``:
        none may appear in a text of that language."""
        records = [
            (self.env["membership.figure"].with_context(active_test=False).search([]), ("name", "unit")),
            (self.env["membership.followup.policy"]._for_company(self.company).level_ids, ("name",)),
            (self.env["membership.refusal.reason"].with_context(active_test=False).search([]), ("name",)),
            (self.plan_company | self.plan_year, ("name",)),
            (self.tariff, ("name",)),
            (self.small, ("name",)),
            (self.version.component_ids, ("name",)),
        ]
        terms = set()
        for recordset, field_names in records:
            for record in recordset:
                for field_name in field_names:
                    source = record.with_context(lang="en_US")[field_name]
                    if source and record.with_context(lang=lang)[field_name] != source:
                        terms.add(source)
        return terms

    def assert_members_text(self, text, lang, what):
        """No English name of a translated term, no date out of the member's
        date format (ISO, or US in French and Dutch)."""
        self.assertTrue(text, what)
        for term in self.untranslated_terms(lang):
            self.assertNotRegex(text, rf"(?<!\w){re.escape(term)}(?!\w)", f"{what}: {term!r} untranslated")
        date_format = self.env["res.lang"]._get_data(code=lang).date_format
        for found in DATE.findall(text):
            try:
                datetime.strptime(found, date_format)
            except ValueError:
                self.fail(f"{what}: the date {found!r} is not written as {lang} writes dates ({date_format})")

    def communication(self, member, level):
        """A follow-up communication of ``level`` on the member's invoice."""
        return self.followup_letter(member, level, self.invoices[member])


@tagged("post_install", "-at_install")
class TestMemberLanguages(MemberLanguagesCommon):
    def test_terms_are_translated(self):
        """The module's data comes translated; the test's terms are not empty."""
        for lang in ("fr_FR", "nl_NL"):
            with self.subTest(lang=lang):
                terms = self.untranslated_terms(lang)
                for term in ("Turnover", "Payroll", "Headcount", "employees", "Courtesy reminder", "No reply"):
                    self.assertIn(term, terms, "translated in the module's data")
        self.assertFalse(self.untranslated_terms("en_US"))

    def test_documents_in_the_members_language(self):
        """Every document, rendered for a French, a Dutch and an English
        member: their language's names and dates only."""
        self.members.action_print_membership_card()
        levels = self.env["membership.followup.policy"]._for_company(self.company).level_ids
        letter_levels = levels.filtered("send_letter")
        self.assertTrue(letter_levels.filtered(lambda level: level.tone == "formal_notice"))
        for member in self.members:
            lang = member.lang
            invoice = self.invoices[member]
            documents = [
                ("dues invoice", INVOICE, invoice, None),
                ("renewal notice", NOTICE, self.notices[member], None),
                ("payment certificate", CERTIFICATE, member, {"year": self.today.year}),
                ("membership card", CARD, member, None),
            ] + [
                (f"letter {level.with_context(lang='en_US').name}", LETTER, self.communication(member, level), None)
                for level in letter_levels
            ]
            for what, report, record, data in documents:
                with self.subTest(lang=lang, document=what):
                    html = self.env["ir.actions.report"]._render_qweb_html(report, record.ids, data=data)[0]
                    text = text_of(html)
                    self.assert_members_text(text, lang, what)
                    self.assertIn(member.name, text)
            with self.subTest(lang=lang, document="dues invoice"):
                text = text_of(self.env["ir.actions.report"]._render_qweb_html(INVOICE, invoice.ids)[0])
                local = self.env(context=dict(self.env.context, lang=lang))
                for record in (
                    self.plan_company,
                    *self.version.component_ids,
                    self.env.ref("membership_dues.figure_headcount"),
                    self.small,
                ):
                    self.assertIn(record.with_env(local).name, text, "the member's names")
                self.assertIn(self.env.ref("membership_dues.figure_headcount").with_env(local).unit, text)
                source = invoice._membership_subscriptions().with_env(local)._origin_text()
                self.assertEqual(invoice.invoice_origin, source, "the Source in the member's language")
                self.assertIn(source, text)

    def test_amount_in_words(self):
        for member in self.members:
            with self.subTest(lang=member.lang):
                invoice = self.eur_dues_invoice(member, amount=2905.21)
                text = text_of(self.env["ir.actions.report"]._render_qweb_html(INVOICE, invoice.ids)[0])
                self.assertIn(AMOUNT_IN_WORDS[member.lang], text)
                self.assert_members_text(text, member.lang, "dues invoice")

    def test_amount_in_words_labels_keep_a_users_choice(self):
        eur = self.env.ref("base.EUR").with_context(lang="fr_FR")
        eur.currency_unit_label = "Euro(s)"
        eur.with_context(lang="nl_NL").currency_unit_label = "Euro's"  # Odoo's own: replaced
        self.env["res.currency"]._dues_amount_words_labels()
        self.assertEqual(eur.currency_unit_label, "Euro(s)", "a label the user chose stays")
        self.assertEqual(eur.with_context(lang="nl_NL").currency_unit_label, "euro")
        self.assertEqual(eur.with_context(lang="en_US").currency_unit_label, "Euros")

    def test_emails_in_the_members_language(self):
        levels = self.env["membership.followup.policy"]._for_company(self.company).level_ids
        for member in self.members:
            lang = member.lang
            notice = self.notices[member]
            emails = [
                ("renewal notice email", self.env.ref("membership_dues.mail_template_renewal_notice"), notice),
                ("renewal reminder email", self.env.ref("membership_dues.mail_template_renewal_reminder"), notice),
                ("card email", self.env.ref("membership_dues.mail_template_membership_card"), member),
            ] + [
                (f"follow-up email {level.tone}", level._email_template(), self.communication(member, level))
                for level in levels.filtered("send_email")
            ]
            for what, template, record in emails:
                with self.subTest(lang=lang, email=what):
                    values = template._generate_template(record.ids, ("subject", "body_html"))[record.id]
                    text = f"{values['subject']} {text_of(values['body_html'])}"
                    self.assert_members_text(text, lang, what)
            with self.subTest(lang=lang, email="renewal notice email"):
                values = self.env.ref("membership_dues.mail_template_renewal_notice")._generate_template(
                    notice.ids, ("body_html",)
                )[notice.id]
                self.assertIn(self.plan_company.with_context(lang=lang).name, text_of(values["body_html"]))

    def test_chatter_dates_in_the_writers_language(self):
        """The join note formats its date (no ISO date in the chatter)."""
        person = self.env["res.partner"].create({"name": "Nina Joiner"})
        subscription = self.join(person, self.plan_year, date(self.today.year, 3, 15), post=False)
        body = text_of(subscription.message_ids[:1].body)
        self.assertNotIn(f"{self.today.year}-03-15", body)
        self.assertIn(f"03/15/{self.today.year}", body)

    def test_pdf_file_names_in_the_members_language(self):
        """The name of each PDF a member receives (email attachment, download)
        is in the member's language, its date in the member's format."""
        names = {
            "fr_FR": ("Avis de renouvellement", "Lettre de relance", "Carte de membre", "Attestation de paiement"),
            "nl_NL": ("Hernieuwingsbericht", "Herinneringsbrief", "Lidkaart", "Betalingsattest"),
            "en_US": ("Renewal notice", "Dues letter", "Membership card", "Payment certificate"),
        }
        level = self.env["membership.followup.policy"]._for_company(self.company).level_ids[:1]
        for member in self.members:
            documents = (
                ("membership_dues.action_report_renewal_notice", self.notices[member]),
                ("membership_dues.action_report_followup_letter", self.communication(member, level)),
                ("membership_dues.action_report_membership_card", member),
                ("membership_dues.action_report_payment_certificate", member),
            )
            for (xmlid, record), expected in zip(documents, names[member.lang], strict=True):
                with self.subTest(lang=member.lang, report=xmlid):
                    report = self.env.ref(xmlid)
                    name = safe_eval(report.print_report_name, {"object": record, "time": time})
                    self.assertTrue(name.startswith(f"{expected} - {member.name}"), name)
                    self.assert_members_text(name, member.lang, xmlid)


@tagged("post_install", "-at_install")
class TestPortalMemberLanguage(MemberLanguagesCommon, HttpCase):
    def test_notice_page_in_the_members_language(self):
        """A visitor following the email's link, not logged in, reads the
        notice's page in the member's language: frame, sentences, names."""
        english_chrome = "How the fee is computed"
        for member in self.members:
            notice = self.notices[member]
            with self.subTest(lang=member.lang):
                self.authenticate(None, None)
                response = self.url_open(f"/my/renewals/{notice.id}?access_token={notice.access_token}")
                self.assertEqual(response.status_code, 200)
                text = text_of(response.content)
                self.assert_members_text(text, member.lang, "renewal page")
                self.assertIn(self.plan_company.with_context(lang=member.lang).name, text)
                self.assertIn(self.version.component_ids[0].with_context(lang=member.lang).name, text)
                if member.lang == "en_US":
                    self.assertIn(english_chrome, text)
                else:
                    self.assertNotIn(english_chrome, text, "the page's frame in the member's language")
