"""Grid staff (to be completed: forms, photos, assignments)."""
from flask import render_template
from flask_login import login_required

from app.core.scoping import get_visible_or_404, scoped_select
from app.extensions import db
from app.org import bp
from app.org.models import StaffMember


@bp.route("/staff/")
@login_required
def staff_list():
    page = db.paginate(scoped_select(StaffMember).order_by(StaffMember.name), per_page=50)
    return render_template("org/staff_list.html", page=page)


@bp.route("/staff/<int:staff_id>")
@login_required
def staff_detail(staff_id: int):
    staff = get_visible_or_404(StaffMember, staff_id)
    return render_template("org/staff_detail.html", staff=staff)
