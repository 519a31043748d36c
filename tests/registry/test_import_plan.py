"""The import as a plan checked in Python and written in bulk: what one file that
creates, updates and joins at once records, refusals that depend on other rows,
the all-or-nothing write, and files larger than one look-up batch."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from app.core.bulk import PreparedRows
from app.core.database import write_transactions
from app.core.timeutil import local_today
from app.extensions import db
from app.registry.keypersons.models import KeyPerson
from app.registry.people import services
from app.registry.people.models import Household, HouseholdMember, PopulationEvent, Resident
from app.registry.transfer.xlsx_import import ImportScope, apply_plan, check_import, prepare_plan, run_import
from tests.conftest import counting_statements
from tests.factories import make_id_number
from tests.registry.test_import import counts, sheet


def scope_of(world, user="worker_a", grids=None):
    grids = grids or [world.grid_a]
    return ImportScope({g.code: g for g in grids}, None, world.users[user] if user else None)


def apply(world, rows, **scope):
    """Check and write one sheet in a write transaction, as the confirm page does."""
    with write_transactions():
        report = run_import(sheet(rows), scope_of(world, **scope), dry_run=False)
        if report.ok:
            db.session.commit()
        else:
            db.session.rollback()
    return report


def problems(report) -> list[tuple[int, str, str]]:
    return [(p.row_number, p.column, p.message) for p in report.problems]


def events(**where) -> list[PopulationEvent]:
    return list(db.session.scalars(select(PopulationEvent).filter_by(**where).order_by(PopulationEvent.id)))


def test_the_same_id_number_twice_is_refused_at_the_second_row(app, world):
    number = make_id_number("19750102", 41)
    rows = [
        [world.grid_a.code, "A100", "户主", "赵大", number, None, None, None, None, None, "东关路1号"],
        [world.grid_a.code, "A101", "户主", "赵大", number.lower()],
        [
            world.grid_a.code,
            "A101",
            "子女",
            "赵二",
            make_id_number("20100506", 43),
            None,
            None,
            None,
            None,
            None,
            "东关路2号",
        ],
    ]
    before = counts()
    with write_transactions():
        report = run_import(sheet(rows), scope_of(world), dry_run=False)
    assert problems(report)[0] == (3, "证件号码", "与第 2 行是同一人（证件号码相同），请只保留一行。")
    # A101 lost its head row: its other member is refused too, nothing is written.
    assert problems(report)[1:] == [(4, "与户主关系", "本户还没有户主，请先登记户主。")]
    db.session.rollback()
    assert counts() == before


def test_one_file_updates_creates_and_joins_and_records_each_change(app, world):
    zhang = world.residents["a"]  # heads A001 in grid A
    wife = make_id_number("19720101", 95, male=False)
    child = make_id_number("20050505", 96)
    rows = [
        [world.grid_a.code, "A001", "户主", "张伟", zhang.id_number, None, "13900000000"],  # updated (phone)
        [world.grid_a.code, "A001", "配偶", "张妻", wife],  # created, joins A001
        [world.grid_a.code, "A200", "户主", "张子", child, None, None, "1号楼", "3", "302"],  # new household
    ]
    report = apply(world, rows)
    assert report.ok, problems(report)
    assert vars(report.residents) == {"created": 2, "updated": 1, "unchanged": 0}
    assert vars(report.households) == {"created": 1, "updated": 1, "unchanged": 0}

    db.session.expire_all()
    assert db.session.get(Resident, zhang.id).phone == "13900000000"
    a001 = db.session.get(Household, world.households["a"].id)
    assert [(m.resident.name, m.relation) for m in a001.current_members] == [("张伟", "head"), ("张妻", "spouse")]
    a200 = db.session.scalar(select(Household).where(Household.household_number == "A200"))
    assert (
        a200.head.name == "张子" and a200.building_id == world.building_a.id and a200.address == "东关路1号3单元302室"
    )

    recorded = [
        (e.kind, e.household.household_number if e.household else None, e.resident.name if e.resident else None)
        for e in events(recorded_by_id=world.users["worker_a"].id)
    ]
    assert recorded == [
        ("corrected", None, "张伟"),
        ("registered", None, "张妻"),
        ("member_joined", "A001", "张妻"),
        ("household_created", "A200", None),
        ("registered", None, "张子"),
        ("member_joined", "A200", "张子"),
    ]
    corrected, registered, joined, created, _r, head_joined = events(recorded_by_id=world.users["worker_a"].id)
    assert corrected.before == {"phone": "13912345678"} and corrected.after == {"phone": "13900000000"}
    assert registered.after["id_number"] == wife and registered.after["sex"] == "F" and registered.before is None
    assert joined.before["members"] == [["张伟", "head"]]
    assert joined.after["members"] == [["张伟", "head"], ["张妻", "spouse"]] and joined.after["head"] == "张伟"
    assert created.after["head"] is None and created.after["members"] == [] and created.after["address"] == a200.address
    assert head_joined.after["head"] == "张子"
    assert all(e.occurred_on == local_today() for e in (corrected, joined, created))

    # Pinyin keys are written for search, as the forms do.
    spouse = db.session.scalar(select(Resident).where(Resident.id_number == wife))
    assert (spouse.name_pinyin, spouse.name_initials) == services.pinyin_keys("张妻")

    # The same file again changes nothing and records nothing.
    before = counts()
    report = apply(world, rows)
    assert vars(report.residents) == {"created": 0, "updated": 0, "unchanged": 3}
    assert vars(report.households) == {"created": 0, "updated": 0, "unchanged": 2}
    assert counts() == before


def test_a_failed_write_leaves_the_database_unchanged(app, world, monkeypatch):
    rows = [
        [
            world.grid_a.code,
            "A300",
            "户主",
            "周一",
            make_id_number("19800808", 61),
            None,
            None,
            None,
            None,
            None,
            "李家村三组",
        ],
        [world.grid_a.code, "A001", "子女", "张小", make_id_number("20120101", 62)],
        [world.grid_a.code, "A001", "户主", "张伟", world.residents["a"].id_number, None, "13900000000"],
    ]
    real_execute = PreparedRows.execute

    def failing_execute(rows, session, ids):
        if rows.table is PopulationEvent.__table__:  # the last statement: everything else is written by now
            raise RuntimeError("disk full")
        return real_execute(rows, session, ids)

    monkeypatch.setattr(PreparedRows, "execute", failing_execute)
    before = counts()
    with write_transactions():
        with pytest.raises(RuntimeError, match="disk full"):
            run_import(sheet(rows), scope_of(world), dry_run=False)
        # Rolled back to where the import began, within the caller's transaction.
        db.session.expire_all()
        assert db.session.scalar(select(func.count()).select_from(Resident)) == before["Resident"]
        assert db.session.get(Resident, world.residents["a"].id).phone == "13912345678"
        db.session.rollback()
    assert counts() == before


def test_a_resident_of_another_grid_moves_with_their_key_person_listing(app, world):
    lina = world.residents["b"]  # heads B001 in grid B, listed as a key person there
    with write_transactions():
        services.remove_member(world.households["b"].current_members[0], dt.date(2024, 6, 1))
        db.session.commit()
    rows = [[world.grid_a.code, "A400", "户主", "李娜", lina.id_number, None, None, None, None, None, "东关路4号"]]
    # A grid worker of grid A may not see her: only the station holding her is named.
    report = apply(world, rows)
    assert problems(report) == [
        (2, "证件号码", "该证件号码已登记在 河西街道滨河社区 滨河一网格，请联系该工作站核实，不要重复登记。")
    ]
    # The county administrator may: she moves into grid A, and her listing follows.
    report = apply(world, rows, user="admin", grids=[world.grid_a, world.grid_b])
    assert report.ok and vars(report.residents) == {"created": 0, "updated": 1, "unchanged": 0}
    db.session.expire_all()
    assert db.session.get(Resident, lina.id).grid_id == world.grid_a.id
    assert {k.grid_id for k in db.session.scalars(select(KeyPerson).where(KeyPerson.resident_id == lina.id))} == {
        world.grid_a.id
    }
    joined = events(kind="member_joined", resident_id=lina.id)[-1]
    assert joined.grid_id == world.grid_a.id and joined.after["members"] == [["李娜", "head"]]


def test_a_person_without_a_number_is_found_by_name_in_their_household(app, world):
    rows = [[world.grid_a.code, "A500", "户主", "John", None, None, None, None, None, None, "东关路5号"]]
    header = [
        "网格编码",
        "户号",
        "与户主关系",
        "姓名",
        "证件号码",
        "出生日期",
        "联系电话",
        "楼栋",
        "单元",
        "室",
        "地址",
        "人口类型",
    ]
    with write_transactions():
        report = run_import(sheet([rows[0] + ["境外人员"]], header), scope_of(world), dry_run=False)
        assert report.ok, problems(report)
        db.session.commit()
        rows[0][6] = "13600000000"
        report = run_import(sheet([rows[0] + ["境外人员"]], header), scope_of(world), dry_run=False)
        db.session.commit()
    assert vars(report.residents) == {"created": 0, "updated": 1, "unchanged": 0}
    people = list(db.session.scalars(select(Resident).where(Resident.name == "John")))
    assert len(people) == 1 and people[0].phone == "13600000000" and people[0].id_number is None


def test_care_tags_in_any_order_leave_a_person_unchanged(app, world):
    row = [
        world.grid_a.code,
        "A600",
        "户主",
        "吴一",
        make_id_number("19500101", 70),
        None,
        None,
        None,
        None,
        None,
        "东关路6号",
        "残疾人、留守儿童",
    ]
    assert apply(world, [row]).ok
    row[11] = "留守儿童，残疾人"
    report = apply(world, [row])
    assert vars(report.residents) == {"created": 0, "updated": 0, "unchanged": 1}
    registered = events(kind="registered")[-1]
    assert registered.after["tags"] == ["残疾人", "留守儿童"]  # as the register lists them (by name)
    assert not events(kind="corrected")


@pytest.mark.slow  # a file of thousands of rows
def test_a_file_larger_than_one_look_up_batch(app, world):
    """1,200 people in 400 households: more than 500 ID numbers and household
    numbers, so every look-up runs in several batches."""
    rows = []
    for household in range(400):
        number = f"B{household:04d}"
        for position, relation in enumerate(("户主", "配偶", "子女")):
            sequence = household * 3 + position
            rows.append(
                [
                    world.grid_a.code,
                    number,
                    relation,
                    f"测试{sequence}",
                    make_id_number(
                        f"19{60 + sequence % 40}0101",
                        sequence % 400 + 1,
                        region=f"61{sequence // 400 + 1:02d}02",
                        male=position != 1,
                    ),
                    None,
                    None,
                    None,
                    None,
                    None,
                    f"东关路{household}号" if position == 0 else None,
                ]
            )
    before = counts()
    with write_transactions():
        report, plan = check_import(sheet(rows), scope_of(world), record=True)
        assert report.ok, problems(report)[:3]
        # Everything is worked out before the write, so other savers wait only for
        # a handful of statements: a savepoint, the ids, 1,200 residents in two
        # (1,000 rows a statement), households, memberships, events in three.
        with counting_statements() as preparing:
            prepared = prepare_plan(plan)
        with counting_statements() as writing:
            apply_plan(prepared)
        db.session.commit()
    assert preparing == []
    assert len(writing) <= 12
    assert vars(report.residents) == {"created": 1200, "updated": 0, "unchanged": 0}
    after = counts()
    assert after["Resident"] == before["Resident"] + 1200 and after["Household"] == before["Household"] + 400
    assert after["HouseholdMember"] == before["HouseholdMember"] + 1200
    assert after["PopulationEvent"] == before["PopulationEvent"] + 400 + 1200 * 2
    heads = db.session.scalar(
        select(func.count())
        .select_from(Household)
        .join(Resident, Resident.id == Household.head_id)
        .where(Household.household_number.like("B%"), Resident.name.like("测试%"))
    )
    assert heads == 400
    # Again: everyone found, nothing changes.
    report = apply(world, rows)
    assert vars(report.residents) == {"created": 0, "updated": 0, "unchanged": 1200}
    assert vars(report.households) == {"created": 0, "updated": 0, "unchanged": 400}
    assert counts() == after
    # Each new membership points at the right person: the head row's person heads it.
    sample = db.session.scalar(select(Household).where(Household.household_number == "B0123"))
    assert [(m.resident.name, m.relation) for m in sample.current_members] == [
        ("测试369", "head"),
        ("测试370", "spouse"),
        ("测试371", "child"),
    ]
    assert (
        db.session.scalar(
            select(func.count()).select_from(HouseholdMember).where(HouseholdMember.household_id == sample.id)
        )
        == 3
    )
    # Each event names the person and the household it is about, across statements.
    registered = [e for e in events(kind="registered") if e.after["name"].startswith("测试")]
    assert len(registered) == 1200
    assert all(db.session.get(Resident, e.resident_id).name == e.after["name"] for e in registered)
    for joined in events(kind="member_joined", household_id=sample.id):
        assert joined.resident_id in {m.resident_id for m in sample.current_members}
