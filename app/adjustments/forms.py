"""The handover form of a grid post (successor, last day in post, the leaver's account)
and the succession form of a post above the grids."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, RadioField, SelectField, SubmitField
from wtforms.validators import DataRequired, Optional

from app.core.forms import Form
from app.core.timeutil import local_today


class HandoverForm(Form):
    successor = SelectField(_l("接收人"), coerce=int, validate_choice=False)
    end_date = DateField(
        _l("交接日期（移交人最后在岗日）"), validators=[Optional()], format="%Y-%m-%d", default=local_today
    )
    account = RadioField(
        _l("移交人的账号"),
        choices=[("disabled", _l("停用（离职）")), ("kept", _l("保留（调任其他网格或岗位）"))],
        default="disabled",
        validate_choice=False,
    )
    preview = SubmitField(_l("打印交接清单"))
    submit = SubmitField(_l("确认交接"))


class SuccessionForm(Form):
    successor = SelectField(_l("接任人"), coerce=int, validate_choice=False)
    end_date = DateField(
        _l("原任最后在岗日"),
        validators=[DataRequired(_l("请输入有效日期，格式为 YYYY-MM-DD。"))],
        format="%Y-%m-%d",
        description=_l("接任人从次日起任职。"),
    )
    submit = SubmitField(_l("确认交接"))
