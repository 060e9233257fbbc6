# Several workers on one campaign (dev/bench.sh workers). Phases (MD_BENCH_PHASE):
#   prepare  inside `odoo-bin shell`, on a copy of the database that
#            dev/bench_campaign.py seeded: the two campaigns of the season,
#            running (notices for the company and individual plans; the
#            auto-renewals, invoiced and posted);
#   work     inside `odoo-bin shell`, one of MD_BENCH_WORKERS processes: waits
#            for the others (a "ready" file each in MD_BENCH_BARRIER), runs the
#            campaign MD_BENCH_CAMPAIGN until this worker has nothing left,
#            appends {workers, campaign, worker, start, end, processed} to
#            MD_BENCH_ROWS;
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


def work():
    key = os.environ["MD_BENCH_CAMPAIGN"]
    workers = int(os.environ["MD_BENCH_WORKERS"])
    barrier = os.environ["MD_BENCH_BARRIER"]
    batch_size = int(os.environ.get("MD_BENCH_CHUNK", "200"))
    campaign = env["membership.renewal.campaign"].search([("name", "=", CAMPAIGNS[key][0])])  # noqa: F821
    campaign = campaign.with_context(membership_skip_emails=True)
    Campaign = type(campaign)
    original = Campaign._process
    processed = [0]

    def counting(self, subscriptions):
        original(self, subscriptions)
        processed[0] += len(subscriptions)

    Campaign._process = counting
    with open(os.path.join(barrier, f"ready-{os.getpid()}"), "w"):
        pass
    while sum(f.startswith("ready-") for f in os.listdir(barrier)) < workers:
        time.sleep(0.02)
    start = time.time()
    while not campaign._run(batch_size=batch_size):
        pass
    env.cr.commit()  # noqa: F821
    end = time.time()
    row = {"workers": workers, "campaign": key, "worker": os.getpid(), "start": start, "end": end}
    row["processed"] = processed[0]
    with open(os.environ["MD_BENCH_ROWS"], "a", encoding="utf-8") as handle:
        handle.write(json.dumps(row) + "\n")
    print(f"  worker {os.getpid()}: {processed[0]} members in {end - start:.1f} s", flush=True)


def report(rows_path, out_path):
    with open(rows_path, encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    runs = {}
    for row in rows:
        runs.setdefault((row["campaign"], row["workers"]), []).append(row)
    results = []
    for (campaign, workers), group in sorted(runs.items()):
        wall = max(r["end"] for r in group) - min(r["start"] for r in group)
        members = sum(r["processed"] for r in group)
        results.append(
            {
                "campaign": campaign,
                "workers": workers,
                "members": members,
                "seconds": round(wall, 1),
                "per_worker": [r["processed"] for r in group],
            }
        )
    base = {r["campaign"]: r["seconds"] for r in results if r["workers"] == 1}
    print(f"{'campaign':10} {'workers':>7} {'members':>8} {'seconds':>8} {'speed-up':>8}  members per worker")
    for result in results:
        speedup = base.get(result["campaign"], 0) / result["seconds"] if result["seconds"] else 0
        result["speedup"] = round(speedup, 2)
        print(
            f"{result['campaign']:10} {result['workers']:>7} {result['members']:>8} {result['seconds']:>8.1f} "
            f"{speedup:>7.2f}x  {result['per_worker']}"
        )
    with open(out_path, "w", encoding="utf-8") as handle:
        json.dump(results, handle, indent=1)


if phase == "prepare":
    prepare()
elif phase == "work":
    work()
else:
    report(sys.argv[1], sys.argv[2])
