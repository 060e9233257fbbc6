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
"$VENV/bin/python" "$MD_ROOT/dev/screenshots.py" --url "$URL" --db "$DB" --out "$MD_ROOT/screenshots" \
    members="$action.res_partner_action_members" \
    subscriptions="$action.membership_subscription_action" \
    subscription="$action.membership_subscription_action/$subscription" \
    plans="$action.membership_plan_action" \
    tariff-version="$action.membership_tariff_version_action/$version" \
    declarations="$action.membership_declaration_action" \
    declaration-campaign="$action.membership_declaration_campaign_action/$(ref demo_declaration_campaign_next_year)" \
    declaration-progress="$action.membership_declaration_analysis_action"

# the link of a declaration campaign's email, opened without an account, in the member's language
token_pages=()
for lang in fr_BE nl_BE en_US; do
    link=$(psql -d "$DB" -Atc "select '/my/declarations/' || d.id || '?access_token=' || d.access_token from membership_declaration d join res_partner p on p.id = d.partner_id where d.campaign_id is not null and d.state = 'to_declare' and d.access_token is not null and coalesce(p.lang, 'en_US') = '$lang' order by d.id limit 1")
    [ -n "$link" ] && token_pages+=("declaration-link-$lang=$link")
done
if [ ${#token_pages[@]} -gt 0 ]; then
    "$VENV/bin/python" "$MD_ROOT/dev/screenshots.py" --url "$URL" --db "$DB" --out "$MD_ROOT/screenshots" \
        --login - --full-page "${token_pages[@]}"
    phone_tokens=()
    for page in "${token_pages[@]}"; do phone_tokens+=("${page/=/-phone=}"); done
    "$VENV/bin/python" "$MD_ROOT/dev/screenshots.py" --url "$URL" --db "$DB" --out "$MD_ROOT/screenshots" \
        --login - --full-page --width 390 --height 844 "${phone_tokens[@]}"
fi

# The member's portal (demo login member / member), on a desktop and on a phone.
notice=$(psql -d "$DB" -Atc "select r.id from membership_renewal r join res_users u on u.login = 'member' join res_partner c on c.id = u.partner_id where r.partner_id = c.commercial_partner_id order by r.id desc limit 1")
declaration=$(psql -d "$DB" -Atc "select d.id from membership_declaration d join res_users u on u.login = 'member' join res_partner c on c.id = u.partner_id where d.partner_id = c.commercial_partner_id order by d.year desc limit 1")
portal_pages=(portal-home=/my portal-membership=/my/membership portal-declarations=/my/declarations portal-invoices=/my/invoices)
[ -n "$notice" ] && portal_pages+=("portal-renewal=/my/renewals/$notice")
[ -n "$declaration" ] && portal_pages+=("portal-declaration=/my/declarations/$declaration")
"$VENV/bin/python" "$MD_ROOT/dev/screenshots.py" --url "$URL" --db "$DB" --out "$MD_ROOT/screenshots" \
    --login member --password member --full-page "${portal_pages[@]}"
phone_pages=()
for page in "${portal_pages[@]}"; do phone_pages+=("${page/=/-phone=}"); done
"$VENV/bin/python" "$MD_ROOT/dev/screenshots.py" --url "$URL" --db "$DB" --out "$MD_ROOT/screenshots" \
    --login member --password member --full-page --width 390 --height 844 "${phone_pages[@]}"
