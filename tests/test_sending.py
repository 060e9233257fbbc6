"""Every document the module sends or prints, with both wkhtmltopdf builds.

The patched build converts all the documents of a print in one call; the
unpatched one (Debian's package, this machine's) converts one document per
call. Odoo reads which build runs from ``_wkhtml().is_patched_qt``: each test
runs with the build Odoo is told about. Where the machine has only the
unpatched binary and Odoo is told the patched one runs, a stand-in converts
the call's documents one by one and keeps each one's first page, the one
page per document Odoo's own split of a single conversion expects."""

import io
import os
import tempfile
from contextlib import contextmanager
from datetime import date
from subprocess import CompletedProcess
from unittest import SkipTest
from unittest.mock import patch

from odoo.tests import tagged
from odoo.tools.pdf import PdfFileReader, PdfFileWriter

from odoo.addons.base.models import ir_actions_report as base_report

from .common import MembershipDocumentsCommon

INVOICE = "account.account_invoices"
NOTICE = "membership_dues.action_report_renewal_notice"
CARD = "membership_dues.action_report_membership_card"
LETTER = "membership_dues.action_report_followup_letter"
BUILDS = {"unpatched": False, "patched": True}
# one amount per member (French, Dutch, English), as printed in any language
AMOUNTS = ((111.11, r"111[.,]11"), (222.22, r"222[.,]22"), (333.33, r"333[.,]33"))


class SendingCommon(MembershipDocumentsCommon):
    @contextmanager
    def printing(self, patched):
        """PDFs really rendered (in the test and in scheduled actions run
        here) with the build Odoo is told about; yields the number of
        documents given to each wkhtmltopdf call."""
        real = base_report._wkhtml()
        calls = []
        Report = type(self.env["ir.actions.report"])
        pre_render = Report._pre_render_qweb_pdf

        def rendered(report, report_ref, res_ids=None, data=None):
            # what force_report_rendering does, for scheduled actions too
            report = report.with_context(force_report_rendering=True)
            return pre_render(report, report_ref, res_ids=res_ids, data=data)

        with self.allow_pdf_render():
            run = base_report._run_wkhtmltopdf

            def wkhtmltopdf(args):
                bodies = [i for i, arg in enumerate(args) if os.path.basename(arg).startswith("report.body.tmp.")]
                calls.append(len(bodies))
                if len(bodies) < 2 or real.is_patched_qt:
                    return run(args)
                self.assertTrue(patched, "several documents in one call to the unpatched build")
                options = [arg for i, arg in enumerate(args[:-1]) if i not in bodies]
                writer = PdfFileWriter()
                for i in bodies:
                    with tempfile.NamedTemporaryFile(suffix=".pdf") as part:
                        run([*options, args[i], part.name])
                        with open(part.name, "rb") as document:
                            writer.addPage(PdfFileReader(io.BytesIO(document.read())).getPage(0))
                with open(args[-1], "wb") as out:
                    writer.write(out)
                return CompletedProcess(args, 0, "", "")

            try:
                with (
                    patch.object(base_report, "_wkhtml", return_value=real._replace(is_patched_qt=patched)),
                    patch.object(base_report, "_run_wkhtmltopdf", wkhtmltopdf),
                    patch.object(Report, "_pre_render_qweb_pdf", rendered),
                ):
                    yield calls
            except SkipTest as skipped:  # Odoo skips a multi-document call to the unpatched build
                self.fail(f"wkhtmltopdf was given several documents: {skipped}")

    def pdf_text_of(self, raw):
        self.assertTrue(raw.startswith(b"%PDF"), "a PDF")
        return self.pdf_text(raw)

    def assert_in_order(self, text, names):
        positions = [text.find(name) for name in names]
        self.assertNotIn(-1, positions, f"{names} all in the PDF")
        self.assertEqual(positions, sorted(positions), "in the order of the selection")

    def assert_only_its_own(self, text, own, others):
        self.assertIn(own, text)
        for other in others:
            self.assertNotIn(other, text, "its own document only")

    def formal_notice_letters(self):
        """Each member's formal notice letter for an overdue dues invoice;
        (letters, invoices) in the members' order."""
        policy = self.env["membership.followup.policy"]._for_company(self.company)
        level = policy.level_ids.filtered(lambda level: level.tone == "formal_notice" and level.legal_text)
        letters = self.env["membership.followup.communication"]
        invoices = self.env["account.move"]
        for member in self.members:
            invoice = self.eur_dues_invoice(member)
            letters |= self.followup_letter(member, level, invoice)
            invoices |= invoice
        return letters, invoices

    def new_notices(self, year):
        return self.notices_for(self.members, year)


@tagged("post_install", "-at_install")
class TestDuesInvoiceSending(SendingCommon):
    def queue_dues_invoices(self, year):
        """Dues invoices queued for Odoo's sending as campaigns do it."""
        subscriptions = self.env["membership.subscription"]
        for member, (amount, _pattern) in zip(self.members, AMOUNTS, strict=True):
            subscriptions |= self.make_subscription(
                member, self.plan_year, date(year, 1, 1), date(year, 12, 31), amount=amount, full_amount=amount
            )
        invoices = subscriptions._create_invoices(post=True, send=True)
        self.assertEqual(len(invoices), 3)
        self.assertTrue(all(invoices.mapped("sending_data")), "queued for sending")
        self.assertEqual(set(invoices.mapped("state")), {"posted"})
        return invoices

    def test_queued_dues_invoices_sent_by_odoos_scheduled_action(self):
        cron = self.env.ref("account.ir_cron_account_move_send")
        for year, (build, patched) in enumerate(BUILDS.items(), start=self.today.year + 1):
            with self.subTest(build=build):
                cron.sudo().write({"active": True, "failure_count": 0, "first_failure_date": False})
                invoices = self.queue_dues_invoices(year)
                with self.printing(patched) as calls:
                    result = cron.method_direct_trigger()
                self.env.invalidate_all()
                self.assertIs(result, True, f"the scheduled action failed: {result}")
                self.assertEqual(calls, [3] if patched else [1, 1, 1], "wkhtmltopdf calls (documents in each)")
                self.assertTrue(cron.active, "the scheduled action is still active")
                self.assertEqual(cron.failure_count, 0, "no failure recorded")
                self.assertFalse(cron.first_failure_date)
                for invoice, member, (_amount, amount) in zip(invoices, self.members, AMOUNTS, strict=True):
                    self.assertFalse(invoice.sending_data, "sent, no more queued")
                    self.assertTrue(invoice.is_move_sent)
                    pdf = invoice.invoice_pdf_report_id
                    self.assertEqual((pdf.res_model, pdf.res_id), ("account.move", invoice.id), "its own PDF")
                    text = self.pdf_text_of(pdf.raw)
                    self.assert_only_its_own(text, invoice.name, (invoices - invoice).mapped("name"))
                    self.assertRegex(text, amount, "its amount")
                    words = invoice.with_context(lang=member.lang).amount_total_words
                    self.assertIn(" ".join(words.split()), text, "in words, in the member's language")
                    self.assertIn(member.name, text, "the member's name")
                    message = invoice.message_ids.filtered(
                        lambda message, member=member: (
                            message.message_type == "comment" and member in message.partner_ids
                        )
                    )
                    self.assertEqual(len(message), 1, "one email to the member")
                    self.assertIn(pdf.raw, message.attachment_ids.mapped("raw"), "with the invoice's PDF")
                    notification = self.env["mail.notification"].search(
                        [("mail_message_id", "=", message.id), ("res_partner_id", "=", member.id)]
                    )
                    self.assertEqual(notification.notification_type, "email")
                    self.assertNotEqual(notification.notification_status, "exception")
                self.assertFalse(
                    self.env["account.move"].search([("sending_data", "!=", False), ("state", "=", "posted")]),
                    "nothing left to send",
                )


@tagged("post_install", "-at_install")
class TestBatchPrinting(SendingCommon):
    def test_selections_printed_as_one_pdf_with_both_builds(self):
        """Notices, letters, certificates, invoices of a selection: one PDF,
        each member's document in order; the cards of a selection on one
        sheet (one document)."""
        letters, invoices = self.formal_notice_letters()
        self.members.action_print_membership_card()  # issues the cards
        Report = self.env["ir.actions.report"]
        names = self.members.mapped("name")

        def download(action):
            self.assertEqual(action["type"], "ir.actions.act_url")
            return self.env["ir.attachment"].browse(int(action["url"].split("/")[3].split("?")[0])).raw

        wizard = self.env["membership.certificate.wizard"].create(
            {"partner_ids": [(6, 0, self.members.ids)], "year": self.today.year}
        )
        # the wizard's members come in the partners' order
        certificates = self.members.search([("id", "in", self.members.ids)]).mapped("name")
        cases = {
            # what: (how it is printed, documents, names in the order printed)
            "notices": (lambda notices: download(notices.action_print_notices()), 3, names),
            "letters": (lambda _notices: download(letters.action_print_letters()), 3, names),
            "certificates": (lambda _notices: download(wizard.action_print()), 3, certificates),
            "invoices": (lambda _notices: Report._render_qweb_pdf(INVOICE, invoices.ids)[0], 3, names),
            "cards": (lambda _notices: Report._render_qweb_pdf(CARD, self.members.ids)[0], 1, names),
        }
        for year, (build, patched) in enumerate(BUILDS.items(), start=self.today.year + 1):
            notices = self.new_notices(year)
            for what, (print_selection, documents, printed) in cases.items():
                with self.subTest(build=build, what=what):
                    with self.printing(patched) as calls:
                        pdf = print_selection(notices)
                    self.assertEqual(calls, [documents] if patched else [1] * documents)
                    self.assert_in_order(self.pdf_text_of(pdf), printed)
                    if what == "cards":
                        self.assertEqual(self.pdf_pages(pdf), 1, "the three cards on one sheet")
                    else:
                        self.assertGreaterEqual(self.pdf_pages(pdf), 3, "a document each")

    def test_each_record_keeps_its_own_saved_pdf(self):
        """A report saving its PDF per record (``attachment``) saves each
        member's own document from a print of several, and reloads them."""
        report = self.env.ref(NOTICE)
        report.attachment = "'Notice %s.pdf' % object.partner_id.name"
        names = self.members.mapped("name")
        for year, (build, patched) in enumerate(BUILDS.items(), start=self.today.year + 1):
            with self.subTest(build=build):
                notices = self.new_notices(year)
                with self.printing(patched) as calls:
                    pdf, _kind = self.env["ir.actions.report"]._render_qweb_pdf(NOTICE, notices.ids)
                self.assertEqual(calls, [3] if patched else [1, 1, 1])
                self.assert_in_order(self.pdf_text_of(pdf), names)
                saved = {}
                for notice in notices:
                    attachment = self.env["ir.attachment"].search(
                        [("res_model", "=", notice._name), ("res_id", "=", notice.id)]
                    )
                    self.assertEqual(attachment.name, f"Notice {notice.partner_id.name}.pdf")
                    text = self.pdf_text_of(attachment.raw)
                    self.assert_only_its_own(text, notice.partner_id.name, set(names) - {notice.partner_id.name})
                    saved[notice] = attachment.raw
                report.attachment_use = True
                with self.printing(patched) as calls:
                    again, _kind = self.env["ir.actions.report"]._render_qweb_pdf(NOTICE, notices.ids)
                report.attachment_use = False
                self.assertEqual(calls, [], "reloaded from the saved PDFs")
                self.assert_in_order(self.pdf_text_of(again), names)


@tagged("post_install", "-at_install")
class TestDocumentsEmailed(SendingCommon):
    def test_notices_and_cards_of_a_selection_emailed_each_with_its_pdf(self):
        names = self.members.mapped("name")
        for year, (build, patched) in enumerate(BUILDS.items(), start=self.today.year + 1):
            with self.subTest(build=build):
                notices = self.new_notices(year)
                with self.printing(patched) as calls:
                    notices.action_send()
                    self.members.action_send_membership_card()
                self.assertEqual(calls, [1] * 6, "one document per email")
                for records in (notices, self.members):
                    for record in records:
                        member = record.partner_id if records is notices else record
                        message = record.message_ids.filtered(
                            lambda message, member=member: member in message.partner_ids and message.attachment_ids
                        )[:1]
                        self.assertTrue(message, f"{record.display_name} emailed to {member.name}")
                        pdfs = message.attachment_ids.filtered(lambda a: a.mimetype == "application/pdf")
                        self.assertEqual(len(pdfs), 1, "with its PDF")
                        text = self.pdf_text_of(pdfs.raw)
                        self.assert_only_its_own(text, member.name, set(names) - {member.name})
                        self.assertTrue(
                            self.env["mail.notification"].search_count(
                                [
                                    ("mail_message_id", "=", message.id),
                                    ("res_partner_id", "=", member.id),
                                    ("notification_type", "=", "email"),
                                ]
                            ),
                            "emailed",
                        )
