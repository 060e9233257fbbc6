# Run inside `odoo-bin shell` (tools/bench.sh campaign): a renewal season of
# MD_BENCH_MEMBERS members measured step by step (wall time, SQL queries,
# peak memory), beside two baselines on the same data: Odoo's own batch
# create and post of the same invoices (the floor), and OCA contract's
# recurring-invoice cron when the module is installed. Every step commits per
# chunk, as the scheduled actions do. Prints a table, writes JSON.
# pylint: skip-file
import json
import os
import resource
import statistics
import time
from datetime import date

from odoo import Command

members = int(os.environ.get("MD_BENCH_MEMBERS", "10000"))
chunk = int(os.environ.get("MD_BENCH_CHUNK", "500"))
quiet = {"tracking_disable": True, "mail_create_nolog": True, "mail_notrack": True}
env = env(context=dict(env.context, **quiet))  # noqa: F821
cr = env.cr
has_contract = "contract.contract" in env


def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


rows = []


def measure(step, count, function, repeat=1):
    """Run ``function`` (it commits what it makes), ``repeat`` times when
    short; record the median seconds and the queries of one run."""
    timings, queries = [], None
    for _ in range(repeat):
        env.invalidate_all()
        before = cr.sql_log_count
        start = time.perf_counter()
        function()
        timings.append(time.perf_counter() - start)
        queries = cr.sql_log_count - before if queries is None else queries
    row = {
        "step": step,
        "n": count,
        "seconds": round(statistics.median(timings), 2),
        "queries": queries,
        "queries_per_member": round(queries / count, 1) if count else 0,
        "peak_mb": round(peak_mb()),
    }
    rows.append(row)
    print(f"  {step}: {row['seconds']} s, {queries} queries", flush=True)
    return row


def chunks(records):
    for start in range(0, len(records), chunk):
        yield records[start : start + chunk]


# ----------------------------------------------------------------------------
# Seeding (not measured as a step)
# ----------------------------------------------------------------------------
seed_start = time.perf_counter()
turnover, payroll, headcount = (env.ref(f"membership_dues.figure_{c}") for c in ("turnover", "payroll", "headcount"))
product = env["product.product"].create({"name": "Dues", "type": "service", "taxes_id": [Command.clear()]})
tariff = env["membership.tariff"].create({"name": "Benchmark tariff"})
version = env["membership.tariff.version"].create(
    {
        "tariff_id": tariff.id,
        "name": "2027",
        "date_from": "2027-01-01",
        "floor": 150,
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
            Command.create({"name": "Staff", "kind": "per_unit", "figure_id": headcount.id, "amount": 12}),
        ],
    }
)
version.action_adopt()
common = {"product_id": product.id, "period_rule": "calendar", "period_months": 12, "period_start_month": "1"}
plans = {
    "company": env["membership.plan"].create(
        {**common, "name": "Company member", "tariff_id": tariff.id, "fallback_mode": "none"}
    ),
    "individual": env["membership.plan"].create({**common, "name": "Individual", "fee_amount": 120.0}),
    "auto": env["membership.plan"].create(
        {**common, "name": "Auto-renewed", "fee_amount": 80.0, "renewal_mode": "invoice"}
    ),
}
mix = [("company", 6), ("individual", 3), ("auto", 1)]  # 60 % / 30 % / 10 %
partners_by_plan = {key: env["res.partner"] for key, _weight in mix}
cycle = [key for key, weight in mix for _ in range(weight)]
for batch in range(0, members, 1000):
    created = env["res.partner"].create(
        [
            {"name": f"Member {i:06d}", "email": f"member{i}@example.com", "is_company": True}
            for i in range(batch, min(batch + 1000, members))
        ]
    )
    for index, partner in enumerate(created, batch):
        partners_by_plan[cycle[index % len(cycle)]] |= partner
    cr.commit()
for batch in chunks(partners_by_plan["company"]):
    env["membership.declaration"].create(
        [
            {
                "partner_id": partner.id,
                "year": 2027,
                "state": "validated",
                "line_ids": [
                    Command.create({"figure_id": turnover.id, "value": (partner.id * 7919) % 5_000_000}),
                    Command.create({"figure_id": payroll.id, "value": (partner.id * 104_729) % 3_000_000}),
                    Command.create({"figure_id": headcount.id, "value": partner.id % 150}),
                ],
            }
            for partner in batch
        ]
    )
    cr.commit()
# Last year's period, paid (a free period counts as paid: no invoice to seed).
for key, partners in partners_by_plan.items():
    for batch in chunks(partners):
        env["membership.subscription"].create(
            [
                {
                    "partner_id": partner.id,
                    "plan_id": plans[key].id,
                    "date_start": date(2026, 1, 1),
                    "date_end": date(2026, 12, 31),
                    "amount": 0.0,
                    "full_amount": 0.0,
                }
                for partner in batch
            ]
        )
        cr.commit()
seed_seconds = time.perf_counter() - seed_start
print(f"seeded {members:,} members in {seed_seconds:.0f} s", flush=True)

# ----------------------------------------------------------------------------
# 1. the new fees of all members
# ----------------------------------------------------------------------------
fees = {}


def compute_fees():
    for key, partners in partners_by_plan.items():
        for batch in chunks(partners):
            for partner_id, quote in plans[key]._compute_period_fees(batch, date(2027, 1, 1)).items():
                fees[partner_id] = quote.amount


measure("1. fees of all members", members, compute_fees, repeat=3 if members <= 2000 else 1)


# ----------------------------------------------------------------------------
# 2. the campaign creating the renewal notices; 3b. the auto-renewal path
# ----------------------------------------------------------------------------
def campaign(keys, name):
    return env["membership.renewal.campaign"].create(
        {
            "name": name,
            "plan_ids": [Command.set([plans[k].id for k in keys])],
            "date_from": "2026-12-31",
            "date_to": "2026-12-31",
            "send_on_launch": False,
            "state": "running",
        }
    )


notice_campaign = campaign(["company", "individual"], "Notices")
auto_campaign = campaign(["auto"], "Auto-renewals")
cr.commit()
notice_count = len(partners_by_plan["company"]) + len(partners_by_plan["individual"])
measure(
    "2. campaign: renewal notices",
    notice_count,
    lambda: notice_campaign.with_context(membership_skip_emails=True)._run(batch_size=chunk),
)


# ----------------------------------------------------------------------------
# 3. bulk approval: subscriptions, invoices created and posted
# ----------------------------------------------------------------------------
def approve_all():
    notices = env["membership.renewal"].search([("campaign_id", "=", notice_campaign.id), ("state", "=", "sent")])
    notices |= env["membership.renewal"].search([("campaign_id", "=", notice_campaign.id), ("state", "=", "draft")])
    for batch in chunks(notices):
        batch._approve()
        cr.commit()


measure("3. bulk approval: invoices created + posted", notice_count, approve_all)
measure(
    "3b. auto-renewal: invoices created + posted",
    len(partners_by_plan["auto"]),
    lambda: auto_campaign.with_context(membership_skip_emails=True)._run(batch_size=chunk),
)
invoiced = env["account.move"].search_count([("is_membership_dues", "=", True), ("state", "=", "posted")])


# ----------------------------------------------------------------------------
# 4. payment follow-up of all open dues invoices (emails queued, not sent)
# ----------------------------------------------------------------------------
due = max(env["account.move"].search([("is_membership_dues", "=", True)]).mapped("invoice_date_due"))
measure(
    "4. follow-up run (emails queued)",
    invoiced,
    lambda: env["membership.followup.communication"]._cron_run_followup(batch_size=chunk, today=due),
)

# ----------------------------------------------------------------------------
# 5. the daily activation / expiry run (2026 periods expire)
# ----------------------------------------------------------------------------
states = env["membership.subscription"]._read_group([], ["date_start:year", "state"], ["__count"])
print("  subscriptions before the daily run:", [(str(y.year), st, n) for y, st, n in states], flush=True)
measure(
    "5. daily activation/expiry run",
    members,
    lambda: env["membership.subscription"]._cron_update_states(batch_size=1000, today=date(2027, 1, 2)),
)

# ----------------------------------------------------------------------------
# Baseline: the floor, Odoo's batch create + post of the same invoices
# ----------------------------------------------------------------------------
all_partners = env["res.partner"].browse([p for partners in partners_by_plan.values() for p in partners.ids])
journal = env["account.journal"].search([("type", "=", "sale"), ("company_id", "=", env.company.id)], limit=1)


def floor():
    for batch in chunks(all_partners):
        moves = env["account.move"].create(
            [
                {
                    "move_type": "out_invoice",
                    "partner_id": partner.id,
                    "journal_id": journal.id,
                    "invoice_date": date(2026, 12, 1),
                    "invoice_line_ids": [
                        Command.create(
                            {"product_id": product.id, "name": "Dues 2027", "price_unit": float(fees[partner.id])}
                        )
                    ],
                }
                for partner in batch
            ]
        )
        moves.action_post()
        cr.commit()


floor_row = measure("floor: account.move batch create + post", members, floor)

# ----------------------------------------------------------------------------
# Baseline: OCA contract's recurring invoices (when installed)
# ----------------------------------------------------------------------------
contract_row = None
if has_contract:
    contract_seed = time.perf_counter()
    for batch in chunks(all_partners):
        env["contract.contract"].create(
            [
                {
                    "name": f"Dues {partner.name}",
                    "partner_id": partner.id,
                    "journal_id": journal.id,
                    "contract_line_ids": [
                        Command.create(
                            {
                                "product_id": product.id,
                                "name": "Dues 2027",
                                "quantity": 1,
                                "price_unit": float(fees[partner.id]),
                                "recurring_rule_type": "yearly",
                                "recurring_interval": 1,
                                "date_start": date(2027, 1, 1),
                                "recurring_next_date": date(2027, 1, 1),
                            }
                        )
                    ],
                }
                for partner in batch
            ]
        )
        cr.commit()
    print(f"seeded {members:,} contracts in {time.perf_counter() - contract_seed:.0f} s", flush=True)

    def contract_run():
        env["contract.contract"].cron_recurring_create_invoice(date_ref=date(2027, 1, 1))
        cr.commit()
        drafts = env["account.move"].search([("state", "=", "draft"), ("move_type", "=", "out_invoice")])
        for batch in chunks(drafts):
            batch.action_post()
            cr.commit()

    contract_row = measure("OCA contract: cron + posting its drafts", members, contract_run)

# ----------------------------------------------------------------------------
# Report
# ----------------------------------------------------------------------------
per_invoice_floor = floor_row["seconds"] / floor_row["n"]
per_invoice_contract = contract_row["seconds"] / contract_row["n"] if contract_row else None
for row in rows:
    per = row["seconds"] / row["n"] if row["n"] else 0
    row["ratio_to_floor"] = round(per / per_invoice_floor, 2) if per_invoice_floor else None
    row["ratio_to_contract"] = round(per / per_invoice_contract, 2) if per_invoice_contract else None
print()
print(f"Renewal season of {members:,} members (seeding {seed_seconds:.0f} s, not measured); chunks of {chunk}")
header = (
    f"{'step':<46} {'N':>7} {'seconds':>8} {'queries':>9} {'q/member':>9} {'peak MB':>8} {'/floor':>7} {'/contract':>9}"
)
print(header)
print("-" * len(header))
for row in rows:
    print(
        f"{row['step']:<46} {row['n']:>7} {row['seconds']:>8.2f} {row['queries']:>9} {row['queries_per_member']:>9} "
        f"{row['peak_mb']:>8} {row['ratio_to_floor'] or '':>7} {row['ratio_to_contract'] or '':>9}"
    )
if os.environ.get("MD_BENCH_JSON"):
    with open(os.environ["MD_BENCH_JSON"], "w", encoding="utf-8") as handle:
        json.dump(
            {"members": members, "chunk": chunk, "seed_seconds": round(seed_seconds, 1), "steps": rows},
            handle,
            indent=2,
        )
