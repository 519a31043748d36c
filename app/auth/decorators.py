"""View guards. Missing permission on a page: 403. Records outside one's scope are
404 (see app.core.scoping), so their existence is not revealed."""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from app.auth.duties import refuse
from app.auth.roles import Permission


def permission_required(permission: Permission):
    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not current_user.can(permission):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def admin_required(view):
    """The county's settings (Permission.EDIT_COUNTY_SETTINGS: county administrators).
    Others get 404: the county's settings are records too."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.can(Permission.EDIT_COUNTY_SETTINGS):
            refuse(404)
        return view(*args, **kwargs)

    return wrapped


def duty_required(*permissions: Permission):
    """An administrator's page of 三员分立 (accounts, security, audit): for an account
    holding any of the permissions; others get 404, as for any record not theirs."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not any(current_user.can(permission) for permission in permissions):
                refuse(404)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def require(permission: Permission) -> None:
    """Inside a view, once the record was found in the user's scope (else 404):
    403 when the role lacks the permission."""
    if not current_user.can(permission):
        abort(403)
