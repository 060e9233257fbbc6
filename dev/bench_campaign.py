# Run inside `odoo-bin shell` (dev/bench.sh campaign), once per phase
# (MD_BENCH_PHASE):
#   seed      MD_BENCH_MEMBERS members, their declarations, last year's periods
#             (MD_BENCH_AUTO_SHARE: the share of auto-renewed members, default
#             0.1; the others are company and individual members, 2 to 1);
#   ours      the module's renewal season, step by step;
#   floor     Odoo's own batch create and post of the same invoices;
#   contract  OCA contract's recurring-invoice cron on the same members.
# bench.sh seeds one database and runs every other phase on its own copy of it
# (createdb -T), so that each starts from the same data; rounds alternate the
# phases. Each phase measures wall time, SQL queries and peak memory, commits
# per chunk as the scheduled actions do, and appends its rows to
# MD_BENCH_ROWS (JSON lines); dev/bench_report.py prints the table.
# Seeding runs with tracking and chatter notes off; the measured phases run
# with the plain context a scheduled action has.
#
# Planner statistics: the module's invoicing (membership.subscription
# _create_invoices) calls tools/orm_batch.refresh_statistics on the tables of
# BULK_STATISTICS after creating a batch of BULK_POSTING (20) invoices or more
# and before posting it (stale statistics make Odoo's numbering queries read
# every invoice of the year for each invoice posted; dev/BENCHMARKS.rst,
# 2026-11-30 and 2026-12-01). The floor and the contract phases call the same
# function on the invoice tables (INVOICE_STATISTICS: moves and their lines)
# at the same point (after creating, before posting each batch), so that
# "/floor" and "/contract" compare like with like. MD_BENCH_NO_ANALYZE=1 turns it off in
# every phase (the module's too), for a "before" run.
#
# Peak memory of a step: the process's resident set high-water mark (VmHWM of
# /proc/self/status), reset before the step by writing 5 to
# /proc/self/clear_refs (Linux >= 4.0), so each step gets its own peak rather
# than the highest of the steps before it. Not tracemalloc: it sees Python
# objects only (not psycopg2's result buffers, lxml, C extensions) and slows
# allocation-heavy code several times, which would distort the times measured
# in the same run; RSS is what the host has to provide. Where the reset is not
# allowed, the step's peak is getrusage's ru_maxrss (the process's high-water
# mark so far: only growth shows) and the row says so (peak_source).
# pylint: skip-file
import json
import os
import resource
import time
from datetime import date, timedelta

from odoo import Command

from odoo.addons.membership_dues.models import membership_subscription
from odoo.addons.membership_dues.tools.orm_batch import refresh_statistics

phase = os.environ["MD_BENCH_PHASE"]
members = int(os.environ.get("MD_BENCH_MEMBERS", "10000"))
chunk = int(os.environ.get("MD_BENCH_CHUNK", "500"))
# The follow-up run in the scheduled action's own batches (50, its default):
# each member's email prints a PDF, and batches of 500 leave the process
# with a fragmented heap that grows batch after batch (dev/BENCHMARKS.rst).
followup_chunk = int(os.environ.get("MD_BENCH_FOLLOWUP_CHUNK", "50"))
rows_file = os.environ.get("MD_BENCH_ROWS")
# the share of auto-renewed members in the seed (0 to 1; default: 10 %, in a 60/30/10 mix)
auto_share = float(os.environ["MD_BENCH_AUTO_SHARE"]) if os.environ.get("MD_BENCH_AUTO_SHARE") else None
if auto_share is not None and not 0 <= auto_share <= 1:
    raise SystemExit("MD_BENCH_AUTO_SHARE: a share between 0 and 1")
# MD_BENCH_SKIP_STEPS="4b 5": steps left out (by their number), e.g. the
# longest at 100,000 members; the report leaves their cells empty.
skip_steps = set(os.environ.get("MD_BENCH_SKIP_STEPS", "").replace(",", " ").split())
plain_env = env  # noqa: F821
cr = plain_env.cr


if os.environ.get("MD_BENCH_NO_ANALYZE"):
    membership_subscription.refresh_statistics = lambda model: False


def refresh_before_posting(moves):
    """What the module's invoicing does before posting a batch (see the top)."""
    if len(moves) >= membership_subscription.BULK_POSTING and not os.environ.get("MD_BENCH_NO_ANALYZE"):
        for model in membership_subscription.INVOICE_STATISTICS:
            refresh_statistics(moves.env[model])


def _status_mb(field):
    """A field of /proc/self/status (VmHWM, VmRSS, VmSize), in MB, or None."""
    try:
        with open("/proc/self/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def reset_peak():
    """Reset the process's RSS high-water mark; whether it could."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as handle:
            handle.write("5")
    except OSError:
        return False
    return _status_mb("VmHWM") is not None


def peak_mb(reset):
    if reset:
        return _status_mb("VmHWM"), "vmhwm"
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "maxrss"


def measure(step, count, function):
    """Run ``function`` (it commits what it makes); record its seconds,
    queries and the process's peak memory."""
    if step.split(".")[0] in skip_steps:
        print(f"  {step}: skipped (MD_BENCH_SKIP_STEPS)", flush=True)
        return None
    plain_env.invalidate_all()
    start_mb = _status_mb("VmRSS")
    reset = reset_peak()
    before = cr.sql_log_count
    start = time.perf_counter()
    function()
    seconds = time.perf_counter() - start
    queries = cr.sql_log_count - before
    peak, source = peak_mb(reset)
    row = {
        "phase": phase,
        "step": step,
        "n": count,
        "seconds": round(seconds, 3),
        "queries": queries,
        "peak_mb": round(peak),
        "peak_source": source,
        "start_mb": round(start_mb) if start_mb is not None else None,
        "vms_mb": round(_status_mb("VmSize") or 0) or None,
    }
    print(f"  {step}: {seconds:.2f} s, {queries} queries, peak {peak:.0f} MB ({source})", flush=True)
    if rows_file:
        with open(rows_file, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(row) + "\n")
    return row


def chunks(records):
    """Slices of ``records``, each prefetching its own records only (as
    tools/batch.py does): a slice of a whole season's recordset would keep
    its prefetch set, and each field read would skip over every record read
    before (a cost per batch that grows with the season)."""
    for start in range(0, len(records), chunk):
        yield records[start : start + chunk].with_prefetch()


# ----------------------------------------------------------------------------
# Seeding (its time is reported apart, never as a step)
# ----------------------------------------------------------------------------
PLAN_NAMES = {"company": "Company member", "individual": "Individual", "auto": "Auto-renewed"}


def seed():
    env = plain_env(context=dict(plain_env.context, tracking_disable=True, mail_create_nolog=True, mail_notrack=True))
    turnover, payroll, headcount = (
        env.ref(f"membership_dues.figure_{c}") for c in ("turnover", "payroll", "headcount")
    )
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
    if auto_share is not None:  # MD_BENCH_AUTO_SHARE: the auto-renewed share, the rest 2:1 as above
        auto = round(100 * auto_share)
        company = round((100 - auto) * 2 / 3)
        mix = [("company", company), ("individual", 100 - auto - company), ("auto", auto)]
    ids_by_plan = {key: [] for key, _weight in mix}  # ids, not ``|=`` on a growing recordset (quadratic)
    cycle = [key for key, weight in mix for _ in range(weight)]
    for batch in range(0, members, 1000):
        created = env["res.partner"].create(
            [
                {"name": f"Member {i:06d}", "email": f"member{i}@example.com", "is_company": True}
                for i in range(batch, min(batch + 1000, members))
            ]
        )
        for index, partner_id in enumerate(created.ids, batch):
            ids_by_plan[cycle[index % len(cycle)]].append(partner_id)
        cr.commit()
    partners_by_plan = {key: env["res.partner"].browse(ids) for key, ids in ids_by_plan.items()}
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


def load():
    """The seeded plans, their members and the product, in the plain context."""
    plans = {
        key: plain_env["membership.plan"].search([("name", "=", name)], limit=1) for key, name in PLAN_NAMES.items()
    }
    partners = {
        key: plain_env["membership.subscription"].search([("plan_id", "=", plan.id)], order="id").partner_id
        for key, plan in plans.items()
    }
    return plans, partners, plans["individual"].product_id


def precomputed_fees(plans, partners_by_plan):
    fees = {}
    for key, partners in partners_by_plan.items():
        for batch in chunks(partners):
            for partner_id, quote in plans[key]._compute_period_fees(batch, date(2027, 1, 1)).items():
                fees[partner_id] = quote.amount
    return fees


def sale_journal():
    return plain_env["account.journal"].search(
        [("type", "=", "sale"), ("company_id", "=", plain_env.company.id)], limit=1
    )


# ----------------------------------------------------------------------------
# The module's renewal season
# ----------------------------------------------------------------------------
def run_ours():
    plans, partners_by_plan, _product = load()
    count = sum(len(p) for p in partners_by_plan.values())

    # 1. the new fees of all members
    def compute_fees():
        for key, partners in partners_by_plan.items():
            for batch in chunks(partners):
                plans[key]._compute_period_fees(batch, date(2027, 1, 1))

    measure("1. fees of all members", count, compute_fees)

    # 2. the campaign creating the renewal notices (emails left out: sent later, in the background)
    def campaign(keys, name):
        return plain_env["membership.renewal.campaign"].create(
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

    # 3. bulk approval: subscriptions, invoices created and posted (their
    # sending queued), as Approve in the Background does it: the notices
    # queued, then the scheduled action approving them batch by batch
    def approve_all():
        notices = plain_env["membership.renewal"].search([("campaign_id", "=", notice_campaign.id)], order="id")
        notices.action_queue_approve()
        cr.commit()
        plain_env["membership.renewal"]._cron_approve_queued(batch_size=chunk)

    measure("3. bulk approval: invoices created + posted", notice_count, approve_all)
    # 3b. the auto-renewal path: notices, subscriptions, invoices created and posted
    measure(
        "3b. auto-renewal: invoices created + posted",
        len(partners_by_plan["auto"]),
        lambda: auto_campaign.with_context(membership_skip_emails=True)._run(batch_size=chunk),
    )
    invoices = plain_env["account.move"].search([("dues_is_invoice", "=", True), ("state", "=", "posted")])

    # 4. payment follow-up of all open dues invoices (emails queued, not sent)
    # (no invoice when steps 3 and 3b are skipped: nothing to follow up, any day does)
    due = max(invoices.mapped("invoice_date_due"), default=date(2027, 1, 1))
    measure(
        "4. follow-up run (emails queued)",
        len(invoices),
        lambda: plain_env["membership.followup.communication"]._cron_run_followup(batch_size=followup_chunk, today=due),
    )
    # 4b. fifteen days later, the next level (the first reminder), here with
    # a late fee: each batch creates and posts its members' late fee
    # invoices, commits them (their communications To Deliver), and the
    # emails are delivered after, batch by batch (the invoice numbering is
    # not held while rendering).
    # By email only, without the invoices attached: a letter, or an invoice
    # never sent, is one wkhtmltopdf call each (about 1.2 s here, most of it
    # the process starting), a cost of its own, not the run's.
    policy = plain_env["membership.followup.policy"]._for_company(plain_env.company)
    policy.level_ids.write({"send_letter": False, "send_email": True, "attach_invoices": False})
    late_fee_product = plain_env["product.product"].create(
        {"name": "Late fee", "type": "service", "taxes_id": [Command.clear()]}
    )
    policy.level_ids.filtered(lambda level: level.delay_days == 15).write(
        {"late_fee_type": "fixed", "late_fee_amount": 15.0, "late_fee_product_id": late_fee_product.id}
    )
    cr.commit()
    measure(
        "4b. follow-up with late fees (emails)",
        len(invoices),
        lambda: plain_env["membership.followup.communication"]._cron_run_followup(
            batch_size=followup_chunk, today=due + timedelta(days=15)
        ),
    )
    fees = plain_env["account.move.line"].search_count(
        [("product_id", "=", late_fee_product.id), ("parent_state", "=", "posted")]
    )
    print(f"  ({fees} late fee invoices posted)", flush=True)

    # 5. the daily activation / expiry run (2026 periods expire)
    measure(
        "5. daily activation/expiry run",
        count,
        lambda: plain_env["membership.subscription"]._cron_update_states(batch_size=1000, today=date(2027, 1, 2)),
    )


# ----------------------------------------------------------------------------
# Baseline: the floor, Odoo's batch create + post of the same invoices
# ----------------------------------------------------------------------------
def run_floor():
    plans, partners_by_plan, product = load()
    fees = precomputed_fees(plans, partners_by_plan)
    partners = plain_env["res.partner"].union(*partners_by_plan.values())
    journal = sale_journal()

    def floor():
        for batch in chunks(partners):
            moves = plain_env["account.move"].create(
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
            refresh_before_posting(moves)
            moves.action_post()
            cr.commit()
            plain_env.invalidate_all()

    measure("floor: account.move batch create + post", len(partners), floor)


# ----------------------------------------------------------------------------
# Baseline: OCA contract's recurring invoices
# ----------------------------------------------------------------------------
def run_contract():
    if "contract.contract" not in plain_env:
        print("OCA contract is not installed: its baseline is left out", flush=True)
        return
    plans, partners_by_plan, product = load()
    fees = precomputed_fees(plans, partners_by_plan)
    partners = plain_env["res.partner"].union(*partners_by_plan.values())
    journal = sale_journal()
    quiet = plain_env(context=dict(plain_env.context, tracking_disable=True, mail_create_nolog=True))
    contract_seed = time.perf_counter()
    for batch in chunks(partners):
        quiet["contract.contract"].create(
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
    print(f"  (contracts seeded in {time.perf_counter() - contract_seed:.0f} s, not measured)", flush=True)

    def contract_run():
        plain_env["contract.contract"].cron_recurring_create_invoice(date_ref=date(2027, 1, 1))
        cr.commit()
        drafts = plain_env["account.move"].search([("state", "=", "draft"), ("move_type", "=", "out_invoice")])
        for batch in chunks(drafts):
            refresh_before_posting(batch)
            batch.action_post()
            cr.commit()
            plain_env.invalidate_all()

    measure("OCA contract: cron + posting its drafts", len(partners), contract_run)


if phase == "seed":
    seed_start = time.perf_counter()
    seed()
    seed_seconds = time.perf_counter() - seed_start
    print(f"seeded {members:,} members in {seed_seconds:.0f} s", flush=True)
    if rows_file:
        with open(rows_file, "a", encoding="utf-8") as handle:
            handle.write(json.dumps({"phase": "seed", "n": members, "seconds": round(seed_seconds, 1)}) + "\n")
else:
    {"ours": run_ours, "floor": run_floor, "contract": run_contract}[phase]()
