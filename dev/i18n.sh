#!/usr/bin/env bash
# Regenerate the translation files: i18n/membership_dues.pot from the installed
# module, and i18n/fr.po, i18n/nl.po merged with it (existing translations kept,
# new terms added untranslated, vanished terms dropped). Then translate the
# empty msgstr entries and commit. Not part of `make test`.
source "$(dirname "$0")/lib.sh"
setup_all
ensure_template "" "$MD_HOME/template.log"
DB="md_i18n_$$"
DATA="$MD_HOME/i18n-data-$$"
trap 'dropdb --if-exists --force "$DB" 2>/dev/null || true; rm -rf "$DATA" "$DATA.conf"' EXIT
clone_template "$DB" "$DATA"
say "installing $MD_MODULE in $DB"
odoo_bin -d "$DB" --addons-path="$ADDONS_PATH" --data-dir="$DATA" -i "$MD_MODULE" \
    --stop-after-init --max-cron-threads=0 --no-http --log-level=warn \
    || die "installing $MD_MODULE failed"
printf '[options]\naddons_path = %s\ndata_dir = %s\n' "$ADDONS_PATH" "$DATA" >"$DATA.conf"
say "exporting i18n/$MD_MODULE.pot"
odoo_bin i18n export -c "$DATA.conf" -d "$DB" -l pot -- "$MD_MODULE" >/dev/null
for lang in fr nl; do
    po="$MD_ROOT/i18n/$lang.po"
    if [ -f "$po" ]; then
        msgmerge --quiet --no-fuzzy-matching --update --backup=none "$po" "$MD_ROOT/i18n/$MD_MODULE.pot"
        msgattrib --no-obsolete --output-file="$po" "$po"
    else
        msginit --no-translator --no-wrap --locale="$lang" --input="$MD_ROOT/i18n/$MD_MODULE.pot" --output-file="$po" 2>/dev/null
    fi
    missing=$(msgattrib --untranslated "$po" | grep -c '^msgid' || true)
    say "i18n/$lang.po: $((missing > 0 ? missing - 1 : 0)) untranslated"
done
