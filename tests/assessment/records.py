"""Hand-built assessment fixtures in March 2026 (no holidays: report days are Mondays
2, 9, 16, 23, 30 and Thursdays 5, 12, 19, 26; weeks judged in March end on Sundays
1, 8, 15, 22, 29).

Grid A (东关一网格, worker_a):
  reports: all on time but 5 March missing and 12 March late  → report_missing 1 × −2, report_late 1 × −1
  patrols: 3 a week but the week of 9–15 March (1 patrol)    → patrol_week_short 1 × −2
  matters: two reported in March, overdue; one urged          → matter_overdue 2 × −2, matter_urged 1 × −1
  a task target due 20 March not done                         → task_target_late 1 × −3
  a rectification due 10 March, closed 20 March               → rectification_late 1 × −3
  a yellow card to the grid                                   → card_yellow −5 (grid only)
  a red and a yellow card to worker_a                         → card_red −10, card_yellow −5 (worker only)
  its one key-group household not visited by the station in Q1 → key_group_visits_short −3 (on 31 March)
  Grid A: 100 − 2 − 1 − 2 − 4 − 1 − 3 − 3 − 5 − 3 = 76 (通报批评)
  worker_a: 100 − 2 − 1 − 2 − 4 − 1 − 3 − 3 − 10 − 5 − 3 = 66 (培训)
Grid B (滨河一网格, worker_b): every report on time, 3 patrols every week, its key-group
household visited by the station on 5 March: 100 and 100.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from app.assessment import services
from app.extensions import db
from app.matters import reporting
from app.matters.models import MatterStep
from app.org.models import StaffAssignment, StaffMember, StaffRole
from app.patrols.models import ChiefReport, Patrol
from app.supervision.models import AssignedTask, Inspection, Rectification, TaskTarget
from app.visits.models import Visit

TODAY = date(2026, 4, 10)
NOW = datetime(2026, 4, 10, 2, 0)
REPORT_DAYS = [date(2026, 3, d) for d in (2, 5, 9, 12, 16, 19, 23, 26, 30)]
WEEK_MONDAYS = [date(2026, 2, 23)] + [date(2026, 3, d) for d in (2, 9, 16, 23)]


def reports(grid, skip=(), late=()):
    for day in REPORT_DAYS:
        if day in skip:
            continue
        # 10:00 local on the day (02:00 UTC); a late one the next morning.
        at = datetime.combine(day, time(2, 0)) + (timedelta(days=1) if day in late else timedelta())
        db.session.add(ChiefReport(grid_id=grid.id, report_day=day, reporter_name="网格员", reported_at=at))


def patrols(grid, staff, short_week=None):
    for monday in WEEK_MONDAYS:
        for i in range(1 if monday == short_week else 3):
            db.session.add(
                Patrol(
                    grid_id=grid.id,
                    staff_id=staff.id,
                    patrol_date=monday + timedelta(days=i),
                    start_time=time(9),
                    end_time=time(10),
                    route="主街",
                )
            )


def overdue_matter(grid, text, created):
    matter = reporting.report(
        reporting.MatterValues(class_code="livelihood", description=text, grid=grid, source="visit")
    )
    matter.created_at = created
    matter.due_at = created + timedelta(days=3)
    db.session.flush()
    return matter


def build_march(world):
    a, b = world.grid_a, world.grid_b
    worker_a, worker_b = world.staff["worker_a"], world.staff["worker_b"]
    reports(a, skip=(date(2026, 3, 5),), late=(date(2026, 3, 12),))
    reports(b)
    patrols(a, worker_a, short_week=date(2026, 3, 9))
    patrols(b, worker_b)
    first = overdue_matter(a, "路灯不亮三月", datetime(2026, 3, 3, 2, 0))
    overdue_matter(a, "井盖缺失三月", datetime(2026, 3, 17, 2, 0))
    db.session.add(
        MatterStep(
            matter_id=first.id,
            action="urge",
            to_status=first.status,
            actor_label="城关镇",
            at=datetime(2026, 3, 10, 2, 0),
            detail={"level": "yellow"},
        )
    )
    task = AssignedTask(
        issuing_division_id=world.town_a.id,
        title="三月入户核查",
        source="approved",
        approved_by="镇长",
        approval_document="城政〔2026〕3号",
        approved_on=date(2026, 3, 1),
        deadline=date(2026, 3, 20),
    )
    target = TaskTarget(task=task, division_id=a.id)
    inspection = Inspection(grid_id=a.id, inspected_on=date(2026, 3, 3), inspectors="督查组", items_checked="台账")
    rectification = Rectification(
        inspection=inspection,
        problem="楼道堆物三月",
        first_deadline=date(2026, 3, 10),
        deadline=date(2026, 3, 10),
        status="passed",
        closed_on=date(2026, 3, 20),
    )
    db.session.add_all([task, target, inspection, rectification])
    station_b = StaffMember(home_division=world.community_b, name="滨河站员", phone="")
    db.session.add(
        StaffAssignment(
            staff=station_b, division=world.community_b, role=StaffRole.OTHER.value, start_date=date(2026, 1, 1)
        )
    )
    db.session.add(
        Visit(grid_id=b.id, household_id=world.households["b"].id, visited_on=date(2026, 3, 5), visitors=[station_b])
    )
    admin = world.users["admin"]
    cards = [
        services.issue_card(a, services.CardValues(a.id, None, "yellow", date(2026, 3, 11), "台账不全"), admin, TODAY),
        services.issue_card(a, services.CardValues(a.id, worker_a.id, "red", date(2026, 3, 12), "空岗"), admin, TODAY),
        services.issue_card(
            a, services.CardValues(a.id, worker_a.id, "yellow", date(2026, 3, 25), "迟到"), admin, TODAY
        ),
    ]
    db.session.commit()
    return {"matter": first, "target": target, "inspection": inspection, "cards": cards}
