"""19.0.2.0.0: dues invoices queued for sending leave again.

Before 19.0.2.0.0, Odoo's scheduled action *Send invoices automatically*
failed on every run with Debian's wkhtmltopdf (several documents in one
call) and Odoo deactivated it after repeated failures, leaving the dues
invoices the module had queued unsent. The module now renders one document
per call with that build; when dues invoices still wait in the queue and the
action is inactive, it is switched on again (an action turned off while
nothing of ours waited is left alone)."""

import logging

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        """
        SELECT count(*) FROM account_move
         WHERE sending_data IS NOT NULL AND state = 'posted' AND dues_is_invoice
        """
    )
    waiting = cr.fetchone()[0]
    if not waiting:
        return
    cr.execute(
        """
        UPDATE ir_cron c SET active = TRUE, failure_count = 0, first_failure_date = NULL
          FROM ir_model_data d
         WHERE d.model = 'ir.cron' AND d.res_id = c.id
           AND d.module = 'account' AND d.name = 'ir_cron_account_move_send'
           AND NOT c.active
        RETURNING c.id
        """
    )
    if cr.fetchall():
        _logger.info("%s dues invoices wait to be sent: 'Send invoices automatically' switched on again", waiting)
