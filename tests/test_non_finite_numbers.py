"""NaN and infinities never reach a number of the module: not through the
ORM, XML-RPC or an import. Each is refused with the field's name and
nothing is written."""

import math
import re
import xmlrpc.client

from odoo.exceptions import ValidationError
from odoo.tests import HttpCase, tagged

from .common import MembershipTariffCommon

HOSTILE = (math.nan, math.inf, -math.inf)
# at least these models have numbers an officer or a manager writes
EXPECTED = {
    "membership.plan",
    "membership.subscription",
    "membership.tariff.version",
    "membership.tariff.component",
    "membership.tariff.bracket",
    "membership.tariff.coefficient",
    "membership.declaration.line",
    "membership.figure",
}


@tagged("post_install", "-at_install")
class TestNonFiniteNumbers(MembershipTariffCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.declaration = cls.declare(cls.member_company, 2026, turnover=900_000, payroll=80_000, headcount=5)
        cls.line = cls.declaration.line_ids.filtered(lambda line: line.figure_id == cls.turnover)
        cls.subscription = cls.make_subscription(cls.person, cls.plan_year, "2027-01-01", "2027-12-31")

    def numeric_fields(self):
        """Every stored float or monetary field an officer may write, per
        model of the module that has a record here."""
        for model_name in sorted(self.env):
            Model = self.env[model_name]
            if not model_name.startswith("membership.") or Model._abstract or not Model._auto:
                continue
            names = [
                name
                for name, field in Model._fields.items()
                if field.type in ("float", "monetary") and field.store and not field.compute and not field.related
            ]
            record = Model.search([], limit=1) if names else Model
            if record:
                yield record, names

    def test_every_number_refuses_nan_and_infinity(self):
        covered = set()
        for record, names in self.numeric_fields():
            covered.add(record._name)
            for name in names:
                before = record[name]
                label = record._fields[name]._description_string(self.env)
                for value in HOSTILE:
                    with self.subTest(model=record._name, field=name, value=value):
                        refused = re.escape(f"{label}: {value} is not a number")
                        with self.assertRaisesRegex(ValidationError, refused), self.env.cr.savepoint():
                            record.write({name: value})
                        record.invalidate_recordset()
                        self.assertEqual(record[name], before)
        self.assertLessEqual(EXPECTED, covered)

    def test_over_xmlrpc_and_import(self):
        officer = self.manager
        uid = self.xmlrpc_common.authenticate(self.env.cr.dbname, officer.login, officer.login, {})
        for value in HOSTILE:
            with self.subTest(value=value), self.assertRaises(xmlrpc.client.Fault) as caught:
                self.xmlrpc_object.execute(
                    self.env.cr.dbname,
                    uid,
                    officer.login,
                    "membership.declaration.line",
                    "write",
                    self.line.ids,
                    {"value": value},
                )
            self.assertIn("is not a number", caught.exception.faultString)
            self.assertNotIn("Traceback", caught.exception.faultString)
        self.line.invalidate_recordset()
        self.assertEqual(self.line.value, 900_000)
        # the standard import: every row refused with its message, none written
        xmlid = self.line.export_data(["id"])["datas"][0][0]
        for text in ("nan", "inf", "-Infinity"):
            with self.subTest(text=text):
                result = (
                    self.env["membership.declaration.line"].with_user(officer).load(["id", "value"], [[xmlid, text]])
                )
                self.assertFalse(result["ids"])
                self.assertIn("is not a number", " ".join(m["message"] for m in result["messages"]))
                self.line.invalidate_recordset()
                self.assertEqual(self.line.value, 900_000)
