"""Crashes and parallel workers lose or duplicate nothing: checked with SQL
counts on the real database after real Odoo processes ran (see conftest.py)."""

import signal

import pytest
from helpers import CAMPAIGN_SEED, MEET_AT_BARRIER, campaign_counts, reported, wait_for

MEMBERS = 240

SEED = CAMPAIGN_SEED % {"members": MEMBERS, "keys": ("crash", "twice", "notice", "pair")}

RUN_CAMPAIGN = """
campaign = env["membership.renewal.campaign"].search([("name", "=", "Campaign %(key)s")])
print("FINISHED" if campaign.with_context(membership_skip_emails=True)._run(batch_size=%(batch)d) else "RETURNED")
env.cr.commit()
"""

# One of several workers on the same campaign: they start together (each
# waits for the others' "ready" file), run until this worker has nothing left
# (the scheduler would call it again while it answers False), and print how
# many members this one processed.
RUN_WORKER = (
    """
import os, time
campaign = env["membership.renewal.campaign"].search([("name", "=", "Campaign %(key)s")])
Campaign = type(campaign)
original = Campaign._process
processed = [0]
def counting(self, subscriptions):
    original(self, subscriptions)
    processed[0] += len(subscriptions)
Campaign._process = counting
"""
    + MEET_AT_BARRIER
    + """campaign = campaign.with_context(membership_skip_emails=True)
for _call in range(10):
    if campaign._run(batch_size=%(batch)d):
        break
env.cr.commit()
print("PROCESSED", processed[0], flush=True)
print("FINISHED" if _call < 9 or campaign.state == "done" else "RETURNED")
"""
)

RUN_FOLLOWUP = """
from datetime import date
env["membership.followup.communication"].with_context(membership_skip_emails=True)._cron_run_followup(
    batch_size=25, today=date(%(year)d, %(month)d, %(day)d)
)
env.cr.commit()
print("FOLLOWED UP")
"""


@pytest.fixture(scope="module")
def seeded(odoo):
    assert "SEEDED" in odoo.shell(SEED)
    return odoo


def test_kill_9_in_the_middle_of_a_campaign_then_resume(seeded, tmp_path):
    """kill -9 while the campaign creates and posts invoices: what was
    committed is whole, the next run finishes it, every member ends with
    exactly one renewal, one subscription and its posted invoice."""
    odoo = seeded
    process = odoo.start_shell(RUN_CAMPAIGN % {"key": "crash", "batch": 10}, tmp_path / "crash.log")
    started = wait_for(lambda: campaign_counts(odoo, "crash")[1] >= 40)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    process.log.close()
    assert started, (tmp_path / "crash.log").read_text()[-3000:]
    candidates, renewals, duplicates, subscriptions, without_invoice, orphans = campaign_counts(odoo, "crash")
    assert candidates == MEMBERS
    assert 40 <= renewals < MEMBERS, "killed in the middle"
    assert (duplicates, without_invoice, orphans) == (0, 0, 0), "nothing half-created"
    assert subscriptions == renewals, "each committed renewal has its subscription"

    assert "FINISHED" in odoo.shell(RUN_CAMPAIGN % {"key": "crash", "batch": 50})
    assert campaign_counts(odoo, "crash") == (MEMBERS, MEMBERS, 0, MEMBERS, 0, 0)
    assert (
        odoo.value(
            "SELECT count(*) FROM (SELECT s.id FROM membership_subscription s JOIN account_move_line l "
            "ON l.dues_subscription_id = s.id JOIN account_move m ON m.id = l.move_id "
            "WHERE s.date_start = '2027-01-01' GROUP BY s.id HAVING count(DISTINCT m.id) > 1) d"
        )
        == 0
    ), "no subscription invoiced twice"


def worker_script(key, tmp_path, name, workers=2, batch=10):
    barrier = tmp_path / f"barrier-{key}"
    barrier.mkdir(exist_ok=True)
    return RUN_WORKER % {"key": key, "barrier": str(barrier), "name": name, "workers": workers, "batch": batch}


def processed(output):
    return reported(output, "PROCESSED")


def test_two_processes_run_the_same_campaign(seeded, tmp_path):
    """Two workers on the same campaign at once share it: each claims its
    own batches (row locks that skip what the other holds), both process
    members, and every member ends with exactly one renewal, one
    subscription and its posted invoice."""
    odoo = seeded
    first = odoo.start_shell(worker_script("twice", tmp_path, "first"), tmp_path / "first.log")
    second = odoo.start_shell(worker_script("twice", tmp_path, "second"), tmp_path / "second.log")
    for process in (first, second):
        assert process.wait(timeout=600) == 0
        process.log.close()
    outputs = [(tmp_path / name).read_text() for name in ("first.log", "second.log")]
    assert all("FINISHED" in output for output in outputs), outputs
    assert "Traceback" not in "".join(outputs), outputs
    counts = [processed(output) for output in outputs]
    assert all(counts), f"both workers processed members: {counts}"
    assert sum(counts) == MEMBERS, f"no member processed twice: {counts}"
    assert campaign_counts(odoo, "twice") == (MEMBERS, MEMBERS, 0, MEMBERS, 0, 0)
    assert (
        odoo.value("SELECT count(*) FROM membership_renewal_campaign WHERE name = 'Campaign twice' AND state = 'done'")
        == 1
    )
    closing = odoo.value(
        "SELECT count(*) FROM mail_message WHERE model = 'membership.renewal.campaign' AND body LIKE '%Campaign done%' "
        "AND res_id = (SELECT id FROM membership_renewal_campaign WHERE name = 'Campaign twice')"
    )
    assert closing == 1, "closed once"


def test_two_processes_run_the_follow_up_at_once(seeded, tmp_path):
    """The dues invoices of the auto-renewals are overdue: two workers run
    the follow-up on the same day; each level is recorded once per invoice,
    each member gets one communication."""
    odoo = seeded
    invoices = odoo.value(
        "SELECT count(*) FROM account_move WHERE dues_is_invoice AND state = 'posted' AND payment_state = 'not_paid'"
    )
    assert invoices >= 2 * MEMBERS - 10
    script = RUN_FOLLOWUP % {"year": 2027, "month": 3, "day": 1}
    first = odoo.start_shell(script, tmp_path / "first.log")
    second = odoo.start_shell(script, tmp_path / "second.log")
    for process in (first, second):
        assert process.wait(timeout=600) == 0
        process.log.close()
    outputs = [(tmp_path / name).read_text() for name in ("first.log", "second.log")]
    assert all("FOLLOWED UP" in output for output in outputs), outputs
    duplicates = odoo.value(
        "SELECT count(*) FROM (SELECT move_line_id, level_id FROM membership_followup_line "
        "GROUP BY 1, 2 HAVING count(*) > 1) d"
    )
    assert duplicates == 0
    followed = odoo.value("SELECT count(DISTINCT move_id) FROM membership_followup_line")
    assert followed == invoices, "every overdue invoice got its level"
    communications = odoo.value(
        "SELECT count(*) FROM (SELECT partner_id FROM membership_followup_communication WHERE date = '2027-03-01' "
        "GROUP BY 1 HAVING count(*) > 1) d"
    )
    assert communications == 0, "one communication per member and day"
    # a third run the same day finds nothing left to send
    before = odoo.value("SELECT count(*) FROM membership_followup_line")
    assert "FOLLOWED UP" in odoo.shell(script)
    assert odoo.value("SELECT count(*) FROM membership_followup_line") == before


def test_kill_9_one_of_two_workers_then_restart_it(seeded, tmp_path):
    """Two workers share a campaign; one is killed (kill -9) in the middle:
    the other goes on, the restarted one joins in, and in the end every
    member has exactly one renewal, one subscription and its posted invoice,
    none invoiced twice."""
    odoo = seeded
    first = odoo.start_shell(worker_script("pair", tmp_path, "first", batch=5), tmp_path / "first.log")
    second = odoo.start_shell(worker_script("pair", tmp_path, "second", batch=5), tmp_path / "second.log")
    started = wait_for(lambda: campaign_counts(odoo, "pair")[1] >= 60)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=30)
    first.log.close()
    assert started, (tmp_path / "second.log").read_text()[-3000:]
    killed_at = campaign_counts(odoo, "pair")[1]
    assert killed_at < MEMBERS, "killed in the middle"
    restarted = odoo.start_shell(worker_script("pair", tmp_path, "restarted", workers=1, batch=5), tmp_path / "r.log")
    for process in (second, restarted):
        assert process.wait(timeout=600) == 0
        process.log.close()
    outputs = [(tmp_path / name).read_text() for name in ("second.log", "r.log")]
    assert all("FINISHED" in output for output in outputs), outputs
    assert "Traceback" not in "".join(outputs), outputs
    assert processed(outputs[0]) > 0, "the survivor went on"
    assert campaign_counts(odoo, "pair") == (MEMBERS, MEMBERS, 0, MEMBERS, 0, 0)
    assert (
        odoo.value(
            "SELECT count(*) FROM (SELECT s.id FROM membership_subscription s JOIN account_move_line l "
            "ON l.dues_subscription_id = s.id JOIN account_move m ON m.id = l.move_id "
            "JOIN membership_plan p ON p.id = s.plan_id WHERE p.name->>'en_US' = 'Plan pair' "
            "AND s.date_start = '2027-01-01' GROUP BY s.id HAVING count(DISTINCT m.id) > 1) d"
        )
        == 0
    ), "no subscription invoiced twice"
    assert (
        odoo.value("SELECT count(*) FROM membership_renewal_campaign WHERE name = 'Campaign pair' AND state = 'done'")
        == 1
    )
