"""Forms of the county's register settings, kept by administrators: care tags,
visit classes and key-person categories."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.core.forms import Form
from app.registry.settings import keyperson_categories, visit_classes

REQUIRED = _l("此项为必填项。")


class CareTagForm(Form):
    name = StringField(_l("新标签"), validators=[DataRequired(_l("此项为必填项。")), Length(max=32)])
    submit = SubmitField(_l("添加"))


class VisitClassForm(Form):
    name = StringField(
        _l("名称"),
        validators=[DataRequired(REQUIRED), Length(max=16)],
        description=_l("列表、导出和导入中显示的简称，如“一类”。"),
    )
    description = StringField(
        _l("含义"),
        validators=[Optional(), Length(max=200)],
        description=_l("哪些住户归入此类，如“重点关注：困难、特殊人群、矛盾隐患等”。"),
    )
    # The range is the service's rule (its message names the bounds).
    visits_required = IntegerField(
        _l("至少走访次数"),
        validators=[InputRequired(REQUIRED)],
        description=_l("每个周期至少走访的次数；填 0 表示不作次数要求。"),
    )
    visit_period = SelectField(
        _l("周期"), choices=lambda: [(k, str(v)) for k, v in visit_classes.VISIT_PERIODS.items()], validate_choice=False
    )
    submit = SubmitField(_l("保存"))


class CategoryForm(Form):
    name = StringField(_l("类别名称"), validators=[DataRequired(REQUIRED), Length(max=keyperson_categories.NAME_MAX)])
    description = TextAreaField(
        _l("说明"),
        validators=[Optional(), Length(max=keyperson_categories.DESCRIPTION_MAX)],
        description=_l("哪些人员列入此类；登记重点人员选择该类别时显示。"),
    )
    # The range is the service's rule (its message names the bounds).
    follow_up_days = IntegerField(
        _l("跟进周期（天）"),
        default=30,
        validators=[InputRequired(REQUIRED)],
        description=_l("每隔多少天至少跟进一次（帮教、帮扶或管控）。"),
    )
    submit = SubmitField(_l("保存"))


class NewCategoryForm(CategoryForm):
    submit = SubmitField(_l("添加类别"))
