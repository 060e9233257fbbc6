"""19.0.2.1.0: the dues reporting models read their SQL on the fly.

Before 19.0.2.1.0 the dues analysis, the dues collection and the follow-up
effectiveness were database views made when the module loaded. They are now
models with a ``_table_query``, like the other reporting models: the views are
left behind and nothing refreshes them any more, and a view keeps the columns
it reads from being changed. They are dropped (the collection first: it reads
the dues analysis)."""

from odoo.tools.sql import drop_view_if_exists

STALE_VIEWS = ("membership_dues_collection", "membership_dues_analysis", "membership_followup_analysis")


def migrate(cr, version):
    if not version:
        return
    for view in STALE_VIEWS:
        drop_view_if_exists(cr, view)
