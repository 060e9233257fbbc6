"""Hostile input over the real RPC path (XML-RPC, as any logged-in user can
call a public method): each refused call is a UserError/ValidationError
fault (not a crash) naming the argument or field and what is allowed, and
writes nothing; every public method returns something XML-RPC can carry."""

import xmlrpc.client
from datetime import date, timedelta

from odoo import Command, fields
from odoo.tests import HttpCase, tagged

from .common import MembershipFollowupCommon, MembershipRenewalCommon

# the fault code Odoo's /xmlrpc/2 gives a UserError (ValidationError included);
# a crash is RPC_FAULT_CODE_APPLICATION_ERROR (1) with a traceback
USER_ERROR = 2


@tagged("post_install", "-at_install")
class TestRpcHostile(MembershipRenewalCommon, MembershipFollowupCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ann_notice = cls.notice(cls.members[0])
        cls.bob_notice = cls.notice(cls.members[1], state="draft")
        cls.invoice = cls.dues_invoice(cls.ann, date.today() - timedelta(days=20))

    def call(self, login, model, method, *args):
        """``model.method(*args)`` over XML-RPC as ``login`` (x2many commands as plain tuples)."""
        uid = self.xmlrpc_common.authenticate(self.env.cr.dbname, login, login, {})
        self.assertTrue(uid, login)
        return self.xmlrpc_object.execute(self.env.cr.dbname, uid, login, model, method, *args)

    def assertRefused(self, call, message):
        """``call`` is a UserError fault whose message matches ``message``."""
        with self.assertRaises(xmlrpc.client.Fault) as caught:
            call()
        fault = caught.exception
        self.assertEqual(fault.faultCode, USER_ERROR, f"a UserError, not a crash: {fault.faultString[-600:]}")
        self.assertRegex(fault.faultString, message)
        self.assertNotIn("Traceback", fault.faultString)

    def snapshot(self, records, fnames):
        records.invalidate_recordset()
        return [records.read(fnames), self.env["mail.message"].search_count([])]

    # ------------------------------------------------------------------
    # Arguments
    # ------------------------------------------------------------------
    def test_postpone_days(self):
        move = ("account.move", "action_membership_postpone", self.invoice.ids)
        allowed = r"Argument days: .* not allowed; give a whole number from 1 to 365"
        before = self.snapshot(self.invoice, ["dues_followup_postponed_until"])
        for days in (-100000, 0, 366, 10**9, "abc", "15", 1.5, True, [15], {"days": 15}):
            with self.subTest(days=days):
                self.assertRefused(lambda days=days: self.call("md_officer", *move, days), allowed)
                self.assertEqual(self.snapshot(self.invoice, ["dues_followup_postponed_until"]), before)
        # the valid call is carried over XML-RPC (it returned None before)
        self.assertIs(self.call("md_officer", *move, 15), True)
        self.invoice.invalidate_recordset()
        self.assertEqual(self.invoice.dues_followup_postponed_until, date.today() + timedelta(days=15))

    def test_refuse_reason_and_note(self):
        notice = ("membership.renewal", "action_refuse", self.ann_notice.ids)
        reason = self.refuse_reason.id
        cases = [
            (("abc",), r"Argument reason: 'abc' is not allowed; give the id of an existing Renewal Refusal Reason"),
            ((10**9,), r"Argument reason: 1000000000 is not allowed"),
            ((-1,), r"Argument reason: -1 is not allowed"),
            (([reason],), r"Argument reason: \[\d+\] is not allowed"),
            ((True,), r"Argument reason: True is not allowed"),
            ((0,), r"Choose the reason of the refusal"),
            ((reason, 12345), r"Argument note: 12345 is not allowed; give a text of at most 4000 characters"),
            ((reason, "x" * 4001), r"Argument note: 'xxx+\.\.\. is not allowed; give a text of at most 4000"),
            ((reason, ["a"]), r"Argument note: \['a'\] is not allowed"),
        ]
        fnames = ["state", "refusal_reason_id", "refusal_note", "date_answered"]
        before = self.snapshot(self.ann_notice, fnames)
        for args, message in cases:
            with self.subTest(args=str(args)[:40]):
                self.assertRefused(lambda args=args: self.call("md_officer", *notice, *args), message)
                self.assertEqual(self.snapshot(self.ann_notice, fnames), before, "nothing written")
        report = self.call("md_officer", *notice, reason, "Too expensive")
        self.assertEqual(report["params"]["type"], "success")
        self.ann_notice.invalidate_recordset()
        self.assertEqual(self.ann_notice.state, "refused")
        self.assertEqual(self.ann_notice.refusal_note, "Too expensive")

    def test_request_change_comment(self):
        notice = ("membership.renewal", "action_request_change", self.ann_notice.ids)
        cases = [
            (123, r"Argument comment: 123 is not allowed; give a text of at most 4000 characters"),
            (["less"], r"Argument comment: \['less'\] is not allowed"),
            ("y" * 4001, r"Argument comment: 'yyy+\.\.\. is not allowed"),
            ("   ", r"Please say which change you would like"),
            (False, r"Please say which change you would like"),
        ]
        fnames = ["state", "change_comment", "date_answered"]
        before = self.snapshot(self.ann_notice, fnames)
        for comment, message in cases:
            with self.subTest(comment=str(comment)[:20]):
                self.assertRefused(lambda comment=comment: self.call("md_officer", *notice, comment), message)
                self.assertEqual(self.snapshot(self.ann_notice, fnames), before, "nothing written")
        self.assertIs(self.call("md_officer", *notice, "A smaller plan, please"), True)
        self.ann_notice.invalidate_recordset()
        self.assertEqual(self.ann_notice.state, "change_requested")

    # ------------------------------------------------------------------
    # Return values: every public action is carried by XML-RPC
    # ------------------------------------------------------------------
    def test_public_actions_return_what_xmlrpc_carries(self):
        campaign = self.make_campaign()
        declaration = self.env["membership.declaration"].create(
            {
                "partner_id": self.person.id,
                "year": 2027,
                "line_ids": [
                    Command.create({"figure_id": self.env.ref("membership_dues.figure_headcount").id, "value": 3})
                ],
            }
        )
        empty_declaration = self.env["membership.declaration"].create({"partner_id": self.person.id, "year": 2028})
        card = self.env["membership.card"].create({"partner_id": self.person.id})
        subscription = self.make_subscription(self.person, self.plan_anniversary, "2030-01-01", "2030-12-31")
        intervention = self.notice(self.members[2], intervention_reason="Check the member's address")
        tariff_plan = self.plan_year.copy(
            {"name": "Grid plan", "tariff_id": self.env["membership.tariff"].create({"name": "Grid"}).id}
        )
        declaration_campaign = self.env["membership.declaration.campaign"].create(
            {
                "name": "Figures",
                "year": 2031,
                "plan_ids": [Command.set(tariff_plan.ids)],
                "deadline": fields.Date.today() + timedelta(days=30),
            }
        )
        to_declare = self.env["membership.declaration"].create({"partner_id": self.person.id, "year": 2029})
        calls = [
            ("membership.renewal", "action_recompute_fee", self.bob_notice.ids),
            ("membership.renewal", "action_send", self.bob_notice.ids),
            ("membership.renewal", "action_queue_send", self.bob_notice.ids),
            ("membership.renewal", "action_queue_approve", self.bob_notice.ids),
            ("membership.renewal", "action_set_intervention", intervention.ids),
            ("membership.renewal", "action_clear_intervention", intervention.ids),
            ("membership.renewal", "action_approve", self.bob_notice.ids),
            ("membership.renewal", "action_reset", self.bob_notice.ids),
            ("membership.renewal", "action_cancel", self.bob_notice.ids),
            ("membership.renewal", "preview_renewal", self.bob_notice.ids),
            ("membership.renewal.campaign", "action_launch", campaign.ids),
            ("membership.renewal.campaign", "action_cancel", campaign.ids),
            ("membership.renewal.campaign", "action_draft", campaign.ids),
            ("membership.renewal.campaign", "action_retry_failed", campaign.ids),
            ("membership.renewal.campaign", "action_view_renewals", campaign.ids),
            ("membership.declaration", "action_declare", declaration.ids),
            ("membership.declaration", "action_validate", declaration.ids),
            ("membership.declaration", "action_reset", declaration.ids),
            ("membership.declaration", "action_prefill_from_last_year", empty_declaration.ids),
            ("membership.declaration", "action_validate_selected", (declaration | empty_declaration).ids),
            ("membership.declaration", "action_send_request", to_declare.ids),
            ("membership.declaration.campaign", "action_launch", declaration_campaign.ids),
            ("membership.declaration.campaign", "action_retry_failed", declaration_campaign.ids),
            ("membership.declaration.campaign", "action_view_declarations", declaration_campaign.ids),
            ("membership.declaration.campaign", "action_view_unanswered", declaration_campaign.ids),
            ("membership.declaration.campaign", "action_view_late", declaration_campaign.ids),
            ("membership.declaration.campaign", "action_view_to_validate", declaration_campaign.ids),
            ("membership.declaration.campaign", "action_view_large_changes", declaration_campaign.ids),
            ("membership.declaration.campaign", "action_view_progress", declaration_campaign.ids),
            ("membership.declaration.campaign", "action_view_figures", declaration_campaign.ids),
            ("membership.declaration.campaign", "action_view_failed", declaration_campaign.ids),
            ("membership.declaration.campaign", "action_close", declaration_campaign.ids),
            ("membership.declaration.campaign", "action_reopen", declaration_campaign.ids),
            ("membership.card", "action_revoke", card.ids),
            ("membership.subscription", "action_cancel", subscription.ids),
            ("membership.subscription", "action_reset_cancelled", subscription.ids),
            ("membership.subscription", "action_view_invoice", subscription.ids),
        ]
        for model, method, ids in calls:
            with self.subTest(method=f"{model}.{method}"):
                result = self.call("md_officer", model, method, ids)
                self.assertTrue(result is True or isinstance(result, dict) or result is False, result)
        self.env.invalidate_all()
        self.assertFalse(card.active, "the calls went through")
        self.assertEqual(self.bob_notice.state, "cancelled")

    # ------------------------------------------------------------------
    # Required things
    # ------------------------------------------------------------------
    def test_required_things_are_refused_over_rpc(self):
        Campaign = self.env["membership.renewal.campaign"]
        Policy = self.env["membership.followup.policy"]
        campaigns, policies = Campaign.search_count([]), Policy.search_count([])
        campaign = {"name": "No plan", "date_from": "2026-12-31", "date_to": "2026-12-31"}
        self.assertRefused(
            lambda: self.call("md_manager", "membership.renewal.campaign", "create", [campaign]),
            r"Campaign No plan: choose the plans it renews \(Plans\)",
        )
        with_plan = self.call(
            "md_manager",
            "membership.renewal.campaign",
            "create",
            [{**campaign, "plan_ids": [(6, 0, self.plan_year.ids)]}],
        )
        self.assertRefused(
            lambda: self.call(
                "md_manager", "membership.renewal.campaign", "write", with_plan, {"plan_ids": [(5, 0, 0)]}
            ),
            r"choose the plans it renews",
        )
        self.assertEqual(Campaign.browse(with_plan).plan_ids, self.plan_year, "nothing written")
        self.assertRefused(
            lambda: self.call("md_manager", "membership.followup.policy", "create", [{"name": "Empty"}]),
            r"Follow-up policy Empty has no level: add at least one",
        )
        self.assertRefused(
            lambda: self.call(
                "md_manager",
                "membership.followup.policy",
                "write",
                self.policy.ids,
                {"level_ids": [(2, level.id, 0) for level in self.policy.level_ids]},
            ),
            r"has no level",
        )
        self.policy.invalidate_recordset()
        self.assertEqual(len(self.policy.level_ids), 6, "nothing deleted")
        for values, message in (
            ({"late_fee_type": "fixed", "late_fee_amount": 0.0}, r"type Fixed amount needs its Late Fee"),
            ({"late_fee_type": "percent", "late_fee_percent": 0.0}, r"needs its Late Fee \(%\) \(more than 0"),
            ({"late_fee_type": "percent", "late_fee_percent": 250.0}, r"at most 100"),
        ):
            with self.subTest(values=values):
                values = {**values, "late_fee_product_id": self.late_fee_product.id}
                self.assertRefused(
                    lambda values=values: self.call(
                        "md_manager", "membership.followup.level", "write", self.level_first.ids, values
                    ),
                    message,
                )
                self.level_first.invalidate_recordset()
                self.assertEqual(self.level_first.late_fee_type, "none")
        self.assertEqual(Campaign.search_count([]), campaigns + 1)
        self.assertEqual(Policy.search_count([]), policies)

    # ------------------------------------------------------------------
    # Follow-up run dates
    # ------------------------------------------------------------------
    def test_followup_wizard_sends_only_today_or_a_past_day(self):
        Communication = self.env["membership.followup.communication"]
        today = date.today()
        future = today + timedelta(days=200)
        wizard = self.call("md_officer", "membership.followup.wizard", "create", [{"date": str(future)}])
        before = Communication.search_count([])
        self.assertRefused(
            lambda: self.call("md_officer", "membership.followup.wizard", "action_send", wizard),
            r"is in the future: a future date only previews what would be sent\. To send, set the date to "
            r"today",
        )
        self.assertEqual(Communication.search_count([]), before, "nothing sent")
        self.assertFalse(self.invoice.dues_followup_line_ids)
        # the preview of a future date works
        preview = self.env["membership.followup.wizard"].browse(wizard)
        self.assertIn(self.ann.id, [values["partner_id"] for values in preview._preview_values()])
        # today sends
        wizard = self.call("md_officer", "membership.followup.wizard", "create", [{"date": str(today)}])
        action = self.call("md_officer", "membership.followup.wizard", "action_send", wizard)
        self.assertEqual(action["res_model"], "membership.followup.communication")
        self.invoice.invalidate_recordset()
        self.assertTrue(self.invoice.dues_followup_line_ids, "sent today")
