"""PNG pages of every document members receive, printed by a running Odoo
(the demo served by ``make run``), so that a person can look at them.

For each document and language (French, Dutch, English where the demo has
such a member) it asks Odoo's report route for the PDF, then turns its pages
into PNG with pdftoppm. Used by ``make documents``.

    python dev/documents.py --url http://127.0.0.1:8069 --db membership_dues_demo --out documents/
"""

import argparse
import http.cookiejar
import json
import subprocess
import urllib.parse
import urllib.request
from datetime import date
from pathlib import Path

LANGS = {"fr": "fr_%", "nl": "nl_%", "en": "en_%"}


class Odoo:
    def __init__(self, url, db, login, password):
        self.url = url.rstrip("/")
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.rpc("/web/session/authenticate", {"db": db, "login": login, "password": password})

    def rpc(self, path, params):
        body = json.dumps({"jsonrpc": "2.0", "method": "call", "id": 1, "params": params}).encode()
        request = urllib.request.Request(self.url + path, body, {"Content-Type": "application/json"})
        with self.opener.open(request, timeout=120) as response:
            answer = json.load(response)
        if answer.get("error"):
            raise SystemExit(f"{path}: {answer['error']['data']['message']}")
        return answer["result"]

    def call(self, model, method, *args, **kwargs):
        return self.rpc(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
        )

    def first(self, model, domain, order="id"):
        ids = self.call(model, "search", domain, limit=1, order=order)
        return ids[0] if ids else None

    def pdf(self, report, record_id, options=None):
        url = f"{self.url}/report/pdf/{report}/{record_id}"
        if options:
            url += "?" + urllib.parse.urlencode({"options": json.dumps(options)})
        with self.opener.open(url, timeout=300) as response:
            return response.read()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:8069")
    parser.add_argument("--db", default="membership_dues_demo")
    parser.add_argument("--login", default="admin")
    parser.add_argument("--password", default="admin")
    parser.add_argument("--out", default="documents")
    parser.add_argument("--resolution", type=int, default=70)
    args = parser.parse_args()
    odoo = Odoo(args.url, args.db, args.login, args.password)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    year = date.today().year
    jobs = []
    for code, lang in LANGS.items():
        member = [("partner_id.lang", "=like", lang)]
        jobs += [
            (
                f"invoice-{code}",
                "account.report_invoice",
                odoo.first(
                    "account.move",
                    [("dues_is_invoice", "=", True), ("state", "=", "posted"), ("move_type", "=", "out_invoice")]
                    + member,
                    order="id desc",
                ),
                None,
            ),
            (
                f"renewal-notice-{code}",
                "membership_dues.report_renewal_notice",
                odoo.first("membership.renewal", [("state", "in", ("sent", "approved"))] + member),
                None,
            ),
            (
                f"formal-notice-{code}",
                "membership_dues.report_followup_letter",
                odoo.first(
                    "membership.followup.communication",
                    [("level_id.send_letter", "=", True), ("tone", "=", "formal_notice")] + member,
                ),
                None,
            ),
            (
                f"reminder-letter-{code}",
                "membership_dues.report_followup_letter",
                odoo.first(
                    "membership.followup.communication",
                    [("level_id.send_letter", "=", True), ("tone", "=", "firm")] + member,
                ),
                None,
            ),
        ]
        holder = odoo.first("res.partner", [("dues_member_state", "=", "member"), ("lang", "=like", lang)])
        if holder:
            odoo.call("res.partner", "action_print_membership_card", [holder])  # issues the card
            jobs.append((f"membership-card-{code}", "membership_dues.report_membership_card", holder, None))
        payer = odoo.first(
            "account.move",
            [("dues_is_invoice", "=", True), ("payment_state", "=", "paid"), ("move_type", "=", "out_invoice")]
            + member,
            order="id desc",
        )
        if payer:
            move = odoo.call("account.move", "read", [payer], ["partner_id", "dues_subscription_ids"])[0]
            start = odoo.call("membership.subscription", "read", move["dues_subscription_ids"][:1], ["date_start"])
            jobs.append(
                (
                    f"payment-certificate-{code}",
                    "membership_dues.report_payment_certificate",
                    move["partner_id"][0],
                    {"year": int(start[0]["date_start"][:4]) if start else year},
                )
            )
    for name, report, record_id, options in jobs:
        if not record_id:
            print(f"  {name}: no such record in the demo, skipped")
            continue
        pdf = out / f"{name}.pdf"
        pdf.write_bytes(odoo.pdf(report, record_id, options))
        subprocess.run(["pdftoppm", "-png", "-r", str(args.resolution), str(pdf), str(out / name)], check=True)
        pages = sorted(out.glob(f"{name}-*.png"))
        print(f"  {name}: {', '.join(page.name for page in pages)}")


if __name__ == "__main__":
    main()
