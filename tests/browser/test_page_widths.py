"""Every screen fits 1024×768: the demo county walked in Chromium at 1024 px as the
county administrator, a station, a grid worker and the security and audit
administrators (whose walks are short: the account, settings and audit pages) — one page per route shape,
reached by following links from the home page — and none needs sideways scrolling.
Wide tables must wrap or scroll inside their own box, not push the page."""

from __future__ import annotations

from collections import deque
from urllib.parse import urljoin, urlparse

import pytest

from app.auth.models import User
from app.core.database import write_transactions
from app.core.i18n import LOCALE_COOKIE
from app.demo.county import load_demo
from app.extensions import db
from tests.browser.conftest import VIEWPORT
from tests.test_links import NOT_WALKED, _shape

pytestmark = pytest.mark.browser

ACCOUNTS = ("admin", "station", "grid", "secadmin", "auditor")


@pytest.fixture()
def demo_accounts(live_app) -> dict[str, str]:
    with live_app.app_context():
        with write_transactions():
            accounts = load_demo()
            for user in db.session.scalars(db.select(User)):
                user.must_change_password = False
            db.session.commit()
        db.session.remove()
    return {username: password for username, _role, password in accounts}


def _sign_in(page, live_server, username: str, password: str) -> None:
    page.goto(live_server("/login"))
    page.fill('input[name="username"]', username)
    page.fill('input[name="password"]', password)
    page.press('input[name="password"]', "Enter")
    page.wait_for_url(lambda url: "/login" not in url)


def _too_wide(page, live_server) -> list[str]:
    found, seen_shapes = [], set()
    queue = deque(["/"])
    while queue:
        path = queue.popleft()
        shape = _shape(urlparse(path).path)
        if shape in seen_shapes:
            continue
        seen_shapes.add(shape)
        response = page.goto(live_server(path))
        if response is None or "text/html" not in (response.headers.get("content-type") or ""):
            continue
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > VIEWPORT["width"]:
            found.append(f"{path}: {width}px")
        for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.getAttribute('href'))"):
            target = urlparse(urljoin(path, href))
            if target.scheme in ("", "http") and target.netloc in ("", urlparse(live_server()).netloc):
                relative = target.path + (f"?{target.query}" if target.query else "")
                if not NOT_WALKED.search(relative) and _shape(target.path) not in seen_shapes:
                    queue.append(relative)
    return found


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_every_page_fits_1024_pixels(page, live_server, demo_accounts, locale):
    """English labels are longer than Chinese ones: both must fit (in English the
    administrator's walk, which reaches the most pages, keeps the suite short)."""
    too_wide = []
    for username in ACCOUNTS if locale == "zh_CN" else ACCOUNTS[:1]:
        page.context.clear_cookies()
        page.context.add_cookies([{"name": LOCALE_COOKIE, "value": locale, "url": live_server()}])
        _sign_in(page, live_server, username, demo_accounts[username])
        assert (page.locator("html").get_attribute("lang") or "").startswith(locale[:2])
        too_wide += [f"{username}: {problem}" for problem in _too_wide(page, live_server)]
    assert not too_wide, "\n".join(too_wide)
