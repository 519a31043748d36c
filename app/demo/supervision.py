"""Demo supervision data around the demo grid's community: the county's admission
list, a town scheduling meeting and a community regular meeting, a training, tasks
from the list and one outside it (with its approval), and an inspection whose
problems are re-checked — some overdue, so every list has something to show; and the
demo grid's points of responsibility, one supervised last month, one not (flagged), the
market inspected as a point."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select

from app.auth.models import User
from app.core.timeutil import local_today
from app.extensions import db
from app.org.models import Department, Division
from app.registry.points.models import ResponsibilityPoint
from app.supervision import inspections, meetings, tasks

# (item, department short name, basis): typical of a county's 准入事项 list (004 lists 82).
ADMITTED_ITEMS = [
    ("实有人口信息采集与更新", "公安", "县委政法委、县公安局《关于推进网格化服务管理的实施意见》"),
    ("出租房屋和流动人口登记", "公安", "《流动人口服务管理条例》；县公安局〔2024〕5号"),
    ("城乡低保、特困对象入户核查", "民政", "《社会救助暂行办法》；县民政局〔2024〕12号"),
    ("高龄津贴申领代办", "民政", "县民政局〔2023〕31号"),
    ("城乡居民养老保险参保动员", "人社", "县人社局〔2024〕8号"),
    ("安全生产隐患排查上报", "安监", "《安全生产法》第七十七条；县应急管理局〔2024〕3号"),
    ("门前三包责任书签订与检查", "城管", "《县城市市容和环境卫生管理办法》"),
    ("矛盾纠纷排查与调解", "司法", "《人民调解法》；县司法局〔2024〕2号"),
    ("食品小作坊、小摊贩登记", "市场监管", "《食品安全法》第三十六条"),
]


def load_demo_supervision(grid: Division) -> int:
    """Seed around `grid` (the demo grid worker's). Returns the number of records added."""
    today = local_today()
    users = {
        u.username: u
        for u in db.session.scalars(select(User).where(User.username.in_(("admin", "town", "station", "grid"))))
    }
    departments = {d.short_name: d for d in db.session.scalars(select(Department))}
    items = []
    for name, department, basis in ADMITTED_ITEMS:
        if department in departments:
            items.append(tasks.add_item(tasks.ItemValues(name, departments[department].id, basis), users["admin"]))
    community, town = grid.parent, grid.parent.parent
    grids = list(
        db.session.scalars(
            select(Division)
            .where(Division.parent_id == community.id, Division.status == "active")
            .order_by(Division.code)
        )
    )
    town_staff = meetings.staff_of(town, users["town"])[:8]
    station_staff = meetings.staff_of(community, users["station"])[:10]

    scheduling = meetings.record_meeting(
        meetings.MeetingValues(
            kind="scheduling",
            held_on=today - timedelta(days=12),
            place="街道三楼会议室",
            host="街道党工委书记",
            minutes="通报上月事件办结情况；各社区汇报重点人员稳控和出租房屋排查进度。",
            decisions="各社区本月底前完成出租房屋和流动人口信息核对\n下周一前上报消防通道堵塞隐患清单",
        ),
        town,
        town_staff,
        users["town"],
        today=today - timedelta(days=12),
    )
    regular = meetings.record_meeting(
        meetings.MeetingValues(
            kind="regular",
            held_on=today - timedelta(days=5),
            place="社区工作站",
            host="社区党委书记",
            minutes="各网格员汇报本周走访、巡查和民情日志情况。",
            decisions="各网格本周内清理楼道堆放杂物",
        ),
        community,
        station_staff,
        users["station"],
        today=today - timedelta(days=5),
    )
    meetings.record_training(
        meetings.TrainingValues(
            today - timedelta(days=20),
            "网格员信息采集与隐私保护",
            "县公安局 王警官",
            Decimal("2.5"),
            place="街道综治中心",
            content="人口信息采集规范；居民隐私保护要求。",
        ),
        town,
        town_staff,
        users["town"],
        today=today - timedelta(days=20),
    )

    # From the list: assigned three weeks ago, due last week; one grid reported in time.
    population = tasks.assign_task(
        tasks.TaskValues(
            title="辖区低保对象入户核查",
            content="逐户核实家庭收入和人口变化，填写核查表。",
            deadline=today - timedelta(days=7),
            source="admitted",
            admitted_item_id=items[2].id,
        ),
        town,
        grids[:3],
        users["town"],
        today=today - timedelta(days=21),
    )
    tasks.report_completion(
        population.targets[0],
        today - timedelta(days=9),
        "已核查 18 户，2 户收入变化已报民政。",
        users["grid"],
        today=today - timedelta(days=9),
    )
    # Outside the list, with its approval on record.
    tasks.assign_task(
        tasks.TaskValues(
            title="冬季燃气安全宣传入户",
            content="向每户发放燃气安全告知书。",
            deadline=today + timedelta(days=10),
            source="approved",
            approved_by="街道办事处主任 李明",
            approval_document="城关街道办〔2026〕27号",
            approved_on=today - timedelta(days=2),
        ),
        town,
        grids[:2],
        users["town"],
        today=today,
    )
    tasks.task_from_decision(
        regular.decisions[0],
        tasks.TaskValues(
            title=regular.decisions[0].text, content="", deadline=today + timedelta(days=2), source="meeting"
        ),
        grids[:2],
        users["station"],
        today=today,
    )
    tasks.task_from_decision(
        scheduling.decisions[0],
        tasks.TaskValues(
            title=scheduling.decisions[0].text, content="", deadline=today + timedelta(days=14), source="meeting"
        ),
        [community],
        users["town"],
        today=today,
    )

    market = _demo_points(grid, today)
    found = inspections.record_inspection(
        inspections.InspectionValues(
            inspected_on=today - timedelta(days=14),
            inspectors="街道督查组 赵刚、孙丽",
            items_checked="民情日志、巡查记录、门前三包",
            place=market,
            problems="民情日志缺少本月 3 日、4 日记录\n2 家商铺未签门前三包责任书\n市场东侧垃圾未及时清运",
            deadline=today - timedelta(days=7),
        ),
        grid,
        users["town"],
        today=today - timedelta(days=14),
    )
    first, second, _third = found.rectifications
    inspections.record_recheck(
        first, today - timedelta(days=6), True, "已补记", None, users["town"], today=today - timedelta(days=6)
    )
    inspections.record_recheck(
        second,
        today - timedelta(days=6),
        False,
        "仍有 1 家未签",
        today + timedelta(days=5),
        users["town"],
        today=today - timedelta(days=6),
    )
    inspections.record_inspection(
        inspections.InspectionValues(
            inspected_on=today - timedelta(days=3), inspectors="街道督查组 赵刚", items_checked="巡查记录、台账"
        ),
        grids[1] if len(grids) > 1 else grid,
        users["town"],
        today=today - timedelta(days=3),
    )
    db.session.flush()
    return len(items) + 13


def _demo_points(grid: Division, today) -> ResponsibilityPoint:
    """Three points of the demo grid, registered two months ago: the road supervised
    last month, the green not (the list flags it), the market (returned) left to the
    inspection that names it."""
    from app.registry.points import services as points

    created = datetime.combine(today - timedelta(days=62), time(9))
    made = {}
    for kind, name, place, unit, person in (
        ("road", "幸福路（1-4号楼段）", "幸福路1号至4号楼", "街道城建办", "周建国"),
        ("market", "幸福路农贸市场", "幸福路与东关街交叉口", "市场服务中心", "刘芳"),
        ("green", "中心广场绿地", "社区中心广场", "县园林绿化中心", ""),
    ):
        point = points.create_point(grid, points.PointValues(kind, name, place, unit, person))
        point.created_at = created
        made[kind] = point
    last_month = today.replace(day=1) - timedelta(days=10)
    points.record_supervision(
        made["road"], last_month, "网格长、街道城建办周建国", True, "路面破损两处，已报城建办修补", None, last_month
    )
    return made["market"]
