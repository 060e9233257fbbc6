import re

from werkzeug.exceptions import Forbidden, NotFound

from odoo import fields, http
from odoo.exceptions import AccessError, MissingError, UserError
from odoo.http import request
from odoo.tools import consteq

from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager

from ..models.ir_http import MAX_RECORD_ID

# An access token as Odoo makes them (uuid4): anything else is no token (a
# non-ASCII one would make the constant-time comparison raise TypeError).
ACCESS_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,128}")
# Control characters PostgreSQL or the chatter cannot take (NUL...); tabs and
# line breaks stay.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_token(access_token):
    """The token if it can be one, else None."""
    return access_token if isinstance(access_token, str) and ACCESS_TOKEN.fullmatch(access_token) else None


def clean_text(text):
    """The text a member typed, without control characters; '' if it is not text."""
    return CONTROL_CHARACTERS.sub("", text) if isinstance(text, str) else ""


class MembershipPortal(CustomerPortal):
    """The member's pages: renewal notices (also reached without login from
    the link in the email, thanks to the notice's token)."""

    def _prepare_home_portal_values(self, counters):
        """The home page's tiles: how many periods, declarations and renewal
        notices the member has (in the website's company), and how many need
        the member's action (``*_todo_count``: declarations to declare,
        notices to answer, dues invoices to pay). One query per model,
        whatever the number of records."""
        values = super()._prepare_home_portal_values(counters)
        wanted = set(counters)
        ours = {}
        if wanted & {"membership_count", "membership_todo_count"}:
            ours.update(self._membership_counters())
        if wanted & {"declaration_count", "declaration_todo_count"}:
            ours.update(self._declaration_counters())
        if wanted & {"renewal_count", "renewal_todo_count"}:
            ours.update(self._renewal_counters())
        # only the counters asked for: the page fills in each one it receives
        values.update({key: count for key, count in ours.items() if key in wanted})
        return values

    def _membership_counters(self):
        """The periods the member's history lists, and the member's dues
        invoices waiting for payment."""
        return {
            "membership_count": request.env["membership.subscription"]
            .sudo()
            .search_count(self._member_domain() + [("state", "!=", "draft")]),
            "membership_todo_count": request.env["account.move"].sudo().search_count(self._dues_to_pay_domain()),
        }

    def _declaration_counters(self):
        counts = dict(
            request.env["membership.declaration"].sudo()._read_group(self._member_domain(), ["state"], ["__count"])
        )
        return {"declaration_count": sum(counts.values()), "declaration_todo_count": counts.get("to_declare", 0)}

    def _renewal_counters(self):
        Renewal = request.env["membership.renewal"]
        if not Renewal.has_access("read"):
            return {"renewal_count": 0, "renewal_todo_count": 0}
        groups = Renewal._read_group(self._renewal_domain(), ["state", "mode"], ["__count"])
        return {
            "renewal_count": sum(count for _state, _mode, count in groups),
            "renewal_todo_count": sum(count for state, mode, count in groups if (state, mode) == ("sent", "notice")),
        }

    def _dues_to_pay_domain(self):
        """The member's posted dues invoices not paid yet, in the website's company."""
        return [
            ("commercial_partner_id", "=", self._member().id),
            ("company_id", "=", request.env.company.id),
            ("move_type", "=", "out_invoice"),
            ("dues_is_invoice", "=", True),
            ("state", "=", "posted"),
            ("payment_state", "in", ("not_paid", "partial")),
        ]

    # ------------------------------------------------------------------
    # The member: the user's company (or the user), in the website's company
    # ------------------------------------------------------------------
    def _member(self):
        """The member the portal user acts for: their commercial entity (a
        company member's contacts see the company's membership)."""
        return request.env.user.partner_id.commercial_partner_id

    def _member_domain(self):
        return [("partner_id", "=", self._member().id), ("company_id", "=", request.env.company.id)]

    @http.route("/my/membership", type="http", auth="user", website=True)
    def portal_my_membership(self, **kw):
        member = self._member().sudo()
        subscriptions = (
            request.env["membership.subscription"]
            .sudo()
            .search(self._member_domain() + [("state", "!=", "draft")], order="date_start desc, id desc")
        )
        paid_years = sorted(
            {
                s.date_start.year
                for s in subscriptions
                if s.invoice_id.payment_state in ("paid", "in_payment", "partial")
            },
            reverse=True,
        )
        values = {
            "member": member,
            "subscriptions": subscriptions,
            "certificate_years": paid_years,
            "can_have_card": member.dues_member_state == "member",
            # what the home page's "to pay" badge counts, with the way to pay each
            "invoices_to_pay": request.env["account.move"]
            .sudo()
            .search(self._dues_to_pay_domain(), order="invoice_date_due, id"),
            "page_name": "membership",
        }
        return request.render("membership_dues.portal_my_membership", values)

    @http.route("/my/membership/card", type="http", auth="user", website=True)
    def portal_membership_card(self, **kw):
        """The member's card as PDF (issued on first download)."""
        member = self._member().sudo()
        if member.dues_member_state != "member":
            raise NotFound
        request.env["membership.card"].sudo()._for_members(member)
        return self._membership_pdf("membership_dues.action_report_membership_card", member)

    @http.route("/my/membership/certificate/<membership_id:year>", type="http", auth="user", website=True)
    def portal_membership_certificate(self, year, **kw):
        member = self._member().sudo()
        if not 1900 <= year <= 2999:
            raise NotFound
        return self._membership_pdf(
            "membership_dues.action_report_payment_certificate", member, data={"year": year}, suffix=str(year)
        )

    def _membership_pdf(self, report_ref, member, data=None, suffix=None):
        Report = request.env["ir.actions.report"].sudo()
        pdf, _kind = Report._render_qweb_pdf(report_ref, member.ids, data=data)
        name = Report._get_report(report_ref).name + (f" {suffix}" if suffix else "")
        headers = [
            ("Content-Type", "application/pdf"),
            ("Content-Length", len(pdf)),
            ("Content-Disposition", http.content_disposition(f"{name}.pdf")),
        ]
        return request.make_response(pdf, headers=headers)

    # ------------------------------------------------------------------
    # Declarations
    # ------------------------------------------------------------------
    @http.route(["/my/declarations"], type="http", auth="user", website=True)
    def portal_my_declarations(self, **kw):
        declarations = request.env["membership.declaration"].sudo().search(self._member_domain(), order="year desc")
        return request.render(
            "membership_dues.portal_my_declarations",
            {
                "declarations": declarations,
                "page_name": "declaration",
                "today": fields.Date.context_today(declarations),
            },
        )

    def _declaration_check_access(self, declaration_id, access_token=None):
        """The declaration, as superuser, if the user may see it: the member's
        own (a logged-in contact of the member), or anyone with its valid,
        unexpired token (the link of the campaign's email). Raises NotFound
        (no such declaration, or another member's) or Forbidden (a token
        that is wrong or expired)."""
        if not 0 < declaration_id <= MAX_RECORD_ID:
            raise NotFound
        declaration = request.env["membership.declaration"].sudo().browse(declaration_id).exists()
        if not declaration:
            raise NotFound
        if not request.env.user._is_public() and (
            declaration.partner_id == self._member() and declaration.company_id == request.env.company
        ):
            return declaration
        access_token = clean_token(access_token)
        if not access_token:
            raise NotFound
        today = fields.Date.context_today(declaration)
        if (
            not declaration.access_token
            or not consteq(declaration.access_token, access_token)
            or not declaration.token_expires_on
            or declaration.token_expires_on < today
        ):
            raise Forbidden
        return declaration

    def _declaration_url(self, declaration, access_token, message=None):
        """The declaration's page, with the token when the visitor came by it."""
        query = [f"message={message}"] if message else []
        if access_token:
            query.append(f"access_token={access_token}")
        return f"/my/declarations/{declaration.id}" + (f"?{'&'.join(query)}" if query else "")

    def _declaration_or_refusal(self, declaration_id, access_token):
        """(declaration, None), or (None, the response to give): the login
        page for a visitor without a link, the refusal page for a wrong or
        expired link."""
        try:
            return self._declaration_check_access(declaration_id, access_token), None
        except Forbidden:
            return None, request.render("membership_dues.portal_declaration_denied", status=403)
        except NotFound:
            if request.env.user._is_public() and not clean_token(access_token):
                return None, request.redirect(f"/web/login?redirect=/my/declarations/{declaration_id}")
            raise

    @http.route("/my/declarations/<membership_id:declaration_id>", type="http", auth="public", website=True)
    def portal_declaration_page(self, declaration_id, access_token=None, message=None, **kw):
        declaration, refusal = self._declaration_or_refusal(declaration_id, access_token)
        if refusal:
            return refusal
        self._use_member_lang(declaration.partner_id)
        if not request.env.user._is_internal():
            declaration._mark_opened()
        return self._render_declaration(declaration, message=message, access_token=clean_token(access_token))

    def _render_declaration(
        self, declaration, values=None, errors=None, message=None, status=200, changes=None, access_token=None
    ):
        """The declaration's form; ``changes`` (large changes, see
        membership.declaration._portal_large_changes) asks the member to
        confirm each of them, with a warning and a checkbox."""
        declaration = declaration.with_context(lang=request.env.lang)
        rows = declaration._portal_rows(values)
        lang = declaration._portal_lang()
        warnings = {
            figure_id: {
                "message": declaration._portal_large_change_text(change, lang),
                "token": change["token"],
                "confirmed": (values or {}).get(f"confirm_figure_{figure_id}") == change["token"],
            }
            for figure_id, change in (changes or {}).items()
        }
        return request.render(
            "membership_dues.portal_declaration_page",
            {
                "declaration": declaration,
                "rows": rows,
                "errors": errors or {},
                "warnings": warnings,
                "message": message,
                "can_edit": declaration.state != "validated",
                "has_last_year": any(row["last_year"] is not None for row in rows),
                "page_name": "declaration",
                "access_token": access_token,
                "today": fields.Date.context_today(declaration),
                # the letterhead of the declaration's organisation, also for a visitor without an account
                "res_company": declaration.company_id.sudo(),
            },
            status=status,
        )

    @http.route(
        "/my/declarations/<membership_id:declaration_id>/submit",
        type="http",
        auth="public",
        methods=["POST"],
        website=True,
    )
    def portal_declaration_submit(self, declaration_id, access_token=None, **post):
        declaration, refusal = self._declaration_or_refusal(declaration_id, access_token)
        if refusal:
            return refusal
        access_token = clean_token(access_token)
        self._use_member_lang(declaration.partner_id)
        # only text fields: an uploaded file in place of a figure is no figure
        post = {key: value for key, value in post.items() if isinstance(value, str)}
        if declaration.state == "validated":
            return request.redirect(self._declaration_url(declaration, access_token, "validated"))
        if post.get("unchanged"):
            values, errors = declaration._portal_last_year_values(), {}
            if not values:
                errors = {0: request.env._("There are no figures of last year to copy: enter this year's figures.")}
        else:
            values, errors = declaration._portal_parse(post)
        if errors:
            return self._render_declaration(
                declaration, values=post, errors=errors, status=400, access_token=access_token
            )
        # figures far from last year's: saved once the member ticked each one (for the value shown)
        changes = {} if post.get("unchanged") else declaration._portal_large_changes(values)
        if any(post.get(f"confirm_figure_{figure_id}") != change["token"] for figure_id, change in changes.items()):
            return self._render_declaration(declaration, values=post, changes=changes, access_token=access_token)
        declaration._portal_declare(values, large_changes=changes)
        return request.redirect(self._declaration_url(declaration, access_token, "declared"))

    def _renewal_domain(self):
        """The member's notices sent (not drafts), in the website's company."""
        partner = request.env.user.partner_id
        return [
            ("partner_id", "child_of", [partner.commercial_partner_id.id]),
            ("company_id", "=", request.env.company.id),
            ("state", "!=", "draft"),
        ]

    @http.route(["/my/renewals", "/my/renewals/page/<membership_id:page>"], type="http", auth="user", website=True)
    def portal_my_renewals(self, page=1, **kw):
        if not isinstance(page, int):
            # ?page=...: ASCII digits only (Odoo's pager would take "²" for a digit)
            page = int(page) if isinstance(page, str) and page.isascii() and page.isdigit() and len(page) < 10 else 1
        Renewal = request.env["membership.renewal"]
        domain = self._renewal_domain()
        count = Renewal.search_count(domain)
        pager = portal_pager(url="/my/renewals", total=count, page=page, step=self._items_per_page)
        renewals = Renewal.search(
            domain, order="date_start desc, id desc", limit=self._items_per_page, offset=pager["offset"]
        )
        return request.render(
            "membership_dues.portal_my_renewals",
            {"renewals": renewals, "pager": pager, "page_name": "renewal", "default_url": "/my/renewals"},
        )

    def _renewal_check_access(self, renewal_id, access_token):
        """The notice, as superuser, if the user may see it: its member (or a
        contact of the member), or anyone with its valid, unexpired token.
        Raises NotFound (no such notice) or Forbidden (anything else)."""
        if not 0 < renewal_id <= MAX_RECORD_ID:
            raise NotFound
        access_token = clean_token(access_token)
        try:
            renewal = self._document_check_access("membership.renewal", renewal_id, access_token)
        except MissingError as error:
            raise NotFound from error
        except AccessError as error:
            raise Forbidden from error
        with_token = not request.env["membership.renewal"].browse(renewal_id).has_access("read")
        today = fields.Date.context_today(renewal)
        if with_token and (not renewal.token_expires_on or renewal.token_expires_on < today):
            raise Forbidden
        return renewal

    def _renewal_denied(self):
        return request.render("membership_dues.portal_renewal_denied", status=403)

    @http.route("/my/renewals/<membership_id:renewal_id>", type="http", auth="public", website=True)
    def portal_renewal_page(self, renewal_id, access_token=None, message=None, **kw):
        access_token = clean_token(access_token)
        try:
            renewal = self._renewal_check_access(renewal_id, access_token)
        except Forbidden:
            return self._renewal_denied()
        self._use_member_lang(renewal.partner_id)
        lang_renewal = renewal.with_context(lang=renewal.partner_id.lang or request.env.lang)
        values = {
            "renewal": lang_renewal,
            "explanation": lang_renewal.fee_explanation.split("\n") if lang_renewal.fee_explanation else [],
            "access_token": access_token,
            "message": message,
            "can_answer": renewal.state in ("sent", "change_requested") and renewal.mode == "notice",
            "can_opt_out": renewal.mode == "auto" and renewal.state == "approved",
            "page_name": "renewal",
            # the letterhead of the notice's organisation, also for a visitor without an account
            "res_company": renewal.company_id.sudo(),
        }
        return request.render("membership_dues.portal_renewal_page", values)

    def _use_member_lang(self, member):
        """A visitor who is not logged in (the member following the link of
        an email) reads the whole page in the member's language, not in the
        browser's or the website's: the page's frame as well as the notice."""
        lang = member.lang
        if not request.env.user._is_public() or not lang or lang == request.env.lang:
            return
        lang_data = request.env["res.lang"]._get_data(code=lang)
        if not lang_data.code:  # not an active language
            return
        request.lang = lang_data
        request.update_context(lang=lang)

    def _renewal_redirect(self, renewal, access_token, message):
        query = f"?message={message}" + (f"&access_token={access_token}" if access_token else "")
        return request.redirect(f"/my/renewals/{renewal.id}{query}")

    @http.route(
        "/my/renewals/<membership_id:renewal_id>/accept", type="http", auth="public", methods=["POST"], website=True
    )
    def portal_renewal_accept(self, renewal_id, access_token=None, **kw):
        access_token = clean_token(access_token)
        try:
            renewal = self._renewal_check_access(renewal_id, access_token)
        except Forbidden:
            return self._renewal_denied()
        try:
            renewal._lock_for_change()  # an officer or another contact answering at the same time
        except UserError:
            return self._renewal_redirect(renewal, access_token, "closed")
        if renewal.state not in ("sent", "change_requested") or renewal.mode != "notice":
            return self._renewal_redirect(renewal, access_token, "closed")
        author = request.env.user.partner_id if not request.env.user._is_public() else renewal.partner_id
        renewal.with_context(membership_author_id=author.id)._approve()
        renewal.message_post(
            body=request.env._("Accepted by the member online."), author_id=author.id, message_type="comment"
        )
        return self._renewal_redirect(renewal, access_token, "accepted")

    @http.route(
        "/my/renewals/<membership_id:renewal_id>/change", type="http", auth="public", methods=["POST"], website=True
    )
    def portal_renewal_change(self, renewal_id, access_token=None, comment=None, **kw):
        access_token = clean_token(access_token)
        try:
            renewal = self._renewal_check_access(renewal_id, access_token)
        except Forbidden:
            return self._renewal_denied()
        allowed = (renewal.mode == "notice" and renewal.state in ("sent", "change_requested")) or (
            renewal.mode == "auto" and renewal.state == "approved"
        )
        if not allowed:
            return self._renewal_redirect(renewal, access_token, "closed")
        comment = clean_text(comment).strip()[:4000]
        if not comment:
            return self._renewal_redirect(renewal, access_token, "empty_comment")
        try:
            if renewal.mode == "auto":
                renewal._request_opt_out(comment)
            else:
                renewal.action_request_change(comment)
        except UserError:
            return self._renewal_redirect(renewal, access_token, "closed")
        return self._renewal_redirect(renewal, access_token, "change_requested")
