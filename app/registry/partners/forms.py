"""Forms of the partner units register."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.core.forms import PHONE_INPUT, CheckboxesField, Form
from app.registry.partners.services import PARTNER_KINDS


class PartnerForm(Form):
    kind = SelectField(_l("单位类别"), choices=lambda: [(k, str(v)) for k, v in PARTNER_KINDS.items()])
    name = StringField(
        _l("单位名称"),
        validators=[DataRequired(_l("请填写单位名称。")), Length(max=100)],
        description=_l("如“县自然资源局”“安居物业服务有限公司”。"),
    )
    grid_ids = CheckboxesField(_l("结对网格"), coerce=int, validate_choice=False)
    duties = TextAreaField(
        _l("承担的职责"),
        validators=[Optional(), Length(max=4000)],
        description=_l("如每月一次环境整治、帮扶困难户、小区设施维修、配合矛盾调解。"),
        render_kw={"rows": 3},
    )
    contact_name = StringField(_l("联系人"), validators=[Optional(), Length(max=32)])
    contact_phone = StringField(
        _l("联系电话"),
        validators=[Optional(), Length(max=32)],
        description=_l("单位的工作电话。"),
        render_kw=PHONE_INPUT,
    )
    is_active = BooleanField(_l("在用"), default=True)
    submit = SubmitField(_l("保存"))


class ActivityForm(Form):
    grid_id = SelectField(_l("网格"), coerce=int, validate_choice=False)
    held_on = DateField(
        _l("活动日期"), validators=[DataRequired(_l("请按 2024-01-05 的格式填写日期。"))], format="%Y-%m-%d"
    )
    content = TextAreaField(
        _l("活动内容"),
        validators=[Optional(), Length(max=2000)],
        description=_l("做了什么、解决了什么问题。"),
        render_kw={"rows": 3},
    )
    participants = StringField(_l("参加人员"), validators=[Optional(), Length(max=200)])
    submit = SubmitField(_l("记录活动"))
