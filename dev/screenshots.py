"""Screenshots of pages of a running Odoo, taken in headless Chromium.

Logs in through the normal login form, then opens each page and saves a PNG,
so that a person can look at the screens without running a browser. Used by
``make screenshots`` against the ``make run`` server.

    python dev/screenshots.py --url http://127.0.0.1:8069 --db membership_dues_demo \\
        --login admin --password admin --out screenshots/ name=/odoo/action-... ...
"""

import argparse
import base64
import json
import shutil
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import websocket


class Chrome:
    """Just enough of the DevTools protocol: navigate, evaluate, screenshot."""

    def __init__(self, width=1366, height=900):
        binary = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
        if not binary:
            raise SystemExit("chromium is not installed (apt-get install chromium)")
        self.profile = tempfile.mkdtemp(prefix="md_screens_")
        self.process = subprocess.Popen(
            [
                binary,
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--user-data-dir={self.profile}",
                f"--window-size={width},{height}",
                "--remote-debugging-port=0",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        port_file = Path(self.profile) / "DevToolsActivePort"
        for _ in range(100):
            if port_file.exists() and port_file.read_text().strip():
                break
            time.sleep(0.1)
        port = port_file.read_text().split()[0]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json", timeout=10) as response:
            target = next(t for t in json.load(response) if t["type"] == "page")
        self.ws = websocket.create_connection(target["webSocketDebuggerUrl"], suppress_origin=True, timeout=60)
        self.counter = 0
        self.send("Page.enable")
        # a phone width is a phone: overlay scrollbars, the page laid out at
        # the full width (a desktop scrollbar would crop full-page shots)
        mobile = width < 768
        self.send("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=mobile)

    def send(self, method, **params):
        self.counter += 1
        message_id = self.counter
        self.ws.send(json.dumps({"id": message_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == message_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def evaluate(self, expression):
        result = self.send("Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True)
        return result.get("result", {}).get("value")

    def goto(self, url, ready="document.readyState === 'complete'", settle=1.5, timeout=30):
        self.send("Page.navigate", url=url)
        deadline = time.time() + timeout
        while time.time() < deadline:
            time.sleep(0.3)
            try:
                if self.evaluate(f"!!({ready})"):
                    break
            except RuntimeError:
                continue
        time.sleep(settle)

    def screenshot(self, path, full_page=False):
        params = {"format": "png"}
        if full_page:
            metrics = self.send("Page.getLayoutMetrics")["cssContentSize"]
            params["clip"] = {"x": 0, "y": 0, "width": metrics["width"], "height": metrics["height"], "scale": 1}
            params["captureBeyondViewport"] = True
        data = self.send("Page.captureScreenshot", **params)["data"]
        Path(path).write_bytes(base64.b64decode(data))

    def close(self):
        try:
            self.ws.close()
        finally:
            self.process.terminate()
            self.process.wait(timeout=10)
            shutil.rmtree(self.profile, ignore_errors=True)


def login(chrome, url, db, user, password):
    chrome.goto(f"{url}/web/login?db={db}", ready="document.querySelector('input[name=login]')")
    chrome.evaluate(
        f"""(() => {{
            document.querySelector('input[name=login]').value = {json.dumps(user)};
            document.querySelector('input[name=password]').value = {json.dumps(password)};
            document.querySelector('form.oe_login_form, form[action*=login]').submit();
        }})()"""
    )
    time.sleep(2)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:8069")
    parser.add_argument("--db", default="membership_dues_demo")
    parser.add_argument("--login", default="admin")
    parser.add_argument("--password", default="admin")
    parser.add_argument("--out", default="screenshots")
    parser.add_argument("--full-page", action="store_true")
    parser.add_argument("--width", type=int, default=1366, help="window width; 390 shows a phone's layout")
    parser.add_argument("--height", type=int, default=900)
    parser.add_argument("pages", nargs="+", help="name=path pairs, e.g. plans=/odoo/action-membership_dues.x")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    chrome = Chrome(args.width, args.height)
    try:
        if args.login != "-":
            login(chrome, args.url, args.db, args.login, args.password)
        for spec in args.pages:
            name, _, path = spec.partition("=")
            chrome.goto(
                f"{args.url}{path}",
                ready=(
                    "document.querySelector('.o_action_manager .o_view_controller .o_content, "
                    "#wrapwrap main, .o_portal')"
                ),
                settle=2.5,
            )
            target = out / f"{name}.png"
            chrome.screenshot(target, full_page=args.full_page)
            print(target)
    finally:
        chrome.close()


if __name__ == "__main__":
    main()
