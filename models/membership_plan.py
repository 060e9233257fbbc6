from decimal import Decimal

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import format_date

from ..engine import (
    ANNIVERSARY,
    CALENDAR,
    Cutoff,
    PeriodError,
    PeriodRule,
    first_period,
    joining_fee,
    round_money,
    to_decimal,
)
from ..tools.tariff_quote import FeeQuote

MONTHS = [
    ("1", "January"),
    ("2", "February"),
    ("3", "March"),
    ("4", "April"),
    ("5", "May"),
    ("6", "June"),
    ("7", "July"),
    ("8", "August"),
    ("9", "September"),
    ("10", "October"),
    ("11", "November"),
    ("12", "December"),
]


class MembershipPlan(models.Model):
    """A membership type (category): what a member subscribes to, for how long
    and at which fee. The fee is untaxed; taxes, income account and journal
    come from the invoicing product, like any customer invoice line."""

    _name = "membership.plan"
    _description = "Membership Plan"
    _inherit = ["mail.thread"]
    _order = "sequence, name, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True, tracking=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True, tracking=True)
    description = fields.Html(translate=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company, tracking=True
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    fee_amount = fields.Monetary(
        "Period Fee",
        tracking=True,
        help="Untaxed fee of one full period. Taxes, income account and journal come from the "
        "invoicing product. Tariff grids later compute it from the member's declared figures.",
    )
    product_id = fields.Many2one(
        "product.product",
        "Invoicing Product",
        required=True,
        tracking=True,
        check_company=True,
        domain="[('type', '=', 'service')]",
        help="Service product of the dues invoice lines: its sales taxes and income account apply.",
    )
    journal_id = fields.Many2one(
        "account.journal",
        "Invoice Journal",
        check_company=True,
        domain="[('type', '=', 'sale')]",
        help="Sales journal of the dues invoices; the company's default sales journal when empty.",
    )
    payment_term_id = fields.Many2one(
        "account.payment.term",
        "Dues Payment Term",
        check_company=True,
        default=lambda self: self._default_payment_term(),
        tracking=True,
        help="When its dues invoices (joining, renewals, regularisations) fall due, counted from the invoice "
        "date; the follow-up counts from that due date. A member's own customer payment term comes first. "
        "Empty: due on the invoice date.",
    )

    # Period rule
    period_rule = fields.Selection(
        [(CALENDAR, "Calendar period"), (ANNIVERSARY, "Anniversary of joining")],
        required=True,
        default=CALENDAR,
        tracking=True,
        help="Calendar: every member's period starts on the same day and month (1 January for a "
        "calendar year, 1 September for a season). Anniversary: a member's first period starts "
        "on the joining date.",
    )
    period_months = fields.Integer(
        "Duration (months)",
        required=True,
        default=12,
        tracking=True,
        help="Length of one period. Calendar periods must last 1, 2, 3, 4, 6 or 12 months.",
    )
    period_start_month = fields.Selection(MONTHS, "Start Month", default="1", required=True)
    period_start_day = fields.Integer("Start Day", default=1, required=True)

    # Renewal
    renewal_mode = fields.Selection(
        [("notice", "Renewal notice to approve"), ("invoice", "Direct invoice (auto-renew)")],
        required=True,
        default="notice",
        tracking=True,
    )
    grace_days = fields.Integer(
        "Grace Period (days)",
        default=0,
        tracking=True,
        help="Days after the end of the paid period during which the member keeps the "
        "'in grace' status before becoming a former member.",
    )

    # Joining
    joining_fee_type = fields.Selection(
        [("none", "None"), ("fixed", "Fixed amount"), ("percent", "Percentage of the period fee")],
        required=True,
        default="none",
        tracking=True,
        help="Charged once, on its own invoice line, at the first subscription. Never prorated.",
    )
    joining_fee_amount = fields.Monetary("Joining Fee")
    joining_fee_percent = fields.Float("Joining Fee (%)", digits=(16, 2))
    joining_product_id = fields.Many2one(
        "product.product",
        "Joining Fee Product",
        check_company=True,
        domain="[('type', '=', 'service')]",
        help="Product of the joining fee line; the invoicing product when empty.",
    )
    proration = fields.Selection(
        [("none", "No proration (full fee)"), ("month", "By month"), ("day", "By day")],
        required=True,
        default="none",
        tracking=True,
        help="How a member joining during a calendar period pays for its first, partial period. "
        "Anniversary periods are never prorated.",
    )
    use_cutoff = fields.Boolean(
        "Cut-off Date",
        help="A member joining on or after the cut-off day pays one full period and is covered "
        "until the end of the next period.",
    )
    cutoff_month = fields.Selection(MONTHS, "Cut-off Month", default="10")
    cutoff_day = fields.Integer("Cut-off Day", default=1)
    post_joining_invoice = fields.Boolean(
        "Post Joining Invoices",
        default=True,
        help="Post the invoice of a new member at once; otherwise it stays in draft for review.",
    )

    tariff_id = fields.Many2one(
        "membership.tariff",
        "Tariff Grid",
        check_company=True,
        tracking=True,
        help="Computes the fee from the member's declared figures; without a grid, every member pays the "
        "period fee above.",
    )
    fallback_mode = fields.Selection(
        [
            ("none", "None: the fee cannot be computed"),
            ("last_year", "Last year's value with an uplift"),
            ("default", "The figure's default value"),
            ("penalty", "A stated penalty fee"),
        ],
        "When a Figure is Missing",
        required=True,
        default="last_year",
        tracking=True,
    )
    fallback_uplift = fields.Float("Uplift (%)", digits=(8, 2), help="Added to last year's value.")
    fallback_penalty = fields.Monetary("Penalty Fee", help="The fee charged when figures are missing.")
    followup_policy_id = fields.Many2one(
        "membership.followup.policy",
        "Follow-up Policy",
        check_company=True,
        help="How its unpaid dues invoices are followed up; the company's default policy when empty.",
    )
    subscription_ids = fields.One2many("membership.subscription", "plan_id", "Subscriptions")
    subscription_count = fields.Integer(compute="_compute_subscription_count")

    @api.model
    def _default_payment_term(self):
        """Odoo's 30 days, when it exists and is active; else none (due on the invoice date)."""
        term = self.env.ref("account.account_payment_term_30days", raise_if_not_found=False)
        return term if term and term.active and not term.company_id else self.env["account.payment.term"]

    def _dues_payment_term(self, partner):
        """The payment term of this plan's dues invoices for ``partner``: the
        member's own customer payment term if it has one, else the plan's."""
        self.ensure_one()
        member_term = partner.commercial_partner_id.with_company(self.company_id).property_payment_term_id
        return member_term or self.payment_term_id

    def _dues_due_text(self, partner, invoice=None):
        """When the dues invoice is due, for the member: the posted invoice's
        due date, else the payment term that will apply to it."""
        self.ensure_one()
        lang = partner.lang or self.env.lang
        if invoice and invoice.state == "posted" and invoice.invoice_date_due:
            return self.env._(
                "Your dues invoice %(invoice)s is due on %(date)s.",
                invoice=invoice.name,
                date=format_date(self.env, invoice.invoice_date_due, lang_code=lang),
            )
        term = self._dues_payment_term(partner)
        lines = term.line_ids
        if not term or (len(lines) == 1 and lines.delay_type == "days_after" and not lines.nb_days):
            return self.env._("The dues invoice is due on the day it is issued.")
        if len(lines) == 1 and lines.delay_type == "days_after":
            return self.env._(
                "The dues invoice is due %(days)s days after its date.",
                days=lines.nb_days,
            )
        return self.env._(
            "The dues invoice is due on these payment terms: %(term)s.",
            term=term.with_context(lang=lang).name,
        )

    @api.depends("subscription_ids")
    def _compute_subscription_count(self):
        counts = dict(
            self.env["membership.subscription"]._read_group([("plan_id", "in", self.ids)], ["plan_id"], ["__count"])
        )
        for plan in self:
            plan.subscription_count = counts.get(plan, 0)

    @api.constrains("fee_amount", "joining_fee_amount", "joining_fee_percent", "grace_days")
    def _check_amounts(self):
        for plan in self:
            for fname in ("fee_amount", "joining_fee_amount", "joining_fee_percent", "grace_days"):
                if plan[fname] < 0:
                    raise ValidationError(
                        self.env._(
                            "Plan %(plan)s: %(field)s is %(value)s, it must be zero or positive.",
                            plan=plan.name,
                            field=plan._fields[fname].get_description(self.env)["string"],
                            value=plan[fname],
                        )
                    )

    @api.constrains(
        "period_rule",
        "period_months",
        "period_start_month",
        "period_start_day",
        "use_cutoff",
        "cutoff_month",
        "cutoff_day",
    )
    def _check_period_rule(self):
        for plan in self:
            try:
                plan._period_rule().validate()
                if plan.use_cutoff and plan.period_rule == CALENDAR:
                    plan._cutoff().validate()
            except PeriodError as error:
                raise ValidationError(plan._period_error_message(error)) from error

    @api.constrains("product_id", "joining_product_id")
    def _check_products_untaxed(self):
        for plan in self:
            for product in plan.product_id | plan.joining_product_id:
                included = product.taxes_id.filtered(
                    lambda tax, plan=plan: tax.price_include and tax.company_id == plan.company_id
                )
                if included:
                    raise ValidationError(
                        self.env._(
                            "Plan %(plan)s: the product %(product)s has the tax %(tax)s included in "
                            "its price, but plan fees are untaxed amounts. Use a product whose "
                            "sales taxes are excluded from the price.",
                            plan=plan.name,
                            product=product.display_name,
                            tax=included[0].name,
                        )
                    )

    def _period_error_message(self, error):
        self.ensure_one()
        labels = {
            "period_rule": self.env._("Period rule"),
            "period_months": self.env._("Duration (months)"),
            "period_start_month": self.env._("Start Month"),
            "period_start_day": self.env._("Start Day"),
            "cutoff_month": self.env._("Cut-off Month"),
            "cutoff_day": self.env._("Cut-off Day"),
        }
        problems = {
            "period_rule": self.env._("the rule must be a calendar or an anniversary period"),
            "period_months": self.env._(
                "%(months)s months is not allowed: a period lasts at least one month, and a "
                "calendar period lasts 1, 2, 3, 4, 6 or 12 months",
                months=self.period_months,
            ),
            "period_start_month": self.env._("the month must be between 1 and 12"),
            "period_start_day": self.env._(
                "day %(day)s does not exist in that month every year",
                day=self.period_start_day,
            ),
            "cutoff_month": self.env._("the month must be between 1 and 12"),
            "cutoff_day": self.env._("day %(day)s does not exist in that month every year", day=self.cutoff_day),
        }
        return self.env._(
            "Plan %(plan)s, field %(field)s: %(problem)s.",
            plan=self.name,
            field=labels.get(error.field, error.field),
            problem=problems.get(error.field, str(error)),
        )

    # ------------------------------------------------------------------
    # Period and fee computation (pure maths in ..engine)
    # ------------------------------------------------------------------
    def _period_rule(self):
        self.ensure_one()
        return PeriodRule(
            self.period_rule,
            self.period_months,
            int(self.period_start_month or 1),
            self.period_start_day,
        )

    def _cutoff(self):
        self.ensure_one()
        if not self.use_cutoff or self.period_rule != CALENDAR:
            return None
        return Cutoff(int(self.cutoff_month or 1), self.cutoff_day)

    def _rounding(self):
        return to_decimal(self.currency_id.rounding)

    def _get_period_fee(self, partner, date_start, date_end):
        """Untaxed fee of one full period for ``partner``, as a Decimal."""
        quote = self._compute_period_fees(partner, date_start)[partner.id]
        if quote.error:
            raise UserError(quote.error)
        return quote.amount

    def _compute_period_fees(self, partners, date_start, version=None, year=None, typed_figures=None):
        """{partner_id: FeeQuote}: the untaxed fee of one full period starting
        on ``date_start`` for each of ``partners``, with its explanation.

        This is the one place where fees are decided (override it to change
        how). Without a tariff grid every member pays the plan's fee; with
        one, the version in force on ``date_start`` (or ``version``) applies
        to the figures the members declared for ``year`` (default: the year
        of ``date_start``). Its queries do not depend on the number of
        partners. ``typed_figures`` ({partner_id: {code: Decimal}}) are
        figures typed but not declared yet (the join wizard's): they count as
        declared.
        """
        self.ensure_one()
        year = year or date_start.year
        version = version or (self.tariff_id and self.tariff_id._version_on(date_start))
        if not version:
            if self.tariff_id:
                raise UserError(
                    self.env._(
                        "The tariff grid %(tariff)s of plan %(plan)s has no adopted version valid on %(date)s: "
                        "adopt one first.",
                        tariff=self.tariff_id.display_name,
                        plan=self.name,
                        date=format_date(self.env, date_start),
                    )
                )
            amount = round_money(self.fee_amount, self._rounding())
            data = {"flat": str(amount), "amount": str(amount), "year": year}
            return {partner.id: FeeQuote(amount, version, year, data) for partner in partners}
        return version._quote_fees(self, partners, year, typed_figures)

    def _missing_figures_quote(self, partner, version, year, data, missing, figures):
        """The penalty fee, or an error naming the member and the figures."""
        data["missing"] = missing
        if self.fallback_mode == "penalty":
            amount = round_money(self.fallback_penalty, self._rounding())
            data.update(penalty=str(amount), amount=str(amount))
            return FeeQuote(amount, version, year, data, True)
        names = ", ".join(figures.filtered(lambda f: f.code in missing).mapped("name")) or ", ".join(missing)
        if self.fallback_mode == "last_year":
            error = self.env._(
                "%(member)s, %(year)s: the figures %(figures)s are missing, and there is no %(last_year)s value to "
                "fall back on.",
                member=partner.display_name,
                year=year,
                figures=names,
                last_year=year - 1,
            )
        else:
            error = self.env._(
                "%(member)s, %(year)s: the figures %(figures)s are missing and plan %(plan)s has no fallback for "
                "missing figures.",
                member=partner.display_name,
                year=year,
                figures=names,
                plan=self.name,
            )
        return FeeQuote(None, version, year, data, True, error)

    def _get_join_terms(self, partner, join_date, typed_figures=None):
        """Coverage, prorated fee and joining fee of ``partner`` joining on
        ``join_date``: ``(JoinTerms, joining_fee, FeeQuote)``, amounts as Decimal.
        ``typed_figures`` ({code: Decimal}): figures typed but not declared yet."""
        self.ensure_one()
        rule = self._period_rule()
        try:
            # The full fee depends on the period it is set for: compute the
            # period first with a zero fee, then ask for the fee of that period.
            probe = first_period(join_date, rule, Decimal(0), self.proration, self._cutoff())
            quote = self._compute_period_fees(
                partner,
                probe.reference_period.start,
                typed_figures={partner.id: typed_figures} if typed_figures else None,
            )[partner.id]
            if quote.error:
                raise UserError(quote.error)
            terms = first_period(join_date, rule, quote.amount, self.proration, self._cutoff(), self._rounding())
        except PeriodError as error:
            raise ValidationError(self._period_error_message(error)) from error
        fee = joining_fee(
            self.joining_fee_type,
            terms.full_fee,
            self.joining_fee_amount,
            self.joining_fee_percent,
            self._rounding(),
        )
        return terms, fee, quote

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_view_subscriptions(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("membership_dues.membership_subscription_action")
        action["domain"] = [("plan_id", "=", self.id)]
        action["context"] = {"default_plan_id": self.id}
        return action
