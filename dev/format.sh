#!/usr/bin/env bash
# Apply the project's formatting: ruff (Python), prettier (XML, JS) and OCA's
# module fixes (XML headers, attribute order, eval on numbers and booleans).
source "$(dirname "$0")/lib.sh"
check_odoo
ensure_venv
ensure_node_tools
cd "$MD_ROOT"
"$VENV/bin/ruff" format .
"$VENV/bin/ruff" check --fix .
bash dev/hook.sh oca-checks-odoo-module --fix >/dev/null || true
"${PRETTIER[@]}" --write --log-level warn "**/*.xml" "static/**/*.js"
