# Run inside `odoo-bin shell` (dev/bench.sh fees): seeds members with
# declarations and categories, then measures the fee computation of all of
# them with a 5-component tariff, batch by batch: wall time and SQL queries.
# pylint: skip-file
import json
import os
import statistics
import time
from datetime import date

from odoo import Command

members = int(os.environ.get("MD_BENCH_MEMBERS", "10000"))
batch = int(os.environ.get("MD_BENCH_BATCH", "1000"))
env = env(context=dict(env.context, tracking_disable=True, mail_create_nolog=True, mail_notrack=True))  # noqa: F821
turnover, payroll, headcount = (
    env.ref(f"membership_dues.figure_{code}") for code in ("turnover", "payroll", "headcount")
)

seed_start = time.perf_counter()
categories = env["membership.category"].create(
    [{"name": f"Sector {i}", "dimension": "sector"} for i in range(4)]
    + [{"name": f"Region {i}", "dimension": "region"} for i in range(3)]
)
partners = env["res.partner"]
for start in range(0, members, batch):
    partners |= env["res.partner"].create(
        [
            {
                "name": f"Member {i:06d}",
                "is_company": True,
                "dues_category_ids": [Command.set([categories[i % 4].id, categories[4 + i % 3].id])],
            }
            for i in range(start, min(start + batch, members))
        ]
    )
for start in range(0, members, batch):
    env["membership.declaration"].create(
        [
            {
                "partner_id": partner.id,
                "year": 2027,
                "state": "validated",
                "line_ids": [
                    Command.create({"figure_id": turnover.id, "value": (i * 7919) % 5_000_000}),
                    Command.create({"figure_id": payroll.id, "value": (i * 104_729) % 3_000_000}),
                    Command.create({"figure_id": headcount.id, "value": i % 150}),
                ],
            }
            for i, partner in enumerate(partners[start : start + batch], start)
        ]
    )
product = env["product.product"].create({"name": "Dues", "type": "service"})
tariff = env["membership.tariff"].create({"name": "Benchmark tariff"})
version = env["membership.tariff.version"].create(
    {
        "tariff_id": tariff.id,
        "name": "2027",
        "date_from": "2027-01-01",
        "floor": 150,
        "ceiling": 15000,
        "rounding": "1",
        "component_ids": [
            Command.create(
                {
                    "name": "Base",
                    "kind": "step",
                    "figure_id": turnover.id,
                    "bracket_ids": [
                        Command.create({"sequence": 1, "lower": 0, "upper": 1_000_000, "amount": 300}),
                        Command.create({"sequence": 2, "lower": 1_000_000, "upper": 2_000_000, "amount": 450}),
                        Command.create({"sequence": 3, "lower": 2_000_000, "amount": 600}),
                    ],
                }
            ),
            Command.create(
                {
                    "name": "Payroll",
                    "kind": "marginal",
                    "figure_id": payroll.id,
                    "figure_cap": 235_500,
                    "bracket_ids": [
                        Command.create({"sequence": 1, "lower": 0, "upper": 47_100, "rate": 0.1775}),
                        Command.create({"sequence": 2, "lower": 47_100, "rate": 0.06}),
                    ],
                }
            ),
            Command.create(
                {
                    "name": "Solidarity",
                    "kind": "interpolated",
                    "figure_id": payroll.id,
                    "maximum": 1000,
                    "bracket_ids": [
                        Command.create({"sequence": 1, "lower": 0, "upper": 18_840}),
                        Command.create({"sequence": 2, "lower": 18_840, "upper": 28_260, "rate": 0, "rate_to": 0.4}),
                        Command.create({"sequence": 3, "lower": 28_260, "rate": 0.4}),
                    ],
                }
            ),
            Command.create(
                {
                    "name": "Staff",
                    "kind": "per_unit",
                    "figure_id": headcount.id,
                    "bracket_ids": [
                        Command.create({"sequence": 1, "lower": 0, "upper": 10, "amount": 12}),
                        Command.create({"sequence": 2, "lower": 10, "upper": 50, "amount": 8}),
                        Command.create({"sequence": 3, "lower": 50, "amount": 4}),
                    ],
                }
            ),
            Command.create({"name": "Admin", "kind": "flat", "amount": 25}),
        ],
    }
)
version.coefficient_ids = [Command.create({"category_id": categories[4].id, "factor": 0.9})]
version.action_adopt()
plan = env["membership.plan"].create(
    {"name": "Benchmark plan", "product_id": product.id, "tariff_id": tariff.id, "fallback_mode": "none"}
)
env.flush_all()
seed_seconds = time.perf_counter() - seed_start

rows = []
total_start = time.perf_counter()
for start in range(0, members, batch):
    chunk = partners[start : start + batch]
    env.invalidate_all()
    queries_before = env.cr.sql_log_count
    chunk_start = time.perf_counter()
    quotes = plan._compute_period_fees(chunk, date(2027, 1, 1))
    seconds = time.perf_counter() - chunk_start
    assert all(q.amount is not None for q in quotes.values())
    rows.append({"members": len(chunk), "seconds": seconds, "queries": env.cr.sql_log_count - queries_before})
total_seconds = time.perf_counter() - total_start
query_counts = sorted({row["queries"] for row in rows})
result = {
    "members": members,
    "batch": batch,
    "seed_seconds": round(seed_seconds, 1),
    "total_seconds": round(total_seconds, 2),
    "fees_per_second": round(members / total_seconds),
    "median_batch_seconds": round(statistics.median(r["seconds"] for r in rows), 3),
    "queries_per_batch": query_counts,
}
print(f"seeding {members:,} members with declarations: {result['seed_seconds']} s (not part of the measure)")
print(f"{'batch':>6} {'members':>8} {'seconds':>8} {'queries':>8}")
for index, row in enumerate(rows, 1):
    print(f"{index:>6} {row['members']:>8} {row['seconds']:>8.3f} {row['queries']:>8}")
print(
    f"fees of {members:,} members inside Odoo: {result['total_seconds']} s "
    f"({result['fees_per_second']:,} fees/s), queries per batch of {batch}: {query_counts} "
    f"({'independent of the number of members' if len(query_counts) == 1 else 'varies by batch'})"
)
if os.environ.get("MD_BENCH_JSON"):
    with open(os.environ["MD_BENCH_JSON"], "w", encoding="utf-8") as handle:
        json.dump({**result, "batches": rows}, handle, indent=2)
env.cr.rollback()
