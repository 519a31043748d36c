"""Demo visits in the demo grid worker's grid: about 60 % of its households visited
this quarter by the grid's staff, a few with needs; verifications by the station and
other grids' staff (some finding the records to correct) and the yearly check of some
households, so the due list, the visit lists and the verification rates have something
to show."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import select

from app.auth.models import User
from app.core.timeutil import local_today
from app.extensions import db
from app.org.models import Division, StaffAssignment, StaffMember, StaffRole
from app.registry.people.models import Household
from app.visits import services
from app.visits.rates import quarter_of

FOUND = [
    "户主在家，家庭情况无变化",
    "核对了家庭成员和联系电话",
    "老人身体尚可，子女在外务工",
    "家中新添一名婴儿",
    "租户已搬走，房屋空置",
    "家中无人，向邻居了解了情况",
]
NEEDS = ["楼道灯不亮", "希望办理高龄津贴", "小区停车难", "咨询医保缴费"]


def load_demo_visits(grid: Division, seed: int = 2024) -> int:
    """Seed visits in `grid`; returns how many were recorded."""
    rng = random.Random(seed)
    today = local_today()
    start, _end = quarter_of(today)
    user = db.session.scalar(select(User).where(User.username == "grid"))
    staff = services.visitor_choices(grid, today)
    if not staff:
        return 0
    households = list(
        db.session.scalars(
            select(Household).where(Household.grid_id == grid.id, Household.status == "active").order_by(Household.id)
        )
    )
    days = max(1, (today - start).days)
    clerk = _station_clerk(grid.parent)
    verifiers = services.verifier_choices(grid, today)
    station_user = db.session.scalar(select(User).where(User.username == "station"))
    count = 0
    for household in households:
        if rng.random() > 0.6:
            continue
        visits = 2 if household.visit_class == 1 and rng.random() < 0.5 else 1
        for _ in range(visits):
            values = services.VisitValues(
                visited_on=start + timedelta(days=rng.randrange(days)),
                visit_type=rng.choice(["routine", "routine", "key", "concentrated"]),
                visitor_ids=[rng.choice(staff).id],
                found=rng.choice(FOUND),
                needs=rng.choice(NEEDS) if rng.random() < 0.2 else "",
            )
            services.record_visit(household, values, user=user)
            count += 1
    # 核实 by someone else: every 一类/二类 household by the station or another grid's
    # staff, the first finding the grid's records out of date; the yearly check of the
    # first three households by the station's clerk.
    verified = [h for h in households if h.visit_class in (1, 2)]
    for index, household in enumerate(verified):
        services.record_verification(
            household,
            services.VerificationValues(
                visited_on=start + timedelta(days=rng.randrange(days)),
                visit_type="verification",
                visitor_ids=[verifiers[index % len(verifiers)].id],
                found="核对了户内人口、联系电话和住房情况",
                record_check="to_correct" if index == 0 else "accurate",
                correction="户主联系电话已更换，登记的仍是旧号码" if index == 0 else "",
            ),
            user=station_user,
        )
        count += 1
    for household in households[:3]:
        services.record_verification(
            household,
            services.VerificationValues(
                visited_on=max(today.replace(month=1, day=1), today - timedelta(days=20)),
                visit_type="annual_check",
                visitor_ids=[clerk.id],
                found="逐人核对了入户信息",
                record_check="accurate",
            ),
            user=station_user,
        )
        count += 1
    return count


def _station_clerk(community: Division) -> StaffMember:
    """The community workstation's clerk (工作站), who verifies and makes the yearly check."""
    clerk = StaffMember(home_division=community, name="周敏（工作站）", phone="0917-8801234")
    db.session.add(clerk)
    db.session.add(
        StaffAssignment(
            staff=clerk,
            division=community,
            role=StaffRole.OTHER.value,
            role_note="工作站",
            start_date=local_today().replace(month=1, day=1),
        )
    )
    db.session.flush()
    return clerk
