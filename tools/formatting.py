"""Values formatted for the reader: amounts in the language of ``env``.

One helper for every model that writes an amount in a message, a document
or an invoice line (the fee mixin's ``_format_amount`` uses it)."""

from odoo.tools import format_amount

from ..engine import to_decimal


def format_money(env, amount, currency):
    """``amount`` (a float, a Decimal or a stored decimal string) in
    ``currency``, as the language of ``env`` writes it: "1,250.00 €"."""
    return format_amount(env, float(to_decimal(amount)), currency)
