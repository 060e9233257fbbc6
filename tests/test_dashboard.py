import json
from datetime import date, timedelta
from pathlib import Path

from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged

from .common import MembershipCommon, MembershipRenewalCommon

ROOT = Path(__file__).resolve().parent.parent
REF = date(2027, 3, 15)  # "today" of the reporting models (membership_date_ref)


def data_sources(data):
    """(kind, name, model, domain, groupby, aggregates, field matching) of
    every pivot and Odoo chart of the spreadsheet."""
    for pivot in data["pivots"].values():
        yield (
            "pivot",
            pivot["name"],
            pivot["model"],
            pivot["domain"],
            [row["fieldName"] for row in pivot["rows"] + pivot["columns"]],
            [f"{m['fieldName']}:{m['aggregator']}" for m in pivot["measures"] if m["fieldName"] != "__count"],
            pivot["fieldMatching"],
        )
    for sheet in data["sheets"]:
        for figure in sheet["figures"]:
            chart = figure["data"]
            if chart["type"].startswith("odoo_"):
                measure = chart["metaData"]["measure"]
                yield (
                    "chart",
                    chart["title"]["text"],
                    chart["metaData"]["resModel"],
                    chart["searchParams"]["domain"],
                    chart["metaData"]["groupBy"],
                    [] if measure == "__count" else [f"{measure}:sum"],
                    chart["fieldMatching"],
                )


@tagged("post_install", "-at_install")
class TestDashboardRecord(MembershipCommon):
    """The Membership Overview dashboard: listed in the Dashboards app and
    under Membership > Reporting > Overview, its JSON valid and every data
    source readable by a membership officer."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.dashboard = cls.env.ref("membership_dues.membership_dashboard")
        cls.data = json.loads(cls.dashboard.spreadsheet_data)

    def test_dashboard_is_listed_for_officers(self):
        dashboard = self.dashboard
        self.assertTrue(dashboard.is_published)
        group = self.env.ref("membership_dues.spreadsheet_dashboard_group_membership")
        self.assertEqual(dashboard.dashboard_group_id, group)
        self.assertIn(self.env.ref("membership_dues.group_membership_user"), dashboard.group_ids)
        # the officer sees it in the Dashboards app (rules on groups and companies)
        Dashboard = self.env["spreadsheet.dashboard"].with_user(self.officer)
        self.assertIn(dashboard, Dashboard.search([]))
        groups = (
            self.env["spreadsheet.dashboard.group"]
            .with_user(self.officer)
            .search([("published_dashboard_ids", "!=", False)])
        )
        self.assertIn(dashboard, groups.published_dashboard_ids)
        # a user without membership rights does not
        outsider = new_test_user(self.env, login="md_outsider", groups="base.group_user")
        self.assertNotIn(dashboard, self.env["spreadsheet.dashboard"].with_user(outsider).search([]))
        # Membership > Reporting > Overview opens it
        menu = self.env.ref("membership_dues.membership_menu_overview")
        self.assertEqual(menu.parent_id, self.env.ref("membership_dues.membership_menu_reporting"))
        self.assertEqual(menu.action.tag, "action_spreadsheet_dashboard")
        self.assertEqual(menu.action.params, {"dashboard_id": dashboard.id})
        self.assertIn(menu, self.env["ir.ui.menu"].with_user(self.officer).search([("id", "=", menu.id)]))

    def test_json_loads_as_the_file_on_disk(self):
        self.assertEqual(self.data["version"], "18.5.10")
        self.dashboard._check_spreadsheet_data()  # models, fields and menus exist (in test mode)
        on_disk = json.loads((ROOT / "data" / "files" / "membership_dashboard.json").read_text(encoding="utf-8"))
        self.assertEqual(on_disk, self.data)
        # that the file matches its generator (a development script, not packaged)
        # is checked by tests/pure/test_dashboard_json.py
        served = json.loads(self.dashboard._get_serialized_readonly_dashboard())
        self.assertEqual(len(served["snapshot"]["sheets"]), 2)

    def test_global_filters_company_plan_category_period(self):
        filters = {f["label"]: f for f in self.data["globalFilters"]}
        self.assertEqual(set(filters), {"Period", "Company", "Plan", "Category"})
        self.assertEqual(filters["Company"]["modelName"], "res.company")
        sources = list(data_sources(self.data))
        self.assertGreaterEqual(len(sources), 15)
        company_filter = filters["Company"]["id"]
        for _kind, name, _model, _domain, _groupby, _aggregates, matching in sources:
            with self.subTest(source=name):
                self.assertEqual(matching[company_filter]["chain"], "company_id", "filtered by company")

    def test_every_data_source_is_readable_by_an_officer(self):
        """Each pivot and chart, with each global filter applied, runs as an
        officer: the models exist, the officer may read them, and the
        fields, group-bys, measures and filter chains are valid."""
        category = self.env["membership.category"].create({"name": "Joinery"})
        relation_ids = {
            "res.company": self.company.ids,
            "membership.plan": self.plan_year.ids,
            "membership.category": category.ids,
        }
        filters = {f["id"]: f for f in self.data["globalFilters"]}
        for kind, name, model, domain, groupby, aggregates, matching in data_sources(self.data):
            with self.subTest(kind=kind, source=name):
                self.assertIn(model, self.env)
                Model = self.env[model].with_user(self.officer)
                self.assertTrue(Model.has_access("read"))
                Model.formatted_read_group(domain, groupby, aggregates)
                for filter_id, match in matching.items():
                    definition = filters[filter_id]
                    if match["type"] == "date":
                        extra = [(match["chain"], ">=", "2020-01-01"), (match["chain"], "<=", "2030-12-31")]
                    else:
                        extra = [(match["chain"], "in", relation_ids[definition["modelName"]])]
                    Model.formatted_read_group(domain + extra, groupby, aggregates)


@tagged("post_install", "-at_install")
class TestMemberReporting(MembershipCommon):
    """Members today (status, plan, dates) and their movements, as the
    dashboard reads them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        day = timedelta(days=1)
        paid = cls.paid_subscription
        P = cls.env["res.partner"]
        cls.sector = cls.env["membership.category"].create({"name": "Joinery", "dimension": "sector"})
        cls.region = cls.env["membership.category"].create({"name": "Flanders", "dimension": "region"})
        cls.m_member = P.create({"name": "Member", "dues_category_ids": [Command.set((cls.sector | cls.region).ids)]})
        cls.m_grace = P.create({"name": "In grace", "dues_category_ids": [Command.set(cls.region.ids)]})
        cls.m_former = P.create({"name": "Former"})
        cls.m_suspended = P.create({"name": "Suspended"})
        cls.m_unpaid = P.create({"name": "Unpaid"})
        cls.m_upcoming = P.create({"name": "Upcoming"})
        cls.m_late = P.create({"name": "Late renewal"})
        cls.last_year = paid(cls.m_member, cls.plan_year, REF - 465 * day, REF - 101 * day)
        cls.current = paid(cls.m_member, cls.plan_anniversary, REF - 100 * day, REF + 264 * day)
        cls.current.write({"kind": "renewal", "previous_id": cls.last_year.id})
        paid(cls.m_grace, cls.plan_year, REF - 375 * day, REF - 10 * day)  # 30 days of grace
        cls.former = paid(cls.m_former, cls.plan_year, REF - 500 * day, REF - 135 * day)
        paid(cls.m_suspended, cls.plan_year, REF - 20 * day, REF + 344 * day)
        cls.m_suspended.with_company(cls.company).dues_suspended = True
        unpaid = cls.make_subscription(cls.m_unpaid, cls.plan_year, REF - 5 * day, REF + 359 * day)
        unpaid._create_invoices(post=True)
        paid(cls.m_upcoming, cls.plan_year, REF + 10 * day, REF + 374 * day)
        # last period over with its grace, the next one invoiced and not paid yet
        late = paid(cls.m_late, cls.plan_year, REF - 400 * day, REF - 36 * day)
        renewal = cls.make_subscription(cls.m_late, cls.plan_year, REF - 35 * day, REF + 329 * day)
        renewal.write({"kind": "renewal", "previous_id": late.id})
        renewal._create_invoices(post=True)
        # a contact who left, covered by its company's membership
        paid(cls.member_contact, cls.plan_year, REF - 800 * day, REF - 435 * day)
        paid(cls.member_company, cls.plan_year, REF - 30 * day, REF + 334 * day)
        cls.members = (
            (cls.m_member | cls.m_grace | cls.m_former | cls.m_suspended | cls.m_unpaid | cls.m_upcoming | cls.m_late)
            | cls.member_contact
            | cls.member_company
        )

    def rows(self, model, **context):
        self.env.flush_all()
        return (
            self.env[model]
            .with_context(membership_date_ref=REF, **context)
            .search([("partner_id", "in", self.members.ids)])
        )

    def test_status_today_is_the_contacts_status(self):
        expected = {
            self.m_member: "member",
            self.m_grace: "grace",
            self.m_former: "former",
            self.m_suspended: "suspended",
            self.m_unpaid: "none",
            self.m_upcoming: "none",
            self.m_late: "former",  # until it pays
            self.member_contact: "member",  # its company's membership covers it
            self.member_company: "member",
        }
        rows = self.rows("membership.member.analysis")
        self.assertEqual({row.partner_id: row.state for row in rows}, expected)
        partners = self.members.with_context(membership_date_ref=REF)
        for row in rows:
            partner = partners.browse(row.partner_id.id)
            with self.subTest(member=partner.name):
                self.assertEqual(row.state, partner.dues_member_state)
                if partner.dues_plan_id:  # else (never paid) the plan of its last subscription
                    self.assertEqual(row.plan_id, partner.dues_plan_id)
                self.assertEqual(row.date_start, partner.dues_date_start)
                self.assertEqual(row.date_end, partner.dues_date_end)
                self.assertEqual(row.member_count, int(row.state in ("member", "grace", "suspended")))
                self.assertEqual(row.company_id, self.company)
        by_partner = {row.partner_id: row for row in rows}
        self.assertEqual(by_partner[self.m_member].plan_id, self.plan_anniversary, "the plan covering today")
        self.assertEqual(by_partner[self.m_member].category_id, self.sector, "the sector first")
        self.assertEqual(by_partner[self.m_grace].category_id, self.region, "else the first category")
        self.assertEqual(by_partner[self.m_unpaid].plan_id, self.plan_year, "not paid yet: its last plan")
        # the status moves with the day, nothing stored
        later = self.rows("membership.member.analysis").with_context(membership_date_ref=REF + timedelta(days=30))
        later.invalidate_recordset()
        self.assertEqual(
            later.search([("partner_id", "=", self.m_grace.id)]).state, "former", "grace over a month later"
        )

    def test_movements_joined_renewed_left(self):
        rows = self.rows("membership.member.movement")
        got = sorted((row.partner_id.name, row.movement, row.date) for row in rows)
        day = timedelta(days=1)
        expected = sorted(
            [
                ("Member", "joined", REF - 465 * day),
                ("Member", "renewed", REF - 100 * day),
                ("In grace", "joined", REF - 375 * day),
                ("Former", "joined", REF - 500 * day),
                ("Former", "left", REF - 135 * day + 31 * day),  # the day after its 30 days of grace
                ("Suspended", "joined", REF - 20 * day),
                ("Upcoming", "joined", REF + 10 * day),
                ("Late renewal", "joined", REF - 400 * day),  # renewing, not paid: neither renewed nor left
                ("Claire Dupont", "joined", REF - 800 * day),
                ("Claire Dupont", "left", REF - 435 * day + 31 * day),
                ("Atelier Dupont SA", "joined", REF - 30 * day),
            ]
        )
        self.assertEqual(got, expected)
        for row in rows:
            with self.subTest(member=row.partner_id.name, movement=row.movement):
                self.assertEqual(
                    (row.joined_count, row.renewed_count, row.left_count, row.net_count),
                    {"joined": (1, 0, 0, 1), "renewed": (0, 1, 0, 0), "left": (0, 0, 1, -1)}[row.movement],
                )
        # by month, as the dashboard's chart reads it
        groups = (
            self.env["membership.member.movement"]
            .with_context(membership_date_ref=REF)
            ._read_group(
                [("partner_id", "in", self.members.ids), ("date", ">=", REF - 365 * day), ("date", "<=", REF)],
                ["movement"],
                ["__count"],
            )
        )
        self.assertEqual(dict(groups), {"joined": 2, "renewed": 1, "left": 1})
        # a renewal paid later: the member did not leave
        self.paid_subscription(self.m_former, self.plan_year, REF - 134 * day, REF + 230 * day)
        rows = self.rows("membership.member.movement")
        self.assertFalse(rows.filtered(lambda r: r.partner_id == self.m_former and r.movement == "left"))


@tagged("post_install", "-at_install")
class TestRenewalFunnel(MembershipRenewalCommon):
    def test_funnel_counts_as_the_campaign_form(self):
        older = self.make_campaign(name="Renewals 2026", date_from="2025-12-31", date_to="2025-12-31")
        campaign = self.make_campaign(send_on_launch=True)
        renewals = self.run_campaign(campaign)
        ann, bob, cid, dan = (renewals.filtered(lambda r, m=m: r.partner_id == m) for m in self.members)
        ann.action_approve()
        bob.action_approve()
        self.pay(bob.subscription_id.invoice_id)
        cid.action_refuse(self.refuse_reason)
        dan.write({"state": "draft"})
        old_notice = self.env["membership.renewal"].create(
            {
                "campaign_id": older.id,
                "partner_id": self.members[0].id,
                "plan_id": self.plan_year.id,
                "date_start": "2026-01-01",
                "date_end": "2026-12-31",
                "amount": 100.0,
            }
        )
        self.env.flush_all()
        Analysis = self.env["membership.renewal.analysis"].with_user(self.officer)
        [row] = Analysis.formatted_read_group(
            [("campaign_id", "=", campaign.id)],
            [],
            [
                "to_send_count:sum",
                "sent_count:sum",
                "answered_count:sum",
                "approved_count:sum",
                "invoiced_count:sum",
                "paid_count:sum",
                "refused_count:sum",
                "amount_called:sum",
                "amount_invoiced:sum",
                "amount_paid:sum",
            ],
        )
        campaign.invalidate_recordset()
        self.assertEqual(
            (row["to_send_count:sum"], row["sent_count:sum"], row["answered_count:sum"], row["approved_count:sum"]),
            (1, campaign.sent_count, campaign.answered_count, campaign.approved_count),
        )
        self.assertEqual((row["sent_count:sum"], row["answered_count:sum"]), (3, 3))
        self.assertEqual(
            (row["invoiced_count:sum"], row["paid_count:sum"], row["refused_count:sum"]),
            (2, 1, campaign.refused_count),
        )
        self.assertEqual(
            (row["amount_called:sum"], row["amount_invoiced:sum"], row["amount_paid:sum"]),
            (campaign.amount_called, campaign.amount_invoiced, campaign.amount_paid),
        )
        # the dashboard's funnel: the latest campaign that made notices
        current = Analysis.search([("current_campaign", "=", True)])
        self.assertEqual(current.renewal_id, renewals)
        self.assertEqual(Analysis.search([("renewal_id", "=", old_notice.id)]).current_campaign, False)


@tagged("post_install", "-at_install")
class TestDashboardTour(MembershipRenewalCommon, HttpCase):
    """An officer opens Membership > Reporting > Overview on a database
    with members, a campaign, dues invoices and reminders: the dashboard
    shows numbers, no error, and its charts have data."""

    def test_officer_opens_the_overview(self):
        today = date.today()
        day = timedelta(days=1)
        # the dashboard's default period, "Last 12 Months", ends with the
        # previous month (the current one too on its last day only): the dues
        # paid are invoiced and paid in the middle of the previous month
        invoiced = (today.replace(day=1) - day).replace(day=15)

        def paid_subscription(partner, start, end):
            subscription = self.make_subscription(partner, self.plan_anniversary, start, end)
            invoice = subscription._create_invoices()
            invoice.invoice_date = invoiced
            invoice.action_post()
            self.pay(invoice)
            return subscription

        # members of the last twelve months: joined, renewed, left
        newcomer = self.env["res.partner"].create({"name": "Newcomer"})
        paid_subscription(newcomer, today - 60 * day, today + 304 * day)
        renewed_member = self.env["res.partner"].create({"name": "Renewing"})
        before = paid_subscription(renewed_member, today - 400 * day, today - 36 * day)
        after = paid_subscription(renewed_member, today - 35 * day, today + 329 * day)
        after.write({"kind": "renewal", "previous_id": before.id})
        leaver = self.env["res.partner"].create({"name": "Leaver"})
        paid_subscription(leaver, today - 500 * day, today - 135 * day)
        # dues invoiced this year: one paid, one unpaid and overdue
        unpaid = self.make_subscription(
            self.env["res.partner"].create({"name": "Late payer"}),
            self.plan_anniversary,
            today - 90 * day,
            today + 274 * day,
        )
        invoice = unpaid._create_invoices()
        invoice.write({"invoice_date": today - 90 * day, "invoice_date_due": today - 60 * day})
        invoice.action_post()
        # the renewal campaign under way
        campaign = self.make_campaign(send_on_launch=True)
        renewals = self.run_campaign(campaign)
        renewals[0].action_approve()
        renewals[1].action_refuse(self.refuse_reason)
        # reminders on the overdue invoice: a follow-up level reached
        self.env["membership.followup.run"].with_context(membership_skip_emails=True)._send_due(today)
        self.start_tour(
            "/odoo/action-membership_dues.membership_dashboard_action",
            "membership_dues_dashboard_tour",
            login=self.officer.login,
        )
