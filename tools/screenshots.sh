#!/usr/bin/env bash
# Screenshots of the main screens of the demo served by `make run` (start it
# first, in another terminal). PNGs go to ./screenshots/ (git-ignored).
source "$(dirname "$0")/lib.sh"
check_odoo
ensure_venv
URL="http://127.0.0.1:${MD_PORT:-8069}"
DB="${MD_DB:-membership_dues_demo}"
curl -sf -o /dev/null "$URL/web/login?db=$DB" || die "nothing answers on $URL: run 'make run' first"
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
