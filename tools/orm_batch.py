"""Batch helpers for the hot paths (campaigns, bulk approval)."""

import logging

from odoo.tools import SQL

_logger = logging.getLogger(__name__)


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


def refresh_statistics(model, min_changes=1000, scale=0.1):
    """ANALYZE the table of ``model`` when its rows changed since PostgreSQL
    last gathered its planner statistics more than ``min_changes`` plus
    ``scale`` times its rows (autovacuum's own rule for an automatic ANALYZE,
    with a larger floor), or when it was never analyzed. Returns whether it
    analyzed.

    For bulk runs that add thousands of rows within minutes: until the
    statistics know them, the planner can pick a plan whose cost grows with
    the rows (Odoo's numbering queries on ``account.move``, run once per
    invoice posted, read every invoice of the year), and autovacuum may be
    off or not have caught up. ``SKIP_LOCKED``: when another transaction is
    analyzing the table, leave it to that one. The ANALYZE runs in the
    caller's transaction (the statistics are committed with its batch)."""
    cr = model.env.cr
    cr.execute(
        SQL(
            "SELECT s.n_mod_since_analyze, c.reltuples FROM pg_stat_user_tables s "
            "JOIN pg_class c ON c.oid = s.relid WHERE s.relid = %s::regclass",
            model._table,
        )
    )
    row = cr.fetchone()
    if not row:
        return False
    changes, rows = row
    # reltuples is -1 when the table was never analyzed (a database restored
    # or copied without its statistics, whose change counters start at 0)
    if rows >= 0 and changes < min_changes + scale * rows:
        return False
    _logger.info(
        "Membership: analyzing %s (%s row changes since its statistics, %s rows then)", model._table, changes, rows
    )
    cr.execute(SQL("ANALYZE (SKIP_LOCKED) %s", SQL.identifier(model._table)))
    return True


def fetch_rule_fields(records, operation):
    """Read the fields the current user's record rules for ``operation``
    test, and only them, on ``records``. Odoo checks the record rules of a
    write or unlink in Python (``filtered_domain``): reading the first rule
    field prefetches every column of every record, which for a season's
    selection (tens of thousands of notices) weighs hundreds of MB, just to
    compare companies. Call it before such an operation on a large
    selection; the check itself is Odoo's, unchanged."""
    if records.env.su or not records.ids:
        return
    domain = records.env["ir.rule"]._compute_domain(records._name, operation)
    if domain.is_true():
        return
    fnames = {condition.field_expr.split(".")[0] for condition in domain.iter_conditions()}
    records.fetch([fname for fname in fnames if fname in records._fields])
