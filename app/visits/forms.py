"""Forms of visits: one visit (with the one-step matter), and the common fields of
the back-entry sheet (the day and who went)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, SelectField, SelectMultipleField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.core.forms import Form
from app.core.location import position_fields
from app.matters.reference import CLASSES
from app.visits.reference import VISIT_TYPES
from app.visits.services import MAX_TEXT

DATE_MESSAGE = _l("请输入有效日期，格式为 YYYY-MM-DD。")


def type_choices() -> list[tuple[str, str]]:
    return [(code, str(label)) for code, label in VISIT_TYPES.items()]


class CheckboxesField(SelectMultipleField):
    """Several choices as checkboxes (Tab and Space from the keyboard)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


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
