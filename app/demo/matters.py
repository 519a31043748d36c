"""Demo matters around the demo grid worker's grid, in every stage of the loop, so
each demo account finds something in its inboxes."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.auth.models import User
from app.core.timeutil import utcnow
from app.extensions import db
from app.matters import reporting, services
from app.matters.models import MatterType
from app.org.models import Department, Division

# (class, subtype name, description, place, steps taken, days ago reported)
DEMO_MATTERS = [
    ("city", "井盖缺失或破损", "幸福路口井盖破损下沉，夜间行人易踩空", "幸福路与东门街路口", ["verify"], 0),
    ("city", "占道经营", "早市摊贩占用人行道，行人只能走机动车道", "幸福路3号门前", [], 0),
    ("livelihood", "代办服务", "独居老人申请代办高龄津贴", "幸福路2号1单元", ["verify", "dispatch_grid"], 1),
    ("city", "路灯不亮", "3号楼前路灯连续三晚不亮", "3号楼前", ["verify", "dispatch_department", "feed_back"], 4),
    ("environment", "噪声污染", "夜间工地施工噪声扰民", "东门社区北侧工地", ["verify", "dispatch_department"], 9),
    (
        "dispute",
        "邻里纠纷",
        "楼上漏水导致楼下天花板受损，双方争执",
        "2号楼",
        # Closed, not published: a dispute stays off the public board.
        ["verify", "dispatch_grid", "feed_back", "pass_check"],
        6,
    ),
    ("safety", "消防安全隐患", "楼道堆放杂物堵塞消防通道", "1号楼2单元", ["handle_on_spot", "publish"], 2),
]


def load_demo_matters(grid: Division) -> int:
    users = {
        u.username: u
        for u in db.session.scalars(select(User).where(User.username.in_(("grid", "station", "town", "dept", "admin"))))
    }
    department = db.session.scalar(select(Department).where(Department.short_name == "城管"))
    station, worker = users["station"], users["grid"]
    count = 0
    for class_code, type_name, description, place, steps, days_ago in DEMO_MATTERS:
        matter_type = db.session.scalar(select(MatterType).where(MatterType.name == type_name))
        moment = utcnow() - timedelta(days=days_ago, hours=2)
        matter = reporting.report(
            reporting.MatterValues(
                class_code=class_code,
                description=description,
                grid=grid,
                address=place,
                type_id=matter_type.id if matter_type else None,
            ),
            reporter=worker,
            now=moment,
        )
        for step in steps:
            moment += timedelta(hours=3)
            if step == "verify":
                services.take(matter, "verify", station, now=moment)
            elif step == "dispatch_grid":
                services.take(matter, "dispatch", station, now=moment, level="grid", division_id=grid.id)
            elif step == "dispatch_department":
                services.take(matter, "escalate", station, note="需职能部门处理", now=moment)
                moment += timedelta(hours=1)
                services.take(
                    matter, "dispatch", users["admin"], now=moment, level="department", department_id=department.id
                )
            elif step == "feed_back":
                handler = users["dept"] if matter.handler_level == "department" else worker
                services.take(matter, "feed_back", handler, note="已处理完毕，现场已恢复", now=moment)
            elif step == "pass_check":
                services.take(matter, "pass_check", station, now=moment)
            elif step == "publish":
                services.take(matter, "publish", station, now=moment)
            elif step == "handle_on_spot":
                services.take(matter, "handle_on_spot", worker, note="已联系住户当场清理", now=moment)
        count += 1
    db.session.flush()
    return count
