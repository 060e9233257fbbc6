"""19.0.2.0.0: every field the module adds to a shared model starts with ``dues_``.

Before 19.0.2.0.0 the fields were named like the ones of Odoo's former
``membership`` module and of OCA ``membership`` 19.0 (``membership_state``,
``membership_category_ids``...), so both modules installed together changed
each other's fields. This renames, before the module's models load:

- the stored columns (their data, indexes and foreign keys kept);
- the ``ir.model.fields`` rows and their xmlids, so tracking values, defaults,
  selections and access rules that point at a field keep pointing at it. A row
  that another module also owns (a clash with OCA ``membership``) is left to
  that module: only our xmlid on it is dropped, and the update creates ours;
- the field names in the saved filters (``ir.filters``) of that model, as
  whole words;
- the field names in the module's own views, which the update reloads from
  its files but validates one by one against the others still in the
  database.
"""

import logging

from odoo.tools import SQL
from odoo.tools.sql import column_exists, rename_column

_logger = logging.getLogger(__name__)

# (models, old name, new name). res.users repeats res.partner's fields
# through _inherits, so it has rows of its own.
PARTNER = ("res.partner", "res.users")
RENAMES = [
    (PARTNER, "membership_subscription_ids", "dues_subscription_ids"),
    (PARTNER, "membership_subscription_count", "dues_subscription_count"),
    (PARTNER, "membership_category_ids", "dues_category_ids"),
    (PARTNER, "membership_declaration_ids", "dues_declaration_ids"),
    (PARTNER, "member_number", "dues_member_number"),
    (PARTNER, "membership_suspended", "dues_suspended"),
    (PARTNER, "membership_leaving", "dues_leaving"),
    (PARTNER, "membership_collection", "dues_collection"),
    (PARTNER, "membership_renewal_mode", "dues_renewal_mode"),
    (PARTNER, "membership_renewal_ids", "dues_renewal_ids"),
    (PARTNER, "membership_followup_line_ids", "dues_followup_line_ids"),
    (PARTNER, "membership_followup_level_id", "dues_followup_level_id"),
    (PARTNER, "membership_followup_next_level_id", "dues_followup_next_level_id"),
    (PARTNER, "membership_followup_next_date", "dues_followup_next_date"),
    (PARTNER, "membership_state", "dues_member_state"),
    (PARTNER, "membership_plan_id", "dues_plan_id"),
    (PARTNER, "membership_date_end", "dues_date_end"),
    (PARTNER, "membership_date_start", "dues_date_start"),
    (("account.move",), "membership_subscription_ids", "dues_subscription_ids"),
    (("account.move",), "membership_subscription_count", "dues_subscription_count"),
    (("account.move",), "is_membership_dues", "dues_is_invoice"),
    (("account.move",), "membership_dispute", "dues_dispute"),
    (("account.move",), "membership_followup_manual", "dues_followup_manual"),
    (("account.move",), "membership_followup_postponed_until", "dues_followup_postponed_until"),
    (("account.move",), "membership_followup_line_ids", "dues_followup_line_ids"),
    (("account.move",), "membership_followup_last_date", "dues_followup_last_date"),
    (("account.move",), "membership_followup_level_id", "dues_followup_level_id"),
    (("account.move",), "membership_followup_next_level_id", "dues_followup_next_level_id"),
    (("account.move",), "membership_followup_next_date", "dues_followup_next_date"),
    (("account.move.line",), "membership_subscription_id", "dues_subscription_id"),
    (("account.move.line",), "membership_followup_line_ids", "dues_followup_line_ids"),
    *(
        (("res.company", "res.config.settings"), old, new)
        for old, new in (
            ("membership_reminder_delays", "dues_reminder_delays"),
            ("membership_no_reply_months", "dues_no_reply_months"),
            ("membership_link_validity_days", "dues_link_validity_days"),
            ("membership_reference_model", "dues_reference_model"),
        )
    ),
]

MODULE = "membership_dues"


def _rename_field(cr, model, old, new):
    table = model.replace(".", "_")
    cr.execute("SELECT id FROM ir_model_fields WHERE model = %s AND name = %s", (model, old))
    row = cr.fetchone()
    if row:
        field_id = row[0]
        cr.execute(
            "SELECT module FROM ir_model_data WHERE model = 'ir.model.fields' AND res_id = %s AND module != %s",
            (field_id, MODULE),
        )
        others = [module for (module,) in cr.fetchall()]
        if others:
            # The row is also another module's field (OCA membership): leave
            # it to them, ours is created under its new name by the update.
            cr.execute(
                "DELETE FROM ir_model_data WHERE model = 'ir.model.fields' AND res_id = %s AND module = %s",
                (field_id, MODULE),
            )
            _logger.info("%s.%s is also defined by %s: left to it, ours becomes %s", model, old, others, new)
            return
        cr.execute("UPDATE ir_model_fields SET name = %s WHERE id = %s", (new, field_id))
        cr.execute(
            "UPDATE ir_model_data SET name = %s WHERE model = 'ir.model.fields' AND module = %s AND name = %s",
            (f"field_{table}__{new}", MODULE, f"field_{table}__{old}"),
        )
        cr.execute(
            "UPDATE ir_model_data SET name = replace(name, %s, %s) "
            "WHERE model = 'ir.model.fields.selection' AND module = %s AND name LIKE %s",
            (f"__{table}__{old}__", f"__{table}__{new}__", MODULE, f"selection\\_\\_{table}\\_\\_{old}\\_\\_%"),
        )
        _rename_in_filters(cr, model, old, new)
    if model != "res.users" and column_exists(cr, table, old) and not column_exists(cr, table, new):
        rename_column(cr, table, old, new)
        old_index, new_index = f"{table}__{old}_index", f"{table}__{new}_index"
        cr.execute("SELECT 1 FROM pg_class WHERE relname = %s", (old_index,))
        if cr.fetchone():
            cr.execute(SQL("ALTER INDEX %s RENAME TO %s", SQL.identifier(old_index), SQL.identifier(new_index)))


def _rename_in_filters(cr, model, old, new):
    """The saved filters of ``model`` naming the field, as a whole word."""
    pattern = rf"\m{old}\M"
    for column in ("domain", "context", "sort"):
        cr.execute(
            SQL(
                "UPDATE ir_filters SET %(column)s = regexp_replace(%(column)s, %(pattern)s, %(new)s, 'g') "
                "WHERE model_id = %(model)s AND %(column)s ~ %(pattern)s",
                column=SQL.identifier(column),
                pattern=pattern,
                new=new,
                model=model,
            )
        )


def _update_module_views(cr):
    """Our views still name the old fields until the update reloads them, in
    manifest order, and each one loaded is validated with the others: an
    extension is emptied (``<data/>`` changes nothing until it is reloaded);
    in a primary view the renamed fields are renamed (its own model's fields,
    a subscription's ``member_number`` for one, keep their names)."""
    cr.execute(
        """
        UPDATE ir_ui_view v SET arch_db = jsonb_build_object('en_US', '<data/>')
          FROM ir_model_data d
         WHERE d.model = 'ir.ui.view' AND d.res_id = v.id AND d.module = %s AND v.inherit_id IS NOT NULL
        """,
        (MODULE,),
    )
    renames = {old: new for _models, old, new in RENAMES if old != "member_number"}
    renames[r"partner_id\.member_number"] = "partner_id.dues_member_number"
    for old, new in renames.items():
        cr.execute(
            """
            UPDATE ir_ui_view v SET arch_db = regexp_replace(v.arch_db::text, %s, %s, 'g')::jsonb
              FROM ir_model_data d
             WHERE d.model = 'ir.ui.view' AND d.res_id = v.id AND d.module = %s AND v.inherit_id IS NULL
               AND v.arch_db::text ~ %s
            """,
            (rf"\m{old}\M", new, MODULE, rf"\m{old}\M"),
        )


def migrate(cr, version):
    if not version:
        return
    for models, old, new in RENAMES:
        for model in models:
            _rename_field(cr, model, old, new)
    _update_module_views(cr)
