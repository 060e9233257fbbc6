"""data/files/membership_dashboard.json is what its generator, dev/dashboard_json.py,
writes (the Odoo test TestDashboardRecord checks that the dashboard record
loads that file; this one needs no Odoo, and the packaged addon no dev/)."""

import importlib.util
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def load_generator():
    spec = importlib.util.spec_from_file_location("membership_dashboard_json", ROOT / "dev" / "dashboard_json.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_dashboard_json_matches_its_generator():
    on_disk = json.loads((ROOT / "data" / "files" / "membership_dashboard.json").read_text(encoding="utf-8"))
    assert load_generator().spreadsheet() == on_disk, (
        "data/files/membership_dashboard.json is out of date: run dev/dashboard_json.py"
    )
