"""Forms as a person uses them: WebTest over the WSGI app.

A test GETs the page, takes a form as it was rendered — its fields, hidden inputs,
defaults, checked boxes, selected options — changes only what a person would type
or choose, and submits it with the button a person would press. Setting a field the
page does not render raises, and so does choosing an option the page does not offer:
a form that can be completed here can be completed in a browser.

    web = web_as("worker_a")
    page = web.get("/residents/new")
    form = form_on(page)                 # the page's one form (navigation aside)
    form["name"] = "王小明"
    choose(form, "grid_id", "东关一网格")  # by the option's visible text
    saved = form.submit().maybe_follow()

Hand-built posts (`web.post(url, params)`) are for forged requests only — CSRF, scope,
tampering — and such tests say so in their names.
"""

from __future__ import annotations

import re

from flask.globals import _cv_app
from webtest import TestApp, Upload  # noqa: F401  (Upload: re-exported for file fields)
from webtest.forms import Checkbox, Form, Hidden, MultipleSelect, Select

from tests.factories import PASSWORD

# Forms every page carries in its header: not what a test means by "the form".
NAVIGATION_ACTIONS = re.compile(r"/logout$|/lang/")


class _IsolatedWsgi:
    """Each request runs in its own app context, as in production, though the test
    holds one open (see tests/conftest.py IsolatedClient)."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        token = _cv_app.set(None)
        try:
            return self.app(environ, start_response)
        finally:
            _cv_app.reset(token)


class Web(TestApp):
    """A browser-like client: keeps cookies, reads forms from pages."""

    def __init__(self, app, **kwargs):
        super().__init__(
            _IsolatedWsgi(app),
            extra_environ={"HTTP_HOST": "localhost", "REMOTE_ADDR": "127.0.0.1"},
            lint=False,
            # lxml's HTML parser: as a browser would read the page, and five times faster
            # than Python's html.parser (reading pages was a tenth of the fast lane).
            parser_features="lxml",
            **kwargs,
        )
        self.flask_app = app

    def sign_in(self, username: str, password: str = PASSWORD):
        return sign_in(self, username, password)


def sign_in(browser: TestApp, username: str, password: str = PASSWORD):
    """The login page's form, filled and sent (any WebTest browser: the app, or a real
    server over the network)."""
    form = form_on(browser.get("/login"), action="/login")
    form["username"] = username
    form["password"] = password
    return form.submit()


def post_forms(page) -> list[Form]:
    """The page's POST forms, navigation aside, in page order."""
    forms = [page.forms[index] for index in sorted(k for k in page.forms if isinstance(k, int))]
    return [f for f in forms if (f.method or "get").lower() == "post" and not NAVIGATION_ACTIONS.search(f.action or "")]


def form_on(
    page, *, action: str | None = None, field: str | None = None, button: str | None = None, form_id: str | None = None
) -> Form:
    """The one POST form of `page` that matches: its action ends with `action`, it has
    a field named `field`, a submit button reading `button`, or the id `form_id`.
    Several matching forms are an error: the test must say which."""
    if form_id is not None:
        return page.forms[form_id]
    matches = []
    for form in post_forms(page):
        if action is not None and not (form.action or page.request.path).split("?")[0].endswith(action):
            continue
        if field is not None and field not in form.fields:
            continue
        if button is not None and not _has_button(form, button):
            continue
        matches.append(form)
    if len(matches) != 1:
        described = [(f.action, sorted(k for k in f.fields if k)) for f in post_forms(page)]
        raise AssertionError(
            f"{len(matches)} forms match action={action!r} field={field!r} "
            f"button={button!r} on {page.request.url}: {described}"
        )
    return matches[0]


def _buttons(form: Form) -> list[tuple[str | None, str | None, str]]:
    """(name, value, label) of each submit button of the form, in page order."""
    found = []
    for element in form.html.find_all(["input", "button"]):
        kind = (element.get("type") or ("submit" if element.name == "button" else "text")).lower()
        if kind not in ("submit", "image"):
            continue
        label = element.get("value", "") if element.name == "input" else element.get_text(" ", strip=True)
        found.append((element.get("name"), element.get("value"), label))
    return found


def _has_button(form: Form, text: str) -> bool:
    return any(text in label for _name, _value, label in _buttons(form))


def press(form: Form, text: str, **kwargs):
    """Submit with the button whose label contains `text`, as a person clicks it."""
    matches = [(name, value) for name, value, label in _buttons(form) if text in label]
    assert matches, f"no button {text!r} in the form {form.action}: {[b[2] for b in _buttons(form)]}"
    name, value = matches[0]
    if name:
        return form.submit(name, value=value, **kwargs)
    return form.submit(**kwargs)


def htmx_submit(form: Form, button: str | None = None, **kwargs):
    """Send the form as htmx does when JavaScript is on: to its hx-post URL (the
    form's or the pressed button's, else its action) with the HX-Request header and
    the target htmx would name. The response is the fragment htmx swaps in."""
    element = form.html.find("form")
    url, name, value = element.get("hx-post"), None, None
    if button is not None:
        buttons = [
            b
            for b in form.html.find_all(["button", "input"])
            if (b.get("type") or ("submit" if b.name == "button" else "")).lower() == "submit"
            and button in (b.get("value", "") if b.name == "input" else b.get_text(" ", strip=True))
        ]
        assert buttons, f"no button {button!r} in the form {form.action}"
        url = buttons[0].get("hx-post") or url
        name, value = buttons[0].get("name"), buttons[0].get("value")
    headers = {"HX-Request": "true", **kwargs.pop("headers", {})}
    target = element.get("hx-target") or ""
    if target.startswith("#"):
        headers["HX-Target"] = target[1:]
    fields = form.submit_fields(name, submit_value=value) if name else form.submit_fields()
    return form.response.goto(
        url or form.action, method="post", params=fields, headers=headers, content_type=form.enctype, **kwargs
    )


def options(form: Form, name: str) -> list[tuple[str, str]]:
    """(value, visible text) of a select's options, as rendered."""
    field = form[name]
    assert isinstance(field, (Select, MultipleSelect)), f"{name} is not a select"
    texts = _option_texts(form, name)
    return [(value, texts.get(value, "")) for value, _selected, *_ in field.options]


def _option_texts(form: Form, name: str) -> dict[str, str]:
    select = re.search(rf'<select\b[^>]*name="{re.escape(name)}"[^>]*>(.*?)</select>', form.text, re.S)
    assert select, f"no select {name}"
    found = {}
    for value, text in re.findall(r'<option\b[^>]*value="([^"]*)"[^>]*>(.*?)</option>', select.group(1), re.S):
        found[_unescape(value)] = _unescape(re.sub(r"<[^>]+>", "", text)).strip()
    return found


def _unescape(text: str) -> str:
    import html

    return html.unescape(text)


def choose(form: Form, name: str, text: str) -> str:
    """Select the option whose visible text contains `text`; returns its value."""
    offered = options(form, name)
    found = [value for value, label in offered if label == text] or [value for value, label in offered if text in label]
    assert len(found) == 1, f"{len(found)} options of {name} read {text!r}: {options(form, name)}"
    form[name] = found[0]
    return found[0]


def tick(form: Form, name: str, text_or_value: str, checked: bool = True) -> None:
    """Tick (or untick) the checkbox of a group whose value or label is `text_or_value`."""
    for box in form.fields.get(name, []):
        assert isinstance(box, Checkbox), f"{name} is not a checkbox"
        if box._value == text_or_value or _checkbox_label(form, box) == text_or_value:
            box.checked = checked
            return
    raise AssertionError(f"no checkbox {name}={text_or_value!r}")


def _checkbox_label(form: Form, box) -> str:
    box_id = box.id
    if not box_id:
        return ""
    match = re.search(rf'<label\b[^>]*for="{re.escape(box_id)}"[^>]*>(.*?)</label>', form.text, re.S)
    return _unescape(re.sub(r"<[^>]+>", "", match.group(1))).strip() if match else ""


def rendered_form_fields(html: str, *, action: str) -> dict[str, str]:
    """The named fields of the POST form whose action ends with `action`, with the
    values the page rendered (hidden inputs included): for signing a plain Flask test
    client in through the page (tests/conftest.py login)."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "lxml")
    for form in soup.find_all("form"):
        # A form without an action posts back to its own page.
        target = form.get("action") or action
        if (form.get("method") or "get").lower() == "post" and target.split("?")[0].endswith(action):
            return {
                element["name"]: element.get("value", "")
                for element in form.find_all(["input", "textarea"])
                if element.get("name") and (element.get("type") or "text") not in ("submit", "button")
            }
    raise AssertionError(f"no POST form for {action}")


def csrf_token_of(web: Web) -> str:
    """The session's CSRF token, as any page carries it for htmx (the login page for
    someone not signed in)."""
    page = web.get("/").maybe_follow()
    match = re.search(r'"X-CSRFToken": "([^"]*)"', page.text)
    return match.group(1) if match else ""


def forge(web: Web, url: str, params=None, *, headers=None, upload_files=None, expect_errors=True):
    """A hand-built POST, for tests whose point is a forged request — another grid's
    record, a tampered hidden field, an option the page did not offer. It carries the
    session's CSRF token, as an attacker holding a valid session would; everything
    else is what the test wrote, not what a page rendered."""
    pairs = list(params.items()) if isinstance(params, dict) else list(params or [])
    items = [(name, item) for name, value in pairs for item in (value if isinstance(value, (list, tuple)) else [value])]
    items.append(("csrf_token", csrf_token_of(web)))
    return web.post(url, items, headers=headers, upload_files=upload_files, expect_errors=expect_errors)


def visible_text(response) -> str:
    """What a person reads on the page: tags, scripts and styles stripped."""
    html = response.text
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", _unescape(re.sub(r"<[^>]+>", " ", html)))


def as_location_js(form: Form, prefix: str = "", *, latitude="34.2658", longitude="108.9541", accuracy="12", at=None):
    """What static/js/location.js does once the person pressed 记录位置 and the browser
    gave a position: it fills the form's hidden inputs (which the page must render)."""
    from datetime import UTC, datetime

    values = {
        "latitude": latitude,
        "longitude": longitude,
        "accuracy": accuracy,
        "located_at": at or datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    }
    for name, value in values.items():
        assert isinstance(form.fields[prefix + name][0], Hidden), f"{prefix}{name} is not a hidden input"
        form[prefix + name] = value
    return form
