"""Service teams and functional departments (to be completed)."""
from flask import render_template
from flask_login import login_required

from app.core.scoping import scoped_select
from app.extensions import db
from app.org import bp
from app.org.models import Department, ServiceTeam


@bp.route("/teams/")
@login_required
def team_list():
    teams = db.session.scalars(scoped_select(ServiceTeam).order_by(ServiceTeam.name))
    return render_template("org/team_list.html", teams=list(teams))


@bp.route("/departments/")
@login_required
def department_list():
    departments = db.session.scalars(scoped_select(Department).order_by(Department.name))
    return render_template("org/department_list.html", departments=list(departments))
