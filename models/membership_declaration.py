import logging
from datetime import timedelta
from decimal import Decimal

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Domain
from odoo.tools import format_date

from ..engine import to_decimal
from ..engine.numbers import (
    MAX_INTEGER_DIGITS,
    AmbiguousNumber,
    EmptyNumber,
    NumberError,
    NumberTooLarge,
    OtherConvention,
    OtherScriptDigits,
    convention,
    format_for_typing,
    format_number,
    parse_number,
)
from ..tools.batch import run_in_batches
from ..tools.orm_batch import post_template

_logger = logging.getLogger(__name__)

DECLARATION_STATES = [("to_declare", "To Declare"), ("declared", "Declared"), ("validated", "Validated")]
SOURCES = [
    ("portal", "Portal"),
    ("import", "Import"),
    ("manual", "Manual"),
    ("fallback", "Fallback"),
]


class MembershipDeclaration(models.Model):
    """One member's declared figures for one year: the figures that set the
    fee of the member's periods starting that year."""

    _name = "membership.declaration"
    _description = "Declaration of Figures"
    _inherit = ["portal.mixin", "mail.thread", "mail.activity.mixin"]
    _order = "year desc, partner_id, id"
    _check_company_auto = True
    _rec_names_search = ["partner_id"]

    partner_id = fields.Many2one(
        "res.partner",
        "Member",
        required=True,
        index=True,
        tracking=True,
        ondelete="restrict",
        check_company=True,
    )
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    year = fields.Integer(
        required=True,
        aggregator=None,
        tracking=True,
        default=lambda self: fields.Date.context_today(self).year,
        help="Membership year: these figures set the fees of the periods starting in this year.",
    )
    state = fields.Selection(
        DECLARATION_STATES,
        required=True,
        default="to_declare",
        tracking=True,
        index=True,
    )
    source = fields.Selection(SOURCES, required=True, default="manual", tracking=True)
    date_declared = fields.Date("Declared On", tracking=True, copy=False)
    deadline = fields.Date(help="Declarations received after this date are accepted and flagged late.")
    is_late = fields.Boolean("Late", compute="_compute_is_late", store=True)
    line_ids = fields.One2many("membership.declaration.line", "declaration_id", "Figures", copy=True)
    note = fields.Text()
    large_change = fields.Boolean(
        "Large Change to Check",
        tracking=True,
        index=True,
        copy=False,
        help="The member confirmed on the portal figures far from last year's: check them before validating.",
    )
    large_change_note = fields.Text(
        "Large Changes",
        copy=False,
        help="The figures the member confirmed although they are far from last year's, with the ratio.",
    )

    # asked by a declaration campaign
    campaign_id = fields.Many2one(
        "membership.declaration.campaign",
        index="btree_not_null",
        copy=False,
        tracking=True,
        check_company=True,
        ondelete="set null",
    )
    plan_id = fields.Many2one(
        "membership.plan",
        compute="_compute_plan_id",
        store=True,
        help="The member's plan among the campaign's, for the campaign's figures.",
    )
    category_id = fields.Many2one(
        "membership.category",
        compute="_compute_plan_id",
        store=True,
        help="The member's sector (or first category), for the campaign's figures.",
    )
    date_sent = fields.Date("Asked On", copy=False, tracking=True)
    date_opened = fields.Date(
        "Opened On", copy=False, help="When the member first opened the form from the email or the portal."
    )
    reminder_ids = fields.One2many("membership.declaration.reminder", "declaration_id", "Reminders", copy=False)
    next_reminder_date = fields.Date(
        compute="_compute_next_reminder_date",
        store=True,
        index="btree_not_null",
        help="When the member is reminded next, if the declaration is still not made.",
    )
    # portal.mixin's token, the key of the member's link: never read back by a member
    access_token = fields.Char(groups="base.group_user")
    token_expires_on = fields.Date("Link Valid Until", copy=False)

    _member_year_unique = models.UniqueIndex(
        "(partner_id, company_id, year)", "A member has one declaration per year and company."
    )

    @api.depends("campaign_id", "partner_id.dues_category_ids")
    def _compute_plan_id(self):
        for declaration in self:
            subscriptions = declaration.partner_id.dues_subscription_ids.filtered(
                lambda s, d=declaration: s.company_id == d.company_id and s.state != "cancelled"
            )
            if declaration.campaign_id:
                subscriptions = subscriptions.filtered(lambda s, d=declaration: s.plan_id in d.campaign_id.plan_ids)
            latest = subscriptions.sorted(lambda s: (s.date_start or fields.Date.today(), s.id))[-1:]
            declaration.plan_id = latest.plan_id
            declaration.category_id = declaration.partner_id._membership_main_category()

    @api.depends(
        "state",
        "date_sent",
        "deadline",
        "reminder_ids.step",
        "campaign_id.reminder_days_before",
        "campaign_id.reminder_days_after",
        "campaign_id.state",
    )
    def _compute_next_reminder_date(self):
        for declaration in self:
            declaration.next_reminder_date = declaration._next_reminder()[1]

    def _next_reminder(self):
        """(step index, date) of the next reminder due to this declaration, or
        (None, False): a step comes after the last reminder sent and after
        the day the member was asked."""
        self.ensure_one()
        campaign = self.campaign_id
        if self.state != "to_declare" or not self.date_sent or not campaign or campaign.state not in ("open",):
            return None, False
        try:
            dates = campaign._reminder_dates()
        except ValidationError:
            return None, False
        done = max(self.reminder_ids.mapped("step"), default=-1)
        for step, day in enumerate(dates):
            if step > done and day > self.date_sent:
                return step, day
        return None, False

    @api.depends("date_declared", "deadline")
    def _compute_is_late(self):
        for declaration in self:
            declaration.is_late = bool(
                declaration.deadline and declaration.date_declared and declaration.date_declared > declaration.deadline
            )

    @api.depends("partner_id", "year")
    def _compute_display_name(self):
        for declaration in self:
            declaration.display_name = f"{declaration.partner_id.display_name} {declaration.year}"

    @api.constrains("year")
    def _check_year(self):
        for declaration in self:
            if not 1900 <= declaration.year <= 2999:
                raise UserError(
                    self.env._(
                        "Declaration of %(member)s: %(year)s is not a valid year.",
                        member=declaration.partner_id.display_name,
                        year=declaration.year,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        declarations = super().create(vals_list)
        # An import with figures is a declaration received, not a form to fill.
        imported = declarations.filtered(lambda d: d.source == "import" and d.line_ids and d.state == "to_declare")
        imported._mark_declared()
        return declarations

    def _mark_declared(self, source=None):
        values = {"state": "declared"}
        if source:
            values["source"] = source
        for declaration in self:
            declaration.write({**values, "date_declared": declaration.date_declared or fields.Date.context_today(self)})

    def _compute_access_url(self):  # pylint: disable=missing-return
        super()._compute_access_url()
        for declaration in self:
            declaration.access_url = f"/my/declarations/{declaration.id}"

    # ------------------------------------------------------------------
    # Asking the member (declaration campaigns)
    # ------------------------------------------------------------------
    def _token_validity_days(self):
        return self.company_id.dues_link_validity_days or 120

    def _extend_link(self):
        """A token for the member's link, valid from today (and at least
        until a week after the deadline)."""
        today = fields.Date.context_today(self)
        for declaration in self:
            declaration._portal_ensure_token()
            until = today + timedelta(days=declaration._token_validity_days())
            if declaration.deadline:
                until = max(until, declaration.deadline + timedelta(days=7))
            declaration.token_expires_on = until

    def _send_declaration_requests(self):
        """Email the members the link to their form (first request)."""
        if not self:
            return
        self._extend_link()
        self.write({"date_sent": fields.Date.context_today(self)})
        if not self.env.context.get("membership_skip_emails"):  # demo data
            post_template(
                self,
                self.env.ref("membership_dues.mail_template_declaration_request"),
                subtype_id=self.env.ref("mail.mt_comment").id,
            )

    @api.model
    def _get_declaration_reminder_domain(self, today):
        return Domain("next_reminder_date", "<=", today) & Domain("state", "=", "to_declare")

    @api.model
    def _cron_send_declaration_reminders(self, batch_size=200, today=None):
        """Remind the members who have not answered, one email per due step.
        Idempotent: each reminder is a record (one per declaration and step,
        unique index), and a day missed sends the latest step due only. A
        declaration whose reminder fails gets a failed reminder with the
        error (shown on its form) and the others go on. Returns the number
        of failures."""
        today = today or fields.Date.context_today(self)

        def record_failure(declaration, message):
            step = declaration._due_reminder_step(today)
            if step is not None:
                Reminder = self.env["membership.declaration.reminder"]
                Reminder.create({"declaration_id": declaration.id, "step": step, "date": today, "error": message})

        return run_in_batches(
            lambda declaration: declaration._remind(today),
            record_failure,
            model=self,
            domain=self._get_declaration_reminder_domain(today),
            batch_size=batch_size,
            batch_first=False,
            what="declaration reminders",
        ).failed

    def _due_reminder_step(self, today):
        """The latest reminder step due today (a missed day sends only the
        latest), or None."""
        self.ensure_one()
        step, day = self._next_reminder()
        if step is None or day > today:
            return None
        dates = self.campaign_id._reminder_dates()
        while step + 1 < len(dates) and dates[step + 1] <= today:
            step += 1
        return step

    def _remind(self, today):
        """Send this declaration's due reminder, if one is due."""
        self.ensure_one()
        step = self._due_reminder_step(today)
        if step is None:
            return
        self.env["membership.declaration.reminder"].create({"declaration_id": self.id, "step": step, "date": today})
        self._extend_link()
        if not self.env.context.get("membership_skip_emails"):
            post_template(
                self,
                self.env.ref("membership_dues.mail_template_declaration_reminder"),
                subtype_id=self.env.ref("mail.mt_comment").id,
            )

    def _mark_opened(self):
        """The member opened the form (from the email or the portal)."""
        self.filtered(lambda d: not d.date_opened).date_opened = fields.Date.context_today(self)

    def _mail_request_text(self):
        """The request's paragraph, in the member's language."""
        self.ensure_one()
        return self.env._(
            "To compute your membership dues for %(year)s, we ask you for your figures of %(year)s. The form "
            "shows last year's figures: correct what has changed, or confirm them as they are. Please answer by "
            "%(deadline)s.",
            year=self.year,
            deadline=format_date(self.env, self.deadline) if self.deadline else "-",
        )

    def _mail_reminder_text(self):
        self.ensure_one()
        # the day of the reminder being sent (the scheduled action's day)
        today = max(self.reminder_ids.mapped("date"), default=fields.Date.context_today(self))
        if self.deadline and self.deadline < today:
            return self.env._(
                "We have not yet received your figures of %(year)s, which were due on %(deadline)s. Without them, "
                "your dues are computed as our rules provide for missing figures. Please declare them now.",
                year=self.year,
                deadline=format_date(self.env, self.deadline),
            )
        return self.env._(
            "A reminder: we are waiting for your figures of %(year)s, due by %(deadline)s.",
            year=self.year,
            deadline=format_date(self.env, self.deadline) if self.deadline else "-",
        )

    # ------------------------------------------------------------------
    # Figures as the fee computation reads them
    # ------------------------------------------------------------------
    @api.model
    def _figures_by_partner(self, partners, company, year):
        """{partner_id: {figure_code: value as Decimal}} for the declared or
        validated declarations of ``year``, in one query."""
        lines = self.env["membership.declaration.line"].search_fetch(
            [
                ("declaration_id.partner_id", "in", partners.ids),
                ("declaration_id.company_id", "=", company.id),
                ("declaration_id.year", "=", year),
                ("declaration_id.state", "in", ("declared", "validated")),
            ],
            ["value", "figure_id", "partner_id"],
        )
        codes = {figure.id: figure.code for figure in lines.figure_id}
        result = {}
        for line in lines:
            result.setdefault(line.partner_id.id, {})[codes[line.figure_id.id]] = to_decimal(line.value)
        return result

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_declare(self):
        empty = self.filtered(lambda d: not d.line_ids)
        if empty:
            raise UserError(
                self.env._(
                    "The declaration %(declaration)s has no figure: enter them first.",
                    declaration=empty[0].display_name,
                )
            )
        self._mark_declared()
        return True

    def action_validate(self):
        """Validate the figures; fees already invoiced on other figures are
        regularised (credit note or complementary invoice)."""
        todo = self.filtered(lambda d: d.state != "validated")
        if todo.filtered(lambda d: not d.line_ids):
            raise UserError(self.env._("A declaration without figures cannot be validated."))
        todo.filtered(lambda d: not d.date_declared).date_declared = fields.Date.context_today(self)
        todo.write({"state": "validated", "large_change": False})
        todo._regularise_fees()
        return True

    def action_validate_selected(self):
        """Validate, in bulk, the selected declarations that are declared;
        says what was validated and what was left, and why."""
        declared = self.filtered(lambda d: d.state == "declared" and d.line_ids)
        declared.action_validate()
        skipped = self - declared
        lines = [self.env._("Validated: %(count)s.", count=len(declared))]
        if skipped:
            lines.append(
                self.env._(
                    "Left as they are, not declared yet or already validated: %(members)s.",
                    members=", ".join(d.display_name for d in skipped[:10]) + (", ..." if len(skipped) > 10 else ""),
                )
            )
        return self._notify(self.env._("Declarations"), lines, warning=bool(skipped))

    def action_send_request(self):
        """Email the form's link again to the selected members who have not
        declared (it extends the link)."""
        todo = self.filtered(lambda d: d.state == "to_declare")
        todo._send_declaration_requests()
        lines = [self.env._("Sent: %(count)s.", count=len(todo))]
        if self - todo:
            lines.append(self.env._("Skipped %(count)s already declared.", count=len(self - todo)))
        return self._notify(self.env._("Declarations"), lines, warning=bool(self - todo))

    def _notify(self, title, lines, warning=False):
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "warning" if warning else "success",
                "title": title,
                "message": "\n".join(lines),
                "sticky": warning,
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def action_reset(self):
        self.write({"state": "to_declare"})
        return True

    def action_prefill_from_last_year(self):
        """Copy last year's figures into an empty declaration."""
        for declaration in self.filtered(lambda d: not d.line_ids):
            last = self.search(
                [
                    ("partner_id", "=", declaration.partner_id.id),
                    ("company_id", "=", declaration.company_id.id),
                    ("year", "=", declaration.year - 1),
                ],
                limit=1,
            )
            declaration.line_ids = [
                fields.Command.create({"figure_id": line.figure_id.id, "value": line.value}) for line in last.line_ids
            ]
        return True

    # ------------------------------------------------------------------
    # Member's portal form
    # ------------------------------------------------------------------
    def _last_year(self):
        self.ensure_one()
        return self.search(
            [
                ("partner_id", "=", self.partner_id.id),
                ("company_id", "=", self.company_id.id),
                ("year", "=", self.year - 1),
            ],
            limit=1,
        )

    def _portal_figures(self):
        """The figures the member declares: every active one, plus any this
        declaration already holds."""
        self.ensure_one()
        return (self.env["membership.figure"].search([("active", "=", True)]) | self.line_ids.figure_id).sorted(
            lambda f: (f.sequence, f.id)
        )

    def _portal_last_year_values(self):
        """{figure id: last year's value}."""
        return {line.figure_id.id: line.value for line in self._last_year().line_ids}

    def _portal_lang(self):
        """The language the member reads and types numbers in: the member's
        (an installed language), else the page's."""
        installed = {code for code, _name in self.env["res.lang"].get_installed()}
        lang = self[:1].partner_id.lang
        return lang if lang in installed else (self.env.lang or "en_US")

    def _portal_rows(self, posted=None):
        """One row per figure for the form: the value shown (what the member
        just typed, else this year's, else last year's, as the member types
        numbers), last year's value, unit and help."""
        self.ensure_one()
        current = {line.figure_id.id: line.value for line in self.line_ids}
        last_year = self._portal_last_year_values()
        rows = []
        for figure in self._portal_figures():
            key = f"figure_{figure.id}"
            if posted is not None:
                shown = posted.get(key, "")
            elif figure.id in current:
                shown = self._portal_format(figure, current[figure.id], for_typing=True)
            elif figure.id in last_year:
                shown = self._portal_format(figure, last_year[figure.id], for_typing=True)
            else:
                shown = ""
            rows.append(
                {
                    "figure": figure,
                    "key": key,
                    "value": shown,
                    "last_year": self._portal_format(figure, last_year[figure.id]) if figure.id in last_year else None,
                }
            )
        return rows

    def _portal_format(self, figure, value, for_typing=False):
        """``value`` of ``figure`` as the member's language writes it
        (118 600 in French, 118,600 in English), or ``for_typing`` as the
        member types it back (118 600 in both)."""
        lang = self._portal_lang()
        value = to_decimal(value)
        if figure.value_type == "integer":
            value = value.to_integral_value()
        return format_for_typing(value, lang) if for_typing else format_number(value, lang)

    def _portal_number(self, text, lang=None):
        """The Decimal a member means by ``text`` in ``lang`` (the member's
        language by default); raises a NumberError (engine/numbers.py)."""
        return parse_number(text, lang or self._portal_lang())

    def _portal_digits(self, figure):
        """Decimals a value of ``figure`` has at most: 0 for a whole number,
        else what a declared value keeps (2)."""
        if figure.value_type == "integer":
            return 0
        return self.env["membership.declaration.line"]._fields["value"].get_digits(self.env)[1]

    def _portal_fits(self, figure, value):
        """Whether ``value`` has no more decimals than ``figure`` keeps."""
        return value == round(value, self._portal_digits(figure))

    def _portal_number_error(self, figure, error, lang):
        """The member's message for ``error`` (a NumberError) on ``figure``,
        in ``lang``: the figure, the value as typed, and what is accepted."""
        env = self.with_context(lang=lang).env
        name = figure.with_context(lang=lang).name
        typed = error.text.strip()[:40]
        comma = convention(lang).decimal == ","
        example = format_for_typing(Decimal("1250000.50"), lang, group="\u00a0")
        if isinstance(error, EmptyNumber):
            return env._("Enter your %(figure)s (0 if you have none).", figure=name)
        if isinstance(error, OtherScriptDigits):
            return env._(
                "%(figure)s: “%(value)s”: type the number with the digits 0 to 9, e.g. %(example)s.",
                figure=name,
                value=typed,
                example=example,
            )
        if isinstance(error, NumberTooLarge):
            return env._(
                "%(figure)s: “%(value)s” is too large; a figure has at most %(digits)s digits before the decimal mark.",
                figure=name,
                value=typed,
                digits=MAX_INTEGER_DIGITS,
            )
        if isinstance(error, AmbiguousNumber):
            first, second = error.readings
            fitting = [reading for reading in error.readings if self._portal_fits(figure, reading)]
            if len(fitting) == 2:
                return env._(
                    "%(figure)s: did you mean %(first)s or %(second)s? Type %(first_typed)s or %(second_typed)s.",
                    figure=name,
                    first=format_number(first, lang),
                    second=format_number(second, lang),
                    first_typed=format_for_typing(first.normalize(), lang, group="\u00a0"),
                    second_typed=format_for_typing(second.normalize(), lang, group="\u00a0"),
                )
            reading = fitting[0] if fitting else second
            return env._(
                "%(figure)s: did you mean %(first)s or %(second)s? For %(reading)s, type %(typed)s.",
                figure=name,
                first=format_number(first, lang),
                second=format_number(second, lang),
                reading=format_number(reading, lang),
                typed=format_for_typing(reading.normalize(), lang, group="\u00a0"),
            )
        if isinstance(error, OtherConvention):
            reading = error.readings[0]
            if comma:
                return env._(
                    "%(figure)s: “%(value)s” is not written as numbers are in your language: did you mean "
                    "%(reading)s? Type %(typed)s, with a comma for decimals.",
                    figure=name,
                    value=typed,
                    reading=format_number(reading, lang),
                    typed=format_for_typing(reading.normalize(), lang, group="\u00a0"),
                )
            return env._(
                "%(figure)s: “%(value)s” is not written as numbers are in your language: did you mean "
                "%(reading)s? Type %(typed)s, with a dot for decimals.",
                figure=name,
                value=typed,
                reading=format_number(reading, lang),
                typed=format_for_typing(reading.normalize(), lang, group="\u00a0"),
            )
        if comma:
            return env._(
                "%(figure)s: “%(value)s” is not a number. Type digits, with a comma for decimals, e.g. %(example)s.",
                figure=name,
                value=typed,
                example=example,
            )
        return env._(
            "%(figure)s: “%(value)s” is not a number. Type digits, with a dot for decimals, e.g. %(example)s.",
            figure=name,
            value=typed,
            example=example,
        )

    def _portal_parse(self, posted):
        """(values {figure id: float}, errors {figure id: message}) of the
        posted form, numbers read in the member's language and messages in
        the member's words; every figure must be given (0 when there is
        none)."""
        self.ensure_one()
        lang = self._portal_lang()
        declaration = self.with_context(lang=lang)
        values, errors = {}, {}
        for figure in declaration._portal_figures():
            text = posted.get(f"figure_{figure.id}")
            try:
                number = parse_number(text if isinstance(text, str) else "", lang)
            except NumberError as error:
                errors[figure.id] = declaration._portal_number_error(figure, error, lang)
                continue
            try:
                figure._check_member_value(number, lang)
            except ValidationError as error:
                errors[figure.id] = str(error.args[0])
                continue
            if not declaration._portal_fits(figure, number):
                digits = declaration._portal_digits(figure)
                errors[figure.id] = declaration.env._(
                    "%(figure)s: %(value)s has more than %(digits)s decimals. Type at most %(digits)s, "
                    "e.g. %(example)s.",
                    figure=figure.name,
                    value=format_number(number, lang),
                    digits=digits,
                    example=format_number(round(number, digits), lang),
                )
                continue
            values[figure.id] = float(number)
        return values, errors

    def _portal_large_changes(self, values):
        """{figure id: change} of the ``values`` ({figure id: value}) more
        than the company's ratio (``dues_declaration_change_ratio``; 0: no
        check) times larger or smaller than last year's. 0, this year or last
        year, is no ratio: a member declares 0 for none. A change is a dict:
        figure, value, last, factor (Decimals) and token (the value as the
        confirmation checkbox sends it back)."""
        self.ensure_one()
        ratio = to_decimal(self.company_id.dues_declaration_change_ratio or 0)
        if ratio <= 0:
            return {}
        last_year = self._portal_last_year_values()
        changes = {}
        for figure in self.env["membership.figure"].browse(list(values)):
            if figure.id not in last_year:
                continue
            value, last = to_decimal(values[figure.id]), to_decimal(last_year[figure.id])
            if last <= 0 or value <= 0:
                continue
            if value > last * ratio:
                factor = value / last
            elif value * ratio < last:
                factor = last / value
            else:
                continue
            changes[figure.id] = {
                "figure": figure,
                "value": value,
                "last": last,
                "factor": factor,
                "token": format_for_typing(value, "en_US", group=""),
            }
        return changes

    def _portal_large_change_text(self, change, lang, for_member=True):
        """One large change in ``lang``: the member's warning, or (not
        ``for_member``) the officer's line of the note."""
        env = self.with_context(lang=lang).env
        name = change["figure"].with_context(lang=lang).name
        value, last, factor = change["value"], change["last"], change["factor"]
        shown, last_shown = format_number(value, lang), format_number(last, lang)
        ratio = format_number(round(factor, 1), lang)
        if not for_member:
            if value > last:
                return env._(
                    "%(figure)s: %(value)s (last year %(last)s, %(ratio)s times more)",
                    figure=name,
                    value=shown,
                    last=last_shown,
                    ratio=ratio,
                )
            return env._(
                "%(figure)s: %(value)s (last year %(last)s, %(ratio)s times less)",
                figure=name,
                value=shown,
                last=last_shown,
                ratio=ratio,
            )
        if value > last:
            return env._(
                "%(figure)s %(value)s is %(ratio)s times last year's %(last)s. Please check; tick to confirm.",
                figure=name,
                value=shown,
                last=last_shown,
                ratio=ratio,
            )
        return env._(
            "%(figure)s %(value)s is %(ratio)s times less than last year's %(last)s. Please check; tick to confirm.",
            figure=name,
            value=shown,
            last=last_shown,
            ratio=ratio,
        )

    def _portal_declare(self, values, large_changes=None):
        """Store the member's figures, mark the declaration declared from the
        portal (flagged late after its deadline, and flagged for the
        officer's check with ``large_changes`` the member confirmed, see
        :meth:`_portal_large_changes`) and recompute the fees of the
        member's open renewal notices that read them."""
        self.ensure_one()
        lines = {line.figure_id.id: line for line in self.line_ids}
        commands = []
        for figure_id, value in values.items():
            if figure_id in lines:
                commands.append(fields.Command.update(lines[figure_id].id, {"value": value}))
            else:
                commands.append(fields.Command.create({"figure_id": figure_id, "value": value}))
        # the note is for the officers: in the company's language
        officer_lang = self.company_id.partner_id.lang or self.env.lang or "en_US"
        note = "\n".join(
            self._portal_large_change_text(change, officer_lang, for_member=False)
            for change in (large_changes or {}).values()
        )
        self.write(
            {
                "line_ids": commands,
                "date_declared": fields.Date.context_today(self),
                "large_change": bool(note),
                "large_change_note": note or False,
            }
        )
        self._mark_declared(source="portal")
        if self.is_late:
            self.message_post(
                body=self.env._(
                    "Declared online by the member after the deadline (%(deadline)s).",
                    deadline=format_date(self.env, self.deadline),
                )
            )
        else:
            self.message_post(body=self.env._("Declared online by the member."))
        if note:
            self.message_post(
                body=self.with_context(lang=officer_lang).env._(
                    "Large changes to check, confirmed by the member: %(changes)s.",
                    changes="; ".join(note.split("\n")),
                )
            )
        notices = self.env["membership.renewal"].search(
            [
                ("partner_id", "=", self.partner_id.id),
                ("company_id", "=", self.company_id.id),
                ("fee_year", "=", self.year),
                ("state", "in", ("draft", "sent", "change_requested")),
            ]
        )
        for notice in notices:
            try:
                with self.env.cr.savepoint():
                    notice.action_recompute_fee()
            except UserError as error:
                notice.message_post(
                    body=self.env._("The new figures could not be applied: %(error)s", error=error.args[0])
                )

    def _regularise_fees(self):
        subscriptions = self.env["membership.subscription"].search(
            [
                ("partner_id", "in", self.partner_id.ids),
                ("fee_year", "in", list(set(self.mapped("year")))),
                ("tariff_version_id", "!=", False),
                ("state", "!=", "cancelled"),
            ]
        )
        keys = {(d.partner_id.id, d.company_id.id, d.year) for d in self}
        subscriptions.filtered(lambda s: (s.partner_id.id, s.company_id.id, s.fee_year) in keys)._recompute_fee()
