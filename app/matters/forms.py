"""Forms of the matters loop. Choices are filled by the views (scope-dependent)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import HiddenField, IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.core.forms import Form
from app.matters import reference


def _choices(table: dict) -> list[tuple[str, str]]:
    return [(code, str(label)) for code, label in table.items()]


class ReportForm(Form):
    class_code = SelectField(_l("事件大类"), validators=[DataRequired(_l("请选择事件大类。"))])
    type_id = SelectField(
        _l("事件小类"), coerce=int, validate_choice=False, description=_l("小类决定处置时限；不确定时可不选。")
    )
    grid_id = SelectField(_l("所在网格"), coerce=int, validate_choice=False)
    address = StringField(
        _l("地点"),
        validators=[Length(max=200, message=_l("地点不能超过 200 个字。"))],
        description=_l("门牌、路口或明显的标志物。"),
    )
    description = TextAreaField(
        _l("事件描述"),
        validators=[DataRequired(_l("请描述事件。")), Length(max=2000, message=_l("描述不能超过 2000 个字。"))],
    )
    urgency = SelectField(_l("紧急程度"), choices=_choices(reference.URGENCIES), default="normal")
    source = SelectField(_l("来源"), choices=_choices(reference.SOURCES), default="grid_worker")
    reporter_name = StringField(_l("反映人"), validators=[Length(max=32)])
    reporter_phone = StringField(_l("反映人电话"), validators=[Length(max=32)])
    involved_text = StringField(
        _l("涉及人员"), validators=[Length(max=200)], description=_l("当事人姓名或说明，可不填。")
    )
    photos = MultipleFileField(_l("照片（最多 5 张，JPEG 或 PNG）"))
    # Set when the reporter has seen the possible duplicates and reports anyway.
    not_duplicate = HiddenField()
    submit = SubmitField(_l("上报"))


class ActionForm(Form):
    """One form for every step; each action reads the fields it needs."""

    note = TextAreaField(_l("说明"), validators=[Length(max=2000, message=_l("说明不能超过 2000 个字。"))])
    target = SelectField(_l("派往"), validate_choice=False)
    days = IntegerField(
        _l("延期工作日数"),
        validators=[Optional(), NumberRange(min=1, max=30, message=_l("请填写 1 到 30 之间的整数。"))],
    )
    rating = SelectField(_l("满意程度"), choices=[("", "")] + _choices(reference.RATINGS), validate_choice=False)
    level = SelectField(_l("督办等级"), choices=_choices(reference.URGE_LEVELS), validate_choice=False)
    merge_into = StringField(_l("合并到事件编号"), validators=[Length(max=20)])
    photos = MultipleFileField(_l("处置照片（最多 5 张）"))
    submit = SubmitField(_l("提交"))
