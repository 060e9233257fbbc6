#!/usr/bin/env bash
# PNG pages of the documents members receive (dues invoice, renewal notice,
# reminder letter, formal notice, membership card, payment certificate), in
# French, Dutch and English, printed by the demo served by `make run` (start
# it first, in another terminal). PNGs and PDFs go to ./documents/ (git-ignored).
source "$(dirname "$0")/lib.sh"
check_odoo
ensure_venv
require_demo_server
rm -rf "$MD_ROOT/documents"
"$VENV/bin/python" "$MD_ROOT/dev/documents.py" --url "$URL" --db "$DB" --out "$MD_ROOT/documents"
say "documents in $MD_ROOT/documents/"
