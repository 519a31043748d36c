"""Accounts, their server-side login sessions, and the append-only audit log."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from flask import current_app, has_app_context
from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from app.auth.roles import ADMIN_DUTY_ROLES, Permission, Role, holds
from app.core.timeutil import utcnow
from app.extensions import db


def shown_name(user) -> str:
    """The name a record keeps of who did something: the display name, else the
    username ("" for nobody, such as a command-line run)."""
    return getattr(user, "display_name", "") or getattr(user, "username", "")


class User(db.Model):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(String(256))
    # None while the account waits for the security administrator to give it a role
    # (三员分立: the system administrator creates accounts but cannot authorise them).
    role: Mapped[str | None] = mapped_column(String(32))
    # A second administrator duty, only where the county's audited setting allows one
    # account to hold two of the three (app/auth/duties.py).
    second_role: Mapped[str | None] = mapped_column(String(32))
    # Exactly one of the two scopes is set: a division node, or a department.
    scope_division_id: Mapped[int | None] = mapped_column(ForeignKey("division.id"), index=True)
    scope_department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), index=True)
    phone: Mapped[str | None] = mapped_column(String(32))
    is_enabled: Mapped[bool] = mapped_column(default=True)
    # Town staff with comprehensive-governance duty (综治) see key persons of their town.
    governance_duty: Mapped[bool] = mapped_column(default=False, server_default="0")
    must_change_password: Mapped[bool] = mapped_column(default=False)
    failed_login_count: Mapped[int] = mapped_column(default=0)
    first_failed_login_at: Mapped[datetime | None]
    locked_until: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    # When the password was last set (PASSWORD_MAX_AGE_DAYS counts from here).
    password_changed_at: Mapped[datetime | None]

    scope_division = relationship("Division", foreign_keys=[scope_division_id])
    scope_department = relationship("Department", foreign_keys=[scope_department_id])

    # The token of the LoginSession this request runs under; Flask-Login stores it
    # in the cookie instead of the user id, so ending the LoginSession row ends the
    # cookie too (a copied cookie stops working after logout). Annotated for type
    # checkers only: SQLAlchemy would refuse a class annotation other than Mapped[].
    if TYPE_CHECKING:
        login_session_token: str | None
    login_session_token = None

    # --- Flask-Login protocol -------------------------------------------------
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return self.is_enabled

    def get_id(self) -> str | None:
        return self.login_session_token

    # --- Rules ----------------------------------------------------------------
    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    @property
    def roles(self) -> tuple[Role, ...]:
        return tuple(Role(value) for value in (self.role, self.second_role) if value)

    @property
    def is_awaiting_role(self) -> bool:
        return self.role is None

    @property
    def has_admin_duties_only(self) -> bool:
        """One of the three administrators (三员) and nothing else: such an account
        reaches only its own pages (app/auth/duties.py)."""
        roles = self.roles
        return bool(roles) and all(role in ADMIN_DUTY_ROLES for role in roles)

    def can(self, permission: Permission | str) -> bool:
        """What the role (or the second administrator duty) may do: app/auth/roles.py."""
        return holds(self, permission)

    def set_password(self, password: str) -> None:
        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt") if has_app_context() else "scrypt"
        self.password_hash = generate_password_hash(password, method=method)
        self.password_changed_at = utcnow()

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def is_locked(self, now: datetime) -> bool:
        return self.locked_until is not None and self.locked_until > now

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"


class LoginThrottle(db.Model):
    """Failed sign-ins counted for what is not an account: a username that matches no
    account (counted as an account's are, so that an unknown name is refused and
    locked exactly as a real one — nothing tells them apart), and a client address
    (many failures from one address, whatever the usernames, pause sign-in from it).
    Rows whose window and lock have both passed are deleted as new failures come."""

    __tablename__ = "login_throttle"
    __table_args__ = (UniqueConstraint("kind", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # "username" or "address"
    key: Mapped[str] = mapped_column(String(128))
    # The same names as on User: app/auth/signin.py counts either alike.
    failed_login_count: Mapped[int] = mapped_column(default=0)
    first_failed_login_at: Mapped[datetime | None] = mapped_column(index=True)
    locked_until: Mapped[datetime | None]

    def is_locked(self, now: datetime) -> bool:
        return self.locked_until is not None and self.locked_until > now


class LoginSession(db.Model):
    """One row per login; the cookie carries only its random token."""

    __tablename__ = "login_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    end_reason: Mapped[str | None] = mapped_column(String(32))
    ip_address: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(256))

    user: Mapped[User] = relationship()


class AuditEvent(db.Model):
    """Who did what, when and from where. Rows are only ever inserted."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    # Kept as text too: the username tried at a failed login may match no account.
    actor_name: Mapped[str | None] = mapped_column(String(64), index=True)
    ip_address: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(48), index=True)
    target_type: Mapped[str | None] = mapped_column(String(32))
    target_id: Mapped[int | None]
    summary: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[dict | None] = mapped_column(JSON)

    actor: Mapped[User | None] = relationship()


class AuditLogIsAppendOnly(RuntimeError):
    pass


@event.listens_for(AuditEvent, "before_update")
@event.listens_for(AuditEvent, "before_delete")
def _refuse_audit_changes(_mapper, _connection, target):
    raise AuditLogIsAppendOnly(f"audit event {target.id} cannot be changed or deleted")


class FormSubmission(db.Model):
    """A form sent once: its one-time token (made when the page was rendered) and the
    answer the first sending got. The same rendered form sent again — a double click,
    back and resend, a retry after a timeout — is sent where the first one led instead of
    creating a second record (app/core/once.py). Rows are pruned after a day."""

    __tablename__ = "form_submission"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # Once the first sending is answered: its status, and where it led (the redirect's
    # target, or the page the form was on). Never the answer itself: a page may show
    # what must not be stored (a new API key, a revealed ID number).
    status_code: Mapped[int | None]
    location: Mapped[str | None] = mapped_column(String(2000))


class KeptForm(db.Model):
    """What a person typed into a form they sent after their session had ended for
    inactivity: kept for that account only, for a short while, and put back into the
    same form after they sign in again (app/auth/kept_forms.py)."""

    __tablename__ = "kept_form"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # Where the form was sent, and the page it was on (where it is filled in again).
    action_path: Mapped[str] = mapped_column(String(2000))
    page_path: Mapped[str] = mapped_column(String(2000))
    # [[name, value], …] in the order sent; files cannot be kept, only their fields named.
    fields: Mapped[list] = mapped_column(JSON)
    file_fields: Mapped[list] = mapped_column(JSON, default=list)
