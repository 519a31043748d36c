"""Forms of visits: one visit (with the one-step matter), and the common fields of
the back-entry sheet (the day and who went)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, RadioField, SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.core.forms import CheckboxesField, Form
from app.core.location import position_fields
from app.matters.reference import CLASSES
from app.visits.reference import ORDINARY_TYPES, RECORD_CHECKS, VERIFICATION_TYPES, VISIT_TYPES
from app.visits.services import MAX_TEXT

DATE_MESSAGE = _l("请输入有效日期，格式为 YYYY-MM-DD。")


def type_choices(current: str | None = None) -> list[tuple[str, str]]:
    """The types the grid's staff record (a 核实 has its own form), and `current`, the
    type a visit being corrected already has."""
    return [(code, str(label)) for code, label in VISIT_TYPES.items() if code in ORDINARY_TYPES or code == current]


class VisitForm(Form):
    visited_on = DateField(_l("走访日期"), validators=[DataRequired(DATE_MESSAGE)], format="%Y-%m-%d")
    visit_type = SelectField(_l("走访类型"), choices=type_choices, validate_choice=False)
    # Checked against the grid's staff by the service (its message names the rule).
    visitor_ids = CheckboxesField(_l("走访人员"), coerce=int, validate_choice=False)
    found = TextAreaField(
        _l("走访情况"),
        validators=[Optional(), Length(max=MAX_TEXT)],
        description=_l("见到谁、家里情况、核实了哪些信息。"),
    )
    needs = TextAreaField(_l("群众诉求"), validators=[Optional(), Length(max=MAX_TEXT)])
    follow_up = TextAreaField(_l("后续跟进"), validators=[Optional(), Length(max=MAX_TEXT)])
    submit = SubmitField(_l("保存"))


class VerificationForm(Form, position_fields()):
    """入户核实表: a check of the household by someone other than the grid's staff."""

    visited_on = DateField(_l("核实日期"), validators=[DataRequired(DATE_MESSAGE)], format="%Y-%m-%d")
    visit_type = RadioField(
        _l("核实类别"),
        choices=lambda: [(code, str(VISIT_TYPES[code])) for code in VERIFICATION_TYPES],
        default="verification",
        validate_choice=False,
        description=_l("核实走访：片区、工作站人员每季度按比例核实；年度入户核实：社区网格负责人员每户每年一次。"),
    )
    visitor_ids = CheckboxesField(
        _l("核实人员"),
        coerce=int,
        validate_choice=False,
        description=_l("本社区工作站和其他网格的在岗人员；本网格的人员不能核实本网格。"),
    )
    found = TextAreaField(
        _l("核实情况"),
        validators=[Optional(), Length(max=MAX_TEXT)],
        description=_l("见到谁，核对了哪些信息（人口、住房、联系方式……）。"),
    )
    record_check = RadioField(
        _l("网格登记的信息"),
        choices=lambda: [(code, str(label)) for code, label in RECORD_CHECKS.items()],
        validate_choice=False,
    )
    correction = TextAreaField(
        _l("需更正的信息"),
        validators=[Optional(), Length(max=MAX_TEXT)],
        description=_l("信息有误的写明哪项、应为什么，网格据此更正。"),
    )
    submit = SubmitField(_l("保存核实"))


class NewVisitForm(VisitForm, position_fields()):
    open_matter = BooleanField(_l("同时上报为事件"))
    matter_class = SelectField(
        _l("事件大类"),
        validate_choice=False,
        choices=lambda: [("", "—")] + [(c, str(label)) for c, label in CLASSES.items()],
    )
    matter_description = TextAreaField(
        _l("事件描述"),
        validators=[Optional(), Length(max=MAX_TEXT)],
        description=_l("不填则使用“后续跟进”或“群众诉求”的内容。"),
    )


class OpenMatterForm(Form):
    matter_class = NewVisitForm.matter_class
    matter_description = NewVisitForm.matter_description
    submit = SubmitField(_l("上报为事件"))


class EntryCommonForm(Form):
    """The back-entry sheet's day and visitors, shared by every row."""

    visited_on = DateField(_l("走访日期"), validators=[DataRequired(DATE_MESSAGE)], format="%Y-%m-%d")
    visitor_ids = CheckboxesField(_l("走访人员"), coerce=int, validate_choice=False)


class OrganisationVisitForm(Form):
    visited_on = DateField(_l("走访日期"), validators=[DataRequired(DATE_MESSAGE)], format="%Y-%m-%d")
    visitor_ids = CheckboxesField(_l("走访人员"), coerce=int, validate_choice=False)
    found = TextAreaField(
        _l("走访情况"),
        validators=[Optional(), Length(max=MAX_TEXT)],
        description=_l("见到谁、组织的情况、了解到的党员或业主的意见。"),
    )
    needs = TextAreaField(_l("诉求和建议"), validators=[Optional(), Length(max=MAX_TEXT)])
    follow_up = TextAreaField(_l("后续跟进"), validators=[Optional(), Length(max=MAX_TEXT)])
    submit = SubmitField(_l("保存"))
