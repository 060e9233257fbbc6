"""Compute the test command's own summary from the Odoo log, pytest and linters.

Odoo's own "N failed, M error(s) of T tests" line is not trusted on its own:
it says nothing when a module is unknown, when tags match nothing, or when a
browser test is skipped. This script counts every test from the per-test log
lines and fails the run on any of those silent passes.

The last line printed is always ``N passed, N failed``; the exit status is 0
only when N failed is 0.
"""

import argparse
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

LINE = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ (?P<level>[A-Z]+) (?P<db>\S+) "
    r"(?P<logger>[\w.]+): (?P<msg>.*)$"
)
# "Subtest TestX.test_y (a=1)" is reported under its test "TestX.test_y".
SUBTEST = re.compile(r"^Subtest (?P<test>\S+) ")
BROWSER_STARTED = "Chrome headless enable page notifications"
ODOO_SUMMARY = re.compile(r"^\d+ failed, \d+ error\(s\) of \d+ tests")


def parse_odoo_log(path, module):
    tests_logger = f"odoo.addons.{module}.tests"
    started, failed, skipped, stray = [], {}, [], []
    browser_runs = 0
    with open(path, encoding="utf-8", errors="replace") as log:
        for raw in log:
            match = LINE.match(raw.rstrip("\n"))
            if not match:
                continue
            level, logger, msg = match["level"], match["logger"], match["msg"].strip()
            if BROWSER_STARTED in msg:
                browser_runs += 1
            if level in ("ERROR", "CRITICAL") and msg.startswith(("FAIL: ", "ERROR: ")):
                # a test, a subtest or a class/module fixture (setUpClass) failed
                flavour, _, description = msg.partition(": ")
                sub = SUBTEST.match(description)
                name = sub["test"] if sub else description
                failed.setdefault(name, f"{flavour}: {description}")
                continue
            if logger == "odoo.tests.result" and ODOO_SUMMARY.match(msg):
                continue  # Odoo's own summary repeats what is counted above
            if logger.startswith(tests_logger) and level == "INFO":
                if msg.startswith("Starting ") and msg.endswith(" ..."):
                    started.append(msg[len("Starting ") : -len(" ...")])
                elif msg.startswith("skipped "):
                    skipped.append(msg[len("skipped ") :])
                continue
            if level in ("ERROR", "CRITICAL"):
                if logger.startswith(tests_logger) and started:
                    # e.g. a tour's browser error: it belongs to the running test
                    failed.setdefault(started[-1], f"ERROR: {started[-1]}: {msg}")
                else:
                    stray.append(f"{logger}: {msg}")
    return started, failed, skipped, stray, browser_runs


def parse_junit(path):
    passed, failures = 0, []
    root = ET.parse(path).getroot()
    for case in root.iter("testcase"):
        name = f"{case.get('classname')}.{case.get('name')}"
        problems = [c for c in case if c.tag in ("failure", "error", "skipped")]
        if problems:
            failures.append(f"{name}: {problems[0].tag} {problems[0].get('message', '')[:200]}")
        else:
            passed += 1
    return passed, failures


def tail(path, lines=30):
    try:
        return "".join(Path(path).read_text(encoding="utf-8", errors="replace").splitlines(True)[-lines:])
    except OSError:
        return ""


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", required=True)
    parser.add_argument("--odoo-log")
    parser.add_argument("--odoo-rc", type=int)
    parser.add_argument("--module")
    parser.add_argument("--module-state")
    parser.add_argument("--junit")
    parser.add_argument("--junit-rc", type=int)
    parser.add_argument("--junit-log")
    parser.add_argument("--process-junit")
    parser.add_argument("--process-rc", type=int)
    parser.add_argument("--process-log")
    parser.add_argument("--lint", action="append", default=[], help="name=rc=logfile")
    args = parser.parse_args()

    passed = 0
    failures = []  # one entry per failed item, with a reason

    if args.odoo_log:
        started, failed, skipped, stray, browser_runs = parse_odoo_log(args.odoo_log, args.module)
        failed_started = [name for name in dict.fromkeys(started) if name in failed]
        odoo_passed = len(set(started)) - len(failed_started)
        passed += odoo_passed
        failures += list(failed.values())
        failures += [f"skipped test (skips are not allowed): {s}" for s in skipped]
        failures += [f"error logged outside a test: {s}" for s in stray]
        if args.module_state == "absent":
            failures.append(f"module {args.module} is unknown to Odoo (is it on the addons path?)")
        elif args.module_state != "installed":
            failures.append(f"module {args.module} is not installed after the run (state: {args.module_state})")
        if not started:
            failures.append("the Odoo test runner ran 0 tests of the module")
        if not browser_runs:
            failures.append("no browser test ran (Chromium never started): browser tours must run")
        if args.odoo_rc and not (failed or stray or skipped):
            failures.append(f"odoo exited with status {args.odoo_rc}")
        print(
            f"odoo: {len(set(started))} tests run, {odoo_passed} passed, {len(failed)} failed, "
            f"{len(skipped)} skipped, {browser_runs} browser sessions (log: {args.odoo_log})"
        )

    for label, junit, rc, log in (
        ("pure", args.junit, args.junit_rc, args.junit_log),
        ("process", args.process_junit, args.process_rc, args.process_log),
    ):
        if not junit:
            continue
        if Path(junit).exists():
            suite_passed, suite_failures = parse_junit(junit)
            passed += suite_passed
            failures += [f"{label}: {f}" for f in suite_failures]
            if not suite_passed and not suite_failures:
                failures.append(f"{label}: pytest ran 0 tests")
            if rc not in (0, None) and not suite_failures:
                failures.append(f"{label}: pytest exited with status {rc}:\n{tail(log)}")
            print(f"{label}: {suite_passed} passed, {len(suite_failures)} failed (log: {log})")
        else:
            failures.append(f"{label}: pytest produced no report:\n{tail(log)}")

    for spec in args.lint:
        name, rc, log = spec.split("=", 2)
        if rc == "0":
            passed += 1
            print(f"lint {name}: clean")
        else:
            failures.append(f"lint {name} (exit {rc}):\n{tail(log, 60)}")
            print(f"lint {name}: FAILED (log: {log})")

    if failures:
        print("\nFailures:")
        for failure in failures:
            print(f"  - {failure}")
    print(f"{passed} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
