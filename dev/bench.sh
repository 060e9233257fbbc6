#!/usr/bin/env bash
# Benchmarks (not part of make test): figures are measured, never asserted.
#
#   make bench                 # both benchmarks below
#   bash dev/bench.sh engine # pure tariff engine: fees per second, 5-component grid
#   bash dev/bench.sh fees   # fees of MD_BENCH_MEMBERS (default 10,000) members inside Odoo
#   bash dev/bench.sh campaign  # a renewal season of MD_BENCH_MEMBERS members, step by step, beside
#                                 # Odoo's own invoice floor and OCA contract, each phase on its own
#                                 # copy of one seeded database; MD_BENCH_ROUNDS rounds (default 3 up to
#                                 # 2,000 members, else 1), medians reported (not part of `all`: long).
#                                 # MD_BENCH_SIZES=1000,10000[,100000]: a season per size, then one table
#                                 # of the figures per member side by side and the projection for
#                                 # 500,000 members (dev/bench_report.py --sizes); MD_BENCH_FLOOR_MAX and
#                                 # MD_BENCH_CONTRACT_MAX: the largest size at which the floor and OCA
#                                 # contract run (default every size; at 100,000 they take hours);
#                                 # MD_BENCH_SKIP_STEPS="4b": steps of the season left out
#                                 # The follow-up step runs in batches of MD_BENCH_FOLLOWUP_CHUNK
#                                 # (default 50, the scheduled action's own), the others of MD_BENCH_CHUNK
#   bash dev/bench.sh workers   # one renewal season of MD_BENCH_MEMBERS (default 2,000) members run by 1, then
#                                 # by MD_BENCH_WORKERS (default 2) processes at once, each on its own copy
#                                 # of one seeded database: wall times (not part of `all`).
#                                 # MD_BENCH_AUTO_SHARE (default 0.1): the share of auto-renewed
#                                 # members; MD_BENCH_CHUNK (default 200): the batch size;
#                                 # MD_BENCH_CAMPAIGNS (default "notices auto"): the campaigns run;
#                                 # MD_BENCH_SAMPLE=1: pg_stat_activity sampled every 0.1 s during each
#                                 # run (wait events counted); MD_BENCH_VERBOSE=1: each batch's times;
#                                 # MD_BENCH_ROUNDS (default 1): rounds of 1 then N workers, same seed
#   bash dev/bench.sh auto-renewal  # the auto-renewal path batch by batch (seconds and queries of
#                                 # each batch), after the bulk approval of the other members, on a
#                                 # season of MD_BENCH_MEMBERS members (dev/bench_auto_renewal.py)
#   bash dev/bench.sh pieces    # what one piece of Odoo's invoice creation costs: the floor's batch create
#                                 # and post of MD_BENCH_MEMBERS (default 3,000) invoices in variants
#                                 # taken batch by batch in turns (dev/bench_invoice_pieces.py), then
#                                 # the documents of every variant compared
#   bash dev/bench.sh install   # installing the module on a database holding MD_BENCH_PARTNERS
#                                 # (default 50,000) partners
#
# MD_BENCH_KEEP=1: the seeded databases (md_bench_*_PID) and their data dir are
# kept at the end, for a look at what a step left (drop them by hand).
# Results are printed and written as JSON under $MD_HOME/benchmark-results/;
# the newest of each kind are then written into dev/BENCHMARKS.rst (Latest results).
source "$(dirname "$0")/lib.sh"

what="${1:-all}"
setup_all
RESULTS="$MD_HOME/benchmark-results"
mkdir -p "$RESULTS"
STAMP="$(date +%Y%m%d-%H%M%S)"

# create_seed_db ADDONS MODULES: the database $SEED with MODULES installed (no
# demo data), its data dir $DATA; every md_bench_*_$$ database and $DATA are
# dropped when the script exits.
create_seed_db() {
    SEED="md_bench_seed_$$"
    DATA="$MD_HOME/data-bench-$$"
    cleanup() {
        if [ -n "${MD_BENCH_KEEP:-}" ]; then  # left for a look (EXPLAIN...): drop them by hand
            say "kept: databases md_bench_%_$$ and $DATA"
            return
        fi
        for db in $(psql -d postgres -Atc "SELECT datname FROM pg_database WHERE datname LIKE 'md_bench_%_$$'"); do
            dropdb --if-exists --force "$db" 2>/dev/null || true
        done
        rm -rf "$DATA"
    }
    trap cleanup EXIT
    say "creating $SEED with $2 (no demo data)"
    odoo_bin -d "$SEED" --addons-path="$1" --data-dir="$DATA" -i "$2" \
        --stop-after-init --no-http --max-cron-threads=0 --log-level=warn >"$RESULTS/bench-install.log" 2>&1 \
        || { tail -n 30 "$RESULTS/bench-install.log" >&2; die "installing the module failed"; }
}

if [ "$what" = engine ] || [ "$what" = all ]; then
    "$VENV/bin/python" "$MD_ROOT/dev/bench_engine.py" --json "$RESULTS/engine-$STAMP.json"
fi

if [ "$what" = fees ] || [ "$what" = all ]; then
    deps="$(manifest_depends)"
    DB="md_bench_$$"
    DATA="$MD_HOME/data-bench-$$"
    cleanup() { dropdb --if-exists --force "$DB" 2>/dev/null || true; rm -rf "$DATA"; }
    trap cleanup EXIT
    say "creating $DB with the module (no demo data)"
    odoo_bin -d "$DB" --addons-path="$ADDONS_PATH" --data-dir="$DATA" -i "$deps,$MD_MODULE" \
        --stop-after-init --no-http --max-cron-threads=0 --log-level=warn >"$RESULTS/bench-install.log" 2>&1 \
        || { tail -n 30 "$RESULTS/bench-install.log" >&2; die "installing the module failed"; }
    say "seeding ${MD_BENCH_MEMBERS:-10000} members and computing their fees"
    MD_BENCH_JSON="$RESULTS/fees-$STAMP.json" odoo_bin shell -d "$DB" --addons-path="$ADDONS_PATH" \
        --data-dir="$DATA" --no-http --log-level=warn <"$MD_ROOT/dev/bench_fees.py"
fi

if [ "$what" = campaign ]; then
    deps="$(manifest_depends)"
    # OCA contract 19.0 from PyPI, unzipped onto the addons path (never pip-installed)
    extra=""
    addons="$ADDONS_PATH"
    if ensure_oca_addon contract "==19.0.*"; then
        extra=",contract"
        addons="$ADDONS_PATH,$OCA_ADDONS"
    else
        say "OCA contract unavailable: its baseline is left out"
    fi
    # MD_BENCH_SIZES=1000,10000[,100000]: one season per size (smallest first),
    # then one table of them side by side; without it, the single size
    # MD_BENCH_MEMBERS (default 10,000). 100,000 runs only when asked for.
    sizes="$(echo "${MD_BENCH_SIZES:-${MD_BENCH_MEMBERS:-10000}}" | tr ', ' '\n\n' | sed '/^$/d' | sort -nu)"
    for size in $sizes; do
        [[ "$size" =~ ^[1-9][0-9]*$ ]] || die "MD_BENCH_SIZES: '$size' is not a number of members"
    done
    # The baselines' largest sizes (default: every size): the floor and OCA
    # contract take hours at 100,000 members.
    floor_max="${MD_BENCH_FLOOR_MAX:-}"
    contract_max="${MD_BENCH_CONTRACT_MAX:-}"
    # The modules are installed once ($SEED), then copied and seeded per size.
    create_seed_db "$addons" "$deps,$MD_MODULE$extra"
    phase() {  # phase DB NAME: run one phase of dev/bench_campaign.py on DB
        MD_BENCH_PHASE="$2" MD_BENCH_ROWS="$ROWS" odoo_bin shell -d "$1" --addons-path="$addons" \
            --data-dir="$DATA" --no-http --log-level=warn <"$MD_ROOT/dev/bench_campaign.py" \
            || die "benchmark phase $2 failed"
    }
    copy_db() {  # copy_db FROM TO: a database and its filestore
        createdb -T "$1" "$2"
        if [ -d "$DATA/filestore/$1" ]; then cp -r "$DATA/filestore/$1" "$DATA/filestore/$2"; fi
    }
    drop_db() {
        dropdb --force "$1"
        rm -rf "${DATA:?}/filestore/$1"
    }
    results=()
    for members in $sizes; do
        export MD_BENCH_MEMBERS="$members"
        rounds="${MD_BENCH_ROUNDS:-}"
        if [ -z "$rounds" ]; then
            if [ "$members" -le 2000 ]; then rounds=3; else rounds=1; fi
        fi
        ROWS="$RESULTS/campaign-$members-$STAMP.jsonl"
        seeded="md_bench_seeded_$$"
        copy_db "$SEED" "$seeded"
        say "seeding $members members"
        phase "$seeded" seed
        # Every phase starts from its own copy of the seeded database; rounds alternate them.
        phases="ours"
        if [ -z "$floor_max" ] || [ "$members" -le "$floor_max" ]; then phases="$phases floor"; fi
        if [ -n "$extra" ] && { [ -z "$contract_max" ] || [ "$members" -le "$contract_max" ]; }; then
            phases="$phases contract"
        fi
        for round in $(seq 1 "$rounds"); do
            for name in $phases; do
                db="md_bench_${name}_$$"
                copy_db "$seeded" "$db"
                say "$members members, round $round/$rounds: $name"
                phase "$db" "$name"
                drop_db "$db"
            done
        done
        drop_db "$seeded"
        "$VENV/bin/python" "$MD_ROOT/dev/bench_report.py" "$ROWS" "$RESULTS/campaign-$members-$STAMP.json"
        results+=("$RESULTS/campaign-$members-$STAMP.json")
    done
    if [ -n "${MD_BENCH_SIZES:-}" ]; then
        "$VENV/bin/python" "$MD_ROOT/dev/bench_report.py" --sizes "$RESULTS/sizes-$STAMP.json" "${results[@]}"
    fi
fi

if [ "$what" = workers ]; then
    deps="$(manifest_depends)"
    export MD_BENCH_MEMBERS="${MD_BENCH_MEMBERS:-2000}"
    many="${MD_BENCH_WORKERS:-2}"
    create_seed_db "$ADDONS_PATH" "$deps,$MD_MODULE"
    say "seeding $MD_BENCH_MEMBERS members"
    MD_BENCH_PHASE=seed odoo_bin shell -d "$SEED" --addons-path="$ADDONS_PATH" --data-dir="$DATA" --no-http \
        --log-level=warn <"$MD_ROOT/dev/bench_campaign.py" || die "seeding failed"
    ROWS="$RESULTS/workers-$MD_BENCH_MEMBERS-$STAMP.jsonl"
    shell() {  # shell DB PHASE: dev/bench_workers.py in odoo-bin shell on DB
        MD_BENCH_PHASE="$2" MD_BENCH_ROWS="$ROWS" odoo_bin shell -d "$1" --addons-path="$ADDONS_PATH" \
            --data-dir="$DATA" --no-http --max-cron-threads=0 --log-level=warn <"$MD_ROOT/dev/bench_workers.py"
    }
    for round in $(seq 1 "${MD_BENCH_ROUNDS:-1}"); do
    for workers in 1 "$many"; do
        export MD_BENCH_ROUND="$round"
        db="md_bench_w${workers}_$$"
        createdb -T "$SEED" "$db"
        if [ -d "$DATA/filestore/$SEED" ]; then cp -r "$DATA/filestore/$SEED" "$DATA/filestore/$db"; fi
        shell "$db" prepare || die "preparing the campaigns failed"
        for campaign in ${MD_BENCH_CAMPAIGNS:-notices auto}; do
            say "$campaign campaign, $workers worker(s)"
            barrier="$(mktemp -d)"
            pids=()
            for _ in $(seq 1 "$workers"); do
                MD_BENCH_CAMPAIGN="$campaign" MD_BENCH_WORKERS="$workers" MD_BENCH_BARRIER="$barrier" \
                    shell "$db" work &
                pids+=($!)
            done
            sampler=""
            if [ -n "${MD_BENCH_SAMPLE:-}" ]; then
                # what the workers' sessions wait on, every 0.1 s (one psql session), until they end
                samples="$RESULTS/workers-activity-$campaign-$workers-$round-$STAMP.tsv"
                printf '%s \\watch 0.1\n' "SELECT clock_timestamp(), pid, state,
                    coalesce(wait_event_type, '-'), coalesce(wait_event, '-'), pg_blocking_pids(pid),
                    left(regexp_replace(query, '\s+', ' ', 'g'), 160)
                    FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()
                    AND backend_type = 'client backend'" \
                    | psql -d "$db" -AtF $'\t' >>"$samples" 2>/dev/null &
                sampler=$!
            fi
            for pid in "${pids[@]}"; do wait "$pid" || die "a worker failed"; done
            if [ -n "$sampler" ]; then
                kill "$sampler" 2>/dev/null || true  # the sampler's psql ($! of the pipeline)
                wait "$sampler" 2>/dev/null || true
                say "sessions sampled: $samples (state, wait event: samples)"
                cut -f3-5 "$samples" | sort | uniq -c | sort -rn | head -n 12
            fi
            rm -rf "$barrier"
        done
        dropdb --force "$db"
        rm -rf "${DATA:?}/filestore/$db"
    done
    done
    "$VENV/bin/python" "$MD_ROOT/dev/bench_workers.py" "$ROWS" "$RESULTS/workers-$MD_BENCH_MEMBERS-$STAMP.json"
fi

if [ "$what" = auto-renewal ]; then
    deps="$(manifest_depends)"
    create_seed_db "$ADDONS_PATH" "$deps,$MD_MODULE"
    say "seeding ${MD_BENCH_MEMBERS:-10000} members"
    MD_BENCH_PHASE=seed odoo_bin shell -d "$SEED" --addons-path="$ADDONS_PATH" --data-dir="$DATA" --no-http \
        --log-level=warn <"$MD_ROOT/dev/bench_campaign.py"
    MD_BENCH_BULK="${MD_BENCH_BULK-1}" odoo_bin shell -d "$SEED" --addons-path="$ADDONS_PATH" --data-dir="$DATA" \
        --no-http --log-level=warn <"$MD_ROOT/dev/bench_auto_renewal.py" \
        | tee "$RESULTS/auto-renewal-${MD_BENCH_MEMBERS:-10000}-$STAMP.txt"
fi

if [ "$what" = pieces ]; then
    deps="$(manifest_depends)"
    export MD_BENCH_MEMBERS="${MD_BENCH_MEMBERS:-3000}"
    create_seed_db "$ADDONS_PATH" "$deps,$MD_MODULE"
    say "seeding $MD_BENCH_MEMBERS members"
    MD_BENCH_PHASE=seed odoo_bin shell -d "$SEED" --addons-path="$ADDONS_PATH" --data-dir="$DATA" --no-http \
        --log-level=warn <"$MD_ROOT/dev/bench_campaign.py" || die "seeding failed"
    MD_BENCH_CHUNK="${MD_BENCH_CHUNK:-100}" odoo_bin shell -d "$SEED" --addons-path="$ADDONS_PATH" \
        --data-dir="$DATA" --no-http --log-level=warn <"$MD_ROOT/dev/bench_invoice_pieces.py" \
        | tee "$RESULTS/pieces-$MD_BENCH_MEMBERS-$STAMP.txt"
    [ "${PIPESTATUS[0]}" = 0 ] || die "the variants did not make the same documents"
fi

if [ "$what" = install ]; then
    ensure_template "" "$RESULTS/template.log"
    DB="md_bench_install_$$"
    DATA="$MD_HOME/data-bench-$$"
    cleanup() { dropdb --if-exists --force "$DB" 2>/dev/null || true; rm -rf "$DATA"; }
    trap cleanup EXIT
    clone_template "$DB" "$DATA"
    partners="${MD_BENCH_PARTNERS:-50000}"
    say "adding $partners partners to $DB"
    psql -d "$DB" -qc "INSERT INTO res_partner (name, complete_name, type, active, is_company, email, lang, autopost_bills,
            commercial_partner_id, create_date, write_date, create_uid, write_uid)
        SELECT 'Partner ' || i, 'Partner ' || i, 'contact', TRUE, i % 3 = 0, 'partner' || i || '@example.com',
            'en_US', 'ask', NULL, now(), now(), 1, 1 FROM generate_series(1, $partners) i;
        UPDATE res_partner SET commercial_partner_id = id WHERE commercial_partner_id IS NULL;"
    say "installing $MD_MODULE"
    start=$(date +%s.%N)
    odoo_bin -d "$DB" --addons-path="$ADDONS_PATH" --data-dir="$DATA" -i "$MD_MODULE" \
        --stop-after-init --no-http --max-cron-threads=0 --log-level=warn >"$RESULTS/bench-install-$partners.log" 2>&1 \
        || { tail -n 30 "$RESULTS/bench-install-$partners.log" >&2; die "installing the module failed"; }
    seconds=$(echo "$(date +%s.%N) - $start" | bc)
    printf '{"partners": %s, "install_seconds": %.1f}\n' "$partners" "$seconds" | tee "$RESULTS/install-$partners-$STAMP.json"
    say "installing $MD_MODULE on a database with $partners partners: ${seconds%.*} s (target: under 60 s)"
fi

# The newest result of each benchmark into dev/BENCHMARKS.rst ("Latest results");
# the workers' and the pieces' figures are written there by hand, under their date.
[ "$what" = workers ] || [ "$what" = pieces ] || "$VENV/bin/python" "$MD_ROOT/dev/bench_report.py" --doc "$RESULTS"
