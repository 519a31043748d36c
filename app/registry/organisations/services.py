"""Rules for organisations (组织) and 十户联防 joint-defence groups: one record per
unified social credit code in the county, a household in at most one group of its
own grid, and a leader who lives in the group or the grid. Each change is audited
in the same transaction; the caller commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import has_request_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from app.auth import audit
from app.auth.models import shown_name
from app.core.identity import check_credit_code, check_phone
from app.core.scoping import sees_division
from app.extensions import db
from app.org.models import Division
from app.registry.organisations.models import (
    JointDefenceActivity,
    JointDefenceGroup,
    JointDefenceMember,
    Organisation,
)
from app.registry.people.models import Household, HouseholdMember, Resident
from app.registry.people.services import RegistryError

ORG_TYPES = {
    "resident_unit": _l("驻区单位"),
    "private_enterprise": _l("非公企业"),
    "social_org": _l("社会组织"),
    "party_org": _l("党组织"),
    "owners_committee": _l("业主委员会"),
}


def is_party_organisation():
    """A party organisation on the register, or a unit with a party branch in it (the
    党组织 of ledger 1 and of the organisation visits)."""
    return or_(Organisation.org_type == "party_org", Organisation.party_organisation != "")


# 十户联防: "about ten households to a group"; outside this range the page warns.
GROUP_MIN_HOUSEHOLDS = 5
GROUP_MAX_HOUSEHOLDS = 15


def org_type_label(code: str) -> str:
    return str(ORG_TYPES.get(code, code))


def _active_grid(grid: Division | None) -> Division:
    if grid is None or not grid.is_grid or not grid.is_active:
        raise RegistryError(_("请选择在用的网格。"), "grid_id")
    return grid


# --- Organisations ---------------------------------------------------------------------


@dataclass
class OrganisationValues:
    name: str
    org_type: str
    credit_code: str = ""
    address: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    party_organisation: str = ""
    party_member_count: int | None = None
    employee_count: int | None = None
    note: str = ""


TRACKED = (
    "grid_id",
    "name",
    "org_type",
    "credit_code",
    "address",
    "contact_name",
    "contact_phone",
    "party_organisation",
    "party_member_count",
    "employee_count",
    "note",
)


def _refuse_duplicate_code(code: str, existing_id: int | None) -> None:
    """One organisation per credit code in the county. The message names the grid
    that holds it only when the user may see that grid: elsewhere the code cannot be
    used to learn where an organisation is registered (as for ID numbers)."""
    other = db.session.execute(
        select(Organisation.id, Organisation.grid_id).where(Organisation.credit_code == code)
    ).first()
    if other is None or other.id == existing_id:
        return
    grid = db.session.get(Division, other.grid_id)
    if grid is not None and (not has_request_context() or sees_division(grid)):
        raise RegistryError(
            _("该统一社会信用代码已登记在 %(grid)s，请联系该网格核实，不要重复登记。", grid=grid.full_name),
            "credit_code",
        )
    raise RegistryError(
        _("该统一社会信用代码已在本县其他网格登记，请联系县级管理员核实，不要重复登记。"), "credit_code"
    )


def _count(value: int | None, field: str) -> int | None:
    if value is not None and value < 0:
        raise RegistryError(_("人数不能小于 0。"), field)
    return value


def _clean_organisation(values: OrganisationValues, existing_id: int | None) -> dict:
    name = (values.name or "").strip()
    if not name:
        raise RegistryError(_("此项为必填项。"), "name")
    if values.org_type not in ORG_TYPES:
        raise RegistryError(_("请从列表中选择。"), "org_type")
    code = None
    if (values.credit_code or "").strip():
        check = check_credit_code(values.credit_code)
        if check.error:
            raise RegistryError(check.error, "credit_code")
        code = check.number
        _refuse_duplicate_code(code, existing_id)
    phone = (values.contact_phone or "").strip()
    if phone:
        phone_check = check_phone(phone)
        if phone_check.error:
            raise RegistryError(phone_check.error, "contact_phone")
        phone = phone_check.number
    return {
        "name": name,
        "org_type": values.org_type,
        "credit_code": code,
        "address": (values.address or "").strip(),
        "contact_name": (values.contact_name or "").strip(),
        "contact_phone": phone,
        "party_organisation": (values.party_organisation or "").strip(),
        "party_member_count": _count(values.party_member_count, "party_member_count"),
        "employee_count": _count(values.employee_count, "employee_count"),
        "note": values.note or "",
    }


def create_organisation(values: OrganisationValues, grid: Division) -> Organisation:
    organisation = Organisation(grid_id=_active_grid(grid).id, **_clean_organisation(values, None))
    db.session.add(organisation)
    db.session.flush()
    audit.record(
        "organisation_created",
        target=organisation,
        summary=organisation.name,
        detail={"grid_id": grid.id, "org_type": organisation.org_type},
    )
    return organisation


def update_organisation(organisation: Organisation, values: OrganisationValues, grid: Division) -> bool:
    """Correct an organisation (also move it to another grid); audited with the names
    of the fields that changed (not their values: phones stay out of the log)."""
    cleaned = _clean_organisation(values, organisation.id)
    if grid.id != organisation.grid_id:
        cleaned["grid_id"] = _active_grid(grid).id
    before = {key: getattr(organisation, key) for key in TRACKED}
    for key, value in cleaned.items():
        setattr(organisation, key, value)
    changed = [key for key in TRACKED if getattr(organisation, key) != before[key]]
    if changed:
        db.session.flush()
        audit.record(
            "organisation_updated", target=organisation, summary=organisation.name, detail={"changed": changed}
        )
    return bool(changed)


# --- 十户联防 groups -------------------------------------------------------------------


def size_warning(count: int) -> str | None:
    """A reminder (never a refusal) when a group is far from about ten households."""
    if count < GROUP_MIN_HOUSEHOLDS or count > GROUP_MAX_HOUSEHOLDS:
        return _(
            "本组现有 %(n)d 户。约十户为一组，建议 %(low)d–%(high)d 户。",
            n=count,
            low=GROUP_MIN_HOUSEHOLDS,
            high=GROUP_MAX_HOUSEHOLDS,
        )
    return None


def _group_name(name: str, grid_id: int, existing_id: int | None) -> str:
    name = (name or "").strip()
    if not name:
        raise RegistryError(_("此项为必填项。"), "name")
    taken = db.session.scalar(
        select(JointDefenceGroup.id).where(JointDefenceGroup.grid_id == grid_id, JointDefenceGroup.name == name)
    )
    if taken is not None and taken != existing_id:
        raise RegistryError(_("本网格已有同名的联防组。"), "name")
    return name


def group_household_ids(group: JointDefenceGroup) -> list[int]:
    return [member.household_id for member in group.members]


def leader_candidates(group: JointDefenceGroup) -> list[Resident]:
    """Who may lead a group: current members of its households first, then the
    other active residents of its grid."""
    household_ids = group_household_ids(group)
    in_group = (
        list(
            db.session.scalars(
                select(Resident)
                .join(HouseholdMember, HouseholdMember.resident_id == Resident.id)
                .where(
                    HouseholdMember.household_id.in_(household_ids),
                    HouseholdMember.end_date.is_(None),
                    Resident.status == "active",
                )
                .order_by(HouseholdMember.household_id, HouseholdMember.id)
            )
        )
        if household_ids
        else []
    )
    seen = {r.id for r in in_group}
    others = [
        r
        for r in db.session.scalars(
            select(Resident)
            .where(Resident.grid_id == group.grid_id, Resident.status == "active")
            .order_by(Resident.name_pinyin, Resident.id)
        )
        if r.id not in seen
    ]
    return in_group + others


def _check_leader(group: JointDefenceGroup, leader: Resident | None) -> None:
    if leader is None:
        return
    household_ids = group_household_ids(group)
    lives_in_group = (
        bool(household_ids)
        and db.session.scalar(
            select(HouseholdMember.id).where(
                HouseholdMember.resident_id == leader.id,
                HouseholdMember.end_date.is_(None),
                HouseholdMember.household_id.in_(household_ids),
            )
        )
        is not None
    )
    if leader.status != "active" or (leader.grid_id != group.grid_id and not lives_in_group):
        raise RegistryError(_("组长须是本组住户的成员或本网格的在册人员。"), "leader_resident_id")


def create_group(grid: Division, name: str, note: str = "") -> JointDefenceGroup:
    grid = _active_grid(grid)
    group = JointDefenceGroup(grid_id=grid.id, name=_group_name(name, grid.id, None), note=note or "")
    db.session.add(group)
    db.session.flush()
    audit.record("group_created", target=group, summary=group.name, detail={"grid_id": grid.id})
    return group


def update_group(group: JointDefenceGroup, name: str, leader: Resident | None, note: str = "") -> bool:
    _check_leader(group, leader)
    before = (group.name, group.leader_resident_id, group.note)
    group.name = _group_name(name, group.grid_id, group.id)
    group.leader_resident_id = leader.id if leader else None
    group.note = note or ""
    changed = [key for key, old in zip(("name", "leader_resident_id", "note"), before) if getattr(group, key) != old]
    if changed:
        db.session.flush()
        audit.record("group_updated", target=group, summary=group.name, detail={"changed": changed})
    return bool(changed)


def add_households(group: JointDefenceGroup, households: list[Household]) -> list[JointDefenceMember]:
    """Households of the group's grid join it; one already in a group is refused,
    naming that group, and nothing is added."""
    if not households:
        raise RegistryError(_("请至少选择一户。"), "household_ids")
    held = dict(
        db.session.execute(
            select(JointDefenceMember.household_id, JointDefenceGroup.name)
            .join(JointDefenceGroup, JointDefenceGroup.id == JointDefenceMember.group_id)
            .where(JointDefenceMember.household_id.in_([h.id for h in households]))
        ).all()
    )
    own = set(group_household_ids(group))
    for household in households:
        if household.grid_id != group.grid_id or household.status != "active":
            raise RegistryError(
                _("户号 %(number)s 不是本网格的在册住户。", number=household.household_number), "household_ids"
            )
        if household.id in own:
            raise RegistryError(_("户号 %(number)s 已在本组。", number=household.household_number), "household_ids")
        if household.id in held:
            raise RegistryError(
                _(
                    "户号 %(number)s 已在“%(group)s”，一户只能加入一个联防组。",
                    number=household.household_number,
                    group=held[household.id],
                ),
                "household_ids",
            )
    added = []
    for household in households:
        member = JointDefenceMember(household_id=household.id)
        group.members.append(member)
        added.append(member)
    db.session.flush()
    audit.record(
        "group_member_added",
        target=group,
        summary=group.name,
        detail={
            "household_ids": [h.id for h in households],
            "household_numbers": [h.household_number for h in households],
        },
    )
    return added


def remove_member(member: JointDefenceMember) -> None:
    """The household leaves the group; a leader living in it stays leader until
    someone changes it (the page shows where the leader lives)."""
    group = member.group
    household = member.household
    group.members.remove(member)
    db.session.flush()
    audit.record(
        "group_member_removed",
        target=group,
        summary=group.name,
        detail={"household_id": household.id, "household_number": household.household_number},
    )


# --- What the groups do -------------------------------------------------------------------

# 十户联防 as a working system: the activities a group records.
ACTIVITY_KINDS = {
    "patrol": _l("联防巡逻"),
    "help": _l("邻里互助"),
    "alert": _l("预警通报"),
    "meeting": _l("组内会议"),
    "other": _l("其他"),
}


def record_activity(
    group: JointDefenceGroup, held_on: date | None, kind: str, content: str, participants: str, user, today: date
) -> JointDefenceActivity:
    if held_on is None:
        raise RegistryError(_("请按 2024-01-05 的格式填写日期。"), "held_on")
    if held_on > today:
        raise RegistryError(_("日期不能晚于今天。"), "held_on")
    if kind not in ACTIVITY_KINDS:
        raise RegistryError(_("请选择活动类别。"), "kind")
    content = (content or "").strip()
    if not content:
        raise RegistryError(_("请写明活动内容。"), "content")
    activity = JointDefenceActivity(
        group_id=group.id,
        held_on=held_on,
        kind=kind,
        content=content[:2000],
        participants=(participants or "").strip()[:200],
        recorded_by_id=getattr(user, "id", None),
        recorded_by_name=shown_name(user),
    )
    db.session.add(activity)
    db.session.flush()
    audit.record(
        "joint_defence_activity_recorded",
        target=activity,
        summary=f"{group.name} {held_on.isoformat()} {ACTIVITY_KINDS[kind]}",
        detail={"group_id": group.id, "kind": kind, "held_on": held_on.isoformat()},
    )
    return activity
