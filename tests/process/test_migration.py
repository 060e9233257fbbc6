"""Upgrading a database made with 19.0.1.0.0, whose fields on shared models
were named like OCA membership's (``membership_state``, ``member_number``,
``membership_category_ids``...), to the ``dues_`` names of 19.0.2.0.0: the
data, the field rows and the saved filters follow the rename.

The old version is taken from this repository's own history (git archive of
the last commit before the rename), installed in a fresh database, given data
by an ``odoo-bin shell`` script, then updated with the current code."""

import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest
from conftest import Odoo

# The last commit of 19.0.1.0.0 (before the dues_ prefix).
OLD_VERSION = "838c86189679ca75608f98d1de2c5fac2e99cade"
REPO = Path(__file__).resolve().parents[2]

SEED_OLD = """
env = env(context=dict(env.context, tracking_disable=True))
company = env.company
category = env["membership.category"].create({"name": "Region Nord"})
product = env["product.product"].create({"name": "Dues", "type": "service", "taxes_id": [(5, 0, 0)]})
plan = env["membership.plan"].create({
    "name": "Full", "fee_amount": 100.0, "product_id": product.id, "period_rule": "calendar",
    "period_months": 12, "period_start_month": "1", "period_start_day": 1,
})
partner = env["res.partner"].create({
    "name": "Migrated Member", "email": "migrated@example.com",
    "membership_category_ids": [(6, 0, category.ids)],
})
partner.with_company(company).write({"membership_leaving": True, "membership_suspended": True})
subscription = env["membership.subscription"].create({
    "partner_id": partner.id, "plan_id": plan.id, "date_start": "2026-01-01", "date_end": "2026-12-31",
    "amount": 100.0, "full_amount": 100.0,
})
invoice = subscription._create_invoices(post=True)
invoice.write({"membership_dispute": True, "membership_followup_postponed_until": "2026-03-01"})
# queued for sending, while Odoo had deactivated its sending action
invoice.sending_data = {"author_user_id": env.user.id, "author_partner_id": env.user.partner_id.id}
env.ref("account.ir_cron_account_move_send").active = False
env["ir.filters"].create({
    "name": "Leaving members", "model_id": "res.partner",
    "domain": "[('membership_leaving', '=', True), ('membership_state', '!=', 'none')]",
})
env.cr.commit()
print("OLD", partner.id, invoice.id, category.id, partner.with_company(company).member_number)
"""

CHECK_NEW = """
partner = env["res.partner"].browse(%(partner)d).with_company(env.company)
invoice = env["account.move"].browse(%(invoice)d)
fields_of = env["res.partner"]._fields
print("CATEGORIES", partner.dues_category_ids.ids)
print("NUMBER", partner.dues_member_number)
print("FLAGS", partner.dues_leaving, partner.dues_suspended)
print("INVOICE", invoice.dues_is_invoice, invoice.dues_dispute, invoice.dues_followup_postponed_until)
print("LINES", invoice.invoice_line_ids.dues_subscription_id.ids)
print("OLD FIELDS", [f for f in ("membership_state", "membership_category_ids", "member_number") if f in fields_of])
print("SENDING ACTION", env.ref("account.ir_cron_account_move_send").active)
print("FILTER", env["ir.filters"].search([("name", "=", "Leaving members")]).domain)
import re
views = env["ir.ui.view"].browse(
    env["ir.model.data"].search([("module", "=", "membership_dues"), ("model", "=", "ir.ui.view")]).mapped("res_id")
)
old_names = re.compile(r"\\b(membership_state|is_membership_dues|membership_category_ids|membership_suspended)\\b")
print("VIEWS", len(views) > 20, [v.name for v in views if old_names.search(v.arch_db or "")])
print("PARTNER FORM", "dues_member_state" in env.ref("membership_dues.view_partner_form").arch_db)
"""


def addons_path_with(module_dir):
    """The test addons path, with ``module_dir`` instead of this checkout."""
    parts = os.environ["MD_ADDONS_PATH"].split(",")
    return ",".join([*parts[:-1], str(module_dir)])


@pytest.fixture
def old_addons(tmp_path):
    target = tmp_path / "addons" / "membership_dues"
    target.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", OLD_VERSION], check=True, capture_output=True, timeout=120
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target.parent


def test_upgrade_renames_fields_and_keeps_data(old_addons):
    db = f"md_migration_{uuid.uuid4().hex[:8]}"
    subprocess.run(["createdb", "-T", os.environ["MD_TEMPLATE"], db], check=True)
    template_files = os.path.join(os.environ.get("MD_TEMPLATE_DATA", ""), "filestore", os.environ["MD_TEMPLATE"])
    if os.path.isdir(template_files):
        shutil.copytree(template_files, os.path.join(os.environ["MD_DATA_DIR"], "filestore", db))
    try:
        old = Odoo(db)
        old.common[0] = f"--addons-path={addons_path_with(old_addons)}"
        old.install()
        assert (
            old.value(
                "SELECT count(*) FROM ir_module_module WHERE name = 'membership_dues' AND latest_version = '19.0.1.0.0'"
            )
            == 1
        )
        out = old.shell(SEED_OLD)
        line = next(line for line in out.splitlines() if line.startswith("OLD "))
        _tag, partner_id, invoice_id, category_id, number = line.split()
        assert number.startswith("M"), line

        new = Odoo(db)
        done = subprocess.run(
            [*new.bin, "-d", db, *new.common, "-u", "membership_dues", "--stop-after-init"],
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        assert "ERROR" not in done.stderr, done.stderr[-3000:]
        assert (
            new.value(
                "SELECT count(*) FROM ir_module_module WHERE name = 'membership_dues' AND latest_version = '19.0.2.1.0'"
            )
            == 1
        )

        checked = new.shell(CHECK_NEW % {"partner": int(partner_id), "invoice": int(invoice_id)})
        assert f"CATEGORIES [{category_id}]" in checked, checked
        assert f"NUMBER {number}" in checked, checked
        assert "FLAGS True True" in checked, checked
        assert "INVOICE True True 2026-03-01" in checked, checked
        assert "LINES [" in checked and "LINES []" not in checked, checked
        assert "OLD FIELDS []" in checked, checked
        assert "SENDING ACTION True" in checked, checked
        assert "VIEWS True []" in checked, checked
        assert "PARTNER FORM True" in checked, checked
        assert "FILTER [('dues_leaving', '=', True), ('dues_member_state', '!=', 'none')]" in checked, checked
        # no column left under an old name, none lost
        columns = {
            row[0]
            for row in new.sql(
                "SELECT table_name || '.' || column_name FROM information_schema.columns "
                "WHERE table_name IN ('res_partner', 'account_move', 'account_move_line', 'res_company')"
            )
        }
        for old_column in (
            "res_partner.member_number",
            "res_partner.membership_suspended",
            "account_move.is_membership_dues",
            "account_move_line.membership_subscription_id",
            "res_company.membership_reference_model",
        ):
            assert old_column not in columns
        for new_column in (
            "res_partner.dues_member_number",
            "res_partner.dues_suspended",
            "account_move.dues_is_invoice",
            "account_move_line.dues_subscription_id",
            "res_company.dues_reference_model",
        ):
            assert new_column in columns
        # the chatter's tracked values and access rules keep their field row
        assert (
            new.value(
                "SELECT count(*) FROM ir_model_fields WHERE model = 'res.partner' "
                "AND name IN ('member_number', 'membership_state', 'membership_category_ids')"
            )
            == 0
        )
        # the database views of the reporting models made before 19.0.2.1.0 are gone
        assert (
            new.value(
                "SELECT count(*) FROM pg_views WHERE viewname IN "
                "('membership_dues_analysis', 'membership_dues_collection', 'membership_followup_analysis')"
            )
            == 0
        )
    finally:
        subprocess.run(["dropdb", "--if-exists", "--force", db], check=False)
