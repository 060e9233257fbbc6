"""Demo data generator: a Belgian federation with its members and their dues.

Called once, when the module is installed with demo data (demo/
membership_dues_demo.xml, a <function> in a noupdate block, so module upgrades
never call it again). Every record it creates gets an xml id, and the
function returns at once if its first record exists: running it twice
duplicates nothing.
"""

import logging
from datetime import date, timedelta

from odoo import Command, api, fields, models

from ..engine import period_from

_logger = logging.getLogger(__name__)

COMPANIES = [
    # name, street, zip, city, country, lang, contacts
    ("Menuiserie Lambert SRL", "Rue de la Loi 42", "1000", "Bruxelles", "BE", "fr_BE", ["Marc Lambert"]),
    (
        "Houtbewerking Peeters BV",
        "Meir 12",
        "2000",
        "Antwerpen",
        "BE",
        "nl_BE",
        ["Els Peeters", "Tom Peeters"],
    ),
    ("Ébénisterie Dubois SA", "Boulevard d'Avroy 7", "4000", "Liège", "BE", "fr_BE", ["Sophie Dubois"]),
    ("Schrijnwerkerij De Smet", "Korenmarkt 3", "9000", "Gent", "BE", "nl_BE", ["Pieter De Smet"]),
    ("Atelier Mertens", "Rue de Fer 18", "5000", "Namur", "BE", "fr_BE", ["Julie Mertens"]),
    ("Trappenbouw Janssens NV", "Grote Markt 21", "3000", "Leuven", "BE", "nl_BE", ["Bart Janssens"]),
    (
        "Parquets Willems SRL",
        "Rue Neuve 55",
        "6000",
        "Charleroi",
        "BE",
        "fr_BE",
        ["Luc Willems", "Anne Willems"],
    ),
    ("Meubelmakerij Claes", "Steenstraat 9", "8000", "Brugge", "BE", "nl_BE", ["Karel Claes"]),
    ("Charpentes Goossens SA", "Rue de Namur 14", "1400", "Nivelles", "BE", "fr_BE", ["Eric Goossens"]),
    ("Interieur Wouters BV", "Bondgenotenlaan 60", "3000", "Leuven", "BE", "nl_BE", ["Lies Wouters"]),
    ("Boiseries Martin SAS", "Rue Nationale 120", "59000", "Lille", "FR", "fr_FR", ["Claire Martin"]),
    ("Menuiserie Bernard SARL", "Rue de la République 8", "69002", "Lyon", "FR", "fr_FR", ["Paul Bernard"]),
    (
        "Ateliers Petit & Fils",
        "Rue du Faubourg 31",
        "75010",
        "Paris",
        "FR",
        "fr_FR",
        ["Hugo Petit", "Léa Petit"],
    ),
    ("Escaliers Robert SARL", "Quai de la Loire 4", "44000", "Nantes", "FR", "fr_FR", ["Nicolas Robert"]),
    ("Houthandel Maes", "Leopoldlaan 2", "9300", "Aalst", "BE", "nl_BE", ["Wim Maes"]),
    ("Agencement Jacobs SRL", "Avenue Louise 250", "1050", "Ixelles", "BE", "fr_BE", ["Nathalie Jacobs"]),
    ("Keukens Van Damme", "Nieuwstraat 77", "1730", "Asse", "BE", "nl_BE", ["Joris Van Damme"]),
    ("Restauration Leroy", "Place Saint-Lambert 1", "4000", "Liège", "BE", "fr_BE", ["Céline Leroy"]),
    (
        "Scierie Lejeune SA",
        "Route de Marche 30",
        "6900",
        "Marche-en-Famenne",
        "BE",
        "fr_BE",
        ["Alain Lejeune"],
    ),
    ("Raamwerk Hermans BV", "Kapelstraat 15", "3500", "Hasselt", "BE", "nl_BE", ["Inge Hermans"]),
    ("Menuiserie Renard SARL", "Rue Saint-Jean 6", "57000", "Metz", "FR", "fr_FR", ["Thomas Renard"]),
    (
        "Tonnellerie Fontaine",
        "Cours de l'Intendance 9",
        "33000",
        "Bordeaux",
        "FR",
        "fr_FR",
        ["Marie Fontaine"],
    ),
    ("Houtatelier Jacobs & Co", "Marktplein 4", "2800", "Mechelen", "BE", "nl_BE", ["Koen Jacobs"]),
    ("Ébénisterie Simon", "Rue des Carmes 11", "7000", "Mons", "BE", "fr_BE", ["Olivier Simon"]),
    ("Parket Vermeulen", "Dorpstraat 48", "8500", "Kortrijk", "BE", "nl_BE", ["An Vermeulen"]),
]

PERSONS = [
    # name, street, zip, city, country, lang
    ("Camille Laurent", "Rue du Midi 3", "1000", "Bruxelles", "BE", "fr_BE"),
    ("Jan Vandenberghe", "Veldstraat 44", "9000", "Gent", "BE", "nl_BE"),
    ("Louise Lemaire", "Rue Haute 90", "1000", "Bruxelles", "BE", "fr_BE"),
    ("Wout Verstraete", "Kerkstraat 1", "8400", "Oostende", "BE", "nl_BE"),
    ("Manon Dupont", "Rue de Bruxelles 20", "5000", "Namur", "BE", "fr_BE"),
    ("Sander Wuyts", "Lange Nieuwstraat 8", "2000", "Antwerpen", "BE", "nl_BE"),
    ("Chloé Lefebvre", "Rue Esquermoise 12", "59000", "Lille", "FR", "fr_FR"),
    ("Lotte Michiels", "Diestsestraat 100", "3000", "Leuven", "BE", "nl_BE"),
    ("Antoine Girard", "Rue Mercière 5", "69002", "Lyon", "FR", "fr_FR"),
    ("Emma Desmet", "Zuidstraat 2", "8500", "Kortrijk", "BE", "nl_BE"),
    ("Lucas Denis", "Rue Grétry 40", "4020", "Liège", "BE", "fr_BE"),
    ("Noor Aerts", "Hoogstraat 13", "2300", "Turnhout", "BE", "nl_BE"),
    ("Jules Collin", "Rue de Dinant 7", "5500", "Dinant", "BE", "fr_BE"),
    ("Fien Goethals", "Bruggestraat 19", "8800", "Roeselare", "BE", "nl_BE"),
    ("Léon Lambot", "Rue du Pont 2", "4500", "Huy", "BE", "fr_BE"),
    ("Mila Van Hove", "Stationsstraat 5", "9100", "Sint-Niklaas", "BE", "nl_BE"),
    ("Inès Moreau", "Rue Saint-Dizier 18", "54000", "Nancy", "FR", "fr_FR"),
    ("Arthur Pauwels", "Groenplaats 6", "2000", "Antwerpen", "BE", "nl_BE"),
    ("Zoé Lecomte", "Rue de Herve 33", "4000", "Liège", "BE", "fr_BE"),
    ("Lars De Clercq", "Vlaanderenstraat 71", "9000", "Gent", "BE", "nl_BE"),
    ("Alice Hubert", "Rue de l'Église 4", "6700", "Arlon", "BE", "fr_BE"),
    ("Finn Vercammen", "Mechelsesteenweg 30", "2500", "Lier", "BE", "nl_BE"),
    ("Rose Masson", "Rue des Tanneurs 15", "67000", "Strasbourg", "FR", "fr_FR"),
    ("Victor Delvaux", "Chaussée de Louvain 200", "1300", "Wavre", "BE", "fr_BE"),
    ("Ella Bogaert", "Tiensestraat 66", "3000", "Leuven", "BE", "nl_BE"),
    ("Gabriel Thiry", "Rue Royale 150", "1000", "Bruxelles", "BE", "fr_BE"),
    ("Marie Coppens", "Leuvensestraat 3", "1800", "Vilvoorde", "BE", "nl_BE"),
    ("Nathan François", "Rue de la Station 10", "7500", "Tournai", "BE", "fr_BE"),
    ("Julia Van Acker", "Kouter 25", "9000", "Gent", "BE", "nl_BE"),
    ("Adam Renaud", "Avenue de la Gare 9", "6700", "Arlon", "BE", "fr_BE"),
    ("Lina Segers", "Bredabaan 400", "2170", "Merksem", "BE", "nl_BE"),
    ("Hugo Charlier", "Rue Basse 2", "1400", "Nivelles", "BE", "fr_BE"),
    ("Sarah Lenaerts", "Kempische Steenweg 90", "3500", "Hasselt", "BE", "nl_BE"),
    ("Théo Gérard", "Rue des Augustins 8", "4000", "Liège", "BE", "fr_BE"),
    ("Eva Smets", "Markt 1", "3290", "Diest", "BE", "nl_BE"),
    ("Paul Noël", "Rue du Commerce 12", "1040", "Etterbeek", "BE", "fr_BE"),
    ("Oliver Wright", "Avenue de Tervueren 100", "1040", "Etterbeek", "BE", "en_US"),
]

# What happens to each member, cycling through the list: the demo covers every
# French and Dutch names of the demo's records that members read (plans,
# tariff and its components, categories, products), set in every installed
# French and Dutch language (fr_FR and fr_BE, nl_NL and nl_BE...).
DEMO_TRANSLATIONS = {
    "Company member": ("Membre entreprise", "Bedrijfslid"),
    "Individual member": ("Membre individuel", "Individueel lid"),
    "Associate member": ("Membre associé", "Buitengewoon lid"),
    "Student (season)": ("Étudiant (saison)", "Student (seizoen)"),
    "Company members' tariff": ("Barème des membres entreprises", "Tarief voor bedrijfsleden"),
    "Base fee": ("Cotisation de base", "Basisbijdrage"),
    "Payroll contribution": ("Contribution sur la masse salariale", "Bijdrage op de loonmassa"),
    "Per employee": ("Par salarié", "Per werknemer"),
    "Joinery": ("Menuiserie", "Schrijnwerkerij"),
    "Cabinet-making": ("Ébénisterie", "Meubelmakerij"),
    "Restoration": ("Restauration", "Restauratie"),
    "Brussels": ("Bruxelles", "Brussel"),
    "Wallonia": ("Wallonie", "Wallonië"),
    "Flanders": ("Flandre", "Vlaanderen"),
    "France": ("France", "Frankrijk"),
    "Membership dues": ("Cotisation de membre", "Lidmaatschapsbijdrage"),
    "Late payment fee": ("Frais de retard de paiement", "Kosten voor laattijdige betaling"),
}

# situation an officer meets (paid, unpaid, partly paid, lapsed, new joiner).
SCENARIOS = ["paid", "paid", "paid", "unpaid", "paid", "partial", "paid", "lapsed", "paid", "joined"]


class MembershipDemo(models.AbstractModel):
    _name = "membership.demo"
    _description = "Membership Dues Demo Data"

    @api.model
    def _load_demo_data(self):
        if self.env.ref("membership_dues.demo_member_company_01", raise_if_not_found=False):
            return
        company = self._demo_company()
        self = self.with_company(company)  # noqa: PLW0642
        self._demo_activate_languages()
        self._demo_load_translations()
        plans = self._demo_plans(company)
        members = self._demo_members()
        categories = self._demo_categories(members)
        self._demo_tariff(company, plans["demo_plan_company"], categories)
        self._demo_declarations(company, members.filtered("is_company"))
        self._demo_subscriptions(members, plans)
        self._demo_declaration_campaign(company, plans)
        self._demo_campaign(company, plans)
        self._demo_followup(company)
        self._demo_officer(company)
        self._demo_portal(company)
        _logger.info("Membership demo data: %s members, %s plans", len(members), len(plans))

    def _demo_xmlid(self, name, record):
        self.env["ir.model.data"].create(
            {
                "module": "membership_dues",
                "name": name,
                "model": record._name,
                "res_id": record.id,
                "noupdate": True,
            }
        )
        return record

    def _demo_activate_languages(self):
        for code in ("fr_BE", "nl_BE", "fr_FR"):
            self.env["res.lang"]._activate_lang(code)

    def _demo_load_translations(self):
        """The module's own data (figures, follow-up levels, refusal reasons)
        in French and Dutch before the demo writes its invoices and letters:
        Odoo loads a module's translations only after its demo data."""
        self.env["ir.module.module"]._get("membership_dues")._update_translations()

    def _demo_translate(self, records, field="name"):
        """Give ``records``' ``field`` its French and Dutch names
        (DEMO_TRANSLATIONS) in every installed French and Dutch language."""
        langs = [code for code, _name in self.env["res.lang"].get_installed()]
        for record in records:
            names = DEMO_TRANSLATIONS.get(record.with_context(lang="en_US")[field])
            if not names:
                continue
            by_language = dict(zip(("fr", "nl"), names, strict=True))
            translations = {lang: by_language[lang[:2]] for lang in langs if lang[:2] in by_language}
            if translations:
                record.update_field_translations(field, translations)

    def _demo_company(self):
        """The federation: a Belgian non-profit in Brussels, in EUR.

        Odoo's own demo data keeps the main company on the generic (US) chart;
        with Belgian accounting installed (make run installs l10n_be) its
        Belgian demo company becomes the federation, otherwise one is created
        on the chart Odoo picks for Belgium. The administrator works in it.
        """
        belgium, euro = self.env.ref("base.be"), self.env.ref("base.EUR")
        company = self.env.ref("base.demo_company_be", raise_if_not_found=False)
        if not company:
            euro.active = True
            company = self.env["res.company"].create(
                {"name": "Federation", "country_id": belgium.id, "currency_id": euro.id}
            )
            self.env.user.company_ids = [Command.link(company.id)]
            charts = self.env["account.chart.template"]
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
        admin = self.env.ref("base.user_admin")
        admin.write({"company_ids": [Command.link(company.id)], "company_id": company.id})
        return company

    def _demo_untaxed_income_account(self, company, prefix, name):
        """An income account of ``company`` whose code starts with ``prefix``
        and that carries no default tax (Odoo applies an account's default
        taxes to a product that has none), created when the chart has none."""
        Account = self.env["account.account"].with_company(company)
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

    def _demo_plans(self, company):
        # Dues of a non-profit association are exempt from VAT (art. 44 §2 11° of the Belgian
        # VAT code): the federation's dues product has no sales tax, and its income account
        # (730 Membership fees, as in the Belgian chart of associations) no default tax that
        # Odoo would apply instead.
        product = self.env["product.product"].create(
            {
                "name": "Membership dues",
                "type": "service",
                "company_id": company.id,
                "taxes_id": [Command.clear()],
                "property_account_income_id": self._demo_untaxed_income_account(company, "730", "Membership fees").id,
            }
        )
        self._demo_xmlid("demo_product_dues", product)
        self._demo_translate(product.product_tmpl_id)
        Plan = self.env["membership.plan"]
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
            "demo_plan_student": self.env.ref("account.account_payment_term_15days", raise_if_not_found=False),
        }
        plans = {}
        for xmlid, values in specs:
            term = terms.get(xmlid) or Plan._default_payment_term()
            plan = Plan.create(
                {**values, "product_id": product.id, "company_id": company.id, "payment_term_id": term.id}
            )
            plans[xmlid] = self._demo_xmlid(xmlid, plan)
            self._demo_translate(plan)
        return plans

    def _demo_members(self):
        Partner = self.env["res.partner"]
        countries = {code: self.env.ref(f"base.{code.lower()}") for code in ("BE", "FR")}
        members = Partner
        for index, (name, street, zip_code, city, country, lang, contacts) in enumerate(COMPANIES, start=1):
            company = Partner.create(
                {
                    "name": name,
                    "is_company": True,
                    "street": street,
                    "zip": zip_code,
                    "city": city,
                    "country_id": countries[country].id,
                    "lang": lang,
                    "email": f"info@{_slug(name)}.example",
                    "child_ids": [
                        Command.create(
                            {
                                "name": contact,
                                "type": "contact",
                                "email": f"{_slug(contact)}@{_slug(name)}.example",
                                "lang": lang,
                            }
                        )
                        for contact in contacts
                    ],
                }
            )
            members |= self._demo_xmlid(f"demo_member_company_{index:02d}", company)
        for index, (name, street, zip_code, city, country, lang) in enumerate(PERSONS, start=1):
            person = Partner.create(
                {
                    "name": name,
                    "street": street,
                    "zip": zip_code,
                    "city": city,
                    "country_id": countries[country].id,
                    "lang": lang,
                    "email": f"{_slug(name)}@mail.example",
                }
            )
            members |= self._demo_xmlid(f"demo_member_person_{index:02d}", person)
        return members

    def _demo_subscriptions(self, members, plans):
        """Last year's paid period for almost everyone, then this year's in
        every situation; invoices dated like real ones."""
        today = fields.Date.context_today(self)
        this_year, last_year = today.year, today.year - 1
        Subscription = self.env["membership.subscription"]
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
                wizard = self.env["membership.join.wizard"].new(
                    {"partner_id": partner.id, "plan_id": plan.id, "join_date": join_date}
                )
                subscription = Subscription.create(wizard._subscription_values())
                self._demo_invoice(subscription, join_date, "paid")
                continue
            previous = self._demo_period(partner, plan, last_year, "join", previous=None)
            self._demo_invoice(previous, previous.date_start, "paid")
            if scenario == "lapsed":
                continue
            current = self._demo_period(partner, plan, this_year, "renewal", previous=previous)
            self._demo_invoice(current, current.date_start, scenario)

    def _demo_period(self, partner, plan, year, kind, previous):
        rule = plan._period_rule()
        if plan.period_rule == "anniversary":
            start = date(year, 1 + partner.id % 12, 1)
        else:
            start = date(year, rule.start_month, rule.start_day)
        period = period_from(start, rule.months, start.day)
        Subscription = self.env["membership.subscription"]
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

    def _demo_categories(self, members):
        """Sectors and regions, given to the member companies."""
        Category = self.env["membership.category"]
        specs = [
            ("demo_category_joinery", "Joinery", "sector"),
            ("demo_category_cabinet", "Cabinet-making", "sector"),
            ("demo_category_restoration", "Restoration", "sector"),
            ("demo_category_brussels", "Brussels", "region"),
            ("demo_category_wallonia", "Wallonia", "region"),
            ("demo_category_flanders", "Flanders", "region"),
            ("demo_category_france", "France", "region"),
        ]
        categories = {
            xmlid: self._demo_xmlid(xmlid, Category.create({"name": name, "dimension": dimension}))
            for xmlid, name, dimension in specs
        }
        self._demo_translate(self.env["membership.category"].union(*categories.values()))
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

    def _demo_tariff(self, company, plan, categories):
        """The company members' tariff: last year's and this year's adopted
        versions, next year's draft (to simulate)."""
        today = fields.Date.context_today(self)
        figures = {
            code: self.env.ref(f"membership_dues.figure_{code}") for code in ("turnover", "payroll", "headcount")
        }
        tariff = self._demo_xmlid(
            "demo_tariff_company",
            self.env["membership.tariff"].create({"name": "Company members' tariff", "company_id": company.id}),
        )
        self._demo_translate(tariff)

        def version(xmlid, name, year, base, per_employee, adopt):
            record = self.env["membership.tariff.version"].create(
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
                                "sequence": 10,
                                "name": "Base fee",
                                "kind": "step",
                                "figure_id": figures["turnover"].id,
                                "bracket_ids": [
                                    Command.create({"sequence": 1, "lower": 0, "upper": 500_000, "amount": base[0]}),
                                    Command.create(
                                        {"sequence": 2, "lower": 500_000, "upper": 2_000_000, "amount": base[1]}
                                    ),
                                    Command.create({"sequence": 3, "lower": 2_000_000, "amount": base[2]}),
                                ],
                            }
                        ),
                        Command.create(
                            {
                                "sequence": 20,
                                "name": "Payroll contribution",
                                "kind": "marginal",
                                "figure_id": figures["payroll"].id,
                                "figure_cap": 2_000_000,
                                "bracket_ids": [
                                    Command.create({"sequence": 1, "lower": 0, "upper": 250_000, "rate": 0.2}),
                                    Command.create({"sequence": 2, "lower": 250_000, "rate": 0.05}),
                                ],
                            }
                        ),
                        Command.create(
                            {
                                "sequence": 30,
                                "name": "Per employee",
                                "kind": "per_unit",
                                "figure_id": figures["headcount"].id,
                                "bracket_ids": [
                                    Command.create({"sequence": 1, "lower": 0, "upper": 10, "amount": per_employee[0]}),
                                    Command.create(
                                        {"sequence": 2, "lower": 10, "upper": 50, "amount": per_employee[1]}
                                    ),
                                    Command.create({"sequence": 3, "lower": 50, "amount": per_employee[2]}),
                                ],
                            }
                        ),
                    ],
                }
            )
            self._demo_translate(record.component_ids)
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
            return self._demo_xmlid(xmlid, record)

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

    def _demo_declarations(self, company, companies):
        """Last year's and this year's figures: all declared last year, a few
        missing this year (the fallback applies)."""
        today = fields.Date.context_today(self)
        figures = {
            code: self.env.ref(f"membership_dues.figure_{code}") for code in ("turnover", "payroll", "headcount")
        }
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
                            Command.create(
                                {"figure_id": figures["turnover"].id, "value": round(turnover * growth, -2)}
                            ),
                            Command.create({"figure_id": figures["payroll"].id, "value": round(payroll * growth, -2)}),
                            Command.create({"figure_id": figures["headcount"].id, "value": headcount}),
                        ],
                    }
                )
        self.env["membership.declaration"].create(values)

    def _demo_declaration_campaign(self, company, plans):
        """Next year's declaration campaign, asked six weeks ago, its deadline
        passed five days ago: most members declared (some late, some already
        validated), some opened the form without answering, the others have
        not answered and were reminded."""
        today = fields.Date.context_today(self)
        asked_on = today - timedelta(days=40)
        campaign = self.env["membership.declaration.campaign"].create(
            {
                "name": f"Figures {today.year + 1}",
                "company_id": company.id,
                "year": today.year + 1,
                "plan_ids": [Command.set(plans["demo_plan_company"].ids)],
                "deadline": today - timedelta(days=5),
                "user_id": self.env.ref("base.user_admin").id,
            }
        )
        self._demo_xmlid("demo_declaration_campaign_next_year", campaign)
        Partner = self.env["res.partner"]
        members = Partner.search(campaign._get_todo_domain(), order="id")
        campaign.with_context(membership_skip_emails=True)._ask(members)
        campaign.write({"state": "open", "launched_on": fields.Datetime.now() - timedelta(days=40)})
        declarations = campaign.declaration_ids.sorted("id")
        declarations.write({"date_sent": asked_on})
        last_year = {
            declaration.partner_id.id: declaration
            for declaration in self.env["membership.declaration"].search(
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
        self.env["membership.declaration.reminder"].create(
            [{"declaration_id": d.id, "step": 0, "date": campaign.deadline - timedelta(days=7)} for d in unanswered]
        )
        return campaign

    def _demo_campaign(self, company, plans):
        """Next year's renewal campaign, under way: notices sent over the last
        weeks and answered in every way, for the work queues to show."""
        today = fields.Date.context_today(self)
        end_of_year = date(today.year, 12, 31)
        campaign = self.env["membership.renewal.campaign"].create(
            {
                "name": f"Renewals {today.year + 1}",
                "company_id": company.id,
                "plan_ids": [Command.set([plans["demo_plan_company"].id, plans["demo_plan_individual"].id])],
                "date_from": end_of_year,
                "date_to": end_of_year,
                "send_on_launch": True,
                "user_id": self.env.ref("base.user_admin").id,
            }
        )
        self._demo_xmlid("demo_campaign_next_year", campaign)
        todo = self.env["membership.subscription"].search(campaign._todo_domain(), order="id")
        campaign.with_context(membership_skip_emails=True)._process(todo)
        campaign.write({"state": "done", "launched_on": fields.Datetime.now(), "done_on": fields.Datetime.now()})
        notices = campaign.renewal_ids.filtered(lambda r: r.mode == "notice").sorted("id")
        reason_price = self.env.ref("membership_dues.refusal_reason_price")
        for index, notice in enumerate(notices):
            sent = today - timedelta(days=3 + (index * 5) % 60)
            notice.write({"date_sent": sent, "reminder_count": 1 if (today - sent).days > 7 else 0})
            match index % 9:
                case 1:
                    notice.action_request_change(
                        "Could we move to the individual plan? We are now a one-person business."
                    )
                case 2:
                    notice.intervention_reason = "The company was taken over: check the new invoicing address first."
                    notice.action_set_intervention()
                case 3 | 4:
                    notice.with_context(membership_skip_emails=True)._approve(send_invoice=False)
                case 5:
                    notice.action_refuse(reason_price, "Fee too high this year.")
        return campaign

    def _demo_followup(self, company):
        """The payment follow-up as if it had run every day this year: the
        unpaid dues are at their levels, some members suspended (nothing is
        sent or printed)."""
        policy = self.env["membership.followup.policy"]._for_company(company)
        # a fixed indemnity for late payment is damages, outside the scope of VAT
        fee_product = self.env["product.product"].create(
            {
                "name": "Late payment fee",
                "type": "service",
                "list_price": 15.0,
                "company_id": company.id,
                "taxes_id": [Command.clear()],
                "property_account_income_id": self._demo_untaxed_income_account(
                    company, "743", "Miscellaneous operating income"
                ).id,
            }
        )
        self._demo_xmlid("demo_product_late_fee", fee_product)
        self._demo_translate(fee_product.product_tmpl_id)
        second = policy.level_ids.filtered(lambda level: level.delay_days == 30)
        second.write({"late_fee_type": "fixed", "late_fee_amount": 15.0, "late_fee_product_id": fee_product.id})
        today = fields.Date.context_today(self)
        Communication = self.env["membership.followup.communication"].with_context(membership_skip_emails=True)
        Line = self.env["membership.followup.line"]
        # Reminders work: of the invoices reaching a reminder (15 days late or
        # more), one in three is paid 6 days after it, one in three 22 days
        # after it (so after the next level), one in three stays unpaid, for
        # the Follow-up Effectiveness report to show both kinds of payers.
        reminded, payments = set(), {}
        day = date(today.year, 1, 1)
        while day <= today:
            for invoice in payments.pop(day, []):
                if invoice.amount_residual > 0:
                    self.env["account.payment.register"].with_context(
                        active_model="account.move", active_ids=invoice.ids
                    ).create({"payment_date": day})._create_payments()
            Communication._send_due(day)
            lines = Line.search(
                [("company_id", "=", company.id), ("date", "=", day), ("level_id.delay_days", ">=", 15)], order="id"
            )
            for invoice in lines.move_id.filtered(lambda move: move.id not in reminded):
                reminded.add(invoice.id)
                delay = (6, 22, None)[len(reminded) % 3]
                if delay:
                    payments.setdefault(day + timedelta(days=delay), []).append(invoice)
            day += timedelta(days=1)

    def _demo_invoice(self, subscription, invoice_date, scenario):
        invoice = subscription._create_invoices(post=False)
        if not invoice:
            return
        invoice_date = min(invoice_date, fields.Date.context_today(self))
        # due by the plan's payment term: unpaid ones are followed up from then on
        invoice.write({"invoice_date": invoice_date})
        invoice.action_post()
        if scenario in ("paid", "partial"):
            amount = invoice.amount_total if scenario == "paid" else round(invoice.amount_total / 3, 2)
            self.env["account.payment.register"].with_context(
                active_model="account.move", active_ids=invoice.ids
            ).create({"payment_date": invoice_date, "amount": amount})._create_payments()

    def _demo_officer(self, company):
        user = self.env["res.users"].create(
            {
                "name": "Nadia Officer",
                "login": "officer",
                "password": "officer",
                "email": "officer@federation.example",
                "company_id": company.id,
                "company_ids": [Command.set(company.ids)],
                "group_ids": [Command.set([self.env.ref("membership_dues.group_membership_user").id])],
            }
        )
        self._demo_xmlid("demo_user_officer", user)

    def _demo_portal(self, company):
        """A member company's contact with portal access (member / member):
        a renewal notice to answer, next year's figures to declare, and
        online payment with Odoo's demo provider when it is installed."""
        notice = self.env["membership.renewal"].search(
            [("company_id", "=", company.id), ("state", "=", "sent"), ("partner_id.is_company", "=", True)],
            order="id",
            limit=1,
        )
        if not notice:
            return
        member = notice.partner_id
        contact = member.child_ids.filtered(lambda c: not c.user_ids)[:1] or self.env["res.partner"].create(
            {"name": f"Contact of {member.name}", "parent_id": member.id}
        )
        contact.email = contact.email or "member@example.com"
        # the member's contact speaks its language: the portal opens in it
        contact.lang = member.lang
        user = self.env["res.users"].create(
            {
                "login": "member",
                "password": "member",
                "partner_id": contact.id,
                "company_id": company.id,
                "company_ids": [Command.set(company.ids)],
                "group_ids": [Command.set([self.env.ref("base.group_portal").id])],
            }
        )
        self._demo_xmlid("demo_user_member", user)
        year = notice.fee_year or notice.date_start.year
        Declaration = self.env["membership.declaration"]
        if not Declaration.search_count(
            [("partner_id", "=", member.id), ("company_id", "=", company.id), ("year", "=", year)]
        ):
            Declaration.create(
                {"partner_id": member.id, "company_id": company.id, "year": year, "deadline": date(year, 1, 31)}
            )
        demo_provider = self.env.ref("payment.payment_provider_demo", raise_if_not_found=False)
        if demo_provider:
            provider = self.env["payment.provider"].search(
                [("code", "=", "demo"), ("company_id", "=", company.id)], limit=1
            ) or demo_provider.copy({"company_id": company.id})
            provider.write({"state": "test", "is_published": True})


def _slug(text):
    return "".join(ch for ch in text.lower() if ch.isalnum()) or "member"
