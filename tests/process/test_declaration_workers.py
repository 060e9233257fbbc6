"""A declaration campaign shared by several workers, and killed in the
middle: every member is asked once (one declaration of the year, one request
email), none is missed, and the campaign is closed once. Checked with SQL
counts on the real database after real Odoo processes ran (see conftest.py);
the renewal campaign's checks are in test_crash_and_concurrency.py."""

import signal

import pytest
from helpers import (
    DECLARATION_SEED,
    MEET_AT_BARRIER,
    all_asked_once,
    assert_declarations_closed_once,
    assert_declarations_whole,
    declaration_campaign_id,
    declaration_counts,
    declarations_asked,
    reported,
    wait_for,
)

MEMBERS = 200

# Three campaigns, one per test, each on its own tariff plan and members (the
# names do not clash with the other process tests of the session database).
SEED = DECLARATION_SEED % {"keys": ("decl-twice", "decl-pair", "decl-crash"), "members": MEMBERS}

# One of several workers on the same declaration campaign: they start
# together (each waits for the others' "ready" file), run until this worker
# has nothing left (the scheduler would call it again while it answers
# False), and print how many members this one asked. The request emails are
# rendered and queued (not sent: no mail server here). ``pause`` holds each
# batch a little before its commit, so that a kill -9 lands in the middle.
RUN_WORKER = (
    """
import os, time
campaign = env["membership.declaration.campaign"].search([("name", "=", "Figures %(key)s")])
Campaign = type(campaign)
original = Campaign._process
processed = [0]
def counting(self, partners):
    original(self, partners)
    processed[0] += len(partners)
    time.sleep(%(pause)r)
Campaign._process = counting
"""
    + MEET_AT_BARRIER
    + """campaign = campaign.with_context(mail_notify_force_send=False)
for _call in range(10):
    if campaign._run(batch_size=%(batch)d):
        break
env.cr.commit()
print("PROCESSED", processed[0], flush=True)
print("FINISHED" if _call < 9 or campaign.state == "open" else "RETURNED")
"""
)


@pytest.fixture(scope="module")
def seeded(odoo):
    output = odoo.shell(SEED)
    assert "SEEDED" in output, output[-3000:]
    for key in ("decl-twice", "decl-pair", "decl-crash"):
        assert f"TODO {key} {MEMBERS} running" in output, output[-3000:]
    return odoo


def worker_script(key, tmp_path, name, workers=2, batch=10, pause=0.0):
    barrier = tmp_path / f"barrier-{key}"
    barrier.mkdir(exist_ok=True)
    return RUN_WORKER % {
        "key": key,
        "barrier": str(barrier),
        "name": name,
        "workers": workers,
        "batch": batch,
        "pause": pause,
    }


def processed(output):
    return reported(output, "PROCESSED")


ALL_ASKED_ONCE = all_asked_once(MEMBERS)


def finish(processes, logs):
    for process in processes:
        assert process.wait(timeout=300) == 0
        process.log.close()
    outputs = [log.read_text() for log in logs]
    assert all("FINISHED" in output for output in outputs), outputs
    assert "Traceback" not in "".join(outputs), outputs
    return outputs


def test_two_processes_ask_the_same_declaration_campaign(seeded, tmp_path):
    """Two workers on the same declaration campaign at once share it: both
    ask members, none is asked twice (the counts add up to the members, one
    declaration and one request email each), and the campaign is closed
    once, with one closing message that counts every declaration."""
    odoo = seeded
    key = "decl-twice"
    logs = [tmp_path / "first.log", tmp_path / "second.log"]
    first = odoo.start_shell(worker_script(key, tmp_path, "first"), logs[0])
    second = odoo.start_shell(worker_script(key, tmp_path, "second"), logs[1])
    outputs = finish((first, second), logs)
    numbers = [processed(output) for output in outputs]
    assert all(numbers), f"both workers asked members: {numbers}"
    assert sum(numbers) == MEMBERS, f"no member asked twice: {numbers}"
    assert declaration_counts(odoo, key) == ALL_ASKED_ONCE
    assert_declarations_closed_once(odoo, key, MEMBERS)


def test_kill_9_one_of_two_declaration_workers_then_restart_it(seeded, tmp_path):
    """Two workers share a declaration campaign; one is killed (kill -9)
    in the middle of a batch: what was committed is whole, the other goes
    on, the restarted one joins in, and in the end every member is asked
    exactly once and the campaign is closed once."""
    odoo = seeded
    key = "decl-pair"
    first = odoo.start_shell(worker_script(key, tmp_path, "first", pause=0.05), tmp_path / "first.log")
    second = odoo.start_shell(worker_script(key, tmp_path, "second", pause=0.05), tmp_path / "second.log")
    started = wait_for(lambda: declarations_asked(odoo, key) >= 60, timeout=120)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=30)
    first.log.close()
    assert started, (tmp_path / "second.log").read_text()[-3000:]
    assert declarations_asked(odoo, key) < MEMBERS, "killed in the middle"
    assert_declarations_whole(odoo, key)
    restarted = odoo.start_shell(worker_script(key, tmp_path, "restarted", workers=1), tmp_path / "restarted.log")
    outputs = finish((second, restarted), [tmp_path / "second.log", tmp_path / "restarted.log"])
    assert processed(outputs[0]) > 0, "the survivor went on"
    assert declaration_counts(odoo, key) == ALL_ASKED_ONCE
    assert_declarations_closed_once(odoo, key, MEMBERS)


def test_kill_9_in_the_middle_of_a_declaration_campaign_then_resume(seeded, tmp_path):
    """kill -9 of the only worker in the middle of a batch: what was
    committed is whole (each declaration sent, with its link and one
    email), the campaign is still sending; a new run asks the others and
    closes it, every member asked exactly once."""
    odoo = seeded
    key = "decl-crash"
    process = odoo.start_shell(worker_script(key, tmp_path, "crash", workers=1, pause=0.1), tmp_path / "crash.log")
    started = wait_for(lambda: declarations_asked(odoo, key) >= 40, timeout=120)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    process.log.close()
    assert started, (tmp_path / "crash.log").read_text()[-3000:]
    assert 40 <= declarations_asked(odoo, key) < MEMBERS, "killed in the middle"
    assert_declarations_whole(odoo, key)
    assert (
        odoo.value(
            "SELECT count(*) FROM membership_declaration_campaign "
            f"WHERE id = {declaration_campaign_id(key)} AND state = 'running'"
        )
        == 1
    )
    outputs = finish(
        [odoo.start_shell(worker_script(key, tmp_path, "rerun", workers=1, batch=50), tmp_path / "rerun.log")],
        [tmp_path / "rerun.log"],
    )
    assert 0 < processed(outputs[0]) <= MEMBERS - 40
    assert declaration_counts(odoo, key) == ALL_ASKED_ONCE
    assert_declarations_closed_once(odoo, key, MEMBERS)
