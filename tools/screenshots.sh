#!/usr/bin/env bash
# Screenshots of the main screens of the demo served by `make run` (start it
# first, in another terminal). PNGs go to ./screenshots/ (git-ignored).
source "$(dirname "$0")/lib.sh"
check_odoo
ensure_venv
require_demo_server
ref() { psql -d "$DB" -Atc "select res_id from ir_model_data where module = 'membership_dues' and name = '$1'"; }
version=$(ref demo_tariff_version_current)
subscription=$(psql -d "$DB" -Atc "select id from membership_subscription where tariff_version_id is not null order by fee_fallback desc, id limit 1")
action="/odoo/action-membership_dues"
"$VENV/bin/python" "$MD_ROOT/tools/screenshots.py" --url "$URL" --db "$DB" --out "$MD_ROOT/screenshots" \
    members="$action.res_partner_action_members" \
    subscriptions="$action.membership_subscription_action" \
    subscription="$action.membership_subscription_action/$subscription" \
    plans="$action.membership_plan_action" \
    tariff-version="$action.membership_tariff_version_action/$version" \
    declarations="$action.membership_declaration_action"

# The member's portal (demo login member / member), on a desktop and on a phone.
notice=$(psql -d "$DB" -Atc "select r.id from membership_renewal r join res_users u on u.login = 'member' join res_partner c on c.id = u.partner_id where r.partner_id = c.commercial_partner_id order by r.id desc limit 1")
declaration=$(psql -d "$DB" -Atc "select d.id from membership_declaration d join res_users u on u.login = 'member' join res_partner c on c.id = u.partner_id where d.partner_id = c.commercial_partner_id order by d.year desc limit 1")
portal_pages=(portal-home=/my portal-membership=/my/membership portal-declarations=/my/declarations portal-invoices=/my/invoices)
[ -n "$notice" ] && portal_pages+=("portal-renewal=/my/renewals/$notice")
[ -n "$declaration" ] && portal_pages+=("portal-declaration=/my/declarations/$declaration")
"$VENV/bin/python" "$MD_ROOT/tools/screenshots.py" --url "$URL" --db "$DB" --out "$MD_ROOT/screenshots" \
    --login member --password member --full-page "${portal_pages[@]}"
phone_pages=()
for page in "${portal_pages[@]}"; do phone_pages+=("${page/=/-phone=}"); done
"$VENV/bin/python" "$MD_ROOT/tools/screenshots.py" --url "$URL" --db "$DB" --out "$MD_ROOT/screenshots" \
    --login member --password member --full-page --width 390 --height 844 "${phone_pages[@]}"
