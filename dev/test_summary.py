"""Compute the test command's own summary from the Odoo log, pytest and linters.

Odoo's own "N failed, M error(s) of T tests" line is not trusted on its own:
it says nothing when a module is unknown, when tags match nothing, or when a
browser test is skipped. This script counts every test from the per-test log
lines and fails the run on any of those silent passes.

The neighbour phase (--neighbours-*) is counted the same way from its own
Odoo log: OCA membership's, OCA queue_job's and Odoo's account tests run with
membership_dues installed beside them; it also fails when a module did not install, when the
install log shows clashing definitions, when a field is added by both modules,
and when a requested test tag ran no test.

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
# "1 failed, 0 error(s) of 42 tests", alone (odoo.tests.result) or after
# "Tests passed: " / "Tests failed: " (odoo.tests.shell, the neighbour phase)
ODOO_SUMMARY = re.compile(r"(?P<failed>\d+) failed, (?P<errors>\d+) error\(s\) of (?P<run>\d+) tests")
ODOO_SUMMARY_LOGGERS = ("odoo.tests.result", "odoo.tests.shell")
# Field definitions of two modules that clash (same field added twice, same
# label, a selection replaced, a module state left inconsistent).
CONFLICT = re.compile(r"inconsistent|conflict|same label|overrides existing|overriding existing", re.IGNORECASE)


def log_lines(path):
    """(level, logger, message) of each record of an Odoo log; the message
    holds the record's following lines too (a traceback)."""
    record = None
    with open(path, encoding="utf-8", errors="replace") as log:
        for raw in log:
            match = LINE.match(raw.rstrip("\n"))
            if match:
                if record:
                    yield record[0], record[1], "\n".join(record[2]).strip()
                record = (match["level"], match["logger"], [match["msg"]])
            elif record:
                record[2].append(raw.rstrip("\n"))
    if record:
        yield record[0], record[1], "\n".join(record[2]).strip()


def parse_odoo_log(path, modules):
    """Tests started, failed, skipped; errors logged outside a test; browser sessions;
    Odoo's own test count. Tests are named ``<test module>.<Class>.<method>`` (two
    test modules may hold classes of the same name)."""
    tests_loggers = tuple(f"odoo.addons.{module}.tests" for module in modules)
    started, failed, skipped, stray = [], {}, [], []
    browser_runs = 0
    odoo_run = None
    for level, logger, msg in log_lines(path):
        short = logger.removeprefix("odoo.addons.")
        if BROWSER_STARTED in msg:
            browser_runs += 1
        if level in ("ERROR", "CRITICAL") and msg.startswith(("FAIL: ", "ERROR: ")):
            # a test, a subtest or a class/module fixture (setUpClass) failed;
            # the message holds the traceback after its first line
            flavour, _, description = msg.partition(": ")
            sub = SUBTEST.match(description)
            name = sub["test"] if sub else description.split("\n", 1)[0].strip()
            failed.setdefault(f"{short}.{name}", f"{flavour}: {description}")
            continue
        summary = ODOO_SUMMARY.search(msg)
        if logger in ODOO_SUMMARY_LOGGERS and summary:
            # Odoo's own summary repeats what is counted above
            odoo_run = (odoo_run or 0) + int(summary["run"])
            continue
        if logger.startswith(tests_loggers) and level == "INFO":
            if msg.startswith("Starting ") and msg.endswith(" ..."):
                started.append(f"{short}.{msg[len('Starting ') : -len(' ...')]}")
            elif msg.startswith("skipped "):
                skipped.append(msg[len("skipped ") :])
            continue
        if level in ("ERROR", "CRITICAL"):
            if logger.startswith(tests_loggers) and started:
                # e.g. a tour's browser error: it belongs to the running test
                failed.setdefault(started[-1], f"ERROR: {started[-1]}: {msg}")
            else:
                stray.append(f"{logger}: {msg}")
    return started, failed, skipped, stray, browser_runs, odoo_run


TEST_FILE = re.compile(r"/addons/\w+/tests/")
# the module's own code (not the cache folder $MD_HOME/membership_dues/{oca,venv-*})
OUR_FILE = re.compile(r"/membership_dues/(?!oca/|venv-)")
FRAME = re.compile(r'^  File "(?P<file>[^"]+)", line (?P<line>\d+), in (?P<func>\S+)$')


def error_summary(failure, max_lines=6):
    """A failure's heading, then where it went wrong: the innermost frame of a
    test, of membership_dues and of the whole traceback, and the exception."""
    head, *rest = failure.split("\n")
    frames, exception = [], []
    for index, line in enumerate(rest):
        frame = FRAME.match(line)
        if frame:
            code = rest[index + 1].strip() if index + 1 < len(rest) else ""
            frames.append(f"at {frame['file']}:{frame['line']} in {frame['func']}: {code}")
            exception = []
        elif line.strip() and (exception or (frames and not line.startswith(" "))):
            # the exception: its first line is the first one after the frames
            exception.append(line)
    picked = [
        *[frame for frame in frames if TEST_FILE.search(frame)][-1:],
        *[frame for frame in frames if OUR_FILE.search(frame)][-1:],
        *frames[-1:],
    ]
    lines = [*dict.fromkeys(picked), *exception[:max_lines]]
    return "\n      ".join([head, *lines])


def tag_ran(tag, started):
    """Whether a test-tags spec ``/module[:Class[.method]]`` matched a started test."""
    module, _, cls = tag.rpartition("/")[2].partition(":")
    prefix = f"{module}.tests."
    return any(
        name.startswith(prefix) and (not cls or f".{cls}." in name or name.endswith(f".{cls}")) for name in started
    )


def class_failed(tag, failures):
    """Whether the class of a test-tags spec failed as a whole (setUpClass)."""
    module, _, cls = tag.rpartition("/")[2].partition(":")
    cls = cls.partition(".")[0]
    return bool(cls) and any(
        f.startswith(("ERROR: setUpClass (", "FAIL: setUpClass ("))
        and f"odoo.addons.{module}.tests." in f.split("\n")[0]
        and f.split("\n")[0].endswith(f".{cls})")
        for f in failures
    )


def check_neighbour_install(args):
    """Failures of installing membership_dues beside its neighbours: a module
    not installed, an error, clashing definitions, a field both modules add."""
    failures = [f"neighbours: {error}" for error in args.neighbours_error]
    for spec in filter(None, args.neighbours_states.split(",")):
        module, _, state = spec.partition("=")
        if state != "installed":
            failures.append(
                f"neighbours: module {module} is not installed beside the others (state: {state or 'absent'})"
            )
    if args.neighbours_install_log and Path(args.neighbours_install_log).exists():
        warnings = []
        for level, logger, msg in log_lines(args.neighbours_install_log):
            first = re.sub(r"<[^>]+>", " ", msg.split("\n", 1)[0])
            if level in ("ERROR", "CRITICAL"):
                failures.append(f"neighbours: error while installing the modules together: {logger}: {first}")
            elif level == "WARNING" and CONFLICT.search(msg):
                failures.append(f"neighbours: conflicting definitions: {logger}: {first}")
            elif level == "WARNING":
                warnings.append(f"{logger}: {first[:300]}")
        # other warnings are shown, not counted (e.g. a view of the module itself)
        if warnings:
            print(f"neighbours: {len(warnings)} other warnings while installing (log: {args.neighbours_install_log})")
        for warning in warnings[:5]:
            print(f"  warning: {warning}")
    if args.neighbours_shared_fields and Path(args.neighbours_shared_fields).exists():
        rows = Path(args.neighbours_shared_fields).read_text(encoding="utf-8").splitlines()
        failures += [f"neighbours: field added by both modules: {row.strip()}" for row in rows if row.strip()]
    return failures


def check_neighbour_tests(args):
    """The neighbours' own tests run beside membership_dues: (passed, failures)."""
    if not Path(args.neighbours_log).exists():
        return 0, ["neighbours: the tests did not run (no log)"]
    modules = [m for m in args.neighbours_modules.split(",") if m]
    started, failed, skipped, stray, _, odoo_run = parse_odoo_log(args.neighbours_log, modules)
    ran = list(dict.fromkeys(started))
    passed = len([name for name in ran if name not in failed])
    failures = [f"neighbours: {error_summary(f)}" for f in failed.values()]
    failures += [f"neighbours: error logged outside a test: {error_summary(s)}" for s in stray]
    if not ran:
        failures.append("neighbours: the Odoo test runner ran 0 tests")
    # a tag matching no test fails, unless its class failed as a whole (setUpClass), listed above
    failures += [
        f"neighbours: no test ran for {tag}"
        for tag in args.neighbours_tags.split(",")
        if tag and not tag_ran(tag, ran) and not class_failed(tag, failed.values())
    ]
    if odoo_run is not None and odoo_run != len(ran):
        failures.append(f"neighbours: Odoo counted {odoo_run} tests, the log shows {len(ran)}")
    if args.neighbours_rc and not (failed or stray):
        failures.append(
            f"neighbours: the test run exited with status {args.neighbours_rc}:\n{tail(args.neighbours_log)}"
        )
    per_module = ", ".join(
        f"{module} {sum(1 for name in ran if name.startswith(f'{module}.tests.'))}" for module in modules
    )
    # Odoo's own skips (e.g. "Accounting not installed": an Enterprise module)
    # are not failures of the neighbour check: they are listed, not counted.
    print(
        f"neighbours: {len(ran)} tests run ({per_module}), {passed} passed, {len(failed)} failed, "
        f"{len(skipped)} skipped by Odoo (log: {args.neighbours_log})"
    )
    for skip in skipped:
        print(f"  skipped by Odoo: {skip}")
    return passed, failures


def check_odoo(args):
    """The module's own Odoo tests: (passed, failures)."""
    started, failed, skipped, stray, browser_runs, _ = parse_odoo_log(args.odoo_log, [args.module])
    failed_started = [name for name in dict.fromkeys(started) if name in failed]
    passed = len(set(started)) - len(failed_started)
    failures = [failure.split("\n", 1)[0] for failure in failed.values()]
    failures += [f"skipped test (skips are not allowed): {s}" for s in skipped]
    failures += [f"error logged outside a test: {s.split(chr(10), 1)[0]}" for s in stray]
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
        f"odoo: {len(set(started))} tests run, {passed} passed, {len(failed)} failed, "
        f"{len(skipped)} skipped, {browser_runs} browser sessions (log: {args.odoo_log})"
    )
    return passed, failures


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
    parser.add_argument("--phase-error", action="append", default=[], help="a phase that stopped before reporting")
    neighbours = parser.add_argument_group("neighbour phase (membership_dues installed beside other modules)")
    neighbours.add_argument("--neighbours-log", help="Odoo log of the neighbours' tests")
    neighbours.add_argument("--neighbours-rc", type=int)
    neighbours.add_argument("--neighbours-modules", default="", help="modules whose tests ran, comma-separated")
    neighbours.add_argument("--neighbours-tags", default="", help="the test tags run: each must match a test")
    neighbours.add_argument("--neighbours-states", default="", help="module=state,... after installing them together")
    neighbours.add_argument("--neighbours-install-log", help="Odoo log of installing them together")
    neighbours.add_argument("--neighbours-shared-fields", help="file: fields added by two of the modules, one a line")
    neighbours.add_argument("--neighbours-error", action="append", default=[], help="a failure of the phase itself")
    args = parser.parse_args()

    passed = 0
    failures = [f"phase stopped before reporting: {error}" for error in args.phase_error]

    if args.odoo_log:
        odoo_passed, odoo_failures = check_odoo(args)
        passed += odoo_passed
        failures += odoo_failures

    failures += check_neighbour_install(args)
    if args.neighbours_log:
        neighbours_passed, neighbours_failures = check_neighbour_tests(args)
        passed += neighbours_passed
        failures += neighbours_failures

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
