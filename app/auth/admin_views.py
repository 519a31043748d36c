"""The pages of 三员分立 for accounts and settings: accounts and system settings
(系统管理员), roles, scopes, unlocking and security settings (安全管理员). The audit
log (审计管理员) is app/auth/audit_views.py."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import or_, select
from wtforms import BooleanField, IntegerField
from wtforms.validators import InputRequired, NumberRange

from app.auth import accounts, admin_bp, duties
from app.auth.decorators import duty_required
from app.auth.forms import REQUIRED, AccessForm, SettingsForm, UserCreateForm, UserEditForm
from app.auth.models import LoginThrottle, User
from app.auth.roles import Permission, Role
from app.core import settings as system_settings
from app.core.forms import saving
from app.core.rendering import render_page
from app.core.scoping import get_visible_or_404, scoped_select
from app.core.timeutil import utcnow
from app.extensions import db
from app.org.models import Department, Division
from app.org.services import division_choices

ACCOUNT_PAGES = (Permission.MANAGE_ACCOUNTS, Permission.MANAGE_ACCESS)


def _fill_scope_choices(form) -> None:
    # The security administrator sees no records of the county, yet gives scopes in
    # all of it: the whole tree is offered here.
    form.scope_division_id.choices = [(0, _("（无）"))] + division_choices(
        db.session.scalars(select(Division).where(Division.status == "active").order_by(Division.code))
    )
    form.scope_department_id.choices = [(0, _("（无）"))] + [
        (d.id, d.name) for d in db.session.scalars(select(Department).order_by(Department.name))
    ]


def _scope_from(form):
    division = db.session.get(Division, form.scope_division_id.data) if form.scope_division_id.data else None
    department = db.session.get(Department, form.scope_department_id.data) if form.scope_department_id.data else None
    return division, department


@admin_bp.route("/users/")
@duty_required(*ACCOUNT_PAGES)
def users():
    """All accounts, searchable by name; those waiting for a role first."""
    query = request.args.get("q", "").strip()
    statement = scoped_select(User).order_by(User.role.is_not(None), User.username)
    if query:
        like = f"%{query}%"
        statement = statement.where(or_(User.username.ilike(like), User.display_name.ilike(like)))
    page = db.paginate(statement, per_page=50)
    return render_page(
        "admin/users.html",
        fragment="admin/_user_rows.html",
        target_id="user-rows",
        page=page,
        query=query,
        now=utcnow(),
        roles={r.value: r.label for r in Role},
    )


@admin_bp.route("/users/new", methods=["GET", "POST"])
@duty_required(Permission.MANAGE_ACCOUNTS)
def create_user():
    """A new account, without a role: the security administrator gives it one."""
    form = UserCreateForm()
    if form.validate_on_submit():
        with saving(form) as saved:
            user = accounts.create_user(
                username=form.username.data,
                display_name=form.display_name.data,
                role=None,
                password=form.password.data,
                confirm=form.confirm.data,
                phone=form.phone.data,
            )
        if saved:
            flash(
                _("账号 %(name)s 已创建，请安全管理员为其分配角色和管辖范围后方可登录。", name=user.username), "success"
            )
            return redirect(url_for("admin.user_detail", user_id=user.id), code=303)
    return render_template("admin/user_form.html", form=form, user=None)


def _detail(user: User, temporary_password: str | None = None):
    return render_template("admin/user_detail.html", user=user, temporary_password=temporary_password, now=utcnow())


@admin_bp.route("/users/<int:user_id>")
@duty_required(*ACCOUNT_PAGES)
def user_detail(user_id: int):
    return _detail(get_visible_or_404(User, user_id))


@admin_bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@duty_required(Permission.MANAGE_ACCOUNTS)
def edit_user(user_id: int):
    user = get_visible_or_404(User, user_id)
    form = UserEditForm(obj=user)
    if form.validate_on_submit():
        with saving(form) as saved:
            accounts.update_details(user, form.display_name.data, form.phone.data)
        if saved:
            flash(_("账号已保存。"), "success")
            return redirect(url_for("admin.user_detail", user_id=user.id), code=303)
    return render_template("admin/user_form.html", form=form, user=user)


@admin_bp.route("/users/<int:user_id>/access", methods=["GET", "POST"])
@duty_required(Permission.MANAGE_ACCESS)
def user_access(user_id: int):
    """The role, a second administrator duty where allowed, and the scope."""
    user = get_visible_or_404(User, user_id)
    form = AccessForm(obj=user)
    _fill_scope_choices(form)
    if request.method == "GET":
        form.role.data = user.role or ""
        form.second_role.data = user.second_role or ""
        form.scope_division_id.data = user.scope_division_id or 0
        form.scope_department_id.data = user.scope_department_id or 0
    if form.validate_on_submit():
        division, department = _scope_from(form)
        with saving(form) as saved:
            accounts.set_access(
                user,
                Role(form.role.data),
                division,
                department,
                governance_duty=form.governance_duty.data,
                second_role=_second_role(form.second_role.data),
                acting=current_user,
            )
        if saved:
            flash(_("授权已保存。"), "success")
            return redirect(url_for("admin.user_detail", user_id=user.id), code=303)
    return render_template(
        "admin/user_access.html",
        form=form,
        user=user,
        combining_allowed=system_settings.setting("ADMIN_DUTIES_COMBINED"),
    )


def _second_role(value: str | None) -> Role | None:
    if not value:
        return None
    try:
        return Role(value)
    except ValueError:
        raise accounts.AccountError(_("不是有效的选择。"), "second_role") from None


@admin_bp.route("/users/<int:user_id>/status", methods=["POST"])
@duty_required(Permission.MANAGE_ACCOUNTS)
def set_user_status(user_id: int):
    user = get_visible_or_404(User, user_id)
    enable = request.form.get("enabled") == "1"
    try:
        accounts.set_enabled(user, enable, current_user)
    except accounts.AccountError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(_("账号已启用。") if enable else _("账号已停用，其登录会话已全部结束。"), "success")
    return redirect(url_for("admin.user_detail", user_id=user.id), code=303)


@admin_bp.route("/users/<int:user_id>/reset", methods=["POST"])
@duty_required(Permission.MANAGE_ACCOUNTS)
def reset_user_password(user_id: int):
    """Show the one-time password once; it is never stored in clear."""
    user = get_visible_or_404(User, user_id)
    if user.id == current_user.id:
        # It would end this very session: one's own password is changed under 改密码.
        flash(_("不能在这里重置自己的密码，请用“改密码”。"), "error")
        return redirect(url_for("admin.user_detail", user_id=user.id), code=303)
    temporary = accounts.reset_password(user)
    db.session.commit()
    return _detail(user, temporary)


@admin_bp.route("/users/<int:user_id>/unlock", methods=["POST"])
@duty_required(Permission.MANAGE_ACCESS)
def unlock_user(user_id: int):
    user = get_visible_or_404(User, user_id)
    accounts.unlock(user)
    db.session.commit()
    flash(_("账号已解除锁定。"), "success")
    return redirect(url_for("admin.user_detail", user_id=user.id), code=303)


SETTING_GROUPS = {
    system_settings.SYSTEM: (Permission.SYSTEM_SETTINGS, _l("系统设置")),
    system_settings.SECURITY: (Permission.SECURITY_SETTINGS, _l("安全设置")),
}


def _settings_form(group: str):
    """A form with one field per setting of the group, filled with the values in force."""

    class GroupForm(SettingsForm):
        pass

    for spec in system_settings.specs_of(group):
        if spec.kind is bool:
            field = BooleanField(spec.label, description=spec.help)
        else:
            field = IntegerField(
                spec.label,
                description=spec.help,
                validators=[
                    InputRequired(REQUIRED),
                    NumberRange(
                        spec.minimum,
                        spec.maximum,
                        message=_l("请输入 %(low)d 到 %(high)d 之间的整数。", low=spec.minimum, high=spec.maximum),
                    ),
                ],
            )
        setattr(GroupForm, spec.name, field)
    data = {spec.name: system_settings.setting(spec.name) for spec in system_settings.specs_of(group)}
    return GroupForm(data=data)


@admin_bp.route("/settings/<group>", methods=["GET", "POST"])
@login_required
def settings(group: str):
    """The system settings (系统管理员) or the security settings (安全管理员)."""
    if group not in SETTING_GROUPS or not current_user.can(SETTING_GROUPS[group][0]):
        duties.refuse(404)
    form = _settings_form(group)
    if form.validate_on_submit():
        values = {spec.name: form[spec.name].data for spec in system_settings.specs_of(group)}
        with saving(form) as saved:
            changed = accounts.change_settings(values, current_user)
        if saved:
            flash(_("设置已保存（%(n)d 项有改动）。", n=changed), "success")
            return redirect(url_for("admin.settings", group=group), code=303)
    locked = accounts.locked_addresses() if group == system_settings.SECURITY else []
    return render_template(
        "admin/settings.html", form=form, group=group, title=SETTING_GROUPS[group][1], locked_addresses=locked
    )


@admin_bp.route("/settings/security/addresses/<int:throttle_id>/unlock", methods=["POST"])
@duty_required(Permission.MANAGE_ACCESS)
def unlock_address(throttle_id: int):
    throttle = db.session.get(LoginThrottle, throttle_id)
    if throttle is None or throttle.kind != "address":
        abort(404)
    accounts.unlock_address(throttle)
    db.session.commit()
    flash(_("该网络地址已恢复登录。"), "success")
    return redirect(url_for("admin.settings", group=system_settings.SECURITY), code=303)
