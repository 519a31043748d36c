"""Codes of the matters loop and their labels (UI strings, translated)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

# The six classes of reportable matters (docs/domain.md, 004).
CLASSES = {
    "city": _l("城市管理"),
    "order": _l("社会治安"),
    "environment": _l("环境保护"),
    "livelihood": _l("民生服务"),
    "safety": _l("公共安全"),
    "dispute": _l("矛盾纠纷"),
}

SOURCES = {
    "grid_worker": _l("网格员上报"),
    "visit": _l("群众来访"),
    "online": _l("群众网上提交"),
    "hotline": _l("12345热线"),
    "assigned": _l("上级交办"),
    "inspection": _l("督查发现"),
}

URGENCIES = {"normal": _l("一般"), "urgent": _l("紧急"), "major": _l("重大")}

# Where a matter stands. "verified" waits for dispatch at its owner level.
STATUSES = {
    "reported": _l("待核实"),
    "verified": _l("待派遣"),
    "handling": _l("处置中"),
    "checking": _l("待核查"),
    "closed": _l("已结案"),
    "invalid": _l("不予受理"),
    "merged": _l("已合并"),
}
OPEN_STATUSES = ("reported", "verified", "handling", "checking")

# Levels that own or handle a matter, lowest first. A department sits beside the
# town and county: it is dispatched to, never escalated to.
LEVELS = {
    "grid": _l("网格"),
    "community": _l("村（社区）工作站"),
    "town": _l("镇（街道）"),
    "county": _l("县级"),
    "department": _l("职能部门"),
}
ESCALATION = {"grid": "community", "community": "town", "town": "county"}

# Time limits in working days (docs/domain.md, 002 篇七/篇八), configurable per county:
# handling at each level, verifying a report, and sending on to the county.
DEFAULT_TIME_LIMITS = {
    "verify": 1,
    "grid": 1,
    "community": 3,
    "town": 5,
    "department": 5,
    "county": 5,
    "escalate_to_county": 2,
    # A 紧急 or 重大 matter's stages take at most this many days each, whatever the
    # level's or the subtype's own limit.
    "urgent_cap": 2,
    "major_cap": 1,
}
TIME_LIMIT_LABELS = {
    "verify": _l("受理核实"),
    "grid": _l("网格处置"),
    "community": _l("村（社区）处置"),
    "town": _l("镇（街道）处置"),
    "department": _l("职能部门处置"),
    "county": _l("县级处置"),
    "escalate_to_county": _l("上报县级（镇街转送）"),
    "urgent_cap": _l("紧急事件每个环节最多"),
    "major_cap": _l("重大事件每个环节最多"),
}
# Which cap applies to which urgency.
URGENCY_CAPS = {"urgent": "urgent_cap", "major": "major_cap"}

# 迟报 (003 "坚决防止迟报、瞒报、漏报"): reported more than this many hours after it
# happened. Overridable in instance/config.py as LATE_REPORT_HOURS (the same keys).
DEFAULT_LATE_REPORT_HOURS = {"normal": 24, "urgent": 2, "major": 1}


def late_report_hours() -> dict[str, int]:
    from flask import current_app

    return {**DEFAULT_LATE_REPORT_HOURS, **current_app.config.get("LATE_REPORT_HOURS", {})}


ACTIONS = {
    "report": _l("上报"),
    "verify": _l("受理核实"),
    "reject": _l("不予受理"),
    "merge": _l("合并为重复事件"),
    "handle_on_spot": _l("当场办结"),
    "dispatch": _l("分派"),
    "escalate": _l("上报上级"),
    "progress": _l("处置进展"),
    "request_extension": _l("申请延期"),
    "approve_extension": _l("同意延期"),
    "refuse_extension": _l("不同意延期"),
    "send_back": _l("退回"),
    "feed_back": _l("办结反馈"),
    "pass_check": _l("核查通过，结案"),
    "rework": _l("返工"),
    "publish": _l("公示"),
    "rate": _l("评价"),
    "reopen": _l("重新办理"),
    "urge": _l("督办"),
    "chase": _l("催办"),
}

# What the note of each step is called on its form.
NOTE_LABELS = {
    "": _l("说明"),
    "reject": _l("不予受理理由"),
    "escalate": _l("上报理由"),
    "handle_on_spot": _l("处置结果"),
    "feed_back": _l("办理结果"),
    "progress": _l("处置进展"),
    "request_extension": _l("延期理由"),
    "send_back": _l("退回理由"),
    "rework": _l("返工原因"),
    "rate": _l("评价意见"),
    "reopen": _l("重新办理的原因"),
    "urge": _l("督办意见"),
    "chase": _l("催办说明"),
}

RATINGS = {"satisfied": _l("满意"), "basically": _l("基本满意"), "unsatisfied": _l("不满意")}
URGE_LEVELS = {"yellow": _l("黄牌督办"), "red": _l("红牌督办")}
LIGHTS = {"green": _l("正常"), "yellow": _l("即将超期"), "red": _l("已超期")}

DISPUTE_TYPES = {
    "family": _l("婚姻家庭"),
    "neighbour": _l("邻里"),
    "land": _l("土地"),
    "labour": _l("劳资"),
    "property": _l("物业"),
    "demolition": _l("征地拆迁"),
    "other": _l("其他"),
}
# City management's two kinds (数字化城市管理): objects and behaviour.
TYPE_KINDS = {"component": _l("部件（设施、物体）"), "event": _l("事件（行为、现象）")}

RISK_LEVELS = {"low": _l("低"), "medium": _l("中"), "high": _l("高")}


def label(table: dict, code) -> str:
    return str(table.get(code, code or ""))
