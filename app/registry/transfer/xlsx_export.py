"""The masked xlsx exports of residents and households, with the lists' filters."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from flask_babel import gettext as _
from sqlalchemy import Select
from sqlalchemy.orm import selectinload

from app.core.timeutil import local_today
from app.core.xlsx import Column, write_table
from app.extensions import db
from app.org.models import Division
from app.registry.people import reference
from app.registry.people.models import Household, HouseholdMember, Resident


def _membership_value(resident: Resident, attribute: str) -> str:
    membership = resident.current_membership
    if membership is None:
        return ""
    return membership.household.household_number if attribute == "number" else membership.relation_label


def _community(grid: Division | None) -> str:
    return grid.parent.name if grid is not None and grid.parent is not None else ""


def resident_export_columns() -> list[Column]:
    """ID and phone numbers masked (Resident.masked_id / masked_phone), never in full,
    and nothing that gives their hidden digits back (the birth year, not the date)."""
    return [
        Column(lambda r: _community(r.grid), _("社区（村）"), 14),
        Column(lambda r: r.grid.name, _("网格"), 14),
        Column(lambda r: r.grid.code, _("网格编码"), 18),
        Column(lambda r: _membership_value(r, "number"), _("户号"), 10),
        Column(lambda r: _membership_value(r, "relation"), _("与户主关系"), 10),
        Column("name", _("姓名"), 10),
        Column(lambda r: r.id_type_label, _("证件类型"), 12),
        Column(lambda r: r.masked_id, _("证件号码"), 22),
        Column(lambda r: r.sex_label, _("性别"), 6),
        # The year only: beside the masked ID the full date would give its digits back.
        Column(lambda r: r.birth_date.year if r.birth_date else None, _("出生年份"), 8, "int"),
        Column("ethnicity", _("民族"), 8),
        Column(lambda r: r.masked_phone, _("联系电话"), 15),
        Column(lambda r: r.population_type_label, _("人口类型"), 10),
        Column(lambda r: r.political_status_label, _("政治面貌"), 12),
        Column("registered_address", _("户籍地址"), 28),
        Column("current_address", _("现住地址"), 28),
        Column("workplace", _("工作单位"), 20),
        # A floating resident's stay (表6); the 居住证 number masked like any ID number.
        Column("arrival_date", _("来本地日期"), 12, "date"),
        Column(lambda r: r.stay_reason_label, _("暂住事由"), 10),
        Column(lambda r: r.masked_permit, _("居住证号码"), 20),
        Column(lambda r: _("、").join(t.name for t in r.tags), _("关爱标签"), 16),
        Column(lambda r: r.status_label, _("状态"), 8),
    ]


def household_export_columns() -> list[Column]:
    return [
        Column(lambda h: _community(h.grid), _("社区（村）"), 14),
        Column(lambda h: h.grid.name, _("网格"), 14),
        Column(lambda h: h.grid.code, _("网格编码"), 18),
        Column("household_number", _("户号"), 10),
        Column(lambda h: h.type_label, _("户类型"), 10),
        Column(lambda h: h.visit_class_label, _("户分类"), 8),
        Column(lambda h: h.address, _("地址"), 30),
        Column(lambda h: h.head.name if h.head else "", _("户主"), 10),
        Column(lambda h: h.head.masked_id if h.head else "", _("户主证件号码"), 22),
        Column(lambda h: h.head.masked_phone if h.head else "", _("户主联系电话"), 15),
        Column(lambda h: len(h.current_members), _("人数"), 6, "int"),
        Column(
            lambda h: str(reference.RESIDENT_STATUSES["active"]) if h.status == "active" else _("已销户"), _("状态"), 8
        ),
    ]


class Counted:
    """Iterates `items` once, counting them (an export streams its rows)."""

    def __init__(self, items: Iterable):
        self.items, self.count = items, 0

    def __iter__(self) -> Iterator:
        for item in self.items:
            self.count += 1
            yield item


def resident_rows(statement: Select) -> Counted:
    """The residents of `statement`, streamed with what the export columns read."""
    statement = statement.options(
        selectinload(Resident.grid).selectinload(Division.parent),
        selectinload(Resident.tags),
        selectinload(Resident.memberships).selectinload(HouseholdMember.household),
    )
    return Counted(db.session.scalars(statement.execution_options(yield_per=500)))


def household_rows(statement: Select) -> Counted:
    statement = statement.options(
        selectinload(Household.grid).selectinload(Division.parent),
        selectinload(Household.building),
        selectinload(Household.head),
        selectinload(Household.memberships),
    )
    return Counted(db.session.scalars(statement.execution_options(yield_per=500)))


def export_residents(residents: Counted) -> bytes:
    title = _("实有人口登记表（%(day)s 导出，证件号码和电话已脱敏）", day=local_today().isoformat())
    return write_table(resident_export_columns(), residents, title=title, sheet_name=_("实有人口"))


def export_households(households: Counted) -> bytes:
    title = _("住户登记表（%(day)s 导出，证件号码和电话已脱敏）", day=local_today().isoformat())
    return write_table(household_export_columns(), households, title=title, sheet_name=_("住户"))
