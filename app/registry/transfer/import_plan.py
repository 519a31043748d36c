"""What an import of residents and households is made of: where it may write
(`ImportScope`), what it tells the person (`ImportReport`), and what applying it
writes (`Plan`: people, households and memberships as the register will hold them,
and the population events in the order the rows made them). Checking builds the
plan (app.registry.transfer.import_rows), writing applies it (app.registry.transfer.import_write)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from types import SimpleNamespace
from typing import Any

from flask_babel import gettext as _

from app.org.models import Division
from app.registry.people import services
from app.registry.people.models import Household

# What the import reads and writes of a resident (what events track, and the rest a
# row can change) and of a household.
RESIDENT_COLUMNS = tuple(
    dict.fromkeys(
        services.TRACKED_FIELDS
        + ("name_pinyin", "name_initials", "registered_address", "current_address", "workplace", "note")
    )
)
HOUSEHOLD_COLUMNS = (
    "grid_id",
    "household_number",
    "household_type",
    "visit_class",
    "building_id",
    "unit",
    "room",
    "address_text",
    "note",
    "status",
)
# Values per IN (...): well below SQLite's bound-parameter limit.
CHUNK = 500


def chunks(items: list) -> list[list]:
    return [items[start : start + CHUNK] for start in range(0, len(items), CHUNK)]


# --- Scope and report ------------------------------------------------------------------


@dataclass
class ImportScope:
    """Where an import may write. `grids` by code: the grids rows may name; `fixed`:
    the one grid every row belongs to (chosen on the page, or --grid). `user` None
    is the system (the CLI): it sees every resident."""

    grids: dict[str, Division]
    fixed: Division | None = None
    user: Any = None


@dataclass
class ImportProblem:
    row_number: int
    column: str
    message: str


@dataclass
class Tally:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged

    def add(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)


@dataclass
class ImportReport:
    rows: int = 0
    sheet_name: str = ""
    problems: list[ImportProblem] = field(default_factory=list)
    residents: Tally = field(default_factory=Tally)
    households: Tally = field(default_factory=Tally)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        return _(
            "人员：新增 %(rc)d，更新 %(ru)d，未变 %(rn)d；住户：新立 %(hc)d，更新 %(hu)d，未变 %(hn)d。",
            rc=self.residents.created,
            ru=self.residents.updated,
            rn=self.residents.unchanged,
            hc=self.households.created,
            hu=self.households.updated,
            hn=self.households.unchanged,
        )


# --- The plan ----------------------------------------------------------------------------


@dataclass(eq=False)
class Person:
    """A resident as the import sees it: in the register (`id`) or new (`id` None
    until written). `fields` holds RESIDENT_COLUMNS as they will be stored."""

    id: int | None
    fields: dict
    tags: dict[int, str]  # care tag id → name
    membership: Member | None = None  # the current one
    changed: bool = False  # an existing person whose columns change
    tags_changed: bool = False
    moved_from: int | None = None  # the grid left by joining a household in another


@dataclass(eq=False)
class Home:
    """A household: in the register (`id`) or new. `members` are the current ones."""

    id: int | None
    fields: dict  # HOUSEHOLD_COLUMNS
    head: Person | None = None
    members: list[Member] = field(default_factory=list)
    changed: bool = False  # an existing household whose columns or head change

    def current_members(self) -> list[Member]:
        """As Household.current_members orders them: the head first, then by membership."""
        return sorted(self.members, key=lambda m: (m.relation != "head", m.order))


@dataclass(eq=False)
class Member:
    home: Home
    person: Person
    relation: str
    order: int  # membership id; new ones come after all others


@dataclass
class Plan:
    """What applying the import writes; events in the order the rows made them, each
    {kind, grid_id, household: Home | None, resident: Person | None, before, after}."""

    today: date
    user_id: int | None
    new_people: list[Person] = field(default_factory=list)
    changed_people: list[Person] = field(default_factory=list)
    new_homes: list[Home] = field(default_factory=list)
    changed_homes: list[Home] = field(default_factory=list)
    joins: list[Member] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)

    def person_changed(self, person: Person) -> None:
        if person.id is not None and not person.changed:
            person.changed = True
            self.changed_people.append(person)

    def home_changed(self, home: Home) -> None:
        if home.id is not None and not home.changed:
            home.changed = True
            self.changed_homes.append(home)


# --- Snapshots: what the services' events keep, from the plan's records -----------------


def person_snapshot(person: Person) -> dict:
    """services.snapshot of the person as the plan holds them (tags by name, as the
    register lists them)."""
    return services.snapshot(
        SimpleNamespace(**person.fields, tags=[SimpleNamespace(name=n) for n in sorted(person.tags.values())])
    )


def home_snapshot(home: Home, buildings: dict[int, SimpleNamespace]) -> dict:
    """services.household_snapshot of the household as the plan holds it;
    `buildings` by id, each with number and address."""
    f = home.fields
    shape = SimpleNamespace(
        building=buildings.get(f["building_id"]) if f["building_id"] else None,
        unit=f["unit"],
        room=f["room"],
        address_text=f["address_text"],
    )
    return services.household_snapshot(
        SimpleNamespace(
            household_number=f["household_number"],
            household_type=f["household_type"],
            visit_class=f["visit_class"],
            address=Household.address.fget(shape),
            grid_id=f["grid_id"],
            head=SimpleNamespace(name=home.head.fields["name"]) if home.head else None,
            current_members=[
                SimpleNamespace(resident=SimpleNamespace(name=m.person.fields["name"]), relation=m.relation)
                for m in home.current_members()
            ],
        )
    )
