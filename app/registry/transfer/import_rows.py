"""Checking an import of residents and households (one row per person) without
writing anything: each row meets the register's rules (app.registry.people.rules)
against what app.registry.transfer.import_lookup found for the whole file, and what the rows
do becomes a Plan (app.registry.transfer.import_plan) for app.registry.transfer.import_write.

Rows are checked household by household in file order. Every row meets every
rule and each refusal is listed, with the services' message, at its row and column:
several in one row, and the rows of a household whose 户主 row was refused (with a
note saying why they cannot join it yet). A row that cannot take part at all (its
grid is wrong, or it repeats an earlier row's number) is still checked on its own
values. As when each row ran the services in a SAVEPOINT of its own, a row's changes
count only when all of it passes (a refused head leaves the household without one
for the rows after it). Events get their before/after snapshots only when the plan
is to be written (not in a preview).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from app.core.forms import RuleError
from app.core.identity import IdType, check_document, normalise_text_digits
from app.core.timeutil import local_today
from app.core.xlsx import ReadResult
from app.extensions import db
from app.org.models import Division
from app.registry.people import locating, reference, services
from app.registry.people.models import CareTag
from app.registry.people.rules import check_household, check_resident
from app.registry.transfer.import_lookup import Found
from app.registry.transfer.import_plan import (
    Home,
    ImportProblem,
    ImportReport,
    ImportScope,
    Member,
    Person,
    Plan,
    home_snapshot,
    person_snapshot,
)

HOUSEHOLD_KEYS = ("household_type", "visit_class", "building", "unit", "room", "address")
# , ， 、 ; ； / and spaces between care tag names.
TAG_SEPARATORS = re.compile(r"[,\uff0c\u3001;\uff1b/\s]+")
# 族, as in 汉 → 汉族 (built from its code point: data, not UI text).
ETHNIC_SUFFIX = chr(0x65CF)
# Which column a rule's refusal (RuleError.field) belongs to.
FIELD_COLUMNS = {
    "resident_id": "id_number",
    "grid_id": "grid_code",
    "building_id": "building",
    "address_text": "address",
}
NEW_HOUSEHOLD = {
    "household_type": "permanent",
    "visit_class": 3,
    "building_id": None,
    "unit": "",
    "room": "",
    "address_text": "",
    "note": "",
}


@dataclass
class _Row:
    number: int
    values: dict
    grid: Division | None  # None: no grid of the user's (the row is checked on its own)
    id_key: str | None
    tag_ids: list[int] | None  # None: nothing written in the cell
    relation: str | None
    alone: bool = False  # checked on its own values only (no grid, or a repeated person)


class RowCheck:
    """One pass over the rows; `run()` returns the report and the plan. With
    `record` False (a preview) the event snapshots and pinyin keys are skipped:
    nothing will be written."""

    def __init__(
        self,
        table: ReadResult,
        headers: dict[str, str],
        scope: ImportScope,
        *,
        record: bool,
        example_notes: set[str],
        example_names: tuple[str, ...],
        visit_levels,
    ):
        self.table, self.scope, self.headers, self.record = table, scope, headers, record
        self.example_notes, self.example_names, self.visit_levels = example_notes, example_names, visit_levels
        self.report = ImportReport(rows=len(table.rows), sheet_name=table.sheet_name)
        self.flagged: set[tuple[int, str | None]] = set()
        self.tags = {
            name: tag_id
            for tag_id, name in db.session.execute(select(CareTag.id, CareTag.name).where(CareTag.is_active))
        }
        self.active_tags = {tag_id: name for name, tag_id in self.tags.items()}
        self.today = local_today()
        self.plan = Plan(self.today, getattr(scope.user, "id", None))
        self.found = Found()
        self.members_added = 0
        self.grid_names: dict[int, str] = {}

    def problem(self, row_number: int, key: str | None, message) -> None:
        """One message per cell: a cell already found unreadable is not refused twice."""
        if key is not None:
            if (row_number, key) in self.flagged:
                return
            self.flagged.add((row_number, key))
        self.report.problems.append(ImportProblem(row_number, self.headers.get(key, "") if key else "", str(message)))

    def refused(self, row_number: int, error: RuleError) -> None:
        key = FIELD_COLUMNS.get(error.field, error.field)
        self.problem(row_number, key if key in self.headers else None, error)

    def refused_all(self, row_number: int, errors: list[RuleError]) -> None:
        for error in errors:
            self.refused(row_number, error)

    def run(self) -> tuple[ImportReport, Plan]:
        for problem in self.table.problems:
            self.problem(problem.row_number, problem.key, problem.message)
        seen_ids: dict[str, int] = {}
        groups: dict[tuple, list[_Row]] = {}
        alone: list[_Row] = []
        for data in self.table.rows:
            row = self._prepare(data.row_number, data.values, seen_ids)
            if row is None:
                continue
            if row.alone:
                alone.append(row)
                continue
            number = row.values.get("household_number")
            key = (row.grid.id, number) if number else ("single", row.number)
            groups.setdefault(key, []).append(row)
        self.found.look_up(list(seen_ids), [key for key in groups if key[0] != "single"], self.scope.user)
        for rows in groups.values():
            if rows[0].values.get("household_number"):
                self._household(rows)
            else:
                self._resident_row(rows[0], None, failed_head=None)
        for row in alone:
            self._alone(row)
        self.report.problems.sort(key=lambda p: p.row_number)
        return self.report, self.plan

    # --- rows, before anything is looked up

    def _prepare(self, number: int, values: dict, seen_ids: dict[str, int]) -> _Row | None:
        if values.get("note") in self.example_notes or str(values.get("name") or "").startswith(self.example_names):
            self.problem(number, "name", _("这是模板中的示例行，请删除后再导入。"))
            return None
        grid = self._grid(number, values)
        alone = grid is None
        id_key = None
        if values.get("id_number"):
            id_key = check_document(
                values.get("id_type") or IdType.RESIDENT_ID.value, values["id_number"], today=self.today
            ).number
            if id_key in seen_ids:
                self.problem(
                    number,
                    "id_number",
                    _("与第 %(row)d 行是同一人（证件号码相同），请只保留一行。", row=seen_ids[id_key]),
                )
                alone = True
            else:
                seen_ids[id_key] = number
        ethnicity = values.get("ethnicity")
        if ethnicity and ethnicity not in reference.ETHNICITIES and ethnicity + ETHNIC_SUFFIX in reference.ETHNICITIES:
            values["ethnicity"] = ethnicity + ETHNIC_SUFFIX
        relation = values.get("relation")
        if relation and not values.get("household_number"):
            self.problem(number, "relation", _("填写了与户主关系，但没有填写户号。"))
        return _Row(number, values, grid, id_key, self._tag_ids(number, values.get("tags")), relation, alone)

    def _grid(self, number: int, values: dict) -> Division | None:
        code = normalise_text_digits(values.get("grid_code"))
        fixed = self.scope.fixed
        if fixed is not None:
            if code and code != fixed.code:
                self.problem(
                    number,
                    "grid_code",
                    _(
                        "网格编码 %(code)s 与所选网格（%(chosen)s %(name)s）不一致。",
                        code=code,
                        chosen=fixed.code,
                        name=fixed.name,
                    ),
                )
                return None
            return fixed
        if not code:
            self.problem(number, "grid_code", _("请填写网格编码，或在导入页面选定一个网格。"))
            return None
        grid = self.scope.grids.get(code)
        if grid is None:
            self.problem(
                number, "grid_code", _("没有网格编码为 %(code)s 的在用网格，或该网格不在您的管辖范围内。", code=code)
            )
        return grid

    def _tag_ids(self, number: int, text: str | None) -> list[int] | None:
        names = [n for n in TAG_SEPARATORS.split(text or "") if n]
        if not names:
            return None
        unknown = [n for n in names if n not in self.tags]
        if unknown:
            self.problem(
                number,
                "tags",
                _(
                    "没有这些关爱标签：%(names)s。可选：%(choices)s。",
                    names=_("、").join(unknown),
                    choices=_("、").join(sorted(self.tags)),
                ),
            )
        return [self.tags[n] for n in dict.fromkeys(names) if n in self.tags]

    def _grid_name(self, grid_id: int) -> str:
        if grid_id not in self.grid_names:
            self.grid_names[grid_id] = db.session.get(Division, grid_id).name
        return self.grid_names[grid_id]

    @staticmethod
    def _grid_ok(grid: Division) -> bool:
        return grid.is_grid and grid.is_active

    # --- one household and its people

    def _household(self, rows: list[_Row]) -> None:
        if len(rows) == 1 and rows[0].relation is None:
            rows[0].relation = "head"  # a household of one: its only member heads it
        heads = [r for r in rows if r.relation == "head"]
        for row in rows:
            if row.relation is None:
                self.problem(row.number, "relation", _("请填写与户主关系。"))
        for extra in heads[1:]:
            self.problem(extra.number, "relation", _("同一户有两个户主，另见第 %(row)d 行。", row=heads[0].number))
            extra.relation = None
        ordered = heads[:1] + [r for r in rows if not heads or r is not heads[0]]
        home, outcome = self._find_or_create_household(ordered)
        joined_before = self.members_added
        # Without a head row a new household refuses its members (the rule says why);
        # with a refused one, its other rows are checked and told so.
        failed_head = None
        for row in ordered:
            ok = self._resident_row(row, home, failed_head=failed_head)
            if row.relation == "head" and not ok:
                failed_head = row.number
        if outcome == "unchanged" and self.members_added > joined_before:
            outcome = "updated"  # the household gained members
        if outcome:
            self.report.households.add(outcome)

    def _household_values(self, rows: list[_Row]) -> tuple[dict, dict]:
        """The household's cells, from the first row that fills each one; another row
        of the same household saying something else is a problem at that row."""
        values, sources = {}, {}
        for row in rows:
            for key in HOUSEHOLD_KEYS:
                value = row.values.get(key)
                if value in (None, ""):
                    continue
                if key not in values:
                    values[key], sources[key] = value, row.number
                elif values[key] != value:
                    self.problem(
                        row.number,
                        key,
                        _("同一户的“%(column)s”与第 %(row)d 行不一致。", column=self.headers[key], row=sources[key]),
                    )
        return values, sources

    def _find_or_create_household(self, rows: list[_Row]) -> tuple[Home | None, str | None]:
        """The household and whether it was created, updated or left unchanged; None
        when it could not be made (its people are then checked but not put into it).
        Every refusal of its values is listed, each at the row that gave the value."""
        grid, number = rows[0].grid, rows[0].values["household_number"]
        given, sources = self._household_values(rows)
        first = rows[0].number
        building_id, building_unknown = None, False
        if given.get("building"):
            building_id = self.found.building_ids.get((grid.id, given["building"]))
            if building_id is None:
                building_unknown = True
                self.problem(
                    sources["building"],
                    "building",
                    _("本网格没有楼栋“%(name)s”，请先在网格页面添加楼栋，或改填地址。", name=given["building"]),
                )
        existing = self.found.homes.get((grid.id, number))
        base = existing.fields if existing is not None else NEW_HOUSEHOLD
        values = services.HouseholdValues(
            household_number=number,
            household_type=given.get("household_type") or base["household_type"],
            visit_class=given.get("visit_class") or base["visit_class"],
            building_id=building_id or (base["building_id"] if "address" not in given else None),
            unit=given.get("unit") or base["unit"],
            room=given.get("room") or base["room"],
            address_text=given.get("address") or base["address_text"],
            note=base["note"],
        )
        errors: list[RuleError] = []
        cleaned = None
        if existing is None:
            if not self._grid_ok(grid):
                errors.append(services.RegistryError(_("请选择在用的网格。"), "grid_id"))
            cleaned, found = self._check_household(values, grid.id, None)
            errors += found
        else:
            before = _household_fields(existing.fields)
            if before != (
                values.household_type,
                values.visit_class,
                values.building_id,
                values.unit,
                values.room,
                values.address_text,
            ):
                cleaned, found = self._check_household(values, existing.fields["grid_id"], existing)
                errors += found
        if building_unknown:
            # The building named is the problem (listed above), not a missing address.
            errors = [e for e in errors if e.field not in ("address_text", "building_id")]
        if errors or building_unknown:
            for error in errors:
                key = FIELD_COLUMNS.get(error.field, error.field)
                self.problem(sources.get(key, first), key if key in self.headers else None, error)
            return None, None
        if existing is None:
            home = Home(None, {"grid_id": grid.id, "status": "active", **cleaned})
            self.found.homes[(grid.id, number)] = home
            self.plan.new_homes.append(home)
            self._event("household_created", grid.id, household=home, after=lambda: self._home_snapshot(home))
            return home, "created"
        if cleaned is not None:
            snapshot = self._home_snapshot(existing) if self.record else None
            if any(existing.fields[key] != value for key, value in cleaned.items()):
                existing.fields.update(cleaned)
                self.plan.home_changed(existing)
                after = self._home_snapshot(existing) if self.record else None
                if after != snapshot:
                    self._event(
                        "corrected", existing.fields["grid_id"], household=existing, before=snapshot, after=after
                    )
        return existing, "updated" if _household_fields(existing.fields) != before else "unchanged"

    def _check_household(
        self, values: services.HouseholdValues, grid_id: int, existing: Home | None
    ) -> tuple[dict, list[RuleError]]:
        taken = self.found.homes.get((grid_id, (values.household_number or "").strip()))
        buildings = self.found.buildings
        return check_household(
            values,
            grid_id,
            number_taken=taken is not None and taken is not existing,
            building_grid=lambda i: buildings[i].grid_id if i in buildings else False,
            visit_levels=self.visit_levels,
        )

    # --- one person

    def _resident_row(self, row: _Row, home: Home | None, *, failed_head: int | None) -> bool:
        """Check one row, list each of its refusals; True when it passed."""
        outcome, errors = self._resident(row, home, failed_head=failed_head)
        if errors:
            self.refused_all(row.number, errors)
            return False
        self.report.residents.add(outcome)
        return True

    def _alone(self, row: _Row) -> None:
        """A row that cannot take part (no grid of the user's, or a person repeated):
        its own values still meet the rules, each refusal listed; nothing is kept."""
        person = self.found.known.get(row.id_key) if row.id_key else None
        if person is not None and not self.found.may_see(person):
            person = None
        if person is None:
            _cleaned, errors = check_resident(self._new_values(row), self._refuse_duplicate, self.today)
        else:
            _cleaned, errors = check_resident(
                self._merged_values(row, person), self._duplicate_check(person), self.today
            )
        self.refused_all(row.number, errors)

    def _resident(self, row: _Row, home: Home | None, *, failed_head: int | None) -> tuple[str | None, list[RuleError]]:
        """Check one row against every rule and, only when all of it passes, take its
        changes into the plan. Returns the outcome and the refusals (none: kept)."""
        errors: list[RuleError] = []
        person = self._find_person(row, home)
        if person is not None and not self.found.may_see(person):
            person = None  # registering it again meets the duplicate refusal, which names only the station
        if person is None:
            if not self._grid_ok(row.grid):
                errors.append(services.RegistryError(_("请选择在用的网格。"), "grid_id"))
            cleaned, found = check_resident(self._new_values(row), self._refuse_duplicate, self.today)
            errors += found
            tags = {i: self.active_tags[i] for i in row.tag_ids or [] if i in self.active_tags}
            outcome, changed = "created", []
        else:
            status = person.fields["status"]
            if status != "active":
                errors.append(
                    services.RegistryError(
                        _(
                            "该人员已不在册（%(status)s），请在人员页面处理。",
                            status=reference.label(reference.RESIDENT_STATUSES, status),
                        ),
                        "id_number",
                    )
                )
            if home is None and person.fields["grid_id"] != row.grid.id:
                errors.append(
                    services.RegistryError(
                        _(
                            "此人已登记在 %(grid)s，与本行网格不一致；迁往其他网格请在住户页面办理。",
                            grid=self._grid_name(person.fields["grid_id"]),
                        ),
                        "grid_id",
                    )
                )
            cleaned, found = check_resident(self._merged_values(row, person), self._duplicate_check(person), self.today)
            errors += found
            tag_ids = row.tag_ids if row.tag_ids is not None else list(person.tags)
            tags = {i: self.active_tags[i] for i in tag_ids if i in self.active_tags}
            changed = [key for key in services.TRACKED_FIELDS if key in cleaned and cleaned[key] != person.fields[key]]
            if sorted(tags.values()) != sorted(person.tags.values()):
                changed.append("tags")
            outcome = "updated" if changed else "unchanged"
        try:
            joins = self._joining(row, home, person if outcome != "created" else None, failed_head)
        except RuleError as error:
            errors.append(error)
        if errors:
            return None, errors
        # The whole row passed: keep it.
        if person is None:
            person = Person(None, {**cleaned, "grid_id": row.grid.id, "status": "active"}, tags)
            if self.record:
                person.fields["name_pinyin"], person.fields["name_initials"] = services.pinyin_keys(cleaned["name"])
            self.plan.new_people.append(person)
            self._event("registered", row.grid.id, resident=person, after=lambda: person_snapshot(person))
        else:
            self._update_person(person, cleaned, tags, changed)
        if joins:
            self._join(home, person, row.relation)
            if outcome == "unchanged":
                outcome = "updated"
        return outcome, []

    def _find_person(self, row: _Row, home: Home | None) -> Person | None:
        if row.id_key:
            return self.found.known.get(row.id_key)
        name = row.values.get("name")
        if home is None or not name:
            return None
        # Without a number, someone already in this household under the same name.
        for member in home.current_members():
            if member.person.fields["name"] == name and not member.person.fields["id_number"]:
                return member.person
        return None

    def _refuse_duplicate(self, id_number: str) -> None:
        """For someone new: the number must not be in the register already. The
        message names the station that holds it — and nothing else about a person
        the user may not be allowed to see; naming it is audited and limited
        (app.registry.people.locating)."""
        holder = self.found.known.get(id_number)
        if holder is None:
            return
        raise locating.duplicate_refusal(id_number, holder.id, holder.fields["grid_id"])

    def _duplicate_check(self, person: Person) -> Callable[[str], None]:
        def refuse(id_number: str) -> None:
            if self.found.known.get(id_number, person) is not person:
                self._refuse_duplicate(id_number)

        return refuse

    def _joining(self, row: _Row, home: Home | None, person: Person | None, failed_head: int | None) -> bool:
        """Whether the row puts the person into the household (services.add_member's
        rules); raises when it may not. `person` is None for someone new;
        `failed_head` the row number of the household's refused 户主 row."""
        if home is None or row.relation is None:
            return False
        current = person.membership if person is not None else None
        if current is not None and current.home is home:
            if current.relation != row.relation:
                raise services.RegistryError(
                    _(
                        "此人在本户登记的与户主关系是“%(old)s”，与表中的“%(new)s”不同；请在住户页面变更户主或修改。",
                        old=reference.label(reference.RELATIONS, current.relation),
                        new=reference.label(reference.RELATIONS, row.relation),
                    ),
                    "relation",
                )
            return False
        if row.relation != "head" and failed_head is not None and home.head is None:
            # Nobody heads the household until that row is put right: say so here.
            raise services.RegistryError(
                _("本户户主所在的第 %(row)d 行未通过检查，改正后本行才能入户。", row=failed_head)
            )
        if home.fields["status"] != "active":
            raise services.RegistryError(_("该户已销户。"))
        if person is not None and person.fields["status"] != "active":
            raise services.RegistryError(_("该人员已不在册。"), "resident_id")
        if row.relation not in reference.RELATIONS:
            raise services.RegistryError(_("请选择与户主关系。"), "relation")
        if current is not None:
            raise services.RegistryError(
                _("此人目前属于户号 %(number)s，请先办理离户。", number=current.home.fields["household_number"]),
                "resident_id",
            )
        has_head = home.head is not None
        if row.relation == "head" and has_head:
            raise services.RegistryError(_("本户已有户主；如需更换，请使用“变更户主”。"), "relation")
        if row.relation != "head" and not has_head:
            raise services.RegistryError(_("本户还没有户主，请先登记户主。"), "relation")
        return True

    def _update_person(self, person: Person, cleaned: dict, tags: dict[int, str], changed: list[str]) -> None:
        before = person_snapshot(person) if self.record and changed else None
        if self.record:
            cleaned["name_pinyin"], cleaned["name_initials"] = services.pinyin_keys(cleaned["name"])
        if any(person.fields[key] != value for key, value in cleaned.items()):
            person.fields.update(cleaned)
            self.plan.person_changed(person)
        if "tags" in changed:
            person.tags = tags
            person.tags_changed = True
            self.plan.person_changed(person)
        if changed:
            after = person_snapshot(person) if self.record else None
            self._event(
                "corrected",
                person.fields["grid_id"],
                resident=person,
                before={k: before[k] for k in changed} if before else None,
                after={k: after[k] for k in changed} if after else None,
            )

    def _join(self, home: Home, person: Person, relation: str) -> None:
        before = self._home_snapshot(home) if self.record else None
        self.members_added += 1
        member = Member(home, person, relation, 1 << 62 | self.members_added)
        home.members.append(member)
        person.membership = member
        self.plan.joins.append(member)
        if relation == "head":
            home.head = person
            self.plan.home_changed(home)
        if person.fields["grid_id"] != home.fields["grid_id"]:
            person.moved_from = person.fields["grid_id"]
            person.fields["grid_id"] = home.fields["grid_id"]
            self.plan.person_changed(person)
        self._event(
            "member_joined",
            home.fields["grid_id"],
            household=home,
            resident=person,
            before=before,
            after=lambda: self._home_snapshot(home),
        )

    def _new_values(self, row: _Row) -> services.ResidentValues:
        v = row.values
        return services.ResidentValues(
            name=_text(v, "name"),
            id_type=v.get("id_type") or IdType.RESIDENT_ID.value,
            id_number=_text(v, "id_number"),
            sex=v.get("sex"),
            birth_date=v.get("birth_date"),
            ethnicity=v.get("ethnicity") or reference.ETHNICITIES[0],
            phone=_text(v, "phone"),
            population_type=v.get("population_type") or "registered",
            registered_address=_text(v, "registered_address"),
            current_address=_text(v, "current_address"),
            political_status=v.get("political_status") or "masses",
            workplace=_text(v, "workplace"),
            note=_text(v, "note"),
            tag_ids=row.tag_ids or [],
        )

    @staticmethod
    def _merged_values(row: _Row, person: Person) -> services.ResidentValues:
        """What the register holds, with every cell the row fills in replacing it."""
        v, held = row.values, person.fields

        def given(key, current):
            value = v.get(key)
            return current if value in (None, "") else value

        return services.ResidentValues(
            name=given("name", held["name"]),
            id_type=given("id_type", held["id_type"]),
            id_number=given("id_number", held["id_number"] or ""),
            sex=given("sex", held["sex"]),
            birth_date=given("birth_date", held["birth_date"]),
            ethnicity=given("ethnicity", held["ethnicity"]),
            phone=given("phone", held["phone"]),
            population_type=given("population_type", held["population_type"]),
            registered_address=given("registered_address", held["registered_address"]),
            current_address=given("current_address", held["current_address"]),
            political_status=given("political_status", held["political_status"]),
            workplace=given("workplace", held["workplace"]),
            # Not columns of the import: kept as the register holds them.
            arrival_date=held["arrival_date"],
            stay_reason=held["stay_reason"],
            residence_permit_number=held["residence_permit_number"],
            note=given("note", held["note"]),
        )

    # --- events (with snapshots only when they will be written)

    def _home_snapshot(self, home: Home) -> dict:
        return home_snapshot(home, self.found.buildings)

    def _event(
        self,
        kind: str,
        grid_id: int,
        *,
        household: Home | None = None,
        resident: Person | None = None,
        before=None,
        after=None,
    ) -> None:
        if not self.record:
            return
        if callable(after):  # a snapshot of the subject as it is now
            after = after()
        self.plan.events.append(
            {
                "kind": kind,
                "grid_id": grid_id,
                "household": household,
                "resident": resident,
                "before": before,
                "after": after,
            }
        )


def _household_fields(fields: dict) -> tuple:
    return (
        fields["household_type"],
        fields["visit_class"],
        fields["building_id"],
        fields["unit"],
        fields["room"],
        fields["address_text"],
    )


def _text(values: dict, key: str, default: str = "") -> str:
    value = values.get(key)
    return default if value in (None, "") else str(value)
