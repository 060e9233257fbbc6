# `bash dev/bench.sh auto-renewal`: run inside `odoo-bin shell` on a database
# where dev/bench_campaign.py's phase "seed" ran. Measures the auto-renewal
# path batch by batch: seconds and SQL queries of each batch (process, then
# the search of the next batch and the commit), so that a cost growing along
# the run shows.
#   MD_BENCH_BULK=1        approve the notices of the other plans first (step 3
#                          of dev/bench_campaign.py, 500 at a time, each batch
#                          timed), as the campaign benchmark does (bench.sh's
#                          default; empty: not); =only stops there (a database
#                          to copy for several runs)
#   MD_BENCH_CHUNK         auto-renewal batch size (default 100)
#   MD_BENCH_NO_ANALYZE=1  without the planner statistics refresh before
#                          posting (tools/orm_batch.py refresh_statistics),
#                          for comparison
#   MD_BENCH_PROFILE       comma list of batch numbers to profile (cProfile;
#                          each written whole to MD_BENCH_PROFILE_DIR, default
#                          /tmp, as auto-renewal-batch-N.pstats)
#   MD_BENCH_SQL           comma list of batch numbers whose slowest SQL
#                          queries are printed (total time per query text)
# pylint: skip-file
import cProfile
import os
import pstats
import time

from odoo import Command

chunk = int(os.environ.get("MD_BENCH_CHUNK", "100"))
sql_batches = {int(b) for b in os.environ.get("MD_BENCH_SQL", "").split(",") if b}
profile_batches = {int(b) for b in os.environ.get("MD_BENCH_PROFILE", "").split(",") if b}
plain_env = env  # noqa: F821
cr = plain_env.cr

if os.environ.get("MD_BENCH_NO_ANALYZE"):
    from odoo.addons.membership_dues.models import membership_subscription

    membership_subscription.refresh_statistics = lambda model: False

plans = {
    key: plain_env["membership.plan"].search([("name", "=", name)], limit=1)
    for key, name in {"company": "Company member", "individual": "Individual", "auto": "Auto-renewed"}.items()
}


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


if os.environ.get("MD_BENCH_BULK"):
    notice_campaign = campaign(["company", "individual"], "Notices")
    cr.commit()
    start = time.perf_counter()
    notice_campaign.with_context(membership_skip_emails=True)._run(batch_size=500)
    notices = plain_env["membership.renewal"].search([("campaign_id", "=", notice_campaign.id)], order="id")
    for start_index in range(0, len(notices), 500):
        batch_start, batch_queries = time.perf_counter(), cr.sql_log_count
        notices[start_index : start_index + 500]._approve()
        cr.commit()
        size = len(notices[start_index : start_index + 500])
        print(
            f"bulk approval, notices {start_index + 1}-{start_index + size}: "
            f"{(time.perf_counter() - batch_start) * 1000 / size:.1f} ms/notice, "
            f"{(cr.sql_log_count - batch_queries) / size:.1f} q/notice",
            flush=True,
        )
    print(f"bulk: {len(notices)} notices approved in {time.perf_counter() - start:.0f} s", flush=True)
    if os.environ.get("MD_BENCH_BULK") == "only":  # a database to copy for several runs
        raise SystemExit(0)

auto_campaign = campaign(["auto"], "Auto-renewals")
cr.commit()
plain_env.invalidate_all()

Campaign = type(plain_env["membership.renewal.campaign"])
Cron = type(plain_env["ir.cron"])
original_process = Campaign._process
original_commit = Cron._commit_progress
state = {"batch": 0, "mark": None, "queries": 0}
rows = []


def process(self, subscriptions):
    state["batch"] += 1
    number = state["batch"]
    before, start = cr.sql_log_count, time.perf_counter()
    if number in profile_batches:
        profiler = cProfile.Profile()
        profiler.enable()
        original_process(self, subscriptions)
        profiler.disable()
        # the whole profile, for pstats' print_callers / print_callees
        dump = os.path.join(os.environ.get("MD_BENCH_PROFILE_DIR", "/tmp"), f"auto-renewal-batch-{number}.pstats")
        profiler.dump_stats(dump)
        print(f"--- profile of batch {number} (all of it: {dump})", flush=True)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(35)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(20)
    elif number in sql_batches:
        timings = {}
        from odoo import sql_db

        original_execute = sql_db.Cursor.execute

        def execute(cursor, query, params=None, log_exceptions=True):
            begin = time.perf_counter()
            try:
                return original_execute(cursor, query, params, log_exceptions)
            finally:
                text = " ".join(str(query.code if hasattr(query, "code") else query).split())
                total, count = timings.get(text, (0.0, 0))
                timings[text] = (total + time.perf_counter() - begin, count + 1)

        sql_db.Cursor.execute = execute
        try:
            original_process(self, subscriptions)
        finally:
            sql_db.Cursor.execute = original_execute
        print(f"--- slowest queries of batch {number}", flush=True)
        for text, (total, count) in sorted(timings.items(), key=lambda item: -item[1][0])[:8]:
            print(f"{total * 1000:8.0f} ms {count:5d}x  {text[:700]}", flush=True)
    else:
        original_process(self, subscriptions)
    state["process"] = (time.perf_counter() - start, cr.sql_log_count - before, len(subscriptions))


def commit_progress(self, processed=0, **kwargs):
    now, queries = time.perf_counter(), cr.sql_log_count
    result = original_commit(self, processed, **kwargs)
    if processed and state["mark"] is not None:
        seconds, process_queries, size = state["process"]
        cycle = now - state["mark"]
        rows.append((state["batch"], size, seconds, process_queries, cycle, queries - state["queries"]))
        print(
            f"batch {state['batch']:3d}: {size} members, process {seconds * 1000 / size:.1f} ms/member "
            f"{process_queries / size:.1f} q/member; cycle {cycle:.2f} s {queries - state['queries']} queries",
            flush=True,
        )
    state["mark"], state["queries"] = time.perf_counter(), cr.sql_log_count
    return result


Campaign._process = process
Cron._commit_progress = commit_progress
start = time.perf_counter()
auto_campaign.with_context(membership_skip_emails=True)._run(batch_size=chunk)
total = time.perf_counter() - start
members = sum(row[1] for row in rows)
print(f"auto-renewal: {members} members in {total:.1f} s, {total * 1000 / max(members, 1):.1f} ms/member", flush=True)
