"""Demo data generator: a Belgian federation with its members and their dues.

Plain functions of an environment, registered nowhere: a database installed
without demo data has no trace of them. The module's ``post_init_hook``
(``__init__.py``) calls :func:`load_demo_data` once, when the module is
installed with demo data; module upgrades never call it again. The season it
builds is relative to today: last year's dues paid, this year's in every
state, next year's renewal and declaration campaigns under way, the payment
follow-up as if it had run every day this year.

Its fixed records are data, in the CSV files next to this file (read here,
not Odoo data files): the members (``generator_members.csv``), the member
categories (``generator_categories.csv``) and the French and Dutch names of
what members read (``generator_translations.csv``). Every record the generator
creates gets an xml id, and it returns at once if its first member exists:
running it twice duplicates nothing.
"""

import csv
import logging
from datetime import date, timedelta

from odoo import Command, fields
from odoo.tools.misc import file_open

from ..engine import period_from
from ..tools.batch import process_batch

_logger = logging.getLogger(__name__)


def _rows(name):
    """The rows of the CSV file ``name`` next to this file, as dicts."""
    with file_open(f"membership_dues/demo/{name}") as rows:
        return list(csv.DictReader(rows))


# What happens to each member, cycling through the list: the demo covers every
# situation an officer meets (paid, unpaid, partly paid, lapsed, new joiner).
SCENARIOS = ["paid", "paid", "paid", "unpaid", "paid", "partial", "paid", "lapsed", "paid", "joined"]


def load_demo_data(env):
    """Create the demo federation in ``env``'s database, unless it exists."""
    if env.ref("membership_dues.demo_member_company_01", raise_if_not_found=False):
        return
    company = _company(env)
    env = env["res.company"].with_company(company).env
    _activate_languages(env)
    _load_translations(env)
    plans = _plans(env, company)
    members = _members(env)
    categories = _categories(env, members)
    _tariff(env, company, plans["demo_plan_company"], categories)
    _declarations(env, company, members.filtered("is_company"))
    _subscriptions(env, members, plans)
    _declaration_campaign(env, company, plans)
    _campaign(env, company, plans)
    _followup(env, company)
    _officer(env, company)
    _portal(env, company)
    _logger.info("Membership demo data: %s members, %s plans", len(members), len(plans))


def _today(env):
    return fields.Date.context_today(env["res.users"])


def _xmlid(env, name, record):
    env["ir.model.data"].create(
        {
            "module": "membership_dues",
            "name": name,
            "model": record._name,
            "res_id": record.id,
            "noupdate": True,
        }
    )
    return record


def _activate_languages(env):
    for code in ("fr_BE", "nl_BE", "fr_FR"):
        env["res.lang"]._activate_lang(code)


def _load_translations(env):
    """The module's own data (figures, follow-up levels, refusal reasons)
    in French and Dutch before the demo writes its invoices and letters,
    also in the languages the demo has just activated."""
    env["ir.module.module"]._get("membership_dues")._update_translations()


def _translate(env, records, field="name"):
    """Give ``records``' ``field`` its French and Dutch names
    (generator_translations.csv) in every installed French and Dutch language."""
    names = {row["name"]: row for row in _rows("generator_translations.csv")}
    langs = [code for code, _name in env["res.lang"].get_installed()]
    for record in records:
        by_language = names.get(record.with_context(lang="en_US")[field])
        if not by_language:
            continue
        translations = {lang: by_language[lang[:2]] for lang in langs if lang[:2] in by_language}
        if translations:
            record.update_field_translations(field, translations)


def _company(env):
    """The federation: a Belgian non-profit in Brussels, in EUR.

    Odoo's own demo data keeps the main company on the generic (US) chart;
    with Belgian accounting installed (make run installs l10n_be) its
    Belgian demo company becomes the federation, otherwise one is created
    on the chart Odoo picks for Belgium. The administrator works in it.
    """
    belgium, euro = env.ref("base.be"), env.ref("base.EUR")
    company = env.ref("base.demo_company_be", raise_if_not_found=False)
    if not company:
        euro.active = True
        company = env["res.company"].create({"name": "Federation", "country_id": belgium.id, "currency_id": euro.id})
        env.user.company_ids = [Command.link(company.id)]
        charts = env["account.chart.template"]
        template = charts._guess_chart_template(belgium)
        if not charts._get_chart_template_mapping().get(template, {}).get("installed"):
            template = "generic_coa"  # never install a localization from demo data
        charts.try_loading(template, company, install_demo=False)
        if company.currency_id != euro:
            company.currency_id = euro
    company.write(
        {
            "name": "Fédération des Artisans du Bois ASBL",
            "street": "Rue Royale 55",
            "zip": "1000",
            "city": "Bruxelles",
            "country_id": belgium.id,
            "email": "membres@artisans-bois.example",
            "phone": "+32 2 555 01 23",
            "website": "https://artisans-bois.example",
        }
    )
    admin = env.ref("base.user_admin")
    admin.write({"company_ids": [Command.link(company.id)], "company_id": company.id})
    return company


def _untaxed_income_account(env, company, prefix, name):
    """An income account of ``company`` whose code starts with ``prefix``
    and that carries no default tax (Odoo applies an account's default
    taxes to a product that has none), created when the chart has none."""
    Account = env["account.account"].with_company(company)
    account = Account.search(
        [
            *Account._check_company_domain(company),
            ("code", "=like", f"{prefix}%"),
            ("account_type", "in", ("income", "income_other")),
            ("tax_ids", "=", False),
        ],
        order="code",
        limit=1,
    )
    return account or Account.create(
        {
            "name": name,
            "code": prefix.ljust(6, "0"),
            "account_type": "income",
            "company_ids": [Command.link(company.id)],
        }
    )


def _plans(env, company):
    # Dues of a non-profit association are exempt from VAT (art. 44 §2 11° of the Belgian
    # VAT code): the federation's dues product has no sales tax, and its income account
    # (730 Membership fees, as in the Belgian chart of associations) no default tax that
    # Odoo would apply instead.
    product = env["product.product"].create(
        {
            "name": "Membership dues",
            "type": "service",
            "company_id": company.id,
            "taxes_id": [Command.clear()],
            "property_account_income_id": _untaxed_income_account(env, company, "730", "Membership fees").id,
        }
    )
    _xmlid(env, "demo_product_dues", product)
    _translate(env, product.product_tmpl_id)
    Plan = env["membership.plan"]
    specs = [
        (
            "demo_plan_company",
            {
                "name": "Company member",
                "fee_amount": 450.0,
                "period_rule": "calendar",
                "proration": "month",
                "joining_fee_type": "fixed",
                "joining_fee_amount": 50.0,
                "grace_days": 30,
                "renewal_mode": "notice",
            },
        ),
        (
            "demo_plan_individual",
            {
                "name": "Individual member",
                "fee_amount": 120.0,
                "period_rule": "calendar",
                "proration": "day",
                "use_cutoff": True,
                "cutoff_month": "10",
                "cutoff_day": 1,
                "grace_days": 30,
                "renewal_mode": "invoice",
            },
        ),
        (
            "demo_plan_associate",
            {
                "name": "Associate member",
                "fee_amount": 180.0,
                "period_rule": "anniversary",
                "joining_fee_type": "percent",
                "joining_fee_percent": 10.0,
                "grace_days": 15,
                "renewal_mode": "notice",
            },
        ),
        (
            "demo_plan_student",
            {
                "name": "Student (season)",
                "fee_amount": 25.0,
                "period_rule": "calendar",
                "period_start_month": "9",
                "proration": "none",
                "grace_days": 0,
                "renewal_mode": "invoice",
            },
        ),
    ]
    # dues payable within 30 days of the invoice (the students' season fee within 15)
    terms = {
        "demo_plan_student": env.ref("account.account_payment_term_15days", raise_if_not_found=False),
    }
    plans = {}
    for xmlid, values in specs:
        term = terms.get(xmlid) or Plan._default_payment_term()
        plan = Plan.create({**values, "product_id": product.id, "company_id": company.id, "payment_term_id": term.id})
        plans[xmlid] = _xmlid(env, xmlid, plan)
        _translate(env, plan)
    return plans


def _members(env):
    """The member companies (with their contacts) and persons of
    ``generator_members.csv``, in its order."""
    Partner = env["res.partner"]
    countries = {code: env.ref(f"base.{code.lower()}") for code in ("BE", "FR")}
    members = Partner
    counts = {"company": 0, "person": 0}
    for row in _rows("generator_members.csv"):
        kind, name = row["kind"], row["name"]
        values = {
            "name": name,
            "street": row["street"],
            "zip": row["zip"],
            "city": row["city"],
            "country_id": countries[row["country"]].id,
            "lang": row["lang"],
        }
        if kind == "company":
            domain = f"{_slug(name)}.example"
            values |= {
                "is_company": True,
                "email": f"info@{domain}",
                "child_ids": [
                    Command.create(
                        {
                            "name": contact,
                            "type": "contact",
                            "email": f"{_slug(contact)}@{domain}",
                            "lang": row["lang"],
                        }
                    )
                    for contact in row["contacts"].split(";")
                ],
            }
        else:
            values["email"] = f"{_slug(name)}@mail.example"
        counts[kind] += 1
        members |= _xmlid(env, f"demo_member_{kind}_{counts[kind]:02d}", Partner.create(values))
    return members


def _subscriptions(env, members, plans):
    """Last year's paid period for almost everyone, then this year's in
    every situation; invoices dated like real ones."""
    today = _today(env)
    this_year, last_year = today.year, today.year - 1
    Subscription = env["membership.subscription"]
    for index, partner in enumerate(members):
        scenario = SCENARIOS[index % len(SCENARIOS)]
        if partner.is_company:
            plan = plans["demo_plan_company"]
        elif index % 7 == 0:
            plan = plans["demo_plan_associate"]
        elif index % 11 == 0:
            plan = plans["demo_plan_student"]
        else:
            plan = plans["demo_plan_individual"]
        if scenario == "joined":
            join_date = min(date(this_year, 1 + index % today.month, 15), today)
            wizard = env["membership.join.wizard"].new(
                {"partner_id": partner.id, "plan_id": plan.id, "join_date": join_date}
            )
            subscription = Subscription.create(wizard._subscription_values())
            _invoice(env, subscription, join_date, "paid")
            continue
        previous = _period(env, partner, plan, last_year, "join", previous=None)
        _invoice(env, previous, previous.date_start, "paid")
        if scenario == "lapsed":
            continue
        current = _period(env, partner, plan, this_year, "renewal", previous=previous)
        _invoice(env, current, current.date_start, scenario)


def _period(env, partner, plan, year, kind, previous):
    rule = plan._period_rule()
    if plan.period_rule == "anniversary":
        start = date(year, 1 + partner.id % 12, 1)
    else:
        start = date(year, rule.start_month, rule.start_day)
    period = period_from(start, rule.months, start.day)
    Subscription = env["membership.subscription"]
    quote = plan._compute_period_fees(partner, period.start)[partner.id]
    return Subscription.create(
        {
            **Subscription._quote_values(quote),
            "partner_id": partner.id,
            "plan_id": plan.id,
            "kind": kind,
            "date_start": period.start,
            "date_end": period.end,
            "period_anchor_day": start.day,
            "amount": float(quote.amount),
            "previous_id": previous.id if previous else False,
        }
    )


def _categories(env, members):
    """Sectors and regions, given to the member companies."""
    Category = env["membership.category"]
    categories = {
        row["xmlid"]: _xmlid(env, row["xmlid"], Category.create({"name": row["name"], "dimension": row["dimension"]}))
        for row in _rows("generator_categories.csv")
    }
    _translate(env, env["membership.category"].union(*categories.values()))
    sectors = [
        categories[key] for key in ("demo_category_joinery", "demo_category_cabinet", "demo_category_restoration")
    ]
    regions = {
        "1": "demo_category_brussels",
        "4": "demo_category_wallonia",
        "5": "demo_category_wallonia",
        "6": "demo_category_wallonia",
        "7": "demo_category_wallonia",
    }
    for index, partner in enumerate(members.filtered("is_company")):
        if partner.country_id.code == "FR":
            region = categories["demo_category_france"]
        else:
            region = categories[regions.get((partner.zip or "9")[0], "demo_category_flanders")]
        partner.dues_category_ids = [Command.set([sectors[index % 3].id, region.id])]
    return categories


def _tariff(env, company, plan, categories):
    """The company members' tariff: last year's and this year's adopted
    versions, next year's draft (to simulate)."""
    today = _today(env)
    figures = {code: env.ref(f"membership_dues.figure_{code}") for code in ("turnover", "payroll", "headcount")}
    tariff = _xmlid(
        env,
        "demo_tariff_company",
        env["membership.tariff"].create({"name": "Company members' tariff", "company_id": company.id}),
    )
    _translate(env, tariff)

    def version(xmlid, name, year, base, per_employee, adopt):
        # sequence, name, kind, figure, other values, brackets
        components = [
            (10, "Base fee", "step", "turnover", {}, _brackets((500_000, 2_000_000), "amount", base)),
            (
                20,
                "Payroll contribution",
                "marginal",
                "payroll",
                {"figure_cap": 2_000_000},
                _brackets((250_000,), "rate", (0.2, 0.05)),
            ),
            (30, "Per employee", "per_unit", "headcount", {}, _brackets((10, 50), "amount", per_employee)),
        ]
        record = env["membership.tariff.version"].create(
            {
                "tariff_id": tariff.id,
                "name": name,
                "date_from": date(year, 1, 1),
                "date_to": date(year, 12, 31),
                "floor": 250.0,
                "ceiling": 5000.0,
                "rounding": "1",
                "component_ids": [
                    Command.create(
                        {
                            "sequence": sequence,
                            "name": component,
                            "kind": kind,
                            "figure_id": figures[figure].id,
                            **others,
                            "bracket_ids": brackets,
                        }
                    )
                    for sequence, component, kind, figure, others, brackets in components
                ],
            }
        )
        _translate(env, record.component_ids)
        base_component = record.component_ids.filtered(lambda c: c.name == "Base fee")
        record.coefficient_ids = [
            Command.create({"category_id": categories["demo_category_france"].id, "factor": 0.8}),
            Command.create(
                {
                    "category_id": categories["demo_category_restoration"].id,
                    "factor": 0.9,
                    "component_id": base_component.id,
                }
            ),
        ]
        if adopt:
            record.action_adopt()
        return _xmlid(env, xmlid, record)

    version("demo_tariff_version_last", str(today.year - 1), today.year - 1, (240, 380, 620), (15, 10, 5), True)
    version("demo_tariff_version_current", str(today.year), today.year, (250, 400, 650), (15, 10, 5), True)
    version("demo_tariff_version_next", str(today.year + 1), today.year + 1, (260, 430, 700), (16, 11, 5), True)
    # the board's proposal for the year after: a draft to simulate before adopting it
    version(
        "demo_tariff_version_proposal",
        f"{today.year + 2} (proposal)",
        today.year + 2,
        (275, 450, 760),
        (18, 12, 6),
        False,
    )
    plan.write({"tariff_id": tariff.id, "fallback_mode": "last_year", "fallback_uplift": 5.0})
    return tariff


def _brackets(limits, field, amounts):
    """Commands creating the brackets from 0 to each of ``limits`` then
    above the last one, each with its ``field`` (amount or rate) in ``amounts``."""
    lowers, uppers = (0, *limits), (*limits, None)
    return [
        Command.create({"sequence": sequence, "lower": lower, **({"upper": upper} if upper else {}), field: amount})
        for sequence, (lower, upper, amount) in enumerate(zip(lowers, uppers, amounts, strict=True), start=1)
    ]


def _declarations(env, company, companies):
    """Last year's and this year's figures: all declared last year, a few
    missing this year (the fallback applies)."""
    today = _today(env)
    figures = {code: env.ref(f"membership_dues.figure_{code}") for code in ("turnover", "payroll", "headcount")}
    values = []
    for index, partner in enumerate(companies):
        headcount = 3 + (index * 7) % 60
        turnover = 150_000 + index * 97_000
        payroll = headcount * 38_000
        for year, growth in ((today.year - 1, 1.0), (today.year, 1.04)):
            if year == today.year and index % 6 == 5:
                continue  # not declared this year: last year's figures plus 5 % are used
            values.append(
                {
                    "partner_id": partner.id,
                    "company_id": company.id,
                    "year": year,
                    "state": "validated",
                    "source": "portal" if index % 2 else "import",
                    "date_declared": date(year - 1, 11, 1 + index % 28),
                    "line_ids": [
                        Command.create({"figure_id": figures["turnover"].id, "value": round(turnover * growth, -2)}),
                        Command.create({"figure_id": figures["payroll"].id, "value": round(payroll * growth, -2)}),
                        Command.create({"figure_id": figures["headcount"].id, "value": headcount}),
                    ],
                }
            )
    env["membership.declaration"].create(values)


def _declaration_campaign(env, company, plans):
    """Next year's declaration campaign, asked six weeks ago, its deadline
    passed five days ago: most members declared (some late, some already
    validated), some opened the form without answering, the others have
    not answered and were reminded."""
    today = _today(env)
    asked_on = today - timedelta(days=40)
    campaign = env["membership.declaration.campaign"].create(
        {
            "name": f"Figures {today.year + 1}",
            "company_id": company.id,
            "year": today.year + 1,
            "plan_ids": [Command.set(plans["demo_plan_company"].ids)],
            "deadline": today - timedelta(days=5),
            "user_id": env.ref("base.user_admin").id,
        }
    )
    _xmlid(env, "demo_declaration_campaign_next_year", campaign)
    Partner = env["res.partner"]
    members = Partner.search(campaign._get_todo_domain(), order="id")
    campaign.with_context(membership_skip_emails=True)._process(members)
    campaign.write({"state": "open", "launched_on": fields.Datetime.now() - timedelta(days=40)})
    declarations = campaign.declaration_ids.sorted("id")
    declarations.write({"date_sent": asked_on})
    last_year = {
        declaration.partner_id.id: declaration
        for declaration in env["membership.declaration"].search(
            [("partner_id", "in", declarations.partner_id.ids), ("year", "=", today.year)]
        )
    }
    for index, declaration in enumerate(declarations):
        previous = last_year.get(declaration.partner_id.id)
        match index % 10:
            case 0 | 1 | 2 | 3 | 4 if previous:  # declared on time, some already validated
                day = asked_on + timedelta(days=2 + index % 30)
                declaration.write(
                    {
                        "date_opened": day,
                        "line_ids": [
                            Command.create(
                                {
                                    "figure_id": line.figure_id.id,
                                    "value": line.value
                                    if line.figure_id.value_type == "integer"
                                    else round(line.value * 1.03, -2),
                                }
                            )
                            for line in previous.line_ids
                        ],
                    }
                )
                declaration.write({"state": "declared", "source": "portal", "date_declared": day})
                if index % 10 < 2:
                    declaration.write({"state": "validated"})
            case 5 if previous:  # declared after the deadline
                day = today - timedelta(days=2)
                declaration.write(
                    {
                        "date_opened": day,
                        "line_ids": [
                            Command.create({"figure_id": line.figure_id.id, "value": line.value})
                            for line in previous.line_ids
                        ],
                    }
                )
                declaration.write({"state": "declared", "source": "portal", "date_declared": day})
            case 6:  # opened the form, did not answer
                declaration.date_opened = asked_on + timedelta(days=10)
    # a member confirmed a payroll far above last year's: flagged for the officer's check
    large = declarations.filtered(lambda d: d.state == "declared" and not d.is_late)[-1:]
    payroll = large.line_ids.filtered(lambda line: line.figure_id.code == "payroll")
    if payroll:
        payroll.value = payroll.value * 8
        changes = large._portal_large_changes({payroll.figure_id.id: payroll.value})
        lang = company.partner_id.lang or "en_US"
        note = "\n".join(large._portal_large_change_text(c, lang, for_member=False) for c in changes.values())
        large.write({"large_change": bool(note), "large_change_note": note or False})
    unanswered = declarations.filtered(lambda d: d.state == "to_declare")
    env["membership.declaration.reminder"].create(
        [{"declaration_id": d.id, "step": 0, "date": campaign.deadline - timedelta(days=7)} for d in unanswered]
    )
    return campaign


def _campaign(env, company, plans):
    """Next year's renewal campaign, under way: notices sent over the last
    weeks and answered in every way, for the work queues to show."""
    today = _today(env)
    end_of_year = date(today.year, 12, 31)
    campaign = env["membership.renewal.campaign"].create(
        {
            "name": f"Renewals {today.year + 1}",
            "company_id": company.id,
            "plan_ids": [Command.set([plans["demo_plan_company"].id, plans["demo_plan_individual"].id])],
            "date_from": end_of_year,
            "date_to": end_of_year,
            "send_on_launch": True,
            "user_id": env.ref("base.user_admin").id,
        }
    )
    _xmlid(env, "demo_campaign_next_year", campaign)
    todo = env["membership.subscription"].search(campaign._todo_domain(), order="id")
    quiet = campaign.with_context(membership_skip_emails=True)
    process_batch(todo, quiet._process, quiet._record_failure)  # no commit while the module installs
    campaign.write({"state": "done", "launched_on": fields.Datetime.now(), "done_on": fields.Datetime.now()})
    notices = campaign.renewal_ids.filtered(lambda r: r.mode == "notice").sorted("id")
    reason_price = env.ref("membership_dues.refusal_reason_price")
    for index, notice in enumerate(notices):
        sent = today - timedelta(days=3 + (index * 5) % 60)
        notice.write({"date_sent": sent, "reminder_count": 1 if (today - sent).days > 7 else 0})
        match index % 9:
            case 1:
                notice.action_request_change("Could we move to the individual plan? We are now a one-person business.")
            case 2:
                notice.intervention_reason = "The company was taken over: check the new invoicing address first."
                notice.action_set_intervention()
            case 3 | 4:
                notice.with_context(membership_skip_emails=True)._approve(send_invoice=False)
            case 5:
                notice.action_refuse(reason_price, "Fee too high this year.")
    return campaign


def _followup(env, company):
    """The payment follow-up as if it had run every day this year: the
    unpaid dues are at their levels, some members suspended (nothing is
    sent or printed)."""
    policy = env["membership.followup.policy"]._for_company(company)
    # a fixed indemnity for late payment is damages, outside the scope of VAT
    fee_product = env["product.product"].create(
        {
            "name": "Late payment fee",
            "type": "service",
            "list_price": 15.0,
            "company_id": company.id,
            "taxes_id": [Command.clear()],
            "property_account_income_id": _untaxed_income_account(
                env, company, "743", "Miscellaneous operating income"
            ).id,
        }
    )
    _xmlid(env, "demo_product_late_fee", fee_product)
    _translate(env, fee_product.product_tmpl_id)
    second = policy.level_ids.filtered(lambda level: level.delay_days == 30)
    second.write({"late_fee_type": "fixed", "late_fee_amount": 15.0, "late_fee_product_id": fee_product.id})
    today = _today(env)
    Run = env["membership.followup.run"].with_context(membership_skip_emails=True)
    Line = env["membership.followup.line"]
    # Reminders work: of the invoices reaching a reminder (15 days late or
    # more), one in three is paid 6 days after it, one in three 22 days
    # after it (so after the next level), one in three stays unpaid, for
    # the Follow-up Effectiveness report to show both kinds of payers.
    reminded, payments = set(), {}
    day = date(today.year, 1, 1)
    while day <= today:
        for invoice in payments.pop(day, []):
            if invoice.amount_residual > 0:
                env["account.payment.register"].with_context(
                    active_model="account.move", active_ids=invoice.ids
                ).create({"payment_date": day})._create_payments()
        Run._send_due(day)
        lines = Line.search(
            [("company_id", "=", company.id), ("date", "=", day), ("level_id.delay_days", ">=", 15)], order="id"
        )
        for invoice in lines.move_id.filtered(lambda move: move.id not in reminded):
            reminded.add(invoice.id)
            delay = (6, 22, None)[len(reminded) % 3]
            if delay:
                payments.setdefault(day + timedelta(days=delay), []).append(invoice)
        day += timedelta(days=1)


def _invoice(env, subscription, invoice_date, scenario):
    invoice = subscription._create_invoices(post=False)
    if not invoice:
        return
    invoice_date = min(invoice_date, _today(env))
    # due by the plan's payment term: unpaid ones are followed up from then on
    invoice.write({"invoice_date": invoice_date})
    invoice.action_post()
    if scenario in ("paid", "partial"):
        amount = invoice.amount_total if scenario == "paid" else round(invoice.amount_total / 3, 2)
        env["account.payment.register"].with_context(active_model="account.move", active_ids=invoice.ids).create(
            {"payment_date": invoice_date, "amount": amount}
        )._create_payments()


def _officer(env, company):
    user = env["res.users"].create(
        {
            "name": "Nadia Officer",
            "login": "officer",
            "password": "officer",
            "email": "officer@federation.example",
            "company_id": company.id,
            "company_ids": [Command.set(company.ids)],
            "group_ids": [Command.set([env.ref("membership_dues.group_membership_user").id])],
        }
    )
    _xmlid(env, "demo_user_officer", user)


def _portal(env, company):
    """A member company's contact with portal access (member / member):
    a renewal notice to answer, next year's figures to declare, and
    online payment with Odoo's demo provider when it is installed."""
    notice = env["membership.renewal"].search(
        [("company_id", "=", company.id), ("state", "=", "sent"), ("partner_id.is_company", "=", True)],
        order="id",
        limit=1,
    )
    if not notice:
        return
    member = notice.partner_id
    contact = member.child_ids.filtered(lambda c: not c.user_ids)[:1] or env["res.partner"].create(
        {"name": f"Contact of {member.name}", "parent_id": member.id}
    )
    contact.email = contact.email or "member@example.com"
    # the member's contact speaks its language: the portal opens in it
    contact.lang = member.lang
    user = env["res.users"].create(
        {
            "login": "member",
            "password": "member",
            "partner_id": contact.id,
            "company_id": company.id,
            "company_ids": [Command.set(company.ids)],
            "group_ids": [Command.set([env.ref("base.group_portal").id])],
        }
    )
    _xmlid(env, "demo_user_member", user)
    year = notice.fee_year or notice.date_start.year
    Declaration = env["membership.declaration"]
    if not Declaration.search_count(
        [("partner_id", "=", member.id), ("company_id", "=", company.id), ("year", "=", year)]
    ):
        Declaration.create(
            {"partner_id": member.id, "company_id": company.id, "year": year, "deadline": date(year, 1, 31)}
        )
    demo_provider = env.ref("payment.payment_provider_demo", raise_if_not_found=False)
    if demo_provider:
        provider = env["payment.provider"].search(
            [("code", "=", "demo"), ("company_id", "=", company.id)], limit=1
        ) or demo_provider.copy({"company_id": company.id})
        provider.write({"state": "test", "is_published": True})


def _slug(text):
    return "".join(ch for ch in text.lower() if ch.isalnum()) or "member"
