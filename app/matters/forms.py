"""Forms of the matters loop. Choices are filled by the views (scope-dependent)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired, MultipleFileField
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.core.circumstances import CircumstanceFields
from app.core.forms import FIELD_PHOTOS, PHONE_INPUT, Form
from app.core.location import position_fields
from app.matters import indicators, reference
from app.registry.points.forms import point_field

DATE_MESSAGE = _l("请按 2024-01-05 的格式填写日期。")
# The longest time limit, in working days, an administrator may set (levels and subtypes).
MAX_DAYS = 60


def _choices(table: dict) -> list[tuple[str, str]]:
    return [(code, str(label)) for code, label in table.items()]


class ReportForm(Form, position_fields(), CircumstanceFields):
    class_code = SelectField(_l("事件大类"), validators=[DataRequired(_l("请选择事件大类。"))])
    type_id = SelectField(
        _l("事件小类"), coerce=int, validate_choice=False, description=_l("小类决定处置时限；不确定时可不选。")
    )
    grid_id = SelectField(_l("所在网格"), coerce=int, validate_choice=False)
    point_id = point_field()
    address = StringField(
        _l("地点"),
        validators=[Length(max=200, message=_l("地点不能超过 200 个字。"))],
        description=_l("门牌、路口或明显的标志物。"),
    )
    description = TextAreaField(
        _l("事件描述"),
        validators=[DataRequired(_l("请描述事件。")), Length(max=2000, message=_l("描述不能超过 2000 个字。"))],
    )
    urgency = SelectField(
        _l("紧急程度"),
        choices=_choices(reference.URGENCIES),
        default="normal",
        description=_l("紧急、重大事件各环节时限缩短，镇（街道）收件箱标明。"),
    )
    occurred_at = DateTimeLocalField(
        _l("发生时间"),
        format=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        validators=[Optional()],
        description=_l("事后补报的填实际发生的时间，如 2026-12-07 08:30；当场发现的可不填。"),
    )
    source = SelectField(_l("来源"), choices=_choices(reference.SOURCES), default="grid_worker")
    reporter_name = StringField(_l("反映人"), validators=[Length(max=32)])
    reporter_phone = StringField(_l("反映人电话"), validators=[Length(max=32)], render_kw=PHONE_INPUT)
    involved_text = StringField(
        _l("涉及人员"), validators=[Length(max=200)], description=_l("当事人姓名或说明，可不填。")
    )
    photos = MultipleFileField(_l("照片（最多 5 张，JPEG 或 PNG）"), render_kw=FIELD_PHOTOS)
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
    photos = MultipleFileField(_l("处置照片（最多 5 张）"), render_kw=FIELD_PHOTOS)
    submit = SubmitField(_l("提交"))


# --- Disputes (dispute_views) --------------------------------------------------------


class ScreeningForm(Form):
    parties = TextAreaField(
        _l("当事人"),
        validators=[DataRequired(_l("请填写当事人。")), Length(max=1000)],
        description=_l("各方姓名及关系，如“张某（房东）与李某（租户）”。"),
    )
    dispute_type = SelectField(_l("纠纷类型"), choices=_choices(reference.DISPUTE_TYPES))
    risk_level = SelectField(_l("风险等级"), choices=_choices(reference.RISK_LEVELS))
    instability_factors = TextAreaField(
        _l("不稳定因素"), validators=[Length(max=2000)], description=_l("可能激化、引发群体性事件或极端行为的因素。")
    )
    responsible_person = StringField(
        _l("包案责任人"),
        validators=[Length(max=64, message=_l("不能超过 64 个字。"))],
        description=_l("负责化解这起纠纷的人，如“李明（网格长）”。"),
    )
    screened_on = DateField(_l("排查日期"), validators=[DataRequired(DATE_MESSAGE)])
    submit = SubmitField(_l("保存排查记录"))


class MediationForm(Form):
    held_on = DateField(_l("调解日期"), validators=[DataRequired(DATE_MESSAGE)])
    mediators = StringField(_l("调解人"), validators=[DataRequired(_l("请填写调解人。")), Length(max=200)])
    place = StringField(_l("调解地点"), validators=[Length(max=100)])
    # Not "process": that name is taken by WTForms' Form.process().
    course = TextAreaField(_l("调解经过"), validators=[DataRequired(_l("请填写调解经过。")), Length(max=4000)])
    agreed = BooleanField(_l("达成协议"))
    agreement_text = TextAreaField(_l("协议内容"), validators=[Optional(), Length(max=4000)])
    follow_up = TextAreaField(_l("回访情况"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("保存调解记录"))

    def validate(self, extra_validators=None) -> bool:
        # Not validate_agreement_text(): Optional() would stop the chain before it.
        valid = super().validate(extra_validators)
        if self.agreed.data and not (self.agreement_text.data or "").strip():
            self.agreement_text.errors = [*self.agreement_text.errors, _("达成协议时请填写协议内容。")]
            return False
        return valid


# --- 12345 hotline (hotline_views) ---------------------------------------------------


class HotlineImportForm(Form):
    file = FileField(_l("热线工单文件（.xlsx）"), validators=[FileRequired(_l("请选择要导入的文件。"))])
    grid_id = SelectField(
        _l("导入到网格"),
        coerce=int,
        validate_choice=False,
        description=_l("选定网格时，表中未填网格的工单都进入这个网格；不选则按每行的网格编码或网格名称。"),
    )
    submit = SubmitField(_l("上传并检查"))


class HotlineConfirmForm(Form):
    token = HiddenField()
    grid_id = HiddenField()
    submit = SubmitField(_l("确认导入"))


# --- Indicator period filter (indicator_views; the hotline's 回单 export shares it) ---


class PeriodForm(Form):
    """Which days and which part of the user's scope (a GET filter: no CSRF)."""

    class Meta:
        csrf = False

    date_from = StringField(_l("起始日期"), render_kw={"type": "date", "placeholder": "2026-11-01"})
    date_to = StringField(_l("截止日期"), render_kw={"type": "date", "placeholder": "2026-11-30"})
    division = SelectField(_l("范围"), coerce=int, validate_choice=False, default=0)


class IndicatorForm(PeriodForm):
    level = SelectField(
        _l("分组"), choices=[(code, label) for code, label in indicators.LEVELS.items()], default="grid"
    )


class ReceiptForm(PeriodForm):
    closed_only = BooleanField(_l("只导出已结案的工单"))


# --- County settings (settings_views) ------------------------------------------------


class TypeForm(Form):
    class_code = SelectField(_l("大类"), choices=[(code, str(label)) for code, label in reference.CLASSES.items()])
    parent_id = SelectField(_l("上级小类"), coerce=int, validate_choice=False)
    name = StringField(_l("名称"), validators=[DataRequired(_l("请填写名称。")), Length(max=64)])
    kind = SelectField(_l("城市管理分类"), choices=[("", _l("（不适用）"))] + list(reference.TYPE_KINDS.items()))
    time_limit_days = IntegerField(
        _l("处置时限（工作日）"),
        validators=[Optional(), NumberRange(min=1, max=MAX_DAYS, message=_l("请填写 1 到 60 之间的整数。"))],
        description=_l("不填则按处置单位所在层级的时限。"),
    )
    is_active = BooleanField(_l("启用"), default=True)
    submit = SubmitField(_l("保存"))


class HolidayForm(Form):
    lines = TextAreaField(
        _l("节假日安排"),
        validators=[DataRequired(_l("请填写至少一行。"))],
        description=_l("每行一天：日期、“休”或“班”、名称。例如：2027-01-01 休 元旦；2027-02-07 班 春节调休。"),
    )
    replace_year = BooleanField(_l("替换该年已录入的全部数据"))
    submit = SubmitField(_l("保存"))
