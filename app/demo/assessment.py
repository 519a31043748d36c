"""Demo assessment data around the demo grid: a yellow card to the grid and a red one
to its worker last month, the station's satisfaction surveys of the last ended
half-year for the community's grids (one under 80 %) and a few public answers this
half-year — so the boards, their breakdowns and the survey page have something to show.
The county's in-use date is the first of last month (the demo's records begin there:
earlier months would otherwise read as months of missed reports), and the grid's chief
has four upheld 首问 complaints last month — flagged on 跟踪问效 — and one that did not hold."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.assessment import services, surveys
from app.assessment.models import SurveyResponse
from app.auth.models import User
from app.core import settings as system_settings
from app.core.timeutil import local_today, utcnow
from app.extensions import db
from app.org.models import Department, Division

# 首问 complaints about the grid chief last month: (day, upheld, what the resident
# said, (the station's finding, the chief's training note)).
COMPLAINTS = [
    (
        3,
        True,
        "居民来电询问低保续办材料，网格长答复有误，居民多跑一趟",
        ("属实，答复时未核对最新政策", "重新学习低保政策文件并整理常见问题答复口径"),
    ),
    (9, True, "反映楼道堆物三天无人回复", ("属实，网格长外出未转交", "学习首问责任制，外出时指定代办人")),
    (15, False, "反映网格长态度生硬", ("经回访核实，不属实", "")),
    (18, True, "咨询老年证办理，网格长让其自行去镇上询问", ("属实，未按首问责任制代为联系", "")),
    (24, True, "反映路灯不亮，网格长答应上报但未上报", ("属实，已补报为事件", "补报并每日核对民情日志限期协办事项")),
]

# (satisfied, basically, dissatisfied) of 50 respondents, grid by grid.
SURVEY_COUNTS = [(38, 8, 4), (30, 9, 11), (35, 10, 5), (41, 6, 3)]


def load_demo_assessment(grid: Division) -> int:
    """Seed around `grid` (the demo grid worker's). Returns the number of records added."""
    today = local_today()
    users = {u.username: u for u in db.session.scalars(select(User).where(User.username.in_(("town", "station"))))}
    town, station = users.get("town"), users.get("station")
    count = 0
    last_month = today.replace(day=1) - timedelta(days=1)
    system_settings.change("ASSESSMENT_IN_USE_FROM", last_month.replace(day=1), None)
    chiefs = services.chiefs_of(grid, last_month)
    if station is not None and chiefs:
        for day, upheld, content, note in COMPLAINTS:
            services.record_complaint(
                grid,
                services.ComplaintValues(
                    chiefs[0].id, last_month.replace(day=day), content, None, upheld, note[0], note[1]
                ),
                station,
                today,
            )
            count += 1
    if town is not None:
        services.issue_card(
            grid,
            services.CardValues(grid.id, None, "yellow", last_month.replace(day=10), "民情日志连续两周未及时整理上报"),
            town,
            today,
        )
        workers = services.workers_of(grid, last_month)
        if workers:
            services.issue_card(
                grid,
                services.CardValues(
                    grid.id, workers[0].id, "red", last_month.replace(day=20), "督查时网格员空岗，电话无人接听"
                ),
                town,
                today,
            )
        count += 1 + bool(workers)
    year, half = surveys.half_of(today)
    ended = (year, 1) if half == 2 else (year - 1, 2)
    grids = list(
        db.session.scalars(
            select(Division)
            .where(Division.parent_id == grid.parent_id, Division.level == "grid")
            .order_by(Division.code)
        )
    )
    if station is not None:
        for neighbour, (satisfied, basically, dissatisfied) in zip(grids, SURVEY_COUNTS):
            surveys.save_station_survey(
                neighbour,
                surveys.SurveyValues(
                    *ended, satisfied + basically + dissatisfied, satisfied, basically, dissatisfied, "入户问卷"
                ),
                station,
                today,
            )
            count += 1
    count += _units(grid, grids, last_month, today)
    now = utcnow()
    for index, answer in enumerate(("satisfied", "satisfied", "basically", "dissatisfied", "satisfied")):
        db.session.add(
            SurveyResponse(
                grid_id=grid.id, year=year, half=half, answer=answer, created_at=now - timedelta(days=index + 1)
            )
        )
        count += 1
    db.session.flush()
    return count


def _units(grid: Division, grids: list[Division], last_month, today) -> int:
    """Units assessed too: a town's deduction on the demo grid, the county's on a
    department, and two partner units of the demo grid — one active last month, one
    with nothing recorded (the list flags it)."""
    from app.assessment import adjustments
    from app.registry.partners import services as partners

    users = {u.username: u for u in db.session.scalars(select(User).where(User.username.in_(("town", "admin"))))}
    count = 0
    if "town" in users:
        adjustments.record_adjustment(
            adjustments.AdjustmentValues(
                f"division:{grid.id}",
                last_month.replace(day=18),
                -2,
                "消防通道堵塞未及时发现上报",
                "街道督查组督查记录，幸福路 3 号楼消防通道",
            ),
            users["town"],
            today,
        )
        count += 1
    department = db.session.scalar(select(Department).where(Department.short_name == "城管"))
    if "admin" in users and department is not None:
        adjustments.record_adjustment(
            adjustments.AdjustmentValues(
                f"department:{department.id}",
                last_month.replace(day=25),
                -5,
                "占道经营投诉处置不力，群众二次投诉",
                "县督查组督查通报",
            ),
            users["admin"],
            today,
        )
        count += 1
    paired = partners.create_unit(
        partners.PartnerValues(
            "co_building",
            "县自然资源局",
            grids[:2] or [grid],
            "王科长",
            "0917-8812345",
            "每月一次环境整治；帮扶困难户两户；参加网格例会",
        )
    )
    partners.record_activity(
        paired, grid, last_month.replace(day=12), "清理背街小巷垃圾、走访困难户", "干部 6 人", users.get("town"), today
    )
    partners.create_unit(
        partners.PartnerValues(
            "property", "安居物业服务有限公司", [grid], "刘经理", "0917-8823456", "小区设施维修、楼道清洁、配合矛盾调解"
        )
    )
    return count + 3
