"""Forms for residents."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    HiddenField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from app.core.forms import ID_NUMBER_INPUT, PHONE_INPUT, CheckboxesField, Form
from app.core.identity import id_type_choices
from app.registry.people import reference

REQUIRED = _l("此项为必填项。")
DATE_MESSAGE = _l("请输入有效日期，格式为 YYYY-MM-DD。")


def _choices(mapping):
    return lambda: [(code, str(label)) for code, label in mapping.items()]


class ResidentForm(Form):
    """A person's own details: what 修改 corrects."""

    name = StringField(_l("姓名"), validators=[DataRequired(REQUIRED), Length(max=64)])
    id_type = SelectField(_l("证件类型"), choices=id_type_choices)
    id_number = StringField(
        _l("证件号码"),
        validators=[Optional(), Length(max=40)],
        description=_l("居民身份证号码将校验校验位，并自动带出性别和出生日期。"),
        render_kw=ID_NUMBER_INPUT,
    )
    sex = SelectField(_l("性别"), choices=[("", _l("（按证件）"))] + [(k, v) for k, v in reference.SEXES.items()])
    birth_date = DateField(_l("出生日期"), validators=[Optional()], format="%Y-%m-%d")
    ethnicity = SelectField(_l("民族"), choices=[(e, e) for e in reference.ETHNICITIES])
    phone = StringField(_l("联系电话"), validators=[Optional(), Length(max=32)], render_kw=PHONE_INPUT)
    population_type = SelectField(_l("人口类型"), choices=_choices(reference.POPULATION_TYPES))
    political_status = SelectField(_l("政治面貌"), choices=_choices(reference.POLITICAL_STATUSES))
    registered_address = StringField(_l("户籍地址"), validators=[Optional(), Length(max=200)])
    current_address = StringField(_l("现住地址"), validators=[Optional(), Length(max=200)])
    workplace = StringField(_l("工作单位或学校"), validators=[Optional(), Length(max=100)])
    # For floating residents (表6).
    arrival_date = DateField(_l("来本地日期"), validators=[Optional()], format="%Y-%m-%d")
    stay_reason = SelectField(
        _l("暂住事由"),
        choices=lambda: [("", "")] + [(code, str(label)) for code, label in reference.STAY_REASONS.items()],
    )
    residence_permit_number = StringField(
        _l("居住证号码"), validators=[Optional(), Length(max=32)], render_kw={"autocomplete": "off"}
    )
    tag_ids = CheckboxesField(_l("关爱标签"), coerce=int, validate_choice=False)
    note = TextAreaField(_l("备注"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("保存"))


class NewResidentForm(ResidentForm):
    """Registering a person adds why they enter the register and where: a grid
    (登记人员 from the list) or a household and the relation to its head (登记新人员入户).
    The view removes the one of grid_id and relation the page does not show."""

    grid_id = SelectField(_l("所属网格"), coerce=int, validate_choice=False)
    household_id = HiddenField()
    relation = SelectField(_l("与户主关系"), choices=_choices(reference.RELATIONS))
    reason = SelectField(
        _l("登记原因"),
        choices=[("registered", _l("首次登记（已居住的人员）")), ("birth", _l("出生")), ("move_in", _l("迁入"))],
    )
    occurred_on = DateField(
        _l("变动日期"), validators=[Optional()], format="%Y-%m-%d", description=_l("出生或迁入的日期；首次登记可不填。")
    )


class LeaveForm(Form):
    kind = SelectField(_l("变动类型"), choices=[("move_out", _l("迁出")), ("death", _l("死亡"))])
    day = DateField(_l("日期"), validators=[DataRequired(DATE_MESSAGE)], format="%Y-%m-%d")
    note = StringField(_l("说明"), validators=[Optional(), Length(max=200)])
    submit = SubmitField(_l("确认"))


class LifeEventForm(Form):
    kind = SelectField(
        _l("婚育情况"), choices=lambda: [(k, str(reference.EVENT_KINDS[k])) for k in reference.LIFE_EVENTS]
    )
    day = DateField(_l("日期"), validators=[DataRequired(DATE_MESSAGE)], format="%Y-%m-%d")
    note = StringField(
        _l("说明"),
        validators=[Optional(), Length(max=200)],
        description=_l("如配偶姓名、预产期；不写证件号码和病情。"),
    )
    submit = SubmitField(_l("记录婚育情况"))
