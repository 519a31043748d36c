"""Roles and what each may do. The one place that answers "may this user do X"."""

from __future__ import annotations

import enum

from flask_babel import lazy_gettext as _l


class Role(str, enum.Enum):
    COUNTY_ADMIN = "county_admin"
    TOWN_STAFF = "town_staff"
    STATION_STAFF = "station_staff"
    GRID_WORKER = "grid_worker"
    DEPARTMENT_HANDLER = "department_handler"
    LEADER = "leader"
    # The three administrators of 三员分立 (等保 2.0): accounts and system settings;
    # roles, scopes, unlocking and security settings; reading the audit log. They see
    # no resident, matter or grid record, only their own pages (app/auth/duties.py).
    SYSTEM_ADMIN = "system_admin"
    SECURITY_ADMIN = "security_admin"
    AUDIT_ADMIN = "audit_admin"

    @property
    def label(self) -> str:
        return str(ROLE_LABELS[self])

    @property
    def scope_level(self) -> str | None:
        """The division level an account of this role is scoped to (None: a department)."""
        return ROLE_SCOPE_LEVELS[self]


ROLE_LABELS = {
    Role.COUNTY_ADMIN: _l("县级管理员"),
    Role.TOWN_STAFF: _l("镇（街道）工作人员"),
    Role.STATION_STAFF: _l("村（社区）工作站（网格长、站员）"),
    Role.GRID_WORKER: _l("网格员"),
    Role.DEPARTMENT_HANDLER: _l("职能部门经办人"),
    Role.LEADER: _l("领导（只读）"),
    Role.SYSTEM_ADMIN: _l("系统管理员"),
    Role.SECURITY_ADMIN: _l("安全管理员"),
    Role.AUDIT_ADMIN: _l("审计管理员"),
}

# Which kind of node an account of each role hangs from: None for a department;
# "any" for leaders, who may be scoped to any level; "" for the three administrators,
# who hang from nothing because they see no records of the county.
ROLE_SCOPE_LEVELS = {
    Role.COUNTY_ADMIN: "county",
    Role.TOWN_STAFF: "town",
    Role.STATION_STAFF: "community",
    Role.GRID_WORKER: "grid",
    Role.DEPARTMENT_HANDLER: None,
    Role.LEADER: "any",
    Role.SYSTEM_ADMIN: "",
    Role.SECURITY_ADMIN: "",
    Role.AUDIT_ADMIN: "",
}

ADMIN_DUTY_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})


class Permission(str, enum.Enum):
    # 系统管理员: create accounts, their names and phones, enable, disable, reset
    # passwords; the system settings.
    MANAGE_ACCOUNTS = "manage_accounts"
    SYSTEM_SETTINGS = "system_settings"
    # 安全管理员: an account's role and scope, unlocking; the security settings.
    MANAGE_ACCESS = "manage_access"
    SECURITY_SETTINGS = "security_settings"
    # 审计管理员: the audit log.
    VIEW_AUDIT = "view_audit"
    MANAGE_DEPARTMENTS = "manage_departments"
    # Creating, splitting and merging divisions and grids.
    EDIT_STRUCTURE = "edit_structure"
    # Boundaries, buildings, staff and service teams inside one's scope.
    EDIT_GRID_DATA = "edit_grid_data"
    EDIT_BUILDINGS = "edit_buildings"
    # Residents, households, housing, organisations and key persons in one's scope.
    EDIT_REGISTERS = "edit_registers"
    # The county's settings: matter types and time limits, holidays, scoring rules, care
    # tags, visit classes, key-person categories, the admission list, the manual, the
    # Open311 API keys, and linking staff records to accounts.
    EDIT_COUNTY_SETTINGS = "edit_county_settings"
    # Every record of the county, whatever node the account hangs from.
    SEE_WHOLE_COUNTY = "see_whole_county"
    # Besides one's own node, the grids one's staff record is assigned to today.
    SEE_ASSIGNED_GRIDS = "see_assigned_grids"
    # The grid work beside the registers: visits, patrols, the opinion log, supervision,
    # the dashboard, assessment and the matter indicators, ledgers, binders and posters.
    SEE_GRID_WORK = "see_grid_work"
    # Every worker's row in scope (worker scoreboard, warning cards, patrol quotas),
    # not only one's own.
    SEE_COLLEAGUES_ROWS = "see_colleagues_rows"
    # Full ID and phone numbers (after an audited "show"), and free text with the numbers
    # typed into it: those who work with the person (docs/features.md, "Free text in
    # prints and exports"); elsewhere numbers are masked.
    REVEAL_NUMBERS = "reveal_numbers"
    # Key persons (重点人员) of one's scope; see may_see_key_persons() for town staff.
    SEE_KEY_PERSONS = "see_key_persons"
    # May be given the comprehensive-governance duty (综治), which opens key persons.
    HOLD_GOVERNANCE_DUTY = "hold_governance_duty"
    # The start page's 今日工作 panel.
    HAS_WORKLIST = "has_worklist"
    # Report a matter (上报事件).
    REPORT_MATTERS = "report_matters"
    # Say where a reported matter came from; a grid worker's report is always 网格员上报.
    CHOOSE_MATTER_SOURCE = "choose_matter_source"
    # Import 12345 hotline work orders and export their receipts.
    USE_HOTLINE = "use_hotline"
    # Record meetings and trainings for a division in one's scope.
    RECORD_MEETINGS = "record_meetings"
    # Assign tasks to the grids and communities in one's scope.
    ASSIGN_TASKS = "assign_tasks"
    # Turn a town or community meeting's decision into a task.
    TASK_FROM_MEETINGS = "task_from_meetings"
    # Report the completion of a task one is a target of.
    REPORT_TASK_TARGETS = "report_task_targets"
    # Report completion for a target in one's scope (代报).
    REPORT_FOR_TARGETS = "report_for_targets"
    # Inspections, rectifications and re-checks (the supervision group).
    INSPECT = "inspect"
    # Issue and withdraw warning cards (黄牌/红牌).
    ISSUE_WARNING_CARDS = "issue_warning_cards"
    # Enter a grid's satisfaction survey tally.
    RECORD_SURVEYS = "record_surveys"


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    # The county administrator runs the county's grid work, not its accounts or its log.
    Role.COUNTY_ADMIN: frozenset(
        {
            Permission.MANAGE_DEPARTMENTS,
            Permission.EDIT_STRUCTURE,
            Permission.EDIT_GRID_DATA,
            Permission.EDIT_BUILDINGS,
            Permission.EDIT_REGISTERS,
            Permission.EDIT_COUNTY_SETTINGS,
            Permission.SEE_WHOLE_COUNTY,
            Permission.SEE_GRID_WORK,
            Permission.SEE_COLLEAGUES_ROWS,
            Permission.REVEAL_NUMBERS,
            Permission.REPORT_MATTERS,
            Permission.CHOOSE_MATTER_SOURCE,
            Permission.USE_HOTLINE,
            Permission.RECORD_MEETINGS,
            Permission.ASSIGN_TASKS,
            Permission.TASK_FROM_MEETINGS,
            Permission.REPORT_FOR_TARGETS,
            Permission.INSPECT,
            Permission.ISSUE_WARNING_CARDS,
            Permission.RECORD_SURVEYS,
        }
    ),
    Role.TOWN_STAFF: frozenset(
        {
            Permission.EDIT_STRUCTURE,
            Permission.EDIT_GRID_DATA,
            Permission.EDIT_BUILDINGS,
            Permission.EDIT_REGISTERS,
            Permission.SEE_GRID_WORK,
            Permission.SEE_COLLEAGUES_ROWS,
            Permission.REVEAL_NUMBERS,
            Permission.HOLD_GOVERNANCE_DUTY,
            Permission.REPORT_MATTERS,
            Permission.CHOOSE_MATTER_SOURCE,
            Permission.USE_HOTLINE,
            Permission.RECORD_MEETINGS,
            Permission.ASSIGN_TASKS,
            Permission.TASK_FROM_MEETINGS,
            Permission.REPORT_FOR_TARGETS,
            Permission.INSPECT,
            Permission.ISSUE_WARNING_CARDS,
            Permission.RECORD_SURVEYS,
        }
    ),
    Role.STATION_STAFF: frozenset(
        {
            Permission.EDIT_GRID_DATA,
            Permission.EDIT_BUILDINGS,
            Permission.EDIT_REGISTERS,
            Permission.SEE_GRID_WORK,
            Permission.SEE_COLLEAGUES_ROWS,
            Permission.REVEAL_NUMBERS,
            Permission.SEE_KEY_PERSONS,
            Permission.HAS_WORKLIST,
            Permission.REPORT_MATTERS,
            Permission.CHOOSE_MATTER_SOURCE,
            Permission.RECORD_MEETINGS,
            Permission.TASK_FROM_MEETINGS,
            Permission.REPORT_TASK_TARGETS,
            Permission.RECORD_SURVEYS,
        }
    ),
    Role.GRID_WORKER: frozenset(
        {
            Permission.EDIT_BUILDINGS,
            Permission.EDIT_REGISTERS,
            Permission.SEE_ASSIGNED_GRIDS,
            Permission.SEE_GRID_WORK,
            Permission.REVEAL_NUMBERS,
            Permission.SEE_KEY_PERSONS,
            Permission.HAS_WORKLIST,
            Permission.REPORT_MATTERS,
            Permission.RECORD_MEETINGS,
            Permission.REPORT_TASK_TARGETS,
        }
    ),
    # A department's handlers see and handle the matters dispatched to their department.
    Role.DEPARTMENT_HANDLER: frozenset(),
    # Leaders read: statistics and records of their scope, numbers masked.
    Role.LEADER: frozenset({Permission.SEE_GRID_WORK, Permission.SEE_COLLEAGUES_ROWS}),
    Role.SYSTEM_ADMIN: frozenset({Permission.MANAGE_ACCOUNTS, Permission.SYSTEM_SETTINGS}),
    Role.SECURITY_ADMIN: frozenset({Permission.MANAGE_ACCESS, Permission.SECURITY_SETTINGS}),
    Role.AUDIT_ADMIN: frozenset({Permission.VIEW_AUDIT}),
}


def role_has(role: Role | str | None, permission: Permission | str) -> bool:
    """An account waiting for its role (None) may do nothing."""
    return role is not None and Permission(permission) in ROLE_PERMISSIONS[Role(role)]


def holds(user, permission: Permission | str) -> bool:
    """user.can(permission) for any user object: an account, the anonymous user (no
    role), or a record read outside a request."""
    return any(role_has(getattr(user, name, None), permission) for name in ("role", "second_role"))


# --- Rules that are more than a set of roles ------------------------------------------


# Grid work: every page of these blueprints, and these pages of others, needs
# SEE_GRID_WORK. An account without it — a department handler — is answered 403 on all
# of them, a list and a record alike, whatever the id: the same answer whether the record
# exists or not (app/auth/duties.py). Records of work one does, outside one's scope, are
# 404 (app/core/scoping.py).
GRID_WORK_BLUEPRINTS = frozenset(
    {"registry", "visits", "patrols", "supervision", "assessment", "dashboard", "printing", "adjustments"}
)
GRID_WORK_ENDPOINTS = frozenset({"matters.indicator_table", "matters.export_indicators"})
# Inside those blueprints but for everyone at work: the work manual, and the admission
# list (准入事项) that says which departments' tasks may reach the grids.
NOT_GRID_WORK_ENDPOINTS = frozenset(
    {
        "printing.manual_index",
        "printing.manual_page",
        "printing.manual_print",
        "printing.manual_history",
        "printing.manual_version",
        "printing.manual_edit",
        "supervision.admitted_items",
    }
)


def is_grid_work(endpoint: str | None) -> bool:
    """The page at `endpoint` is grid work (needs SEE_GRID_WORK)."""
    if not endpoint or endpoint in NOT_GRID_WORK_ENDPOINTS:
        return False
    return endpoint in GRID_WORK_ENDPOINTS or endpoint.split(".", 1)[0] in GRID_WORK_BLUEPRINTS


def may_see_key_persons(user) -> bool:
    """Key persons are seen by grid workers and stations in their scope, and by town
    staff who carry the comprehensive-governance duty. County administrators manage
    the categories but do not browse the people."""
    if holds(user, Permission.SEE_KEY_PERSONS):
        return True
    return holds(user, Permission.HOLD_GOVERNANCE_DUTY) and bool(getattr(user, "governance_duty", False))


def sees_no_divisions(user) -> bool:
    """No division's records at all: an account awaiting its role, the three
    administrators (accounts, settings and the log only), and a department's handlers,
    who hang from a department, not from a node of the tree."""
    role = getattr(user, "role", None)
    return role is None or user.has_admin_duties_only or Role(role).scope_level is None


# The level at which an account takes part in the matters loop (app/matters/workflow.py):
# owner and handler levels are compared with it. Leaders and the three administrators
# have none.
MATTER_LEVELS = {
    Role.GRID_WORKER.value: "grid",
    Role.STATION_STAFF.value: "community",
    Role.TOWN_STAFF.value: "town",
    Role.COUNTY_ADMIN.value: "county",
    Role.DEPARTMENT_HANDLER.value: "department",
}


def matter_level(user) -> str | None:
    """None for anonymous users, accounts awaiting a role and roles outside the loop."""
    role = getattr(user, "role", None)
    return None if role is None else MATTER_LEVELS.get(role)


def matter_department_id(user) -> int | None:
    """The department whose matters a department's handler sees and handles (those
    ever dispatched to it); None for everyone else."""
    if matter_level(user) != "department":
        return None
    return getattr(user, "scope_department_id", None)
