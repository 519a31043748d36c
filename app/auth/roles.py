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


# Who may see a full ID or phone number (after an audited "show") and read free text
# with the numbers typed into it: those who work with the person. Leaders read
# statistics, departments only their matters: they see numbers masked everywhere
# (docs/features.md, "Free text in prints and exports").
REVEAL_ROLES = frozenset(
    {Role.COUNTY_ADMIN.value, Role.TOWN_STAFF.value, Role.STATION_STAFF.value, Role.GRID_WORKER.value}
)


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


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    # The county administrator runs the county's grid work, not its accounts or its log.
    Role.COUNTY_ADMIN: frozenset(
        {
            Permission.MANAGE_DEPARTMENTS,
            Permission.EDIT_STRUCTURE,
            Permission.EDIT_GRID_DATA,
            Permission.EDIT_BUILDINGS,
            Permission.EDIT_REGISTERS,
        }
    ),
    Role.TOWN_STAFF: frozenset(
        {Permission.EDIT_STRUCTURE, Permission.EDIT_GRID_DATA, Permission.EDIT_BUILDINGS, Permission.EDIT_REGISTERS}
    ),
    Role.STATION_STAFF: frozenset({Permission.EDIT_GRID_DATA, Permission.EDIT_BUILDINGS, Permission.EDIT_REGISTERS}),
    Role.GRID_WORKER: frozenset({Permission.EDIT_BUILDINGS, Permission.EDIT_REGISTERS}),
    Role.DEPARTMENT_HANDLER: frozenset(),
    Role.LEADER: frozenset(),
    Role.SYSTEM_ADMIN: frozenset({Permission.MANAGE_ACCOUNTS, Permission.SYSTEM_SETTINGS}),
    Role.SECURITY_ADMIN: frozenset({Permission.MANAGE_ACCESS, Permission.SECURITY_SETTINGS}),
    Role.AUDIT_ADMIN: frozenset({Permission.VIEW_AUDIT}),
}


def role_has(role: Role | str | None, permission: Permission) -> bool:
    """An account waiting for its role (None) may do nothing."""
    return role is not None and Permission(permission) in ROLE_PERMISSIONS[Role(role)]
