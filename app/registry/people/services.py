"""Rules of the population register: one record per person in the county, the
household as a history of memberships, and every change as a dated event with its
before and after."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from pypinyin import Style, lazy_pinyin
from sqlalchemy import delete, select

from app.auth import audit
from app.core.conflicts import serialize
from app.core.timeutil import local_today
from app.extensions import db
from app.org.models import Building, Division
from app.registry.people import locating, reference
from app.registry.people.models import CareTag, Household, HouseholdMember, PopulationEvent, Resident
from app.registry.people.rules import HouseholdValues, RegistryError, ResidentValues, clean_household, clean_resident
from app.registry.settings.visit_classes import LEVELS

# --- Names ---------------------------------------------------------------------------


def pinyin_keys(name: str) -> tuple[str, str]:
    """("zhangsan", "zs") for 张三: what search matches typed Latin letters against."""
    syllables = [s for s in lazy_pinyin(name, style=Style.NORMAL, errors="ignore") if s.isalpha()]
    return "".join(syllables).lower(), "".join(s[0] for s in syllables).lower()


# --- Residents -----------------------------------------------------------------------

TRACKED_FIELDS = (
    "name",
    "id_type",
    "id_number",
    "sex",
    "birth_date",
    "ethnicity",
    "phone",
    "population_type",
    "registered_address",
    "current_address",
    "political_status",
    "workplace",
    "arrival_date",
    "stay_reason",
    "residence_permit_number",
    "grid_id",
    "status",
)


def snapshot(resident: Resident) -> dict:
    """What an event keeps of a resident (dates as ISO text, so it is JSON)."""
    data = {key: getattr(resident, key) for key in TRACKED_FIELDS}
    data["birth_date"] = data["birth_date"].isoformat() if data["birth_date"] else None
    data["arrival_date"] = data["arrival_date"].isoformat() if data["arrival_date"] else None
    data["tags"] = [tag.name for tag in resident.tags]
    return data


def _clean_resident(values: ResidentValues, existing_id: int | None) -> dict:
    """Validated column values with the pinyin keys, or a RegistryError at the field
    that is wrong (the rules: app.registry.people.rules; here they ask the database)."""
    cleaned = clean_resident(values, lambda number: _refuse_duplicate(number, existing_id), local_today())
    cleaned["name_pinyin"], cleaned["name_initials"] = pinyin_keys(cleaned["name"])
    return cleaned


def _refuse_duplicate(id_number: str, existing_id: int | None) -> None:
    """One record per ID number in the county. The message names the station that
    holds it — and nothing else about a person the user may not be allowed to see;
    naming it is audited and limited (app.registry.people.locating)."""
    other = db.session.execute(select(Resident.id, Resident.grid_id).where(Resident.id_number == id_number)).first()
    if other is None or other.id == existing_id:
        return
    raise locating.duplicate_refusal(id_number, other.id, other.grid_id)


def _tags(tag_ids: list[int]) -> list[CareTag]:
    if not tag_ids:
        return []
    return list(db.session.scalars(select(CareTag).where(CareTag.id.in_(tag_ids), CareTag.is_active)))


def move_to_grid(resident: Resident, grid_id: int) -> None:
    """A resident now lives in another grid: their active key-person listings follow,
    since who may see a listing is decided by its grid."""
    from app.registry.keypersons.models import KeyPerson

    resident.grid_id = grid_id
    for listing in db.session.scalars(
        select(KeyPerson).where(KeyPerson.resident_id == resident.id, KeyPerson.status == "active")
    ):
        listing.grid_id = grid_id


def record_event(
    kind: str,
    grid_id: int,
    *,
    occurred_on: date | None = None,
    household=None,
    resident=None,
    shop=None,
    from_grid_id: int | None = None,
    before=None,
    after=None,
    note: str = "",
    user=None,
) -> PopulationEvent:
    """One dated change in `grid_id`; `from_grid_id` is the grid its subject left."""
    event = PopulationEvent(
        kind=kind,
        occurred_on=occurred_on or local_today(),
        grid_id=grid_id,
        household=household,
        resident=resident,
        shop=shop,
        from_grid_id=from_grid_id,
        before=before,
        after=after,
        note=note,
        recorded_by_id=getattr(user, "id", None),
    )
    db.session.add(event)
    return event


def register_resident(
    values: ResidentValues, grid: Division, *, reason: str = "registered", occurred_on: date | None = None, user=None
) -> Resident:
    """A new person in the register; `reason` is registered (first entry of an
    existing resident), birth or move_in — the last two are population changes."""
    if not grid.is_grid or not grid.is_active:
        raise RegistryError(_("请选择在用的网格。"), "grid_id")
    if reason not in ("registered", "birth", "move_in"):
        raise RegistryError(_("请选择登记原因。"), "reason")
    resident = Resident(grid_id=grid.id, **_clean_resident(values, None))
    resident.tags = _tags(values.tag_ids)
    db.session.add(resident)
    db.session.flush()
    record_event(reason, grid.id, occurred_on=occurred_on, resident=resident, after=snapshot(resident), user=user)
    return resident


def update_resident(resident: Resident, values: ResidentValues, *, user=None) -> bool:
    """Correct a resident's details; the event keeps only what changed, before and after."""
    before = snapshot(resident)
    for key, value in _clean_resident(values, resident.id).items():
        setattr(resident, key, value)
    resident.tags = _tags(values.tag_ids)
    db.session.flush()
    after = snapshot(resident)
    changed = [key for key in after if after[key] != before[key]]
    if changed:
        record_event(
            "corrected",
            resident.grid_id,
            resident=resident,
            before={k: before[k] for k in changed},
            after={k: after[k] for k in changed},
            user=user,
        )
    return bool(changed)


def end_residence(resident: Resident, kind: str, day: date, note: str = "", user=None) -> None:
    """Death or moving out: the resident leaves their household and the register."""
    if kind not in ("death", "move_out"):
        raise RegistryError(_("请选择变动类型。"), "kind")
    if resident.status != "active":
        raise RegistryError(_("该人员已不在册。"))
    if day > local_today():
        raise RegistryError(_("日期不能晚于今天。"), "day")
    before = snapshot(resident)
    membership = resident.current_membership
    if membership is not None:
        if membership.relation == "head" and len(membership.household.current_members) > 1:
            raise RegistryError(_("此人是户主，请先为该户变更户主。"))
        _end_membership(membership, day)
        if membership.relation == "head":
            membership.household.head = None
    resident.status = "deceased" if kind == "death" else "moved_out"
    db.session.flush()
    record_event(
        kind,
        resident.grid_id,
        occurred_on=day,
        resident=resident,
        household=membership.household if membership else None,
        before=before,
        after=snapshot(resident),
        note=note,
        user=user,
    )
    _end_what_followed(resident, kind, day, membership.household if membership else None, user)


def _end_what_followed(resident: Resident, kind: str, day: date, household: Household | None, user) -> None:
    """A death or moving away ends what the register kept following about the person:
    their key-person listings (with the reason; follow-ups stop coming due, the log
    stays), their leading of a 十户联防 group, and — when nobody is left in it — their
    household, which then leaves the visit lists and its group (销户)."""
    from app.registry.keypersons.models import KeyPerson
    from app.registry.organisations.models import JointDefenceGroup, JointDefenceMember

    reason = _("死亡") if kind == "death" else _("迁出")
    for key_person in db.session.scalars(
        select(KeyPerson).where(KeyPerson.resident_id == resident.id, KeyPerson.status == "active")
    ):
        key_person.status, key_person.end_date, key_person.end_reason = (
            "closed",
            max(day, key_person.start_date),
            reason,
        )
        audit.record("key_person_closed", target=key_person, actor=user, summary=f"{day.isoformat()} {reason}")
    for group in db.session.scalars(
        select(JointDefenceGroup).where(JointDefenceGroup.leader_resident_id == resident.id)
    ):
        group.leader_resident_id = None
    if household is not None and household.status == "active" and not household.current_members:
        before = household_snapshot(household)
        household.status = "closed"
        db.session.execute(delete(JointDefenceMember).where(JointDefenceMember.household_id == household.id))
        db.session.flush()
        record_event(
            "household_closed",
            household.grid_id,
            occurred_on=day,
            household=household,
            before=before,
            after=household_snapshot(household),
            note=_("最后一名成员%(reason)s", reason=reason),
            user=user,
        )


# --- Households ----------------------------------------------------------------------


def household_snapshot(household: Household) -> dict:
    return {
        "household_number": household.household_number,
        "household_type": household.household_type,
        "visit_class": household.visit_class,
        "address": household.address,
        "grid_id": household.grid_id,
        "head": household.head.name if household.head else None,
        "members": [[m.resident.name, m.relation] for m in household.current_members],
    }


def _clean_household(values: HouseholdValues, grid: Division, existing_id: int | None) -> dict:
    """The rules of app.registry.people.rules, asking the database for the household
    number and the building."""
    number = (values.household_number or "").strip()
    taken = (
        db.session.scalar(
            select(Household.id).where(Household.grid_id == grid.id, Household.household_number == number)
        )
        if number
        else None
    )

    def building_grid(building_id: int) -> int | None | bool:
        building = db.session.get(Building, building_id)
        return False if building is None else building.grid_id

    return clean_household(
        values,
        grid.id,
        number_taken=taken is not None and taken != existing_id,
        building_grid=building_grid,
        visit_levels=LEVELS,
    )


def create_household(values: HouseholdValues, grid: Division, *, user=None) -> Household:
    if not grid.is_grid or not grid.is_active:
        raise RegistryError(_("请选择在用的网格。"), "grid_id")
    household = Household(grid_id=grid.id, **_clean_household(values, grid, None))
    db.session.add(household)
    db.session.flush()
    record_event("household_created", grid.id, household=household, after=household_snapshot(household), user=user)
    return household


def update_household(household: Household, values: HouseholdValues, *, user=None) -> None:
    before = household_snapshot(household)
    for key, value in _clean_household(values, household.grid, household.id).items():
        setattr(household, key, value)
    db.session.flush()
    db.session.refresh(household, ["building"])
    after = household_snapshot(household)
    if after != before:
        record_event("corrected", household.grid_id, household=household, before=before, after=after, user=user)


def move_household(household: Household, grid: Division, values: HouseholdValues, day: date, *, user=None) -> None:
    """住户搬迁: the household and everyone in it move to a new address, possibly in
    another grid; the event keeps the old and the new address."""
    if household.status != "active":
        raise RegistryError(_("该户已销户。"))
    if not grid.is_grid or not grid.is_active:
        raise RegistryError(_("请选择在用的网格。"), "grid_id")
    if day > local_today():
        raise RegistryError(_("日期不能晚于今天。"), "day")
    before = household_snapshot(household)
    fields = _clean_household(values, grid, household.id if grid.id == household.grid_id else None)
    for key in ("household_number", "building_id", "unit", "room", "address_text"):
        setattr(household, key, fields[key])
    household.grid_id = grid.id
    for membership in household.current_members:
        move_to_grid(membership.resident, grid.id)
        if not membership.resident.current_address or membership.resident.current_address == before["address"]:
            membership.resident.current_address = ""
    db.session.flush()
    db.session.refresh(household, ["building", "grid"])
    for membership in household.current_members:
        if not membership.resident.current_address:
            membership.resident.current_address = household.address
    record_event(
        "household_moved",
        grid.id,
        occurred_on=day,
        household=household,
        before=before,
        after=household_snapshot(household),
        user=user,
    )


def _end_membership(membership: HouseholdMember, day: date) -> None:
    membership.end_date = max(day, membership.start_date)


def add_member(
    household: Household, resident: Resident, relation: str, day: date, *, user=None, kind: str = "member_joined"
) -> HouseholdMember:
    """Put a resident into a household. Someone already in another household must
    leave it first (a move is two steps on purpose: the old household's head may change)."""
    if household.status != "active":
        raise RegistryError(_("该户已销户。"))
    if resident.status != "active":
        raise RegistryError(_("该人员已不在册。"), "resident_id")
    if relation not in reference.RELATIONS:
        raise RegistryError(_("请选择与户主关系。"), "relation")
    current = resident.current_membership
    if current is not None:
        if current.household_id == household.id:
            raise RegistryError(_("此人已是本户成员。"), "resident_id")
        raise RegistryError(
            _("此人目前属于户号 %(number)s，请先办理离户。", number=current.household.household_number), "resident_id"
        )
    serialize("household_members", household.id)  # one head: a column that two saves could both fill
    has_head = household.head_id is not None
    if relation == "head" and has_head:
        raise RegistryError(_("本户已有户主；如需更换，请使用“变更户主”。"), "relation")
    if relation != "head" and not has_head:
        raise RegistryError(_("本户还没有户主，请先登记户主。"), "relation")
    before = household_snapshot(household)
    membership = HouseholdMember(household=household, resident=resident, relation=relation, start_date=day)
    db.session.add(membership)
    if relation == "head":
        household.head = resident
    if resident.grid_id != household.grid_id:
        move_to_grid(resident, household.grid_id)
    db.session.flush()
    db.session.refresh(household, ["memberships"])
    record_event(
        kind,
        household.grid_id,
        occurred_on=day,
        household=household,
        resident=resident,
        before=before,
        after=household_snapshot(household),
        user=user,
    )
    return membership


def remove_member(membership: HouseholdMember, day: date, *, user=None, note: str = "") -> None:
    household = membership.household
    if membership.end_date is not None:
        raise RegistryError(_("该成员已离开本户。"))
    if membership.relation == "head" and len(household.current_members) > 1:
        raise RegistryError(_("此人是户主，请先为该户变更户主。"))
    before = household_snapshot(household)
    _end_membership(membership, day)
    if membership.relation == "head":
        household.head = None
    db.session.flush()
    db.session.refresh(household, ["memberships"])
    record_event(
        "member_left",
        household.grid_id,
        occurred_on=day,
        household=household,
        resident=membership.resident,
        before=before,
        after=household_snapshot(household),
        note=note,
        user=user,
    )


def change_head(
    household: Household,
    new_head: Resident,
    day: date,
    old_head_relation: str,
    relations: dict[int, str] | None = None,
    *,
    user=None,
) -> None:
    """The new head and everyone's relation to them from `day` on; the old rows end."""
    members = {m.resident_id: m for m in household.current_members}
    if new_head.id not in members:
        raise RegistryError(_("新户主须是本户现有成员。"), "new_head_id")
    if household.head_id == new_head.id:
        raise RegistryError(_("此人已是户主。"), "new_head_id")
    if old_head_relation not in reference.RELATIONS or old_head_relation == "head":
        raise RegistryError(_("请选择原户主与新户主的关系。"), "old_head_relation")
    relations = dict(relations or {})
    before = household_snapshot(household)
    for resident_id, membership in members.items():
        if resident_id == new_head.id:
            relation = "head"
        elif resident_id == household.head_id:
            relation = old_head_relation
        else:
            relation = relations.get(resident_id, "other")
        if relation != membership.relation:
            _end_membership(membership, day)
            db.session.add(
                HouseholdMember(household=household, resident_id=resident_id, relation=relation, start_date=day)
            )
    household.head = new_head
    db.session.flush()
    db.session.refresh(household, ["memberships"])
    record_event(
        "head_changed",
        household.grid_id,
        occurred_on=day,
        household=household,
        resident=new_head,
        before=before,
        after=household_snapshot(household),
        user=user,
    )


def split_household(
    household: Household,
    resident_ids: list[int],
    new_values: HouseholdValues,
    new_head_id: int,
    day: date,
    *,
    user=None,
) -> Household:
    """分户: some members leave to form a new household (with its own head)."""
    members = {m.resident_id: m for m in household.current_members}
    if not resident_ids or set(resident_ids) - set(members):
        raise RegistryError(_("请选择本户中要分出的成员。"), "members")
    if household.head_id in resident_ids:
        raise RegistryError(_("户主不能分出；如需分出，请先变更户主。"), "members")
    if new_head_id not in resident_ids:
        raise RegistryError(_("新户的户主须在分出的成员中。"), "new_head_id")
    before = household_snapshot(household)
    new_household = create_household(new_values, household.grid, user=user)
    for resident_id in [new_head_id] + [r for r in resident_ids if r != new_head_id]:
        _end_membership(members[resident_id], day)
        db.session.add(
            HouseholdMember(
                household=new_household,
                resident_id=resident_id,
                relation="head" if resident_id == new_head_id else "other",
                start_date=day,
            )
        )
    new_household.head_id = new_head_id
    db.session.flush()
    db.session.refresh(household, ["memberships"])
    db.session.refresh(new_household, ["memberships", "head"])
    record_event(
        "household_split",
        household.grid_id,
        occurred_on=day,
        household=household,
        before=before,
        after={"from": household_snapshot(household), "new": household_snapshot(new_household)},
        user=user,
    )
    return new_household


def merge_households(target: Household, source: Household, day: date, *, user=None) -> None:
    """并户: everyone in `source` joins `target` (its head becomes 其他 unless told), and
    `source` is closed."""
    if target.id == source.id:
        raise RegistryError(_("不能与本户合并。"), "source_id")
    if source.status != "active" or target.status != "active":
        raise RegistryError(_("该户已销户。"), "source_id")
    before = {"target": household_snapshot(target), "source": household_snapshot(source)}
    for membership in source.current_members:
        _end_membership(membership, day)
        db.session.add(
            HouseholdMember(household=target, resident_id=membership.resident_id, relation="other", start_date=day)
        )
        move_to_grid(membership.resident, target.grid_id)
    source.head = None
    source.status = "closed"
    db.session.flush()
    db.session.refresh(target, ["memberships"])
    record_event(
        "household_merged",
        target.grid_id,
        occurred_on=day,
        household=target,
        before=before,
        after=household_snapshot(target),
        user=user,
    )


def record_life_event(resident: Resident, kind: str, day: date | None, note: str, user, today: date) -> PopulationEvent:
    """结婚 or 怀孕, as the grid worker learned it (住户婚丧嫁娶、怀孕出生)."""
    if resident.status != "active":
        raise RegistryError(_("只能为在册人员记录。"), "kind")
    if kind not in reference.LIFE_EVENTS:
        raise RegistryError(_("请选择婚育情况。"), "kind")
    if kind == "pregnancy" and resident.sex != "F":
        raise RegistryError(_("怀孕只能登记在女性名下。"), "kind")
    if day is None:
        raise RegistryError(_("请按 2024-01-05 的格式填写日期。"), "day")
    if day > today:
        raise RegistryError(_("日期不能晚于今天。"), "day")
    membership = resident.current_membership
    return record_event(
        kind,
        resident.grid_id,
        occurred_on=day,
        household=membership.household if membership else None,
        resident=resident,
        note=(note or "").strip()[:200],
        user=user,
    )
