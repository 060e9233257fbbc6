from odoo import api, fields, models

from ..tools.fee_explanation import explain_fee
from ..tools.formatting import format_money


class MembershipFeeMixin(models.AbstractModel):
    """A full-period fee computed by a plan (a ``FeeQuote``, see
    tools/tariff_quote.py), stored with how it was computed: the renewal
    notice and the subscription hold one.

    The fee is written from a quote, or copied from another record holding
    one, only through ``_quote_values`` / ``_write_quote`` / ``_fee_values_from``.
    The model says which of its fields holds the full-period fee
    (``_fee_amount_field``) and has ``company_id`` and ``currency_id``.
    """

    _name = "membership.fee.mixin"
    _description = "Membership Fee Computed by a Plan"

    # the field holding the untaxed fee of one full period
    _fee_amount_field = "amount"

    tariff_version_id = fields.Many2one(
        "membership.tariff.version",
        ondelete="restrict",
        check_company=True,
        help="The tariff grid version that computed the fee.",
    )
    fee_year = fields.Integer(
        "Figures of", aggregator=None, help="Year of the declared figures the fee was computed on."
    )
    # not prefetched with the other columns: the explanation of a grid fee,
    # loaded as Python objects, weighs more than the rest of the record
    # together, and most reads of a record (states, queues, lists) never
    # need it; reading it fetches it for the whole prefetch batch at once
    fee_data = fields.Json("Fee Computation", prefetch=False, help="How the fee was computed, as stored when it was.")
    fee_fallback = fields.Boolean("Fallback Used", help="A figure was missing: the plan's fallback rule set the fee.")
    fee_explanation = fields.Text(compute="_compute_fee_explanation")

    @api.depends("fee_data", "currency_id")
    @api.depends_context("lang")
    def _compute_fee_explanation(self):
        for record in self:
            record.fee_explanation = "\n".join(record._fee_explanation_lines())

    def _fee_explanation_lines(self):
        """How the fee was computed, in the language of the context."""
        self.ensure_one()
        return explain_fee(self.env, self.fee_data, self.currency_id)

    @api.model
    def _quote_values(self, quote):
        """The values storing ``quote`` (a FeeQuote): its amount as this
        model's full-period fee, the tariff version, year and explanation."""
        return {
            self._fee_amount_field: float(quote.amount),
            "tariff_version_id": quote.version.id if quote.version else False,
            "fee_year": quote.year,
            "fee_data": quote.data,
            "fee_fallback": quote.fallback,
        }

    def _write_quote(self, quote):
        """Store ``quote`` on these records."""
        self.write(self._quote_values(quote))

    @api.model
    def _fee_values_from(self, source):
        """The values copying the fee ``source`` (another record of this
        mixin) holds: its full-period fee and how it was computed."""
        return {
            self._fee_amount_field: source[source._fee_amount_field],
            "tariff_version_id": source.tariff_version_id.id,
            "fee_year": source.fee_year,
            "fee_data": source.fee_data,
            "fee_fallback": source.fee_fallback,
        }

    def _format_amount(self, amount):
        """``amount`` in this record's currency, as the context's language writes it."""
        return format_money(self.env, amount, self.currency_id)
