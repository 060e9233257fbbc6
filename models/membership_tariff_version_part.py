from odoo import api, models


class MembershipTariffVersionPart(models.AbstractModel):
    """What the components, brackets and coefficients of a tariff version
    share: a part of an adopted (locked) version can be neither created,
    changed nor deleted, and a part is never moved under a version the user
    cannot see (another company's)."""

    _name = "membership.tariff.version.part"
    _description = "Part of a Tariff Version"

    # the many2one to the record this part belongs to (a version, or a
    # component for a bracket); every part also has a version_id
    _tariff_parent_field = "version_id"

    def _tariff_parents(self, ids):
        return self.env[self._fields[self._tariff_parent_field].comodel_name].browse(ids)

    @api.model_create_multi
    def create(self, vals_list):
        parents = self._tariff_parents([vals.get(self._tariff_parent_field) for vals in vals_list])
        versions = parents if parents._name == "membership.tariff.version" else parents.version_id
        versions._check_unlocked()
        return super().create(vals_list)

    def write(self, vals):
        if vals.get(self._tariff_parent_field):
            # never under another company's version or component: the user must see it
            self._tariff_parents(vals[self._tariff_parent_field]).check_access("read")
        self.version_id._check_unlocked()
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_locked(self):
        self.version_id._check_unlocked()
