"""Forms for key persons and their follow-ups. A category brings its own fields,
so the listing form is a class built per category (`key_person_form`)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.core.forms import ID_NUMBER_INPUT, Form
from app.registry.keypersons import services as rules
from app.registry.keypersons.models import KeyPersonCategory
from app.registry.people.resident_forms import DATE_MESSAGE, REQUIRED


def _choices(mapping):
    return lambda: [(code, str(text)) for code, text in mapping.items()]


class KeyPersonForm(Form):
    # Which resident: from the resident page (hidden id) or by the full ID number.
    resident_id = HiddenField()
    id_number = StringField(
        _l("证件号码"),
        validators=[Optional(), Length(max=40)],
        description=_l("输入完整证件号码，在您的管辖范围内查找已登记的人员。"),
        render_kw=ID_NUMBER_INPUT,
    )
    category_id = SelectField(_l("类别"), coerce=int, validate_choice=False)
    # The category whose fields the page shows; another category chosen without
    # JS re-renders the form instead of saving it.
    shown_category_id = HiddenField()
    risk_level = SelectField(_l("风险等级"), choices=_choices(rules.RISK_LEVELS))
    start_date = DateField(_l("列管日期"), validators=[DataRequired(DATE_MESSAGE)], format="%Y-%m-%d")
    responsible_staff_id = SelectField(_l("责任人"), coerce=int, validate_choice=False)
    note = TextAreaField(_l("备注"), validators=[Optional(), Length(max=2000)])
    refresh = SubmitField(_l("更新字段"))
    submit = SubmitField(_l("保存"))


def key_person_form(category: KeyPersonCategory | None, **kwargs) -> KeyPersonForm:
    """A KeyPersonForm with one field per field of the category (detail_<key>).
    Dates are text inputs of type date, checked by the rules so the message names
    the field; pass `details` to fill them from a stored record."""
    details = kwargs.pop("details", None) or {}

    class CategoryForm(KeyPersonForm):
        pass

    for spec in rules.category_fields(category):
        kind = spec.get("type", "text")
        label_text = spec.get("label") or spec["key"]
        limit = Length(max=rules.MAX_TEXT[kind])
        if kind == "textarea":
            unbound = TextAreaField(label_text, validators=[Optional(), limit])
        elif kind == "date":
            unbound = StringField(
                label_text, validators=[Optional()], render_kw={"type": "date", "placeholder": "YYYY-MM-DD"}
            )
        else:
            unbound = StringField(label_text, validators=[Optional(), limit])
        setattr(CategoryForm, rules.detail_field_name(spec["key"]), unbound)
    form = CategoryForm(**kwargs)
    if details and not form.is_submitted():
        for spec in rules.category_fields(category):
            form[rules.detail_field_name(spec["key"])].data = details.get(spec["key"], "")
    return form


def detail_values(form: KeyPersonForm, category: KeyPersonCategory | None) -> dict[str, str]:
    return {
        spec["key"]: form[rules.detail_field_name(spec["key"])].data or "" for spec in rules.category_fields(category)
    }


class FollowUpForm(Form):
    follow_up_date = DateField(_l("跟进日期"), validators=[DataRequired(DATE_MESSAGE)], format="%Y-%m-%d")
    kind = SelectField(_l("方式"), choices=_choices(rules.FOLLOW_UP_KINDS))
    performed_by = StringField(_l("跟进人"), validators=[DataRequired(REQUIRED), Length(max=64)])
    content = TextAreaField(_l("跟进内容"), validators=[DataRequired(REQUIRED), Length(max=4000)])
    next_due_date = DateField(_l("下次跟进日期"), validators=[Optional()], format="%Y-%m-%d")
    submit = SubmitField(_l("保存跟进记录"))


class CloseForm(Form):
    end_date = DateField(_l("解除日期"), validators=[DataRequired(DATE_MESSAGE)], format="%Y-%m-%d")
    reason = StringField(_l("解除原因"), validators=[Optional(), Length(max=200)])
    submit = SubmitField(_l("解除列管"))
