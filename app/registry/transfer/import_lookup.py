"""What the register already holds of an import file, found with a few set-based
queries instead of one per row: the people by ID number, the households by grid
and household number with their current members and heads, where the people of
the file live now, everyone's care tags, the buildings the rows may name, and which
grids the importing user sees. IN (...) lists go 500 values at a time."""

from __future__ import annotations

from types import SimpleNamespace

from sqlalchemy import select

from app.core.scoping import visible_division_ids
from app.extensions import db
from app.org.models import Building
from app.registry.people.models import CareTag, Household, HouseholdMember, Resident, ResidentTag
from app.registry.transfer.import_plan import HOUSEHOLD_COLUMNS, RESIDENT_COLUMNS, Home, Member, Person, chunks

PERSON_COLUMNS = [Resident.id] + [getattr(Resident, c) for c in RESIDENT_COLUMNS]


class Found:
    def __init__(self):
        self.people: dict[int, Person] = {}  # by resident id
        self.known: dict[str, Person] = {}  # by ID number: the file's people in the register
        self.homes: dict[tuple[int, str], Home] = {}  # by (grid id, household number)
        self.buildings: dict[int, SimpleNamespace] = {}  # id → grid_id, number, address
        self.building_ids: dict[tuple[int, str], int] = {}  # (grid id, number or name) → id
        self.visible: set[int] | None = None  # grid ids the user sees; None: all

    def look_up(self, id_numbers: list[str], households: list[tuple[int, str]], user) -> Found:
        for chunk in chunks(id_numbers):
            for row in db.session.execute(select(*PERSON_COLUMNS).where(Resident.id_number.in_(chunk))):
                self.known[row.id_number] = self._person(row)
        by_grid: dict[int, list[str]] = {}
        for grid_id, number in households:
            by_grid.setdefault(grid_id, []).append(number)
        self._households(by_grid)
        self._memberships_elsewhere()
        self._tags()
        self._buildings(list(by_grid))
        if user is not None and self.people:
            self.visible = set(db.session.scalars(visible_division_ids(user)))
        return self

    def may_see(self, person: Person) -> bool:
        return person.id is None or self.visible is None or person.fields["grid_id"] in self.visible

    def _person(self, row) -> Person:
        person = Person(row.id, {c: getattr(row, c) for c in RESIDENT_COLUMNS}, {})
        self.people[row.id] = person
        return person

    def _households(self, by_grid: dict[int, list[str]]) -> None:
        """The file's households in the register, their current members and heads."""
        heads: dict[Home, int] = {}
        columns = [Household.id, Household.head_id] + [getattr(Household, c) for c in HOUSEHOLD_COLUMNS]
        for grid_id, numbers in by_grid.items():
            for chunk in chunks(numbers):
                for row in db.session.execute(
                    select(*columns).where(Household.grid_id == grid_id, Household.household_number.in_(chunk))
                ):
                    home = Home(row.id, {c: getattr(row, c) for c in HOUSEHOLD_COLUMNS})
                    self.homes[(grid_id, row.household_number)] = home
                    if row.head_id is not None:
                        heads[home] = row.head_id
        by_id = {home.id: home for home in self.homes.values()}
        for chunk in chunks(list(by_id)):
            for row in db.session.execute(
                select(
                    HouseholdMember.id.label("membership_id"),
                    HouseholdMember.household_id,
                    HouseholdMember.relation,
                    *PERSON_COLUMNS,
                )
                .join(Resident, Resident.id == HouseholdMember.resident_id)
                .where(HouseholdMember.household_id.in_(chunk), HouseholdMember.end_date.is_(None))
                .order_by(HouseholdMember.start_date, HouseholdMember.id)
            ):
                person = self.people.get(row.id) or self._person(row)
                member = Member(by_id[row.household_id], person, row.relation, row.membership_id)
                member.home.members.append(member)
                if person.membership is None:
                    person.membership = member
        for chunk in chunks([i for i in set(heads.values()) if i not in self.people]):
            for row in db.session.execute(select(*PERSON_COLUMNS).where(Resident.id.in_(chunk))):
                self._person(row)
        for home, head_id in heads.items():
            home.head = self.people[head_id]

    def _memberships_elsewhere(self) -> None:
        """The household each person of the file belongs to now, when it is not one
        of the file's (only its number is needed: to say where they are)."""
        homes = {home.id: home for home in self.homes.values()}
        elsewhere = [p.id for p in self.known.values() if p.membership is None]
        for chunk in chunks(elsewhere):
            for row in db.session.execute(
                select(
                    HouseholdMember.resident_id,
                    HouseholdMember.household_id,
                    HouseholdMember.relation,
                    Household.household_number,
                    Household.grid_id,
                )
                .join(Household, Household.id == HouseholdMember.household_id)
                .where(HouseholdMember.resident_id.in_(chunk), HouseholdMember.end_date.is_(None))
                .order_by(HouseholdMember.start_date, HouseholdMember.id)
            ):
                person = self.people[row.resident_id]
                if person.membership is None:
                    home = homes.get(row.household_id) or Home(
                        row.household_id, {"household_number": row.household_number, "grid_id": row.grid_id}
                    )
                    person.membership = Member(home, person, row.relation, 0)

    def _tags(self) -> None:
        for chunk in chunks(list(self.people)):
            for resident_id, tag_id, name in db.session.execute(
                select(ResidentTag.resident_id, CareTag.id, CareTag.name)
                .join(CareTag, CareTag.id == ResidentTag.tag_id)
                .where(ResidentTag.resident_id.in_(chunk))
            ):
                self.people[resident_id].tags[tag_id] = name

    def _buildings(self, grid_ids: list[int]) -> None:
        """The buildings of the file's grids (a row names one by number or name) and
        those the households found point at (their address, and whether they are
        still in the household's grid)."""
        pointed = {h.fields["building_id"] for h in self.homes.values() if h.fields["building_id"]}
        columns = (Building.id, Building.grid_id, Building.number, Building.name, Building.address)
        for chunk in chunks(grid_ids):
            for row in db.session.execute(select(*columns).where(Building.grid_id.in_(chunk)).order_by(Building.id)):
                self._building(row)
        for chunk in chunks(sorted(pointed - set(self.buildings))):
            for row in db.session.execute(select(*columns).where(Building.id.in_(chunk))):
                self._building(row)

    def _building(self, row) -> None:
        self.buildings[row.id] = SimpleNamespace(grid_id=row.grid_id, number=row.number, address=row.address)
        if row.grid_id is not None:
            for text in (row.number, row.name):
                self.building_ids.setdefault((row.grid_id, text), row.id)
