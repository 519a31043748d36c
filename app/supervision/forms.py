"""Forms of meetings, trainings, the admission list, tasks and inspections. Choices
that depend on the user's scope are filled by the views; the rules and most of
their messages live in the services."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from app.core.forms import CheckboxesField, Form
from app.supervision.meetings import MEETING_KINDS

REQUIRED = _l("此项为必填项。")
DATE_MESSAGE = _l("请按 2024-01-05 的格式填写日期。")


def _date(label, required=True, description=None):
    validators = [DataRequired(DATE_MESSAGE)] if required else [Optional()]
    return DateField(label, validators=validators, description=description)


class MeetingForm(Form):
    kind = SelectField(
        _l("会议类型"), choices=lambda: [(k, str(v)) for k, v in MEETING_KINDS.items()], validate_choice=False
    )
    held_on = _date(_l("会议日期"))
    place = StringField(_l("地点"), validators=[Optional(), Length(max=100)])
    host = StringField(_l("主持人"), validators=[Optional(), Length(max=32)])
    attendee_ids = CheckboxesField(_l("参加人员"), coerce=int, validate_choice=False)
    minutes = TextAreaField(
        _l("会议纪要"),
        validators=[DataRequired(_l("请填写会议纪要。")), Length(max=8000)],
        description=_l("各网格员汇报情况、研究的问题。"),
    )
    decisions = TextAreaField(
        _l("会议决定"),
        validators=[Optional(), Length(max=4000)],
        description=_l("每行一条。会后可把决定下达为本级所辖网格的任务。"),
    )
    submit = SubmitField(_l("保存"))


class TrainingForm(Form):
    held_on = _date(_l("培训日期"))
    topic = StringField(_l("培训主题"), validators=[DataRequired(REQUIRED), Length(max=200)])
    trainer = StringField(_l("授课人"), validators=[DataRequired(REQUIRED), Length(max=64)])
    hours = DecimalField(
        _l("学时"),
        places=1,
        validators=[DataRequired(_l("请填写学时，如 2 或 1.5。"))],
        render_kw={"inputmode": "decimal"},
        description=_l("0.5 到 24 之间。"),
    )
    place = StringField(_l("地点"), validators=[Optional(), Length(max=100)])
    attendee_ids = CheckboxesField(_l("参训人员"), coerce=int, validate_choice=False)
    content = TextAreaField(_l("培训内容"), validators=[Optional(), Length(max=4000)])
    submit = SubmitField(_l("保存"))


class ItemForm(Form):
    name = StringField(_l("事项名称"), validators=[DataRequired(REQUIRED), Length(max=200)])
    department_id = SelectField(_l("提出部门"), coerce=int, validate_choice=False)
    basis = TextAreaField(
        _l("准入依据"),
        validators=[DataRequired(_l("请填写准入依据。")), Length(max=2000)],
        description=_l("文件名称和文号，或会议纪要。"),
    )
    is_active = BooleanField(_l("在用"), default=True)
    submit = SubmitField(_l("保存"))


class TaskForm(Form):
    title = StringField(_l("任务名称"), validators=[DataRequired(REQUIRED), Length(max=200)])
    content = TextAreaField(_l("任务要求"), validators=[Optional(), Length(max=4000)])
    source = RadioField(
        _l("任务来源"),
        choices=[("admitted", _l("准入事项清单内")), ("approved", _l("清单外（须有审批记录）"))],
        default="admitted",
        validate_choice=False,
    )
    admitted_item_id = SelectField(_l("准入事项"), coerce=int, validate_choice=False)
    approved_by = StringField(_l("审批人"), validators=[Optional(), Length(max=64)])
    approval_document = StringField(_l("审批文件及文号"), validators=[Optional(), Length(max=100)])
    approved_on = _date(_l("审批日期"), required=False)
    target_ids = CheckboxesField(_l("下达给"), coerce=int, validate_choice=False)
    deadline = _date(_l("完成期限"))
    submit = SubmitField(_l("下达"))


class DecisionTaskForm(Form):
    title = StringField(_l("任务名称"), validators=[DataRequired(REQUIRED), Length(max=200)])
    content = TextAreaField(_l("任务要求"), validators=[Optional(), Length(max=4000)])
    target_ids = CheckboxesField(_l("下达给"), coerce=int, validate_choice=False)
    deadline = _date(_l("完成期限"))
    submit = SubmitField(_l("下达"))


class CompletionForm(Form):
    completed_on = _date(_l("完成日期"))
    completion_note = TextAreaField(_l("完成情况"), validators=[DataRequired(_l("请填写完成情况。")), Length(max=4000)])
    submit = SubmitField(_l("报告完成"))


class WithdrawForm(Form):
    reason = TextAreaField(
        _l("撤回原因"),
        validators=[DataRequired(_l("请写明撤回原因。")), Length(max=2000)],
        description=_l("承办单位会看到撤回原因。"),
    )
    submit = SubmitField(_l("撤回任务"))


class InspectionEditForm(Form):
    """An inspection's facts; the grid and the problems are set when it is recorded."""

    place = SelectField(
        _l("检查场所"),
        validate_choice=False,
        description=_l("本网格登记的责任点位、商铺、单位；不在其中的（如未登记的路段）请填在下一栏。"),
    )
    point = StringField(
        _l("其他点位"),
        validators=[Optional(), Length(max=100)],
        description=_l("如农贸市场、门前三包路段；整个网格可不填。"),
    )
    inspected_on = _date(_l("检查日期"))
    inspectors = StringField(_l("检查人员"), validators=[DataRequired(_l("请填写检查人员。")), Length(max=200)])
    items_checked = TextAreaField(_l("检查内容"), validators=[DataRequired(_l("请填写检查内容。")), Length(max=4000)])
    note = TextAreaField(_l("备注"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("保存"))


class InspectionForm(InspectionEditForm):
    grid_id = SelectField(_l("网格"), coerce=int, validate_choice=False)
    problems = TextAreaField(
        _l("发现问题"),
        validators=[Optional(), Length(max=4000)],
        description=_l("每行一个问题，每个问题都要整改和回头看；没有问题可不填。"),
    )
    deadline = _date(_l("整改期限"), required=False)


class ProblemsForm(Form):
    problems = TextAreaField(
        _l("发现问题"),
        validators=[DataRequired(_l("请填写发现的问题，每行一个。")), Length(max=4000)],
        description=_l("每行一个问题，每个问题都要整改和回头看。"),
    )
    deadline = _date(_l("整改期限"))
    submit = SubmitField(_l("保存"))


class ProblemForm(Form):
    problem = TextAreaField(_l("问题"), validators=[DataRequired(_l("请填写问题。")), Length(max=4000)])
    submit = SubmitField(_l("保存"))


class ConfirmForm(Form):
    submit = SubmitField(_l("确认删除"))


class RecheckForm(Form):
    checked_on = _date(_l("复查日期"))
    result = RadioField(
        _l("复查结果"),
        choices=[("passed", _l("通过，销号")), ("failed", _l("未通过，继续整改"))],
        validators=[DataRequired(_l("请选择复查结果。"))],
        validate_choice=False,
    )
    note = TextAreaField(_l("复查情况"), validators=[Optional(), Length(max=2000)])
    new_deadline = _date(_l("新的整改期限"), required=False, description=_l("未通过时可重新确定期限。"))
    submit = SubmitField(_l("保存"))
