from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain
from odoo.tools import SQL, format_date

from .membership_subscription import PAID_STATES

MEMBERSHIP_STATES = [
    ("none", "Not a Member"),
    ("member", "Member"),
    ("grace", "In Grace"),
    ("suspended", "Suspended"),
    ("former", "Former Member"),
]
# Rank of each status: when a contact is covered both by its own membership
# and by its company's, the better (higher) one wins.
RANK = {"none": 0, "former": 1, "suspended": 2, "grace": 3, "member": 4}
STATE_OF_RANK = {rank: state for state, rank in RANK.items()}
MEMBERSHIP_USER = "membership_dues.group_membership_user"


# The subscription fields a member's status is computed from (its SQL, and
# the reporting models built on it, depend on them).
STATUS_SUBSCRIPTION_FIELDS = (
    "partner_id",
    "plan_id",
    "company_id",
    "state",
    "date_start",
    "date_end",
    "grace_date_end",
)


class ResPartner(models.Model):
    """Membership status of a partner, per company.

    Nothing here is stored relative to today. The status, the current plan,
    the paid-until and member-since dates are SQL expressions over the
    subscriptions' stored, event-driven columns (dates, state set from the
    invoice, end of grace), evaluated for today and the current company.
    ``_field_to_sql`` exposes them to search, group by and order by, so the
    status is right on any day without a nightly recomputation of partners.
    """

    _inherit = "res.partner"

    # Every field below is for membership users only (groups=): a contact is
    # opened, duplicated, merged and exported by users without membership
    # rights (accountants, salespeople) without reading any of them, and a
    # duplicate starts with no membership data (copy=False).
    dues_subscription_ids = fields.One2many(
        "membership.subscription", "partner_id", "Membership Subscriptions", groups=MEMBERSHIP_USER
    )
    # The counts of the contact form's smart buttons: the records of the
    # member, i.e. of the commercial entity (a company and its contacts), the
    # same records the buttons list. One query per kind for any number of
    # partners.
    dues_subscription_count = fields.Integer("Subscriptions", compute="_compute_dues_counts", groups=MEMBERSHIP_USER)
    dues_renewal_count = fields.Integer("Renewal Notice Count", compute="_compute_dues_counts", groups=MEMBERSHIP_USER)
    dues_declaration_count = fields.Integer("Declaration Count", compute="_compute_dues_counts", groups=MEMBERSHIP_USER)
    dues_invoice_count = fields.Integer(compute="_compute_dues_counts", groups=MEMBERSHIP_USER)
    dues_followup_count = fields.Integer(
        "Follow-up Communication Count", compute="_compute_dues_counts", groups=MEMBERSHIP_USER
    )
    dues_category_ids = fields.Many2many(
        "membership.category",
        "membership_category_res_partner_rel",
        "partner_id",
        "category_id",
        "Member Categories",
        help="Sector, region, size class...: tariff grids may give them coefficients.",
        copy=False,
        groups=MEMBERSHIP_USER,
    )
    dues_declaration_ids = fields.One2many(
        "membership.declaration", "partner_id", "Declarations", groups=MEMBERSHIP_USER
    )
    dues_member_number = fields.Char(
        "Member Number",
        company_dependent=True,
        copy=False,
        tracking=True,
        groups=MEMBERSHIP_USER,
        help="Given from the 'membership.member' sequence at the member's first subscription.",
    )
    dues_suspended = fields.Boolean(
        "Membership Suspended",
        company_dependent=True,
        copy=False,
        tracking=True,
        groups=MEMBERSHIP_USER,
        help="Set by the payment follow-up; the member's status is 'Suspended' while it is set.",
    )
    dues_leaving = fields.Boolean(
        "Leaving",
        company_dependent=True,
        copy=False,
        tracking=True,
        groups=MEMBERSHIP_USER,
        help="The member announced it leaves: renewal campaigns skip it.",
    )
    dues_collection = fields.Boolean(
        "External Collection",
        company_dependent=True,
        copy=False,
        tracking=True,
        groups=MEMBERSHIP_USER,
        help="Flagged by the payment follow-up: the overdue dues are handed to external collection.",
    )
    dues_renewal_mode = fields.Selection(
        [("plan", "As the plan says"), ("notice", "Renewal notice to approve"), ("invoice", "Direct invoice")],
        "Renewal",
        company_dependent=True,
        copy=False,
        groups=MEMBERSHIP_USER,
        # no default: users without membership rights create contacts and
        # users, and an empty value means "as the plan says" too
        help="Overrides the plan's renewal mode for this member (empty: as the plan says).",
    )
    dues_renewal_ids = fields.One2many("membership.renewal", "partner_id", "Renewal Notices", groups=MEMBERSHIP_USER)
    dues_followup_line_ids = fields.One2many(
        "membership.followup.line", "partner_id", "Dues Follow-up History", readonly=True, groups=MEMBERSHIP_USER
    )
    dues_followup_level_id = fields.Many2one(
        "membership.followup.level",
        "Follow-up Level",
        compute="_compute_membership_followup",
        groups=MEMBERSHIP_USER,
        help="The highest follow-up level sent for the member's unpaid dues invoices.",
    )
    dues_followup_next_level_id = fields.Many2one(
        "membership.followup.level", "Next Follow-up", compute="_compute_membership_followup", groups=MEMBERSHIP_USER
    )
    dues_followup_next_date = fields.Date(
        "Next Follow-up On", compute="_compute_membership_followup", groups=MEMBERSHIP_USER
    )
    dues_member_state = fields.Selection(
        MEMBERSHIP_STATES,
        "Membership Status",
        compute="_compute_membership_fields",
        groups=MEMBERSHIP_USER,
        search="_search_membership_state",
        help="Today's status in the current company. A contact of a member company is covered "
        "by the company's membership; the better of the two statuses wins.",
    )
    dues_plan_id = fields.Many2one(
        "membership.plan",
        "Current Plan",
        compute="_compute_membership_fields",
        groups=MEMBERSHIP_USER,
        search="_search_membership_plan_id",
    )
    dues_date_end = fields.Date(
        "Paid Until",
        compute="_compute_membership_fields",
        groups=MEMBERSHIP_USER,
        search="_search_membership_date_end",
    )
    dues_date_start = fields.Date(
        "Member Since",
        compute="_compute_membership_fields",
        groups=MEMBERSHIP_USER,
        search="_search_membership_date_start",
    )
    dues_covered_by_id = fields.Many2one(
        "res.partner",
        "Covered By",
        compute="_compute_membership_fields",
        groups=MEMBERSHIP_USER,
        search="_search_membership_covered_by_id",
        help="The company whose membership gives this contact its status today. Empty for a member in its "
        "own name (a company, a person, or a contact whose own membership is at least as good).",
    )

    # ------------------------------------------------------------------
    # SQL of the derived fields
    # ------------------------------------------------------------------
    def _membership_today(self):
        return self.env.context.get("membership_date_ref") or fields.Date.context_today(self)

    def _membership_sql_params(self):
        return self.env.company.id, self._membership_today()

    def _membership_owners_sql(self, alias):
        """The partner itself and its commercial entity (its company)."""
        return SQL(
            "ARRAY[%s, %s]",
            SQL.identifier(alias, "id"),
            SQL.identifier(alias, "commercial_partner_id"),
        )

    def _membership_rank_sql(self, owners):
        """One scalar subquery: the best rank over the paid subscriptions of
        ``owners`` (an SQL array of partner ids). A subscription covering
        today ranks "member", one whose grace runs today "grace" (both
        "suspended" if its member is suspended), an older one "former"; a
        paid period that has not started yet is not membership yet. A member
        suspended by the payment follow-up is "suspended" while a period it
        has not paid runs (until it pays)."""
        company_id, today = self._membership_sql_params()
        suspended = SQL("COALESCE((sp.dues_suspended ->> %s)::boolean, FALSE)", str(company_id))
        return SQL(
            """(SELECT %(rank)s
                  FROM membership_subscription s
                  JOIN res_partner sp ON sp.id = s.partner_id
                 WHERE s.partner_id = ANY(%(owners)s)
                   AND s.company_id = %(company)s
                   AND (s.state IN %(paid)s OR (s.state = 'waiting_payment' AND %(suspended)s)))""",
            rank=self._membership_rank_aggregate_sql("s", today, suspended),
            suspended=suspended,
            owners=owners,
            company=company_id,
            paid=PAID_STATES,
        )

    @api.model
    def _membership_rank_aggregate_sql(self, alias, today, suspended):
        """The best rank on ``today`` over the subscriptions of the rows of
        ``alias`` (an aggregate: the caller's FROM and WHERE choose them);
        ``suspended`` is the SQL telling whether their member is suspended.
        The rule of :meth:`_membership_rank_sql`, shared with the reporting
        views that evaluate it per company."""
        s = SQL.identifier
        return SQL(
            """COALESCE(MAX(
                CASE WHEN %(state)s = 'waiting_payment'
                          THEN CASE WHEN %(start)s <= %(today)s AND %(grace_end)s >= %(today)s
                                    THEN %(r_suspended)s ELSE %(r_none)s END
                     WHEN %(start)s <= %(today)s AND %(end)s >= %(today)s
                          THEN CASE WHEN %(suspended)s THEN %(r_suspended)s ELSE %(r_member)s END
                     WHEN %(end)s < %(today)s AND %(grace_end)s >= %(today)s
                          THEN CASE WHEN %(suspended)s THEN %(r_suspended)s ELSE %(r_grace)s END
                     WHEN %(start)s <= %(today)s THEN %(r_former)s
                     ELSE %(r_none)s END), %(r_none)s)""",
            state=s(alias, "state"),
            start=s(alias, "date_start"),
            end=s(alias, "date_end"),
            grace_end=s(alias, "grace_date_end"),
            today=today,
            suspended=suspended,
            r_suspended=RANK["suspended"],
            r_member=RANK["member"],
            r_grace=RANK["grace"],
            r_former=RANK["former"],
            r_none=RANK["none"],
        )

    @api.model
    def _membership_state_of_rank_sql(self, rank):
        """The status (MEMBERSHIP_STATES) of ``rank``, an SQL rank."""
        whens = SQL(" ").join(SQL("WHEN %s THEN %s", r, state) for r, state in STATE_OF_RANK.items())
        return SQL("(CASE %s %s END)", rank, whens)

    def _membership_main_category(self):
        """The member's sector, else its first category: the category the
        campaigns' figures are split by (none for no partner)."""
        categories = self[:1].dues_category_ids
        return categories.filtered(lambda c: c.dimension == "sector")[:1] or categories[:1]

    def _membership_state_sql(self, alias):
        """The status of the best rank over the paid subscriptions of the
        partner and of its commercial entity."""
        return self._membership_state_of_rank_sql(self._membership_rank_sql(self._membership_owners_sql(alias)))

    def _membership_covered_by_sql(self, alias):
        """The commercial entity when the status of a company's contact comes
        from the company's membership (strictly better than the contact's
        own), else NULL. Companies and persons in their own name never read a
        subscription here."""
        partner = SQL.identifier(alias, "id")
        commercial = SQL.identifier(alias, "commercial_partner_id")
        return SQL(
            "(CASE WHEN %(commercial)s IS NULL OR %(commercial)s = %(partner)s THEN NULL "
            "WHEN %(company_rank)s > %(own_rank)s THEN %(commercial)s END)",
            partner=partner,
            commercial=commercial,
            company_rank=self._membership_rank_sql(SQL("ARRAY[%s]", commercial)),
            own_rank=self._membership_rank_sql(SQL("ARRAY[%s]", partner)),
        )

    def _membership_paid_sql(self, alias, select, order=None):
        """A scalar subquery over the paid subscriptions of the partner and
        of its commercial entity in the current company."""
        company_id, _today = self._membership_sql_params()
        return SQL(
            "(SELECT %s FROM membership_subscription s WHERE s.partner_id = ANY(%s) "
            "AND s.company_id = %s AND s.state IN %s %s)",
            select,
            self._membership_owners_sql(alias),
            company_id,
            PAID_STATES,
            order or SQL(),
        )

    def _membership_to_flush(self):
        """Fields the SQL expressions read: flushed before any query using them."""
        subscription_fields = self.env["membership.subscription"]._fields
        return [
            *(subscription_fields[fname] for fname in STATUS_SUBSCRIPTION_FIELDS),
            self._fields["commercial_partner_id"],
            self._fields["dues_suspended"],
        ]

    def _field_to_sql(self, alias, field_expr, query=None):
        expression = self._membership_field_sql(alias, field_expr)
        if expression is None:
            return super()._field_to_sql(alias, field_expr, query)
        return SQL("%s", expression, to_flush=self._membership_to_flush())

    def _membership_field_sql(self, alias, field_expr):
        if field_expr == "dues_member_state":
            return self._membership_state_sql(alias)
        if field_expr == "dues_covered_by_id":
            return self._membership_covered_by_sql(alias)
        if field_expr == "dues_date_end":
            return self._membership_paid_sql(alias, SQL("MAX(s.date_end)"))
        if field_expr == "dues_date_start":
            return self._membership_paid_sql(alias, SQL("MIN(s.date_start)"))
        if field_expr == "dues_plan_id":
            # The plan covering today, the partner's own first; else the
            # plan of the latest paid period.
            _company_id, today = self._membership_sql_params()
            return self._membership_paid_sql(
                alias,
                SQL("s.plan_id"),
                SQL(
                    "ORDER BY (s.date_start <= %s AND s.date_end >= %s) DESC, "
                    "(s.partner_id = %s) DESC, s.date_end DESC, s.id DESC LIMIT 1",
                    today,
                    today,
                    SQL.identifier(alias, "id"),
                ),
            )
        return None

    # ------------------------------------------------------------------
    # Computes and searches
    # ------------------------------------------------------------------
    def _dues_record_domains(self, members):
        """{kind: (model, domain of the records of ``members``, the field
        grouping them by member)}: the records a member's smart buttons
        count and list. ``members`` are commercial entities: a company's
        records are those of the company and of its contacts, the same for
        the company and each of its contacts."""
        member_ids = list(members.ids)
        by_member = Domain("partner_id.commercial_partner_id", "in", member_ids)
        return {
            "subscription": ("membership.subscription", by_member, "partner_id.commercial_partner_id"),
            "renewal": ("membership.renewal", by_member, "partner_id.commercial_partner_id"),
            "declaration": ("membership.declaration", by_member, "partner_id.commercial_partner_id"),
            "invoice": (
                "account.move",
                Domain("commercial_partner_id", "in", member_ids)
                & Domain("move_type", "in", ("out_invoice", "out_refund"))
                & Domain("dues_is_invoice", "=", True),
                "commercial_partner_id",
            ),
            "followup": ("membership.followup.communication", by_member, "partner_id.commercial_partner_id"),
        }

    @api.depends_context("allowed_company_ids")
    def _compute_dues_counts(self):
        """One grouped count per kind of record, for all the partners at once."""
        members = self.commercial_partner_id._origin
        counts = {}
        if members:
            for kind, (model, domain, groupby) in self._dues_record_domains(members).items():
                counts[kind] = dict(self.env[model]._read_group(domain, [groupby], ["__count"]))
        for partner in self:
            member = partner.commercial_partner_id._origin
            partner.dues_subscription_count = counts.get("subscription", {}).get(member, 0)
            partner.dues_renewal_count = counts.get("renewal", {}).get(member, 0)
            partner.dues_declaration_count = counts.get("declaration", {}).get(member, 0)
            partner.dues_invoice_count = counts.get("invoice", {}).get(member, 0)
            partner.dues_followup_count = counts.get("followup", {}).get(member, 0)

    @api.depends("dues_subscription_ids.state", "commercial_partner_id")
    @api.depends_context("company", "membership_date_ref")
    def _compute_membership_fields(self):
        """One query for the whole recordset, with the same SQL as search."""
        stored = self.filtered("id")
        values = {}
        if stored:
            alias = "p"
            rows = self.env.execute_query(
                SQL(
                    "SELECT p.id, %s, %s, %s, %s, %s FROM res_partner p WHERE p.id IN %s",
                    self._field_to_sql(alias, "dues_member_state"),
                    self._field_to_sql(alias, "dues_plan_id"),
                    self._field_to_sql(alias, "dues_date_end"),
                    self._field_to_sql(alias, "dues_date_start"),
                    self._field_to_sql(alias, "dues_covered_by_id"),
                    tuple(stored.ids),
                )
            )
            values = {row[0]: row[1:] for row in rows}
        Plan = self.env["membership.plan"]
        for partner in self:
            state, plan_id, date_end, date_start, covered_by = values.get(partner.id, ("none", None, None, None, None))
            partner.dues_member_state = state
            partner.dues_plan_id = Plan.browse(plan_id)
            partner.dues_date_end = date_end
            partner.dues_date_start = date_start
            partner.dues_covered_by_id = self.browse(covered_by)

    @api.depends_context("company")
    def _compute_membership_followup(self):
        """From the member's unpaid dues invoices, in one query."""
        moves = self.env["account.move"].search_fetch(
            [
                ("commercial_partner_id", "in", self.commercial_partner_id.ids),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("dues_is_invoice", "=", True),
                ("payment_state", "in", ("not_paid", "partial")),
                ("company_id", "in", self.env.companies.ids),
            ],
            [
                "commercial_partner_id",
                "dues_followup_level_id",
                "dues_followup_next_level_id",
                "dues_followup_next_date",
            ],
        )
        by_member = moves.grouped("commercial_partner_id")
        Level = self.env["membership.followup.level"]
        for partner in self:
            member_moves = by_member.get(partner.commercial_partner_id, moves.browse())
            levels = member_moves.dues_followup_level_id
            partner.dues_followup_level_id = max(levels, key=lambda level: level.delay_days, default=Level)
            upcoming = member_moves.filtered("dues_followup_next_date").sorted("dues_followup_next_date")
            partner.dues_followup_next_level_id = upcoming[:1].dues_followup_next_level_id
            partner.dues_followup_next_date = upcoming[:1].dues_followup_next_date

    def _membership_document_filename(self, kind, on=None):
        """The name of a document's PDF as the member receives it, in the
        member's language (the reports' ``print_report_name``): ``kind`` is
        'renewal', 'letter', 'card' or 'certificate'; ``on``, its date."""
        self.ensure_one()
        lang = self.lang or self.env.lang
        env = self.with_context(lang=lang).env
        date = format_date(env, on, lang_code=lang) if on else ""
        if kind == "renewal":
            return env._("Renewal notice - %(member)s - %(date)s", member=self.name, date=date)
        if kind == "letter":
            return env._("Dues letter - %(member)s - %(date)s", member=self.name, date=date)
        if kind == "card":
            return env._("Membership card - %(member)s", member=self.name)
        return env._("Payment certificate - %(member)s", member=self.name)

    def _membership_salutation(self):
        """ "Dear <name>," in the reader's language, for letters and emails."""
        self.ensure_one()
        return self.env._("Dear %(name)s,", name=self.name)

    def action_view_membership_followup(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("membership_dues.membership_followup_line_action")
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        return action

    def _search_by_sql(self, fname, operator, value):
        """Search a derived membership field through its SQL expression."""
        if operator not in ("in", "not in"):
            return NotImplemented
        values = tuple(v for v in value if v is not False and v is not None)
        with_null = len(values) != len(value)

        def to_sql(model, alias, query):
            expr = model._field_to_sql(alias, fname, query)
            matches = SQL("%s IN %s", expr, values) if values else SQL("FALSE")
            if operator == "in":
                return SQL("(%s OR %s IS NULL)", matches, expr) if with_null else matches
            if with_null:
                return SQL("(%s IS NOT NULL AND NOT %s)", expr, matches)
            return SQL("(%s IS NULL OR NOT %s)", expr, matches)

        return Domain.custom(to_sql=to_sql)

    def _search_membership_state(self, operator, value):
        return self._search_by_sql("dues_member_state", operator, value)

    def _search_by_many2one(self, fname, operator, value):
        if operator in ("in", "not in"):
            return self._search_by_sql(fname, operator, value)
        if operator in ("any", "not any"):
            records = self.env[self._fields[fname].comodel_name]._search(value)
            return self._search_by_sql(fname, "in" if operator == "any" else "not in", list(records))
        return NotImplemented

    def _search_membership_plan_id(self, operator, value):
        return self._search_by_many2one("dues_plan_id", operator, value)

    def _search_membership_covered_by_id(self, operator, value):
        return self._search_by_many2one("dues_covered_by_id", operator, value)

    def _search_by_date(self, fname, operator, value):
        if operator in ("in", "not in"):
            return self._search_by_sql(fname, operator, value)
        sql_operators = {"<": "<", "<=": "<=", ">": ">", ">=": ">="}
        if operator not in sql_operators or not value:
            return NotImplemented
        value = fields.Date.to_date(value)
        return Domain.custom(
            to_sql=lambda model, alias, query: SQL(
                "%s " + sql_operators[operator] + " %s",
                model._field_to_sql(alias, fname, query),
                value,
            )
        )

    def _search_membership_date_end(self, operator, value):
        return self._search_by_date("dues_date_end", operator, value)

    def _search_membership_date_start(self, operator, value):
        return self._search_by_date("dues_date_start", operator, value)

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def _membership_renewal_mode(self, plan):
        """'notice' or 'invoice': the member's override, else the plan's mode."""
        self.ensure_one()
        mode = self.with_company(plan.company_id).dues_renewal_mode
        return plan.renewal_mode if mode in (False, "plan") else mode

    def _action_view_dues_records(self, kind, xmlid, **context):
        """The list of the member's records of ``kind`` (see
        _dues_record_domains), the records its smart button counts."""
        self.ensure_one()
        member = self.commercial_partner_id
        _model, domain, _groupby = self._dues_record_domains(member)[kind]
        action = self.env["ir.actions.act_window"]._for_xml_id(xmlid)
        action["domain"] = list(domain)
        action["context"] = context
        action["display_name"] = self.env._("%(records)s of %(member)s", records=action["name"], member=member.name)
        return action

    def action_view_membership_subscriptions(self):
        """The status button: the member's live subscriptions."""
        return self._action_view_dues_records(
            "subscription",
            "membership_dues.membership_subscription_action",
            default_partner_id=self.id,
            search_default_filter_live=1,
        )

    def action_view_dues_subscriptions(self):
        return self._action_view_dues_records(
            "subscription", "membership_dues.membership_subscription_action", default_partner_id=self.id
        )

    def action_view_dues_renewals(self):
        return self._action_view_dues_records(
            "renewal", "membership_dues.membership_renewal_action", default_partner_id=self.id
        )

    def action_view_dues_declarations(self):
        return self._action_view_dues_records(
            "declaration",
            "membership_dues.membership_declaration_action",
            default_partner_id=self.commercial_partner_id.id,
        )

    def action_view_dues_invoices(self):
        return self._action_view_dues_records(
            "invoice",
            "membership_dues.account_move_action_dues",
            default_partner_id=self.id,
            default_move_type="out_invoice",
        )

    def action_view_dues_followups(self):
        return self._action_view_dues_records(
            "followup",
            "membership_dues.membership_followup_communication_action",
            default_partner_id=self.commercial_partner_id.id,
        )

    # ------------------------------------------------------------------
    # Documents: membership card, payment certificate
    # ------------------------------------------------------------------
    def _membership_card(self):
        """This member's active card in the current company, or an empty
        recordset (cards are issued by action_print_membership_card)."""
        self.ensure_one()
        return (
            self.env["membership.card"]
            .sudo()
            .search([("partner_id", "=", self.id), ("company_id", "=", self.env.company.id)], limit=1)
        )

    def _membership_card_holders(self):
        """The members among these partners (a card is for a member today)."""
        return self.filtered(lambda partner: partner.dues_member_state == "member")

    def action_print_membership_card(self):
        """Issue the missing cards and print the cards of these members
        (one PDF; partners that are not members today are left out)."""
        holders = self._membership_card_holders()
        if not holders:
            raise UserError(
                self.env._(
                    "No membership card to print: %(names)s is not a member today "
                    "(a card is printed for a paid, running membership).",
                    names=", ".join(self[:5].mapped("display_name")),
                )
            )
        self.env["membership.card"]._for_members(holders)
        return self.env.ref("membership_dues.action_report_membership_card").report_action(holders)

    def action_send_membership_card(self):
        """Email their card to these members (queued, in their language)."""
        holders = self._membership_card_holders().filtered("email")
        if holders:
            self.env["membership.card"]._for_members(holders)
            template = self.env.ref("membership_dues.mail_template_membership_card")
            for partner in holders:
                partner.message_post_with_source(template, subtype_xmlid="mail.mt_note")
        skipped = self - holders
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success" if not skipped else "warning",
                "message": self.env._(
                    "%(sent)s membership cards sent; %(skipped)s contacts skipped (not a member today, or no email).",
                    sent=len(holders),
                    skipped=len(skipped),
                ),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def action_open_payment_certificate(self):
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Payment Certificate"),
            "res_model": "membership.certificate.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_partner_ids": self.ids},
        }

    def action_open_join_wizard(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Join a Membership Plan"),
            "res_model": "membership.join.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_partner_id": self.id},
        }
