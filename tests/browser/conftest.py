"""Browser-test fixtures: the app served on 127.0.0.1 by a real HTTP server (CSRF on,
so the real forms are exercised), Debian's Chromium driven by Playwright, and a
screenshot helper that also checks that the bundled CJK font's slices the page's
text needs loaded and that the page fits the 1024-pixel-wide window.

Never run `playwright install` here: the browser is /usr/bin/chromium (apt package).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from app.core import jobs
from app.core.database import write_transactions
from app.extensions import db
from tests.conftest import make_app
from tests.factories import build_world

CHROMIUM = "/usr/bin/chromium"
VIEWPORT = {"width": 1024, "height": 768}
# The phone of docs/phone.md: a small Android phone held in one hand.
PHONE = {
    "viewport": {"width": 360, "height": 640},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
    "user_agent": (
        "Mozilla/5.0 (Linux; Android 13; Redmi Note 12) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/124.0.0.0 Mobile Safari/537.36"
    ),
}
SCREENSHOTS = Path(__file__).resolve().parent.parent / "artifacts" / "screenshots"


# --- browser -----------------------------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        # Debian's wrapper script skips its own --disable-dev-shm-usage: pass it here.
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": VIEWPORT, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}


@pytest.fixture()
def page(context, request):
    """pytest-playwright's page, with short timeouts, and failing the test on any
    server error (5xx), missing static file, uncaught JavaScript error or anything
    the Content-Security-Policy blocked — except failures of the URLs a test makes
    fail on purpose (`@pytest.mark.failing_on_purpose("/opinions/")`)."""
    yield from watched_page(context, request)


@pytest.fixture()
def phone_context(browser, browser_context_args):
    """A grid worker's phone: 360×640, touch, Android Chrome's user agent."""
    context = browser.new_context(**{**browser_context_args, **PHONE})
    yield context
    context.close()


@pytest.fixture()
def phone(phone_context, request):
    """As `page`, on the phone."""
    yield from watched_page(phone_context, request)


def watched_page(context, request):
    """A new page of `context`, watched as the `page` fixture says."""
    page = context.new_page()
    page.set_default_timeout(5_000)
    page.set_default_navigation_timeout(10_000)
    problems: list[str] = []

    def on_response(response):
        if response.status >= 500:
            problems.append(f"{response.status} {response.request.method} {response.url}")
        elif response.status >= 400 and "/static/" in response.url:
            problems.append(f"static file missing: {response.status} {response.url}")

    page.on("response", on_response)

    def on_request_failed(request):
        # ERR_ABORTED is the browser dropping a page's pending CSS/JS/font loads when
        # the test navigates on; snap() checks that the font did load where it matters.
        if request.failure != "net::ERR_ABORTED":
            problems.append(f"request failed: {request.url} ({request.failure})")

    page.on("pageerror", lambda error: problems.append(f"JavaScript error: {error}"))
    # Anything the Content-Security-Policy blocks (an inline script or handler, an
    # eval, a foreign source) is reported on the console: every browser test fails on it.
    page.on(
        "console",
        lambda message: (
            problems.append(f"CSP violation: {message.text}") if "Content Security Policy" in message.text else None
        ),
    )
    page.on("requestfailed", on_request_failed)
    yield page
    marker = request.node.get_closest_marker("failing_on_purpose")
    on_purpose = marker.args if marker else ()
    problems = [problem for problem in problems if not any(url in problem for url in on_purpose)]
    assert not problems, "\n".join(problems)


# --- live server -------------------------------------------------------------


class Delaying:
    """The app, answering the paths in `delays` (path → seconds) that much later: a
    weak signal, as the phone meets it."""

    def __init__(self, app: Flask):
        self.app = app
        self.delays: dict[str, float] = {}

    def __call__(self, environ, start_response):
        delay = self.delays.get(environ.get("PATH_INFO", ""))
        if delay:
            time.sleep(delay)
        return self.app(environ, start_response)


@dataclass
class LiveServer:
    app: Flask
    url: str
    instance_path: Path
    delays: dict[str, float]

    def __call__(self, path: str = "/") -> str:
        """Absolute URL of a path on this server."""
        return self.url + path


@pytest.fixture()
def live_app(tmp_path, migrated_database):
    """A fresh copy of the migrated database, with CSRF protection switched on."""
    app = make_app(tmp_path, migrated_database, WTF_CSRF_ENABLED=True)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture()
def live_server(live_app):
    """The server and, beside it, a worker for the background jobs (as `flask serve`
    starts one); the worker looks for queued jobs every 0.2 s."""
    delaying = Delaying(live_app)
    server = make_server("127.0.0.1", 0, delaying, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    worker_stopping = threading.Event()
    worker = threading.Thread(
        target=jobs.work, args=(live_app, 0.2, None, worker_stopping), name="live-worker", daemon=True
    )
    thread.start()
    worker.start()
    try:
        yield LiveServer(
            live_app, f"http://127.0.0.1:{server.server_port}", Path(live_app.instance_path), delaying.delays
        )
    finally:
        worker_stopping.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        worker.join(timeout=60)


@dataclass
class WorldIds:
    """Ids of tests.factories.build_world()'s records (the ORM objects stay behind
    in the app context that created them)."""

    grid_a: int
    grid_b: int
    community_a: int
    building_a: int
    building_b: int
    staff_worker_a: int
    staff_worker_b: int


@pytest.fixture()
def world_ids(live_app) -> WorldIds:
    with live_app.app_context():
        with write_transactions():
            world = build_world()
        ids = WorldIds(
            grid_a=world.grid_a.id,
            grid_b=world.grid_b.id,
            community_a=world.community_a.id,
            building_a=world.building_a.id,
            building_b=world.building_b.id,
            staff_worker_a=world.staff["worker_a"].id,
            staff_worker_b=world.staff["worker_b"].id,
        )
        db.session.remove()
    return ids


# --- screenshots -------------------------------------------------------------


# Which characters of the page are drawn in GridbookSans, and whether the @font-face
# the browser takes for each is loaded. The bundled font comes in unicode-range slices
# (static/css/fonts.css, scripts/font-slices.py): for a character the browser takes the
# last-declared face of the weight whose unicode-range holds it, fetching it if need be.
BUNDLED_FONT_DRAWN = """async () => {
    document.body.offsetHeight;  // lay the page out: the faces its text needs start loading
    await document.fonts.ready;
    const faces = [...document.fonts].filter(f => f.family.replace(/"/g, '') === 'GridbookSans');
    const ranges = faces.map(f => [...f.unicodeRange.matchAll(/U\\+([0-9a-f]+)(?:-([0-9a-f]+))?/gi)]
        .map(m => [parseInt(m[1], 16), parseInt(m[2] || m[1], 16)]));
    const drawn = {400: new Set(), 700: new Set()};
    const add = (element, text) => {
        const style = getComputedStyle(element);
        if (!style.fontFamily.includes('GridbookSans')) return;
        const weight = parseInt(style.fontWeight, 10) >= 600 ? 700 : 400;
        for (const c of text) if (c.trim()) drawn[weight].add(c);
    };
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const element = node.parentElement;
        if (element && element.getClientRects().length && !element.closest('script, style, option'))
            add(element, node.data);
    }
    document.querySelectorAll('input[placeholder], textarea[placeholder]').forEach(e => add(e, e.placeholder));
    document.querySelectorAll('input[type=submit], input[type=button]').forEach(e => add(e, e.value));
    document.querySelectorAll('select').forEach(e => e.selectedOptions[0] && add(e, e.selectedOptions[0].text));
    const missing = [];
    let characters = 0;
    for (const weight of [400, 700]) {
        for (const c of drawn[weight]) {
            const code = c.codePointAt(0);
            let face = -1;
            faces.forEach((f, i) => {
                if (parseInt(f.weight, 10) === weight && ranges[i].some(([a, b]) => a <= code && code <= b)) face = i;
            });
            if (face < 0) continue;  // beyond the bundled font: a system font's, or none
            characters += 1;
            if (faces[face].status !== 'loaded') missing.push(`${c} (${weight}: ${faces[face].status})`);
        }
    }
    return {faces: faces.length, loaded: faces.filter(f => f.status === 'loaded').length, characters, missing};
}"""


def snap(page, name: str) -> Path:
    """Save a full-page screenshot once fonts have loaded; fail if Chinese would be
    drawn without a CJK font — any character of the page in the bundled font whose
    slice is not loaded — or if the page needs sideways scrolling at 1024 px."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_load_state("load")
    font = page.evaluate(BUNDLED_FONT_DRAWN)
    assert font["characters"] and font["loaded"] and not font["missing"], f"bundled CJK font not loaded: {font}"
    # Slices: only those the page's characters need, never the whole font.
    assert font["loaded"] < font["faces"] / 2, f"{name}: {font['loaded']} of {font['faces']} font slices loaded"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= VIEWPORT["width"], f"{name}: page is {width}px wide, wider than the window"
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
