from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Command
from odoo.tools import format_date

from ..engine import Grid, TariffError, grid_figures, to_decimal, validate_grid
from ..engine.tariff import compile_grid
from ..tools.tariff_quote import FROM_DECLARATION, FeeQuote, resolve_figures, safe_formula_evaluator

ROUNDING_STEPS = {"currency": None, "1": "1", "5": "5", "10": "10"}


class MembershipTariffVersion(models.Model):
    """One version of a tariff grid, valid for a date range.

    A version is a draft until adopted. An adopted version that an invoice
    used is locked: copy it to change the tariff (its end date can still be
    set, so that the next version can take over).
    """

    _name = "membership.tariff.version"
    _description = "Tariff Grid Version"
    _inherit = ["mail.thread"]
    _order = "tariff_id, date_from desc, id desc"
    _check_company_auto = True

    name = fields.Char(required=True, tracking=True, help="e.g. 2027")
    tariff_id = fields.Many2one(
        "membership.tariff", "Tariff Grid", required=True, index=True, ondelete="cascade", check_company=True
    )
    company_id = fields.Many2one(related="tariff_id.company_id", store=True, index=True, precompute=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    date_from = fields.Date("Valid From", required=True, tracking=True)
    date_to = fields.Date("Valid Until", tracking=True, help="Leave empty while no later version exists.")
    state = fields.Selection(
        [("draft", "Draft"), ("adopted", "Adopted")],
        required=True,
        default="draft",
        tracking=True,
        copy=False,
    )
    adopted_on = fields.Date(readonly=True, copy=False)
    adopted_by_id = fields.Many2one("res.users", readonly=True, copy=False)
    component_ids = fields.One2many("membership.tariff.component", "version_id", "Components", copy=True)
    coefficient_ids = fields.One2many("membership.tariff.coefficient", "version_id", "Coefficients")
    floor = fields.Monetary(help="The fee is never below this amount (0: no floor).")
    ceiling = fields.Monetary(help="The fee is never above this amount (0: no ceiling).")
    rounding = fields.Selection(
        [("currency", "Currency"), ("1", "To 1"), ("5", "To 5"), ("10", "To 10")],
        required=True,
        default="currency",
        help="Rounding of the fee, before the floor and the ceiling apply.",
    )
    rounding_mode = fields.Selection(
        [("half_up", "Half up"), ("up", "Up"), ("down", "Down")], required=True, default="half_up"
    )
    is_locked = fields.Boolean(
        "Locked",
        compute="_compute_usage",
        help="Adopted and used by an invoice: it cannot change anymore. Copy it instead.",
    )
    subscription_count = fields.Integer(compute="_compute_usage")
    note = fields.Html()

    # ------------------------------------------------------------------
    # Computes and constraints
    # ------------------------------------------------------------------
    def _compute_usage(self):
        Subscription = self.env["membership.subscription"]
        counts = dict(
            Subscription._read_group([("tariff_version_id", "in", self.ids)], ["tariff_version_id"], ["__count"])
        )
        invoiced = {
            version
            for [version] in Subscription._read_group(
                [
                    ("tariff_version_id", "in", self.ids),
                    ("invoice_id", "!=", False),
                    ("invoice_id.state", "!=", "cancel"),
                ],
                ["tariff_version_id"],
            )
        }
        for version in self:
            version.subscription_count = counts.get(version, 0)
            version.is_locked = version.state == "adopted" and version in invoiced

    @api.constrains("date_from", "date_to")
    def _check_dates(self):
        for version in self:
            if version.date_to and version.date_to < version.date_from:
                raise ValidationError(
                    self.env._(
                        "Tariff version %(version)s: it ends on %(end)s, before it starts on %(start)s.",
                        version=version.display_name,
                        end=format_date(self.env, version.date_to),
                        start=format_date(self.env, version.date_from),
                    )
                )

    @api.constrains("state", "date_from", "date_to", "tariff_id")
    def _check_no_overlap(self):
        for version in self.filtered(lambda v: v.state == "adopted"):
            others = self.search(
                [
                    ("tariff_id", "=", version.tariff_id.id),
                    ("state", "=", "adopted"),
                    ("id", "!=", version.id),
                    "|",
                    ("date_to", "=", False),
                    ("date_to", ">=", version.date_from),
                ]
            ).filtered(lambda o, v=version: not v.date_to or o.date_from <= v.date_to)
            if others:
                raise ValidationError(
                    self.env._(
                        "Tariff version %(version)s overlaps the adopted version %(other)s (from %(start)s). "
                        "Give the older version an end date first.",
                        version=version.display_name,
                        other=others[0].display_name,
                        start=format_date(self.env, others[0].date_from),
                    )
                )

    @api.constrains("floor", "ceiling")
    def _check_bounds(self):
        for version in self:
            if version.floor < 0 or version.ceiling < 0:
                raise ValidationError(
                    self.env._(
                        "Tariff version %(version)s: the floor and the ceiling cannot be negative.",
                        version=version.display_name,
                    )
                )
            if version.ceiling and version.floor > version.ceiling:
                raise ValidationError(
                    self.env._(
                        "Tariff version %(version)s: the floor (%(floor)s) is above the ceiling (%(ceiling)s).",
                        version=version.display_name,
                        floor=version.floor,
                        ceiling=version.ceiling,
                    )
                )

    @api.depends("tariff_id", "name")
    def _compute_display_name(self):
        for version in self:
            version.display_name = f"{version.tariff_id.name or ''} {version.name or ''}".strip()

    # ------------------------------------------------------------------
    # Locking
    # ------------------------------------------------------------------
    def _check_unlocked(self):
        locked = self.filtered("is_locked")
        if locked:
            raise UserError(
                self.env._(
                    "The tariff version %(version)s is adopted and invoices were computed with it: it can no "
                    "longer be changed. Copy it to prepare a new version.",
                    version=locked[0].display_name,
                )
            )

    def write(self, vals):
        if vals.get("tariff_id"):
            # never under another company's tariff: the user must see it
            self.env["membership.tariff"].browse(vals["tariff_id"]).check_access("read")
        if set(vals) - {"date_to", "message_main_attachment_id", "note"}:
            self._check_unlocked()
        if vals.get("date_to"):
            self._check_end_after_use(fields.Date.to_date(vals["date_to"]))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_used(self):
        used = self.filtered("subscription_count")
        if used:
            raise UserError(
                self.env._(
                    "The tariff version %(version)s computed the fees of %(count)s subscriptions: archive the "
                    "grid or give the version an end date instead of deleting it.",
                    version=used[0].display_name,
                    count=used[0].subscription_count,
                )
            )

    def _check_end_after_use(self, date_to):
        """An end date may not cut off periods whose fees this version set."""
        for version in self:
            last = self.env["membership.subscription"].search(
                [("tariff_version_id", "=", version.id), ("date_start", ">", date_to)], limit=1
            )
            if last:
                raise UserError(
                    self.env._(
                        "Tariff version %(version)s set the fee of a period starting on %(start)s: it cannot "
                        "end before that.",
                        version=version.display_name,
                        start=format_date(self.env, last.date_start),
                    )
                )

    # ------------------------------------------------------------------
    # Engine
    # ------------------------------------------------------------------
    def _engine_grid(self):
        self.ensure_one()
        step = ROUNDING_STEPS[self.rounding]
        return Grid(
            tuple(
                component._engine_component() for component in self.component_ids.sorted(lambda c: (c.sequence, c.id))
            ),
            floor=to_decimal(self.floor) if self.floor else None,
            ceiling=to_decimal(self.ceiling) if self.ceiling else None,
            rounding_step=to_decimal(step) if step else None,
            rounding_mode=self.rounding_mode,
        )

    def _validated_grid(self):
        """The engine grid, validated; errors in the user's language."""
        self.ensure_one()
        figure_codes = self.env["membership.figure"]._codes()
        try:
            return validate_grid(self._engine_grid(), figure_codes)
        except TariffError as error:
            raise ValidationError(self._tariff_error_message(error)) from error

    def _compiled_grid(self):
        self.ensure_one()
        return compile_grid(self._validated_grid(), to_decimal(self.currency_id.rounding))

    def _quote_fees(self, plan, partners, year, typed_figures=None):
        """{partner_id: FeeQuote}: this version's fee of one full period for
        each of ``partners``, on the figures they declared for ``year``
        (``typed_figures``, {partner_id: {code: Decimal}}, count as
        declared), ``plan``'s fallback filling a missing figure. Its queries
        do not depend on the number of partners."""
        self.ensure_one()
        grid = self._compiled_grid()
        codes = grid_figures(grid.grid)
        figures = self.env["membership.figure"].with_context(active_test=False).search([("code", "in", list(codes))])
        Declaration = self.env["membership.declaration"]
        declared = Declaration._figures_by_partner(partners, self.company_id, year)
        for partner_id, typed in (typed_figures or {}).items():
            declared[partner_id] = {**declared.get(partner_id, {}), **typed}
        last_year = (
            Declaration._figures_by_partner(partners, self.company_id, year - 1)
            if plan.fallback_mode == "last_year"
            else {}
        )
        coefficients_by_category = {}
        for coefficient in self.coefficient_ids:
            coefficients_by_category.setdefault(coefficient.category_id.id, []).append(
                coefficient._engine_coefficient()
            )
        partners.fetch(["dues_category_ids", "display_name"])
        quotes = {}
        for partner in partners:
            values, origins = resolve_figures(
                codes,
                figures,
                declared.get(partner.id, {}),
                last_year.get(partner.id, {}),
                year,
                plan.fallback_mode,
                plan.fallback_uplift,
            )
            data = {
                "version": {"id": self.id, "name": self.display_name},
                "year": year,
                "figures": origins,
            }
            fallback = any(origin["source"] != FROM_DECLARATION for origin in origins)
            missing = sorted(codes - values.keys())
            if missing:
                quotes[partner.id] = plan._missing_figures_quote(partner, self, year, data, missing, figures)
                continue
            coefficients = [
                engine_coefficient
                for category in partner.dues_category_ids
                for engine_coefficient in coefficients_by_category.get(category.id, ())
            ]
            try:
                result = grid.evaluate(values, coefficients, safe_formula_evaluator)
            except TariffError as error:
                quotes[partner.id] = FeeQuote(None, self, year, data, fallback, self._tariff_error_message(error))
                continue
            data.update(
                coefficients=[
                    {"label": c.label, "factor": str(c.factor), "component": c.component} for c in coefficients
                ],
                result=result.to_dict(),
                amount=str(result.amount),
            )
            quotes[partner.id] = FeeQuote(result.amount, self, year, data, fallback)
        return quotes

    def _tariff_error_message(self, error):
        """The engine's message, translated, naming this version."""
        params = {key: "" if value is None else value for key, value in error.params.items()}
        # pylint: disable-next=translation-required
        message = self.env._(error.template, **params)  # the engine marks its templates with _lt
        return self.env._("Tariff %(version)s: %(problem)s", version=self.display_name, problem=message)

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_adopt(self):
        for version in self:
            if version.state == "adopted":
                continue
            version._validated_grid()
            previous = self.search(
                [
                    ("tariff_id", "=", version.tariff_id.id),
                    ("state", "=", "adopted"),
                    ("date_from", "<", version.date_from),
                    ("date_to", "=", False),
                ]
            )
            for open_version in previous:
                open_version.date_to = version.date_from - timedelta(days=1)
                open_version.message_post(
                    body=self.env._(
                        "Ends on %(date)s: version %(version)s takes over.",
                        date=format_date(self.env, open_version.date_to),
                        version=version.display_name,
                    )
                )
            version.write(
                {
                    "state": "adopted",
                    "adopted_on": fields.Date.context_today(self),
                    "adopted_by_id": self.env.uid,
                }
            )
        return True

    def action_draft(self):
        used = self.filtered("subscription_count")
        if used:
            raise UserError(
                self.env._(
                    "The tariff version %(version)s already set fees: copy it instead of returning it to draft.",
                    version=used[0].display_name,
                )
            )
        self.write({"state": "draft"})
        return True

    def action_copy_version(self):
        """A new draft version, valid from the day after this one ends (or a
        year after it starts), with the same components and coefficients."""
        self.ensure_one()
        start = self.date_to + timedelta(days=1) if self.date_to else self.date_from + relativedelta(years=1)
        new = self.copy({"name": self.env._("%(name)s (copy)", name=self.name), "date_from": start, "date_to": False})
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": new.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }

    def copy(self, default=None):
        new_versions = super().copy(default)
        for old, new in zip(self, new_versions, strict=True):
            by_name = {component.name: component for component in new.component_ids}
            new.coefficient_ids = [
                Command.create(
                    {
                        "category_id": coefficient.category_id.id,
                        "factor": coefficient.factor,
                        "component_id": by_name[coefficient.component_id.name].id
                        if coefficient.component_id
                        else False,
                    }
                )
                for coefficient in old.coefficient_ids
            ]
        return new_versions

    def action_simulate(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Simulate %(version)s", version=self.display_name),
            "res_model": "membership.tariff.simulation",
            "view_mode": "form",
            "target": "new",
            "context": {"default_version_id": self.id},
        }
