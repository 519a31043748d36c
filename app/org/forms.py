"""Forms for divisions, grids and buildings."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    DecimalField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from app.core.forms import Form, NumberRange
from app.org.models import KIND_LABELS

REQUIRED = _l("此项为必填项。")
DATE_MESSAGE = _l("请输入有效日期，格式为 YYYY-MM-DD。")
NUMBER_MESSAGE = _l("请输入有效的数字。")


def kind_choices(kinds):
    return [(k, str(KIND_LABELS[k])) for k in kinds]


class DivisionForm(Form):
    code_segment = StringField(_l("代码"), validators=[DataRequired(REQUIRED)])
    name = StringField(_l("名称"), validators=[DataRequired(REQUIRED), Length(max=64)])
    kind = SelectField(_l("类型"), validators=[DataRequired(REQUIRED)])
    valid_from = DateField(_l("设立日期"), validators=[Optional()], format="%Y-%m-%d")
    note = TextAreaField(_l("备注"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("保存"))


class DivisionEditForm(Form):
    name = StringField(_l("名称"), validators=[DataRequired(REQUIRED), Length(max=64)])
    kind = SelectField(_l("类型"), validators=[DataRequired(REQUIRED)])
    note = TextAreaField(_l("备注"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("保存"))


class ProfileFieldsMixin:
    boundary_east = StringField(_l("东至"), validators=[Optional(), Length(max=200)])
    boundary_south = StringField(_l("南至"), validators=[Optional(), Length(max=200)])
    boundary_west = StringField(_l("西至"), validators=[Optional(), Length(max=200)])
    boundary_north = StringField(_l("北至"), validators=[Optional(), Length(max=200)])
    households_estimate = IntegerField(
        _l("估计户数"),
        validators=[Optional(), NumberRange(min=0, max=100000, message=_l("户数应在 0 到 100000 之间。"))],
    )
    population_estimate = IntegerField(
        _l("估计人口"),
        validators=[Optional(), NumberRange(min=0, max=500000, message=_l("人口应在 0 到 500000 之间。"))],
    )
    area_km2 = DecimalField(
        _l("面积（平方公里）"),
        places=3,
        validators=[Optional(), NumberRange(min=0, max=10000, message=_l("面积应在 0 到 10000 之间。"))],
    )


class GridForm(ProfileFieldsMixin, DivisionForm):
    pass


class BoundaryForm(ProfileFieldsMixin, Form):
    effective_from = DateField(_l("生效日期"), validators=[DataRequired(DATE_MESSAGE)], format="%Y-%m-%d")
    reason = StringField(_l("调整原因"), validators=[DataRequired(REQUIRED), Length(max=200)])
    submit = SubmitField(_l("保存新版本"))


class SplitForm(Form):
    effective_date = DateField(_l("生效日期"), validators=[DataRequired(DATE_MESSAGE)], format="%Y-%m-%d")
    reason = StringField(_l("拆分原因"), validators=[DataRequired(REQUIRED), Length(max=200)])
    part_count = IntegerField(
        _l("拆分为几个网格"),
        default=2,
        validators=[DataRequired(REQUIRED), NumberRange(min=2, max=6, message=_l("拆分数量应在 2 到 6 之间。"))],
    )
    preview = SubmitField(_l("预览"))
    submit = SubmitField(_l("确认拆分"))


class MergeForm(ProfileFieldsMixin, Form):
    grids = SelectMultipleField(_l("要合并的网格"), coerce=int, validators=[DataRequired(_l("请至少选择两个网格。"))])
    code_segment = StringField(_l("新网格代码"), validators=[DataRequired(REQUIRED)])
    name = StringField(_l("新网格名称"), validators=[DataRequired(REQUIRED), Length(max=64)])
    effective_date = DateField(_l("生效日期"), validators=[DataRequired(DATE_MESSAGE)], format="%Y-%m-%d")
    reason = StringField(_l("合并原因"), validators=[DataRequired(REQUIRED), Length(max=200)])
    preview = SubmitField(_l("预览"))
    submit = SubmitField(_l("确认合并"))


class BuildingForm(Form):
    number = StringField(
        _l("楼栋编号"), validators=[DataRequired(REQUIRED), Length(max=32)], description=_l("如 3号楼、A栋、五组。")
    )
    name = StringField(_l("名称"), validators=[Optional(), Length(max=64)])
    address = StringField(_l("地址"), validators=[DataRequired(REQUIRED), Length(max=200)])
    grid_id = SelectField(_l("所属网格"), coerce=int, validate_choice=False)
    floors = IntegerField(
        _l("层数"), validators=[Optional(), NumberRange(min=1, max=200, message=_l("层数应在 1 到 200 之间。"))]
    )
    units = IntegerField(
        _l("单元数"), validators=[Optional(), NumberRange(min=1, max=50, message=_l("单元数应在 1 到 50 之间。"))]
    )
    chief_staff_id = SelectField(_l("楼栋长"), coerce=int, validate_choice=False)
    note = TextAreaField(_l("备注"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("保存"))
