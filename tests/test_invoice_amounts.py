"""Dues invoices are the invoices Odoo itself makes of the same values.

The dues path gives each line the amounts Odoo computes for it (account.move's
``_membership_prepare_line_amounts``: Odoo's synchronisation then writes
nothing on it again, a fifth of the creation time saved). Every case below,
taxed or not, must produce, line for line, the invoice a plain
``account.move`` create of the same values produces, and an amount given
wrong is rewritten by Odoo."""

from datetime import date

from odoo import Command
from odoo.tests import tagged

from .common import MembershipCommon


@tagged("post_install", "-at_install")
class TestDuesInvoiceAmounts(MembershipCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tax_21 = cls.env["account.tax"].create({"name": "VAT 21%", "amount": 21.0, "type_tax_use": "sale"})
        cls.tax_21_included = cls.env["account.tax"].create(
            {"name": "VAT 21% incl.", "amount": 21.0, "type_tax_use": "sale", "price_include_override": "tax_included"}
        )
        cls.tax_6 = cls.env["account.tax"].create({"name": "VAT 6%", "amount": 6.0, "type_tax_use": "sale"})

        cls.products = {
            "untaxed": cls.fee_product,
            "vat 21": cls.dues_product("Dues VAT", cls.tax_21),
            "two taxes": cls.dues_product("Dues two taxes", cls.tax_21 | cls.tax_6),
        }
        cls.early_discount = cls.env["account.payment.term"].create(
            {
                "name": "2% within 10 days",
                "early_discount": True,
                "discount_percentage": 2,
                "discount_days": 10,
                "line_ids": [Command.create({"value": "percent", "value_amount": 100, "nb_days": 30})],
            }
        )

    @classmethod
    def dues_product(cls, name, taxes):
        return cls.env["product.product"].create(
            {
                "name": name,
                "type": "service",
                "taxes_id": [Command.set(taxes.ids)],
                "property_account_income_id": cls.company_data["default_account_revenue"].id,
            }
        )

    def subscription(self, product_key, amount, joining_fee=0.0, partner=None):
        if product_key == "vat 21 included":
            # a plan refuses a product whose taxes are included in its price;
            # the product can still be changed afterwards
            product = self.dues_product("Dues VAT incl.", self.tax_21)
            plan = self.plan_year.copy({"name": f"Plan {product_key}", "product_id": product.id})
            product.taxes_id = self.tax_21_included
        else:
            product = self.products[product_key]
            plan = self.plan_year.copy({"name": f"Plan {product_key}", "product_id": product.id})
        return self.make_subscription(
            partner or self.member_company,
            plan,
            date(2027, 1, 1),
            date(2027, 12, 31),
            amount=amount,
            full_amount=amount,
            joining_fee_amount=joining_fee,
        )

    def odoo_invoice(self, subscription, invoice):
        """The same invoice made by Odoo alone: the subscription's values, as
        the dues path dated and journaled them, without the amounts given."""
        vals = subscription.with_company(subscription.company_id)._prepare_invoice_vals()
        vals.update(invoice_date=invoice.invoice_date, journal_id=invoice.journal_id.id)
        move = self.env["account.move"].create(vals)
        move.action_post()
        return move

    @staticmethod
    def shape(move):
        """Everything a line carries that is money or accounting, in order."""
        lines = sorted(
            (
                line.display_type,
                line.account_id.id,
                line.name if line.display_type != "payment_term" else "",
                tuple(line.tax_ids.ids),
                line.tax_line_id.id,
                tuple(line.tax_tag_ids.ids),
                line.partner_id.id,
                line.currency_id.id,
                line.amount_currency,
                line.balance,
                line.debit,
                line.credit,
                line.price_subtotal,
                line.price_total,
                line.amount_residual,
                line.date_maturity,
                line.discount_amount_currency,
                line.discount_date,
            )
            for line in move.line_ids
        )
        totals = (move.amount_untaxed, move.amount_tax, move.amount_total, move.amount_residual)
        return lines, totals, move.state, move.invoice_date_due

    def test_dues_invoices_are_odoo_invoices_of_the_same_values(self):
        cases = [
            # (case, product, fee, joining fee, partner's payment term)
            ("untaxed", "untaxed", 240.0, 0.0, None),
            ("untaxed with cents and a joining fee", "untaxed", 123.45, 20.2, None),
            ("untaxed, early payment discount", "untaxed", 99.99, 0.0, "early"),
            ("VAT 21 % excluded", "vat 21", 240.0, 0.0, None),
            ("VAT 21 % excluded with cents", "vat 21", 99.99, 10.1, None),
            ("VAT 21 % included (set on the product after the plan)", "vat 21 included", 121.0, 0.0, None),
            ("VAT 21 % included, odd amount", "vat 21 included", 100.0, 33.33, None),
            ("two taxes", "two taxes", 77.77, 0.0, None),
            ("VAT 21 %, early payment discount", "vat 21", 240.0, 0.0, "early"),
        ]
        for index, (case, product_key, amount, joining_fee, term) in enumerate(cases):
            with self.subTest(case=case):
                partner = self.env["res.partner"].create({"name": f"Member {index}", "is_company": True})
                if term:
                    partner.property_payment_term_id = self.early_discount
                subscription = self.subscription(product_key, amount, joining_fee, partner)
                invoice = subscription._create_invoices(post=True)
                self.assertEqual(invoice.state, "posted")
                expected = self.odoo_invoice(subscription, invoice)
                self.assertEqual(self.shape(invoice), self.shape(expected))
                self.assertEqual(len(invoice.payment_reference), len(expected.payment_reference))
                untaxed = round(amount + joining_fee, 2)
                if product_key == "untaxed":
                    self.assertAlmostEqual(invoice.amount_total, untaxed, places=2)

    def test_the_amounts_given_are_only_those_odoo_would_write(self):
        """Given where Odoo's rule makes them certain (the company's currency,
        no discount), never for another currency or a discounted line."""
        Move = self.env["account.move"]
        currency = self.company.currency_id
        other = self.setup_other_currency("CHF")
        line = {"product_id": self.fee_product.id, "quantity": 3, "price_unit": 33.335}
        cases = [
            ("company currency", {"currency_id": currency.id}, line, -currency.round(3 * 33.335)),
            ("no currency given (the journal's may apply)", {}, line, None),
            ("another currency", {"currency_id": other.id}, line, None),
            ("a discount", {"currency_id": currency.id}, {**line, "discount": 10}, None),
            ("a section", {"currency_id": currency.id}, {"display_type": "line_section", "name": "S"}, None),
            ("a credit note", {"currency_id": currency.id, "move_type": "out_refund"}, line, None),
        ]
        for case, move_values, line_values, expected in cases:
            with self.subTest(case=case):
                vals = {
                    "move_type": "out_invoice",
                    "company_id": self.company.id,
                    **move_values,
                    "invoice_line_ids": [Command.create(dict(line_values))],
                }
                given = Move._membership_prepare_line_amounts(vals)["invoice_line_ids"][0][2]
                self.assertEqual(given.get("amount_currency"), expected)
                self.assertEqual(given.get("balance"), expected)

    def test_odoo_rewrites_an_amount_given_wrong(self):
        """Odoo stays the authority: a line given an amount that is not its
        own (here on purpose) is rewritten by Odoo's synchronisation, taxed
        or not. If a version of Odoo kept amounts given on creation, this
        test says so before an invoice is wrong."""
        for product_key, amount, total in (("untaxed", 240.0, 240.0), ("vat 21", 100.0, 121.0)):
            with self.subTest(product=product_key):
                subscription = self.subscription(product_key, amount)
                vals = subscription._prepare_invoice_vals()
                vals["invoice_line_ids"][0][2].update(amount_currency=-200.0, balance=-200.0)
                move = self.env["account.move"].create(vals)
                line = move.invoice_line_ids
                self.assertEqual((line.amount_currency, line.balance), (-amount, -amount))
                self.assertEqual(move.amount_total, total)
