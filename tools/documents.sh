#!/usr/bin/env bash
# PNG pages of the documents members receive (dues invoice, renewal notice,
# reminder letter, formal notice, membership card, payment certificate), in
# French, Dutch and English, printed by the demo served by `make run` (start
# it first, in another terminal). PNGs and PDFs go to ./documents/ (git-ignored).
source "$(dirname "$0")/lib.sh"
check_odoo
ensure_venv
URL="http://127.0.0.1:${MD_PORT:-8069}"
DB="${MD_DB:-membership_dues_demo}"
curl -sf -o /dev/null "$URL/web/login?db=$DB" || die "nothing answers on $URL: run 'make run' first"
rm -rf "$MD_ROOT/documents"
"$VENV/bin/python" "$MD_ROOT/tools/documents.py" --url "$URL" --db "$DB" --out "$MD_ROOT/documents"
say "documents in $MD_ROOT/documents/"
