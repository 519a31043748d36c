"""Every page a user reaches by following links renders, and never offers a link that
is refused: the demo county is walked as each demo account, following every link
(and htmx GET) on every page reached, at most a few URLs per route shape. A 500
anywhere, or a 403/404/405 behind a link the user was offered, fails with the page
that offered it. Run in both languages."""
from __future__ import annotations

import re
from collections import defaultdict, deque
from urllib.parse import urljoin, urlparse

import pytest

from app.auth.models import User
from app.core.i18n import LOCALE_COOKIE
from app.core.database import write_transactions
from app.extensions import db
from app.org.demo import load_demo

LINK = re.compile(r'(?:href|hx-get)="(?!tel:|mailto:|javascript:)([^"#]+)"')
# Downloads are checked by their own tests (and take seconds each); logging out
# would end the walk.
NOT_WALKED = re.compile(r"logout|\.pdf|\.xlsx|\.png|\.jpg|/static/|/export|/download|/photo")
PER_SHAPE = 3
MAX_PAGES = 2000


def _shape(path: str) -> str:
    return re.sub(r"\d+", "N", path)


def walk(client) -> tuple[int, list[str]]:
    seen: set[str] = set()
    per_shape: dict[str, int] = defaultdict(int)
    queue = deque([("/", "")])
    problems, pages = [], 0
    while queue and pages < MAX_PAGES:
        url, parent = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        shape = _shape(urlparse(url).path)
        per_shape[shape] += 1
        if per_shape[shape] > PER_SHAPE:
            continue
        pages += 1
        response = client.get(url)
        if response.status_code >= 500 or response.status_code in (400, 403, 404, 405):
            problems.append(f"{response.status_code} {url} (linked from {parent})")
            continue
        if response.status_code in (301, 302, 303):
            queue.append((urljoin(url, response.headers["Location"]), url))
            continue
        if "text/html" not in response.content_type:
            continue
        for href in LINK.findall(response.get_data(as_text=True)):
            target = urlparse(urljoin(url, href.replace("&amp;", "&")))
            if target.netloc not in ("", "localhost"):
                continue
            relative = target.path + (f"?{target.query}" if target.query else "")
            if not NOT_WALKED.search(relative) and relative not in seen:
                queue.append((relative, url))
    return pages, problems


@pytest.fixture()
def demo_accounts(app):
    with write_transactions():
        accounts = load_demo()
        # The demo asks for a new password at first sign-in; the walk reads pages.
        for user in db.session.scalars(db.select(User)):
            user.must_change_password = False
        db.session.commit()
    # End the test's own transaction: the requests write (sign-in, audit).
    db.session.remove()
    return accounts


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_every_linked_page_opens_for_every_demo_account(app, demo_accounts, locale):
    """In English too: a translation whose placeholders do not match fails here."""
    report = []
    for username, role, password in demo_accounts:
        client = app.test_client()
        client.set_cookie(LOCALE_COOKIE, locale)
        assert client.post("/login", data={"username": username, "password": password}).status_code == 302
        pages, problems = walk(client)
        assert pages > 40, f"{username} reached only {pages} pages"
        report += [f"{username} ({role}): {problem}" for problem in problems]
    assert not report, "\n".join(report)
