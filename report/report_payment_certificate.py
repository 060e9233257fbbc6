from odoo import api, fields, models

from ..tools.formatting import format_money


class ReportPaymentCertificate(models.AbstractModel):
    """Values of the payment certificate: for each member, the dues
    invoices of the periods starting in the year and the payments
    reconciled with them."""

    _name = "report.membership_dues.report_payment_certificate"
    _description = "Membership Dues Payment Certificate"

    @api.model
    def _get_report_values(self, docids, data=None):
        data = data or {}
        partners = self.env["res.partner"].browse(docids)
        year = int(data.get("year") or self.env.context.get("membership_certificate_year") or 0)
        if not year:
            year = fields.Date.context_today(self).year
        return {
            "doc_ids": docids,
            "doc_model": "res.partner",
            "docs": partners,
            "year": year,
            "certificates": self._certificates(partners, year),
        }

    @api.model
    def _certificates(self, partners, year):
        """``{partner id: {"payments": [...], "total": amount, "currency": currency}}``
        where each payment is a dict (date, invoice, period, amount), in date order."""
        Line = self.env["account.move.line"]
        lines = Line.search(
            [
                ("move_id.partner_id.commercial_partner_id", "in", partners.commercial_partner_id.ids),
                ("move_id.move_type", "=", "out_invoice"),
                ("move_id.state", "=", "posted"),
                ("dues_subscription_id.date_start", ">=", fields.Date.to_date(f"{year}-01-01")),
                ("dues_subscription_id.date_start", "<=", fields.Date.to_date(f"{year}-12-31")),
            ]
        )
        by_commercial = {}
        for move in lines.move_id:
            periods = move.invoice_line_ids.dues_subscription_id
            for partial in move._get_all_reconciled_invoice_partials():
                counterpart = partial["aml"].move_id
                if counterpart.move_type != "entry" or partial["is_exchange"]:
                    continue  # a credit note cancels dues, an exchange difference pays nothing
                by_commercial.setdefault(move.partner_id.commercial_partner_id.id, []).append(
                    {
                        "date": partial["aml"].date,
                        "invoice": move,
                        "periods": periods,
                        "amount": partial["amount"],
                        "currency": move.currency_id,
                    }
                )
        result = {}
        for partner in partners:
            env = self.with_context(lang=partner.lang or self.env.lang).env
            payments = sorted(
                by_commercial.get(partner.commercial_partner_id.id, []), key=lambda p: (p["date"], p["invoice"].id)
            )
            currency = payments[0]["currency"] if payments else self.env.company.currency_id
            total = currency.round(sum(p["amount"] for p in payments))
            for payment in payments:
                payment["period"] = ", ".join(payment["periods"].with_env(env).mapped(lambda s: s._period_text()))
            # the wording is in the template, in the member's language
            statement = (
                env["ir.qweb"]
                ._render(
                    "membership_dues.payment_certificate_statement",
                    {
                        "paid": bool(payments),
                        "values": {
                            "member": partner.commercial_partner_id.name,
                            "total": format_money(env, total, currency),
                            "year": year,
                        },
                    },
                )
                .strip()
            )
            result[partner.id] = {
                "payments": payments,
                "total": total,
                "currency": currency,
                "statement": statement,
                "place_and_date": env.company._membership_dateline(fields.Date.context_today(self)),
            }
        return result
