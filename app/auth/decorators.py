"""View guards. Missing permission on a page: 403. Records outside one's scope are
404 (see app.core.scoping), so their existence is not revealed."""
from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user, login_required

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
    """County administrators only. Others get 404: account pages are records too."""
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_county_admin:
            abort(404)
        return view(*args, **kwargs)
    return wrapped


def require(permission: Permission) -> None:
    """Inside a view, once the record was found in the user's scope (else 404):
    403 when the role lacks the permission."""
    if not current_user.can(permission):
        abort(403)
