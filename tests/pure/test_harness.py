"""The test command's own guards: its summary and its ODOO_PATH check.

A run that executes 0 tests, skips a browser test, logs an error, or installs
no module must fail, whatever Odoo's exit status says.
"""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("test_summary", ROOT / "dev" / "test_summary.py")
summary = importlib.util.module_from_spec(spec)
spec.loader.exec_module(summary)

PREFIX = "2026-11-21 07:20:18,081 12346"
T = "odoo.addons.membership_dues.tests.test_x"


def line(level, logger, msg):
    return f"{PREFIX} {level} md_test {logger}: {msg} \n"


GOOD_LOG = [
    line("INFO", T, "Starting TestX.test_a ..."),
    line("INFO", T, "Starting TestX.test_b ..."),
    line("INFO", f"{T}.TestX.test_b", "Chrome headless enable page notifications"),
    line("INFO", "odoo.tests.stats", "membership_dues: 2 tests 1.00s 10 queries"),
]


def run(tmp_path, log_lines, module_state="installed", odoo_rc=0):
    log = tmp_path / "odoo.log"
    log.write_text("".join(log_lines), encoding="utf-8")
    argv = [
        "test_summary",
        "--out",
        str(tmp_path),
        "--odoo-log",
        str(log),
        "--odoo-rc",
        str(odoo_rc),
        "--module",
        "membership_dues",
        "--module-state",
        module_state,
    ]
    old = sys.argv
    sys.argv = argv
    try:
        return summary.main()
    finally:
        sys.argv = old


def test_a_clean_run_passes(tmp_path, capsys):
    assert run(tmp_path, GOOD_LOG) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "2 passed, 0 failed"


@pytest.mark.parametrize(
    ("extra", "kwargs", "expected_last", "reason"),
    [
        ([], {"module_state": "uninstalled"}, "2 passed, 1 failed", "not installed"),
        ([], {"module_state": "absent"}, "2 passed, 1 failed", "unknown to Odoo"),
        (
            [line("INFO", T, "skipped TestX.test_c : websocket-client module is not installed")],
            {},
            "2 passed, 1 failed",
            "skipped test",
        ),
        (
            [line("ERROR", T, "FAIL: TestX.test_b"), "Traceback...\n"],
            {"odoo_rc": 1},
            "1 passed, 1 failed",
            "FAIL: TestX.test_b",
        ),
        (
            [
                line("ERROR", T, "ERROR: Subtest TestX.test_a (x=1)"),
                line("ERROR", T, "FAIL: Subtest TestX.test_a (x=2)"),
            ],
            {"odoo_rc": 1},
            "1 passed, 1 failed",
            "Subtest TestX.test_a",
        ),
        (
            [
                line(
                    "ERROR",
                    "odoo.tests.suite",
                    "ERROR: setUpClass (odoo.addons.membership_dues.tests.test_y.TestY)",
                )
            ],
            {"odoo_rc": 1},
            "2 passed, 1 failed",
            "setUpClass",
        ),
        (
            [line("ERROR", "odoo.addons.membership_dues.models.x", "something broke")],
            {},
            "2 passed, 1 failed",
            "error logged outside a test",
        ),
        ([], {"odoo_rc": 255}, "2 passed, 1 failed", "odoo exited with status 255"),
    ],
)
def test_silent_failures_are_caught(tmp_path, capsys, extra, kwargs, expected_last, reason):
    assert run(tmp_path, GOOD_LOG + extra, **kwargs) == 1
    out = capsys.readouterr().out
    assert out.splitlines()[-1] == expected_last
    assert reason in out


def test_zero_tests_and_no_browser_fail(tmp_path, capsys):
    assert run(tmp_path, [line("INFO", "odoo.tests.result", "0 failed, 0 error(s) of 0 tests")]) == 1
    out = capsys.readouterr().out
    assert "ran 0 tests" in out
    assert "no browser test ran" in out
    assert out.splitlines()[-1] == "0 passed, 2 failed"


@pytest.mark.parametrize("script", ["dev/test.sh", "dev/run.sh"])
def test_missing_odoo_stops_at_once_saying_how_to_get_it(tmp_path, script):
    env = {**os.environ, "ODOO_PATH": str(tmp_path / "nowhere"), "MD_HOME": str(tmp_path / "home")}
    result = subprocess.run(
        ["bash", str(ROOT / script)], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 2
    assert "no Odoo source tree at ODOO_PATH" in result.stderr
    assert "git clone --depth 1 --branch 19.0 https://github.com/odoo/odoo.git" in result.stderr
    assert not (tmp_path / "home").exists(), "nothing is set up before the check"


def test_another_odoo_version_is_refused(tmp_path):
    fake = tmp_path / "odoo18"
    (fake / "odoo").mkdir(parents=True)
    (fake / "odoo-bin").write_text("")
    (fake / "odoo" / "release.py").write_text("version_info = (18, 0, 0, FINAL, 0, '')\n")
    env = {**os.environ, "ODOO_PATH": str(fake), "MD_HOME": str(tmp_path / "home")}
    result = subprocess.run(
        ["bash", str(ROOT / "dev/test.sh")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "needs Odoo 19.0" in result.stderr
