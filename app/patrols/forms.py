"""Forms of patrols and the 民情日志. Grid and staff choices are filled by the views
(they depend on the user's scope)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import BooleanField, DateField, RadioField, SelectField, StringField, SubmitField, TextAreaField, TimeField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.core.circumstances import CircumstanceFields
from app.core.forms import FIELD_PHOTOS, Form
from app.core.location import position_fields
from app.matters import reference as matter_reference
from app.patrols import reference
from app.registry.points.forms import point_field


def _choices(table: dict) -> list[tuple[str, str]]:
    return [(code, str(label)) for code, label in table.items()]


def matter_class_choices(blank) -> list[tuple[str, str]]:
    return [("", str(blank))] + _choices(matter_reference.CLASSES)


class PatrolForm(Form, position_fields("start_", _l("起点位置")), position_fields("end_", _l("终点位置"))):
    grid_id = SelectField(_l("网格"), coerce=int, validate_choice=False)
    staff_id = SelectField(_l("网格员"), coerce=int, validate_choice=False)
    patrol_date = DateField(_l("巡查日期"), validators=[InputRequired(_l("请填写巡查日期。"))])
    start_time = TimeField(_l("开始时间"), validators=[InputRequired(_l("请填写开始时间。"))])
    end_time = TimeField(_l("结束时间"), validators=[InputRequired(_l("请填写结束时间。"))])
    route = StringField(
        _l("巡查路线或点位"),
        validators=[DataRequired(_l("请填写巡查路线或点位。")), Length(max=300, message=_l("不能超过 300 个字。"))],
        description=_l("如：东关路—菜市场—1号楼—2号楼。"),
    )
    note = TextAreaField(_l("备注"), validators=[Length(max=2000, message=_l("不能超过 2000 个字。"))])
    submit = SubmitField(_l("保存，再登记发现的情况"))


class FindingForm(Form, position_fields()):
    description = StringField(
        _l("发现的情况"),
        validators=[DataRequired(_l("请填写发现的情况。")), Length(max=1000, message=_l("不能超过 1000 个字。"))],
    )
    point_id = point_field(_l("在本网格登记的责任点位发现的，选择点位；不是的可不选。"))
    place = StringField(_l("地点"), validators=[Length(max=200, message=_l("不能超过 200 个字。"))])
    handled_on_spot = BooleanField(_l("已现场处置"))
    handling = StringField(_l("处置情况"), validators=[Length(max=500, message=_l("不能超过 500 个字。"))])
    matter_class = SelectField(
        _l("上报为事件"), validate_choice=False, description=_l("未能现场处置的，选择事件大类即同时上报。")
    )
    photos = MultipleFileField(
        _l("照片（最多 5 张，JPEG 或 PNG）"),
        render_kw=FIELD_PHOTOS,
        description=_l("上报为事件的，照片随事件一并上报。"),
    )
    submit = SubmitField(_l("添加"))


class FindingReportForm(Form):
    class_code = SelectField(
        _l("事件大类"),
        validators=[DataRequired(_l("请选择事件大类。"))],
        choices=lambda: matter_class_choices(_l("请选择")),
    )
    submit = SubmitField(_l("上报为事件"))


class EntryForm(Form, CircumstanceFields):
    grid_id = SelectField(_l("网格"), coerce=int, validate_choice=False)
    said_on = DateField(_l("日期"), validators=[InputRequired(_l("请填写日期。"))])
    category = SelectField(
        _l("类别"),
        choices=lambda: [("", str(_l("请选择")))] + _choices(reference.CATEGORIES),
        validators=[DataRequired(_l("请选择类别。"))],
    )
    content = StringField(
        _l("群众反映"),
        validators=[DataRequired(_l("请填写群众反映的内容。")), Length(max=1000, message=_l("不能超过 1000 个字。"))],
    )
    resident_name = StringField(_l("反映人"), validators=[Length(max=32, message=_l("不能超过 32 个字。"))])
    place = StringField(_l("地址"), validators=[Length(max=200, message=_l("不能超过 200 个字。"))])
    disposition = RadioField(
        _l("办理方式"),
        choices=lambda: _choices(reference.DISPOSITIONS),
        validators=[InputRequired(_l("请选择当时结办或限期协办。"))],
    )
    settled_note = StringField(
        _l("怎样办结"),
        validators=[Length(max=500, message=_l("不能超过 500 个字。"))],
        description=_l("当时结办的填写。"),
    )
    matter_class = SelectField(
        _l("事件大类"),
        validate_choice=False,
        description=_l("限期协办的，按类别默认（城管为城市管理，其余为民生服务）。"),
    )
    submit = SubmitField(_l("记下"))


class ChiefReportForm(Form):
    report_day = SelectField(_l("报告日"), validate_choice=False)
    # An older report day the station forgot to enter: any earlier Monday or Thursday.
    other_day = DateField(
        _l("其他报告日"),
        validators=[Optional()],
        format="%Y-%m-%d",
        description=_l(
            "补录更早的报告时填写（周一或周四，如 2026-10-12），填写后以此为准。"
            "报告时间记为现在录入的时间，超过截止时间的记为逾期报告。"
        ),
    )
    note = TextAreaField(
        _l("报告说明"),
        validators=[Length(max=2000, message=_l("不能超过 2000 个字。"))],
        description=_l("没有一般信息时写“本期无一般信息”。"),
    )
    submit = SubmitField(_l("记录已报告网格长"))


# --- Corrections: the same fields and checks as when recording, grid and worker kept ----


class PatrolEditForm(PatrolForm):
    grid_id = None
    staff_id = None
    # Positions are taken when a record is made, not corrected afterwards.
    start_latitude = start_longitude = start_accuracy = start_located_at = None
    end_latitude = end_longitude = end_accuracy = end_located_at = None
    submit = SubmitField(_l("保存"))


class FindingEditForm(FindingForm):
    matter_class = None
    photos = None
    latitude = longitude = accuracy = located_at = None
    submit = SubmitField(_l("保存"))


class EntryEditForm(EntryForm):
    grid_id = None
    submit = SubmitField(_l("保存"))


class DeleteForm(Form):
    """The confirmation of a deletion (a POST with its CSRF token)."""

    submit = SubmitField(_l("确定删除"))


class LogCheckForm(Form):
    """One grid's row on the weekly check page (prefixed by the grid: one form a row)."""

    result = RadioField(
        _l("检查结果"),
        choices=[(k, v) for k, v in reference.CHECK_RESULTS.items() if k != "empty"],
        validators=[Optional()],
    )
    comment = TextAreaField(
        _l("检查意见"),
        validators=[Length(max=2000, message=_l("不能超过 2000 个字。"))],
        description=_l("空岗的写明对本网格的批评。"),
        render_kw={"rows": 2, "cols": 40},
    )
    submit = SubmitField(_l("保存检查"))
