# Several workers on one campaign (dev/bench.sh workers). Phases (MD_BENCH_PHASE):
#   prepare  inside `odoo-bin shell`, on a copy of the database that
#            dev/bench_campaign.py seeded: the two campaigns of the season,
#            running (notices for the company and individual plans; the
#            auto-renewals, invoiced and posted);
#   work     inside `odoo-bin shell`, one of MD_BENCH_WORKERS processes: waits
#            for the others (a "ready" file each in MD_BENCH_BARRIER), runs the
#            campaign MD_BENCH_CAMPAIGN until this worker has nothing left,
#            appends {workers, campaign, worker, start, end, processed} to
#            MD_BENCH_ROWS, with the times of each batch (start, posting start
#            and end, end before its commit, size, first invoice number,
#            commit: seconds from the worker's start; printed with
#            MD_BENCH_VERBOSE=1), the CPU seconds of the worker and of its
#            PostgreSQL backend, the numbers Odoo's numbering found taken, how
#            long the batches held the journal's numbering, the load and the
#            share of the run during which a task waited for a CPU;
#   report   plain Python (no MD_BENCH_PHASE): python dev/bench_workers.py ROWS
#            OUT.json prints the wall time of each campaign with 1 and with N
#            workers (first start to last end) and writes them as JSON.
# Emails are left out (membership_skip_emails), as in bench_campaign.py.
# pylint: skip-file
import json
import os
import sys
import time

phase = os.environ.get("MD_BENCH_PHASE", "report")
CAMPAIGNS = {"notices": ("Notices", ["Company member", "Individual"]), "auto": ("Auto-renewals", ["Auto-renewed"])}


def prepare():
    for name, plan_names in CAMPAIGNS.values():
        plans = env["membership.plan"].search([("name", "in", plan_names)])  # noqa: F821
        env["membership.renewal.campaign"].create(  # noqa: F821
            {
                "name": name,
                "plan_ids": [(6, 0, plans.ids)],
                "date_from": "2026-12-31",
                "date_to": "2026-12-31",
                "send_on_launch": False,
                "state": "running",
            }
        )
    env.cr.commit()  # noqa: F821


def _cpu_stall_seconds():
    """Seconds during which some task of the machine waited for a CPU
    (/proc/pressure/cpu, "some" total; Linux >= 4.20 with PSI), or None:
    how much the other jobs on the machine competed with the workers."""
    try:
        with open("/proc/pressure/cpu", encoding="ascii") as handle:
            line = handle.readline()
        return int(line.rsplit("total=", 1)[1]) / 1e6
    except (OSError, ValueError, IndexError):
        return None


def _cpu_seconds(pid):
    """CPU seconds (user + system) of process ``pid`` from /proc, or None."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def work():
    import psycopg2.errors

    key = os.environ["MD_BENCH_CAMPAIGN"]
    workers = int(os.environ["MD_BENCH_WORKERS"])
    barrier = os.environ["MD_BENCH_BARRIER"]
    batch_size = int(os.environ.get("MD_BENCH_CHUNK", "200"))
    campaign = env["membership.renewal.campaign"].search([("name", "=", CAMPAIGNS[key][0])])  # noqa: F821
    campaign = campaign.with_context(membership_skip_emails=True)
    Campaign = type(campaign)
    Move = type(env["account.move"])  # noqa: F821
    original, original_post = Campaign._process, Move._post
    processed = [0]
    # per batch: [process start, posting start, posting end, process end, size, first number, commit]
    batches = []

    def counting(self, subscriptions):
        batch = [time.time(), None, None, None, len(subscriptions), None, None]
        batches.append(batch)
        original(self, subscriptions)
        batch[3] = time.time()
        processed[0] += len(subscriptions)

    def timed_post(self, *args, **kwargs):
        if batches and batches[-1][1] is None:
            batches[-1][1] = time.time()
        result = original_post(self, *args, **kwargs)
        if batches:
            batches[-1][2] = time.time()
        return result

    Campaign._process = counting
    Move._post = timed_post
    original_increment = Move._locked_increment

    def timed_increment(self, *args, **kwargs):
        result = original_increment(self, *args, **kwargs)
        if batches and batches[-1][5] is None:
            batches[-1][5] = time.time()  # the journal's numbering is locked from here to the commit
        return result

    Move._locked_increment = timed_increment
    # the numbers Odoo's numbering tried and found taken (another worker's,
    # committed after this transaction's snapshot), and the seconds they took
    retries = [0, 0.0]
    cr = env.cr  # noqa: F821
    execute = cr.execute

    def counted_execute(query, params=None, log_exceptions=True):
        started = time.time()
        try:
            return execute(query, params, log_exceptions=log_exceptions)
        except psycopg2.errors.UniqueViolation:
            retries[0] += 1
            retries[1] += time.time() - started
            raise

    cr.execute = counted_execute
    commit = cr.commit

    def timed_commit():
        result = commit()
        if batches and batches[-1][3] is not None and batches[-1][6] is None:
            batches[-1][6] = time.time()
        return result

    cr.commit = timed_commit
    with open(os.path.join(barrier, f"ready-{os.getpid()}"), "w"):
        pass
    while sum(f.startswith("ready-") for f in os.listdir(barrier)) < workers:
        time.sleep(0.02)
    env.cr.execute("SELECT pg_backend_pid()")  # noqa: F821
    backend = env.cr.fetchone()[0]  # noqa: F821
    start, cpu_start, db_start = time.time(), time.process_time(), _cpu_seconds(backend)
    stall_start, load_start = _cpu_stall_seconds(), os.getloadavg()[0]
    while not campaign._run(batch_size=batch_size):
        pass
    env.cr.commit()  # noqa: F821
    end, cpu, db_cpu = time.time(), time.process_time() - cpu_start, _cpu_seconds(backend)
    stall = _cpu_stall_seconds()
    row = {"workers": workers, "campaign": key, "worker": os.getpid(), "start": start, "end": end}
    row["round"] = int(os.environ.get("MD_BENCH_ROUND", "1"))
    # CPU seconds of this process and of its PostgreSQL backend (None when /proc does not show it)
    row["cpu"] = round(cpu, 2)
    row["taken_numbers"] = retries[0]
    # the machine: load average (1 min) at the start, share of the run during which a task waited for a CPU
    row["load"] = round(load_start, 2)
    row["cpu_stall"] = round((stall - stall_start) / (end - start), 2) if stall is not None else None
    row["db_cpu"] = round(db_cpu - db_start, 2) if db_cpu is not None and db_start is not None else None
    row["processed"] = processed[0]
    row["batches"] = [
        [round(t - start, 3) if t else None for t in b[:4]]
        + [b[4]]
        + [round(t - start, 3) if t else None for t in b[5:]]
        for b in batches
    ]
    # how long each batch held the journal's numbering (first number to commit)
    held = [b[6] - b[5] for b in batches if b[5] and b[6]]
    row["numbering_held"] = round(sum(held), 2)
    with open(os.environ["MD_BENCH_ROWS"], "a", encoding="utf-8") as handle:
        handle.write(json.dumps(row) + "\n")
    print(
        f"  worker {os.getpid()}: {processed[0]} members in {end - start:.1f} s "
        f"(CPU: {row['cpu']} s Python, {row['db_cpu']} s its PostgreSQL backend; "
        f"{retries[0]} numbers found taken, {retries[1]:.2f} s; numbering held {row['numbering_held']} s; "
        f"load {row['load']}, "
        f"CPU waited for {row['cpu_stall']} of the time)",
        flush=True,
    )
    if os.environ.get("MD_BENCH_VERBOSE"):
        # each batch: start, posting, end of the batch (before its commit), in seconds from this worker's start
        for b_start, p_start, p_end, b_end, size, number, committed in row["batches"]:
            posting = f"posting {p_start:.2f}-{p_end:.2f}" if p_start is not None else "no posting"
            numbering = f", first number {number:.2f}" if number is not None else ""
            # not named ``commit``: timed_commit above calls that one at the shell's exit
            committing = f", committed {committed:.2f}" if committed is not None else ""
            print(
                f"    {os.getpid()} batch of {size}: {b_start:.2f}-{b_end:.2f}, {posting}{numbering}{committing}",
                flush=True,
            )


def report(rows_path, out_path):
    with open(rows_path, encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    runs = {}
    for row in rows:
        runs.setdefault((row["campaign"], row.get("round", 1), row["workers"]), []).append(row)
    results = []
    for (campaign, round_, workers), group in sorted(runs.items()):
        wall = max(r["end"] for r in group) - min(r["start"] for r in group)
        members = sum(r["processed"] for r in group)
        results.append(
            {
                "campaign": campaign,
                "round": round_,
                "workers": workers,
                "members": members,
                "seconds": round(wall, 1),
                "per_worker": [r["processed"] for r in group],
                "cpu": [r.get("cpu") for r in group],
                "db_cpu": [r.get("db_cpu") for r in group],
                "cpu_stall": max((r.get("cpu_stall") or 0) for r in group),
                "load": max((r.get("load") or 0) for r in group),
            }
        )
    base = {(r["campaign"], r["round"]): r["seconds"] for r in results if r["workers"] == 1}
    print(
        f"{'campaign':10} {'round':>5} {'workers':>7} {'members':>8} {'seconds':>8} {'speed-up':>8} {'load':>5} "
        f"{'stall':>5}  per worker (members; CPU s Python/PostgreSQL)"
    )
    for result in results:
        one = base.get((result["campaign"], result["round"]), 0)
        speedup = one / result["seconds"] if result["seconds"] else 0
        result["speedup"] = round(speedup, 2)
        print(
            f"{result['campaign']:10} {result['round']:>5} {result['workers']:>7} {result['members']:>8} "
            f"{result['seconds']:>8.1f} {speedup:>7.2f}x {result['load']:>5.2f} {result['cpu_stall']:>5.2f}  "
            + ", ".join(
                f"{n}; {c}/{d}" for n, c, d in zip(result["per_worker"], result["cpu"], result["db_cpu"], strict=True)
            )
        )
    with open(out_path, "w", encoding="utf-8") as handle:
        json.dump(results, handle, indent=1)


if phase == "prepare":
    prepare()
elif phase == "work":
    work()
else:
    report(sys.argv[1], sys.argv[2])
