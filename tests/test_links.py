"""Every page a user reaches by following links renders, and never offers a link that
is refused: the demo county is walked as each demo account, following every link
(and htmx GET) on every page reached, at most a few URLs per route shape. A 500
anywhere, or a 403/404/405 behind a link the user was offered, fails with the page
that offered it. Run in both languages."""

from __future__ import annotations

import re
from collections import defaultdict, deque
from contextlib import contextmanager
from html.parser import HTMLParser
from urllib.parse import urljoin, urlparse

import pytest
from sqlalchemy import event

from app.auth.models import User
from app.core.database import write_transactions
from app.core.i18n import LOCALE_COOKIE
from app.demo.county import load_demo
from app.extensions import db
from tests.conftest import login

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


ADMINISTRATORS = ("sysadmin", "secadmin", "auditor")


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
        assert login(client, username, password).status_code == 302
        pages, problems = walk(client)
        # The administrators of 三员分立 reach their own few pages, a department's handler
        # their matters, the directory and the manual; everyone else the county's.
        least = 3 if username in ADMINISTRATORS else 12 if username == "dept" else 40
        assert pages > least, f"{username} reached only {pages} pages"
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
            self._current["fields"].append(
                (tag, attributes.get("type") or "", attributes["name"], attributes.get("value") or "")
            )

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
        login(client, username, password)
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


# --- Every form can be completed ------------------------------------------------

# Forms the walk cannot complete with ordinary valid input, each with its reason.
# Everything else reached must save — a redirect, or the page again without a
# refusal, and a row written. Keys: the form's action shape (digits as N) and the
# label of its first button.
MAY_REFUSE_VALID_INPUT: dict[tuple[str, str], str] = {
    ("/residents/import", "上传并检查"): "needs a filled-in xlsx (tests/registry/test_import.py uploads real ones)",
    ("/matters/hotline/", "上传并检查"): "needs a 12345 export (tests/matters/test_hotline.py uploads real ones)",
    ("/households/N/merge", "下一步"): "asks for the number of another household of the grid",
    ("/households/N/members", "加入本户"): "asks for the ID number of someone already registered",
    ("/assignments/N/end", "结束岗位"): "a grid worker's or chief's post ends through the handover page it leads "
    "to (tests/adjustments/test_handover.py)",
    ("/binders/new", "生成迎检包"): "starts a print job: files in instance/, no row (tests/printing/test_binder.py)",
    ("/residents/N/leave", "确认"): "the walk picks the first resident, a household head, who must hand the "
    "household over first (tests/registry/test_household_views.py)",
    ("/households/N/members/N/leave", "确认离户"): "the same: the first member reached is the head",
    ("/matters/N/act/merge", "合并为重复事件"): "asks for the number of the matter this one duplicates",
    ("/admin/users/N/access", "保存授权"): "the walk keeps the role and scope already given, so nothing changes "
    "and nothing is written (tests/auth/test_admin_and_audit.py gives roles)",
}
# Never sent by the walk: they end or change the walking account itself.
NOT_COMPLETED = re.compile(r"logout|password|/setup|/login|/lang/")
# Writes that do not count as "saved": signing in, one-time tokens and kept forms
# are bookkeeping of every request.
BOOKKEEPING = re.compile(r"\b(login_session|form_submission|kept_form)\b", re.I)
DML = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.I)
ENDING = re.compile(
    r"删除|撤销|撤回|撤除|结束|停用|移除|离户|迁出|死亡|注销|合并|拆分|delete|remove|end|retire|merge|split"
)
STRUCTURE = re.compile(r"^/(divisions|grids)/")
# Fields a person fills together because the app checks them against each other.
TYPED_TOGETHER: dict[tuple[str, str], dict[str, str]] = {
    ("/assessment/surveys/new", "保存"): {"respondents": "10", "satisfied": "8", "basically": "1", "dissatisfied": "1"},
    ("/matters/settings/holidays", "保存"): {"lines": "2027-01-01 休 元旦"},
    # The demo's in-use date is already set: a person opening the form means to change it.
    ("/assessment/in-use", "保存启用日期"): {"in_use_from": "2026-10-01"},
    # The points a deduction takes, with the record behind it; no matter number to hand.
    ("/assessment/adjustments/new", "保存"): {"points": "-2", "matter_number": ""},
    # Correcting a verification: the verifier now finds the records to correct, and says what.
    ("/visits/N/edit", "保存核实"): {"record_check": "to_correct"},
    # Reached from a point's page, the point chosen: nothing typed as 其他点位, and the
    # problems found given a deadline.
    ("/inspections/new", "保存"): {"point": "", "deadline": "2030-12-31"},
}
PLACEHOLDER = re.compile(r"请选择|不选|（无")
ERROR_LINK = re.compile(r'<div class="flash flash-error error-summary".*?</div>', re.S)


def _tiny_jpeg() -> bytes:
    from io import BytesIO

    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 40)).save(buffer, "JPEG")
    return buffer.getvalue()


class _Person:
    """Fills a form as a person at a station would: first what is plainly asked
    (an option of each choice not yet made, text in empty text fields, a photo),
    leaving optional dates and reference numbers alone; then, if the form comes back
    refused, only the fields it names — an empty one filled by its type, one typed
    in that the app refused emptied again — and sends it once more."""

    def __init__(self, today):
        self.count = 0
        self.today = today
        self.jpeg = _tiny_jpeg()

    def typed(self, name: str, field) -> str:
        self.count += 1
        low = name.lower()
        if low == "username":
            return f"walk{self.count}"
        if low in ("id_number", "owner_id_number_new"):
            from tests.factories import make_id_number

            return make_id_number("19800101", 100 + self.count % 800)
        if "phone" in low or "mobile" in low:
            return f"1380013{self.count % 10000:04d}"
        if "segment" in low or low.endswith("code"):
            return f"{800 + self.count % 199:03d}"
        maxlength = int(field.attrs.get("maxlength") or 40)
        return f"走访测试{self.count}"[:maxlength]

    def by_type(self, name: str, field) -> str | None:
        kind = (field.attrs.get("type") or "text").lower()
        if kind == "date":
            return self.today.isoformat()
        if kind == "month":
            return self.today.strftime("%Y-%m")
        if kind == "time":
            return "10:30" if ("end" in name or "until" in name) else "09:00"
        if kind == "number":
            minimum = field.attrs.get("min")
            return str(max(1, int(float(minimum)))) if minimum else "1"
        return self.typed(name, field)

    def first_pass(self, form, key=None) -> None:
        from webtest import Upload
        from webtest.forms import Checkbox, File, Hidden, MultipleSelect, Radio, Select, Submit

        self.typed_in: set[str] = set()
        changed = False
        for name, fields in form.fields.items():
            if not name or name == "website":  # the public form's honeypot
                continue
            boxes = [f for f in fields if isinstance(f, Checkbox)]
            if len(boxes) > 1 and not any(b.checked for b in boxes):
                boxes[0].checked = changed = True  # a list of people or records: pick one
            for field in fields:
                if isinstance(field, (Hidden, Submit, Checkbox)):
                    continue
                if isinstance(field, Radio):
                    if field.value is None and field.options:
                        field.value, changed = field.options[0][0], True
                elif isinstance(field, (Select, MultipleSelect)):
                    chosen = self._choose(field)
                    changed = changed or chosen
                elif isinstance(field, File):
                    if "xlsx" not in (field.attrs.get("accept") or ""):
                        photo = Upload("walk.jpg", self.jpeg, "image/jpeg")
                        field.value = [photo] if "multiple" in field.attrs else photo
                elif not field.value and (field.attrs.get("type") or "") == "password":
                    field.value = "Walk-pass-2026"
                elif not field.value and (
                    field.tag == "textarea" or (field.attrs.get("type") or "text") in ("text", "tel", "search", "email")
                ):
                    if name.endswith("id_number") and name != "id_number":
                        continue  # someone else's number: only if the form insists
                    field.value = self.typed(name, field)
                    self.typed_in.add(name)
                    changed = True
        for name, value in TYPED_TOGETHER.get(key, {}).items():
            form[name] = value
            changed = True
        if not changed:
            self._edit_something(form)

    def _choose(self, field) -> bool:
        from webtest.forms import MultipleSelect

        texts = [(value, text or "") for value, _selected, text in field.options]
        current = field.value
        placeholder = {value for value, text in texts if PLACEHOLDER.search(text) or value == ""}
        real = [value for value, _text in texts if value not in placeholder]
        if isinstance(field, MultipleSelect):
            if not current and real:
                field.value = [real[0]]
                return True
            return False
        if (not current or current in placeholder) and real:
            field.value = real[0]
            return True
        return False

    def _edit_something(self, form) -> None:
        """An edit form already filled: correct one text, or else one number, as a
        person would (saving nothing changed is no save)."""
        from webtest.forms import Checkbox, File, Hidden, MultipleSelect, Radio, Select, Submit

        numbers = []
        for name, fields in form.fields.items():
            field = fields[0]
            kind = (field.attrs.get("type") or "text").lower()
            if (
                not name
                or not field.value
                or isinstance(field, (Checkbox, File, Hidden, MultipleSelect, Radio, Select, Submit))
            ):
                continue
            if kind == "number" and re.fullmatch(r"-?\d+", field.value):
                numbers.append(field)
            elif (field.tag == "textarea" or kind == "text") and not re.search(
                r"phone|number|code|segment|username", name
            ):
                field.value = (field.value + "（核）")[: int(field.attrs.get("maxlength") or 200)]
                return
        if numbers:
            numbers[0].value = str(int(numbers[0].value) + 1)

    def second_pass(self, form, refused_html: str) -> bool:
        """Answer a refusal: returns False when it names no field to change."""
        from webtest.forms import Checkbox, MultipleSelect, Select

        summary = ERROR_LINK.search(refused_html)
        # Fields the page marks: linked from the summary, or a message beside them.
        ids = set(re.findall(r'href="#([^"]+)"', summary.group(0))) if summary else set()
        ids |= set(re.findall(r'id="([^"]+)-error"', refused_html))
        if not ids:
            # Not refused: the page asks for more (a category's own fields shown, a
            # step's preview). Fill what is new on it, as on a first look.
            self.first_pass(form)
            return True
        acted = False
        for name, fields in form.fields.items():
            boxes = [f for f in fields if isinstance(f, Checkbox)]
            if boxes and any(b.id in ids or (b.id or "").rsplit("-", 1)[0] in ids for b in boxes):
                unticked = [b for b in boxes if not b.checked]
                if unticked:
                    unticked[0].checked = acted = True  # "choose at least one (two)": one more
                continue
            for field in fields:
                if not name or field.id not in ids:
                    continue
                if isinstance(field, MultipleSelect):
                    offered = [v for v, _s, t in field.options if v and v not in (field.value or [])]
                    if offered:
                        field.value, acted = list(field.value or []) + [offered[0]], True  # one more
                elif isinstance(field, Select):
                    offered = [v for v, _s, t in field.options if v and not PLACEHOLDER.search(t or "")]
                    later = offered[offered.index(field.value) + 1 :] if field.value in offered else offered
                    if later:
                        field.value, acted = later[0], True
                elif not field.value:
                    field.value, acted = self.by_type(name, field), True
                else:
                    field.value, acted = "", True  # refused as typed or prefilled: leave it empty
        return acted


def _business_writes(statements: list[str]) -> list[str]:
    return [s for s in statements if DML.match(s) and not BOOKKEEPING.search(s.split("(")[0])]


@contextmanager
def _statements(engine):
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _form_key(form, page_path: str) -> tuple[str, str]:
    from tests.web import _buttons

    action = (form.action or page_path).split("?")[0]
    labels = [label for _name, _value, label in _buttons(form)]
    return _shape(action), (labels[0] if labels else "")


def _press_first_button(form):
    """Submit with the form's first button, as a click (or Enter in a field) does."""
    from tests.web import _buttons

    buttons = _buttons(form)
    if buttons and buttons[0][0]:
        return form.submit(buttons[0][0], value=buttons[0][1], expect_errors=True)
    return form.submit(expect_errors=True)


def _saved(response, writes) -> bool:
    if response.status_int in (301, 302, 303):
        return "/login" not in response.headers.get("Location", "") and bool(writes)
    return (
        response.status_int == 200
        and bool(writes)
        and not ERROR_LINK.search(response.text)
        and 'class="error"' not in response.text
        and "flash-error" not in response.text
    )


@pytest.fixture()
def demo_database(app, demo_accounts):
    """The demo county's database (its URL), closed, for each account to walk a copy of."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    db.session.remove()
    db.engine.dispose()
    return url


def _complete_forms(
    app, username: str, password: str, pages: list[tuple[str, str]], ending: bool, failures: list[str]
) -> int:
    """Send each form of `pages` (those that end or remove something, or the others)
    once as a person fills it, then once more as it was; returns how many saved."""
    from app.core.timeutil import local_today
    from tests.web import Web, _buttons, post_forms

    completed = 0
    with app.app_context():
        engine = db.engine
        person = _Person(local_today())
        web = Web(app)
        assert web.sign_in(username, password).status_int == 302
        done: set[tuple[str, str]] = set()
        # Grid splits and merges retire grids with everything in them: they go last.
        for url, html in sorted(pages, key=lambda page: bool(STRUCTURE.search(page[0]))):
            if 'method="post"' not in html:
                continue
            for index, form in enumerate(post_forms(web.get(url, expect_errors=True))):
                key = _form_key(form, urlparse(url).path)
                if (
                    NOT_COMPLETED.search(key[0])
                    or key in done
                    or key in MAY_REFUSE_VALID_INPUT
                    or bool(ENDING.search(key[0] + key[1])) != ending
                ):
                    continue
                done.add(key)
                page = web.get(url, expect_errors=True)  # fresh tokens for each form
                forms = post_forms(page) if page.status_int == 200 else []
                if index >= len(forms) or _form_key(forms[index], urlparse(url).path) != key:
                    continue  # the page changed under an earlier form of this walk
                form = forms[index]
                person.first_pass(form, key)
                offered = {label for _name, _value, label in _buttons(form)}
                with _statements(engine) as statements:
                    response = _press_first_button(form)
                again = [
                    f
                    for f in (post_forms(response) if response.status_int in (200, 400) else [])
                    if _form_key(f, response.request.path) == key
                ]
                if not _saved(response, _business_writes(statements)) and again:
                    # The page again, what was typed kept: answer what it says.
                    form = again[0]
                    if person.second_pass(form, response.text):
                        with _statements(engine) as statements:
                            response = _press_first_button(form)
                if not _saved(response, _business_writes(statements)) and response.status_int == 200:
                    # A preview: the page came back offering a confirmation the form did
                    # not have (确认拆分 below 预览). The person reads it and presses it.
                    previewed = [f for f in post_forms(response) if _form_key(f, response.request.path) == key]
                    confirmation = [b for b in _buttons(previewed[0]) if b[2] not in offered] if previewed else []
                    if confirmation:
                        form = previewed[0]
                        with _statements(engine) as statements:
                            response = form.submit(confirmation[0][0], value=confirmation[0][1], expect_errors=True)
                if not _saved(response, _business_writes(statements)):
                    said = re.findall(r'class="(?:error|flash flash-\w+)"[^>]*>([^<]+)<', response.text)
                    said = [text.strip() for text in said if text.strip()][:4]
                    if not said:
                        from tests.web import visible_text

                        said = [visible_text(response)[-300:], str(form.submit_fields())]
                    failures.append(f"{username} {key} {url} → {response.status_int}: {said}")
                    continue
                completed += 1
                with _statements(engine) as statements:
                    _press_first_button(form)  # the same rendered form again
                inserts = [
                    s
                    for s in _business_writes(statements)
                    if s.lstrip().upper().startswith("INSERT") and "audit_event" not in s
                ]
                if inserts:
                    failures.append(f"{username} {key} sent twice wrote again: {inserts[:2]}")
        db.session.remove()
        engine.dispose()
    return completed


def test_every_form_can_be_completed_by_every_demo_account(tmp_path, demo_database, demo_accounts, capsys):
    """As each demo account, every POST form reached by the walk (one per action
    shape and button) is filled as a person would — an option the page offers for
    each choice, a valid ID number, today's date, short Chinese text, a small JPEG —
    and sent as rendered: it must save (a redirect or the page again without a
    refusal, and a row written) or be listed above with its reason. The same
    rendered form sent again must create nothing. Each account works on copies of
    the demo county: one for the forms that add and change, a fresh one for those
    that end or remove (so that they do not take away what the others work on)."""
    from tests.conftest import make_app

    completed, failures = 0, []
    for username, _role, password in demo_accounts:
        pages: list[tuple[str, str]] = []
        for ending in (False, True):
            folder = tmp_path / f"{username}-{'ending' if ending else 'adding'}"
            folder.mkdir()
            app = make_app(folder, demo_database, WTF_CSRF_ENABLED=True)
            if not pages:
                with app.app_context():
                    client = app.test_client()
                    login(client, username, password)
                    walk(client, pages)
                    db.session.remove()
            completed += _complete_forms(app, username, password, pages, ending, failures)
    with capsys.disabled():
        print(
            f"\nform walk: {completed} forms completed by the demo accounts, each sent twice; "
            f"{len(MAY_REFUSE_VALID_INPUT)} listed as refusing valid input"
        )
    assert not failures, f"{len(failures)} forms could not be completed:\n" + "\n".join(failures)
    assert completed > 200
