# Run inside `odoo-bin shell` (dev/test.sh, neighbour phase), on a database
# where membership_dues and the neighbour modules are already installed: runs
# the neighbours' tests selected by MD_NEIGHBOUR_TAGS (Odoo --test-tags syntax)
# among the modules MD_NEIGHBOUR_MODULES, with every installed module loaded.
#
# Odoo's own runner cannot do this: at_install tests run while a module is
# loaded, before the modules that come after it (membership_dues comes after
# account and membership), so they would not see membership_dues at all.
# odoo.tests.shell.run_tests (Odoo's "run the tests of installed modules" in
# the shell) runs the at_install tests, then the post_install ones, on the
# complete registry. The per-test log lines are the usual ones, read by
# dev/test_summary.py. Exit status 1 when a test failed or none ran.
# pylint: skip-file
import os
import sys

from odoo.tests.shell import run_tests

report = run_tests(
    env,  # noqa: F821
    os.environ["MD_NEIGHBOUR_TAGS"],
    modules=os.environ["MD_NEIGHBOUR_MODULES"].split(","),
)
sys.exit(0 if report is not None and report.testsRun and report.wasSuccessful() else 1)
