#!/usr/bin/env bash
# Command 2: run every test of the addon and the linters, print "N passed, N failed".
#
#  - sets up what is missing (Debian packages, virtualenv, PostgreSQL role);
#  - builds a fresh test database from a cached template that holds only the
#    addon's Odoo dependencies, then installs membership_dues fresh with
#    --test-enable (at_install, post_install and browser tests);
#  - runs the pure-Python tests (tests/pure, pytest + hypothesis) and the linters
#    (pre-commit run --all-files, .pre-commit-config.yaml);
#  - neighbours: installs membership_dues beside OCA membership and OCA
#    queue_job (19.0, from PyPI) in another database and runs THEIR tests there:
#    OCA membership's, some of queue_job's and a selection of Odoo's account
#    tests (contacts, invoices, payments, reconciliation, invoice sending), and
#    ours that need them; fails on clashing field definitions;
#  - fails on any failed or erroring test, on a module that did not install,
#    on zero tests, on a skipped (browser) test and on lint errors.
#
# Options: --lint-only, --odoo-only, --pure-only, --process-only, --neighbours-only;
# MD_TEST_TAGS overrides the Odoo test tags (default /membership_dues);
# MD_NEIGHBOUR_TAGS the neighbours' test tags; MD_KEEP_DB=1 keeps the test databases.
source "$(dirname "$0")/lib.sh"

run_odoo=1 run_pure=1 run_process=1 run_neighbours=1 run_lint=1
case "${1:-}" in
    --lint-only) run_odoo=0 run_pure=0 run_process=0 run_neighbours=0 ;;
    --odoo-only) run_pure=0 run_process=0 run_neighbours=0 run_lint=0 ;;
    --pure-only) run_odoo=0 run_process=0 run_neighbours=0 run_lint=0 ;;
    --process-only) run_odoo=0 run_pure=0 run_neighbours=0 run_lint=0 ;;
    --neighbours-only) run_odoo=0 run_pure=0 run_process=0 run_lint=0 ;;
    "") ;;
    *) die "unknown option $1 (use --lint-only, --odoo-only, --pure-only, --process-only or --neighbours-only)" ;;
esac

setup_all

STAMP="$(date +%Y%m%d-%H%M%S)-$$"
OUT="$MD_HOME/test-runs/$STAMP"
mkdir -p "$OUT"
echo $$ >"$OUT/pid"
# keep the logs of the last 20 runs, and those of every run still going
# (several runs at once, from several checkouts, share this folder)
ls -dt "$MD_HOME"/test-runs/*/ 2>/dev/null | tail -n +21 | while read -r old; do
    pid=$(cat "$old/pid" 2>/dev/null || true)
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then continue; fi
    rm -rf "$old"
done
summary_args=(--out "$OUT")

# Extra modules present in the test database only (not dependencies of the addon).
MD_TEST_EXTRA_MODULES="${MD_TEST_EXTRA_MODULES-payment_demo}"

# Test databases and their data dirs, dropped at the end (MD_KEEP_DB=1 keeps them).
TEST_DBS=() TEST_DIRS=()
cleanup() {
    [ ${#TEST_DBS[@]} -gt 0 ] || return 0
    if [ "${MD_KEEP_DB:-0}" != 1 ]; then
        local db
        for db in "${TEST_DBS[@]}"; do dropdb --if-exists --force "$db" 2>/dev/null || true; done
        rm -rf "${TEST_DIRS[@]}"
    else
        say "kept test databases ${TEST_DBS[*]} (data dirs ${TEST_DIRS[*]})"
    fi
}
trap cleanup EXIT

if [ "$run_odoo" = 1 ]; then
    ensure_template "$MD_TEST_EXTRA_MODULES" "$OUT/template.log"

    TEST_DB="md_test_$$"
    TEST_DATA="$OUT/data"
    TEST_DBS+=("$TEST_DB") TEST_DIRS+=("$TEST_DATA")
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
    # OCA queue_job 19.0 and its openupgradelib, as in the neighbour phase, for
    # the check with its real job runner (test_queue_job_runner.py); when they
    # cannot be had, that check fails saying so (MD_QUEUE_JOB_ERROR).
    if ensure_oca_addon queue_job "==19.0.*" && ensure_oca_pydeps "openupgradelib==3.13.7"; then
        process_env=(MD_QUEUE_JOB_ADDONS="$OCA_ADDONS" PYTHONPATH="$OCA_PYTHONPATH${PYTHONPATH:+:$PYTHONPATH}")
    else
        process_env=(MD_QUEUE_JOB_ERROR="OCA queue_job 19.0 (or openupgradelib) could not be had from PyPI")
    fi
    set +e
    (cd "$MD_ROOT/tests/process" && env "${process_env[@]}" MD_ODOO_BIN="$VENV/bin/python $ODOO_PATH/odoo-bin" \
        MD_ADDONS_PATH="$ADDONS_PATH" MD_TEMPLATE="$TEMPLATE" MD_TEMPLATE_DATA="$TEMPLATE_DATA" \
        MD_DATA_DIR="$OUT/process-data" \
        "$VENV/bin/python" -m pytest -q -p no:cacheprovider --junitxml="$OUT/process.xml" .) >"$OUT/process.log" 2>&1
    process_rc=$?
    set -e
    rm -rf "$OUT/process-data"
    summary_args+=(--process-junit "$OUT/process.xml" --process-rc "$process_rc" --process-log "$OUT/process.log")
fi

# --- Neighbours (issue 13): membership_dues installed beside other modules, THEIR tests run --
# OCA membership 19.0 (same business, fields on res.partner, account.move and
# product) and Odoo's own account tests of contacts (duplicate, merge), invoices,
# payments, reconciliation and invoice sending. Both modules are installed
# together in one clone of the template; then odoo.tests.shell.run_tests runs
# the selected tests, at_install and post_install, with every module loaded
# (dev/neighbour_tests.py says why Odoo's own runner cannot).
MD_NEIGHBOUR_MODULES="membership,account,queue_job,$MD_MODULE"
# Odoo's account tests: contacts (TestAccountPartner, TestMergePartner,
# TestDuplicatePartnerBank: duplicates and merges), invoices
# (TestAccountMoveOutInvoiceOnchanges), payments (TestAccountPayment,
# TestAccountPaymentMethodLine, TestAccountPaymentRegister), reconciliation
# (TestAccountMoveReconcile: its single-currency cases, the others are foreign
# currency and cash-basis taxes, 70 more tests for 1-2 more minutes) and sending
# (TestAccountMoveSend). About 230 tests, 3-4 minutes on this machine.
neighbour_tags=(/membership /account:TestAccountPartner /account:TestMergePartner /account:TestDuplicatePartnerBank
    /account:TestAccountMoveOutInvoiceOnchanges /account:TestAccountPayment /account:TestAccountPaymentMethodLine
    /account:TestAccountPaymentRegister /account:TestAccountMoveSend)
for method in full_reconcile_bunch_lines invoice_draft_fully_paid_if_zero reverse_with_multiple_lines \
    reconcile_rounding_issue reconcile_plan matching_number_full_reconcile matching_number_partial_single_reconcile \
    matching_number_partial_multi_reconcile matching_number_partial_multi_separate_reconcile \
    matching_number_unreconcile_single matching_number_unreconcile_multi matching_loop reconcile_import \
    partial_payments_auto_validation reconcile_partial_reconciliations modify_all_reconciled_lines \
    modify_all_reconciled_lines_with_no_partner links_between_move_and_payment \
    partial_reconcile_amounts_of_several_matching_lines; do
    neighbour_tags+=("/account:TestAccountMoveReconcile.test_$method")
done
# Ours that need OCA membership installed (issue 19, import from it): tagged
# membership_dues_oca and not standard, so that only this phase runs them.
neighbour_tags+=("membership_dues_oca/$MD_MODULE")
# OCA queue_job 19.0 (issue 18): the campaigns run as its jobs when it is
# installed. Ours tagged membership_dues_queue_job (not standard either), and
# queue_job's own tests of delaying jobs, identity keys, channels, job functions
# and its wizards, beside membership_dues (a few seconds).
neighbour_tags+=("membership_dues_queue_job/$MD_MODULE" /queue_job:TestDelayable /queue_job:TestDelayableSplit
    /queue_job:TestJobChannel /queue_job:TestJobFunction /queue_job:TestJson /queue_job:TestWizards)
MD_NEIGHBOUR_TAGS="${MD_NEIGHBOUR_TAGS-$(IFS=,; echo "${neighbour_tags[*]}")}"

if [ "$run_neighbours" = 1 ]; then
    neighbours_start=$(date +%s)
    nb_oca=""
    if ensure_oca_addon membership "==19.0.*" && nb_oca="$OCA_ADDONS" && ensure_oca_addon queue_job "==19.0.*" \
        && nb_oca="$nb_oca,$OCA_ADDONS" && ensure_oca_pydeps "openupgradelib==3.13.7"; then
        [ -n "${TEMPLATE:-}" ] || ensure_template "$MD_TEST_EXTRA_MODULES" "$OUT/template.log"
        NB_DB="md_neighbours_$$"
        NB_DATA="$OUT/neighbours-data"
        NB_ADDONS="$ADDONS_PATH,$nb_oca"
        # queue_job's external dependency openupgradelib (its migrations only)
        export PYTHONPATH="$OCA_PYTHONPATH${PYTHONPATH:+:$PYTHONPATH}"
        TEST_DBS+=("$NB_DB") TEST_DIRS+=("$NB_DATA")
        clone_template "$NB_DB" "$NB_DATA"
        say "installing $MD_MODULE, OCA membership and OCA queue_job together in $NB_DB (log $OUT/neighbours-install.log)"
        set +e
        odoo_bin -d "$NB_DB" --addons-path="$NB_ADDONS" --data-dir="$NB_DATA" -i "$MD_MODULE,membership,queue_job" \
            --stop-after-init --max-cron-threads=0 --workers=0 --no-http --log-level=info \
            >"$OUT/neighbours-install.log" 2>&1
        set -e
        states=$(psql -d "$NB_DB" -Atqc "SELECT m.name || '=' || COALESCE(i.state, 'absent')
            FROM unnest(ARRAY['$MD_MODULE', 'membership', 'queue_job']) m(name)
            LEFT JOIN ir_module_module i ON i.name = m.name ORDER BY m.name" 2>/dev/null | paste -sd, || true)
        # A field that both modules add (neither depends on the other, so one of
        # them silently redefines the other's): field ids whose only defining
        # modules are these two.
        psql -d "$NB_DB" -Atqc "SELECT f.model || '.' || f.name || ' (' || f.ttype || ')'
            FROM ir_model_fields f JOIN ir_model_data d ON d.model = 'ir.model.fields' AND d.res_id = f.id
            GROUP BY f.id, f.model, f.name, f.ttype
            HAVING count(DISTINCT d.module) FILTER (WHERE d.module IN ('$MD_MODULE', 'membership')) = 2
               AND count(DISTINCT d.module) = 2" >"$OUT/neighbours-shared-fields.txt" 2>/dev/null || true
        summary_args+=(--neighbours-states "${states:-$MD_MODULE=absent,membership=absent,queue_job=absent}"
            --neighbours-install-log "$OUT/neighbours-install.log"
            --neighbours-shared-fields "$OUT/neighbours-shared-fields.txt")
        if [ "$states" = "membership=installed,$MD_MODULE=installed,queue_job=installed" ]; then
            say "running the neighbours' tests in $NB_DB (log $OUT/neighbours.log)"
            set +e
            MD_NEIGHBOUR_TAGS="$MD_NEIGHBOUR_TAGS" MD_NEIGHBOUR_MODULES="$MD_NEIGHBOUR_MODULES" \
                odoo_bin shell -d "$NB_DB" --addons-path="$NB_ADDONS" --data-dir="$NB_DATA" \
                --max-cron-threads=0 --workers=0 --http-interface=127.0.0.1 --http-port="$(free_port)" \
                --log-level=info <"$MD_ROOT/dev/neighbour_tests.py" >"$OUT/neighbours.log" 2>&1
            neighbours_rc=$?
            set -e
            summary_args+=(--neighbours-log "$OUT/neighbours.log" --neighbours-rc "$neighbours_rc"
                --neighbours-modules "$MD_NEIGHBOUR_MODULES" --neighbours-tags "$MD_NEIGHBOUR_TAGS")
        fi
    else
        summary_args+=(--neighbours-error "OCA membership or queue_job 19.0 (or openupgradelib) could not be had from PyPI")
    fi
    say "neighbour phase: $(($(date +%s) - neighbours_start)) s"
fi

if [ "$run_lint" = 1 ]; then
    # .pre-commit-config.yaml: ruff, ruff format, pylint-odoo, prettier, OCA's
    # module and translation checks, pre-commit-hooks' checks, the README check.
    # Local hooks only (dev/hook.sh): nothing is fetched from a git host.
    say "running the linters: pre-commit run --all-files (log $OUT/lint-pre-commit.log)"
    ensure_lint_venv
    ensure_node_tools
    set +e
    (cd "$MD_ROOT" && "$LINT_VENV/bin/pre-commit" run --all-files --show-diff-on-failure --color=never) \
        >"$OUT/lint-pre-commit.log" 2>&1
    lint_rc=$?
    set -e
    summary_args+=(--lint "pre-commit=$lint_rc=$OUT/lint-pre-commit.log")
fi

# not exec: the EXIT trap must still drop the test databases
"$VENV/bin/python" "$MD_ROOT/dev/test_summary.py" "${summary_args[@]}"
