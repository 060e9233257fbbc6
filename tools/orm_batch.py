"""Batch helpers for the hot paths (campaigns, bulk approval)."""

from odoo.tools import SQL


def write_links(records, fname, targets):
    """``records[i][fname] = targets[i]`` for a many2one, each record its own
    target, in one UPDATE instead of one write (and one dependency search)
    per record; the ORM then recomputes what depends on the field in batch.
    For links the caller knows are valid (same company, just created)."""
    if not records:
        return
    assert len(records) == len(targets)
    records.flush_recordset([fname])
    values = SQL(", ").join(
        SQL("(%s, %s)", record.id, target.id) for record, target in zip(records, targets, strict=True)
    )
    records.env.execute_query(
        SQL(
            "UPDATE %s AS t SET %s = v.target, write_uid = %s, write_date = now() AT TIME ZONE 'UTC' "
            "FROM (VALUES %s) AS v(id, target) WHERE t.id = v.id",
            SQL.identifier(records._table),
            SQL.identifier(fname),
            records.env.uid,
            values,
        )
    )
    records.invalidate_recordset([fname, "write_uid", "write_date"])
    records.modified([fname])


def post_template(records, template, **kwargs):
    """Post ``template`` on every record of ``records`` as a chatter message
    (emailed to its recipients), rendered in one batch: one composer in batch
    comment mode, Odoo's own path when a template is sent on a selection,
    instead of one composer per record (``message_post_with_source``).
    ``kwargs`` go to the composer (``subtype_id``, ``attachment_ids``...)."""
    if not records:
        return records.env["mail.message"]
    composer = (
        records.env["mail.compose.message"]
        .with_context(
            default_composition_mode="comment",
            default_model=records._name,
            default_res_ids=records.ids,
            default_template_id=template.id,
        )
        .create({"message_type": "notification", **kwargs})
    )
    _mails, messages = composer._action_send_mail()
    return messages


def write_value(records, fname, value):
    """``records[fname] = value`` for a plain stored field of our own, in one
    UPDATE, without the model's ``write`` override: on posted invoices,
    ``account.move.write`` resynchronises every invoice's tax and payment
    lines, for a field that is not accounting data. The ORM then recomputes
    what depends on the field. ``value`` must already be in database form."""
    if not records:
        return
    field = records._fields[fname]
    assert field.store and not field.compute and field.column_type, fname
    records.flush_recordset([fname])
    records.env.execute_query(
        SQL(
            "UPDATE %s SET %s = %s, write_uid = %s, write_date = now() AT TIME ZONE 'UTC' WHERE id IN %s",
            SQL.identifier(records._table),
            SQL.identifier(fname),
            value,
            records.env.uid,
            tuple(records.ids),
        )
    )
    records.invalidate_recordset([fname, "write_uid", "write_date"])
    records.modified([fname])
