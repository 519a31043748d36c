"""Signing in: the password check with its lockouts (per account after repeated
failures, per client address for guessed usernames), password age, the server-side
sessions behind the session cookie, and changing one's own password.

Plain functions over the database session; views pass in what the request said.
Account administration (creating accounts, roles and scopes, unlocking) is in
app/auth/accounts.py."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, overload

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from app.auth import audit
from app.auth.models import LoginSession, LoginThrottle, User
from app.auth.passwords import AccountError, validate_new_password
from app.core.settings import setting
from app.core.timeutil import utcnow
from app.extensions import db


@dataclass
class LoginResult:
    user: User | None
    error: str | None = None
    # The password was older than PASSWORD_MAX_AGE_DAYS: it must be changed now.
    password_expired: bool = False


def find_user(username: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.username) == username.strip().lower()))


_DUMMY_HASHES: dict[str, str] = {}


def _dummy_hash() -> str:
    """The hash of a random password, made once per process with the configured
    method: a username that matches no account has its password checked against it,
    which takes as long as checking a real account's."""
    method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
    if method not in _DUMMY_HASHES:
        _DUMMY_HASHES[method] = generate_password_hash(secrets.token_urlsafe(16), method=method)
    return _DUMMY_HASHES[method]


# With create=True the row is found or made, never None.
@overload
def _throttle(kind: str, key: str, create: Literal[False] = False) -> LoginThrottle | None: ...


@overload
def _throttle(kind: str, key: str, create: Literal[True]) -> LoginThrottle: ...


def _throttle(kind: str, key: str, create: bool = False) -> LoginThrottle | None:
    row = db.session.scalar(select(LoginThrottle).where(LoginThrottle.kind == kind, LoginThrottle.key == key))
    if row is None and create:
        row = LoginThrottle(kind=kind, key=key, failed_login_count=0)
        try:
            with db.session.begin_nested():
                db.session.add(row)
        except IntegrityError:  # the same name or address failed meanwhile: its row is there now
            row = db.session.scalars(
                select(LoginThrottle).where(LoginThrottle.kind == kind, LoginThrottle.key == key)
            ).one()
    return row


def _prune_throttles(now: datetime) -> None:
    """Rows whose window and lock have both passed count for nothing any more."""
    window_start = now - current_app.config["LOGIN_FAILURE_WINDOW"]
    db.session.execute(
        delete(LoginThrottle)
        .where(
            or_(LoginThrottle.locked_until.is_(None), LoginThrottle.locked_until <= now),
            or_(LoginThrottle.first_failed_login_at.is_(None), LoginThrottle.first_failed_login_at < window_start),
        )
        .execution_options(synchronize_session=False)
    )


def _count_failure(holder: User | LoginThrottle, now: datetime, limit: int, lock_for: timedelta) -> int:
    """One more failure within the window on an account or a throttle row; at `limit`
    it locks (and the count starts again). Returns the count reached."""
    window_start = now - current_app.config["LOGIN_FAILURE_WINDOW"]
    if holder.first_failed_login_at is None or holder.first_failed_login_at < window_start:
        holder.first_failed_login_at = now
        holder.failed_login_count = 1
    else:
        holder.failed_login_count += 1
    count = holder.failed_login_count
    if count >= limit:
        holder.locked_until = now + lock_for
        holder.failed_login_count = 0
        holder.first_failed_login_at = None
    return count


def _minutes_left(locked: User | LoginThrottle, now: datetime) -> int:
    """Whole minutes, at least 1, until a holder whose is_locked() is true unlocks."""
    until = locked.locked_until
    assert until is not None  # is_locked() is true only with a locked_until
    return max(1, int((until - now).total_seconds() // 60) + 1)


def _address_paused(minutes: int) -> str:
    # The same words whatever username was typed: it tells nothing about accounts.
    return _("登录失败次数过多，本网络地址已暂停登录，请 %(m)d 分钟后再试。", m=minutes)


def authenticate(username: str, password: str, now: datetime | None = None, address: str | None = None) -> LoginResult:
    """Check a login and apply the lockout rules. Records the outcome in the audit
    log; the caller commits.

    A username that matches no account gets the same answer as a wrong password, its
    password is checked against a dummy hash (so it takes as long), and its failures
    are counted and locked in login_throttle exactly as an account's: nothing in the
    answer tells whether the account exists. Failures from one client `address` are
    counted too, whatever the usernames, and pause sign-in from it."""
    now = now or utcnow()
    name = username.strip()[:64]
    _prune_throttles(now)
    if address:
        by_address = _throttle("address", address)
        if by_address is not None and by_address.is_locked(now):
            audit.record("login_refused_address", actor_name=name)
            return LoginResult(None, _address_paused(_minutes_left(by_address, now)))
    user = find_user(name)
    holder = user if user is not None else _throttle("username", name.lower())
    if holder is not None and holder.is_locked(now):
        audit.record("login_refused_locked", target=user, actor=user, actor_name=None if user else name)
        return LoginResult(None, _("账号已被锁定，请 %(m)d 分钟后再试。", m=_minutes_left(holder, now)))
    if user is not None:
        correct = user.check_password(password)
    else:
        check_password_hash(_dummy_hash(), password)  # as long as a real account's check
        correct = False
    if user is None or not correct:  # no account is never correct
        return _failed(user, holder, name, address, now)
    if not user.is_enabled:
        audit.record("login_refused_disabled", target=user, actor=user)
        return LoginResult(None, _("该账号已停用，请联系管理员。"))
    if user.is_awaiting_role:
        audit.record("login_refused_awaiting_role", target=user, actor=user)
        return LoginResult(None, _("该账号尚未授权，请联系安全管理员分配角色和管辖范围。"))
    user.failed_login_count = 0
    user.first_failed_login_at = None
    user.locked_until = None
    user.last_login_at = now
    audit.record("login", target=user, actor=user)
    expired = password_expired(user, now)
    if expired and not user.must_change_password:
        user.must_change_password = True
        audit.record(
            "password_expired",
            target=user,
            actor=user,
            summary=_("密码已使用超过 %(d)d 天，须修改。", d=password_max_age_days()),
        )
    return LoginResult(user, password_expired=expired)


def _failed(
    user: User | None, holder: User | LoginThrottle | None, name: str, address: str | None, now: datetime
) -> LoginResult:
    """A wrong password, or any password for a username that matches no account."""
    config = current_app.config
    if holder is None:
        holder = _throttle("username", name.lower(), create=True)
    # Counted on the row as it is now, locked until this transaction ends: failures
    # from several browsers at once each add one (SQLite's write transaction already
    # admits one at a time; PostgreSQL needs the row lock).
    db.session.refresh(holder, with_for_update=True)
    limit = setting("LOGIN_MAX_FAILURES")
    failures = _count_failure(holder, now, limit, config["LOGIN_LOCK_DURATION"])
    if user is not None:
        audit.record("login_failed", target=user, actor=user, detail={"failures": failures})
    else:
        audit.record("login_failed", summary=_("未知用户名"), actor_name=name, detail={"failures": failures})
    minutes = int(config["LOGIN_LOCK_DURATION"].total_seconds() // 60)
    if failures >= limit:
        if user is not None:
            audit.record(
                "account_locked", target=user, actor=user, summary=_("连续登录失败，账号锁定 %(m)d 分钟。", m=minutes)
            )
        else:
            audit.record(
                "account_locked", actor_name=name, summary=_("未知用户名，连续登录失败，锁定 %(m)d 分钟。", m=minutes)
            )
    if address:
        by_address = _throttle("address", address, create=True)
        db.session.refresh(by_address, with_for_update=True)
        address_limit = setting("LOGIN_ADDRESS_MAX_FAILURES")
        lock_for = config["LOGIN_ADDRESS_LOCK_DURATION"]
        if _count_failure(by_address, now, address_limit, lock_for) >= address_limit:
            paused = int(lock_for.total_seconds() // 60)
            audit.record(
                "address_locked",
                actor_name=name,
                summary=_("同一网络地址登录失败 %(n)d 次，暂停登录 %(m)d 分钟。", n=address_limit, m=paused),
            )
            return LoginResult(None, _address_paused(paused))
    if failures >= limit:
        return LoginResult(None, _("密码错误次数过多，账号已被锁定 %(m)d 分钟。", m=minutes))
    return LoginResult(None, _("用户名或密码错误。"))


def password_max_age_days() -> int:
    """PASSWORD_MAX_AGE_DAYS as a number of days; 0 when off."""
    return max(0, setting("PASSWORD_MAX_AGE_DAYS"))


def password_expired(user: User, now: datetime | None = None) -> bool:
    """The password is older than PASSWORD_MAX_AGE_DAYS (never when that is off)."""
    days = password_max_age_days()
    set_at = user.password_changed_at or user.created_at
    return bool(days) and set_at is not None and (now or utcnow()) - set_at > timedelta(days=days)


def start_session(user: User, ip: str | None, user_agent: str | None) -> LoginSession:
    login_session = LoginSession(
        token=secrets.token_urlsafe(32), user=user, ip_address=ip, user_agent=(user_agent or "")[:256]
    )
    db.session.add(login_session)
    user.login_session_token = login_session.token
    return login_session


def end_session(token: str, reason: str) -> None:
    db.session.execute(
        update(LoginSession)
        .where(LoginSession.token == token, LoginSession.ended_at.is_(None))
        .values(ended_at=utcnow(), end_reason=reason)
    )


def end_all_sessions(user: User, reason: str) -> None:
    db.session.execute(
        update(LoginSession)
        .where(LoginSession.user_id == user.id, LoginSession.ended_at.is_(None))
        .values(ended_at=utcnow(), end_reason=reason)
    )


def load_session_user(
    token: str, idle_timeout: timedelta, now: datetime | None = None, absolute_timeout: timedelta | None = None
):
    """The user behind a live session token, or (None, reason) when it has ended:
    "idle" after `idle_timeout` without a request, "expired" once `absolute_timeout`
    has passed since sign-in however active it was."""
    now = now or utcnow()
    login_session = db.session.scalar(select(LoginSession).where(LoginSession.token == token))
    if login_session is None or login_session.ended_at is not None:
        return None, "ended"
    if now - login_session.last_seen_at > idle_timeout:
        return None, "idle"
    if absolute_timeout is not None and now - login_session.created_at > absolute_timeout:
        return None, "expired"
    user = login_session.user
    if not user.is_enabled:
        return None, "disabled"
    user.login_session_token = token
    return user, login_session


def change_password(user: User, current: str, new: str, confirm: str, keep_token: str | None) -> None:
    if not user.check_password(current):
        raise AccountError(_("当前密码不正确。"), "current_password")
    validate_new_password(new, confirm, user.username)
    if user.check_password(new):
        raise AccountError(_("新密码不能与当前密码相同。"), "password")
    user.set_password(new)
    user.must_change_password = False
    # Other devices signed in with the old password are signed out.
    db.session.execute(
        update(LoginSession)
        .where(
            LoginSession.user_id == user.id, LoginSession.ended_at.is_(None), LoginSession.token != (keep_token or "")
        )
        .values(ended_at=utcnow(), end_reason="password_changed")
    )
    audit.record("password_changed", target=user)
