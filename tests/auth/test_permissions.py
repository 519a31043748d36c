"""Who may do what is answered in one place, app/auth/roles.py, by named permission:

- the permissions of each role are the table below, so that a change of rights is a
  change of this table, made on purpose;
- the rules that are more than a set of roles (key persons, the matters loop's
  levels, a department's matters, who sees no division) answer per account as listed;
- no code or template outside app/auth/roles.py compares a user's role (a scan of
  app/ and templates/, with a short allow-list of things spelt like roles that are not).

Every page walked as every role against one table: tests/auth/test_permission_walk.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.auth.roles import (
    ROLE_PERMISSIONS,
    Permission,
    Role,
    is_grid_work,
    matter_department_id,
    matter_level,
    may_see_key_persons,
    sees_no_divisions,
)

ROOT = Path(__file__).resolve().parents[2]

# --- The table of rights ------------------------------------------------------------

P = Permission

EXPECTED_PERMISSIONS: dict[Role, set[Permission]] = {
    Role.COUNTY_ADMIN: {
        P.MANAGE_DEPARTMENTS,
        P.EDIT_STRUCTURE,
        P.EDIT_GRID_DATA,
        P.EDIT_BUILDINGS,
        P.EDIT_REGISTERS,
        P.EDIT_COUNTY_SETTINGS,
        P.SEE_WHOLE_COUNTY,
        P.SEE_GRID_WORK,
        P.SEE_COLLEAGUES_ROWS,
        P.REVEAL_NUMBERS,
        P.REPORT_MATTERS,
        P.CHOOSE_MATTER_SOURCE,
        P.USE_HOTLINE,
        P.RECORD_MEETINGS,
        P.ASSIGN_TASKS,
        P.TASK_FROM_MEETINGS,
        P.REPORT_FOR_TARGETS,
        P.INSPECT,
        P.ISSUE_WARNING_CARDS,
        P.RECORD_SURVEYS,
    },
    Role.TOWN_STAFF: {
        P.EDIT_STRUCTURE,
        P.EDIT_GRID_DATA,
        P.EDIT_BUILDINGS,
        P.EDIT_REGISTERS,
        P.SEE_GRID_WORK,
        P.SEE_COLLEAGUES_ROWS,
        P.REVEAL_NUMBERS,
        P.HOLD_GOVERNANCE_DUTY,
        P.REPORT_MATTERS,
        P.CHOOSE_MATTER_SOURCE,
        P.USE_HOTLINE,
        P.RECORD_MEETINGS,
        P.ASSIGN_TASKS,
        P.TASK_FROM_MEETINGS,
        P.REPORT_FOR_TARGETS,
        P.INSPECT,
        P.ISSUE_WARNING_CARDS,
        P.RECORD_SURVEYS,
    },
    Role.STATION_STAFF: {
        P.EDIT_GRID_DATA,
        P.EDIT_BUILDINGS,
        P.EDIT_REGISTERS,
        P.SEE_GRID_WORK,
        P.SEE_COLLEAGUES_ROWS,
        P.REVEAL_NUMBERS,
        P.SEE_KEY_PERSONS,
        P.HAS_WORKLIST,
        P.REPORT_MATTERS,
        P.CHOOSE_MATTER_SOURCE,
        P.RECORD_MEETINGS,
        P.TASK_FROM_MEETINGS,
        P.REPORT_TASK_TARGETS,
        P.RECORD_SURVEYS,
    },
    Role.GRID_WORKER: {
        P.EDIT_BUILDINGS,
        P.EDIT_REGISTERS,
        P.SEE_ASSIGNED_GRIDS,
        P.SEE_GRID_WORK,
        P.REVEAL_NUMBERS,
        P.SEE_KEY_PERSONS,
        P.HAS_WORKLIST,
        P.REPORT_MATTERS,
        P.RECORD_MEETINGS,
        P.REPORT_TASK_TARGETS,
    },
    Role.DEPARTMENT_HANDLER: set(),
    Role.LEADER: {P.SEE_GRID_WORK, P.SEE_COLLEAGUES_ROWS},
    Role.SYSTEM_ADMIN: {P.MANAGE_ACCOUNTS, P.SYSTEM_SETTINGS},
    Role.SECURITY_ADMIN: {P.MANAGE_ACCESS, P.SECURITY_SETTINGS},
    Role.AUDIT_ADMIN: {P.VIEW_AUDIT},
}


def test_each_role_holds_exactly_the_permissions_of_the_table():
    assert {role: set(permissions) for role, permissions in ROLE_PERMISSIONS.items()} == EXPECTED_PERMISSIONS


def test_every_permission_is_held_by_some_role():
    held = set().union(*ROLE_PERMISSIONS.values())
    assert set(Permission) - held == set()


# --- Rules that are more than a set of roles -----------------------------------------

# Per account of the test county: (may see key persons, matter level, has a department's
# matters, sees no division).
EXPECTED_RULES = {
    "admin": (False, "county", False, False),
    "town_a": (False, "town", False, False),
    "station_a": (True, "community", False, False),
    "worker_a": (True, "grid", False, False),
    "dept": (False, "department", True, True),
    "leader_a": (False, None, False, False),
    "sysadmin": (False, None, False, True),
    "secadmin": (False, None, False, True),
    "auditor": (False, None, False, True),
}


def test_rules_answer_per_account(world):
    answers = {
        username: (
            may_see_key_persons(world.users[username]),
            matter_level(world.users[username]),
            matter_department_id(world.users[username]) is not None,
            sees_no_divisions(world.users[username]),
        )
        for username in EXPECTED_RULES
    }
    assert answers == EXPECTED_RULES


def test_town_staff_see_key_persons_only_with_the_governance_duty(world):
    town = world.users["town_a"]
    assert not may_see_key_persons(town)
    town.governance_duty = True
    assert may_see_key_persons(town)
    # The duty opens nothing to a role that may not hold it.
    leader = world.users["leader_a"]
    leader.governance_duty = True
    assert not may_see_key_persons(leader)


def test_anonymous_users_may_do_nothing(app):
    from app.core.security import Anonymous

    nobody = Anonymous()
    assert not any(nobody.can(permission) for permission in Permission)
    assert (may_see_key_persons(nobody), matter_level(nobody), matter_department_id(nobody)) == (False, None, None)


# --- Pages refused as a whole --------------------------------------------------------

# Pages for everyone: the public site and API, files, signing in, setup, the language
# switch, the health check, the phone's web app manifest and service worker (the
# browser fetches them itself; the manifest without cookies), and the fonts of rare
# characters.
NO_SIGN_IN = {
    "static",
    "auth.login",
    "auth.setup",
    "home.set_language",
    "home.health",
    "pwa.manifest",
    "pwa.service_worker",
    "pwa.favicon",
    "rare_font",  # a font cut to a page's rare characters: public pages need it too
}
PUBLIC_PREFIXES = ("/public/", "/open311/")
# Asked for by a page's script, never opened as a page: 401 signed out.
SCRIPT_ONLY = {"pwa.token"}


def _url(app, rule, number: int) -> str:
    """The rule's URL with `number` for every id and a word for other arguments."""
    values = {arg: number if f"<int:{arg}>" in rule.rule else "x" for arg in rule.arguments}
    return app.url_map.bind("localhost").build(rule.endpoint, values)


def _csrf(client, path: str) -> dict:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get(path).get_data(as_text=True))
    match = match or re.search(r'"X-CSRFToken": "([^"]*)"', client.get(path).get_data(as_text=True))
    return {"csrf_token": match.group(1)} if match else {}


@pytest.mark.slow  # a walk of every route (the fast lane leaves walks out)
def test_without_signing_in_every_staff_page_leads_to_the_login_page(app, world, client):
    token = _csrf(client, "/login")  # so that a POST is refused for want of a sign-in, not of CSRF
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint in NO_SIGN_IN or rule.rule.startswith(PUBLIC_PREFIXES):
            continue
        url = _url(app, rule, 1)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method, data=dict(token))
            if rule.endpoint in SCRIPT_ONLY:
                assert response.status_code == 401, (method, url, response.status_code)
                continue
            assert response.status_code == 302, (method, url, response.status_code)
            assert response.headers["Location"].split("?")[0].endswith("/login"), (method, url)
            checked += 1
    assert checked > 200


@pytest.mark.slow  # a walk of every route (the fast lane leaves walks out)
def test_a_department_handler_is_refused_all_grid_work_with_403(app, world, client_as):
    """Lists and records alike, an existing id or not: the answer is the same 403."""
    client = client_as("dept")
    token = _csrf(client, "/")
    grid_work = [rule for rule in app.url_map.iter_rules() if is_grid_work(rule.endpoint)]
    assert {
        "registry.hub",
        "registry.household_detail",
        "registry.search",
        "visits.grid_due",
        "patrols.patrol_list",
        "supervision.task_detail",
        "assessment.board",
        "dashboard.index",
        "printing.ledgers",
        "printing.grid_poster",
        "matters.indicator_table",
    } <= {rule.endpoint for rule in grid_work}
    for rule in grid_work:
        for number in (1, 999_999):
            url = _url(app, rule, number)
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                assert client.open(url, method=method, data=dict(token)).status_code == 403, (method, url)
    # What a department handler does open: their matters, the manual, the admission list.
    for path in ("/matters/", "/manual/", "/admitted-items/"):
        assert client.get(path).status_code == 200, path
    menu = client.get("/").get_data(as_text=True)
    assert "/households/" not in menu and "/registers/" not in menu and 'role="search"' not in menu


# --- No role compared outside app/auth/roles.py --------------------------------------

ROLE_VALUES = "|".join(sorted(role.value for role in Role))
ROLE_CHECKS = (
    # user.role == …, user.role != …, user.role in …, the same of second_role / role_enum
    re.compile(r"\.(?:second_)?role(?:_enum)?\s*(?:==|!=|(?:not\s+)?in\b)"),
    # role in ("town_staff", …) / role in {…} (not a loop: for role in (…))
    re.compile(r"(?<!for )\brole\s+(?:not\s+)?in\s*[(\[{]"),
    # … == Role.TOWN_STAFF, Role.TOWN_STAFF != …
    re.compile(r"(?:==|!=)\s*Role\.[A-Z_]+|\bRole\.[A-Z_]+\s*(?:==|!=)"),
    # a role's value spelt out ("county_admin", 'department_handler' …)
    re.compile(rf"""["'](?:{ROLE_VALUES})["']"""),
    # getattr(user, "role", None): a role read to be compared
    re.compile(r"""getattr\(\s*\w+\s*,\s*["'](?:second_)?role["']"""),
    re.compile(r"\bis_county_admin\b"),
)
# A staff member's post (StaffRole: 网格长, 专职网格员 …) is not an account's role.
STAFF_POSTS = re.compile(r"StaffAssignment\.role\b|\bStaffRole\b")
# (file, text on the line): spelt like a role, but not a permission check.
ALLOWED = {
    # A matter's source 网格员上报 is the value "grid_worker", like the role: the
    # sources, a report's default source, the source a grid worker's report gets, and
    # the matters patrols turn into.
    ("app/matters/reference.py", '"grid_worker": _l("网格员上报")'),
    ("app/matters/reporting.py", 'source: str = "grid_worker"'),
    ("app/matters/forms.py", 'default="grid_worker"'),
    ("app/matters/views.py", 'else "grid_worker"'),
    ("app/patrols/services.py", 'source="grid_worker"'),
    ("app/demo/fieldwork.py", 'WORKER_REPORT = "grid_worker"'),
    # The demo county's leader account is called "leader".
    ("app/demo/county.py", '("leader", Role.LEADER'),
    # First-run setup from the command line looks for the accounts that already hold
    # an administrator duty: a query over accounts, not a check of the user.
    ("app/cli.py", "(User.role == role.value) | (User.second_role == role.value)"),
}


def _sources():
    for pattern in ("app/**/*.py", "templates/**/*.html"):
        for path in sorted(ROOT.glob(pattern)):
            relative = path.relative_to(ROOT).as_posix()
            if relative != "app/auth/roles.py":
                yield relative, path.read_text(encoding="utf-8")


def role_comparisons() -> tuple[list[str], set[tuple[str, str]]]:
    """(file:line: text of each role comparison found, the allow-list entries used)."""
    found, used = [], set()
    for relative, text in _sources():
        for number, line in enumerate(text.splitlines(), start=1):
            if not any(check.search(line) for check in ROLE_CHECKS):
                continue
            allowed = [entry for entry in ALLOWED if entry[0] == relative and entry[1] in line]
            if allowed:
                used.update(allowed)
            elif not STAFF_POSTS.search(line):
                found.append(f"{relative}:{number}: {line.strip()}")
    return found, used


def test_no_role_is_compared_outside_the_roles_module():
    found, _used = role_comparisons()
    assert found == [], (
        "Ask user.can(Permission.X) (templates: current_user.can('x')) or a rule of app/auth/roles.py "
        "instead of comparing roles:\n" + "\n".join(found)
    )


def test_the_allow_list_is_still_needed():
    _found, used = role_comparisons()
    assert ALLOWED - used == set()


def test_every_permission_asked_by_name_exists():
    """current_user.can('x') with a misspelt name would quietly answer no."""
    values = {permission.value for permission in Permission}
    unknown = []
    for relative, text in _sources():
        for number, line in enumerate(text.splitlines(), start=1):
            for name in re.findall(r"""\bcan\(\s*["'](\w+)["']\s*\)""", line):
                if name not in values:
                    unknown.append(f"{relative}:{number}: {name}")
    assert unknown == []
