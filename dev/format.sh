#!/usr/bin/env bash
# Apply the project's formatting: ruff (Python) and prettier (XML, JS).
source "$(dirname "$0")/lib.sh"
check_odoo
ensure_venv
ensure_node_tools
cd "$MD_ROOT"
"$VENV/bin/ruff" format .
"$VENV/bin/ruff" check --fix .
"${PRETTIER[@]}" --write --log-level warn "**/*.xml" "static/**/*.js"
