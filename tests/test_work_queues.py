from datetime import date

from dateutil.relativedelta import relativedelta
from lxml import etree

from odoo.tests import tagged
from odoo.tools.safe_eval import datetime as safe_datetime
from odoo.tools.safe_eval import safe_eval

from .common import MembershipRenewalCommon

QUEUES = [
    "queue_to_remind",
    "queue_change_requests",
    "queue_no_reply_7",
    "queue_intervention",
    "queue_no_reply_long",
    "queue_approved_unpaid",
    "queue_in_progress",
]


@tagged("post_install", "-at_install")
class TestWorkQueues(MembershipRenewalCommon):
    """Each saved filter of the officer's work queues, evaluated as the web
    client does on a frozen date, returns exactly the expected notices."""

    def queue(self, name, today):
        arch = etree.fromstring(self.env.ref("membership_dues.membership_renewal_view_search").arch)
        domain_text = arch.xpath(f"//filter[@name='{name}']")[0].get("domain")
        domain = safe_eval(
            domain_text,
            {"context_today": lambda: today, "relativedelta": relativedelta, "datetime": safe_datetime},
        )
        return self.env["membership.renewal"].search(domain + [("id", "in", self.notices.ids)])

    def test_queues_on_frozen_dates(self):
        ann, bob, cid, dan = self.members
        extra = self.env["res.partner"].create([{"name": n} for n in ("Eve", "Fay", "Gus")])
        for partner in extra:
            self.subscriptions |= self.paid_subscription(partner, self.plan_year, "2026-01-01", "2026-12-31")
        eve, fay, gus = extra
        sent_5_days = self.notice(ann, date_sent="2026-11-16")  # sent 5 days before 21 November
        sent_10_days = self.notice(bob, date_sent="2026-11-11")  # first reminder due (7 days)
        change = self.notice(cid, date_sent="2026-11-01")
        change.action_request_change("Please switch us to the associate plan.")
        intervention = self.notice(dan, date_sent="2026-10-01", intervention_reason="Check the new address")
        intervention.action_set_intervention()
        old = self.notice(eve, date_sent="2026-04-01", reminder_count=3)  # more than 6 months
        unpaid = self.notice(fay)
        unpaid.action_approve()
        paid = self.notice(gus)
        paid.action_approve()
        self.pay(paid.subscription_id.invoice_id)
        self.notices = sent_5_days | sent_10_days | change | intervention | old | unpaid | paid
        today = date(2026, 11, 21)
        expected = {
            "queue_to_remind": sent_10_days,
            "queue_change_requests": change,
            "queue_no_reply_7": sent_10_days | old,
            "queue_intervention": intervention,
            "queue_no_reply_long": old,
            "queue_approved_unpaid": unpaid,
            "queue_in_progress": sent_5_days | sent_10_days | change | intervention | old | unpaid,
        }
        for name in QUEUES:
            with self.subTest(queue=name):
                self.assertEqual(self.queue(name, today), expected[name])
        # one day later the 5-day-old notice is not due yet, two days later it is
        self.assertEqual(self.queue("queue_to_remind", date(2026, 11, 23)), sent_5_days | sent_10_days)
        self.assertEqual(self.queue("queue_no_reply_7", date(2026, 11, 22)), sent_10_days | old)

    def test_every_queue_has_its_menu(self):
        for name in QUEUES:
            actions = self.env["ir.actions.act_window"].search([("res_model", "=", "membership.renewal")])
            with self.subTest(queue=name):
                self.assertTrue(
                    [a for a in actions if f"search_default_{name}" in (a.context or "")],
                    f"an action (menu) opens the {name} queue",
                )
