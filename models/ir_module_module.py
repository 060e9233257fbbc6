from odoo import models


class IrModuleModule(models.Model):
    _inherit = "ir.module.module"

    def _load_module_terms(self, modules, langs, overwrite=False):
        """After translations load, the copies of the follow-up policy
        installed with the module get them too, and the euro keeps its
        French and Dutch words for amounts in words."""
        result = super()._load_module_terms(modules, langs, overwrite=overwrite)
        self.env["res.currency"]._dues_amount_words_labels(langs)
        if "membership_dues" in modules and "membership.followup.policy" in self.env:
            self.env["membership.followup.policy"]._sync_origin_translations()
        return result
