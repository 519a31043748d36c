"""The 12345 hotline's sheet: its columns and the spellings accepted for them, the
dates and times hotline files hold, and the import template (app.matters.hotline
reads and applies it)."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timedelta

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl.utils.datetime import WINDOWS_EPOCH, from_excel

from app.core.timeutil import local_today
from app.core.xlsx import ImportColumn, template_workbook
from app.matters import reference
from app.org.models import Division

SOURCE_LOCALE = "zh_CN"
EXAMPLE_PREFIX = _l("示例")  # the template's example row; refused if left in

# Spellings hotline platforms use for the six classes and the urgencies, besides the
# app's own labels.
CLASS_ALIASES = {
    "city": (_l("城管"), _l("市政"), _l("市容"), _l("市容环境"), _l("城乡建设")),
    "order": (_l("治安"), _l("公安")),
    "environment": (_l("环保"), _l("生态环境"), _l("环境")),
    "livelihood": (_l("民生"), _l("社会保障"), _l("便民服务")),
    "safety": (_l("安全"), _l("安全生产"), _l("消防")),
    "dispute": (_l("纠纷"), _l("矛盾"), _l("邻里纠纷")),
}
URGENCY_ALIASES = {
    "normal": (_l("普通"), _l("一般件")),
    "urgent": (_l("加急"), _l("急件"), _l("紧急件")),
    "major": (_l("特急"), _l("重大件")),
}


def spellings(*texts) -> list[str]:
    """Each text as the app shows it now and as it reads in Chinese (files are Chinese)."""
    shown = [str(t) for t in texts]
    with force_locale(SOURCE_LOCALE):
        source = [str(t) for t in texts]
    return list(dict.fromkeys(shown + source))


def _choices(labels: dict, aliases: dict) -> dict[str, str]:
    found: dict[str, str] = {}
    for code, label in labels.items():
        for spelling in spellings(label):
            found.setdefault(spelling, code)
    for code, texts in aliases.items():
        for spelling in spellings(*texts):
            found.setdefault(spelling, code)
    return found


def import_columns() -> list[ImportColumn]:
    """The hotline's columns (and the template's), in the hotline's order."""
    claimed: set[str] = set()

    def column(key, header, *aliases, **options):
        # A translation that happens to equal another column's name is left out.
        names = [n for n in spellings(header, *aliases) if "".join(n.split()).lower() not in claimed]
        claimed.update("".join(n.split()).lower() for n in names)
        return ImportColumn(key, names[0], aliases=tuple(names[1:]), **options)

    return [
        column(
            "hotline_number", _l("工单编号"), _l("工单号"), _l("工单编码"), _l("热线工单号"), required=True, width=20
        ),
        column("called_at", _l("来电时间"), _l("来电日期"), _l("受理时间"), required=True, width=18),
        column(
            "description",
            _l("诉求内容"),
            _l("诉求"),
            _l("来电内容"),
            _l("反映内容"),
            _l("问题描述"),
            required=True,
            width=40,
        ),
        column("address", _l("地址"), _l("事发地址"), _l("诉求地址"), _l("发生地点"), width=28),
        column("due", _l("办结时限"), _l("办理时限"), _l("限办时间"), _l("截止时间"), width=18),
        column(
            "class_code",
            _l("类别"),
            _l("诉求类别"),
            _l("问题类别"),
            _l("事件类别"),
            kind="choice",
            choices=_choices(reference.CLASSES, CLASS_ALIASES),
            required=True,
            width=12,
        ),
        column(
            "urgency",
            _l("紧急程度"),
            _l("紧急度"),
            _l("缓急程度"),
            kind="choice",
            choices=_choices(reference.URGENCIES, URGENCY_ALIASES),
            width=10,
        ),
        column(
            "grid", _l("网格编码"), _l("网格代码"), _l("网格编号"), _l("网格"), _l("所属网格"), _l("网格名称"), width=18
        ),
        column("caller_name", _l("来电人"), _l("来电人姓名"), _l("诉求人"), width=10),
        column("caller_phone", _l("联系电话"), _l("来电号码"), _l("联系方式"), kind="phone", width=15),
    ]


# --- Dates and times ------------------------------------------------------------------

# 2026-11-20, 2026/11/20, 2026.11.20, 2026年11月20日 (\u5e74 年 \u6708 月 \u65e5 日), with an
# optional time 9:30, 09:30:15, 9时30分 (\u65f6 时 \u70b9 点 \u5206 分 \u79d2 秒).
_MOMENT = re.compile(
    r"(\d{4})\s*[-/.\u5e74]\s*(\d{1,2})\s*[-/.\u6708]\s*(\d{1,2})\s*\u65e5?"
    r"(?:[\sT]*(\d{1,2})\s*[:\u65f6\u70b9]\s*(\d{1,2})\s*(?:[:\u5206]\s*(\d{1,2})(?:\.\d+)?\s*\u79d2?)?\s*\u5206?)?"
)
_DIGITS = re.compile(r"(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2})?)?")
_SERIAL = re.compile(r"\d{1,7}(\.\d+)?")


class BadMoment(ValueError):
    pass


def fold(text: str) -> str:
    """Full-width digits and punctuation (２０２６－１１－２０) as ASCII."""
    return unicodedata.normalize("NFKC", text)


def parse_moment(text: str) -> tuple[datetime, bool]:
    """A local (naive) date and time from a cell's text, and whether it had a time.
    Raises BadMoment."""
    folded = fold(text).strip()
    match = _MOMENT.fullmatch(folded) or _DIGITS.fullmatch(folded)
    try:
        if match:
            year, month, day, hour, minute, second = (int(g) if g else None for g in match.groups())
            moment = datetime(year, month, day, hour or 0, minute or 0, second or 0)
            return moment, hour is not None
        # A bare year (2026) would otherwise pass as the serial of a day in 1905.
        if (
            _SERIAL.fullmatch(folded)
            and 1 <= float(folded) < 2958466
            and not (folded.isdigit() and 1000 <= int(folded) <= 2999)
        ):
            moment = from_excel(float(folded), WINDOWS_EPOCH)
            moment = (moment + timedelta(microseconds=500_000)).replace(microsecond=0)
            return moment, float(folded) != int(float(folded))
    except (ValueError, OverflowError):
        pass
    raise BadMoment(folded)


# --- Template ------------------------------------------------------------------------


def template_bytes(grids: list[Division]) -> bytes:
    """An empty hotline sheet with one example row and notes."""
    today = local_today()
    example = {
        "hotline_number": f"{EXAMPLE_PREFIX}-{today:%Y%m%d}0001",
        "called_at": f"{today:%Y-%m-%d} 09:30",
        "description": _("示例：小区门口路灯不亮，请尽快维修。"),
        "address": _("示例路1号"),
        "due": f"{today + timedelta(days=5):%Y-%m-%d}",
        "class_code": str(reference.CLASSES["city"]),
        "urgency": str(reference.URGENCIES["normal"]),
        "grid": grids[0].code if grids else "",
    }
    join = _("、")
    notes = [
        _("每行一张 12345 热线工单。工单编号、来电时间、诉求内容、类别为必填。"),
        _("工单编号请按文本填写。同一工单编号只会导入一次：重复导入同一文件不会重复建事件。"),
        _(
            "来电时间和办结时限可写作 2026-11-20 09:30、2026/11/20 9:30、2026年11月20日 或 Excel 日期；"
            "办结时限只写日期时，指当天 24 时前。"
        ),
        _("类别可填：%(values)s。", values=join.join(str(v) for v in reference.CLASSES.values())),
        _("紧急程度可填：%(values)s；不填按一般。", values=join.join(str(v) for v in reference.URGENCIES.values())),
        _("网格编码填 15 位网格编码或网格名称；在导入页面选定网格时可以不填。"),
        _("您可导入的网格：%(grids)s", grids=join.join(f"{g.code} {g.name}" for g in grids) or "—"),
    ]
    return template_workbook(import_columns(), [example], notes, sheet_name=_("12345热线工单"))
