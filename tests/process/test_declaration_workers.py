"""A declaration campaign shared by several workers, and killed in the
middle: every member is asked once (one declaration of the year, one request
email), none is missed, and the campaign is closed once. Checked with SQL
counts on the real database after real Odoo processes ran (see conftest.py);
the renewal campaign's checks are in test_crash_and_concurrency.py."""

import signal
from collections import namedtuple

import pytest
from helpers import MEET_AT_BARRIER, reported, wait_for

MEMBERS = 200

# Three campaigns, one per test, each on its own tariff plan and members (the
# names do not clash with the other process tests of the session database).
# Half the members declared last year (the form is pre-filled with those
# figures); in each campaign one member already has a declaration of 2027
# made outside any campaign (linked, not created again) and one has already
# declared 2027 (linked, not asked again: no email).
SEED = """
from datetime import date, timedelta
from odoo import fields
env = env(context=dict(env.context, tracking_disable=True, mail_notrack=True, mail_create_nolog=True))
turnover = env.ref("membership_dues.figure_turnover")
payroll = env.ref("membership_dues.figure_payroll")
product = env["product.product"].create({"name": "Declared dues", "type": "service", "taxes_id": [(5, 0, 0)]})
tariff = env["membership.tariff"].create({"name": "Declared tariff"})
deadline = fields.Date.context_today(env.user) + timedelta(days=40)
Declaration = env["membership.declaration"]
for key in %(keys)r:
    plan = env["membership.plan"].create({
        "name": f"Declaring plan {key}", "fee_amount": 100.0, "product_id": product.id, "period_rule": "calendar",
        "period_months": 12, "period_start_month": "1", "period_start_day": 1, "tariff_id": tariff.id,
        "fallback_mode": "none",
    })
    partners = env["res.partner"].create([
        {"name": f"{key} declarant {i:04d}", "email": f"{key}{i}@example.com", "is_company": True, "lang": "en_US"}
        for i in range(%(members)d)
    ])
    env["membership.subscription"].create([
        {"partner_id": partner.id, "plan_id": plan.id, "date_start": date(2026, 1, 1),
         "date_end": date(2026, 12, 31), "amount": 0.0, "full_amount": 0.0}
        for partner in partners
    ])
    Declaration.create([
        {"partner_id": partner.id, "year": 2026, "state": "validated", "line_ids": [
            (0, 0, {"figure_id": turnover.id, "value": 500_000 + 1000 * i}),
            (0, 0, {"figure_id": payroll.id, "value": 90_000 + 100 * i}),
        ]}
        for i, partner in enumerate(partners) if i %% 2 == 0
    ])
    Declaration.create({"partner_id": partners[1].id, "year": 2027})
    Declaration.create({"partner_id": partners[3].id, "year": 2027, "state": "declared", "line_ids": [
        (0, 0, {"figure_id": turnover.id, "value": 700_000}),
    ]})
    campaign = env["membership.declaration.campaign"].create({
        "name": f"Figures {key}", "year": 2027, "plan_ids": [(6, 0, plan.ids)], "deadline": deadline,
    })
    campaign.action_launch()
    todo = env["res.partner"].with_context(active_test=False).search_count(campaign._get_todo_domain())
    print("TODO", key, todo, campaign.state)
env.cr.commit()
print("SEEDED")
""" % {"keys": ("decl-twice", "decl-pair", "decl-crash"), "members": MEMBERS}

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


def campaign_id(key):
    return f"(SELECT id FROM membership_declaration_campaign WHERE name = 'Figures {key}')"


def asked(odoo, key):
    """The declarations the campaign holds (committed)."""
    return odoo.value(f"SELECT count(*) FROM membership_declaration WHERE campaign_id = {campaign_id(key)}")


Counts = namedtuple(
    "Counts",
    "members declarations duplicated outside unsent to_declare emails not_one_email emailed_declared failed",
)

# Every member asked once: one declaration of 2027 each, in the campaign;
# one request (message and email) to each member still to declare, all but
# the one who had declared; nobody failed.
ALL_ASKED_ONCE = Counts(MEMBERS, MEMBERS, 0, 0, 0, MEMBERS - 1, MEMBERS - 1, 0, 0, 0)


def counts(odoo, key):
    """The members and their declarations of 2027: how many, members with
    more than one, outside the campaign, to declare and not sent or without
    a link; the campaign's declarations to declare, their request emails,
    those without exactly one request message and one email, the declared
    ones that got a request; the members recorded as failed. One statement:
    one snapshot, while other workers may still be committing."""
    request = (
        "FROM mail_message m WHERE m.model = 'membership.declaration' AND m.res_id = d.id "
        "AND m.subject LIKE 'Your figures of 2027%'"
    )
    query = f"""
        WITH members AS (SELECT id FROM res_partner WHERE name LIKE '{key} declarant %'),
        campaign AS (SELECT id FROM membership_declaration_campaign WHERE name = 'Figures {key}'),
        declarations AS (
            SELECT * FROM membership_declaration WHERE year = 2027 AND partner_id IN (SELECT id FROM members)
        ),
        requests AS (
            SELECT d.state, (SELECT count(*) {request}) AS messages,
                (SELECT count(*) FROM mail_mail mm WHERE mm.mail_message_id IN (SELECT m.id {request})) AS emails
            FROM declarations d WHERE d.campaign_id = (SELECT id FROM campaign)
        )
        SELECT
            (SELECT count(*) FROM members),
            (SELECT count(*) FROM declarations),
            (SELECT count(*) FROM (SELECT 1 FROM declarations GROUP BY partner_id, company_id HAVING count(*) > 1) x),
            (SELECT count(*) FROM declarations WHERE campaign_id IS DISTINCT FROM (SELECT id FROM campaign)),
            (SELECT count(*) FROM declarations WHERE campaign_id = (SELECT id FROM campaign)
                AND state = 'to_declare' AND (date_sent IS NULL OR access_token IS NULL OR token_expires_on IS NULL)),
            (SELECT count(*) FROM requests WHERE state = 'to_declare'),
            (SELECT coalesce(sum(emails), 0) FROM requests),
            (SELECT count(*) FROM requests WHERE state = 'to_declare' AND (messages != 1 OR emails != 1)),
            (SELECT count(*) FROM requests WHERE state != 'to_declare' AND messages > 0),
            (SELECT count(*) FROM membership_declaration_campaign_failed_rel
                WHERE membership_declaration_campaign_id = (SELECT id FROM campaign))
    """
    return Counts(*(int(value) for value in odoo.sql(query)[0]))


def assert_whole(odoo, key):
    """What is committed is whole: each declaration of the campaign to
    declare was sent, with its link and exactly one request (message and
    email); none is duplicated."""
    now = counts(odoo, key)
    assert (now.duplicated, now.unsent, now.not_one_email, now.emailed_declared, now.failed) == (0, 0, 0, 0, 0), now
    assert now.emails == now.to_declare, now


def assert_closed_once(odoo, key):
    assert (
        odoo.value(
            f"SELECT count(*) FROM membership_declaration_campaign WHERE id = {campaign_id(key)} AND state = 'open'"
        )
        == 1
    ), "the campaign moved on to collecting"
    closing = odoo.sql(
        "SELECT body FROM mail_message WHERE model = 'membership.declaration.campaign' "
        f"AND res_id = {campaign_id(key)} AND body LIKE '%All members asked%'"
    )
    assert len(closing) == 1, f"closed once: {closing}"
    assert f"{MEMBERS} declarations, 0 members not asked" in closing[0][0], closing


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
    assert counts(odoo, key) == ALL_ASKED_ONCE
    assert_closed_once(odoo, key)


def test_kill_9_one_of_two_declaration_workers_then_restart_it(seeded, tmp_path):
    """Two workers share a declaration campaign; one is killed (kill -9)
    in the middle of a batch: what was committed is whole, the other goes
    on, the restarted one joins in, and in the end every member is asked
    exactly once and the campaign is closed once."""
    odoo = seeded
    key = "decl-pair"
    first = odoo.start_shell(worker_script(key, tmp_path, "first", pause=0.05), tmp_path / "first.log")
    second = odoo.start_shell(worker_script(key, tmp_path, "second", pause=0.05), tmp_path / "second.log")
    started = wait_for(lambda: asked(odoo, key) >= 60, timeout=120)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=30)
    first.log.close()
    assert started, (tmp_path / "second.log").read_text()[-3000:]
    assert asked(odoo, key) < MEMBERS, "killed in the middle"
    assert_whole(odoo, key)
    restarted = odoo.start_shell(worker_script(key, tmp_path, "restarted", workers=1), tmp_path / "restarted.log")
    outputs = finish((second, restarted), [tmp_path / "second.log", tmp_path / "restarted.log"])
    assert processed(outputs[0]) > 0, "the survivor went on"
    assert counts(odoo, key) == ALL_ASKED_ONCE
    assert_closed_once(odoo, key)


def test_kill_9_in_the_middle_of_a_declaration_campaign_then_resume(seeded, tmp_path):
    """kill -9 of the only worker in the middle of a batch: what was
    committed is whole (each declaration sent, with its link and one
    email), the campaign is still sending; a new run asks the others and
    closes it, every member asked exactly once."""
    odoo = seeded
    key = "decl-crash"
    process = odoo.start_shell(worker_script(key, tmp_path, "crash", workers=1, pause=0.1), tmp_path / "crash.log")
    started = wait_for(lambda: asked(odoo, key) >= 40, timeout=120)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    process.log.close()
    assert started, (tmp_path / "crash.log").read_text()[-3000:]
    assert 40 <= asked(odoo, key) < MEMBERS, "killed in the middle"
    assert_whole(odoo, key)
    assert (
        odoo.value(
            f"SELECT count(*) FROM membership_declaration_campaign WHERE id = {campaign_id(key)} AND state = 'running'"
        )
        == 1
    )
    outputs = finish(
        [odoo.start_shell(worker_script(key, tmp_path, "rerun", workers=1, batch=50), tmp_path / "rerun.log")],
        [tmp_path / "rerun.log"],
    )
    assert 0 < processed(outputs[0]) <= MEMBERS - 40
    assert counts(odoo, key) == ALL_ASKED_ONCE
    assert_closed_once(odoo, key)
