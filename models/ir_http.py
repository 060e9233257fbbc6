from werkzeug.routing.converters import NumberConverter, ValidationError

from odoo import models
from odoo.http import request

MAX_RECORD_ID = 2**31 - 1


class MembershipIdConverter(NumberConverter):
    """A record id (or a year) in the module's portal URLs: 1 to 10 digits,
    from 1 to the largest PostgreSQL integer. Anything else does not match
    the route, which answers 404: Odoo's ``int`` converter would turn a
    10,000-digit number into a ValueError (Python refuses to convert more
    than 4,300 digits), hence a 500."""

    regex = r"\d{1,10}"
    num_convert = int

    def to_python(self, value):
        number = super().to_python(value)
        if not 0 < number <= MAX_RECORD_ID:
            raise ValidationError
        return number


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

    @classmethod
    def _get_converters(cls):
        return dict(super()._get_converters(), membership_id=MembershipIdConverter)

    @classmethod
    def _serve_fallback(cls):
        """A path with a NUL byte (/my/renewals/%00) names no attachment:
        PostgreSQL text cannot hold one, and Odoo's attachment lookup for the
        404 page would fail on it (500). Answer the 404 page."""
        if "\x00" in request.httprequest.path:
            return None
        return super()._serve_fallback()
