"""Forms for sign-in, first-run setup, password changes and accounts."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from app.auth.roles import ADMIN_DUTY_ROLES, ROLE_LABELS, Role
from app.core.forms import Form

REQUIRED = _l("此项为必填项。")


class LoginForm(Form):
    username = StringField(_l("用户名"), validators=[DataRequired(REQUIRED), Length(max=64)])
    password = PasswordField(_l("密码"), validators=[DataRequired(REQUIRED)])
    submit = SubmitField(_l("登录"))


USERNAME_RULES = [
    DataRequired(REQUIRED),
    Length(min=3, max=64, message=_l("用户名长度为 3–64 个字符。")),
    Regexp(r"^[A-Za-z0-9_.\-]+$", message=_l("用户名只能包含字母、数字、下划线、点和短横线。")),
]


class NewPasswordMixin:
    password = PasswordField(
        _l("新密码"),
        validators=[DataRequired(REQUIRED)],
        description=_l("至少 8 位，含小写字母、大写字母、数字、符号中的至少两类；不能包含用户名，不能是常见密码。"),
    )
    confirm = PasswordField(_l("确认新密码"), validators=[DataRequired(REQUIRED)])


class SetupForm(NewPasswordMixin, Form):
    token = StringField(
        _l("设置口令"), validators=[DataRequired(REQUIRED)], description=_l("服务器启动时在控制台显示的口令。")
    )
    county_code = StringField(
        _l("县（市、区）行政区划代码"),
        validators=[
            DataRequired(REQUIRED),
            Regexp(r"^\d{6}$", message=_l("请输入 6 位数字的行政区划代码（GB/T 2260）。")),
        ],
    )
    county_name = StringField(_l("县（市、区）名称"), validators=[DataRequired(REQUIRED), Length(max=64)])
    username = StringField(_l("县级管理员用户名"), validators=USERNAME_RULES)
    display_name = StringField(_l("姓名"), validators=[DataRequired(REQUIRED), Length(max=64)])
    # The three administrators of 三员分立, given temporary passwords shown once.
    system_username = StringField(_l("系统管理员用户名"), default="sysadmin", validators=USERNAME_RULES)
    security_username = StringField(_l("安全管理员用户名"), default="secadmin", validators=USERNAME_RULES)
    audit_username = StringField(_l("审计管理员用户名"), default="auditor", validators=USERNAME_RULES)
    submit = SubmitField(_l("创建管理员并开始使用"))


class ChangePasswordForm(NewPasswordMixin, Form):
    current_password = PasswordField(_l("当前密码"), validators=[DataRequired(REQUIRED)])
    submit = SubmitField(_l("修改密码"))


def role_choices():
    return [(role.value, str(ROLE_LABELS[role])) for role in Role]


def second_role_choices():
    return [("", _l("（不兼任）"))] + [
        (role.value, str(ROLE_LABELS[role])) for role in Role if role in ADMIN_DUTY_ROLES
    ]


class AccountDetailsMixin:
    """What the system administrator keeps: who the account is."""

    display_name = StringField(_l("姓名"), validators=[DataRequired(REQUIRED), Length(max=64)])
    phone = StringField(_l("联系电话"), validators=[Optional(), Length(max=32)])


class UserCreateForm(AccountDetailsMixin, Form):
    username = StringField(_l("用户名"), validators=USERNAME_RULES)
    password = PasswordField(
        _l("初始密码"), validators=[DataRequired(REQUIRED)], description=_l("用户首次登录后必须修改。")
    )
    confirm = PasswordField(_l("确认初始密码"), validators=[DataRequired(REQUIRED)])
    submit = SubmitField(_l("创建账号"))


class UserEditForm(AccountDetailsMixin, Form):
    submit = SubmitField(_l("保存"))


class AccessForm(Form):
    """What the security administrator decides: the role and the scope."""

    role = SelectField(_l("角色"), choices=role_choices, validators=[DataRequired(REQUIRED)])
    # Rendered only where the county allows two duties: absent, it is empty.
    second_role = SelectField(
        _l("兼任管理员角色"),
        choices=second_role_choices,
        validate_choice=False,
        description=_l("仅在本县开启“允许一人兼任两个管理员角色”后可选。"),
    )
    scope_division_id = SelectField(_l("管辖范围（区划或网格）"), coerce=int, validate_choice=False)
    scope_department_id = SelectField(_l("所属职能部门"), coerce=int, validate_choice=False)
    governance_duty = BooleanField(
        _l("承担综治工作（可查看本镇重点人员）"), description=_l("仅对镇（街道）工作人员有效。")
    )
    submit = SubmitField(_l("保存授权"))


class SettingsForm(Form):
    """One field per setting of a group, added by app/auth/admin_views.py."""

    submit = SubmitField(_l("保存设置"))


class AuditFilterForm(Form):
    class Meta:
        csrf = False  # a GET filter changes nothing

    actor = StringField(_l("操作人"), validators=[Optional(), Length(max=64)])
    action = SelectField(_l("操作类型"), validate_choice=False)
    date_from = StringField(_l("起始日期"), validators=[Optional()])
    date_to = StringField(_l("截止日期"), validators=[Optional()])
