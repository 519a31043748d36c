"""Account administration under 三员分立: the system administrator creates accounts
and edits their details and the system settings; the security administrator gives
roles and scopes, enables and disables accounts, resets passwords and unlocks
accounts and paused addresses (app/auth/duties.py says who may do which). First-run
setup and `flask accounts create-administrators` create the administrators here.

Plain functions over the database session, each change audited."""

from __future__ import annotations

import secrets
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from app.auth import audit
from app.auth.models import LoginThrottle, User
from app.auth.passwords import AccountError, password_problem, validate_new_password
from app.auth.roles import ADMIN_DUTY_ROLES, Permission, Role, role_has
from app.auth.signin import end_all_sessions, find_user
from app.core import settings as system_settings
from app.core.settings import setting
from app.core.timeutil import utcnow
from app.extensions import db


def check_scope(role: Role, division, department) -> None:
    """An account hangs from a division of the level its role needs, or a department;
    the three administrators of 三员分立 from nothing."""
    level = role.scope_level
    if level == "":
        return
    if level is None:
        if department is None:
            raise AccountError(_("职能部门经办人必须选择所属部门。"), "scope_department_id")
        return
    if division is None:
        raise AccountError(_("请选择账号的管辖范围。"), "scope_division_id")
    if level != "any" and division.level != level:
        from app.org.models import Level

        raise AccountError(_("该角色的管辖范围必须是一个%(level)s。", level=Level(level).label), "scope_division_id")


def create_user(
    *,
    username: str,
    display_name: str,
    role: Role | None,
    password: str,
    confirm: str,
    division=None,
    department=None,
    phone: str | None = None,
    must_change_password: bool = True,
    governance_duty: bool = False,
) -> User:
    """A new account. Without a role it waits for the security administrator to give it
    one (三员分立: accounts are created by the system administrator, authorised by the
    security administrator) and cannot sign in until then."""
    username = username.strip()
    if find_user(username) is not None:
        raise AccountError(_("用户名已存在。"), "username")
    validate_new_password(password, confirm, username)
    user = User(
        username=username,
        display_name=display_name.strip(),
        phone=phone or None,
        must_change_password=must_change_password,
    )
    if role is not None:
        check_scope(role, division, department)
        _assign(user, role, None, division, department, governance_duty)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    audit.record("account_created", target=user, summary=f"{user.username} · {_roles_text(user)} · {_scope_text(user)}")
    return user


def create_administrators(usernames: dict[Role, str]) -> list[tuple[User, str]]:
    """The three administrators of 三员分立 at first setup, each with a temporary
    password (shown once) to be changed at the first sign-in."""
    field_of = {
        Role.SYSTEM_ADMIN: "system_username",
        Role.SECURITY_ADMIN: "security_username",
        Role.AUDIT_ADMIN: "audit_username",
    }
    created: list[tuple[User, str]] = []
    for role, username in usernames.items():
        if find_user(username.strip()) is not None or username.strip() in (
            user.username for user, _password in created
        ):
            raise AccountError(_("用户名已存在。"), field_of[role])
        temporary = generate_temporary_password(username.strip())
        user = create_user(
            username=username,
            display_name=role.label,
            role=role,
            password=temporary,
            confirm=temporary,
            must_change_password=True,
        )
        created.append((user, temporary))
    return created


def _assign(user: User, role: Role, second_role: Role | None, division, department, governance_duty: bool) -> None:
    user.role = role.value
    user.second_role = second_role.value if second_role is not None else None
    user.scope_division = division if role.scope_level else None
    user.scope_department = department if role.scope_level is None else None
    user.governance_duty = governance_duty and role_has(role, Permission.HOLD_GOVERNANCE_DUTY)


def update_details(user: User, display_name: str, phone: str | None) -> None:
    """What the system administrator keeps up to date: the name and the phone."""
    before = (user.display_name, user.phone)
    user.display_name = display_name.strip()
    user.phone = phone or None
    if before != (user.display_name, user.phone):
        audit.record("account_updated", target=user, summary=user.display_name)


def check_second_role(role: Role, second_role: Role | None) -> None:
    """Two administrator duties in one account only where the county's setting allows
    it, and never all three (or an administrator duty beside a working role)."""
    if second_role is None:
        return
    if not setting("ADMIN_DUTIES_COMBINED"):
        raise AccountError(_("本县未开启“允许一人兼任两个管理员角色”，不能兼任。"), "second_role")
    if role not in ADMIN_DUTY_ROLES or second_role not in ADMIN_DUTY_ROLES:
        raise AccountError(_("只有系统管理员、安全管理员、审计管理员三者之间可以兼任。"), "second_role")
    if role == second_role:
        raise AccountError(_("兼任的角色不能与主角色相同。"), "second_role")


def set_access(
    user: User,
    role: Role,
    division,
    department,
    governance_duty: bool = False,
    second_role: Role | None = None,
    acting: User | None = None,
) -> None:
    """What the security administrator decides: the role (and a second administrator
    duty where allowed), the scope, the comprehensive-governance duty."""
    check_scope(role, division, department)
    check_second_role(role, second_role)
    if acting is not None and user.id == acting.id and Role.SECURITY_ADMIN not in (role, second_role):
        raise AccountError(_("不能取消自己的安全管理员角色。"), "role")
    before = {
        "roles": _roles_text(user),
        "scope": _scope_text(user),
        "duty": user.governance_duty,
        "role": user.role,
        "second_role": user.second_role,
    }
    _assign(user, role, second_role, division, department, governance_duty)
    if (before["role"], before["second_role"]) != (user.role, user.second_role):
        audit.record(
            "role_changed",
            target=user,
            detail={"before": [before["role"], before["second_role"]], "after": [user.role, user.second_role]},
            summary=f"{before['roles']} → {_roles_text(user)}",
        )
        end_all_sessions(user, "scope_changed")
    if before["scope"] != _scope_text(user):
        audit.record(
            "scope_changed",
            target=user,
            detail={"before": before["scope"], "after": _scope_text(user)},
            summary=f"{before['scope']} → {_scope_text(user)}",
        )
        # A narrower scope must apply now, not at the next login.
        end_all_sessions(user, "scope_changed")
    if before["duty"] != user.governance_duty:
        # Seeing key persons is a change of what the account may see: audited as scope.
        audit.record(
            "scope_changed",
            target=user,
            detail={"governance_duty": user.governance_duty},
            summary=_("综治职责：%(v)s", v=_("是") if user.governance_duty else _("否")),
        )
        end_all_sessions(user, "scope_changed")


def unlock(user: User) -> None:
    """End a lock from wrong passwords before its time (the security administrator)."""
    user.locked_until = None
    user.failed_login_count = 0
    user.first_failed_login_at = None
    audit.record("account_unlocked", target=user)


def unlock_address(throttle: LoginThrottle) -> None:
    address = throttle.key
    db.session.delete(throttle)
    audit.record("address_unlocked", summary=address)


def locked_addresses(now: datetime | None = None) -> list[LoginThrottle]:
    now = now or utcnow()
    return list(
        db.session.scalars(
            select(LoginThrottle)
            .where(LoginThrottle.kind == "address", LoginThrottle.locked_until > now)
            .order_by(LoginThrottle.key)
        )
    )


def change_settings(values: dict[str, object], actor: User) -> int:
    """Save settings, each change audited (app/core/settings.py); how many changed.
    Two administrator roles may not be forbidden while an account still holds two."""
    if "ADMIN_DUTIES_COMBINED" in values and not values["ADMIN_DUTIES_COMBINED"]:
        combined = db.session.scalars(
            select(User.username).where(User.second_role.is_not(None)).order_by(User.username)
        )
        names = ", ".join(combined)
        if names:
            raise AccountError(
                _("以下账号仍兼任两个管理员角色，请先取消兼任：%(names)s", names=names), "ADMIN_DUTIES_COMBINED"
            )
    return sum(system_settings.change(name, value, actor) for name, value in values.items())


def set_enabled(user: User, enabled: bool, acting: User) -> None:
    if user.id == acting.id and not enabled:
        raise AccountError(_("不能停用自己的账号。"))
    user.is_enabled = enabled
    if not enabled:
        end_all_sessions(user, "disabled")
    audit.record("account_enabled" if enabled else "account_disabled", target=user)


def reset_password(user: User) -> str:
    """Give the account a one-time password that must be changed at next login."""
    temporary = generate_temporary_password(user.username)
    user.set_password(temporary)
    user.must_change_password = True
    user.locked_until = None
    user.failed_login_count = 0
    end_all_sessions(user, "password_reset")
    audit.record("password_reset", target=user)
    return temporary


def generate_temporary_password(username: str | None = None) -> str:
    # Unambiguous letters and digits: read aloud over the phone to a village station.
    alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(12))
        if password_problem(candidate, username) is None:
            return candidate


def _roles_text(user: User) -> str:
    if user.role is None:
        return _("待授权")
    return " + ".join(role.label for role in user.roles)


def _scope_text(user: User) -> str:
    if user.scope_division is not None:
        return f"{user.scope_division.code} {user.scope_division.name}"
    if user.scope_department is not None:
        return user.scope_department.name
    return "-"


def any_user_exists() -> bool:
    return db.session.scalar(select(User.id).limit(1)) is not None
