#!/usr/bin/env bash
# Command 2: run every test of the addon and the linters, print "N passed, N failed".
#
#  - sets up what is missing (Debian packages, virtualenv, PostgreSQL role);
#  - builds a fresh test database from a cached template that holds only the
#    addon's Odoo dependencies, then installs membership_dues fresh with
#    --test-enable (at_install, post_install and browser tests);
#  - runs the pure-Python tests (tests/pure, pytest + hypothesis) and the linters;
#  - fails on any failed or erroring test, on a module that did not install,
#    on zero tests, on a skipped (browser) test and on lint errors.
#
# Options: --lint-only, --odoo-only, --pure-only; MD_TEST_TAGS overrides the
# Odoo test tags (default /membership_dues); MD_KEEP_DB=1 keeps the test database.
source "$(dirname "$0")/lib.sh"

run_odoo=1 run_pure=1 run_process=1 run_lint=1
case "${1:-}" in
    --lint-only) run_odoo=0 run_pure=0 run_process=0 ;;
    --odoo-only) run_pure=0 run_process=0 run_lint=0 ;;
    --pure-only) run_odoo=0 run_process=0 run_lint=0 ;;
    --process-only) run_odoo=0 run_pure=0 run_lint=0 ;;
    "") ;;
    *) die "unknown option $1 (use --lint-only, --odoo-only, --pure-only or --process-only)" ;;
esac

setup_all

STAMP="$(date +%Y%m%d-%H%M%S)-$$"
OUT="$MD_HOME/test-runs/$STAMP"
mkdir -p "$OUT"
# keep the logs of the last 20 runs
ls -dt "$MD_HOME"/test-runs/*/ 2>/dev/null | tail -n +21 | xargs -r rm -rf
summary_args=(--out "$OUT")

# Extra modules present in the test database only (not dependencies of the addon).
MD_TEST_EXTRA_MODULES="${MD_TEST_EXTRA_MODULES-payment_demo}"

if [ "$run_odoo" = 1 ]; then
    ensure_template "$MD_TEST_EXTRA_MODULES" "$OUT/template.log"

    TEST_DB="md_test_$$"
    TEST_DATA="$OUT/data"
    cleanup() {
        if [ "${MD_KEEP_DB:-0}" != 1 ]; then
            dropdb --if-exists --force "$TEST_DB" 2>/dev/null || true
            rm -rf "$TEST_DATA"
        else
            say "kept test database $TEST_DB (data dir $TEST_DATA)"
        fi
    }
    trap cleanup EXIT
    clone_template "$TEST_DB" "$TEST_DATA"

    port=$(free_port)
    say "installing $MD_MODULE in $TEST_DB and running its tests (port $port, log $OUT/odoo.log)"
    set +e
    odoo_bin -d "$TEST_DB" --addons-path="$ADDONS_PATH" --data-dir="$TEST_DATA" \
        -i "$MD_MODULE" --test-enable --test-tags "${MD_TEST_TAGS:-/$MD_MODULE}" \
        --stop-after-init --max-cron-threads=0 --workers=0 \
        --http-interface=127.0.0.1 --http-port="$port" --log-level=info \
        >"$OUT/odoo.log" 2>&1
    odoo_rc=$?
    set -e
    module_state=$(psql -d "$TEST_DB" -Atqc "select state from ir_module_module where name = '$MD_MODULE'" 2>/dev/null || true)
    summary_args+=(--odoo-log "$OUT/odoo.log" --odoo-rc "$odoo_rc" --module "$MD_MODULE" --module-state "${module_state:-absent}")
fi

if [ "$run_pure" = 1 ]; then
    say "running the pure-Python tests (tests/pure)"
    set +e
    (cd "$MD_ROOT" && "$VENV/bin/python" -m pytest -q -p no:cacheprovider \
        --junitxml="$OUT/pure.xml" tests/pure) >"$OUT/pure.log" 2>&1
    pure_rc=$?
    set -e
    summary_args+=(--junit "$OUT/pure.xml" --junit-rc "$pure_rc" --junit-log "$OUT/pure.log")
fi

if [ "$run_process" = 1 ]; then
    say "running the crash and concurrency checks on real Odoo processes (tests/process)"
    [ -n "${TEMPLATE:-}" ] || ensure_template "$MD_TEST_EXTRA_MODULES" "$OUT/template.log"
    mkdir -p "$OUT/process-data"
    set +e
    (cd "$MD_ROOT/tests/process" && MD_ODOO_BIN="$VENV/bin/python $ODOO_PATH/odoo-bin" MD_ADDONS_PATH="$ADDONS_PATH" \
        MD_TEMPLATE="$TEMPLATE" MD_TEMPLATE_DATA="$TEMPLATE_DATA" MD_DATA_DIR="$OUT/process-data" \
        "$VENV/bin/python" -m pytest -q -p no:cacheprovider --junitxml="$OUT/process.xml" .) >"$OUT/process.log" 2>&1
    process_rc=$?
    set -e
    rm -rf "$OUT/process-data"
    summary_args+=(--process-junit "$OUT/process.xml" --process-rc "$process_rc" --process-log "$OUT/process.log")
fi

if [ "$run_lint" = 1 ]; then
    say "running the linters (ruff, ruff format, pylint-odoo, prettier)"
    ensure_node_tools
    lint() {
        local name="$1"; shift
        set +e
        (cd "$MD_ROOT" && "$@") >"$OUT/lint-$name.log" 2>&1
        local rc=$?
        set -e
        summary_args+=(--lint "$name=$rc=$OUT/lint-$name.log")
    }
    lint ruff "$VENV/bin/ruff" check --no-cache .
    lint ruff-format "$VENV/bin/ruff" format --no-cache --check --diff .
    # pylint-odoo reads the module name from the folder: lint the linked copy.
    lint pylint-odoo bash -c "cd '$MD_ADDONS_DIR' && '$VENV/bin/pylint' --rcfile='$MD_ROOT/.pylintrc' $MD_MODULE"
    # XML and JS formatted consistently (make format applies it)
    lint prettier "${PRETTIER[@]}" --check "**/*.xml" "static/**/*.js"
fi

exec "$VENV/bin/python" "$MD_ROOT/tools/test_summary.py" "${summary_args[@]}"
