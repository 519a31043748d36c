"""Key-person ledgers (forms 7–11): the register of key and special persons, and the
follow-up records (帮教/帮扶/管控) of four categories within the period. Printed only
by those who may see key persons (Ledger.key_persons); ID numbers and phones masked."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from app.core.identity import age_on
from app.extensions import db
from app.org.models import Division
from app.printing.ledgers import Ledger, LedgerColumn, LedgerScope
from app.registry.keypersons.services import RISK_LEVELS
from app.registry.people.models import FollowUp, Household, HouseholdMember, KeyPerson, KeyPersonCategory, Resident


def _risk(code: str) -> str:
    return str(RISK_LEVELS.get(code, code or ""))


def _address(resident: Resident) -> str:
    membership = resident.current_membership
    return resident.current_address or (membership.household.address if membership else "")


# --- 7 社区重点特殊人员基本信息登记表 ---------------------------------------------------------


def _key_persons(scope: LedgerScope):
    """Key persons listed at some time during the period."""
    return db.session.scalars(
        select(KeyPerson)
        .where(
            KeyPerson.grid_id.in_(scope.grid_ids()),
            KeyPerson.start_date <= scope.end,
            or_(KeyPerson.end_date.is_(None), KeyPerson.end_date >= scope.start),
        )
        .join(Division, Division.id == KeyPerson.grid_id)
        .options(
            selectinload(KeyPerson.resident)
            .selectinload(Resident.memberships)
            .selectinload(HouseholdMember.household)
            .selectinload(Household.building),
            selectinload(KeyPerson.category),
            selectinload(KeyPerson.grid),
            selectinload(KeyPerson.responsible_staff),
        )
        .order_by(Division.code, KeyPerson.start_date, KeyPerson.id)
    )


LEDGER_7 = Ledger(
    number=7,
    title=_l("社区重点特殊人员基本信息登记表"),
    key_persons=True,
    # 9 pt: an ID number ending in X stays on one line in its 38 mm.
    font_pt=9,
    columns=[
        LedgerColumn(_l("姓名"), 18, lambda k: k.resident.name),
        LedgerColumn(_l("性别"), 12, lambda k: k.resident.sex_label),
        LedgerColumn(_l("证件号码"), 38, lambda k: k.resident.masked_id),
        LedgerColumn(_l("人员类别"), 30, lambda k: k.category.name),
        LedgerColumn(_l("风险等级"), 18, lambda k: _risk(k.risk_level)),
        LedgerColumn(_l("列管日期"), 22, lambda k: k.start_date.isoformat()),
        LedgerColumn(_l("联系电话"), 26, lambda k: k.resident.masked_phone),
        LedgerColumn(_l("现住地址"), 42, lambda k: _address(k.resident), lines=2),
        LedgerColumn(_l("责任人"), 20, lambda k: k.responsible_staff.name if k.responsible_staff else ""),
        LedgerColumn(_l("网格"), 22, lambda k: k.grid.name),
    ],
    rows=_key_persons,
)


# --- 8–11 follow-up records by category ---------------------------------------------------


def _follow_ups(category_code: str):
    def rows(scope: LedgerScope):
        return db.session.scalars(
            select(FollowUp)
            .join(KeyPerson, KeyPerson.id == FollowUp.key_person_id)
            .join(KeyPersonCategory, KeyPersonCategory.id == KeyPerson.category_id)
            .join(Division, Division.id == KeyPerson.grid_id)
            .where(
                KeyPerson.grid_id.in_(scope.grid_ids()),
                KeyPersonCategory.code == category_code,
                FollowUp.follow_up_date >= scope.start,
                FollowUp.follow_up_date <= scope.end,
            )
            .options(
                selectinload(FollowUp.key_person).selectinload(KeyPerson.resident),
                selectinload(FollowUp.key_person).selectinload(KeyPerson.grid),
            )
            .order_by(Division.code, FollowUp.follow_up_date, FollowUp.id)
        )

    return rows


def _detail(key: str):
    return lambda f: (f.key_person.details or {}).get(key, "")


def _term(start_key: str, end_key: str):
    def value(f: FollowUp) -> str:
        details = f.key_person.details or {}
        start, end = details.get(start_key, ""), details.get(end_key, "")
        return f"{start}—{end}" if start or end else ""

    return value


def _age(f: FollowUp) -> str:
    birth = f.key_person.resident.birth_date
    return str(age_on(birth, f.follow_up_date)) if birth else ""


def _common(date_header, by_header, content_header, content_width: int, *specific: LedgerColumn):
    return [
        LedgerColumn(_l("姓名"), 18, lambda f: f.key_person.resident.name),
        LedgerColumn(_l("证件号码"), 36, lambda f: f.key_person.resident.masked_id),
        *specific,
        LedgerColumn(date_header, 22, lambda f: f.follow_up_date.isoformat()),
        LedgerColumn(by_header, 20, lambda f: f.performed_by),
        LedgerColumn(content_header, content_width, lambda f: f.content, lines=3),
        LedgerColumn(_l("下次日期"), 20, lambda f: f.next_due_date.isoformat() if f.next_due_date else ""),
        LedgerColumn(_l("网格"), 20, lambda f: f.key_person.grid.name),
    ]


LEDGER_8 = Ledger(
    number=8,
    title=_l("释解教人员安置帮教情况记录表"),
    key_persons=True,
    columns=_common(
        _l("帮教日期"),
        _l("帮教人"),
        _l("帮教情况"),
        48,
        LedgerColumn(_l("释放日期"), 22, _detail("release_date")),
        LedgerColumn(_l("原罪名"), 22, _detail("original_charge")),
        LedgerColumn(_l("安置情况"), 25, _detail("resettlement"), lines=2),
    ),
    font_pt=9,
    rows=_follow_ups("released"),
)

LEDGER_9 = Ledger(
    number=9,
    title=_l("社区矫正人员矫正帮扶情况记录表"),
    key_persons=True,
    columns=_common(
        _l("帮扶日期"),
        _l("帮扶人"),
        _l("帮扶情况"),
        48,
        LedgerColumn(_l("矫正类别"), 20, _detail("correction_type")),
        LedgerColumn(_l("矫正期限"), 42, _term("correction_start", "correction_end")),
    ),
    rows=_follow_ups("correction"),
)

LEDGER_10 = Ledger(
    number=10,
    title=_l("社区戒毒人员服务管理情况记录表"),
    key_persons=True,
    columns=_common(
        _l("服务日期"),
        _l("服务人"),
        _l("服务管理情况"),
        48,
        LedgerColumn(_l("措施"), 20, _detail("measure")),
        LedgerColumn(_l("起止日期"), 42, _term("measure_start", "measure_end")),
    ),
    rows=_follow_ups("drug"),
)

LEDGER_11 = Ledger(
    number=11,
    title=_l("特殊青少年帮扶教育情况记录表"),
    key_persons=True,
    columns=_common(
        _l("帮教日期"),
        _l("帮教人"),
        _l("帮扶教育情况"),
        35,
        LedgerColumn(_l("年龄"), 10, _age),
        LedgerColumn(_l("青少年类别"), 22, _detail("youth_type")),
        LedgerColumn(_l("就学就业"), 24, _detail("school_or_work")),
        LedgerColumn(_l("监护人"), 24, _detail("guardian"), lines=2),
    ),
    font_pt=9,
    rows=_follow_ups("youth"),
)
