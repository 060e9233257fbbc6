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
