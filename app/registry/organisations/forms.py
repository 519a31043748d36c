"""Forms for organisations and 十户联防 groups. Choices that depend on the user's
scope are filled by the views; the rules and their messages live in
app.registry.organisations.services."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from app.core.forms import CheckboxesField, Form, NumberRange
from app.registry.organisations.services import ACTIVITY_KINDS, ORG_TYPES

REQUIRED = _l("此项为必填项。")
NOT_NEGATIVE = _l("人数不能小于 0。")


def _count(label):
    return IntegerField(
        label,
        validators=[Optional(), NumberRange(min=0, message=NOT_NEGATIVE)],
        render_kw={"min": 0, "inputmode": "numeric"},
    )


class OrganisationForm(Form):
    grid_id = SelectField(_l("所属网格"), coerce=int, validate_choice=False)
    name = StringField(_l("名称"), validators=[DataRequired(REQUIRED), Length(max=100)])
    org_type = SelectField(
        _l("类型"), choices=lambda: [(k, str(v)) for k, v in ORG_TYPES.items()], validate_choice=False
    )
    credit_code = StringField(
        _l("统一社会信用代码"),
        validators=[Optional(), Length(max=40)],
        description=_l("18 位，可不填；填写时校验校验位，全县不可重复。"),
    )
    address = StringField(_l("地址"), validators=[Optional(), Length(max=200)])
    contact_name = StringField(_l("联系人"), validators=[Optional(), Length(max=64)])
    contact_phone = StringField(_l("联系电话"), validators=[Optional(), Length(max=32)], render_kw={"type": "tel"})
    party_organisation = StringField(_l("党组织名称"), validators=[Optional(), Length(max=100)])
    party_member_count = _count(_l("党员人数"))
    employee_count = _count(_l("从业人数"))
    note = TextAreaField(_l("备注"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("保存"))


class GroupForm(Form):
    grid_id = SelectField(_l("所属网格"), coerce=int, validate_choice=False)
    name = StringField(
        _l("组名"),
        validators=[DataRequired(REQUIRED), Length(max=64)],
        description=_l("如“第一联防组”；同一网格内不可重名。"),
    )
    note = TextAreaField(_l("备注"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("建组"))


class GroupEditForm(Form):
    name = StringField(_l("组名"), validators=[DataRequired(REQUIRED), Length(max=64)])
    leader_resident_id = SelectField(
        _l("组长"), coerce=int, validate_choice=False, description=_l("本组住户的成员，或本网格的在册人员。")
    )
    note = TextAreaField(_l("备注"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("保存"))


class AddHouseholdsForm(Form):
    household_ids = CheckboxesField(_l("本网格尚未编组的住户"), coerce=int, validate_choice=False)
    submit = SubmitField(_l("加入本组"))


class ActivityForm(Form):
    held_on = DateField(_l("日期"), validators=[DataRequired(_l("请按 2024-01-05 的格式填写日期。"))])
    kind = SelectField(_l("活动类别"), choices=lambda: [(k, str(v)) for k, v in ACTIVITY_KINDS.items()])
    content = TextAreaField(
        _l("活动内容"),
        validators=[DataRequired(_l("请写明活动内容。")), Length(max=2000, message=_l("不能超过 2000 个字。"))],
        description=_l("如：晚间联防巡逻，检查各户门窗；帮独居老人买药；转告防诈骗提醒。"),
        render_kw={"rows": 3},
    )
    participants = StringField(
        _l("参加的人"),
        validators=[Optional(), Length(max=200, message=_l("不能超过 200 个字。"))],
        description=_l("姓名或户数，如“张伟、李娜等 6 户”。"),
    )
    submit = SubmitField(_l("记录活动"))
