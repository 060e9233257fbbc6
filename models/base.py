import math

from odoo import api, models
from odoo.exceptions import ValidationError


def _not_finite(value):
    """NaN or an infinity, as a number or as text ("nan", "-inf")."""
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return False  # not a number at all: the field says so itself
    try:
        return not isinstance(value, bool) and not math.isfinite(value)
    except TypeError:
        return False


class Base(models.AbstractModel):
    """Numbers of the module's models are finite.

    PostgreSQL stores NaN and infinities in float and numeric columns, and
    Odoo's float fields pass them on (or crash rounding them): written over
    RPC or imported, a "nan" fee or bracket would break every sum, rounding
    and comparison made with it. Every float and monetary field of a
    ``membership.*`` model refuses them when written, naming the field,
    before anything is written; other models are left as they are (one
    prefix test per create or write)."""

    _inherit = "base"

    @api.model_create_multi
    def create(self, vals_list):
        if self._name.startswith("membership."):
            for vals in vals_list:
                self._membership_check_finite(vals)
        return super().create(vals_list)

    def write(self, vals):
        if self._name.startswith("membership."):
            self._membership_check_finite(vals)
        return super().write(vals)

    def _membership_check_finite(self, vals):
        for name, value in vals.items():
            field = self._fields.get(name)
            if field is not None and field.type in ("float", "monetary") and _not_finite(value):
                raise ValidationError(
                    self.env._(
                        "%(model)s, %(field)s: %(value)s is not a number; give a finite amount or quantity.",
                        model=self.env["ir.model"]._get(self._name).name,
                        field=field._description_string(self.env),
                        value=value,
                    )
                )
