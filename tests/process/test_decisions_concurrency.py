"""Concurrent decisions on the same renewal notices, through a real Odoo
HTTP server: four clients at once (XML-RPC officers approving, refusing and
resetting, and the member accepting on the portal), round after round. Each
notice ends with one outcome per round; every other caller gets a clear
message (a UserError saying the notice was just changed, or the notice
reported as skipped / already answered), never a database error; no notice
is invoiced or credited twice."""

import re
import socket
import subprocess
import threading
import time
import xmlrpc.client

import pytest
import requests

ROUNDS = 6
NOTICES_PER_ROUND = 2
LOGINS = ("md_conc_1", "md_conc_2", "md_conc_3")
PASSWORD = "md-conc-password-1"
RAW_ERRORS = ("Deadlock", "deadlock", "SerializationFailure", "could not serialize", "OperationalError", "psycopg2")

SEED = """
from datetime import date, timedelta
env = env(context=dict(env.context, tracking_disable=True, mail_notrack=True, mail_create_nolog=True))
product = env["product.product"].create({"name": "Concurrent dues", "type": "service", "taxes_id": [(5, 0, 0)]})
plan = env["membership.plan"].create({
    "name": "Plan concurrent", "fee_amount": 100.0, "product_id": product.id, "period_rule": "calendar",
    "period_months": 12, "period_start_month": "1", "period_start_day": 1,
})
groups = [env.ref("base.group_user").id, env.ref("membership_dues.group_membership_manager").id]
for login in %(logins)r:
    env["res.users"].create({"name": login, "login": login, "password": %(password)r, "group_ids": [(6, 0, groups)]})
partners = env["res.partner"].create(
    [{"name": f"Concurrent member {i:02d}", "email": f"conc{i}@example.com"} for i in range(%(count)d)]
)
for partner in partners:
    notice = env["membership.renewal"].create({
        "partner_id": partner.id, "plan_id": plan.id, "date_start": date(2027, 1, 1),
        "date_end": date(2027, 12, 31), "amount": 100.0,
    })
    notice.write(
        {"state": "sent", "date_sent": date(2026, 11, 1), "token_expires_on": date.today() + timedelta(days=60)}
    )
    notice._portal_ensure_token()
    print("NOTICE", notice.id, notice.access_token)
print("REASON", env.ref("membership_dues.refusal_reason_price").id)
env.cr.commit()
print("SEEDED")
"""


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(odoo, tmp_path_factory):
    out = odoo.shell(SEED % {"logins": LOGINS, "password": PASSWORD, "count": ROUNDS * NOTICES_PER_ROUND})
    assert "SEEDED" in out, out[-3000:]
    notices = [(int(m.group(1)), m.group(2)) for m in re.finditer(r"^NOTICE (\d+) (\S+)$", out, re.MULTILINE)]
    reason = int(re.search(r"^REASON (\d+)$", out, re.MULTILINE).group(1))
    port = free_port()
    log_path = tmp_path_factory.mktemp("server") / "odoo.log"
    log = open(log_path, "w")  # noqa: SIM115 - closed below
    common = [arg for arg in odoo.common if arg not in ("--no-http", "--log-level=warn")]
    process = subprocess.Popen(
        [
            *odoo.bin,
            "-d",
            odoo.db,
            *common,
            f"--db-filter=^{odoo.db}$",
            "--http-interface=127.0.0.1",
            f"--http-port={port}",
            "--workers=0",
            "--log-level=info",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{url}/web/login", timeout=60).status_code == 200:
                break
        except (requests.ConnectionError, requests.Timeout):
            pass  # not listening yet, or its first page still being built (a loaded machine)
        assert process.poll() is None, log_path.read_text()[-3000:]
        time.sleep(0.5)
    else:
        pytest.fail("the Odoo server did not answer: " + log_path.read_text()[-3000:])
    try:
        yield {"url": url, "db": odoo.db, "notices": notices, "reason": reason, "log": log_path, "odoo": odoo}
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


class Officer:
    """An XML-RPC client on its own connection."""

    def __init__(self, server, login):
        self.db = server["db"]
        self.login = login
        common = xmlrpc.client.ServerProxy(f"{server['url']}/xmlrpc/2/common")
        self.uid = common.authenticate(self.db, login, PASSWORD, {})
        assert self.uid, login
        self.proxy = xmlrpc.client.ServerProxy(f"{server['url']}/xmlrpc/2/object", allow_none=True)

    def __call__(self, method, ids, *args):
        """("ok", the report's message) or ("fault", fault code, message)."""
        try:
            result = self.proxy.execute(self.db, self.uid, PASSWORD, "membership.renewal", method, ids, *args)
        except xmlrpc.client.Fault as fault:
            return ("fault", fault.faultCode, fault.faultString)
        return ("ok", result["params"]["message"])


class Member:
    """The member answering from the link in the email (no login)."""

    def __init__(self, server, notices):
        self.url = server["url"]
        self.session = requests.Session()
        self.forms = []
        for notice_id, token in notices:
            page = self.session.get(f"{self.url}/my/renewals/{notice_id}", params={"access_token": token}, timeout=60)
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
            assert csrf, page.text[-2000:]
            self.forms.append((notice_id, token, csrf.group(1)))

    def accept(self):
        """[(notice id, message of the page it lands on, HTTP status)]."""
        answers = []
        for notice_id, token, csrf in self.forms:
            response = self.session.post(
                f"{self.url}/my/renewals/{notice_id}/accept",
                data={"csrf_token": csrf, "access_token": token},
                timeout=120,
            )
            message = re.search(r"[?&]message=(\w+)", response.url)
            answers.append((notice_id, message.group(1) if message else None, response.status_code, response.text))
        return answers


def call(officer, method, *args):
    return lambda: officer(method, *args)


def at_once(calls):
    """Run the calls in threads released together; their results in order."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        barrier.wait()
        try:
            results[index] = call()
        except Exception as error:  # noqa: BLE001 - reported by the test
            results[index] = ("exception", repr(error))

    threads = [threading.Thread(target=run, args=(index, call)) for index, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    return results


def done_count(message, verb):
    match = re.search(rf"{verb}: (\d+)\.", message)
    assert match, message
    return int(match.group(1))


def assert_clear(result, told):
    """A caller that did nothing was told so clearly."""
    assert not any(raw in str(result) for raw in RAW_ERRORS), result
    if result[0] == "fault":
        assert result[1] == 2, f"a UserError, not a crash: {result[2][-1500:]}"
        assert re.search(r"was just changed by someone else: it is now|is being changed by someone else", result[2])
        told.append(result[2])


def test_four_clients_decide_the_same_notices_at_once(server):
    odoo = server["odoo"]
    officers = [Officer(server, login) for login in LOGINS]
    notices = server["notices"]
    told = []  # the callers told by a UserError that someone else was first
    for round_no in range(ROUNDS):
        batch = notices[round_no * NOTICES_PER_ROUND : (round_no + 1) * NOTICES_PER_ROUND]
        ids = [notice_id for notice_id, _token in batch]
        reverse = list(reversed(ids))
        id_list = ", ".join(map(str, ids))

        # 1. decide: the officers approve (or one refuses, every other round) while the member accepts
        member = Member(server, batch)
        second = ("action_refuse", "Refused", server["reason"]) if round_no % 2 else ("action_approve", "Approved")
        results = at_once(
            [
                call(officers[0], "action_approve", ids),
                call(officers[1], second[0], reverse, *second[2:]),
                call(officers[2], "action_approve", reverse),
                member.accept,
            ]
        )
        outcomes = 0
        for result, verb in zip(results[:3], ("Approved", second[1], "Approved"), strict=True):
            assert_clear(result, told)
            if result[0] == "ok":
                done = done_count(result[1], verb)
                outcomes += done
                if done < NOTICES_PER_ROUND:
                    assert "Skipped" in result[1], result
            assert result[0] in ("ok", "fault"), result
        for _notice_id, message, status, text in results[3]:
            assert status == 200, text[-1500:]
            assert not any(raw in text for raw in RAW_ERRORS)
            assert message in ("accepted", "closed"), message
            outcomes += message == "accepted"
        assert outcomes == NOTICES_PER_ROUND, (round_no, results)
        states = dict(odoo.sql(f"SELECT id, state FROM membership_renewal WHERE id IN ({id_list})"))
        assert set(states.values()) <= {"approved", "refused"}, states
        approved = [notice_id for notice_id in ids if states[str(notice_id)] == "approved"]
        # one subscription and one posted invoice per approved notice, none for a refused one
        assert odoo.value(
            "SELECT count(*) FROM membership_subscription s "
            f"WHERE s.partner_id IN (SELECT partner_id FROM membership_renewal WHERE id IN ({id_list}))"
        ) == len(approved)
        assert odoo.value(
            "SELECT count(DISTINCT m.id) FROM account_move m JOIN membership_renewal r ON r.partner_id = m.partner_id "
            f"WHERE r.id IN ({id_list}) AND m.move_type = 'out_invoice' AND m.state = 'posted'"
        ) == len(approved)

        # 2. undo: three officers reset at once while the member accepts again (its
        # session's forms of the first step: the page of an answered notice has none)
        results = at_once(
            [
                call(officers[0], "action_reset", ids),
                call(officers[1], "action_reset", reverse),
                call(officers[2], "action_reset", ids),
                member.accept,
            ]
        )
        outcomes = 0
        for result in results[:3]:
            assert_clear(result, told)
            assert result[0] in ("ok", "fault"), result
            if result[0] == "ok":
                outcomes += done_count(result[1], "Reset to draft")
        for _notice_id, message, status, text in results[3]:
            assert status == 200, text[-1500:]
            assert message == "closed", message
        assert outcomes == NOTICES_PER_ROUND, (round_no, results)
        states = dict(odoo.sql(f"SELECT id, state FROM membership_renewal WHERE id IN ({id_list})"))
        assert set(states.values()) == {"draft"}, states
        # each invoice credited once, each subscription cancelled
        assert odoo.value(
            "SELECT count(*) FROM account_move m JOIN membership_renewal r ON r.partner_id = m.partner_id "
            f"WHERE r.id IN ({id_list}) AND m.move_type = 'out_refund' AND m.state = 'posted'"
        ) == len(approved)
        assert (
            odoo.value(
                "SELECT count(*) FROM membership_subscription s "
                f"WHERE s.partner_id IN (SELECT partner_id FROM membership_renewal WHERE id IN ({id_list})) "
                "AND s.state != 'cancelled'"
            )
            == 0
        )
    # the callers really raced: some waited for the first one's lock and were told
    assert told, "no caller met another one's lock: the check did not race"
    log = server["log"].read_text()
    assert not any(raw in log for raw in ("DeadlockDetected", "deadlock detected")), log[-3000:]
