import io
from collections import OrderedDict

import lxml.html
from lxml import etree

from odoo import api, models
from odoo.tools.pdf import merge_pdf

from odoo.addons.base.models import ir_actions_report as base_report

_ARTICLE = "//div[contains(concat(' ', normalize-space(@class), ' '), ' article ')]"


class _WkhtmltopdfParts:
    """Collects the (record, PDF) of each document converted on its own;
    compared by identity (an environment's context is compared by value)."""

    def __init__(self):
        self.parts = []


def _printed_record(body):
    """(model, id) of the record a wkhtmltopdf body prints, read from its
    article's ``data-oe-model``/``data-oe-id`` as Odoo's ``_prepare_html``
    reads them, or None."""
    try:
        nodes = lxml.html.fromstring(body).xpath(_ARTICLE)
    except (etree.ParserError, ValueError):
        return None
    res_id = nodes[0].get("data-oe-id", "") if nodes else ""
    return (nodes[0].get("data-oe-model"), int(res_id)) if res_id.isdigit() else None


# Page margins (mm) of a document whose letterhead is printed in its body:
# the paper format's own leave room for a header and footer printed apart.
LETTERHEAD_IN_BODY_MARGIN = 11
# Fonts installed with the system: Qt without wkhtmltopdf's patches draws the
# report's web fonts (@font-face: Lato, the company's font) as vector outlines,
# so the PDF would have no text to copy (the payment reference, the amount).
LETTERHEAD_LOCAL_FONTS = """
.o_membership_local_fonts, .o_membership_local_fonts *:not(.fa):not(.oi) {
    font-family: "Liberation Sans", "DejaVu Sans", Arial, Helvetica, sans-serif !important;
}
"""


def _has_class(node, klass):
    return klass in (node.get("class") or "").split()


def _replace_class(node, old, new):
    node.set("class", " ".join(new if klass == old else klass for klass in node.get("class").split()))


def _remove_keeping_tail(node):
    """Remove ``node`` from its parent, keeping the text that follows it."""
    parent, previous = node.getparent(), node.getprevious()
    if node.tail:
        if previous is not None:
            previous.tail = (previous.tail or "") + node.tail
        else:
            parent.text = (parent.text or "") + node.tail
    parent.remove(node)


class IrActionsReport(models.Model):
    """Every PDF of the database with any wkhtmltopdf build.

    Odoo converts all the documents of a print (one per record, e.g. the
    invoices queued for sending, a selection printed from a list) in one
    wkhtmltopdf call; Debian's build (unpatched Qt) converts one document
    per call and fails on more ("Tried to convert multiple documents in
    wkhtmltopdf using unpatched QT"). With that build, each document is
    converted in its own call and each record gets its own PDF (its
    attachment, the invoice PDF account.move.send links and emails); the
    patched build keeps Odoo's single call."""

    _inherit = "ir.actions.report"

    @api.model
    def _run_wkhtmltopdf(
        self,
        bodies,
        report_ref=False,
        header=None,
        footer=None,
        landscape=False,
        specific_paperformat_args=None,
        set_viewport_size=False,
    ):
        options = {
            "report_ref": report_ref,
            "header": header,
            "footer": footer,
            "landscape": landscape,
            "specific_paperformat_args": specific_paperformat_args,
            "set_viewport_size": set_viewport_size,
        }
        bodies = list(bodies)
        if len(bodies) < 2 or base_report._wkhtml().is_patched_qt:
            return super()._run_wkhtmltopdf(bodies, **options)
        # One call per document (the unpatched build ignores the separate
        # header and footer pages, so each call gets them unchanged).
        pdfs = []
        for body in bodies:
            pdfs.append(super()._run_wkhtmltopdf([body], **options))
        collector = self.env.context.get("membership_wkhtmltopdf_parts")
        if isinstance(collector, _WkhtmltopdfParts):
            collector.parts.extend((_printed_record(body), pdf) for body, pdf in zip(bodies, pdfs, strict=True))
        return merge_pdf(pdfs)

    def _render_qweb_pdf_prepare_streams(self, report_ref, data, res_ids=None):
        """With the unpatched build, each record's stream is its own
        document's PDF: Odoo splits one PDF per record from the page count or
        the outlines of a single conversion, which documents converted one by
        one and merged do not have."""
        unique_ids = list(dict.fromkeys(res_ids or []))
        if len(unique_ids) < 2 or len(unique_ids) != len(res_ids) or base_report._wkhtml().is_patched_qt:
            return super()._render_qweb_pdf_prepare_streams(report_ref, data, res_ids=res_ids)
        collector = _WkhtmltopdfParts()
        streams = super(IrActionsReport, self.with_context(membership_wkhtmltopdf_parts=collector))
        streams = streams._render_qweb_pdf_prepare_streams(report_ref, data, res_ids=res_ids)
        report = self._get_report(report_ref)
        pdfs_by_id = {}
        for record, pdf in collector.parts:
            if not record or record[0] != report.model or record[1] not in unique_ids:
                return streams  # documents that are not one record's each: Odoo's result
            pdfs_by_id.setdefault(record[1], []).append(pdf)
        if not pdfs_by_id:  # one conversion (or none): Odoo split it
            return streams
        result = OrderedDict()
        for res_id in unique_ids:
            entry = streams.get(res_id)
            if res_id in pdfs_by_id:
                pdfs = pdfs_by_id[res_id]
                result[res_id] = {
                    "stream": io.BytesIO(pdfs[0] if len(pdfs) == 1 else merge_pdf(pdfs)),
                    "attachment": entry["attachment"] if entry else self._membership_saved_report(report, res_id),
                }
            elif entry and entry["stream"]:  # reloaded from its saved attachment
                result[res_id] = entry
            else:  # left out of a result Odoo could not split: on its own
                result.update(self._render_qweb_pdf_prepare_streams(report_ref, data, res_ids=[res_id]))
        return result

    def _membership_saved_report(self, report, res_id):
        """The attachment already saved for the record's report, as Odoo
        looks it up before rendering (none is saved again then)."""
        if not report.attachment or self.env.context.get("report_pdf_no_attachment"):
            return None
        return report.retrieve_attachment(self.env[report.model].browse(res_id)) or None

    def _prepare_html(self, html, report_model=False):
        """Without patched Qt wkhtmltopdf drops the separate header and
        footer: the letterhead of the module's documents is then printed in
        the page body, in the system fonts, with page margins of their own."""
        moved = False
        if not base_report._wkhtml().is_patched_qt:
            html, moved = self._membership_letterhead_in_body(html)
        result = super()._prepare_html(html, report_model=report_model)
        if moved and result:
            specific_paperformat_args = result[-1]
            specific_paperformat_args["data-report-margin-top"] = LETTERHEAD_IN_BODY_MARGIN
            specific_paperformat_args["data-report-margin-bottom"] = LETTERHEAD_IN_BODY_MARGIN
        return result

    def _membership_letterhead_in_body(self, html):
        """(html, moved): each header holding the module's letterhead
        (membership_dues.external_layout) moved to the top of its document's
        body and the footer that follows to its end, without the page numbers
        only a separate footer can fill in."""
        marker = "o_membership_letterhead"
        if (marker.encode() if isinstance(html, bytes) else marker) not in html:
            return html, False  # not one of ours: no second parse of Odoo's reports
        root = lxml.html.fromstring(html, parser=lxml.html.HTMLParser(encoding="utf-8"))
        moved = False
        for marker in root.xpath(
            "//*[contains(concat(' ', normalize-space(@class), ' '), ' o_membership_letterhead ')]"
        ):
            header = next((node for node in marker.iterancestors() if _has_class(node, "header")), None)
            if header is None:
                continue
            article = next((node for node in header.itersiblings() if _has_class(node, "article")), None)
            if article is None:
                continue
            footer = next((node for node in article.itersiblings() if _has_class(node, "footer")), None)
            _replace_class(header, "header", "o_membership_header")
            article.insert(0, header)
            if footer is not None:
                for number in footer.xpath(".//span[@class='page']"):
                    _remove_keeping_tail(number.getparent())
                _replace_class(footer, "footer", "o_membership_footer mt-4")
                article.append(footer)
            article.set("class", f"{article.get('class')} o_membership_local_fonts")
            style = lxml.html.Element("style")
            style.text = LETTERHEAD_LOCAL_FONTS
            article.insert(0, style)
            moved = True
        if not moved:
            return html, False
        return lxml.html.tostring(root, encoding="utf-8"), True

    def _membership_merged_pdf(self, report_ref, records, data=None):
        """One PDF holding the report of every record, in order."""
        return self._render_qweb_pdf(report_ref, records.ids, data=data)[0]

    def _membership_batch_print(self, report_ref, records, filename, data=None):
        """The action printing ``records``: Odoo's own for one record, a
        merged PDF to download for several."""
        report = self._get_report(report_ref)
        if len(records) <= 1:
            return report.report_action(records, data=data)
        attachment = self.env["ir.attachment"].create(
            {
                "name": filename,
                "raw": self._membership_merged_pdf(report_ref, records, data=data),
                "mimetype": "application/pdf",
            }
        )
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{attachment.id}?download=true",
            "target": "self",
        }
