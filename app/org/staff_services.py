"""Rules for grid staff, their assignments, service teams and functional departments.

Plain functions that take records and values (never the request). The views
resolve ids through app.core.scoping first, so a record passed in here is one the
user may see; a `None` division means "not visible or not found". Each write is
audited in the same transaction; the caller commits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from app.auth import audit
from app.auth.models import User
from app.auth.roles import ADMIN_DUTY_ROLES, Role
from app.core.conflicts import serialize
from app.extensions import db
from app.org.models import (
    GRID_POST_PLACES,
    PLACE_LABELS,
    POST_PLACES,
    TEAM_TYPE_LABELS,
    Department,
    Division,
    GridArea,
    Level,
    ServiceTeam,
    StaffAssignment,
    StaffMember,
    StaffRole,
    TeamMembership,
)
from app.org.services import OrgError

MOBILE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE = re.compile(r"^0\d{2,3}-\d{7,8}(-\d{1,6})?$")
# Departments also publish short service numbers (110, 12345, 12319, 96xxx).
SERVICE_NUMBER = re.compile(r"^(1\d{2}|1\d{4}|9\d{4})$")
HOME_LEVELS = (Level.TOWN.value, Level.COMMUNITY.value, Level.GRID.value)
TEAM_LEVELS = (Level.TOWN.value, Level.COMMUNITY.value)


def clean_phone(value: str | None, field: str = "phone", service_numbers: bool = False) -> str:
    """'' for no phone; a mobile (13800000000) or a landline with area code
    (0917-1234567, optional extension). Spaces people type are dropped."""
    phone = re.sub(r"\s+", "", value or "")
    if not phone:
        return ""
    if MOBILE.match(phone) or LANDLINE.match(phone):
        return phone
    if service_numbers and SERVICE_NUMBER.match(phone):
        return phone
    if service_numbers:
        raise OrgError(
            _("电话号码格式不正确：请填写 11 位手机号、带区号的座机号（如 0917-1234567）或服务热线（如 12345）。"),
            field,
        )
    raise OrgError(
        _("电话号码格式不正确：请填写 11 位手机号（如 13800000000）或带区号的座机号（如 0917-1234567）。"), field
    )


# --- Staff ---------------------------------------------------------------------------


@dataclass
class StaffValues:
    name: str
    phone: str
    home_division: Division | None
    note: str = ""


def _check_staff(values: StaffValues, current_home_id: int | None = None) -> tuple[str, str, Division]:
    """The cleaned name and phone, and the home division (there, once checked)."""
    name = (values.name or "").strip()
    if not name:
        raise OrgError(_("此项为必填项。"), "name")
    phone = clean_phone(values.phone)
    home = values.home_division
    if home is None or home.level not in HOME_LEVELS:
        raise OrgError(_("请选择您管辖范围内的镇（街道）、社区（村）或网格。"), "home_division_id")
    if not home.is_active and home.id != current_home_id:
        raise OrgError(_("该单位已撤销，请选择在用的单位。"), "home_division_id")
    return name, phone, home


def create_staff(values: StaffValues, *, photo_filename: str | None = None) -> StaffMember:
    name, phone, home = _check_staff(values)
    staff = StaffMember(
        name=name,
        phone=phone,
        home_division=home,
        note=values.note or "",
        photo_filename=photo_filename,
    )
    db.session.add(staff)
    db.session.flush()
    audit.record("staff_created", target=staff, summary=f"{staff.name} {home.code}")
    return staff


def update_staff(staff: StaffMember, values: StaffValues) -> list[str]:
    """Apply the values; returns the names of the fields that changed."""
    name, phone, home = _check_staff(values, staff.home_division_id)
    new = {"name": name, "phone": phone, "home_division_id": home.id, "note": values.note or ""}
    changed = [key for key, value in new.items() if getattr(staff, key) != value]
    for key in changed:
        setattr(staff, key, new[key])
    if changed:
        staff.home_division = home
        audit.record("staff_updated", target=staff, summary=staff.name, detail={"fields": changed})
    return changed


def set_photo(staff: StaffMember, filename: str | None) -> str | None:
    """Point the record at a new photo (or none); returns the old file name so the
    caller can delete the file once the change is committed."""
    old = staff.photo_filename
    if old == filename:
        return None
    staff.photo_filename = filename
    audit.record("staff_photo_changed" if filename else "staff_photo_removed", target=staff, summary=staff.name)
    return old


def linkable_users(staff: StaffMember | None = None) -> list[User]:
    """Working accounts that no other staff member is linked to, for the county
    administrator to say which person signs in with which account. Not the three
    administrators of 三员分立 nor accounts still awaiting a role: they do no grid work."""
    taken = select(StaffMember.user_id).where(StaffMember.user_id.is_not(None))
    if staff is not None and staff.id is not None:
        taken = taken.where(StaffMember.id != staff.id)
    working = [role.value for role in Role if role not in ADMIN_DUTY_ROLES]
    return list(
        db.session.scalars(select(User).where(User.id.not_in(taken), User.role.in_(working)).order_by(User.username))
    )


def link_user(staff: StaffMember, user: User | None) -> bool:
    """Link (or unlink, with None) the account this person signs in with."""
    if (user.id if user else None) == staff.user_id:
        return False
    if user is not None:
        other = db.session.scalar(select(StaffMember).where(StaffMember.user_id == user.id, StaffMember.id != staff.id))
        if other is not None:
            raise OrgError(_("该账号已关联人员 %(name)s。", name=other.name), "user_id")
    previous = staff.user.username if staff.user is not None else None
    staff.user = user
    audit.record(
        "staff_account_linked" if user else "staff_account_unlinked",
        target=staff,
        summary=staff.name,
        detail={"user": user.username if user else None, "previous": previous},
    )
    return True


# --- Assignments ---------------------------------------------------------------------


def _place_level(division: Division, area: GridArea | None) -> str:
    return "area" if area is not None else division.level


def add_assignment(
    staff: StaffMember,
    *,
    division: Division | None,
    role: str,
    role_note: str,
    start_date: date,
    end_date: date | None,
    area: GridArea | None = None,
) -> StaffAssignment:
    """A post in a grid, a 片区 (`area`, with its community as division), a community
    or a town — each post where the work manual puts it (POST_PLACES: 总网格长 at a
    town, 一级/二级网格长 at a community, 片区网格长/员 at a 片区, the grid's team at a
    grid). An assignment widens the scope of a linked account to what it covers."""
    if area is not None:
        division = area.community
        if not area.is_active:
            raise OrgError(_("该片区已停用，不能再安排岗位。"), "division_id")
    if division is None or division.level not in ("town", "community", "grid"):
        raise OrgError(_("请选择您管辖范围内的网格、片区、社区（村）或镇（街道）。"), "division_id")
    if not division.is_active:
        raise OrgError(_("该网格已撤销，不能再安排岗位。"), "division_id")
    try:
        role_enum = StaffRole(role)
    except ValueError:
        raise OrgError(_("请选择岗位。"), "role") from None
    places = POST_PLACES.get(role_enum.value, GRID_POST_PLACES)
    level = _place_level(division, area)
    if level not in places:
        raise OrgError(
            _(
                "“%(role)s”应设在%(places)s。",
                role=role_enum.label,
                places=_("、").join(str(PLACE_LABELS[p]) for p in places),
            ),
            "role",
        )
    role_note = (role_note or "").strip()
    if role_enum == StaffRole.OTHER and not role_note:
        raise OrgError(_("岗位选“其他”时请填写岗位名称。"), "role_note")
    if role_enum != StaffRole.OTHER:
        role_note = ""
    if start_date is None:
        raise OrgError(_("请输入有效日期，格式为 YYYY-MM-DD。"), "start_date")
    if start_date < division.valid_from:
        raise OrgError(_("起始日期不能早于网格设立日期（%(d)s）。", d=division.valid_from.isoformat()), "start_date")
    if end_date is not None and end_date < start_date:
        raise OrgError(_("结束日期不能早于起始日期。"), "end_date")
    serialize("staff_assignment", staff.id, division.id, role_enum.value)  # overlap: no constraint can say it
    overlapping = db.session.scalar(
        select(StaffAssignment.id).where(
            StaffAssignment.staff_id == staff.id,
            StaffAssignment.division_id == division.id,
            StaffAssignment.area_id.is_(None) if area is None else StaffAssignment.area_id == area.id,
            StaffAssignment.role == role_enum.value,
            or_(StaffAssignment.end_date.is_(None), StaffAssignment.end_date >= start_date),
            *([StaffAssignment.start_date <= end_date] if end_date else []),
        )
    )
    if overlapping is not None:
        raise OrgError(_("该人员在此网格已有同一岗位的任职记录，时间重叠。"), "division_id")
    assignment = StaffAssignment(
        staff=staff,
        division=division,
        area=area,
        role=role_enum.value,
        role_note=role_note,
        start_date=start_date,
        end_date=end_date,
    )
    db.session.add(assignment)
    db.session.flush()
    audit.record(
        "assignment_added",
        target=assignment,
        summary=f"{staff.name} {division.code} {assignment.place_name} {assignment.role_label}",
        detail={
            "staff_id": staff.id,
            "area_id": area.id if area is not None else None,
            "start": start_date.isoformat(),
            "end": end_date.isoformat() if end_date else None,
        },
    )
    return assignment


def end_assignment(assignment: StaffAssignment, end_date: date | None) -> None:
    if assignment.end_date is not None:
        raise OrgError(_("该岗位已于 %(d)s 结束。", d=assignment.end_date.isoformat()), "end_date")
    if end_date is None:
        raise OrgError(_("请输入有效日期，格式为 YYYY-MM-DD。"), "end_date")
    if end_date < assignment.start_date:
        raise OrgError(_("结束日期不能早于起始日期（%(d)s）。", d=assignment.start_date.isoformat()), "end_date")
    assignment.end_date = end_date
    audit.record(
        "assignment_ended",
        target=assignment,
        summary=f"{assignment.staff.name} {assignment.division.code} {assignment.role_label}",
        detail={"staff_id": assignment.staff_id, "end": end_date.isoformat()},
    )


# --- Service teams -------------------------------------------------------------------


@dataclass
class TeamValues:
    division: Division | None
    team_type: str
    custom_type: str
    name: str
    note: str = ""


def _check_team(values: TeamValues, current_division_id: int | None = None) -> tuple[Division, dict[str, Any]]:
    """The division (there, once checked) and the team's cleaned column values."""
    division = values.division
    if division is None or division.level not in TEAM_LEVELS:
        raise OrgError(_("请选择您管辖范围内的镇（街道）或社区（村）。"), "division_id")
    if not division.is_active and division.id != current_division_id:
        raise OrgError(_("该单位已撤销，请选择在用的单位。"), "division_id")
    if values.team_type not in TEAM_TYPE_LABELS:
        raise OrgError(_("请选择团队类型。"), "team_type")
    custom = (values.custom_type or "").strip()
    if values.team_type == "custom" and not custom:
        raise OrgError(_("类型选“其他（自定义）”时请填写自定义类型。"), "custom_type")
    name = (values.name or "").strip()
    if not name:
        raise OrgError(_("此项为必填项。"), "name")
    return division, {
        "division_id": division.id,
        "team_type": values.team_type,
        "custom_type": custom if values.team_type == "custom" else "",
        "name": name,
        "note": values.note or "",
    }


def create_team(values: TeamValues) -> ServiceTeam:
    division, fields = _check_team(values)
    team = ServiceTeam(**fields)
    db.session.add(team)
    db.session.flush()
    audit.record("team_created", target=team, summary=f"{team.name} {division.code}")
    return team


def update_team(team: ServiceTeam, values: TeamValues) -> list[str]:
    division, fields = _check_team(values, team.division_id)
    changed = [key for key, value in fields.items() if getattr(team, key) != value]
    for key in changed:
        setattr(team, key, fields[key])
    if changed:
        team.division = division
        audit.record("team_updated", target=team, summary=team.name, detail={"fields": changed})
    return changed


def add_member(team: ServiceTeam, staff: StaffMember | None, duty: str) -> TeamMembership:
    if staff is None:
        raise OrgError(_("请选择您管辖范围内的人员。"), "staff_id")
    exists = db.session.scalar(
        select(TeamMembership.id).where(TeamMembership.team_id == team.id, TeamMembership.staff_id == staff.id)
    )
    if exists is not None:
        raise OrgError(_("%(name)s 已在本团队中。", name=staff.name), "staff_id")
    membership = TeamMembership(team=team, staff=staff, duty=(duty or "").strip())
    db.session.add(membership)
    db.session.flush()
    audit.record(
        "team_member_added",
        target=team,
        summary=f"{team.name} {staff.name}",
        detail={"staff_id": staff.id, "duty": membership.duty},
    )
    return membership


def remove_member(membership: TeamMembership) -> None:
    team, staff = membership.team, membership.staff
    audit.record("team_member_removed", target=team, summary=f"{team.name} {staff.name}", detail={"staff_id": staff.id})
    team.memberships.remove(membership)
    db.session.flush()


# --- Functional departments ----------------------------------------------------------


@dataclass
class DepartmentValues:
    name: str
    short_name: str = ""
    contact_name: str = ""
    phone: str = ""
    address: str = ""
    duties: str = ""


def _check_department(values: DepartmentValues, exclude_id: int | None = None) -> dict:
    name = (values.name or "").strip()
    if not name:
        raise OrgError(_("此项为必填项。"), "name")
    same = select(Department.id).where(func.lower(Department.name) == name.lower())
    if exclude_id is not None:
        same = same.where(Department.id != exclude_id)
    if db.session.scalar(same) is not None:
        raise OrgError(_("已有名为“%(name)s”的职能部门。", name=name), "name")
    return {
        "name": name,
        "short_name": (values.short_name or "").strip(),
        "contact_name": (values.contact_name or "").strip(),
        "phone": clean_phone(values.phone, service_numbers=True),
        "address": (values.address or "").strip(),
        "duties": (values.duties or "").strip(),
    }


def create_department(values: DepartmentValues) -> Department:
    department = Department(**_check_department(values), is_active=True)
    db.session.add(department)
    db.session.flush()
    audit.record("department_created", target=department, summary=department.name)
    return department


def update_department(department: Department, values: DepartmentValues) -> list[str]:
    fields = _check_department(values, department.id)
    changed = [key for key, value in fields.items() if getattr(department, key) != value]
    for key in changed:
        setattr(department, key, fields[key])
    if changed:
        audit.record("department_updated", target=department, summary=department.name, detail={"fields": changed})
    return changed


def set_department_active(department: Department, active: bool) -> bool:
    """Deactivated departments stay on record (matters refer to them) but are no
    longer offered for dispatch."""
    if department.is_active == active:
        return False
    department.is_active = active
    audit.record(
        "department_reactivated" if active else "department_deactivated", target=department, summary=department.name
    )
    return True
