"""Demo visits in the demo grid worker's grid: about 60 % of its households visited
this quarter by the grid's staff, some of them verification visits, a few with needs,
so the due list, the visit lists and the verification rates have something to show."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import select

from app.auth.models import User
from app.core.timeutil import local_today
from app.extensions import db
from app.org.models import Division
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
    count = 0
    for household in households:
        if rng.random() > 0.6:
            continue
        visits = 2 if household.visit_class == 1 and rng.random() < 0.5 else 1
        for _ in range(visits):
            verification = household.visit_class in (1, 2) and rng.random() < 0.4
            values = services.VisitValues(
                visited_on=start + timedelta(days=rng.randrange(days)),
                visit_type="verification"
                if verification
                else rng.choice(["routine", "routine", "key", "concentrated"]),
                visitor_ids=[rng.choice(staff).id],
                found=rng.choice(FOUND),
                needs=rng.choice(NEEDS) if rng.random() < 0.2 else "",
            )
            services.record_visit(household, values, user=user)
            count += 1
    return count
