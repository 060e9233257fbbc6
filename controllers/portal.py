from werkzeug.exceptions import Forbidden, NotFound

from odoo import fields, http
from odoo.exceptions import AccessError, MissingError, UserError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager


class MembershipPortal(CustomerPortal):
    """The member's pages: renewal notices (also reached without login from
    the link in the email, thanks to the notice's token)."""

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "renewal_count" in counters:
            Renewal = request.env["membership.renewal"]
            values["renewal_count"] = (
                Renewal.search_count(self._renewal_domain(), limit=1) if Renewal.has_access("read") else 0
            )
        return values

    def _renewal_domain(self):
        partner = request.env.user.partner_id
        return [("partner_id", "child_of", [partner.commercial_partner_id.id]), ("state", "!=", "draft")]

    @http.route(["/my/renewals", "/my/renewals/page/<int:page>"], type="http", auth="user", website=True)
    def portal_my_renewals(self, page=1, **kw):
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

    @http.route("/my/renewals/<int:renewal_id>", type="http", auth="public", website=True)
    def portal_renewal_page(self, renewal_id, access_token=None, message=None, **kw):
        try:
            renewal = self._renewal_check_access(renewal_id, access_token)
        except Forbidden:
            return request.render("membership_dues.portal_renewal_denied", status=403)
        lang_renewal = renewal.with_context(lang=renewal.partner_id.lang or request.env.lang)
        values = {
            "renewal": lang_renewal,
            "explanation": lang_renewal.fee_explanation.split("\n") if lang_renewal.fee_explanation else [],
            "access_token": access_token,
            "message": message,
            "can_answer": renewal.state in ("sent", "change_requested") and renewal.mode == "notice",
            "can_opt_out": renewal.mode == "auto" and renewal.state == "approved",
            "page_name": "renewal",
        }
        return request.render("membership_dues.portal_renewal_page", values)

    def _renewal_redirect(self, renewal, access_token, message):
        query = f"?message={message}" + (f"&access_token={access_token}" if access_token else "")
        return request.redirect(f"/my/renewals/{renewal.id}{query}")

    @http.route("/my/renewals/<int:renewal_id>/accept", type="http", auth="public", methods=["POST"], website=True)
    def portal_renewal_accept(self, renewal_id, access_token=None, **kw):
        renewal = self._renewal_check_access(renewal_id, access_token)
        if renewal.state not in ("sent", "change_requested") or renewal.mode != "notice":
            return self._renewal_redirect(renewal, access_token, "closed")
        author = request.env.user.partner_id if not request.env.user._is_public() else renewal.partner_id
        renewal.with_context(membership_author_id=author.id)._approve()
        renewal.message_post(
            body=request.env._("Accepted by the member online."), author_id=author.id, message_type="comment"
        )
        return self._renewal_redirect(renewal, access_token, "accepted")

    @http.route("/my/renewals/<int:renewal_id>/change", type="http", auth="public", methods=["POST"], website=True)
    def portal_renewal_change(self, renewal_id, access_token=None, comment=None, **kw):
        renewal = self._renewal_check_access(renewal_id, access_token)
        allowed = (renewal.mode == "notice" and renewal.state in ("sent", "change_requested")) or (
            renewal.mode == "auto" and renewal.state == "approved"
        )
        if not allowed:
            return self._renewal_redirect(renewal, access_token, "closed")
        comment = (comment or "").strip()[:4000]
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
