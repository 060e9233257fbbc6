"""What the process checks share: waiting for a condition on the database,
reading the count a worker script printed, and the renewal campaigns'
seeding and counts."""

import time


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
