"""Every page a user reaches by following links renders, and never offers a link that
is refused: the demo county is walked as each demo account, following every link
(and htmx GET) on every page reached, at most a few URLs per route shape. A 500
anywhere, or a 403/404/405 behind a link the user was offered, fails with the page
that offered it. Run in both languages."""
from __future__ import annotations

import re
from collections import defaultdict, deque
from html.parser import HTMLParser
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


def walk(client, pages_seen: list | None = None) -> tuple[int, list[str]]:
    """Follow links from the home page; `pages_seen` collects (url, html) of each
    HTML page reached."""
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
        html = response.get_data(as_text=True)
        if pages_seen is not None:
            pages_seen.append((url, html))
        for href in LINK.findall(html):
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


class PostForms(HTMLParser):
    """The POST forms of a page: action and named fields (tag, type, name, value)."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._current: dict | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form" and (attributes.get("method") or "get").lower() == "post":
            self._current = {"action": attributes.get("action") or "", "fields": []}
        elif self._current is not None and tag in ("input", "textarea", "select") and attributes.get("name"):
            self._current["fields"].append((tag, attributes.get("type") or "", attributes["name"],
                                            attributes.get("value") or ""))

    def handle_endtag(self, tag):
        if tag == "form" and self._current is not None:
            self.forms.append(self._current)
            self._current = None


# What people mistype or paste: markup and quotes, impossible dates and times,
# absurd numbers, an option that is not on the list.
GARBAGE = {"date": "2024-13-45", "time": "25:61", "number": "-1e99", "month": "2024-00"}
GARBAGE_TEXT = "<b>x</b>'\"；" * 40
NOT_AN_OPTION = "99999999"
NOT_SUBMITTED = re.compile(r"logout|password|/setup|/login")


def _filled(fields, mode: str) -> dict:
    data = {}
    for tag, kind, name, value in fields:
        if kind in ("hidden", "submit"):
            data[name] = value
        elif mode == "empty":
            data[name] = ""
        else:
            data[name] = NOT_AN_OPTION if tag == "select" else GARBAGE.get(kind, GARBAGE_TEXT)
    return data


def test_every_form_takes_empty_and_garbage_input_without_a_server_error(app, demo_accounts):
    """Each POST form reached by the walk (one per URL shape), as each demo account,
    sent once with every field empty and once with garbage: the app answers with its
    refusal (or does what the form is for), never with a server error — in testing an
    exception reaches this test with its traceback."""
    sent = 0
    for username, _role, password in demo_accounts:
        client = app.test_client()
        client.post("/login", data={"username": username, "password": password})
        pages: list[tuple[str, str]] = []
        walk(client, pages)
        done = set()
        for url, html in pages:
            parser = PostForms()
            parser.feed(html)
            for form in parser.forms:
                action = form["action"] if form["action"].startswith("/") else url
                shape = _shape(action.split("?")[0])
                if NOT_SUBMITTED.search(action) or shape in done:
                    continue
                done.add(shape)
                for mode in ("empty", "garbage"):
                    response = client.post(action, data=_filled(form["fields"], mode))
                    assert response.status_code < 500, f"{username} {mode} {action}"
                    sent += 1
    assert sent > 300
