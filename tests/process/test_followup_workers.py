"""Several real Odoo processes share the same day's dues follow-up (the
scheduled action and its helper, models/membership_followup_run.py
_claim_members): each sends to members of its own, a worker killed with
``kill -9`` loses only its batch in progress, and in the end every member
got one communication and every invoice its level once (SQL counts).

Each test has its own members, plan and one-level policy (named ``fw
<key>``), seeded at once, and its own day: its invoices are issued the day
before the test follows them up, when no other test's invoice is issued yet
(tests/process shares one database per session)."""

import signal

import pytest
from helpers import MEET_AT_BARRIER, reported, wait_for

MEMBERS = 200
# the day each test follows up its members, the day after their invoices
RUN_DAYS = {"pair": (2026, 3, 10), "kill": (2026, 3, 12)}

SEED = """
from datetime import date, timedelta
env = env(context=dict(env.context, tracking_disable=True, mail_notrack=True, mail_create_nolog=True))
for key, day in %(days)r.items():
    product = env["product.product"].create({"name": f"fw {key} dues", "type": "service", "taxes_id": [(5, 0, 0)]})
    policy = env["membership.followup.policy"].create({
        "name": f"fw {key} policy", "level_ids": [(0, 0, {"name": f"fw {key} reminder", "delay_days": 0})],
    })
    plan = env["membership.plan"].create({
        "name": f"fw {key}", "fee_amount": 100.0, "product_id": product.id, "followup_policy_id": policy.id,
    })
    partners = env["res.partner"].create(
        [{"name": f"fw {key} member {i:04d}", "email": f"fw{key}{i}@example.com"} for i in range(%(members)d)]
    )
    subscriptions = env["membership.subscription"].create([
        {"partner_id": partner.id, "plan_id": plan.id, "date_start": date(2026, 1, 1),
         "date_end": date(2026, 12, 31), "amount": 100.0, "full_amount": 100.0}
        for partner in partners
    ])
    invoices = subscriptions._create_invoices()
    issued = date(*day) - timedelta(days=1)
    invoices.write({"invoice_date": issued, "invoice_date_due": issued, "invoice_payment_term_id": False})
    invoices.action_post()
    print("SEEDED", key, len(invoices))
env.cr.commit()
"""

# One worker of the day's follow-up: the scheduled action's method (wakes the
# helpers) or a helper's; the workers start together (each waits for the
# others' "ready" file) and print how many communications this one sent.
RUN_WORKER = (
    """
import os, time
from datetime import date
Run = type(env["membership.followup.run"])
original = Run._send
sent = [0]
def counting(self, entries, today, **kwargs):
    communications = original(self, entries, today, **kwargs)
    sent[0] += len(communications)
    return communications
Run._send = counting
"""
    + MEET_AT_BARRIER
    + """Communication = env["membership.followup.communication"].with_context(membership_skip_emails=True)
getattr(Communication, %(method)r)(batch_size=%(batch)d, today=date(*%(day)r))
env.cr.commit()
print("SENT", sent[0], flush=True)
print("FINISHED")
"""
)


@pytest.fixture(scope="module")
def seeded(odoo):
    output = odoo.shell(SEED % {"days": RUN_DAYS, "members": MEMBERS})
    assert all(f"SEEDED {key} {MEMBERS}" in output for key in RUN_DAYS), output[-3000:]
    return odoo


def worker(odoo, tmp_path, key, name, method="_cron_work_followup", workers=2, batch=5, barrier=None):
    barrier = tmp_path / f"barrier-{barrier or key}"
    barrier.mkdir(exist_ok=True)
    script = RUN_WORKER % {
        "day": RUN_DAYS[key],
        "barrier": str(barrier),
        "name": name,
        "workers": workers,
        "method": method,
        "batch": batch,
    }
    return odoo.start_shell(script, tmp_path / f"{name}.log")


def finish(tmp_path, *named):
    outputs = []
    for name, process in named:
        assert process.wait(timeout=300) == 0, (tmp_path / f"{name}.log").read_text()[-3000:]
        process.log.close()
        outputs.append((tmp_path / f"{name}.log").read_text())
    assert all("FINISHED" in output for output in outputs), [output[-3000:] for output in outputs]
    assert "Traceback" not in "".join(outputs), [output[-3000:] for output in outputs]
    return [sent(output) for output in outputs]


def sent(output):
    return reported(output, "SENT")


def counts(odoo, key):
    """(communications sent, members with more than one communication that
    day, invoices with their level, invoices whose level is recorded more
    than once, invoices of the plan still without their level) of the
    members of ``fw <key>``."""
    members = f"(SELECT id FROM res_partner WHERE name LIKE 'fw {key} member %')"
    day = "-".join(f"{part:02d}" for part in RUN_DAYS[key])
    level = f"(SELECT id FROM membership_followup_level WHERE name->>'en_US' = 'fw {key} reminder')"
    invoices = f"(SELECT id FROM account_move WHERE partner_id IN {members} AND move_type = 'out_invoice')"
    return (
        odoo.value(
            f"SELECT count(*) FROM membership_followup_communication WHERE partner_id IN {members} "
            f"AND date = '{day}' AND state = 'sent'"
        ),
        odoo.value(
            f"SELECT count(*) FROM (SELECT partner_id FROM membership_followup_communication "
            f"WHERE partner_id IN {members} AND date = '{day}' GROUP BY 1 HAVING count(*) > 1) d"
        ),
        odoo.value(f"SELECT count(DISTINCT move_id) FROM membership_followup_line WHERE level_id = {level}"),
        odoo.value(
            "SELECT count(*) FROM (SELECT move_line_id, level_id FROM membership_followup_line "
            f"WHERE level_id = {level} GROUP BY 1, 2 HAVING count(*) > 1) d"
        ),
        odoo.value(
            f"SELECT count(*) FROM account_move WHERE id IN {invoices} AND id NOT IN "
            f"(SELECT move_id FROM membership_followup_line WHERE level_id = {level})"
        ),
    )


def test_two_processes_share_the_day_s_follow_up(seeded, tmp_path):
    """The scheduled action's worker and a helper start together on the same
    day's follow-up: both send, to different members (their counts add up to
    the members), no level is recorded twice, each member gets one
    communication; the scheduled action created its helper."""
    odoo = seeded
    odoo.sql("UPDATE res_company SET dues_campaign_workers = 2")
    try:
        main = worker(odoo, tmp_path, "pair", "main", method="_cron_run_followup")
        helper = worker(odoo, tmp_path, "pair", "helper")
        main_sent, helper_sent = finish(tmp_path, ("main", main), ("helper", helper))
        assert main_sent > 0 and helper_sent > 0, f"both workers sent: {main_sent}, {helper_sent}"
        assert main_sent + helper_sent == MEMBERS, f"no member sent to twice: {main_sent} + {helper_sent}"
        assert counts(odoo, "pair") == (MEMBERS, 0, MEMBERS, 0, 0)
        assert (
            odoo.value(
                "SELECT count(*) FROM ir_cron c JOIN ir_act_server a ON a.id = c.ir_actions_server_id "
                "WHERE a.code = 'model._cron_work_followup()'"
            )
            == 1
        ), "the scheduled action created its helper"
    finally:
        odoo.sql("UPDATE res_company SET dues_campaign_workers = 1")
    # a third run the same day finds nothing left to send
    assert finish(tmp_path, ("again", worker(odoo, tmp_path, "pair", "again", workers=1, barrier="again"))) == [0]
    assert counts(odoo, "pair") == (MEMBERS, 0, MEMBERS, 0, 0)


def test_kill_9_one_of_two_workers_then_restart_it(seeded, tmp_path):
    """Two workers share the day's follow-up; one is killed (kill -9) in the
    middle: the other goes on, the restarted one sends only what is still
    due, and in the end each member got one communication and each invoice
    its level once."""
    odoo = seeded
    first = worker(odoo, tmp_path, "kill", "first")
    second = worker(odoo, tmp_path, "kill", "second")
    started = wait_for(lambda: counts(odoo, "kill")[0] >= 40, timeout=120)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=30)
    first.log.close()
    assert started, (tmp_path / "second.log").read_text()[-3000:]
    killed_at = counts(odoo, "kill")[0]
    assert killed_at < MEMBERS, "killed in the middle"
    restarted = worker(odoo, tmp_path, "kill", "restarted", workers=1, barrier="restart")
    second_sent, restarted_sent = finish(tmp_path, ("second", second), ("restarted", restarted))
    assert second_sent > 0, "the survivor went on"
    assert counts(odoo, "kill") == (MEMBERS, 0, MEMBERS, 0, 0), "nothing missing, nothing twice"
    assert restarted_sent <= MEMBERS - killed_at, "the restarted worker sent only what was still due"
