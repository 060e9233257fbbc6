from decimal import Decimal

from odoo import Command, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import format_date, formatLang

from ..engine import PeriodError, first_period, to_decimal
from ..engine.numbers import NumberError

FIGURE_MODES = [
    ("enter", "Type the figures now"),
    ("fallback", "Apply the plan's rule for missing figures"),
]


class MembershipJoinWizard(models.TransientModel):
    """Make a partner join a plan: first period, prorated fee, joining fee,
    then the subscription and its invoice.

    On a plan with a tariff grid, a member without declared figures for the
    fee year is no dead end: the officer types the figures the grid reads
    (Create records them in the member's declaration of that year) or, when
    the plan has one that applies, uses the plan's rule for missing figures.
    The period, the fee and its explanation follow as they type."""

    _name = "membership.join.wizard"
    _description = "Join a Membership Plan"
    _check_company_auto = True

    partner_id = fields.Many2one("res.partner", "Member", required=True, check_company=True)
    plan_id = fields.Many2one(
        "membership.plan",
        required=True,
        domain="[('company_id', 'in', allowed_company_ids)]",
    )
    company_id = fields.Many2one(related="plan_id.company_id", store=True, precompute=True)
    currency_id = fields.Many2one(related="plan_id.currency_id")
    join_date = fields.Date("Joining Date", required=True, default=fields.Date.context_today)
    date_start = fields.Date("Covered From", compute="_compute_terms")
    date_end = fields.Date("Covered Until", compute="_compute_terms")
    full_amount = fields.Monetary("Full Period Fee", compute="_compute_terms")
    amount = fields.Monetary("First Period Fee", compute="_compute_terms")
    joining_fee_amount = fields.Monetary("Joining Fee", compute="_compute_terms")
    amount_total = fields.Monetary("Total (untaxed)", compute="_compute_terms")
    fee_explanation = fields.Text(compute="_compute_terms")
    fee_error = fields.Text(compute="_compute_terms", help="Why the fee cannot be computed yet, and what to do.")
    post_invoice = fields.Boolean(
        "Post the Invoice",
        compute="_compute_post_invoice",
        store=True,
        readonly=False,
        help="Post the invoice at once; otherwise it is left in draft.",
    )

    # Figures the tariff reads and the member has not declared for the fee year
    fee_year = fields.Integer(
        "Figures of",
        compute="_compute_figure_needs",
        aggregator=None,
        help="The year of the figures the fee of the first period reads.",
    )
    needs_figures = fields.Boolean(compute="_compute_figure_needs")
    fallback_available = fields.Boolean(
        compute="_compute_figure_needs", help="The plan's rule for missing figures gives a fee for this member."
    )
    plan_fallback_mode = fields.Selection(related="plan_id.fallback_mode")
    figures_intro = fields.Text(compute="_compute_figure_needs")
    figure_mode = fields.Selection(
        FIGURE_MODES,
        "Missing Figures",
        compute="_compute_figure_mode",
        store=True,
        readonly=False,
    )
    figure_line_ids = fields.One2many(
        "membership.join.wizard.figure",
        "wizard_id",
        "Figures",
        compute="_compute_figure_line_ids",
        store=True,
        readonly=False,
    )

    @api.depends("plan_id")
    def _compute_post_invoice(self):
        for wizard in self:
            wizard.post_invoice = wizard.plan_id.post_joining_invoice

    # ------------------------------------------------------------------
    # Figures
    # ------------------------------------------------------------------
    def _first_period_probe(self):
        """The first period's dates (the fee does not change them), or a
        ValidationError for a plan whose period rule is wrong."""
        self.ensure_one()
        plan = self.plan_id
        try:
            return first_period(self.join_date, plan._period_rule(), Decimal(0), plan.proration, plan._cutoff())
        except PeriodError as error:
            raise ValidationError(plan._period_error_message(error)) from error

    def _figure_situation(self):
        """Where the fee stands on the figures the member declared: a dict
        with ``year`` (fee year), ``quote`` (the plan's fee on the declared
        figures alone, its fallback applied; None if it cannot be asked),
        ``figures`` (the figures the tariff reads), ``declared`` ({code:
        Decimal} declared for the year), ``missing`` (the figures read but not
        declared), ``last_year`` ({code: Decimal} declared the year before)
        and ``declaration`` (the member's declaration of the year, if any)."""
        self.ensure_one()
        Figure = self.env["membership.figure"].with_context(active_test=False)
        Declaration = self.env["membership.declaration"]
        situation = {
            "year": 0,
            "quote": None,
            "figures": Figure,
            "declared": {},
            "missing": Figure,
            "last_year": {},
            "declaration": Declaration,
        }
        if not (self.partner_id and self.plan_id and self.join_date):
            return situation
        try:
            start = self._first_period_probe().reference_period.start
            quote = self.plan_id._compute_period_fees(self.partner_id, start)[self.partner_id.id]
        except (UserError, ValidationError):
            return situation  # no period or no tariff version: _compute_terms says why
        situation.update(year=quote.year, quote=quote)
        origins = quote.data.get("figures", [])
        read = {origin["code"] for origin in origins} | set(quote.data.get("missing", []))
        if not quote.version or not read:
            return situation
        declared = {o["code"]: to_decimal(o["value"]) for o in origins if o["source"] == "declaration"}
        figures = Figure.search([("code", "in", sorted(read))])
        company = quote.version.company_id
        situation.update(
            figures=figures,
            declared=declared,
            missing=figures.filtered(lambda figure: figure.code not in declared),
            last_year=Declaration._figures_by_partner(self.partner_id, company, quote.year - 1).get(
                self.partner_id.id, {}
            ),
            declaration=Declaration.search(
                [
                    ("partner_id", "=", self.partner_id.id),
                    ("company_id", "=", company.id),
                    ("year", "=", quote.year),
                ],
                limit=1,
            ),
        )
        return situation

    @api.depends("partner_id", "plan_id", "join_date")
    def _compute_figure_needs(self):
        for wizard in self:
            situation = wizard._figure_situation()
            missing, quote = situation["missing"], situation["quote"]
            wizard.fee_year = situation["year"]
            wizard.needs_figures = bool(missing)
            wizard.fallback_available = bool(missing and quote and not quote.error)
            if not missing:
                wizard.figures_intro = False
                continue
            values = {
                "member": wizard.partner_id.display_name,
                "year": situation["year"],
                "figures": ", ".join(missing.mapped("name")),
                "plan": wizard.plan_id.name,
            }
            if wizard.fallback_available:
                wizard.figures_intro = self.env._(
                    "%(member)s has not declared %(figures)s for %(year)s, which the fee of %(plan)s reads: type "
                    "them below (Create records them in the member's %(year)s declaration), or apply the plan's "
                    "rule for missing figures.",
                    **values,
                )
            else:
                wizard.figures_intro = self.env._(
                    "%(member)s has not declared %(figures)s for %(year)s, which the fee of %(plan)s reads: type "
                    "them below. Create records them in the member's %(year)s declaration.",
                    **values,
                )

    @api.depends("partner_id", "plan_id", "join_date")
    def _compute_figure_mode(self):
        for wizard in self:
            # the plan's rule when it gives a fee (what the plan says), else the figures
            wizard.figure_mode = "fallback" if wizard.fallback_available else "enter"

    @api.depends("partner_id", "plan_id", "join_date")
    def _compute_figure_line_ids(self):
        Declaration = self.env["membership.declaration"]
        for wizard in self:
            situation = wizard._figure_situation()
            # what the officer typed survives a change of date or plan
            typed = {line.figure_id.id: line.value for line in wizard.figure_line_ids if not line.declared}
            declaration = situation["declaration"]
            drafted = (
                {line.figure_id.id: line.value for line in declaration.line_ids}
                if declaration.state == "to_declare"
                else {}
            )
            commands = [Command.clear()]
            if situation["missing"]:
                for figure in situation["figures"]:
                    declared = situation["declared"].get(figure.code)
                    last_year = situation["last_year"].get(figure.code)
                    if declared is not None:
                        value = Declaration._portal_format(figure, float(declared))
                    elif typed.get(figure.id):
                        value = typed[figure.id]
                    elif figure.id in drafted:
                        value = Declaration._portal_format(figure, drafted[figure.id])
                    else:
                        value = False
                    commands.append(
                        Command.create(
                            {
                                "figure_id": figure.id,
                                "sequence": figure.sequence,
                                "value": value,
                                "declared": declared is not None,
                                "last_year_value": wizard._format_figure(figure, last_year)
                                if last_year is not None
                                else False,
                            }
                        )
                    )
            wizard.figure_line_ids = commands

    def _format_figure(self, figure, value):
        value = float(value)
        digits = 0 if figure.value_type == "integer" or value == int(value) else 2
        return formatLang(self.env, value, digits=digits)

    def _typed_figures(self):
        """{figure: value} the officer typed for the figures not declared, or
        {} when none is needed (figures declared, or the plan's rule
        applied). Raises a ValidationError naming the figure and the value
        for a value that is not a possible value of the figure, and a
        UserError naming the figures still to type."""
        self.ensure_one()
        if not self.needs_figures or (self.figure_mode == "fallback" and self.fallback_available):
            return {}
        Declaration = self.env["membership.declaration"]
        values, blanks = {}, self.env["membership.figure"]
        for line in self.figure_line_ids.filtered(lambda line: not line.declared):
            text = (line.value or "").strip()
            if not text:
                blanks |= line.figure_id
                continue
            lang = self.env.lang or "en_US"  # the officer types numbers in the officer's language
            try:
                value = float(Declaration._portal_number(text, lang))
            except NumberError as error:
                raise ValidationError(Declaration._portal_number_error(line.figure_id, error, lang)) from None
            value = fields.Float.round(value, precision_digits=2)  # what the declaration stores
            line.figure_id._check_value(value)
            values[line.figure_id] = value
        if blanks:
            figures = ", ".join(blanks.mapped("name"))
            if self.fallback_available:
                message = self.env._(
                    "Type %(figures)s in the list of figures (0 when the member has none), or choose "
                    "'Apply the plan's rule for missing figures'.",
                    figures=figures,
                )
            else:
                message = self.env._(
                    "Type %(figures)s in the list of figures (0 when the member has none) to compute the fee.",
                    figures=figures,
                )
            if not values:
                # nothing typed yet: first why the fee cannot be computed
                situation = self._figure_situation()
                if situation["quote"] and situation["quote"].error:
                    message = f"{situation['quote'].error} {message}"
            raise UserError(message)
        return values

    # ------------------------------------------------------------------
    # Terms
    # ------------------------------------------------------------------
    @api.depends(
        "partner_id",
        "plan_id",
        "join_date",
        "figure_mode",
        "figure_line_ids.value",
        "needs_figures",
        "fallback_available",
    )
    def _compute_terms(self):
        empty = {
            "date_start": False,
            "date_end": False,
            "full_amount": 0.0,
            "amount": 0.0,
            "joining_fee_amount": 0.0,
            "amount_total": 0.0,
            "fee_explanation": False,
            "fee_error": False,
        }
        for wizard in self:
            if not (wizard.partner_id and wizard.plan_id and wizard.join_date):
                wizard.update(empty)
                continue
            try:
                values = wizard._subscription_values()
            except (UserError, ValidationError) as error:
                # shown in the wizard, with the period if it is known; Create is hidden
                try:
                    coverage = wizard._first_period_probe().coverage
                    dates = {"date_start": coverage.start, "date_end": coverage.end}
                except ValidationError:
                    dates = {}
                wizard.update({**empty, **dates, "fee_error": error.args[0]})
                continue
            preview = self.env["membership.subscription"].new(values)
            wizard.update(
                {
                    "date_start": values["date_start"],
                    "date_end": values["date_end"],
                    "full_amount": values["full_amount"],
                    "amount": values["amount"],
                    "joining_fee_amount": values["joining_fee_amount"],
                    "amount_total": values["amount"] + values["joining_fee_amount"],
                    "fee_explanation": "\n".join(preview._fee_explanation_lines()),
                    "fee_error": False,
                }
            )

    def _subscription_values(self):
        self.ensure_one()
        typed = self._typed_figures()
        terms, joining_fee, quote = self.plan_id._get_join_terms(
            self.partner_id,
            self.join_date,
            typed_figures={figure.code: to_decimal(value) for figure, value in typed.items()} or None,
        )
        subscription = self.env["membership.subscription"]
        return {
            **subscription._quote_values(quote),
            "partner_id": self.partner_id.id,
            "plan_id": self.plan_id.id,
            "kind": "join",
            "date_start": terms.coverage.start,
            "date_end": terms.coverage.end,
            "period_anchor_day": terms.anchor_day,
            "full_amount": float(terms.full_fee),
            "amount": float(terms.amount),
            "joining_fee_amount": float(joining_fee),
            "proration_method": terms.method,
            "proration_numerator": terms.numerator,
            "proration_denominator": terms.denominator,
            "cutoff_applied": terms.cutoff_applied,
        }

    def _declare_typed_figures(self, typed, year):
        """Record the typed figures in the member's declaration of ``year``
        (created if missing, completed otherwise): declared, source manual."""
        self.ensure_one()
        Declaration = self.env["membership.declaration"]
        declaration = Declaration.search(
            [
                ("partner_id", "=", self.partner_id.id),
                ("company_id", "=", self.company_id.id),
                ("year", "=", year),
            ],
            limit=1,
        ) or Declaration.create(
            {"partner_id": self.partner_id.id, "company_id": self.company_id.id, "year": year, "source": "manual"}
        )
        lines = {line.figure_id: line for line in declaration.line_ids}
        declaration.write(
            {
                "line_ids": [
                    Command.update(lines[figure].id, {"value": value})
                    if figure in lines
                    else Command.create({"figure_id": figure.id, "value": value})
                    for figure, value in typed.items()
                ]
            }
        )
        if declaration.state == "to_declare":
            declaration._mark_declared(source="manual")
        declaration.message_post(
            body=self.env._(
                "Figures entered by %(user)s when %(member)s joined %(plan)s: %(figures)s.",
                user=self.env.user.name,
                member=self.partner_id.display_name,
                plan=self.plan_id.name,
                figures=", ".join(
                    f"{figure.name} {self._format_figure(figure, value)}{' ' + figure.unit if figure.unit else ''}"
                    for figure, value in typed.items()
                ),
            )
        )
        return declaration

    def action_confirm(self):
        self.ensure_one()
        if not self.plan_id.active:
            raise UserError(self.env._("The plan %(plan)s is archived: choose an active plan.", plan=self.plan_id.name))
        values = self._subscription_values()
        typed = self._typed_figures()
        if typed:
            self._declare_typed_figures(typed, values["fee_year"])
        subscription = self.env["membership.subscription"].create(values)
        subscription._create_invoices(post=self.post_invoice)
        subscription.message_post(
            body=self.env._(
                "Joined %(plan)s on %(date)s.",
                plan=self.plan_id.name,
                date=format_date(self.env, self.join_date),
            )
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": "membership.subscription",
            "res_id": subscription.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }

    def write(self, vals):
        if vals.get("plan_id"):
            # never under another company's plan: the user must see it
            self.env["membership.plan"].browse(vals["plan_id"]).check_access("read")
        return super().write(vals)
