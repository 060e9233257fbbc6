#!/usr/bin/env bash
# Command 1: a demo database with the module and its demo data, served on
# 127.0.0.1. Sets up what is missing (Debian packages, virtualenv, PostgreSQL
# role), creates the database the first time (a Belgian main company in EUR,
# French and Dutch loaded, demo data), upgrades the module on later runs, and
# serves Odoo in the foreground until Ctrl-C.
#
# MD_DB (default membership_dues_demo) and MD_PORT (default 8069) choose the
# database and the port.
source "$(dirname "$0")/lib.sh"

setup_all

DB="${MD_DB:-membership_dues_demo}"
PORT="${MD_PORT:-8069}"
DATA="$MD_HOME/data-run"
LOG="$MD_HOME/run-$DB.log"
mkdir -p "$DATA"

if ! "$VENV/bin/python" - "$PORT" <<'EOF'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as Odoo does
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
EOF
then
    die "port $PORT on 127.0.0.1 is taken (another 'make run'?). Stop it, or choose another: MD_PORT=8070 make run"
fi

common=(--addons-path="$ADDONS_PATH" --data-dir="$DATA")

if ! db_exists "$DB" || [ "$(psql -d "$DB" -Atqc "select state from ir_module_module where name = '$MD_MODULE'" 2>/dev/null)" != "installed" ]; then
    if db_exists "$DB"; then
        say "database $DB exists without $MD_MODULE installed: installing it"
    else
        say "creating database $DB (Belgian main company, demo data; a few minutes the first time, log: $LOG)"
        odoo_bin db --addons-path="$ADDONS_PATH" --data-dir="$DATA" init "$DB" \
            --with-demo --country BE --username admin --password admin >"$LOG" 2>&1 \
            || { tail -n 30 "$LOG" >&2; die "creating the database failed (log: $LOG)"; }
    fi
    odoo_bin -d "$DB" "${common[@]}" -i "l10n_be,payment_demo,$MD_MODULE" --load-language=fr_BE,nl_BE \
        --stop-after-init --no-http >>"$LOG" 2>&1 \
        || { tail -n 30 "$LOG" >&2; die "installing $MD_MODULE failed (log: $LOG)"; }
else
    say "upgrading $MD_MODULE in $DB (log: $LOG)"
    odoo_bin -d "$DB" "${common[@]}" -u "$MD_MODULE" --stop-after-init --no-http >>"$LOG" 2>&1 \
        || { tail -n 30 "$LOG" >&2; die "upgrading $MD_MODULE failed (log: $LOG)"; }
fi

cat <<EOF

  Membership Dues demo is served at  http://127.0.0.1:$PORT/odoo?db=$DB
  Logins:  admin / admin        (administrator, membership manager)
           officer / officer    (membership officer)
           member / member      (portal: a member company's contact; pays with the demo provider)
  Database: $DB  -  stop with Ctrl-C; run 'make run' again to upgrade and serve it.

EOF
exec "$VENV/bin/python" "$ODOO_PATH/odoo-bin" -d "$DB" "${common[@]}" --db-filter="^${DB}\$" \
    --http-interface=127.0.0.1 --http-port="$PORT" --max-cron-threads=1
