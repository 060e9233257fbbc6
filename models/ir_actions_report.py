from odoo import models
from odoo.tools.pdf import merge_pdf


class IrActionsReport(models.Model):
    """Batch printing that works with any wkhtmltopdf: Debian's build
    (unpatched Qt) converts one document per call, so a selection is
    rendered record by record and merged into one PDF to print and post."""

    _inherit = "ir.actions.report"

    def _membership_merged_pdf(self, report_ref, records, data=None):
        """One PDF holding the report of every record, in order."""
        return merge_pdf([self._render_qweb_pdf(report_ref, [record.id], data=data)[0] for record in records])

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
