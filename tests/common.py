import re
import subprocess
from contextlib import contextmanager, nullcontext
from datetime import date, timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo import Command
from odoo.tests import Form, HttpCase, new_test_user

from odoo.addons.account.tests.common import AccountTestInvoicingCommon


class MembershipCommon(AccountTestInvoicingCommon):
    """Plans, members and users built from scratch: no demo data."""

    @classmethod
    def get_default_groups(cls):
        # The test user (accountman) also configures memberships.
        return super().get_default_groups() | cls.quick_ref("membership_dues.group_membership_manager")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.fee_product = cls.env["product.product"].create(
            {
                "name": "Dues",
                "type": "service",
                "taxes_id": [Command.clear()],
                "property_account_income_id": cls.company_data["default_account_revenue"].id,
            }
        )
        cls.plan_year = cls.env["membership.plan"].create(
            {
                "name": "Full member",
                "fee_amount": 240.0,
                "product_id": cls.fee_product.id,
                "period_rule": "calendar",
                "period_months": 12,
                "period_start_month": "1",
                "period_start_day": 1,
                "proration": "month",
                "grace_days": 30,
            }
        )
        cls.plan_anniversary = cls.env["membership.plan"].create(
            {
                "name": "Associate",
                "fee_amount": 120.0,
                "product_id": cls.fee_product.id,
                "period_rule": "anniversary",
                "period_months": 12,
                "grace_days": 15,
            }
        )
        cls.member_company = cls.env["res.partner"].create({"name": "Atelier Dupont SA", "is_company": True})
        cls.member_contact = cls.env["res.partner"].create(
            {"name": "Claire Dupont", "parent_id": cls.member_company.id}
        )
        cls.person = cls.env["res.partner"].create({"name": "Jan Peeters"})
        cls.officer = new_test_user(
            cls.env,
            login="md_officer",
            groups="base.group_user,membership_dues.group_membership_user",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.manager = new_test_user(
            cls.env,
            login="md_manager",
            groups="base.group_user,membership_dues.group_membership_manager",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )

    # ------------------------------------------------------------------
    # helpers
    # ------------------------------------------------------------------
    def join(self, partner, plan, join_date, post=True, user=None):
        """Join through the wizard, as an officer does; return the subscription."""
        Wizard = self.env["membership.join.wizard"]
        if user:
            Wizard = Wizard.with_user(user)
        with Form(Wizard.with_context(default_partner_id=partner.id)) as wizard:
            wizard.plan_id = plan
            wizard.join_date = join_date
            wizard.post_invoice = post
        action = wizard.record.action_confirm()
        return self.env["membership.subscription"].browse(action["res_id"])

    @classmethod
    def make_subscription(cls, partner, plan, start, end, **values):
        return plan.env["membership.subscription"].create(
            {
                "partner_id": partner.id,
                "plan_id": plan.id,
                "date_start": start,
                "date_end": end,
                "amount": plan.fee_amount,
                "full_amount": plan.fee_amount,
                **values,
            }
        )

    @classmethod
    def paid_subscription(cls, partner, plan, start, end):
        """A subscription with a posted invoice paid in full."""
        subscription = cls.make_subscription(partner, plan, start, end)
        invoice = subscription._create_invoices(post=True)
        cls.pay(invoice)
        return subscription

    @classmethod
    def pay(cls, invoice, amount=None, pay_date=None):
        register = invoice.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        )
        values = {"payment_date": pay_date or invoice.invoice_date or date.today()}
        if amount is not None:
            values["amount"] = amount
        return register.create(values)._create_payments()

    def credit(self, invoice, amount=None):
        """A posted credit note reconciled with ``invoice``: the whole invoice
        by default, else a single line of ``amount``."""
        reversal = (
            self.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"journal_id": invoice.journal_id.id, "reason": "test"})
        )
        action = reversal.refund_moves()
        refund = self.env["account.move"].browse(action["res_id"])
        if amount is not None:
            refund.invoice_line_ids[1:].unlink()
            refund.invoice_line_ids.price_unit = amount
        refund.action_post()
        (refund + invoice).line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable" and not line.reconciled
        ).reconcile()
        return refund

    @contextmanager
    def patched_commit_progress(self):
        """Run a cron method in a test: committing is forbidden here."""
        with patch.object(type(self.env["ir.cron"]), "_commit_progress", return_value=1000.0) as mocked:
            yield mocked

    @classmethod
    def other_company_plan(cls):
        """A second company with its own plan (and the test user in both)."""
        other = cls.setup_other_company()["company"]
        product = cls.env["product.product"].create({"name": "Dues 2", "type": "service", "company_id": other.id})
        plan = (
            cls.env["membership.plan"]
            .with_company(other)
            .create(
                {
                    "name": "Other company plan",
                    "product_id": product.id,
                    "company_id": other.id,
                    "fee_amount": 10.0,
                }
            )
        )
        return other, plan

    def status(self, partner, on):
        partner.invalidate_recordset(["dues_member_state"])
        return partner.with_context(membership_date_ref=on).dues_member_state


class MembershipTariffCommon(MembershipCommon):
    """A company plan whose fee comes from a tariff grid on declared figures.

    Version 2027 (adopted): base fee by turnover step (300 below 1,000,000,
    450 up to 2,000,000, 600 above), 0.6 % of payroll up to 100,000 then 0.2 %
    (marginal, payroll capped at 500,000), 12 per employee; floor 200,
    rounded to 1. Coefficient 0.8 on the whole fee for the "Small" size class.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.turnover = cls.env.ref("membership_dues.figure_turnover")
        cls.payroll = cls.env.ref("membership_dues.figure_payroll")
        cls.headcount = cls.env.ref("membership_dues.figure_headcount")
        cls.small = cls.env["membership.category"].create({"name": "Small", "dimension": "size"})
        cls.tariff = cls.env["membership.tariff"].create({"name": "Company tariff"})
        cls.version_2027 = cls.make_version("2027", "2027-01-01", "2027-12-31")
        cls.version_2027.action_adopt()
        cls.plan_company = cls.plan_year.copy(
            {"name": "Company member", "tariff_id": cls.tariff.id, "fallback_mode": "none", "proration": "month"}
        )

    @classmethod
    def make_version(cls, name, date_from, date_to=False, base=(300, 450, 600), per_employee=12.0):
        version = cls.env["membership.tariff.version"].create(
            {
                "tariff_id": cls.tariff.id,
                "name": name,
                "date_from": date_from,
                "date_to": date_to,
                "floor": 200.0,
                "rounding": "1",
                "component_ids": [
                    Command.create(
                        {
                            "sequence": 1,
                            "name": "Base fee",
                            "kind": "step",
                            "figure_id": cls.turnover.id,
                            "bracket_ids": [
                                Command.create({"sequence": 1, "lower": 0, "upper": 1_000_000, "amount": base[0]}),
                                Command.create(
                                    {"sequence": 2, "lower": 1_000_000, "upper": 2_000_000, "amount": base[1]}
                                ),
                                Command.create({"sequence": 3, "lower": 2_000_000, "amount": base[2]}),
                            ],
                        }
                    ),
                    Command.create(
                        {
                            "sequence": 2,
                            "name": "Payroll",
                            "kind": "marginal",
                            "figure_id": cls.payroll.id,
                            "figure_cap": 500_000,
                            "bracket_ids": [
                                Command.create({"sequence": 1, "lower": 0, "upper": 100_000, "rate": 0.6}),
                                Command.create({"sequence": 2, "lower": 100_000, "rate": 0.2}),
                            ],
                        }
                    ),
                    Command.create(
                        {
                            "sequence": 3,
                            "name": "Staff",
                            "kind": "per_unit",
                            "figure_id": cls.headcount.id,
                            "amount": per_employee,
                        }
                    ),
                ],
            }
        )
        version.coefficient_ids = [Command.create({"category_id": cls.small.id, "factor": 0.8})]
        return version

    @classmethod
    def declare(cls, partner, year, turnover=None, payroll=None, headcount=None, state="validated"):
        lines = [
            Command.create({"figure_id": figure.id, "value": value})
            for figure, value in ((cls.turnover, turnover), (cls.payroll, payroll), (cls.headcount, headcount))
            if value is not None
        ]
        return cls.env["membership.declaration"].create(
            {"partner_id": partner.id, "year": year, "state": state, "line_ids": lines}
        )


class MembershipRenewalCommon(MembershipCommon):
    """Four members paid 2026 on the calendar-year plan; a campaign renews the
    periods ending on 31 December 2026 into 2027."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.members = cls.env["res.partner"].create(
            [
                {"name": name, "email": f"member{index}@example.com"}
                for index, name in enumerate(("Ann", "Bob", "Cid", "Dan"))
            ]
        )
        cls.subscriptions = cls.env["membership.subscription"]
        for member in cls.members:
            cls.subscriptions |= cls.paid_subscription(member, cls.plan_year, "2026-01-01", "2026-12-31")
        cls.refuse_reason = cls.env.ref("membership_dues.refusal_reason_price")

    @classmethod
    def make_campaign(cls, **values):
        return cls.env["membership.renewal.campaign"].create(
            {
                "name": "Renewals 2027",
                "plan_ids": [Command.set(cls.plan_year.ids)],
                "date_from": "2026-12-31",
                "date_to": "2026-12-31",
                "send_on_launch": False,
                **values,
            }
        )

    def run_campaign(self, campaign, batch_size=100):
        campaign.state = "running"
        with self.patched_commit_progress():
            campaign._run(batch_size=batch_size)
        return campaign.renewal_ids

    @classmethod
    def notice(cls, member, state="sent", date_sent="2026-11-01", **values):
        """A renewal notice for ``member``'s 2027 period, as a campaign makes it."""
        subscription = cls.subscriptions.filtered(lambda s: s.partner_id == member)
        renewal = cls.env["membership.renewal"].create(
            {
                "partner_id": member.id,
                "plan_id": cls.plan_year.id,
                "previous_subscription_id": subscription.id,
                "date_start": "2027-01-01",
                "date_end": "2027-12-31",
                "amount": 240.0,
                "fee_data": {"flat": "240.00", "amount": "240.00", "year": 2027},
                **values,
            }
        )
        if state != "draft":
            renewal.write({"state": state, "date_sent": date_sent})
        return renewal


class MembershipFollowupCommon(MembershipCommon):
    """The company's default follow-up policy (courtesy -7, due 0, first 15,
    second 30 with a late fee of 15.00, formal notice 45, suspension 60) and
    members with an email and a postal address."""

    def email_refused_to(self, member):
        """A patch: the mail server refuses the follow-up emails of
        ``member`` ("mail server refused the message"); the others go."""
        Run = type(self.env["membership.followup.run"])
        original = Run._deliver_email

        def deliver_email(run, sendings):
            if any(sending.member == member for sending in sendings):
                raise ValueError("mail server refused the message")
            return original(run, sendings)

        return patch.object(Run, "_deliver_email", deliver_email)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.policy = cls.env["membership.followup.policy"]._for_company(cls.company)
        levels = {level.delay_days: level for level in cls.policy.level_ids}
        (
            cls.level_courtesy,
            cls.level_due,
            cls.level_first,
            cls.level_second,
            cls.level_notice,
            cls.level_suspend,
        ) = (levels[days] for days in (-7, 0, 15, 30, 45, 60))
        cls.late_fee_product = cls.env["product.product"].create(
            {
                "name": "Late fee",
                "type": "service",
                "taxes_id": [Command.clear()],
                "property_account_income_id": cls.company_data["default_account_revenue"].id,
            }
        )
        cls.level_second.write(
            {"late_fee_type": "fixed", "late_fee_amount": 15.0, "late_fee_product_id": cls.late_fee_product.id}
        )
        belgium = cls.env.ref("base.be")
        cls.ann, cls.bob, cls.cem = cls.env["res.partner"].create(
            [
                {
                    "name": name,
                    "email": f"{name.split()[0].lower()}@example.com",
                    "street": street,
                    "zip": "1000",
                    "city": "Brussels",
                    "country_id": belgium.id,
                }
                for name, street in (
                    ("Ann Martin", "Rue de la Loi 16"),
                    ("Bob Claes", "Avenue Louise 54"),
                    ("Cem Yilmaz", "Boulevard Anspach 1"),
                )
            ]
        )

    @classmethod
    def dues_invoice(cls, partner, due, year=2027, plan=None, payment_term=None, invoice_date=None):
        """A posted dues invoice of ``plan`` for the period ``year``, due on
        ``due`` (or by ``payment_term`` from ``invoice_date``)."""
        plan = plan or cls.plan_year
        subscription = cls.make_subscription(partner, plan, date(year, 1, 1), date(year, 12, 31))
        invoice = subscription._create_invoices()
        if payment_term:
            invoice.write({"invoice_date": invoice_date or due, "invoice_payment_term_id": payment_term.id})
        else:
            # due on ``due``, whatever the plan's payment term
            invoice.write(
                {"invoice_date": invoice_date or due, "invoice_date_due": due, "invoice_payment_term_id": False}
            )
        invoice.action_post()
        return invoice

    def run_followup(self, on, batch_size=50):
        with freeze_time(on), self.patched_commit_progress():
            self.env["membership.followup.run"]._cron_run_followup(batch_size=batch_size)
        self.env.invalidate_all()

    def sent_levels(self, invoice):
        """[(level days, date sent)] of an invoice, oldest first."""
        records = invoice.dues_followup_line_ids.sorted(lambda record: (record.date, record.delay_days))
        return [(record.delay_days, str(record.date)) for record in records]

    def mails_to(self, partner):
        return self.env["mail.mail"].search([("recipient_ids", "in", partner.ids)], order="id")


class MembershipDocumentsCommon(MembershipCommon):
    """Three members, French-, Dutch- and English-speaking, each with a
    postal address and a paid membership running today, and the company's
    EUR bank account (IBAN + BIC) for the payment QR codes."""

    LANGS = ("fr_FR", "nl_NL", "en_US")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.eur = cls.env.ref("base.EUR")
        cls.eur.active = True
        bank = cls.env["res.bank"].create({"name": "KBC", "bic": "KREDBEBB"})
        cls.bank_account = cls.env["res.partner.bank"].create(
            {
                "acc_number": "BE71 0961 2345 6769",
                "partner_id": cls.company.partner_id.id,
                "bank_id": bank.id,
                "allow_out_payment": True,
            }
        )
        cls.company.write(
            {
                "city": "Brussels",
                "street": "Rue Royale 1",
                "zip": "1000",
                "external_report_layout_id": cls.env.ref("web.external_layout_standard").id,
            }
        )
        cls.sophie, cls.pieter, cls.emma = cls.members = cls.env["res.partner"].create(
            [
                {
                    "name": name,
                    "lang": lang,
                    "email": f"{name.split()[0].lower()}@example.com",
                    "street": street,
                    "zip": zip_code,
                    "city": city,
                }
                for name, lang, street, zip_code, city in (
                    ("Sophie Lambert", "fr_FR", "12 rue de Rivoli", "75004", "Paris"),
                    ("Pieter Janssens", "nl_NL", "Meir 22", "2000", "Antwerpen"),
                    ("Emma Brown", "en_US", "10 Downing Street", "SW1A 2AA", "London"),
                )
            ]
        )
        cls.today = date.today()
        cls.current = {
            member: cls.paid_subscription(
                member, cls.plan_year, date(cls.today.year, 1, 1), date(cls.today.year, 12, 31)
            )
            for member in cls.members
        }

    @classmethod
    def eur_dues_invoice(cls, partner, amount=123.45, year=None):
        """A posted dues invoice of ``amount`` in EUR, for next year's period."""
        year = year or cls.today.year + 1
        subscription = cls.make_subscription(
            partner, cls.plan_year, date(year, 1, 1), date(year, 12, 31), amount=amount, full_amount=amount
        )
        invoice = subscription._create_invoices()
        invoice.currency_id = cls.eur
        invoice.action_post()
        return invoice

    def notices_for(self, members, year=None):
        """Renewal notices of ``members`` on the yearly plan (240) for
        ``year``, next year by default, with their access token."""
        year = year or self.today.year + 1
        notices = self.env["membership.renewal"].create(
            [
                {
                    "partner_id": member.id,
                    "plan_id": self.plan_year.id,
                    "date_start": date(year, 1, 1),
                    "date_end": date(year, 12, 31),
                    "amount": 240.0,
                }
                for member in members
            ]
        )
        for notice in notices:
            notice._portal_ensure_token()
        return notices

    def followup_letter(self, member, level, invoice):
        """The follow-up communication of ``level`` sent today to ``member``
        on the open instalments of ``invoice`` (what its letter prints)."""
        instalments = invoice.line_ids.filtered(lambda line: line.display_type == "payment_term")
        return self.env["membership.followup.communication"].create(
            {
                "partner_id": member.id,
                "company_id": self.company.id,
                "date": self.today,
                "level_id": level.id,
                "open_line_ids": [Command.set(instalments.ids)],
                "amount_due": invoice.amount_residual,
            }
        )

    def render_html(self, report, records, data=None):
        """The report's HTML with whitespace collapsed."""
        html = self.env["ir.actions.report"]._render_qweb_html(report, records.ids, data=data)[0].decode()
        return " ".join(html.split())

    def render_pdf(self, report, records, data=None):
        """(PDF bytes, its text) of the report, through wkhtmltopdf."""
        # an HttpCase serves the report styles; a TransactionCase must allow PDF rendering
        with nullcontext() if isinstance(self, HttpCase) else self.allow_pdf_render():
            pdf, kind = (
                self.env["ir.actions.report"]
                .with_context(force_report_rendering=True)
                ._render_qweb_pdf(report, records.ids, data=data)
            )
        self.assertEqual(kind, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF"))
        return pdf, self.pdf_text(pdf)

    def pdf_text(self, pdf):
        text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True).stdout
        return " ".join(text.decode().split())

    def pdf_pages(self, pdf):
        info = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
        return int(re.search(r"Pages:\s+(\d+)", info).group(1))


class MembershipPortalCommon(MembershipTariffCommon):
    """Two member companies with portal contacts: Paula's bakery (the member
    the tours act for) and Otto's brewery (the other member, who must see
    nothing of the bakery). Both paid 2026 on the company plan; the bakery
    declared its 2026 figures, has its 2027 declaration to fill in (deadline
    31 January 2027) and a 2027 renewal notice waiting for its answer. The
    demo payment provider is enabled."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bakery, cls.brewery = cls.env["res.partner"].create(
            [
                {"name": "Boulangerie Paula SA", "is_company": True, "email": "bakery@example.com"},
                {"name": "Brasserie Otto SA", "is_company": True, "email": "brewery@example.com"},
            ]
        )
        cls.paula = new_test_user(
            cls.env,
            login="paula",
            password="paula-portal-1",
            name="Paula Baker",
            groups="base.group_portal",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.paula.partner_id.write({"parent_id": cls.bakery.id, "email": "paula@example.com"})
        cls.otto = new_test_user(
            cls.env,
            login="otto",
            password="otto-portal-1",
            name="Otto Brewer",
            groups="base.group_portal",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.otto.partner_id.write({"parent_id": cls.brewery.id, "email": "otto@example.com"})
        cls.bakery_2026 = cls.paid_subscription(cls.bakery, cls.plan_company, date(2026, 1, 1), date(2026, 12, 31))
        cls.brewery_2026 = cls.paid_subscription(cls.brewery, cls.plan_company, date(2026, 1, 1), date(2026, 12, 31))
        cls.declare(cls.bakery, 2026, turnover=800_000, payroll=50_000, headcount=4)
        cls.declaration = cls.env["membership.declaration"].create(
            {"partner_id": cls.bakery.id, "year": 2027, "deadline": date(2027, 1, 31)}
        )
        cls.brewery_declaration = cls.env["membership.declaration"].create(
            {"partner_id": cls.brewery.id, "year": 2027, "deadline": date(2027, 1, 31)}
        )
        cls.notice = cls.renewal_notice(cls.bakery, cls.bakery_2026)
        cls.brewery_notice = cls.renewal_notice(cls.brewery, cls.brewery_2026)
        provider = cls.env["payment.provider"].sudo().search(
            [("code", "=", "demo"), ("company_id", "=", cls.company.id)], limit=1
        ) or cls.env.ref("payment.payment_provider_demo").sudo().copy({"company_id": cls.company.id})
        provider.write({"state": "test", "is_published": True})
        cls.env["payment.provider"].sudo().search(
            [("company_id", "=", cls.company.id), ("id", "!=", provider.id)]
        ).state = "disabled"
        cls.provider = provider

    @classmethod
    def renewal_notice(cls, member, previous):
        """The 2027 notice as a campaign sends it, at last year's fee (the
        2027 figures are not declared yet)."""
        notice = cls.env["membership.renewal"].create(
            {
                "partner_id": member.id,
                "plan_id": cls.plan_company.id,
                "previous_subscription_id": previous.id,
                "date_start": "2027-01-01",
                "date_end": "2027-12-31",
                "amount": 300.0,
                "fee_year": 2027,
            }
        )
        notice.write({"state": "sent", "date_sent": date(2026, 11, 1)})
        notice._portal_ensure_token()
        notice.token_expires_on = date.today() + timedelta(days=60)
        return notice
