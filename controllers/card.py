import re

from odoo import http
from odoo.http import request

# What a card token can be (secrets.token_urlsafe: URL-safe base64): anything
# else (NUL bytes, other characters, 10 kB) is not looked up at all.
CARD_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")


class MembershipCardController(http.Controller):
    """The public page the QR code of a membership card opens: no login,
    one line ("valid until DATE" or "not valid") and the issuing
    organisation's name, nothing else about the member. Unknown, revoked and
    expired cards get the same answer, so the page tells nothing about
    which tokens exist; tokens are random (144 bits), not enumerable."""

    @http.route("/membership/card/<string:token>", type="http", auth="public", readonly=True, sitemap=False)
    def membership_card_verify(self, token, **kw):
        Card = request.env["membership.card"].sudo()
        card = Card.search([("token", "=", token)], limit=1) if CARD_TOKEN.fullmatch(token) else Card
        lang = request.env.lang
        values = {
            "valid": bool(card and card._valid_until()),
            "validity": card._validity_text(lang) if card else request.env._("Not valid"),
            "company": card.company_id if card else None,
        }
        response = request.render("membership_dues.membership_card_verification", values)
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Robots-Tag"] = "noindex, nofollow"
        return response
