from odoo import api, models

# How the amount in words names the euro on dues documents, by language.
# Odoo ships "Euros"/"Cents" for French and "Euro's"/"Cent" for Dutch: French
# says "euros" and "centimes", Dutch says "euro" and "cent".
AMOUNT_WORDS_LABELS = {
    "EUR": {
        "fr": {"currency_unit_label": "euros", "currency_subunit_label": "centimes"},
        "nl": {"currency_unit_label": "euro", "currency_subunit_label": "cent"},
    },
}
# The values Odoo itself gives these labels (its source text and its
# translations): only these are replaced, never a label a user chose.
ODOO_WORDING = {
    "currency_unit_label": {"Euros", "Euro's", "Euro"},
    "currency_subunit_label": {"Cents", "Cent"},
}


class ResCurrency(models.Model):
    _inherit = "res.currency"

    @api.model
    def _dues_amount_words_labels(self, langs=None):
        """Give the euro its French and Dutch words for amounts in words
        (``amount_to_text``), in the installed languages among ``langs`` (all
        of them by default), where the label is still Odoo's own wording.
        Called after translations are loaded (module install or update, a
        language installed), which would otherwise bring Odoo's back."""
        installed = [code for code, _name in self.env["res.lang"].get_installed()]
        langs = [lang for lang in (langs or installed) if lang in installed]
        Currency = self.sudo().with_context(active_test=False)
        for code, labels_by_lang in AMOUNT_WORDS_LABELS.items():
            currency = Currency.search([("name", "=", code)], limit=1)
            if not currency:
                continue
            for lang in langs:
                labels = labels_by_lang.get(lang.split("_")[0])
                if not labels:
                    continue
                current = currency.with_context(lang=lang)
                values = {
                    field: label
                    for field, label in labels.items()
                    if current[field] != label and current[field] in ODOO_WORDING[field]
                }
                if values:
                    current.write(values)
