from odoo import models


class IrModuleModule(models.Model):
    _inherit = "ir.module.module"

    def _load_module_terms(self, modules, langs, overwrite=False):
        """After translations load, the copies of the follow-up policy
        installed with the module get them too."""
        result = super()._load_module_terms(modules, langs, overwrite=overwrite)
        if "membership_dues" in modules and "membership.followup.policy" in self.env:
            self.env["membership.followup.policy"]._sync_origin_translations()
        return result
