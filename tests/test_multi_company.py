from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged

from .common import MembershipCommon

MODULE = "membership_dues"

# Models of the module that hold no company data: each with the reason. Any
# other model of the module must be company-bound (a stored company_id and a
# global record rule on it) and have a sample record per company below.
EXEMPT = {
    "membership.figure": "shared catalogue of the figures members declare; its codes are read by every company's "
    "tariff grids and are unique across companies",
    "membership.category": "shared catalogue of member categories, set on contacts that are shared across companies",
    "membership.refusal.reason": "shared list of the reasons a renewal is refused",
    "membership.certificate.wizard": "holds only contacts (under res.partner's own rules) and a year; the "
    "certificates it prints read the invoices with the user's own rules",
    "report.membership_dues.report_payment_certificate": "abstract report model: no table, no records",
    "membership.fee.mixin": "abstract mixin of the fee fields (subscriptions and notices are company-bound): "
    "no table, no records",
    "membership.tariff.version.part": "abstract mixin of the lock of tariff versions' parts (each part is "
    "company-bound): no table, no records",
    "membership.import.row": "abstract model the spreadsheet import rows share: no table, no records",
    "membership.followup.run": "abstract service that runs the dues follow-up: no table, no records",
}

ACCESS = (AccessError, "top-secret records")


def crossover(field):
    """The message of the ORM's company check for ``field``."""
    return (UserError, rf"company inconsistencies(.|\n)*\({field}: ")


@tagged("post_install", "-at_install")
class TestMultiCompany(MembershipCommon):
    """Every model of the module, with records in two companies: an officer
    of company A sees none of company B's records and cannot create or link
    anything across the companies."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a = cls.company
        cls.company_b, cls.plan_b = cls.other_company_plan()
        cls.turnover = cls.env.ref("membership_dues.figure_turnover")
        cls.payroll = cls.env.ref("membership_dues.figure_payroll")
        cls.category = cls.env["membership.category"].create({"name": "Craft", "dimension": "sector"})
        cls.other_category = cls.env["membership.category"].create({"name": "North", "dimension": "region"})
        cls.reason = cls.env.ref("membership_dues.refusal_reason_price")
        cls.a = cls.company_records(cls.company_a, cls.plan_year)
        cls.b = cls.company_records(cls.company_b, cls.plan_b)
        # an officer (membership administrator) of company A only
        cls.officer_a = cls.manager
        cls.officer_a_env = cls.env(
            user=cls.officer_a, context=dict(cls.env.context, allowed_company_ids=cls.company_a.ids)
        )
        # an administrator of both companies, both active
        cls.manager_ab = new_test_user(
            cls.env,
            login="md_manager_ab",
            groups="base.group_user,membership_dues.group_membership_manager",
            company_id=cls.company_a.id,
            company_ids=[Command.set((cls.company_a | cls.company_b).ids)],
        )
        cls.manager_ab_env = cls.env(
            user=cls.manager_ab,
            context=dict(cls.env.context, allowed_company_ids=(cls.company_a | cls.company_b).ids),
        )

    @classmethod
    def company_records(cls, company, plan):
        """At least one record of every company-bound model in ``company``,
        created as superuser; ``{name: record}``."""
        env = cls.env(su=True, context=dict(cls.env.context, allowed_company_ids=company.ids))
        plan = plan.with_env(env)
        r = {"plan": plan}
        r["member"] = env["res.partner"].create({"name": f"Member of {company.name}", "email": "m@example.com"})
        r["own_partner"] = env["res.partner"].create({"name": f"Contact of {company.name}", "company_id": company.id})
        r["product"] = env["product.product"].create(
            {"name": f"Late fee {company.name}", "type": "service", "company_id": company.id}
        )
        # tariff grid, version, components, brackets, coefficients
        r["tariff"] = env["membership.tariff"].create({"name": f"Grid {company.name}", "company_id": company.id})
        r["version"] = env["membership.tariff.version"].create(
            {
                "tariff_id": r["tariff"].id,
                "name": "2030",
                "date_from": "2030-01-01",
                "date_to": "2030-12-31",
                "component_ids": [
                    Command.create(
                        {
                            "name": "Base fee",
                            "kind": "step",
                            "figure_id": cls.turnover.id,
                            "bracket_ids": [
                                Command.create({"sequence": 1, "lower": 0, "upper": 1000, "amount": 100}),
                                Command.create({"sequence": 2, "lower": 1000, "amount": 200}),
                            ],
                        }
                    )
                ],
            }
        )
        r["component"] = r["version"].component_ids
        r["bracket"] = r["component"].bracket_ids
        r["coefficient"] = env["membership.tariff.coefficient"].create(
            {"version_id": r["version"].id, "category_id": cls.category.id, "factor": 0.8}
        )
        # subscriptions: 2026 paid, 2027 invoiced and unpaid
        r["subscription"] = cls.paid_subscription(r["member"], plan, "2026-01-01", "2026-12-31")
        r["subscription_2027"] = cls.make_subscription(r["member"], plan, "2027-01-01", "2027-12-31")
        r["invoice_2027"] = r["subscription_2027"]._create_invoices(post=True)
        r["instalment"] = r["invoice_2027"].line_ids.filtered(lambda line: line.display_type == "payment_term")
        r["declaration"] = env["membership.declaration"].create(
            {
                "partner_id": r["member"].id,
                "year": 2027,
                "company_id": company.id,
                "line_ids": [Command.create({"figure_id": cls.turnover.id, "value": 500})],
            }
        )
        r["tariff_plan"] = plan.copy({"name": f"Grid plan {company.name}", "tariff_id": r["tariff"].id})
        r["declaration_campaign"] = env["membership.declaration.campaign"].create(
            {
                "name": f"Figures {company.name}",
                "company_id": company.id,
                "year": 2027,
                "plan_ids": [Command.set(r["tariff_plan"].ids)],
                "deadline": "2027-01-31",
            }
        )
        r["declaration"].write({"campaign_id": r["declaration_campaign"].id, "state": "declared"})
        r["declaration_reminder"] = env["membership.declaration.reminder"].create(
            {"declaration_id": r["declaration"].id, "step": 0, "date": "2027-01-24"}
        )
        r["campaign"] = env["membership.renewal.campaign"].create(
            {
                "name": f"Renewals {company.name}",
                "company_id": company.id,
                "plan_ids": [Command.set(plan.ids)],
                "date_from": "2027-12-31",
                "date_to": "2027-12-31",
                "send_on_launch": False,
            }
        )
        env["membership.renewal.campaign.failure"].create(
            {
                "campaign_id": r["campaign"].id,
                "subscription_id": r["subscription_2027"].id,
                "partner_id": r["member"].id,
                "error": "test",
            }
        )
        r["renewal"] = env["membership.renewal"].create(
            {
                "campaign_id": r["campaign"].id,
                "partner_id": r["member"].id,
                "plan_id": plan.id,
                "previous_subscription_id": r["subscription_2027"].id,
                "date_start": "2028-01-01",
                "date_end": "2028-12-31",
                "amount": 240.0,
            }
        )
        # follow-up
        r["policy"] = env["membership.followup.policy"]._for_company(company).with_env(env)
        r["level"], r["other_level"] = r["policy"].level_ids[:1], r["policy"].level_ids[-1:]
        r["communication"] = env["membership.followup.communication"].create(
            {"partner_id": r["member"].id, "company_id": company.id, "date": "2027-02-15", "level_id": r["level"].id}
        )
        env["membership.followup.line"].create(
            {
                "move_line_id": r["instalment"][:1].id,
                "partner_id": r["member"].id,
                "level_id": r["level"].id,
                "communication_id": r["communication"].id,
                "date": "2027-02-15",
            }
        )
        env["membership.card"].create({"partner_id": r["member"].id, "company_id": company.id})
        # wizards
        r["join_wizard"] = env["membership.join.wizard"].create(
            {
                "partner_id": r["member"].id,
                "plan_id": plan.id,
                "figure_line_ids": [Command.create({"figure_id": cls.turnover.id, "value": "500"})],
            }
        )
        r["simulation"] = env["membership.tariff.simulation"].create({"version_id": r["version"].id})
        env["membership.tariff.simulation.line"].create(
            {
                "simulation_id": r["simulation"].id,
                "subscription_id": r["subscription"].id,
                "partner_id": r["member"].id,
                "plan_id": plan.id,
                "status": "ok",
            }
        )
        r["followup_wizard"] = env["membership.followup.wizard"].create(
            {
                "company_id": company.id,
                "date": "2027-02-15",
                "line_ids": [Command.create({"partner_id": r["member"].id, "level_id": r["level"].id})],
            }
        )
        env["membership.renewal.refuse.wizard"].create(
            {"renewal_ids": [Command.set(r["renewal"].ids)], "reason_id": cls.reason.id}
        )
        env["membership.import.oca"].create({"company_id": company.id})
        env["membership.import.line"].create({"company_id": company.id, "member_name": "Row"})
        env["membership.import.figure"].create({"company_id": company.id, "figure": "turnover"})
        return r

    # ------------------------------------------------------------------
    # helpers
    # ------------------------------------------------------------------
    def module_models(self):
        """The models this module defines (not the ones it extends)."""
        return sorted(
            name
            for name, model_class in self.env.registry.items()
            if model_class._original_module == MODULE or name.startswith("membership.")
        )

    def company_bound_models(self):
        return [name for name in self.module_models() if name not in EXEMPT]

    def records_of(self, model, company):
        """All the records of ``model`` in ``company``, seen as superuser."""
        return self.env[model].sudo().with_context(active_test=False).search([("company_id", "=", company.id)])

    def assert_refused(self, env, model, values, expected):
        exception, message = expected
        count = self.env[model].sudo().with_context(active_test=False).search_count([])
        with self.assertRaises(exception) as caught:
            env[model].create(values)
        self.assertRegex(str(caught.exception), message)
        self.assertEqual(
            self.env[model].sudo().with_context(active_test=False).search_count([]), count, "nothing written"
        )

    # ------------------------------------------------------------------
    # tests
    # ------------------------------------------------------------------
    def test_every_model_is_company_bound_or_exempt(self):
        """A new model of the module fails here until it is company-bound
        (company_id, global record rule, samples in both companies) or
        exempted with a reason."""
        models = self.module_models()
        self.assertIn("membership.tariff.bracket", models)
        self.assertIn("membership.tariff.simulation", models)
        self.assertFalse(set(EXEMPT) - set(models), "exempt models that no longer exist")
        Rule = self.env["ir.rule"].sudo()
        for model in models:
            with self.subTest(model=model):
                Model = self.env[model]
                if model in EXEMPT:
                    self.assertNotIn(
                        "company_id",
                        Model._fields,
                        f"{model} has a company now: make it company-bound instead of exempt",
                    )
                    continue
                field = Model._fields.get("company_id")
                self.assertTrue(field and field.store, f"{model} has no stored company_id")
                self.assertEqual(field.comodel_name, "res.company")
                rules = Rule.search([("model_id.model", "=", model), ("global", "=", True)])
                self.assertTrue(
                    any("('company_id', 'in', company_ids)" in rule.domain_force and rule.perm_read for rule in rules),
                    f"{model} has no global multi-company record rule",
                )
                self.assertTrue(self.records_of(model, self.company_a), f"no sample of {model} in company A")
                self.assertTrue(self.records_of(model, self.company_b), f"no sample of {model} in company B")

    def test_officer_of_a_sees_nothing_of_b(self):
        """search, search_read (every field), read, _read_group and
        formatted_read_group: company B's records do not exist for an
        officer of company A, who still sees all of company A's."""
        for model in self.company_bound_models():
            with self.subTest(model=model):
                mine = self.records_of(model, self.company_a)
                theirs = self.records_of(model, self.company_b)
                self.assertTrue(mine and theirs)
                Model = self.officer_a_env[model].with_context(active_test=False)
                both = [("id", "in", (mine | theirs).ids)]
                self.assertEqual(Model.search(both), mine.with_env(Model.env))
                self.assertFalse(Model.search([("id", "in", theirs.ids)]))
                self.assertFalse(Model.search([]) & theirs.with_env(Model.env))
                rows = Model.search_read(both)
                self.assertEqual(sorted(row["id"] for row in rows), sorted(mine.ids))
                with self.assertRaises(AccessError) as caught:
                    theirs.with_env(Model.env).read(["company_id"])
                self.assertRegex(str(caught.exception), "top-secret records")
                self.assertEqual(
                    Model._read_group(both, ["company_id"], ["__count"]),
                    [(self.company_a.with_env(Model.env), len(mine))],
                )
                groups = Model.formatted_read_group(both, ["company_id"], ["__count"])
                self.assertEqual(
                    [(group["company_id"][0], group["__count"]) for group in groups],
                    [(self.company_a.id, len(mine))],
                )

    def test_officer_of_a_creates_nothing_in_b(self):
        """Creating a record in company B, or under one of its records, is
        refused to an officer of company A, and nothing is written."""
        a, b = self.a, self.b
        cases = [
            ("membership.plan", {"name": "P", "company_id": self.company_b.id, "product_id": b["product"].id}),
            ("membership.subscription", {
                "partner_id": a["member"].id, "plan_id": b["plan"].id,
                "date_start": "2031-01-01", "date_end": "2031-12-31", "amount": 1.0,
            }),
            ("membership.tariff", {"name": "T", "company_id": self.company_b.id}),
            ("membership.tariff.version", {"tariff_id": b["tariff"].id, "name": "2031", "date_from": "2031-01-01"}),
            ("membership.tariff.component", {"version_id": b["version"].id, "name": "Flat", "kind": "flat"}),
            ("membership.tariff.bracket", {"component_id": b["component"].id, "lower": 5000, "amount": 1}),
            ("membership.tariff.coefficient", {
                "version_id": b["version"].id, "category_id": self.other_category.id, "factor": 2.0,
            }),
            ("membership.declaration", {"partner_id": a["member"].id, "year": 2031, "company_id": self.company_b.id}),
            ("membership.declaration.line", {
                "declaration_id": b["declaration"].id, "figure_id": self.payroll.id, "value": 10,
            }),
            ("membership.declaration.campaign", {
                "name": "D", "company_id": self.company_b.id, "year": 2031, "deadline": "2031-01-31",
                "plan_ids": [Command.set(b["tariff_plan"].ids)],
            }),
            ("membership.declaration.reminder", {"declaration_id": b["declaration"].id, "step": 5}),
            ("membership.renewal.campaign", {
                "name": "C", "company_id": self.company_b.id, "plan_ids": [Command.set(b["plan"].ids)],
                "date_from": "2031-12-31", "date_to": "2031-12-31",
            }),
            ("membership.renewal.campaign.failure", {
                "campaign_id": b["campaign"].id, "subscription_id": b["subscription"].id, "error": "x",
            }),
            ("membership.renewal", {
                "partner_id": a["member"].id, "plan_id": b["plan"].id,
                "date_start": "2031-01-01", "date_end": "2031-12-31",
            }),
            ("membership.followup.policy", {
                "name": "F", "company_id": self.company_b.id,
                "level_ids": [Command.create({"name": "L", "delay_days": 0, "send_email": True})],
            }),
            ("membership.followup.level", {
                "policy_id": b["policy"].id, "name": "L", "delay_days": 99, "send_email": True,
            }),
            ("membership.followup.communication", {
                "partner_id": a["member"].id, "company_id": self.company_b.id, "date": "2031-01-01",
                "level_id": b["level"].id,
            }),
            ("membership.followup.line", {
                "move_line_id": b["instalment"][:1].id, "partner_id": b["member"].id,
                "level_id": b["other_level"].id, "date": "2031-01-01",
            }),
            ("membership.card", {"partner_id": a["member"].id, "company_id": self.company_b.id}),
            ("membership.join.wizard", {"partner_id": a["member"].id, "plan_id": b["plan"].id}),
            ("membership.join.wizard.figure", {"wizard_id": b["join_wizard"].id, "figure_id": self.turnover.id}),
            ("membership.tariff.simulation", {"version_id": b["version"].id}),
            ("membership.tariff.simulation.line", {
                "simulation_id": b["simulation"].id, "partner_id": b["member"].id, "status": "ok",
            }),
            ("membership.followup.wizard", {"company_id": self.company_b.id}),
            ("membership.followup.wizard.line", {"wizard_id": b["followup_wizard"].id, "partner_id": b["member"].id}),
            ("membership.import.oca", {"company_id": self.company_b.id}),
            ("membership.import.line", {"company_id": self.company_b.id, "member_name": "Row"}),
            ("membership.import.figure", {"company_id": self.company_b.id, "figure": "turnover"}),
            ("membership.renewal.refuse.wizard", {
                "renewal_ids": [Command.set(b["renewal"].ids)], "reason_id": self.reason.id,
            }),
        ]  # fmt: skip
        tested = {model for model, _values in cases}
        self.assertEqual(
            set(self.company_bound_models())
            - tested
            - {
                # SQL views: nothing can be created in them
                "membership.dues.analysis",
                "membership.dues.collection",
                "membership.followup.analysis",
                "membership.declaration.analysis",
                "membership.declaration.figure.analysis",
                "membership.member.analysis",
                "membership.member.movement",
                "membership.renewal.analysis",
            },
            set(),
            "a company-bound model without a cross-company creation case",
        )
        for model, values in cases:
            with self.subTest(model=model):
                self.assert_refused(self.officer_a_env, model, values, ACCESS)

    def test_officer_of_a_moves_nothing_into_b(self):
        """Writing one of company A's records under a record of company B
        (a bracket under B's component...) is refused to an officer of
        company A, and the record stays where it was."""
        a, b = self.a, self.b
        A = self.officer_a_env
        line_a = A["membership.followup.line"].search([("company_id", "=", self.company_a.id)], limit=1)
        cases = [
            (a["bracket"][:1], {"component_id": b["component"].id}),
            (a["coefficient"], {"version_id": b["version"].id}),
            (a["component"], {"version_id": b["version"].id}),
            (a["version"], {"tariff_id": b["tariff"].id}),
            (a["declaration"].line_ids, {"declaration_id": b["declaration"].id}),
            (a["declaration_reminder"], {"declaration_id": b["declaration"].id}),
            (a["level"], {"policy_id": b["policy"].id}),
            (line_a, {"move_line_id": b["instalment"][:1].id}),
            (a["campaign"].failure_ids, {"campaign_id": b["campaign"].id}),
            (a["simulation"], {"version_id": b["version"].id}),
            (a["simulation"].line_ids, {"simulation_id": b["simulation"].id}),
            (a["followup_wizard"].line_ids, {"wizard_id": b["followup_wizard"].id}),
            (a["join_wizard"].figure_line_ids, {"wizard_id": b["join_wizard"].id}),
            (A["membership.join.wizard"].search([("company_id", "=", self.company_a.id)], limit=1), {
                "plan_id": b["plan"].id,
            }),
            (A["membership.renewal.refuse.wizard"].search([("company_id", "=", self.company_a.id)], limit=1), {
                "renewal_ids": [Command.set(b["renewal"].ids)],
            }),
        ]  # fmt: skip
        for record, values in cases:
            record = record.with_env(A)
            field = next(iter(values))
            with self.subTest(model=record._name, field=field):
                self.assertEqual(len(record), 1)
                before = record.sudo()[field]
                with self.assertRaises(AccessError) as caught:
                    record.write(values)
                self.assertRegex(str(caught.exception), "top-secret records")
                record.invalidate_recordset()
                self.assertEqual(record.sudo()[field], before, "nothing written")
                self.assertEqual(record.sudo().company_id, self.company_a)

    def test_no_link_across_companies(self):
        """Even for a user of both companies, a record of company A cannot
        point to a record of company B."""
        a, b = self.a, self.b
        cases = [
            ("membership.plan", {
                "name": "P", "company_id": self.company_a.id, "product_id": self.fee_product.id,
                "tariff_id": b["tariff"].id,
            }, crossover("tariff_id")),
            ("membership.subscription", {
                "partner_id": a["member"].id, "plan_id": a["plan"].id, "date_start": "2031-01-01",
                "date_end": "2031-12-31", "amount": 1.0, "tariff_version_id": b["version"].id,
            }, crossover("tariff_version_id")),
            ("membership.tariff.coefficient", {
                "version_id": a["version"].id, "category_id": self.other_category.id, "factor": 2.0,
                "component_id": b["component"].id,
            }, (ValidationError, "applies to a component of another version")),
            ("membership.declaration", {
                "partner_id": b["own_partner"].id, "year": 2031, "company_id": self.company_a.id,
            }, crossover("partner_id")),
            ("membership.declaration", {
                "partner_id": a["member"].id, "year": 2032, "company_id": self.company_a.id,
                "campaign_id": b["declaration_campaign"].id,
            }, crossover("campaign_id")),
            ("membership.declaration.campaign", {
                "name": "D", "company_id": self.company_a.id, "year": 2031, "deadline": "2031-01-31",
                "plan_ids": [Command.set(b["tariff_plan"].ids)],
            }, crossover("plan_ids")),
            ("membership.renewal.campaign", {
                "name": "C", "company_id": self.company_a.id, "plan_ids": [Command.set(b["plan"].ids)],
                "date_from": "2031-12-31", "date_to": "2031-12-31",
            }, crossover("plan_ids")),
            ("membership.renewal.campaign.failure", {
                "campaign_id": a["campaign"].id, "subscription_id": b["subscription"].id, "error": "x",
            }, crossover("subscription_id")),
            ("membership.renewal", {
                "partner_id": a["member"].id, "plan_id": a["plan"].id, "date_start": "2031-01-01",
                "date_end": "2031-12-31", "tariff_version_id": b["version"].id,
            }, crossover("tariff_version_id")),
            ("membership.renewal", {
                "partner_id": a["member"].id, "plan_id": a["plan"].id, "date_start": "2031-01-01",
                "date_end": "2031-12-31", "previous_subscription_id": b["subscription"].id,
            }, crossover("previous_subscription_id")),
            ("membership.followup.level", {
                "policy_id": a["policy"].id, "name": "L", "delay_days": 99, "send_email": True,
                "late_fee_type": "fixed", "late_fee_amount": 5.0, "late_fee_product_id": b["product"].id,
            }, crossover("late_fee_product_id")),
            ("membership.followup.communication", {
                "partner_id": a["member"].id, "company_id": self.company_a.id, "date": "2031-01-01",
                "level_id": b["level"].id,
            }, crossover("level_id")),
            ("membership.followup.line", {
                "move_line_id": a["instalment"][:1].id, "partner_id": a["member"].id,
                "level_id": b["other_level"].id, "date": "2031-01-01",
            }, crossover("level_id")),
            ("membership.card", {
                "partner_id": b["own_partner"].id, "company_id": self.company_a.id,
            }, crossover("partner_id")),
            ("membership.join.wizard", {
                "partner_id": b["own_partner"].id, "plan_id": a["plan"].id,
            }, crossover("partner_id")),
            ("membership.tariff.simulation", {
                "version_id": a["version"].id, "plan_ids": [Command.set(b["plan"].ids)],
            }, crossover("plan_ids")),
            ("membership.tariff.simulation.line", {
                "simulation_id": a["simulation"].id, "subscription_id": b["subscription"].id,
                "partner_id": b["member"].id, "plan_id": b["plan"].id, "status": "ok",
            }, crossover("(subscription_id|plan_id)")),
            ("membership.followup.wizard.line", {
                "wizard_id": a["followup_wizard"].id, "partner_id": a["member"].id, "level_id": b["level"].id,
            }, crossover("level_id")),
            ("membership.renewal.refuse.wizard", {
                "renewal_ids": [Command.set((a["renewal"] | b["renewal"]).ids)], "reason_id": self.reason.id,
            }, (ValidationError, "belong to several companies")),
        ]  # fmt: skip
        for model, values, expected in cases:
            with self.subTest(model=model, fields=sorted(values)):
                self.assert_refused(self.manager_ab_env, model, values, expected)

    def test_officer_of_a_works_in_a(self):
        """The same creations under company A's records are allowed."""
        a = self.a
        cases = [
            ("membership.tariff.simulation", {"version_id": a["version"].id}),
            ("membership.tariff.coefficient", {
                "version_id": a["version"].id, "category_id": self.other_category.id, "factor": 2.0,
            }),
            ("membership.declaration.line", {
                "declaration_id": a["declaration"].id, "figure_id": self.payroll.id, "value": 10,
            }),
            ("membership.followup.level", {
                "policy_id": a["policy"].id, "name": "L", "delay_days": 99, "send_email": True,
            }),
            ("membership.join.wizard", {"partner_id": a["member"].id, "plan_id": a["plan"].id}),
            ("membership.followup.wizard.line", {"wizard_id": a["followup_wizard"].id, "partner_id": a["member"].id}),
            ("membership.renewal.refuse.wizard", {
                "renewal_ids": [Command.set(a["renewal"].ids)], "reason_id": self.reason.id,
            }),
        ]  # fmt: skip
        for model, values in cases:
            with self.subTest(model=model):
                record = self.officer_a_env[model].create(values)
                self.assertEqual(record.company_id, self.company_a)
                self.assertEqual(record.read(["company_id"])[0]["company_id"][0], self.company_a.id)
