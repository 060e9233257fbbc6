from datetime import date

from dateutil.relativedelta import relativedelta
from lxml import etree

from odoo.tests import tagged
from odoo.tools.safe_eval import datetime as safe_datetime
from odoo.tools.safe_eval import safe_eval

from .common import MembershipRenewalCommon

QUEUES = [
    "queue_to_send",
    "queue_awaiting",
    "queue_to_remind",
    "queue_change_requests",
    "queue_no_reply_7",
    "queue_intervention",
    "queue_no_reply_long",
    "queue_approved_unpaid",
]


@tagged("post_install", "-at_install")
class TestWorkQueues(MembershipRenewalCommon):
    """Each saved filter of the officer's work queues, evaluated as the web
    client does on a frozen date, returns exactly the expected notices."""

    def queue(self, name, today):
        return self.search_filter(name, today)

    def search_filter(self, name, today):
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
        hal = self.env["res.partner"].create({"name": "Hal"})
        self.subscriptions |= self.paid_subscription(hal, self.plan_year, "2026-01-01", "2026-12-31")
        ivy = self.env["res.partner"].create({"name": "Ivy"})
        self.subscriptions |= self.paid_subscription(ivy, self.plan_year, "2026-01-01", "2026-12-31")
        to_send = self.notice(hal, state="draft")
        reminded = self.notice(ivy, date_sent="2026-11-09", reminder_count=1)  # reminded on day 7, next on day 21
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
        self.notices = to_send | reminded | sent_5_days | sent_10_days | change | intervention | old | unpaid | paid
        today = date(2026, 11, 21)
        expected = {
            "queue_to_send": to_send,
            "queue_awaiting": sent_5_days,
            "queue_to_remind": sent_10_days,
            "queue_change_requests": change,
            "queue_no_reply_7": reminded,
            "queue_intervention": intervention,
            "queue_no_reply_long": old,
            "queue_approved_unpaid": unpaid,
        }
        for name in QUEUES:
            with self.subTest(queue=name):
                self.assertEqual(self.queue(name, today), expected[name])
        self.assertEqual(self.search_filter("filter_in_progress", today), self.notices - paid, "all but the finished")
        # one day later the 5-day-old notice is still awaiting; two days later it is to remind
        self.assertEqual(self.queue("queue_awaiting", date(2026, 11, 22)), sent_5_days)
        self.assertEqual(self.queue("queue_to_remind", date(2026, 11, 23)), sent_5_days | sent_10_days)
        # once reminded, a notice without answer waits in 'no reply for 7 days' until its next reminder
        sent_10_days.write({"reminder_count": 1})
        self.assertEqual(self.queue("queue_no_reply_7", date(2026, 11, 22)), reminded | sent_10_days)

    def test_every_queue_has_its_menu(self):
        for name in QUEUES:
            actions = self.env["ir.actions.act_window"].search([("res_model", "=", "membership.renewal")])
            with self.subTest(queue=name):
                self.assertTrue(
                    [a for a in actions if f"search_default_{name}" in (a.context or "")],
                    f"an action (menu) opens the {name} queue",
                )

    def queue_names(self):
        """The queues as the module's menus open them (search_default_queue_*)."""
        actions = self.env["ir.actions.act_window"].search([("res_model", "=", "membership.renewal")])
        names = set()
        for action in actions:
            context = safe_eval(action.context or "{}", {"uid": self.env.uid, "allowed_company_ids": []})
            names.update(key[len("search_default_") :] for key in context if key.startswith("search_default_queue_"))
        return sorted(names)

    def test_no_notice_lost(self):
        """Every notice of a running campaign is in exactly one work queue,
        or finished (renewed and paid, refused, or cancelled by an officer),
        never both, whatever happened to it or to its invoice."""
        extra = self.env["res.partner"].create([{"name": f"Member {i}"} for i in range(12)])
        for partner in extra:
            self.subscriptions |= self.paid_subscription(partner, self.plan_year, "2026-01-01", "2026-12-31")
        members = self.members | extra
        receivable = "asset_receivable"
        draft = self.notice(members[0], state="draft")
        sent = self.notice(members[1], date_sent="2026-11-16")
        no_reply = self.notice(members[2], date_sent="2026-04-01", reminder_count=3)
        change = self.notice(members[3], date_sent="2026-11-01")
        change.action_request_change("Associate plan, please.")
        refused = self.notice(members[4])
        refused.action_refuse(self.refuse_reason.id)
        cancelled = self.notice(members[5])
        cancelled.action_cancel()
        events = {
            "unpaid": lambda inv: None,
            "paid": self.pay,
            "credited": self.credit,
            "cancelled": lambda inv: inv.button_cancel(),
            "draft": lambda inv: inv.button_draft(),
            "unreconciled": lambda inv: (
                self.pay(inv),
                self.env.flush_all(),
                inv.line_ids.filtered(lambda l: l.account_id.account_type == receivable).remove_move_reconcile(),
            ),
            "partly paid": lambda inv: self.pay(inv, amount=10.0),
            "paid then refunded": lambda inv: (
                self.pay(inv),
                self.env.flush_all(),
                self.env["account.move"]
                .browse(
                    self.env["account.move.reversal"]
                    .with_context(active_model="account.move", active_ids=inv.ids)
                    .create({"journal_id": inv.journal_id.id, "reason": "refund"})
                    .refund_moves()["res_id"]
                )
                .action_post(),
            ),
        }
        approved = self.env["membership.renewal"]
        for member, (_name, event) in zip(members[6:14], events.items(), strict=True):
            renewal = self.notice(member, mode="auto")
            renewal.action_approve()
            self.env.flush_all()
            event(renewal.subscription_id.invoice_id)
            approved |= renewal
        # auto-renewed members asking not to renew, before and after paying: a change request each
        opt_outs = self.env["membership.renewal"]
        for member, paid in zip(members[14:], (False, True), strict=True):
            renewal = self.notice(member, mode="auto")
            renewal.action_approve()
            if paid:
                self.pay(renewal.subscription_id.invoice_id)
            renewal._request_opt_out("We stop our membership.")
            opt_outs |= renewal
        self.env.flush_all()
        self.notices = draft | sent | no_reply | change | refused | cancelled | approved | opt_outs
        self.notices.invalidate_recordset()
        names = self.queue_names()
        self.assertIn("queue_intervention", names)
        today = date(2026, 11, 21)
        in_queue = {name: self.queue(name, today) for name in names}
        self.assertEqual(sorted(names), sorted(QUEUES), "the menus open every queue")
        for renewal in self.notices:
            finished = (
                renewal.state == "approved" and renewal.is_paid and not renewal.opt_out_requested
            ) or renewal.state in ("refused", "cancelled")
            queues = [name for name, found in in_queue.items() if renewal in found]
            with self.subTest(notice=renewal.partner_id.name, state=renewal.state):
                self.assertEqual(len(queues), 0 if finished else 1, f"finished, or in exactly one queue: {queues}")
                if renewal.state == "approved" and renewal.is_paid:
                    self.assertEqual(renewal.payment_state in ("paid", "in_payment"), True)
        self.assertEqual(in_queue["queue_change_requests"] & opt_outs, opt_outs)
        self.assertEqual(in_queue["queue_to_send"], draft)
        # every accounting event left its notice in the intervention queue
        lost = approved.filtered(lambda r: r.state == "approved" and not r.is_paid)
        self.assertEqual(len(lost), 2, "the unpaid and partly paid notices wait for their payment")
        self.assertEqual(len(approved.filtered(lambda r: r.state == "intervention")), 5)
