"""Forms for grid staff, their assignments, service teams and functional departments.

Choices that depend on what the user may see are filled in by the views; the
rules (phone format, dates, uniqueness) live in app.org.staff_services."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.core.forms import CheckboxesField, Form
from app.org.forms import DATE_MESSAGE, REQUIRED
from app.org.models import STAFF_ROLE_LABELS, TEAM_TYPE_LABELS

TOO_LONG = _l("内容过长。")


def role_choices():
    return [(role.value, str(label)) for role, label in STAFF_ROLE_LABELS.items()]


def team_type_choices():
    return [(value, str(label)) for value, label in TEAM_TYPE_LABELS.items()]


class StaffForm(Form):
    name = StringField(_l("姓名"), validators=[DataRequired(REQUIRED), Length(max=32, message=TOO_LONG)])
    phone = StringField(
        _l("联系电话"),
        validators=[Optional(), Length(max=32, message=TOO_LONG)],
        render_kw={"type": "tel"},
        description=_l("11 位手机号，或带区号的座机号，如 0917-1234567。"),
    )
    home_division_id = SelectField(
        _l("所属单位"), coerce=int, validate_choice=False, description=_l("管理该人员的镇（街道）、社区（村）或网格。")
    )
    # The description names the size limit from the configuration (set by the view).
    photo = FileField(_l("照片"), render_kw={"accept": "image/jpeg,image/png"})
    remove_photo = BooleanField(_l("删除现有照片"))
    user_id = SelectField(
        _l("关联账号"),
        coerce=int,
        validate_choice=False,
        description=_l("该人员登录系统使用的账号（仅县级管理员可设置）。"),
    )
    note = TextAreaField(_l("备注"), validators=[Optional(), Length(max=2000, message=TOO_LONG)])
    submit = SubmitField(_l("保存"))


class AssignmentForm(Form):
    # A division's id, or "area:ID" for a 片区 (app.org.staff_views.place_choices).
    division_id = SelectField(
        _l("任职单位"),
        validate_choice=False,
        description=_l(
            "总网格长设在镇（街道），一级、二级网格长设在社区（村），片区网格长、片区网格员设在片区，其余岗位设在网格。"
        ),
    )
    role = SelectField(_l("岗位"), choices=role_choices, validators=[DataRequired(REQUIRED)])
    role_note = StringField(
        _l("岗位名称"),
        validators=[Optional(), Length(max=32, message=TOO_LONG)],
        description=_l("岗位选“其他”时必填，如 调解员。"),
    )
    start_date = DateField(_l("起始日期"), validators=[DataRequired(DATE_MESSAGE)], format="%Y-%m-%d")
    end_date = DateField(_l("结束日期"), validators=[Optional()], format="%Y-%m-%d", description=_l("仍在岗请留空。"))
    submit = SubmitField(_l("添加岗位"))


class EndAssignmentForm(Form):
    end_date = DateField(_l("结束日期"), validators=[DataRequired(DATE_MESSAGE)], format="%Y-%m-%d")


class TeamForm(Form):
    division_id = SelectField(_l("所属镇（街道）或社区（村）"), coerce=int, validate_choice=False)
    team_type = SelectField(_l("团队类型"), choices=team_type_choices, validators=[DataRequired(REQUIRED)])
    custom_type = StringField(
        _l("自定义类型"),
        validators=[Optional(), Length(max=32, message=TOO_LONG)],
        description=_l("类型选“其他（自定义）”时必填，如 法律服务。"),
    )
    name = StringField(_l("团队名称"), validators=[DataRequired(REQUIRED), Length(max=64, message=TOO_LONG)])
    note = TextAreaField(_l("备注"), validators=[Optional(), Length(max=2000, message=TOO_LONG)])
    submit = SubmitField(_l("保存"))


class MemberForm(Form):
    staff_id = SelectField(_l("人员"), coerce=int, validate_choice=False)
    duty = StringField(
        _l("分工"), validators=[Optional(), Length(max=32, message=TOO_LONG)], description=_l("如 队长、联络员。")
    )
    submit = SubmitField(_l("加入团队"))


class DepartmentForm(Form):
    name = StringField(_l("部门名称"), validators=[DataRequired(REQUIRED), Length(max=64, message=TOO_LONG)])
    short_name = StringField(
        _l("简称"), validators=[Optional(), Length(max=16, message=TOO_LONG)], description=_l("如 城管、民政。")
    )
    contact_name = StringField(_l("联系人"), validators=[Optional(), Length(max=32, message=TOO_LONG)])
    phone = StringField(
        _l("联系电话"), validators=[Optional(), Length(max=32, message=TOO_LONG)], render_kw={"type": "tel"}
    )
    address = StringField(_l("地址"), validators=[Optional(), Length(max=200, message=TOO_LONG)])
    duties = TextAreaField(_l("职责"), validators=[Optional(), Length(max=4000, message=TOO_LONG)])
    submit = SubmitField(_l("保存"))


class AreaForm(Form):
    name = StringField(
        _l("片区名称"),
        validators=[DataRequired(_l("请填写片区名称。")), Length(max=64, message=TOO_LONG)],
        description=_l("如 第一片区、东片区。"),
    )
    grid_ids = CheckboxesField(_l("所辖网格"), coerce=int, validate_choice=False)
    note = TextAreaField(_l("备注"), validators=[Optional(), Length(max=2000, message=TOO_LONG)])
    is_active = BooleanField(_l("在用"), default=True)
    submit = SubmitField(_l("保存"))
