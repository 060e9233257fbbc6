"""Real Odoo processes against a real database, for the crash and
concurrency checks that an in-process test cannot make: ``kill -9`` in the
middle of a campaign, two processes running the same campaign or follow-up
at once. dev/test.sh runs these after the Odoo tests, with:

    MD_ODOO_BIN      the python and odoo-bin to run ("<venv python> <odoo-bin>")
    MD_ADDONS_PATH   the addons path (membership_dues on it)
    MD_TEMPLATE      a database holding the module's dependencies
    MD_DATA_DIR      a data directory for the filestore
    MD_QUEUE_JOB_ADDONS  the folder holding OCA queue_job 19.0 (for
                     test_queue_job_runner.py; PYTHONPATH then holds its
                     openupgradelib), or MD_QUEUE_JOB_ERROR why it is missing

The module is installed once in a fresh database (no demo data), and the
data each test needs is created by ``odoo-bin shell`` scripts that commit.
"""

import contextlib
import os
import shlex
import shutil
import subprocess
import uuid

import pytest


class Odoo:
    def __init__(self, db, addons_path=None):
        self.db = db
        self.bin = shlex.split(os.environ["MD_ODOO_BIN"])
        self.addons_path = addons_path or os.environ["MD_ADDONS_PATH"]
        self.common = [
            f"--addons-path={self.addons_path}",
            f"--data-dir={os.environ['MD_DATA_DIR']}",
            "--no-http",
            "--max-cron-threads=0",
            "--log-level=warn",
        ]

    def install(self, modules="membership_dues"):
        done = subprocess.run(
            [*self.bin, "-d", self.db, *self.common, "-i", modules, "--stop-after-init"],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert done.returncode == 0, f"installing {modules} failed:\n{done.stderr[-3000:]}"

    def shell(self, script, timeout=600):
        """Run ``script`` in ``odoo-bin shell`` (it commits what it wants kept);
        returns its standard output."""
        done = subprocess.run(
            [*self.bin, "shell", "-d", self.db, *self.common],
            input=script,
            text=True,
            capture_output=True,
            timeout=timeout,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    def start_shell(self, script, log_path):
        """Start ``odoo-bin shell`` on ``script`` in the background."""
        log = open(log_path, "w")  # noqa: SIM115 - closed by the caller through the process
        process = subprocess.Popen(
            [*self.bin, "shell", "-d", self.db, *self.common],
            stdin=subprocess.PIPE,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
        )
        process.stdin.write(script)
        process.stdin.close()
        process.log = log
        return process

    def sql(self, query):
        out = subprocess.run(
            ["psql", "-d", self.db, "-AtXq", "-c", query], check=True, capture_output=True, text=True
        ).stdout
        return [line.split("|") for line in out.splitlines() if line]

    def value(self, query):
        rows = self.sql(query)
        return int(rows[0][0]) if rows and rows[0][0] else 0


@contextlib.contextmanager
def fresh_database(modules="membership_dues", addons_path=None):
    """A new database cloned from the template, ``modules`` installed in
    it (an :class:`Odoo` on it), dropped at the end."""
    missing = [
        name for name in ("MD_ODOO_BIN", "MD_ADDONS_PATH", "MD_TEMPLATE", "MD_DATA_DIR") if not os.environ.get(name)
    ]
    if missing:
        pytest.fail(f"run these checks through dev/test.sh (missing {', '.join(missing)})")
    db = f"md_process_{uuid.uuid4().hex[:8]}"
    subprocess.run(["createdb", "-T", os.environ["MD_TEMPLATE"], db], check=True)
    template_files = os.path.join(os.environ.get("MD_TEMPLATE_DATA", ""), "filestore", os.environ["MD_TEMPLATE"])
    if os.path.isdir(template_files):
        shutil.copytree(template_files, os.path.join(os.environ["MD_DATA_DIR"], "filestore", db))
    server = Odoo(db, addons_path)
    try:
        server.install(modules)
        yield server
    finally:
        subprocess.run(["dropdb", "--if-exists", "--force", db], check=False)


@pytest.fixture(scope="session")
def odoo():
    with fresh_database() as server:
        yield server
