"""Forms for households: create and edit, members joining and leaving, a new head,
splits and merges. Choices that depend on the user's scope are filled by the views;
the rules themselves (and their messages) live in app.registry.people.services."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, Length, Optional

from app.core.forms import ID_NUMBER_INPUT, CheckboxesField, Form
from app.core.timeutil import local_today
from app.registry.people import reference
from app.registry.settings import visit_classes

REQUIRED = _l("此项为必填项。")
DATE_MESSAGE = _l("请输入有效日期，格式为 YYYY-MM-DD。")


def _choices(mapping, exclude=()):
    return lambda: [(code, str(label)) for code, label in mapping.items() if code not in exclude]


def not_in_future(_form, field):
    """A change is recorded when it has happened, never ahead of time."""
    if field.data is not None and field.data > local_today():
        raise ValidationError(_l("日期不能晚于今天。"))


def _day(label=_l("变动日期")):
    return DateField(
        label, default=local_today, format="%Y-%m-%d", validators=[DataRequired(DATE_MESSAGE), not_in_future]
    )


class AddressFieldsMixin:
    building_id = SelectField(
        _l("楼栋"),
        coerce=int,
        validate_choice=False,
        description=_l("城镇住户选择楼栋并填写单元、房号；农村住户不选楼栋，填写地址。"),
    )
    unit = StringField(_l("单元"), validators=[Optional(), Length(max=16)])
    room = StringField(_l("房号"), validators=[Optional(), Length(max=16)])
    address_text = StringField(_l("地址（农村住户）"), validators=[Optional(), Length(max=200)])


class HouseholdEditForm(AddressFieldsMixin, Form):
    household_number = StringField(_l("户号"), validators=[DataRequired(REQUIRED), Length(max=32)])
    household_type = SelectField(_l("户类型"), choices=_choices(reference.HOUSEHOLD_TYPES), validate_choice=False)
    visit_class = SelectField(_l("走访分类"), coerce=int, choices=visit_classes.choices, validate_choice=False)
    note = TextAreaField(_l("备注"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("保存"))


class HouseholdForm(HouseholdEditForm):
    grid_id = SelectField(_l("所属网格"), coerce=int, validate_choice=False)


class MoveForm(AddressFieldsMixin, Form):
    grid_id = SelectField(_l("迁往网格"), coerce=int, validate_choice=False)
    household_number = StringField(
        _l("户号"),
        validators=[DataRequired(REQUIRED), Length(max=32)],
        description=_l("迁往其他网格且户号已被占用时，请改用新户号。"),
    )
    day = _day(_l("搬迁日期"))
    submit = SubmitField(_l("确认搬迁"))


class AddMemberForm(Form):
    id_number = StringField(
        _l("证件号码"),
        validators=[DataRequired(REQUIRED), Length(max=40)],
        description=_l("请输入完整的证件号码；只查找您管辖范围内已登记的人员。"),
        render_kw=ID_NUMBER_INPUT,
    )
    relation = SelectField(_l("与户主关系"), choices=_choices(reference.RELATIONS), validate_choice=False)
    start_date = _day(_l("入户日期"))
    submit = SubmitField(_l("加入本户"))


class MemberLeaveForm(Form):
    day = _day(_l("离户日期"))
    note = StringField(_l("说明"), validators=[Optional(), Length(max=200)])
    submit = SubmitField(_l("确认离户"))


class ChangeHeadForm(Form):
    new_head_id = SelectField(_l("新户主"), coerce=int, validate_choice=False)
    old_head_relation = SelectField(
        _l("原户主与新户主的关系"), choices=_choices(reference.RELATIONS, exclude=("head",)), validate_choice=False
    )
    day = _day()
    submit = SubmitField(_l("确认变更户主"))


class SplitForm(AddressFieldsMixin, Form):
    members = CheckboxesField(_l("分出的成员"), coerce=int, validate_choice=False)
    new_head_id = SelectField(_l("新户户主"), coerce=int, validate_choice=False, description=_l("须是分出的成员之一。"))
    household_number = StringField(_l("新户户号"), validators=[DataRequired(REQUIRED), Length(max=32)])
    household_type = SelectField(_l("户类型"), choices=_choices(reference.HOUSEHOLD_TYPES), validate_choice=False)
    visit_class = SelectField(_l("走访分类"), coerce=int, choices=visit_classes.choices, validate_choice=False)
    day = _day(_l("分户日期"))
    submit = SubmitField(_l("确认分户"))


class MergeForm(Form):
    other_number = StringField(
        _l("并入本户的户号"),
        validators=[DataRequired(REQUIRED), Length(max=32)],
        description=_l("同一网格内另一户的户号；该户全部成员并入本户，该户销户。"),
    )
    day = _day(_l("并户日期"))
    submit = SubmitField(_l("下一步"))


class BulkHouseholdForm(Form):
    """批量调整: the households ticked on the page (read from the request by the view)
    go to another grid of the community, or get another visit class. Each button
    checks only its own fields."""

    to_grid = SelectField(_l("调整到网格"), coerce=int, validate_choice=False)
    day = DateField(_l("调整日期"), validators=[Optional()], format="%Y-%m-%d", default=local_today)
    reason = StringField(_l("调整原因"), validators=[Length(max=200)])
    move = SubmitField(_l("调整网格"))
    visit_class = SelectField(_l("走访分类"), coerce=int, choices=visit_classes.choices, validate_choice=False)
    reclassify = SubmitField(_l("更改走访分类"))
