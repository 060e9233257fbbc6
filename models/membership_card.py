import secrets

from odoo import api, fields, models
from odoo.tools.misc import format_date

from ..tools.qr_code import qr_data_uri


class MembershipCard(models.Model):
    """A member's card in one company: the unguessable token its QR code
    carries. The public verification page (controllers/card.py) answers for
    a token only "valid until DATE" or "not valid", from the member's status
    on the day it is asked. A lost card is revoked by issuing a new one."""

    _name = "membership.card"
    _description = "Membership Card"
    _order = "id desc"
    _check_company_auto = True

    partner_id = fields.Many2one(
        "res.partner", "Member", required=True, index=True, ondelete="cascade", check_company=True
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company, ondelete="cascade"
    )
    token = fields.Char(
        required=True,
        readonly=True,
        copy=False,
        default=lambda self: secrets.token_urlsafe(24),
        groups="membership_dues.group_membership_user",
    )
    active = fields.Boolean(default=True, help="A revoked card answers 'not valid'.")

    _token_unique = models.UniqueIndex("(token)")
    _one_active_per_member = models.UniqueIndex(
        "(partner_id, company_id) WHERE active", "A member has one valid card per company."
    )

    @api.depends("partner_id")
    def _compute_display_name(self):
        for card in self:
            card.display_name = card.partner_id.display_name

    @api.model
    def _for_members(self, partners, company=None):
        """The active card of each member (created where missing), in one
        batch: ``{partner id: card}``."""
        company = company or self.env.company
        cards = self.sudo().search([("partner_id", "in", partners.ids), ("company_id", "=", company.id)])
        by_partner = {card.partner_id.id: card for card in cards}
        missing = partners.filtered(lambda partner: partner.id not in by_partner)
        if missing:
            created = self.sudo().create([{"partner_id": p.id, "company_id": company.id} for p in missing])
            by_partner.update({card.partner_id.id: card for card in created})
        return by_partner

    def action_revoke(self):
        """Revoke these cards and issue new ones (a lost or stolen card)."""
        partners_by_company = {(card.partner_id, card.company_id) for card in self.filtered("active")}
        self.active = False
        for partner, company in partners_by_company:
            self._for_members(partner, company)
        return True

    # ------------------------------------------------------------------
    # Verification
    # ------------------------------------------------------------------
    def _verification_url(self):
        self.ensure_one()
        return f"{self.company_id.get_base_url()}/membership/card/{self.sudo().token}"

    def _qr_data_uri(self):
        self.ensure_one()
        return qr_data_uri(self._verification_url(), box_size=3)

    def _valid_until(self):
        """The date the card is valid until today, or None when it is not:
        revoked, or its member is not a member today (former, suspended,
        in grace, never paid)."""
        self.ensure_one()
        if not self.active:
            return None
        partner = self.partner_id.with_company(self.company_id).sudo()
        if partner.dues_member_state != "member":
            return None
        return partner.dues_date_end

    def _validity_text(self, lang=None):
        """The single line the verification page shows."""
        self.ensure_one()
        valid_until = self._valid_until()
        env = self.with_context(lang=lang).env if lang else self.env
        if not valid_until:
            return env._("Not valid")
        return env._("Valid until %(date)s", date=format_date(env, valid_until, lang_code=lang))
