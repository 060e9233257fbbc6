import logging
import traceback

from . import controllers
from . import models
from . import report
from . import wizards
from .demo.generator import load_demo_data

_logger = logging.getLogger(__name__)


def post_init_hook(env):
    """Build the demo federation when the module is installed with demo data.

    Odoo sets the module's ``demo`` flag just before this hook. A failure
    leaves the module installed without demo data, as Odoo's own demo loading
    does: a warning in the log, and the failure listed to the administrator.
    """
    module = env["ir.module.module"].search([("name", "=", "membership_dues")])
    if not module.demo:
        return
    try:
        with env.cr.savepoint():
            load_demo_data(env)
    except Exception:
        _logger.warning(
            "Module membership_dues: demo data failed to install, installed without demo data", exc_info=True
        )
        module.demo = False
        todo = env.ref("base.demo_failure_todo", raise_if_not_found=False)
        if todo:
            todo.state = "open"
            env["ir.demo_failure"].create({"module_id": module.id, "error": traceback.format_exc()})
