from psycopg2.extras import Json

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL


class MembershipFollowupPolicy(models.Model):
    """How unpaid dues invoices are followed up: ordered levels, from a
    courtesy reminder before the due date up to a formal notice and
    suspension. A plan may have its own; otherwise the company's default."""

    _name = "membership.followup.policy"
    _description = "Dues Follow-up Policy"
    _inherit = ["mail.thread"]
    _order = "sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True, tracking=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    is_default = fields.Boolean(
        "Company Default", tracking=True, help="Follows up the dues invoices of plans without a policy of their own."
    )
    level_ids = fields.One2many("membership.followup.level", "policy_id", "Levels", copy=True)
    plan_ids = fields.One2many("membership.plan", "followup_policy_id", "Plans")
    origin_id = fields.Many2one(
        "membership.followup.policy",
        "Copied From",
        copy=False,
        index="btree_not_null",
        ondelete="set null",
        help="The policy installed with the module this one was copied from; its translations follow.",
    )

    _default_unique = models.UniqueIndex(
        "(company_id) WHERE is_default AND active", "A company has one default follow-up policy."
    )

    @api.constrains("level_ids", "company_id")  # company_id: always given at creation, level_ids not
    def _check_levels(self):
        for policy in self:
            # the module's data creates its policy, then its levels
            if not policy.level_ids and not self.env.context.get("install_mode"):
                raise ValidationError(
                    self.env._(
                        "Follow-up policy %(policy)s has no level: add at least one (Levels), e.g. a reminder on "
                        "the due date.",
                        policy=policy.name,
                    )
                )
            delays = policy.level_ids.mapped("delay_days")
            if len(delays) != len(set(delays)):
                raise ValidationError(
                    self.env._(
                        "Follow-up policy %(policy)s: two levels have the same number of days; each level needs its "
                        "own day.",
                        policy=policy.name,
                    )
                )

    @api.model
    def _for_company(self, company):
        """The company's default policy; a company without one gets a copy of
        the policy installed with the module."""
        policy = self.sudo().search([("company_id", "=", company.id), ("is_default", "=", True)], limit=1)
        if not policy:
            template = self.env.ref("membership_dues.followup_policy_default", raise_if_not_found=False)
            if template:
                template = template.sudo()
                policy = template.copy(
                    {"company_id": company.id, "is_default": True, "name": template.name, "origin_id": template.id}
                )
                for source, level in zip(template.level_ids, policy.level_ids, strict=True):
                    level.origin_id = source
        return policy.sudo(False)

    @api.model
    def _sync_origin_translations(self):
        """Give the copies of the installed policy the translations loaded
        since they were made (a language installed later, or a company
        created during the module's installation, before its translations
        load). Only texts the officer left as copied are filled in."""
        for model, fnames in (
            ("membership.followup.policy", ["name"]),
            ("membership.followup.level", ["name", "sms_text", "legal_text"]),
        ):
            self.env[model].flush_model(fnames + ["origin_id"])
            table = self.env[model]._table
            columns = SQL(", ").join(SQL.identifier("c", fname) for fname in fnames)
            origins = SQL(", ").join(SQL.identifier("o", fname) for fname in fnames)
            rows = self.env.execute_query(
                SQL(
                    "SELECT c.id, %s, %s FROM %s c JOIN %s o ON o.id = c.origin_id",
                    columns,
                    origins,
                    SQL.identifier(table),
                    SQL.identifier(table),
                )
            )
            for row in rows:
                copies, sources = row[1 : 1 + len(fnames)], row[1 + len(fnames) :]
                for fname, copied, source in zip(fnames, copies, sources, strict=True):
                    copied, source = copied or {}, source or {}
                    english = copied.get("en_US")
                    if english != source.get("en_US"):
                        continue  # edited by the officer: theirs
                    missing = {
                        code: translated
                        for code, translated in source.items()
                        if code != "en_US" and copied.get(code, english) == english and translated != english
                    }
                    if missing:
                        # the stored translations themselves: writing through the ORM in one
                        # language would re-map the terms of the others (HTML fields)
                        self.env.execute_query(
                            SQL(
                                "UPDATE %s SET %s = COALESCE(%s, '{}'::jsonb) || %s WHERE id = %s",
                                SQL.identifier(table),
                                SQL.identifier(fname),
                                SQL.identifier(fname),
                                Json(missing),
                                row[0],
                            )
                        )
                        self.env[model].browse(row[0]).invalidate_recordset([fname])
