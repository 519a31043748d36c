"""What a grid worker's phone downloads (docs/phone.md, "Light on a prepaid plan"): the
bytes over the wire for each field page on a first visit (empty cache) and a repeat
visit, on a phone without a CJK font of its own and on one with; the first morning's
round of all of them; and the time to send a 4 MB camera photo through the matter
report form on a slow 4G line, with the page's photo scaling (static/js/photos.js)
and with JavaScript off.

    .venv/bin/python bench/page_weight.py [--root DIR] [--plain] [--instance DIR]

The small demo county (`flask seed-demo`) in a fresh instance folder, served by
`flask serve` (waitress, as in production) from this checkout or --root DIR (another
checkout, e.g. the commit before, to compare: same demo, same pages); --plain serves
without compression (GRIDBOOK_COMPRESS_REGISTER=false). One patrol with a finding is
added to the demo grid worker's grid (the demo has none), and the account `grid` gets
a known password.

The browser is Debian's Chromium (/usr/bin/chromium) through Playwright, as the
browser tests drive it (never `playwright install`), in the phone of
tests/browser/conftest.py: 360×640, touch, Android Chrome's user agent. Service
workers are blocked, so the figures are the pages' own. Bytes are Chrome's
`encodedDataLength` of each response the page loaded (CDP Network.loadingFinished:
what came over the wire, headers and compressed body), grouped by kind; a response
from the browser's cache counts nothing. Every load runs throttled to Lighthouse's
"Slow 4G" as DevTools applies it (below); a page counts as loaded once its load event
has fired, its fonts are ready and the network has been idle for half a second, and
its time is from the request to the last byte.

Chromium here has no CJK font at all (fc-list :lang=zh lists none), like a PC or a
phone whose fonts the page's local() names do not know: it fetches the bundled
font's slices. "With a system font": the same Chromium with a fontconfig folder
holding Noto Sans CJK SC Regular and Bold (the bundled fonts decompressed to
OpenType; what Android phones and Debian's fonts-noto-cjk have), which the
@font-face rules' local("Noto Sans CJK SC") finds.

One JSON object per line on stdout; progress on stderr."""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import nullcontext
from pathlib import Path

import lxml.html
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
HOST = "127.0.0.1"
PASSWORD = "Bench-page-weight-1"
# tests/browser/conftest.py's PHONE and launch arguments.
PHONE = {
    "viewport": {"width": 360, "height": 640},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
    "user_agent": (
        "Mozilla/5.0 (Linux; Android 13; Redmi Note 12) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/124.0.0.0 Mobile Safari/537.36"
    ),
    "locale": "zh-CN",
    "timezone_id": "Asia/Shanghai",
    "service_workers": "block",
}
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Lighthouse's "Slow 4G" (mobileSlow4G: 150 ms round trip, 1.6 Mbit/s down, 750 kbit/s
# up; the slowest quarter of 4G connections) as DevTools throttling applies it per
# request: latency × 3.75, throughput × 0.9 (Lighthouse's DEVTOOLS_RTT_ADJUSTMENT_FACTOR
# and DEVTOOLS_THROUGHPUT_ADJUSTMENT_FACTOR; the values of DevTools' own "Slow 4G").
SLOW_4G = {
    "offline": False,
    "latency": 150 * 3.75,
    "downloadThroughput": 1.6 * 1024 * 0.9 * 1024 / 8,
    "uploadThroughput": 750 * 0.9 * 1024 / 8,
}
KINDS = {"Document": "html", "Stylesheet": "css", "Script": "js", "Font": "fonts", "Image": "images"}

PREPARE = """
import json, sys
from datetime import time, timedelta
from sqlalchemy import select
from app import create_app
from app.auth.models import User
from app.core.database import write_transactions
from app.core.timeutil import local_today
from app.extensions import db
from app.matters.models import Matter
from app.org.models import Division
from app.patrols import services as patrols
from app.registry.people.models import Household

app = create_app()
with app.app_context(), write_transactions():
    user = db.session.scalar(select(User).where(User.username == "grid"))
    user.set_password(sys.argv[1])
    user.must_change_password = False
    grid = db.session.get(Division, user.scope_division_id)
    staff = patrols.own_staff(user)
    patrol = patrols.record_patrol(
        patrols.PatrolValues(grid=grid, staff_id=staff.id, patrol_date=local_today() - timedelta(days=1),
                             start_time=time(9), end_time=time(10, 30), route="沿主街巡查商铺和小区出入口"),
        user,
    )
    patrols.add_finding(patrol, patrols.FindingValues(description="小区东门井盖松动", place="东门"), user)
    db.session.commit()
    first = lambda model: db.session.scalar(select(model.id).where(model.grid_id == grid.id).order_by(model.id))
    print(json.dumps({"household": first(Household), "matter": first(Matter), "patrol": patrol.id}))
"""


def emit(name: str, value, unit: str, **extra) -> None:
    print(json.dumps({"name": name, "value": value, "unit": unit, **extra}, ensure_ascii=False), flush=True)


def note(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def pages(ids: dict) -> list[tuple[str, str]]:
    """The field pages of docs/phone.md, as the grid worker opens them."""
    return [
        ("worklist", "/"),
        ("visits", "/visits/"),
        ("visit_form", f"/visits/households/{ids['household']}/new"),
        ("patrols", "/patrols/"),
        ("patrol", f"/patrols/{ids['patrol']}"),
        ("matter_report", "/matters/new"),
        ("matters", "/matters/"),
        ("matter", f"/matters/{ids['matter']}"),
        ("opinion_log", "/opinions/"),
        ("search", "/search?q=%E5%BC%A0"),  # 张
    ]


# --- the server ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def flask(root: Path, env: dict, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", *args], cwd=root, env=env, capture_output=True, text=True
    )
    if result.returncode:
        raise SystemExit(f"flask {' '.join(args)} failed:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
    return result.stdout


def prepare(root: Path, env: dict) -> dict:
    started = time.perf_counter()
    flask(root, env, "db", "upgrade")
    flask(root, env, "seed-demo")
    result = subprocess.run(
        [sys.executable, "-c", PREPARE, PASSWORD], cwd=root, env=env, capture_output=True, text=True
    )
    if result.returncode:
        raise SystemExit(f"preparing the demo failed:\n{result.stderr[-3000:]}")
    note(f"demo county ready in {time.perf_counter() - started:.1f} s")
    return json.loads(result.stdout.strip().splitlines()[-1])


def start_server(root: Path, env: dict, port: int, log: Path) -> subprocess.Popen:
    handle = log.open("ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", "serve", "--port", str(port), "--no-worker"],
        cwd=root,
        env=env,
        stdout=handle,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    handle.close()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"flask serve exited ({process.returncode}): see {log}")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=5)
            conn.request("GET", "/login")
            if conn.getresponse().status == 200:
                return process
        except OSError:
            pass
        time.sleep(0.3)
    process.terminate()
    raise SystemExit(f"flask serve did not answer: see {log}")


def system_font_config(folder: Path) -> Path:
    """A fontconfig set-up adding Noto Sans CJK SC Regular and Bold, as OpenType."""
    from fontTools.ttLib import TTFont

    fonts = folder / "cjk"
    fonts.mkdir(parents=True, exist_ok=True)
    for name in ("NotoSansCJKsc-Regular.gbk.woff2", "NotoSansCJKsc-Bold.gbk.woff2"):
        font = TTFont(str(ROOT / "static" / "fonts" / name))
        font.flavor = None
        font.save(str(fonts / name.replace(".woff2", ".otf")))
    config = folder / "fonts.conf"
    config.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
        f'  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>\n  <dir>{fonts}</dir>\n'
        f"  <cachedir>{folder / 'cache'}</cachedir>\n</fontconfig>\n"
    )
    return config


# --- the browser ---------------------------------------------------------------------------


class Wire:
    """The responses a page loads, with the bytes that came over the wire (CDP)."""

    def __init__(self, context, page, throttled: bool = True):
        self.cdp = context.new_cdp_session(page)
        self.cdp.send("Network.enable")
        if throttled:
            self.throttle()
        self.responses: dict[str, dict] = {}
        self.cdp.on("Network.requestWillBeSent", self._sent)
        self.cdp.on("Network.responseReceived", self._received)
        self.cdp.on("Network.loadingFinished", self._finished)
        self.cdp.on("Network.loadingFailed", self._failed)

    def _sent(self, event):
        self.responses.setdefault(event["requestId"], {})["started"] = event["timestamp"]

    def _received(self, event):
        entry = self.responses.setdefault(event["requestId"], {})
        response = event["response"]
        entry.update(
            url=response["url"],
            kind=KINDS.get(event["type"], "other"),
            status=response["status"],
            encoding=(response.get("headers") or {}).get("Content-Encoding")
            or (response.get("headers") or {}).get("content-encoding"),
        )

    def _finished(self, event):
        entry = self.responses.setdefault(event["requestId"], {})
        entry.update(bytes=int(event["encodedDataLength"]), finished=event["timestamp"])

    def throttle(self) -> None:
        self.cdp.send("Network.emulateNetworkConditions", SLOW_4G)

    def _failed(self, event):
        self.responses.setdefault(event["requestId"], {})["failed"] = event["timestamp"]

    def start(self) -> None:
        self.responses.clear()

    def settle(self, page, quiet: float = 0.5, timeout: float = 300) -> None:
        """Until no request has been open for `quiet` seconds (Playwright's networkidle
        does not always come on a page loaded again from the cache)."""
        deadline = time.monotonic() + timeout
        calm_since = time.monotonic()
        while time.monotonic() < deadline:
            page.wait_for_timeout(100)
            if any("finished" not in r and "failed" not in r for r in self.responses.values()):
                calm_since = time.monotonic()
            elif time.monotonic() - calm_since >= quiet:
                return
        raise TimeoutError("requests still open after %.0f s" % timeout)

    def summary(self) -> dict:
        done = [r for r in self.responses.values() if "bytes" in r and "url" in r]
        by_kind: dict[str, int] = {}
        for response in done:
            by_kind[response["kind"]] = by_kind.get(response["kind"], 0) + response["bytes"]
        starts = [r["started"] for r in self.responses.values() if "started" in r]
        ends = [r["finished"] for r in done]
        return {
            "bytes": sum(r["bytes"] for r in done),
            "requests": sum(1 for r in done if r["bytes"]),  # a response from the cache counts 0 bytes
            "font_files": sum(1 for r in done if r["kind"] == "fonts" and r["bytes"]),
            "seconds": round(max(ends) - min(starts), 2) if starts and ends else 0.0,
            **{f"{kind}_bytes": size for kind, size in sorted(by_kind.items())},
        }


def open_page(page, wire: Wire, url: str) -> None:
    page.goto(url, wait_until="load", timeout=300_000)
    page.evaluate("document.fonts.ready.then(() => true)")
    wire.settle(page)


def sign_in_quietly(context, base: str) -> None:
    """Signs the context in through the login form's POST, sent by Playwright's own
    client: the cookie is the browser's, its cache stays empty."""
    page = context.request.get(base + "/login")
    form = lxml.html.fromstring(page.text()).xpath('//form[@method="post"]')[0]
    fields = {i.get("name"): i.get("value") or "" for i in form.xpath(".//input[@type='hidden']")}
    fields.update(username="grid", password=PASSWORD)
    answer = context.request.post(base + "/login", form=fields, max_redirects=0)
    assert answer.status in (302, 303), answer.status


def sign_in_by_hand(page, base: str) -> None:
    page.goto(base + "/login")
    page.fill('input[name="username"]', "grid")
    page.fill('input[name="password"]', PASSWORD)
    with page.expect_navigation():
        page.press('input[name="password"]', "Enter")


def measure_pages(browser, base: str, ids: dict, fonts: str) -> None:
    for name, path in pages(ids):
        context = browser.new_context(**PHONE)
        try:
            page = context.new_page()
            wire = Wire(context, page)
            sign_in_quietly(context, base)
            for visit in ("first", "repeat"):
                wire.start()
                open_page(page, wire, base + path)
                result = wire.summary()
                emit(f"page_{name}", result["bytes"], "B", path=path, visit=visit, system_font=fonts, **result)
        finally:
            context.close()


def measure_round(browser, base: str, ids: dict, fonts: str) -> None:
    """A new phone's first morning: the login page, then every field page in turn;
    then the same round again (a later visit, everything static in the cache)."""
    context = browser.new_context(**PHONE)
    try:
        page = context.new_page()
        wire = Wire(context, page)
        for visit in ("first", "repeat"):
            totals = {"bytes": 0, "fonts_bytes": 0, "font_files": 0, "seconds": 0.0}
            wire.start()
            sign_in_by_hand(page, base)
            wire.settle(page)
            login = wire.summary()
            for key in totals:
                totals[key] += login.get(key, 0)
            for _name, path in pages(ids):
                wire.start()
                open_page(page, wire, base + path)
                result = wire.summary()
                for key in totals:
                    totals[key] += result.get(key, 0)
            emit("round", totals["bytes"], "B", visit=visit, system_font=fonts, **totals)
            context.clear_cookies()  # the repeat round signs in again, its cache full
    finally:
        context.close()


def camera_photo(folder: Path) -> Path:
    """As tests/browser/test_field_photos.py makes it: 4000×3000, about 4 MB of JPEG."""
    noise = Image.effect_noise((4000, 3000), 20).convert("RGB")
    image = Image.blend(noise, Image.linear_gradient("L").resize((4000, 3000)).convert("RGB"), 0.6)
    path = folder / "IMG_20261207_101500.jpg"
    image.save(path, "JPEG", quality=90)
    return path


def measure_photo(browser, base: str, photo: Path, javascript: bool) -> None:
    context = browser.new_context(**PHONE, java_script_enabled=javascript)
    try:
        page = context.new_page()
        wire = Wire(context, page, throttled=False)  # only the sending is timed, throttled
        sign_in_quietly(context, base)
        open_page(page, wire, base + "/matters/new")
        # Two reports of nothing alike: the second would otherwise be asked whether it
        # repeats the first (a similar matter of the grid in the last 14 days).
        if javascript:
            with page.expect_response(lambda r: "/matters/types" in r.url):
                page.get_by_label("事件大类").select_option(index=1)
            page.get_by_label("事件小类").select_option(index=1)
            page.get_by_label("地点").fill("小区东门")
            page.get_by_label("事件描述").fill("井盖松动，已设警示")
        else:
            page.get_by_label("事件大类").select_option(index=3)
            page.get_by_label("地点").fill("南街菜市场")
            page.get_by_label("事件描述").fill("摊贩占道经营")
        page.locator('input[type="file"]').first.set_input_files(photo)
        wire.throttle()
        wire.start()
        sent: list[int] = []
        page.on(
            "requestfinished",
            lambda request: (
                sent.append(int(request.all_headers().get("content-length", 0))) if request.method == "POST" else None
            ),
        )
        page.set_default_timeout(600_000)
        started = time.perf_counter()
        # With the script the answer replaces the page (the matter's, its URL set by
        # history.replaceState); without, the form comes back refusing the photo.
        with page.expect_navigation() if not javascript else nullcontext():
            page.get_by_role("button", name="上报", exact=True).click(no_wait_after=True)
        answer = page.locator(".flash-success, .error-summary").first
        answer.wait_for(timeout=600_000)
        seconds = time.perf_counter() - started
        wire.settle(page)
        result = wire.summary()
        emit(
            "photo_report",
            round(seconds, 1),
            "s",
            javascript=javascript,
            photo_bytes=photo.stat().st_size,
            sent_bytes=sum(sent),
            received_bytes=result["bytes"],
            answer=" ".join(answer.inner_text().split())[:60],
        )
    finally:
        context.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout to serve (default: this one)")
    parser.add_argument("--plain", action="store_true", help="serve without compression")
    parser.add_argument("--instance", type=Path, help="an empty folder for the demo (default: a temporary one)")
    parser.add_argument("--skip-photo", action="store_true")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    work = Path(tempfile.mkdtemp(prefix="gridbook-page-weight-"))
    instance = args.instance or work / "instance"
    instance.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, GRIDBOOK_INSTANCE=str(instance), PYTHONUNBUFFERED="1")
    env.pop("GRIDBOOK_SQLALCHEMY_DATABASE_URI", None)
    if args.plain:
        env["GRIDBOOK_COMPRESS_REGISTER"] = "false"
    ids = prepare(args.root, env)
    port = free_port()
    server = start_server(args.root, env, port, work / "serve.log")
    base = f"http://{HOST}:{port}"
    emit("served", str(args.root), "", compressed=not args.plain, **ids)
    try:
        with sync_playwright() as playwright:
            for fonts in ("none", "noto_sans_cjk_sc"):
                launch_env = dict(os.environ)
                if fonts != "none":
                    launch_env["FONTCONFIG_FILE"] = str(system_font_config(work / "fontconfig"))
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS, env=launch_env)
                try:
                    note(f"pages, system font: {fonts}")
                    measure_pages(browser, base, ids, fonts)
                    measure_round(browser, base, ids, fonts)
                    if fonts == "none" and not args.skip_photo:
                        note("the photo")
                        photo = camera_photo(work)
                        measure_photo(browser, base, photo, javascript=True)
                        measure_photo(browser, base, photo, javascript=False)
                finally:
                    browser.close()
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
