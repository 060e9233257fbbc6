from odoo import api, fields, models
from odoo.exceptions import ValidationError

TONES = [
    ("courtesy", "Courtesy reminder"),
    ("reminder", "Reminder"),
    ("firm", "Firm reminder"),
    ("formal_notice", "Formal notice"),
]


class MembershipFollowupLevel(models.Model):
    """One step of a follow-up policy, relative to an instalment's due date."""

    _name = "membership.followup.level"
    _description = "Dues Follow-up Level"
    _order = "policy_id, delay_days, id"
    _check_company_auto = True

    policy_id = fields.Many2one(
        "membership.followup.policy", required=True, index=True, ondelete="cascade", check_company=True
    )
    company_id = fields.Many2one(related="policy_id.company_id", store=True)
    origin_id = fields.Many2one(
        "membership.followup.level",
        "Copied From",
        copy=False,
        index="btree_not_null",
        ondelete="set null",
        help="The level installed with the module this one was copied from; its translations follow.",
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    name = fields.Char(required=True, translate=True)
    delay_days = fields.Integer(
        "Days",
        required=True,
        help="Days relative to the due date: negative before it (a courtesy reminder), 0 on it, positive after it.",
    )
    tone = fields.Selection(TONES, required=True, default="reminder", help="The wording of its email and letter.")
    send_email = fields.Boolean("Email", default=True)
    send_letter = fields.Boolean("Letter", help="A PDF letter to print and send by post.")
    send_sms = fields.Boolean("SMS", help="Sent when Odoo's SMS module is installed.")
    schedule_call = fields.Boolean("Phone Call", help="Schedules a phone-call activity.")
    call_user_id = fields.Many2one(
        "res.users", "Caller", check_company=True, help="Who calls; the invoice's salesperson when empty."
    )
    email_template_id = fields.Many2one(
        "mail.template",
        domain="[('model', '=', 'membership.followup.communication')]",
        help="The email of this level; the template of its tone when empty.",
    )
    sms_text = fields.Text("SMS Text", translate=True)
    attach_invoices = fields.Boolean("Attach the Invoices")
    late_fee_type = fields.Selection(
        [("none", "No late fee"), ("fixed", "Fixed amount"), ("percent", "Percentage of the overdue amount")],
        required=True,
        default="none",
    )
    late_fee_amount = fields.Monetary("Late Fee")
    late_fee_percent = fields.Float("Late Fee (%)", digits=(8, 2))
    late_fee_product_id = fields.Many2one("product.product", check_company=True)
    action = fields.Selection(
        [("none", "None"), ("suspend", "Suspend the membership"), ("collection", "Flag for external collection")],
        required=True,
        default="none",
    )
    legal_text = fields.Html(
        "Legal Wording",
        translate=True,
        help="Printed on the letter of a formal notice.",
    )

    def write(self, vals):
        if vals.get("policy_id"):
            # never under another company's policy: the user must see it
            self.env["membership.followup.policy"].browse(vals["policy_id"]).check_access("read")
        return super().write(vals)

    @api.constrains("late_fee_type", "late_fee_amount", "late_fee_percent", "late_fee_product_id")
    def _check_late_fee(self):
        for level in self:
            if level.late_fee_amount < 0 or level.late_fee_percent < 0:
                raise ValidationError(
                    self.env._("Follow-up level %(level)s: the late fee cannot be negative.", level=level.name)
                )
            if (level.late_fee_type == "fixed" and level.late_fee_amount <= 0) or (
                level.late_fee_type == "percent" and not 0 < level.late_fee_percent <= 100
            ):
                raise ValidationError(
                    self.env._(
                        "Follow-up level %(level)s: a late fee of type %(type)s needs its %(field)s (%(allowed)s).",
                        level=level.name,
                        type=dict(level._fields["late_fee_type"]._description_selection(self.env))[level.late_fee_type],
                        field=level._fields[
                            "late_fee_amount" if level.late_fee_type == "fixed" else "late_fee_percent"
                        ]._description_string(self.env),
                        allowed=self.env._("more than zero")
                        if level.late_fee_type == "fixed"
                        else self.env._("more than 0 and at most 100"),
                    )
                )
            if level.late_fee_type != "none" and not level.late_fee_product_id:
                raise ValidationError(
                    self.env._(
                        "Follow-up level %(level)s: choose the product the late fee is invoiced with.", level=level.name
                    )
                )

    def _channel_fields(self):
        """The level's fields that enable a channel (membership.followup.run's registry)."""
        return [channel.level_field for channel in self.env["membership.followup.run"]._get_followup_channels()]

    @api.constrains(lambda self: [*self._channel_fields(), "action"])
    def _check_something_happens(self):
        channel_fields = self._channel_fields()
        for level in self:
            if not any(level[fname] for fname in channel_fields) and level.action == "none":
                raise ValidationError(
                    self.env._(
                        "Follow-up level %(level)s does nothing: choose a channel or an action.", level=level.name
                    )
                )

    def _email_template(self):
        self.ensure_one()
        return self.email_template_id or self.env.ref(f"membership_dues.mail_template_followup_{self.tone}")

    def _late_fee(self, residual):
        """The late fee this level charges on an overdue amount."""
        self.ensure_one()
        if self.late_fee_type == "fixed":
            return self.late_fee_amount
        if self.late_fee_type == "percent":
            return self.currency_id.round(residual * self.late_fee_percent / 100)
        return 0.0
