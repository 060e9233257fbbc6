"""What the process checks share: waiting for a condition on the database,
reading the count a worker script printed, and the renewal and declaration
campaigns' seeding and counts."""

import time
from collections import namedtuple


def wait_for(predicate, timeout=240):
    """Poll ``predicate`` until it is true (True) or ``timeout`` seconds pass (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


# The lines of a worker script that start the workers at once: each says it
# is ready (a file in the folder %(barrier)r) and waits, two minutes at most,
# until the %(workers)d workers are. Needs ``os`` and ``time`` imported.
MEET_AT_BARRIER = """
open(os.path.join(%(barrier)r, "ready-%(name)s"), "w").close()
deadline = time.monotonic() + 120
while sum(f.startswith("ready-") for f in os.listdir(%(barrier)r)) < %(workers)d and time.monotonic() < deadline:
    time.sleep(0.05)
"""


def reported(output, label):
    """The number a worker script printed once as ``LABEL n``."""
    counts = [int(line.split()[1]) for line in output.splitlines() if line.startswith(f"{label} ")]
    assert len(counts) == 1, output[-3000:]
    return counts[0]


# For each key of ``keys``: a plan "Plan <key>" (renewal mode "notice" for the
# key "notice", else "invoice"), ``members`` members with a 2026 subscription
# of it, and a running renewal campaign "Campaign <key>" for 2027 (seeded
# quietly, committed, "SEEDED" printed).
CAMPAIGN_SEED = """
from datetime import date
env = env(context=dict(env.context, tracking_disable=True, mail_notrack=True, mail_create_nolog=True))
product = env["product.product"].create({"name": "Dues", "type": "service", "taxes_id": [(5, 0, 0)]})
for key in %(keys)r:
    plan = env["membership.plan"].create({
        "name": f"Plan {key}", "fee_amount": 100.0, "product_id": product.id, "period_rule": "calendar",
        "period_months": 12, "period_start_month": "1", "period_start_day": 1,
        "renewal_mode": "notice" if key == "notice" else "invoice",
    })
    partners = env["res.partner"].create(
        [{"name": f"{key} member {i:04d}", "email": f"{key}{i}@example.com"} for i in range(%(members)d)]
    )
    env["membership.subscription"].create([
        {"partner_id": partner.id, "plan_id": plan.id, "date_start": date(2026, 1, 1),
         "date_end": date(2026, 12, 31), "amount": 0.0, "full_amount": 0.0}
        for partner in partners
    ])
    env["membership.renewal.campaign"].create({
        "name": f"Campaign {key}", "plan_ids": [(6, 0, plan.ids)], "date_from": "2026-12-31",
        "date_to": "2026-12-31", "send_on_launch": False, "state": "running",
    })
env.cr.commit()
print("SEEDED")
"""


def campaign_counts(odoo, key):
    """(candidates, renewals, candidates with more than one renewal, 2027
    subscriptions, 2027 subscriptions without their posted invoice, approved
    renewals without a subscription)."""
    plan = f"(SELECT id FROM membership_plan WHERE name->>'en_US' = 'Plan {key}')"
    return (
        odoo.value(
            f"SELECT count(*) FROM membership_subscription WHERE plan_id = {plan} AND date_start = '2026-01-01'"
        ),
        odoo.value(f"SELECT count(*) FROM membership_renewal WHERE plan_id = {plan}"),
        odoo.value(
            f"SELECT count(*) FROM (SELECT previous_subscription_id FROM membership_renewal WHERE plan_id = {plan} "
            "GROUP BY 1 HAVING count(*) > 1) d"
        ),
        odoo.value(
            f"SELECT count(*) FROM membership_subscription WHERE plan_id = {plan} AND date_start = '2027-01-01'"
        ),
        odoo.value(
            f"SELECT count(*) FROM membership_subscription s LEFT JOIN account_move m ON m.id = s.invoice_id "
            f"WHERE s.plan_id = {plan} AND s.date_start = '2027-01-01' AND (m.id IS NULL OR m.state != 'posted')"
        ),
        odoo.value(
            f"SELECT count(*) FROM membership_renewal WHERE plan_id = {plan} AND state = 'approved' "
            "AND subscription_id IS NULL"
        ),
    )


# For each key of ``keys``: a tariff plan "Declaring plan <key>" with
# ``members`` company members with a 2026 subscription of it, and a running
# declaration campaign "Figures <key>" for 2027 (seeded quietly, committed,
# "TODO <key> <members to ask> running" and "SEEDED" printed).
# Half the members declared last year (the form is pre-filled with those
# figures); in each campaign one member already has a declaration of 2027
# made outside any campaign (linked, not created again) and one has already
# declared 2027 (linked, not asked again: no email).
DECLARATION_SEED = """
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
"""


def declaration_campaign_id(key):
    return f"(SELECT id FROM membership_declaration_campaign WHERE name = 'Figures {key}')"


def declarations_asked(odoo, key):
    """The declarations the campaign holds (committed)."""
    return odoo.value(f"SELECT count(*) FROM membership_declaration WHERE campaign_id = {declaration_campaign_id(key)}")


DeclarationCounts = namedtuple(
    "DeclarationCounts",
    "members declarations duplicated outside unsent to_declare emails not_one_email emailed_declared failed",
)


def all_asked_once(members):
    """The counts once every one of ``members`` is asked once: one
    declaration of 2027 each, in the campaign; one request (message and
    email) to each member still to declare, all but the one who had
    declared; nobody failed."""
    return DeclarationCounts(members, members, 0, 0, 0, members - 1, members - 1, 0, 0, 0)


def declaration_counts(odoo, key):
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
    return DeclarationCounts(*(int(value) for value in odoo.sql(query)[0]))


def assert_declarations_whole(odoo, key):
    """What is committed is whole: each declaration of the campaign to
    declare was sent, with its link and exactly one request (message and
    email); none is duplicated."""
    now = declaration_counts(odoo, key)
    assert (now.duplicated, now.unsent, now.not_one_email, now.emailed_declared, now.failed) == (0, 0, 0, 0, 0), now
    assert now.emails == now.to_declare, now


def assert_declarations_closed_once(odoo, key, members):
    assert (
        odoo.value(
            "SELECT count(*) FROM membership_declaration_campaign "
            f"WHERE id = {declaration_campaign_id(key)} AND state = 'open'"
        )
        == 1
    ), "the campaign moved on to collecting"
    closing = odoo.sql(
        "SELECT body FROM mail_message WHERE model = 'membership.declaration.campaign' "
        f"AND res_id = {declaration_campaign_id(key)} AND body LIKE '%All members asked%'"
    )
    assert len(closing) == 1, f"closed once: {closing}"
    assert f"{members} declarations, 0 members not asked" in closing[0][0], closing
