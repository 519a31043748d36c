"""Forms of the assessment: a scoring rule's line, a warning card, the station's
survey tally and the public satisfaction answer. Rules and most messages live in
the services."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.assessment import reference
from app.core.forms import Form, NumberRange

INTEGER = _l("请填写整数。")
COUNT = _l("请填写 0 或正整数。")


def _count(label, required=True):
    first = InputRequired(COUNT) if required else Optional()
    return IntegerField(label, validators=[first, NumberRange(min=0, max=100000, message=COUNT)])


class RuleForm(Form):
    points = IntegerField(
        _l("每次分值"),
        validators=[InputRequired(INTEGER), NumberRange(min=-100, max=100, message=_l("分值应在 -100 到 100 之间。"))],
    )
    cap_month = IntegerField(_l("每月上限"), validators=[Optional()])
    cap_year = IntegerField(_l("每年上限"), validators=[Optional()])
    applies_to_grid = BooleanField(_l("考核网格"))
    applies_to_worker = BooleanField(_l("考核网格员"))
    is_enabled = BooleanField(_l("启用"))
    submit = SubmitField(_l("保存"))


class CardForm(Form):
    grid_id = SelectField(_l("网格"), coerce=int, validate_choice=False)
    staff_id = SelectField(
        _l("发给"),
        coerce=int,
        validate_choice=False,
        description=_l("选“整个网格”时扣网格的分；选网格员时只扣该网格员的分。"),
    )
    colour = RadioField(
        _l("类别"),
        choices=[(k, v) for k, v in reference.CARD_COLOURS.items()],
        validators=[DataRequired(_l("请选择黄牌或红牌。"))],
    )
    issued_on = DateField(_l("日期"), validators=[DataRequired(_l("请按 2024-01-05 的格式填写日期。"))])
    reason = TextAreaField(_l("原因"), validators=[DataRequired(_l("请写明原因。")), Length(max=2000)])
    submit = SubmitField(_l("发出"))


class CardWithdrawForm(Form):
    reason = TextAreaField(
        _l("撤销原因"),
        validators=[DataRequired(_l("请写明撤销原因。")), Length(max=2000, message=_l("不能超过 2000 个字。"))],
        description=_l("如：误发、申诉后撤销。撤销后这张牌仍留在记录里，但不再扣分。"),
    )
    submit = SubmitField(_l("撤销这张牌"))


class SurveyForm(Form):
    grid_id = SelectField(_l("网格"), coerce=int, validate_choice=False)
    year = IntegerField(
        _l("年度"), validators=[InputRequired(INTEGER), NumberRange(min=2000, max=2100, message=_l("请填写四位年份。"))]
    )
    half = SelectField(_l("半年度"), coerce=int, choices=[(k, v) for k, v in reference.HALVES.items()])
    respondents = _count(_l("受访人数"))
    satisfied = _count(_l("满意"), required=False)
    basically = _count(_l("基本满意"), required=False)
    dissatisfied = _count(_l("不满意"), required=False)
    score = DecimalField(
        _l("或：满意度得分"),
        places=1,
        validators=[Optional()],
        description=_l("调查只给出总得分（0–100 分）时填这里，各项人数留空。"),
    )
    note = StringField(
        _l("备注"), validators=[Optional(), Length(max=200)], description=_l("调查方式、时间等。不记录受访人姓名。")
    )
    submit = SubmitField(_l("保存"))


class PublicSurveyForm(Form):
    answer = RadioField(
        _l("您对本网格的服务满意吗？"),
        choices=[(k, v) for k, v in reference.ANSWERS.items()],
        validators=[DataRequired(_l("请选择满意程度。"))],
    )
    # The honeypot: hidden from people by CSS, filled in by form-filling robots.
    website = StringField(_l("请勿填写此项"))
    submit = SubmitField(_l("提交"))


class InUseForm(Form):
    in_use_from = DateField(
        _l("系统启用日期（考核起算日）"),
        validators=[Optional()],
        description=_l("考核只计这一天起的记录；此前的月份不考核。留空则不限。"),
    )
    submit = SubmitField(_l("保存启用日期"))


UPHELD_CHOICES = [("yes", _l("属实")), ("no", _l("不属实"))]


class ComplaintForm(Form):
    grid_id = SelectField(_l("网格"), coerce=int, validate_choice=False)
    staff_id = SelectField(
        _l("网格长"),
        coerce=int,
        validate_choice=False,
        description=_l("换了网格后按“列出网格长”，列出该网格当天的网格长。"),
    )
    received_on = DateField(_l("反映日期"), validators=[DataRequired(_l("请按 2024-01-05 的格式填写日期。"))])
    content = TextAreaField(
        _l("居民反映的问题"),
        validators=[DataRequired(_l("请写明居民反映的问题。")), Length(max=2000, message=_l("不能超过 2000 个字。"))],
        description=_l("哪件事没有及时、正确地解答或处理。不写反映人的证件号码、电话。"),
    )
    matter_number = StringField(
        _l("涉及的事件编号"),
        validators=[Optional(), Length(max=20)],
        description=_l("如 20261208-0003；没有上报为事件的留空。"),
    )
    upheld = RadioField(_l("核实结果"), choices=UPHELD_CHOICES, validators=[DataRequired(_l("请选择核实结果。"))])
    finding = TextAreaField(
        _l("核实情况"), validators=[Optional(), Length(max=2000, message=_l("不能超过 2000 个字。"))]
    )
    training_note = TextAreaField(
        _l("培训笔记"),
        validators=[Optional(), Length(max=4000, message=_l("不能超过 4000 个字。"))],
        description=_l("属实的，网格长加强培训教育并写出培训笔记，可事后补录。"),
    )
    submit = SubmitField(_l("保存"))


class AdjustmentForm(Form):
    subject = SelectField(_l("考核对象"), validate_choice=False)
    day = DateField(
        _l("日期"),
        validators=[InputRequired(_l("请按 2024-01-05 的格式填写日期。"))],
        description=_l("问题发现或表现的日期：计入这一天所在的月份和年度。"),
    )
    points = IntegerField(
        _l("分值"),
        validators=[InputRequired(INTEGER)],
        description=_l("负数为扣分，正数为加分，如 -2。"),
    )
    reason = TextAreaField(
        _l("原因"),
        validators=[Optional(), Length(max=2000)],
        description=_l("如：存在重大安全隐患未及时上报。"),
        render_kw={"rows": 2},
    )
    basis = TextAreaField(
        _l("依据的记录"),
        validators=[Optional(), Length(max=2000)],
        description=_l("督查记录、事件编号、日期和地点等，核查时据此找到原始记录。"),
        render_kw={"rows": 2},
    )
    matter_number = StringField(
        _l("相关事件编号"), validators=[Optional(), Length(max=20)], description=_l("如 20261122-0007，可不填。")
    )
    submit = SubmitField(_l("保存"))


class AdjustmentWithdrawForm(Form):
    reason = TextAreaField(
        _l("撤销原因"),
        validators=[DataRequired(_l("请写明撤销原因。")), Length(max=2000, message=_l("不能超过 2000 个字。"))],
        description=_l("如：误录、申诉后撤销。撤销后仍留在记录里，但不再计分。"),
    )
    submit = SubmitField(_l("撤销这条加减分"))
