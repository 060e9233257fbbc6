"""Bring the data of OCA's `membership` module (Odoo's old membership module)
into membership_dues: its products become plans, its membership lines
subscriptions linked to the SAME invoices, its free members a free plan.

Idempotent: every record created is remembered by an ir.model.data entry
under the module ``__import_oca__`` naming its source (a product, a line, a
free member), so a second run creates nothing. No invoice is created and no
move is written through ``account.move.write`` (posted moves stay as they are:
the invoice line's link to its subscription is set in one UPDATE).
"""

from datetime import date, timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_date

from ..engine.periods import ANNIVERSARY, CALENDAR, PeriodError, PeriodRule
from ..tools.orm_batch import write_links

XMLID_MODULE = "__import_oca__"
OCA_LINE = "membership.membership_line"


class MembershipImportOca(models.TransientModel):
    _name = "membership.import.oca"
    _description = "Import from OCA Membership"

    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)
    import_date = fields.Date(
        "Status Day",
        required=True,
        default=fields.Date.context_today,
        help="The day whose statuses the import keeps: free members get a free period of the year of this day.",
    )
    oca_installed = fields.Boolean("OCA Membership Installed", compute="_compute_oca_installed")
    state = fields.Selection([("draft", "Start"), ("preview", "Dry Run"), ("done", "Imported")], default="draft")
    preview = fields.Text("Dry Run", readonly=True)
    result = fields.Text(readonly=True)
    plan_count = fields.Integer("Plans", readonly=True)
    subscription_count = fields.Integer("Subscriptions", readonly=True)
    free_count = fields.Integer("Free Members", readonly=True)
    associate_count = fields.Integer("Associate Members Covered", readonly=True)
    skipped_count = fields.Integer("Cannot Map", readonly=True)
    existing_count = fields.Integer("Already Imported", readonly=True)

    @api.depends_context("uid")
    def _compute_oca_installed(self):
        installed = self._oca_available()
        for wizard in self:
            wizard.oca_installed = installed

    def _oca_available(self):
        if OCA_LINE not in self.env:
            return False
        module = self.env["ir.module.module"].sudo().search([("name", "=", "membership")], limit=1)
        return module.state == "installed"

    def _check_oca(self):
        if not self._oca_available():
            raise UserError(
                self.env._(
                    "The module membership (OCA) is not installed in this database: there is nothing to import "
                    "from it. Install it beside Membership Dues (its data stays as it is) and run this again."
                )
            )

    # ------------------------------------------------------------------
    # xmlids remembering what was imported
    # ------------------------------------------------------------------
    def _imported(self, names):
        """{name: res_id} of the records already imported under these names."""
        rows = (
            self.env["ir.model.data"]
            .sudo()
            .search_read([("module", "=", XMLID_MODULE), ("name", "in", list(names))], ["name", "res_id", "model"])
        )
        result = {}
        for row in rows:
            if self.env[row["model"]].browse(row["res_id"]).exists():
                result[row["name"]] = row["res_id"]
        return result

    def _remember(self, records, names):
        data = self.env["ir.model.data"].sudo()
        old = data.search([("module", "=", XMLID_MODULE), ("name", "in", list(names))])
        old.unlink()
        data.create(
            [
                {"module": XMLID_MODULE, "name": name, "model": record._name, "res_id": record.id, "noupdate": True}
                for record, name in zip(records, names, strict=True)
            ]
        )

    @api.model
    def _plan_name(self, product, company):
        return f"plan_product_{product.id}_company_{company.id}"

    @api.model
    def _line_name(self, line):
        return f"line_{line.id}"

    @api.model
    def _free_name(self, partner, company):
        return f"free_partner_{partner.id}_company_{company.id}"

    # ------------------------------------------------------------------
    # mapping
    # ------------------------------------------------------------------
    @api.model
    def _plan_values(self, product, company):
        """(values of the plan, how the period was chosen) or (None, reason)."""
        tmpl = product.product_tmpl_id
        start, end = tmpl.membership_date_from, tmpl.membership_date_to
        if product.company_id and product.company_id != company:
            return None, self.env._(
                "product %(product)s belongs to the company %(company)s",
                product=product.display_name,
                company=product.company_id.name,
            )
        included = product.taxes_id.filtered(lambda tax: tax.price_include and tax.company_id == company)
        if included:
            return None, self.env._(
                "product %(product)s has the tax %(tax)s included in its price; plan fees are untaxed amounts",
                product=product.display_name,
                tax=included[0].name,
            )
        values = {
            "name": product.name,
            "company_id": company.id,
            "product_id": product.id,
            "fee_amount": product.list_price,
            "grace_days": 0,
            "proration": "none",
            "renewal_mode": "notice",
        }
        months = None
        if start and end:
            after = end + timedelta(days=1)
            if after.day == start.day:
                months = (after.year - start.year) * 12 + after.month - start.month
        rule = PeriodRule(CALENDAR, months or 12, start.month if start else 1, start.day if start else 1)
        try:
            if not months:
                raise PeriodError("not a whole number of months", field="period_months")
            rule.validate()
        except PeriodError:
            days = (end - start).days + 1 if start and end else 365
            fallback = max(1, round(days / 30.4375))
            values.update(period_rule=ANNIVERSARY, period_months=fallback)
            note = self.env._(
                "its dates %(start)s - %(end)s are not a calendar period of 1, 2, 3, 4, 6 or 12 months: "
                "anniversary plan of %(months)s months chosen (each member's period starts on its own date)",
                start=start and format_date(self.env, start),
                end=end and format_date(self.env, end),
                months=fallback,
            )
            return values, note
        values.update(
            period_rule=CALENDAR,
            period_months=months,
            period_start_month=str(start.month),
            period_start_day=start.day,
            active=end >= self.import_date if self else True,
        )
        note = self.env._(
            "calendar plan of %(months)s months starting on %(start)s (from the product's dates %(from)s - %(to)s)",
            months=months,
            start=format_date(self.env, start, date_format="d MMMM"),
            **{"from": format_date(self.env, start), "to": format_date(self.env, end)},
        )
        return values, note

    def _line_reason(self, line, unmapped_products, currency):
        """Why a membership line cannot become a subscription, or None."""
        reason = None
        invoice_line = line.account_invoice_line_id
        invoice = invoice_line.move_id
        if not line.date_from or not line.date_to:
            reason = self.env._("it has no start date or no end date: a subscription needs both")
        elif line.membership_id in unmapped_products:
            reason = self.env._(
                "its product cannot become a plan: %(reason)s", reason=unmapped_products[line.membership_id]
            )
        elif not invoice:
            reason = self.env._(
                "it has no invoice (OCA status %(state)s): add this period from a spreadsheet instead",
                state=line.state,
            )
        elif invoice.currency_id != currency:
            reason = self.env._(
                "its invoice %(invoice)s is in %(currency)s, the company's currency is %(company_currency)s",
                invoice=invoice.display_name,
                currency=invoice.currency_id.name,
                company_currency=currency.name,
            )
        elif invoice.move_type != "out_invoice":
            reason = self.env._("%(invoice)s is not a customer invoice", invoice=invoice.display_name)
        elif invoice_line.sudo().dues_subscription_id:
            reason = self.env._(
                "its invoice line already bills the subscription %(subscription)s",
                subscription=invoice_line.sudo().dues_subscription_id.display_name,
            )
        return reason

    def _existing_overlap(self, line, plan, date_end):
        """Why the line overlaps a subscription of the plan already made, or None."""
        if not isinstance(plan, models.BaseModel):
            return None  # a plan still to create has no subscriptions
        overlap = self.env["membership.subscription"].search(
            [
                ("partner_id", "=", line.partner_id.id),
                ("plan_id", "=", plan.id),
                ("state", "!=", "cancelled"),
                ("date_start", "<=", date_end),
                ("date_end", ">=", line.date_from),
            ],
            limit=1,
        )
        if overlap:
            return self.env._(
                "it overlaps the existing subscription %(subscription)s", subscription=overlap.display_name
            )
        return None

    def _collect(self):
        """What the import would do: a dict of lists, nothing written."""
        self.ensure_one()
        self._check_oca()
        company = self.company_id
        Line = self.env[OCA_LINE].sudo().with_context(active_test=False)
        lines = Line.search(
            ["|", ("company_id", "=", company.id), "&", ("company_id", "=", False), ("partner_id", "!=", False)],
            order="partner_id, date_from, id",
        )
        lines = lines.filtered(lambda line: not line.partner_id.company_id or line.partner_id.company_id == company)
        products = lines.membership_id | self.env["product.product"].sudo().search(
            [("membership", "=", True), ("company_id", "in", (False, company.id))]
        )
        plan_names = {product: self._plan_name(product, company) for product in products}
        line_names = {line: self._line_name(line) for line in lines}
        free_partners = (
            self.env["res.partner"]
            .sudo()
            .search(
                [
                    ("free_member", "=", True),
                    ("associate_member_id", "=", False),
                    ("company_id", "in", (False, company.id)),
                ]
            )
        )
        free_names = {partner: self._free_name(partner, company) for partner in free_partners}
        done = self._imported([*plan_names.values(), *line_names.values(), *free_names.values()])
        todo = {"plans": [], "subscriptions": [], "free": [], "associates": [], "skipped": [], "existing": []}

        plans = {}  # product: plan record or the values to create
        unmapped_products = {}
        for product, name in plan_names.items():
            if name in done:
                plans[product] = self.env["membership.plan"].browse(done[name])
                todo["existing"].append(self.env._("plan %(plan)s", plan=plans[product].display_name))
                continue
            values, note = self._plan_values(product, company)
            if values is None:
                unmapped_products[product] = note
                todo["skipped"].append((self.env._("product %(product)s", product=product.display_name), note))
                continue
            plans[product] = values
            todo["plans"].append((product, values, note))

        currency = company.currency_id
        kept = {}  # (partner, product): [(start, end, line)] of the lines kept, not cancelled
        for line in lines:
            if line_names[line] in done:
                todo["existing"].append(self.env._("membership line %(id)s", id=line.id))
                continue
            label = self.env._(
                "line %(id)s of %(member)s (%(product)s, %(start)s - %(end)s)",
                id=line.id,
                member=line.partner_id.display_name,
                product=line.membership_id.display_name,
                start=line.date_from and format_date(self.env, line.date_from) or "?",
                end=line.date_to and format_date(self.env, line.date_to) or "?",
            )
            invoice_line = line.account_invoice_line_id
            invoice = invoice_line.move_id
            reason = self._line_reason(line, unmapped_products, currency)
            cancelled = line.state == "canceled"
            date_end = line.date_to
            if not reason and line.date_cancel and not cancelled and line.date_cancel < line.date_to:
                # OCA membership counts the line until its cancel date
                if line.date_cancel < line.date_from:
                    cancelled = True
                else:
                    date_end = line.date_cancel
            if not reason and not cancelled:
                for start, end, other in kept.get((line.partner_id, line.membership_id), []):
                    if start <= date_end and line.date_from <= end:
                        reason = self.env._(
                            "it overlaps line %(other)s of the same member and product (%(start)s - %(end)s): "
                            "a member has one period at a time on a plan",
                            other=other.id,
                            start=format_date(self.env, start),
                            end=format_date(self.env, end),
                        )
                        break
            if not reason and not cancelled:
                reason = self._existing_overlap(line, plans.get(line.membership_id), date_end)
            if reason:
                todo["skipped"].append((label, reason))
                continue
            if not cancelled:
                kept.setdefault((line.partner_id, line.membership_id), []).append((line.date_from, date_end, line))
            amount = invoice_line.price_subtotal
            todo["subscriptions"].append(
                (
                    line,
                    {
                        "partner_id": line.partner_id.id,
                        "date_start": line.date_from,
                        "date_end": date_end,
                        "amount": amount,
                        "full_amount": amount,
                        "invoice_id": invoice.id,
                        "is_cancelled": cancelled,
                        "kind": "join",
                    },
                    label,
                )
            )

        for partner, name in free_names.items():
            if name in done:
                todo["existing"].append(self.env._("free member %(member)s", member=partner.display_name))
            else:
                todo["free"].append(partner)

        self._collect_associates(todo)
        return todo

    def _collect_associates(self, todo):
        company = self.company_id
        associates = (
            self.env["res.partner"]
            .sudo()
            .search([("associate_member_id", "!=", False), ("company_id", "in", (False, company.id))])
        )
        for partner in associates:
            covering = partner.associate_member_id
            if partner.commercial_partner_id != partner and partner.commercial_partner_id == covering:
                todo["associates"].append((partner, covering))
            else:
                todo["skipped"].append(
                    (
                        self.env._("associate member %(member)s", member=partner.display_name),
                        self.env._(
                            "it is associated with %(other)s, which is not its company: here a membership covers "
                            "the contacts of the member company only. Make it a contact of %(other)s, or give it "
                            "its own subscription",
                            other=covering.display_name,
                        ),
                    )
                )

    # ------------------------------------------------------------------
    # actions
    # ------------------------------------------------------------------
    def _reopen(self):
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
        }

    def action_preview(self):
        self.ensure_one()
        todo = self._collect()
        text = []
        if todo["plans"]:
            text.append(self.env._("Plans to create (%(count)s):", count=len(todo["plans"])))
            text += [f"  - {values['name']}: {note}" for _product, values, note in todo["plans"]]
        if todo["subscriptions"]:
            text.append(self.env._("Subscriptions to create (%(count)s):", count=len(todo["subscriptions"])))
            for _line, values, label in todo["subscriptions"]:
                suffix = self.env._(" (cancelled)") if values["is_cancelled"] else ""
                text.append(f"  - {label}{suffix}")
        if todo["free"]:
            text.append(
                self.env._(
                    "Free members, on a free plan for %(year)s (%(count)s):",
                    year=self.import_date.year,
                    count=len(todo["free"]),
                )
            )
            text += [f"  - {partner.display_name}" for partner in todo["free"]]
        if todo["associates"]:
            text.append(
                self.env._(
                    "Associate members covered by their company, nothing to create (%(count)s):",
                    count=len(todo["associates"]),
                )
            )
            text += [
                f"  - {partner.display_name} ({covering.display_name})" for partner, covering in todo["associates"]
            ]
        if todo["skipped"]:
            text.append(self.env._("Cannot map (%(count)s):", count=len(todo["skipped"])))
            text += [f"  - {label}: {reason}" for label, reason in todo["skipped"]]
        if todo["existing"]:
            text.append(self.env._("Already imported, left as they are (%(count)s)", count=len(todo["existing"])))
        if not text:
            text.append(self.env._("Nothing to import."))
        self.write(
            {
                "state": "preview",
                "preview": "\n".join(text),
                "plan_count": len(todo["plans"]),
                "subscription_count": len(todo["subscriptions"]),
                "free_count": len(todo["free"]),
                "associate_count": len(todo["associates"]),
                "skipped_count": len(todo["skipped"]),
                "existing_count": len(todo["existing"]),
            }
        )
        return self._reopen()

    def action_import(self):
        self.ensure_one()
        result = self._import()
        self.write(
            {
                "state": "done",
                "result": self.env._(
                    "Created %(plans)s plans, %(subscriptions)s subscriptions and %(free)s free periods; "
                    "%(skipped)s records could not be mapped (see the dry run).",
                    plans=result["plans"],
                    subscriptions=result["subscriptions"],
                    free=result["free"],
                    skipped=result["skipped"],
                ),
            }
        )
        return self._reopen()

    def _import(self):
        """Create what _collect planned; return the counts."""
        self.ensure_one()
        todo = self._collect()
        company = self.company_id
        Plan = self.env["membership.plan"].with_company(company)
        plans = {}
        if todo["plans"]:
            created = Plan.create([values for _product, values, _note in todo["plans"]])
            self._remember(created, [self._plan_name(product, company) for product, _v, _n in todo["plans"]])
            plans.update(zip([product for product, _v, _n in todo["plans"]], created, strict=True))
        subscriptions = self.env["membership.subscription"]
        if todo["subscriptions"]:
            names = self._imported(
                [self._plan_name(line.membership_id, company) for line, _v, _l in todo["subscriptions"]]
            )
            vals_list = []
            for line, values, _label in todo["subscriptions"]:
                plan = plans.get(line.membership_id) or Plan.browse(names[self._plan_name(line.membership_id, company)])
                vals_list.append({**values, "plan_id": plan.id})
            subscriptions = (
                self.env["membership.subscription"]
                .with_company(company)
                .with_context(tracking_disable=True)
                .create(vals_list)
            )
            self._remember(subscriptions, [self._line_name(line) for line, _v, _l in todo["subscriptions"]])
            # the invoice line bills this subscription: one UPDATE, the posted move is not rewritten
            invoice_lines = (
                self.env["account.move.line"]
                .sudo()
                .concat(*(line.account_invoice_line_id for line, _v, _l in todo["subscriptions"]))
            )
            write_links(invoice_lines, "dues_subscription_id", subscriptions.sudo())
        if todo["free"]:
            free_plan = self._free_plan()
            year = self.import_date.year
            free_subs = (
                self.env["membership.subscription"]
                .with_company(company)
                .create(
                    [
                        {
                            "partner_id": partner.id,
                            "plan_id": free_plan.id,
                            "date_start": date(year, 1, 1),
                            "date_end": date(year, 12, 31),
                            "amount": 0.0,
                            "full_amount": 0.0,
                        }
                        for partner in todo["free"]
                    ]
                )
            )
            self._remember(free_subs, [self._free_name(partner, company) for partner in todo["free"]])
        return {
            "plans": len(todo["plans"]),
            "subscriptions": len(todo["subscriptions"]),
            "free": len(todo["free"]),
            "skipped": len(todo["skipped"]),
        }

    def _free_plan(self):
        """The free plan of the company for OCA's free members (fee 0), made once."""
        company = self.company_id
        name = f"free_plan_company_{company.id}"
        done = self._imported([name])
        if name in done:
            return self.env["membership.plan"].browse(done[name])
        plan = (
            self.env["membership.plan"]
            .with_company(company)
            .create(
                {
                    "name": self.env._("Free membership"),
                    "company_id": company.id,
                    "product_id": self.env.ref("membership_dues.product_membership_fee").id,
                    "fee_amount": 0.0,
                    "period_rule": CALENDAR,
                    "period_months": 12,
                    "period_start_month": "1",
                    "period_start_day": 1,
                    "grace_days": 0,
                    "proration": "none",
                }
            )
        )
        self._remember(plan, [name])
        return plan
