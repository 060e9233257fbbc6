"""Declaration campaigns: who is asked, the emails and their link (without a
portal account), reminders before and after the deadline (one per step,
none twice, a missed day sends one), progress, the officer's queues, bulk
validation, and the warning on a renewal campaign launched too early."""

from datetime import date, timedelta
from urllib.parse import parse_qs, urlparse

from odoo import Command, fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .common import MembershipPortalCommon, MembershipTariffCommon
from .test_cron_isolation import FailOneRecord

QUIET = (
    "odoo.addons.membership_dues.models.membership_declaration_campaign",
    "odoo.addons.membership_dues.models.membership_declaration",
    "odoo.addons.membership_dues.tools.batch",
    "odoo.sql_db",
)


class DeclarationCampaignCommon(MembershipTariffCommon):
    """Four member companies paid 2026 on the company plan (tariff grid):
    Alpha declared 2026 (and is asked for 2027), Beta declared 2026, Gamma
    has no figure at all, Delta is leaving. A member of the plain yearly
    plan (no tariff) is never asked."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.alpha, cls.beta, cls.gamma, cls.delta = cls.env["res.partner"].create(
            [
                {"name": name, "is_company": True, "email": f"{name.lower()}@example.com", "lang": "en_US"}
                for name in ("Alpha", "Beta", "Gamma", "Delta")
            ]
        )
        for member in cls.alpha | cls.beta | cls.gamma | cls.delta:
            cls.paid_subscription(member, cls.plan_company, date(2026, 1, 1), date(2026, 12, 31))
        cls.delta.dues_leaving = True
        cls.paid_subscription(cls.person, cls.plan_year, date(2026, 1, 1), date(2026, 12, 31))
        cls.declare(cls.alpha, 2026, turnover=800_000, payroll=118_600, headcount=4)
        cls.declare(cls.beta, 2026, turnover=1_500_000, payroll=200_000, headcount=9)
        cls.today = fields.Date.context_today(cls.env["res.partner"])
        cls.deadline = cls.today + timedelta(days=40)

    def make_campaign(self, **values):
        return self.env["membership.declaration.campaign"].create(
            {
                "name": "Figures 2027",
                "year": 2027,
                "plan_ids": [Command.set(self.plan_company.ids)],
                "deadline": self.deadline,
                "reminder_days_before": "7",
                "reminder_days_after": "7,21",
                **values,
            }
        )

    def launch(self, campaign, batch_size=100):
        campaign.action_launch()
        with self.patched_commit_progress():
            self.env["membership.declaration.campaign"]._cron_run_declaration_campaigns(
                batch_size=batch_size, today=self.today
            )
        return campaign.declaration_ids

    def mails(self, declaration, subject_part):
        self.env.flush_all()
        return self.env["mail.mail"].search(
            [
                ("model", "=", "membership.declaration"),
                ("res_id", "=", declaration.id),
                ("subject", "ilike", subject_part),
            ]
        )


@tagged("post_install", "-at_install")
class TestDeclarationCampaign(FailOneRecord, DeclarationCampaignCommon):
    def test_launch_asks_the_plans_members_once(self):
        campaign = self.make_campaign()
        declarations = self.launch(campaign, batch_size=2)
        self.assertEqual(declarations.partner_id, self.alpha | self.beta | self.gamma, "not leaving, tariff plan only")
        self.assertEqual(set(declarations.mapped("state")), {"to_declare"})
        self.assertEqual(set(declarations.mapped("deadline")), {self.deadline})
        self.assertEqual(campaign.state, "open")
        for declaration in declarations:
            mail = self.mails(declaration, "Your figures of 2027")
            self.assertEqual(len(mail), 1, declaration.partner_id.name)
            self.assertIn(declaration.partner_id, mail.recipient_ids)
            self.assertIn(f"/my/declarations/{declaration.id}?access_token={declaration.access_token}", mail.body_html)
            self.assertIn("Please answer by", mail.body_html)
            self.assertEqual(declaration.date_sent, self.today)
            self.assertGreaterEqual(declaration.token_expires_on, self.deadline + timedelta(days=7))
        # a second run, a relaunch and the cron again create and send nothing more
        campaign.state = "running"
        with self.patched_commit_progress():
            for _run in range(2):
                self.env["membership.declaration.campaign"]._cron_run_declaration_campaigns(today=self.today)
        self.assertEqual(campaign.declaration_ids, declarations)
        self.assertEqual(sum(len(self.mails(d, "Your figures of 2027")) for d in declarations), 3)

    def test_an_existing_declaration_is_linked_and_a_declared_member_is_not_asked(self):
        declared = self.declare(self.beta, 2027, turnover=1_600_000, payroll=210_000, headcount=9, state="declared")
        self.env["membership.declaration"].create({"partner_id": self.gamma.id, "year": 2027})
        declarations = self.launch(self.make_campaign())
        self.assertEqual(len(declarations), 3)
        self.assertIn(declared, declarations)
        self.assertEqual(declared.state, "declared")
        self.assertFalse(self.mails(declared, "figures"), "a member who declared already gets no request")
        self.assertEqual(len(self.mails(declarations.filtered(lambda d: d.partner_id == self.gamma), "figures")), 1)

    def test_a_second_campaign_of_the_year_does_not_ask_again(self):
        first = self.make_campaign()
        self.launch(first)
        second = self.make_campaign(name="Figures 2027 again")
        self.assertFalse(self.launch(second))
        self.assertEqual(len(first.declaration_ids), 3)

    def test_bad_settings_say_what_to_fix(self):
        cases = [
            ({"plan_ids": [Command.set(self.plan_year.ids)]}, "has no tariff grid"),
            ({"plan_ids": [Command.clear()]}, "choose the plans"),
            ({"reminder_days_before": "7, x"}, r"Remind Days Before '7, x': write whole numbers"),
            ({"reminder_days_after": "-3"}, "between 0 and 366"),
        ]
        for values, message in cases:
            with (
                self.subTest(values=values),
                self.assertRaisesRegex(ValidationError, message),
                self.env.cr.savepoint(),
            ):
                self.make_campaign(**values)
        late = self.make_campaign(deadline=self.today - timedelta(days=1))
        with self.assertRaisesRegex(UserError, "the deadline .* has passed"):
            late.action_launch()

    def test_reminders_one_per_step_none_twice_and_a_missed_day_sends_one(self):
        campaign = self.make_campaign()
        declarations = self.launch(campaign)
        alpha = declarations.filtered(lambda d: d.partner_id == self.alpha)
        beta = declarations.filtered(lambda d: d.partner_id == self.beta)
        beta.write({"line_ids": [Command.create({"figure_id": self.turnover.id, "value": 1_600_000})]})
        beta.action_declare()
        Declaration = self.env["membership.declaration"]
        self.assertEqual(alpha.next_reminder_date, self.deadline - timedelta(days=7))

        def remind(on):
            with mute_logger(*QUIET), self.patched_commit_progress():
                for _run in range(2):  # twice the same day: nothing more
                    self.assertEqual(Declaration._cron_send_declaration_reminders(today=on), 0)

        remind(self.deadline - timedelta(days=8))
        self.assertFalse(self.mails(alpha, "Reminder"), "not yet")
        remind(self.deadline - timedelta(days=7))
        self.assertEqual(len(self.mails(alpha, "Reminder")), 1)
        self.assertIn("due by", self.mails(alpha, "Reminder").body_html)
        # the server was off from the deadline on: on day +25 one reminder (the last step), not two
        remind(self.deadline + timedelta(days=25))
        self.assertEqual(len(self.mails(alpha, "Reminder")), 2)
        self.assertEqual(sorted(alpha.reminder_ids.mapped("step")), [0, 2], "step 1 (day +7) was missed: skipped")
        self.assertIn("which were due on", self.mails(alpha, "Reminder")[0].body_html)
        self.assertFalse(alpha.next_reminder_date, "no step left")
        remind(self.deadline + timedelta(days=60))
        self.assertEqual(len(self.mails(alpha, "Reminder")), 2)
        self.assertFalse(self.mails(beta, "Reminder"), "declared: never reminded")

    def test_no_reminder_before_the_request_and_none_after_closing(self):
        campaign = self.make_campaign(reminder_days_before="60,7")
        declarations = self.launch(campaign)
        alpha = declarations.filtered(lambda d: d.partner_id == self.alpha)
        # the step 60 days before the deadline was before the member was asked: skipped
        self.assertEqual(alpha.next_reminder_date, self.deadline - timedelta(days=7))
        campaign.action_close()
        self.assertFalse(alpha.next_reminder_date)
        with self.patched_commit_progress():
            self.env["membership.declaration"]._cron_send_declaration_reminders(today=self.deadline)
        self.assertFalse(self.mails(alpha, "Reminder"))

    def test_progress_by_plan_and_category_and_queues(self):
        sector = self.env["membership.category"].create({"name": "Bakery", "dimension": "sector"})
        self.alpha.dues_category_ids = [Command.link(sector.id)]
        campaign = self.make_campaign()
        declarations = self.launch(campaign)
        alpha, beta, gamma = (
            declarations.filtered(lambda d, m=m: d.partner_id == m) for m in (self.alpha, self.beta, self.gamma)
        )
        alpha._mark_opened()
        alpha.action_prefill_from_last_year()
        alpha.action_declare()
        beta._mark_opened()
        beta.action_prefill_from_last_year()
        beta.action_validate()
        self.assertEqual(
            campaign.read(
                ["asked_count", "opened_count", "declared_count", "validated_count", "unanswered_count", "late_count"]
            )[0],
            {
                "id": campaign.id,
                "asked_count": 3,
                "opened_count": 2,
                "declared_count": 2,
                "validated_count": 1,
                "unanswered_count": 1,
                "late_count": 0,
            },
        )
        self.assertAlmostEqual(campaign.response_rate, 66.7, places=1)
        self.assertEqual(alpha.plan_id, self.plan_company)
        self.assertEqual(alpha.category_id, sector)
        self.env.flush_all()
        Analysis = self.env["membership.declaration.analysis"]
        rows = {
            category: (asked, declared)
            for category, asked, declared in Analysis._read_group(
                [("campaign_id", "=", campaign.id)], ["category_id"], ["asked_count:sum", "declared_count:sum"]
            )
        }
        self.assertEqual(rows, {sector: (1, 1), self.env["membership.category"]: (2, 1)})
        # the totals declared compared to last year
        figures = {
            figure.code: (value, last)
            for figure, value, last in self.env["membership.declaration.figure.analysis"]._read_group(
                [("campaign_id", "=", campaign.id)], ["figure_id"], ["value:sum", "last_year_value:sum"]
            )
        }
        self.assertEqual(figures["payroll"], (318_600, 318_600))
        # the queues: not answered (gamma); late once the deadline has passed
        Declaration = self.env["membership.declaration"]
        self.assertEqual(Declaration.search([("campaign_id", "=", campaign.id), ("state", "=", "to_declare")]), gamma)
        gamma.deadline = self.today - timedelta(days=1)
        campaign.invalidate_recordset()
        self.assertEqual(campaign.late_count, 1)
        self.assertEqual(
            Analysis.search([("campaign_id", "=", campaign.id), ("late_count", "=", 1)]).partner_id, self.gamma
        )
        # a large change the member confirmed waits for the officer's check
        alpha.write({"large_change": True, "large_change_note": "Payroll: 10 times last year's"})
        campaign.invalidate_recordset()
        self.assertEqual(campaign.large_change_count, 1)
        self.assertEqual(
            Declaration.search(campaign.action_view_large_changes()["domain"] + [("large_change", "=", True)]), alpha
        )
        for action in (
            campaign.action_view_large_changes(),
            campaign.action_view_unanswered(),
            campaign.action_view_late(),
            campaign.action_view_to_validate(),
            campaign.action_view_progress(),
            campaign.action_view_figures(),
        ):
            self.env[action["res_model"]].search(action["domain"])  # the actions open

    def test_fallback_used_is_counted(self):
        self.plan_company.write({"fallback_mode": "last_year", "fallback_uplift": 5.0})
        campaign = self.make_campaign()
        self.launch(campaign)
        fees = self.plan_company._compute_period_fees(self.alpha | self.gamma, date(2027, 1, 1))
        self.assertTrue(fees[self.alpha.id].fallback, "Alpha has not declared 2027: last year's figures + 5 %")
        sub = self.env["membership.subscription"].search([("partner_id", "=", self.alpha.id)], limit=1)
        renewal = self.env["membership.renewal"].create(
            {
                "partner_id": self.alpha.id,
                "plan_id": self.plan_company.id,
                "previous_subscription_id": sub.id,
                "date_start": "2027-01-01",
                "date_end": "2027-12-31",
                "amount": float(fees[self.alpha.id].amount),
                "fee_year": 2027,
                "fee_fallback": True,
            }
        )
        self.assertTrue(renewal)
        campaign.invalidate_recordset()
        self.assertEqual(campaign.fallback_count, 1)
        self.env.flush_all()
        by_plan = self.env["membership.declaration.analysis"]._read_group(
            [("campaign_id", "=", campaign.id)], ["plan_id"], ["fallback_count:sum", "asked_count:sum"]
        )
        self.assertEqual(by_plan, [(self.plan_company, 1, 3)])

    def test_bulk_validation_validates_the_declared_and_regularises(self):
        campaign = self.make_campaign()
        declarations = self.launch(campaign)
        alpha = declarations.filtered(lambda d: d.partner_id == self.alpha)
        alpha.action_prefill_from_last_year()
        alpha.line_ids.filtered(lambda line: line.figure_id == self.turnover).value = 1_500_000
        alpha.action_declare()
        subscription = self.make_subscription(
            self.alpha,
            self.plan_company,
            date(2027, 1, 1),
            date(2027, 12, 31),
            amount=300.0,
            fee_year=2027,
            tariff_version_id=self.version_2027.id,
        )
        result = declarations.action_validate_selected()
        self.assertEqual(alpha.state, "validated")
        self.assertEqual((declarations - alpha).mapped("state"), ["to_declare", "to_declare"])
        self.assertIn("Validated: 1.", result["params"]["message"])
        self.assertIn("not declared yet", result["params"]["message"])
        self.assertEqual(subscription.fee_year, 2027)
        self.assertNotEqual(subscription.amount, 300.0, "validation regularised the fee on the new figures")

    def test_a_failing_member_is_recorded_and_the_others_are_asked(self):
        campaign = self.make_campaign()
        self.fail_on("membership_declaration", "BEFORE INSERT", f"NEW.partner_id = {self.beta.id}")
        with mute_logger(*QUIET):
            declarations = self.launch(campaign)
        self.assertEqual(declarations.partner_id, self.alpha | self.gamma)
        self.assertEqual(campaign.failed_partner_ids, self.beta)
        self.assertIn("Beta could not be asked", "".join(campaign.message_ids.mapped("body")))
        self.env.cr.execute("DROP TRIGGER md_test_refuse ON membership_declaration")
        campaign.action_retry_failed()
        with self.patched_commit_progress():
            self.env["membership.declaration.campaign"]._cron_run_declaration_campaigns(today=self.today)
        self.assertEqual(campaign.declaration_ids.partner_id, self.alpha | self.beta | self.gamma)
        self.assertFalse(campaign.failed_partner_ids)

    def test_renewal_campaign_launched_before_the_deadline_is_warned(self):
        declaration_campaign = self.make_campaign()
        self.launch(declaration_campaign)
        renewals = self.env["membership.renewal.campaign"].create(
            {
                "name": "Renewals 2027",
                "plan_ids": [Command.set(self.plan_company.ids)],
                "date_from": "2026-12-31",
                "date_to": "2026-12-31",
                "send_on_launch": False,
            }
        )
        self.assertIn("Figures 2027 collects the figures of 2027 until", renewals.declaration_warning)
        self.assertIn("(0 of 3 members have declared)", renewals.declaration_warning)
        renewals.action_launch()
        self.assertIn("collects the figures of 2027", renewals.message_ids[0].body)
        other_plan = self.env["membership.renewal.campaign"].create(
            {
                "name": "Associates",
                "plan_ids": [Command.set(self.plan_year.ids)],
                "date_from": "2026-12-31",
                "date_to": "2026-12-31",
            }
        )
        self.assertFalse(other_plan.declaration_warning, "another plan's figures are not awaited")
        declaration_campaign.deadline = self.today - timedelta(days=1)
        renewals.invalidate_recordset()
        self.assertFalse(renewals.declaration_warning, "after the deadline: nothing to wait for")


@tagged("post_install", "-at_install")
class TestDeclarationLink(MembershipPortalCommon, HttpCase):
    """The campaign's link works without an account, until it expires."""

    def setUp(self):
        super().setUp()
        self.declaration._send_declaration_requests()
        self.token = self.declaration.access_token

    def test_the_emailed_link_opens_and_declares_without_an_account(self):
        url = self.declaration.get_portal_url()
        self.assertEqual(parse_qs(urlparse(url).query)["access_token"], [self.token])
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200)
        self.assertIn("Declaration", response.text)
        self.assertIn('name="access_token"', response.text)
        self.assertIn('value="800 000"', response.text, "pre-filled with last year's figures")
        self.assertEqual(self.declaration.date_opened, fields.Date.context_today(self.declaration))
        self.assertIn(f"/logo.png?company={self.declaration.company_id.id}", response.text, "the letterhead")
        response = self.url_open(
            f"/my/declarations/{self.declaration.id}/submit",
            data={"access_token": self.token, "unchanged": "1", "csrf_token": self.csrf_token()},
            allow_redirects=False,
        )
        self.assertEqual(response.status_code, 303)
        self.assertIn(f"access_token={self.token}", response.headers["Location"])
        self.assertEqual(self.declaration.state, "declared")
        self.assertEqual(self.declaration.source, "portal")

    def csrf_token(self):
        response = self.url_open(self.declaration.get_portal_url())
        marker = 'name="csrf_token" value="'
        start = response.text.index(marker) + len(marker)
        return response.text[start : response.text.index('"', start)]

    def test_a_wrong_or_expired_link_is_refused_and_changes_nothing(self):
        cases = [
            ("wrong token", f"/my/declarations/{self.declaration.id}?access_token=abc", 403),
            ("other member's token", f"/my/declarations/{self.brewery_declaration.id}?access_token={self.token}", 403),
            ("no token", f"/my/declarations/{self.declaration.id}", 303),
        ]
        for name, url, status in cases:
            with self.subTest(name):
                response = self.url_open(url, allow_redirects=False)
                self.assertEqual(response.status_code, status)
                self.assertNotIn("800 000", response.text)
        self.declaration.token_expires_on = date(2020, 1, 1)
        response = self.url_open(self.declaration.get_portal_url(), allow_redirects=False)
        self.assertEqual(response.status_code, 403)
        self.assertIn("This link is not valid", response.text)
        self.assertFalse(self.declaration.date_opened)
        self.assertEqual(self.declaration.state, "to_declare")

    def test_a_portal_user_finds_it_under_my_account(self):
        self.authenticate("paula", "paula-portal-1")
        response = self.url_open("/my/declarations")
        self.assertIn(f"/my/declarations/{self.declaration.id}", response.text)
        self.assertEqual(self.url_open(f"/my/declarations/{self.declaration.id}").status_code, 200)
        self.assertTrue(self.declaration.date_opened)
