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
#
# The machine has two cores: the whole run goes in two lanes at once, the
# module's Odoo tests in one, the process checks, the neighbours, the
# pure-Python tests and the linters one after the other in the second (each
# in its own database); MD_TEST_LANES=1 runs everything in one lane.
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
# Each phase hands its arguments of dev/test_summary.py through a file
# (a lane runs in a subshell): add_summary_args PHASE ARG...
add_summary_args() {
    local phase="$1"
    shift
    printf '%s\0' "$@" >>"$OUT/summary-$phase.args"
}

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

# What the phases share is made before the lanes start: the template, the
# test databases (and their names, for the cleanup), the OCA addons.
if [ $((run_odoo + run_process + run_neighbours)) -gt 0 ]; then
    ensure_template "$MD_TEST_EXTRA_MODULES" "$OUT/template.log"
fi
if [ "$run_odoo" = 1 ]; then
    TEST_DB="md_test_$$"
    TEST_DATA="$OUT/data"
    TEST_DBS+=("$TEST_DB") TEST_DIRS+=("$TEST_DATA")
    clone_template "$TEST_DB" "$TEST_DATA"
fi
# OCA queue_job 19.0 and its openupgradelib for the process checks (the check
# with its real job runner, test_queue_job_runner.py) and the neighbours; OCA
# membership 19.0 for the neighbours.
qj_addons="" membership_addons="" oca_pythonpath=""
if [ $((run_process + run_neighbours)) -gt 0 ]; then
    if ensure_oca_addon queue_job "==19.0.*"; then qj_addons="$OCA_ADDONS"; fi
    if ensure_oca_pydeps "openupgradelib==3.13.7"; then oca_pythonpath="$OCA_PYTHONPATH"; fi
fi
if [ "$run_neighbours" = 1 ] && ensure_oca_addon membership "==19.0.*"; then membership_addons="$OCA_ADDONS"; fi

phase_odoo() {
    local port odoo_rc module_state
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
    add_summary_args odoo --odoo-log "$OUT/odoo.log" --odoo-rc "$odoo_rc" --module "$MD_MODULE" \
        --module-state "${module_state:-absent}"
}

phase_pure() {
    local pure_rc
    say "running the pure-Python tests (tests/pure)"
    set +e
    (cd "$MD_ROOT" && "$VENV/bin/python" -m pytest -q -p no:cacheprovider \
        --junitxml="$OUT/pure.xml" tests/pure) >"$OUT/pure.log" 2>&1
    pure_rc=$?
    set -e
    add_summary_args pure --junit "$OUT/pure.xml" --junit-rc "$pure_rc" --junit-log "$OUT/pure.log"
}

phase_process() {
    local process_env process_rc
    say "running the crash and concurrency checks on real Odoo processes (tests/process)"
    mkdir -p "$OUT/process-data"
    # when queue_job cannot be had, its check fails saying so (MD_QUEUE_JOB_ERROR)
    if [ -n "$qj_addons" ] && [ -n "$oca_pythonpath" ]; then
        process_env=(MD_QUEUE_JOB_ADDONS="$qj_addons" PYTHONPATH="$oca_pythonpath${PYTHONPATH:+:$PYTHONPATH}")
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
    add_summary_args process --process-junit "$OUT/process.xml" --process-rc "$process_rc" \
        --process-log "$OUT/process.log"
}

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

NB_DB="md_neighbours_$$"
NB_DATA="$OUT/neighbours-data"
neighbours_ready=0
if [ "$run_neighbours" = 1 ] && [ -n "$membership_addons" ] && [ -n "$qj_addons" ] && [ -n "$oca_pythonpath" ]; then
    neighbours_ready=1
    TEST_DBS+=("$NB_DB") TEST_DIRS+=("$NB_DATA")
    clone_template "$NB_DB" "$NB_DATA"
fi

phase_neighbours() {
    local neighbours_start states neighbours_rc
    neighbours_start=$(date +%s)
    if [ "$neighbours_ready" = 1 ]; then
        NB_ADDONS="$ADDONS_PATH,$membership_addons,$qj_addons"
        # queue_job's external dependency openupgradelib (its migrations only)
        local -x PYTHONPATH="$oca_pythonpath${PYTHONPATH:+:$PYTHONPATH}"
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
        add_summary_args neighbours --neighbours-states "${states:-$MD_MODULE=absent,membership=absent,queue_job=absent}" \
            --neighbours-install-log "$OUT/neighbours-install.log" \
            --neighbours-shared-fields "$OUT/neighbours-shared-fields.txt"
        if [ "$states" = "membership=installed,$MD_MODULE=installed,queue_job=installed" ]; then
            say "running the neighbours' tests in $NB_DB (log $OUT/neighbours.log)"
            set +e
            MD_NEIGHBOUR_TAGS="$MD_NEIGHBOUR_TAGS" MD_NEIGHBOUR_MODULES="$MD_NEIGHBOUR_MODULES" \
                odoo_bin shell -d "$NB_DB" --addons-path="$NB_ADDONS" --data-dir="$NB_DATA" \
                --max-cron-threads=0 --workers=0 --http-interface=127.0.0.1 --http-port="$(free_port)" \
                --log-level=info <"$MD_ROOT/dev/neighbour_tests.py" >"$OUT/neighbours.log" 2>&1
            neighbours_rc=$?
            set -e
            add_summary_args neighbours --neighbours-log "$OUT/neighbours.log" --neighbours-rc "$neighbours_rc" \
                --neighbours-modules "$MD_NEIGHBOUR_MODULES" --neighbours-tags "$MD_NEIGHBOUR_TAGS"
        fi
    else
        add_summary_args neighbours \
            --neighbours-error "OCA membership or queue_job 19.0 (or openupgradelib) could not be had from PyPI"
    fi
    say "neighbour phase: $(($(date +%s) - neighbours_start)) s"
}

phase_lint() {
    local lint_rc
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
    add_summary_args lint --lint "pre-commit=$lint_rc=$OUT/lint-pre-commit.log"
}

# The phases of one lane, one after the other: run_lane PHASE...
run_lane() {
    local phase start
    for phase in "$@"; do
        start=$(date +%s)
        "phase_$phase"
        echo "$phase $(($(date +%s) - start))" >>"$OUT/phase-times"
    done
}

lane_one=() lane_two=()
[ "$run_odoo" = 1 ] && lane_one+=(odoo)
[ "$run_process" = 1 ] && lane_two+=(process)
[ "$run_neighbours" = 1 ] && lane_two+=(neighbours)
[ "$run_pure" = 1 ] && lane_two+=(pure)
[ "$run_lint" = 1 ] && lane_two+=(lint)
run_start=$(date +%s)
if [ "${MD_TEST_LANES:-2}" -ge 2 ] && [ ${#lane_one[@]} -gt 0 ] && [ ${#lane_two[@]} -gt 0 ]; then
    run_lane "${lane_two[@]}" &
    lane_two_pid=$!
    run_lane "${lane_one[@]}"
    wait "$lane_two_pid" || true
else
    run_lane "${lane_one[@]}" "${lane_two[@]}"
fi
say "phases (s): $(paste -sd, "$OUT/phase-times" 2>/dev/null | sed 's/ /=/g'); whole run $(($(date +%s) - run_start)) s"
for phase in "${lane_one[@]}" "${lane_two[@]}"; do
    if [ -f "$OUT/summary-$phase.args" ]; then
        mapfile -d '' -t phase_args <"$OUT/summary-$phase.args"
        summary_args+=("${phase_args[@]}")
    else
        summary_args+=(--phase-error "$phase (see the output above)")
    fi
done

# not exec: the EXIT trap must still drop the test databases
"$VENV/bin/python" "$MD_ROOT/dev/test_summary.py" "${summary_args[@]}"
