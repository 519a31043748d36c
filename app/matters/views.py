"""Staff pages of the matters loop: inboxes, reporting, a matter with its timeline
and the steps the user may take, photos."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import case, select
from sqlalchemy.orm import selectinload

from app.auth.roles import Permission, matter_level
from app.core import circumstances, location
from app.core.forms import attach_error
from app.core.pagination import paginate
from app.core.rendering import private_photo, render_page
from app.core.scoping import get_visible_or_404, scoped_select
from app.core.timeutil import local_to_utc, utcnow
from app.extensions import db
from app.matters import bp, dispute_views, inbox, photos, reference, reporting, services, workdays, workflow
from app.matters.forms import ActionForm, ReportForm
from app.matters.models import Matter, MatterPhoto, MatterType
from app.org.models import Division
from app.org.services import grid_label, visible_grids
from app.registry.points.forms import point_select_choices
from app.registry.points.models import ResponsibilityPoint

PER_PAGE = 30


URGENCY_FIRST = case((Matter.urgency == "major", 0), (Matter.urgency == "urgent", 1), else_=2)


@bp.route("/matters/")
@login_required
def matter_list():
    """The user's inboxes (待核实 … 已超期) and every matter they may see."""
    box = request.args.get("box", "")
    if box not in inbox.BOXES:
        box = _default_box()
    now = utcnow()
    calendar = workdays.load_calendar()
    if box == "soon":
        matters, page = inbox.soon_due(current_user), None
    else:
        statement = inbox.box_statement(current_user, box)
        number = request.args.get("q", "").strip()
        if number:
            statement = statement.where(Matter.number.icontains(number, autoescape=True))
        # 重大 first, then 紧急, in the boxes of work to do; each by its deadline.
        order = (URGENCY_FIRST, Matter.due_at) if box != "all" else (Matter.created_at.desc(),)
        page = paginate(
            statement.options(selectinload(Matter.grid), selectinload(Matter.matter_type)).order_by(
                *order, Matter.id.desc()
            ),
            per_page=PER_PAGE,
        )
        matters = page.items
    lights = {m.id: services.light(m, now, calendar) for m in matters}
    return render_page(
        "matters/list.html",
        fragment="matters/_rows.html",
        target_id="matter-rows",
        box=box,
        boxes=inbox.BOXES,
        counts=inbox.counts(current_user),
        matters=matters,
        page=page,
        lights=lights,
        query=request.args.get("q", ""),
        may_report=_may_report(),
    )


def _default_box() -> str:
    level = matter_level(current_user)
    return {"department": "handle", "grid": "handle"}.get(level, "verify" if level else "all")


def _may_report() -> bool:
    return current_user.can(Permission.REPORT_MATTERS)


def _type_choices(class_code: str | None) -> list[tuple[int, str]]:
    statement = (
        select(MatterType)
        .where(MatterType.is_active)
        .order_by(MatterType.class_code, MatterType.sort_order, MatterType.id)
    )
    if class_code:
        statement = statement.where(MatterType.class_code == class_code)
    return [(0, _("（不选）"))] + [(t.id, f"{t.class_label} › {t.path}") for t in db.session.scalars(statement)]


def _fill_report_choices(form: ReportForm) -> list[Division]:
    grids = visible_grids()
    form.class_code.choices = [("", _("请选择"))] + [(c, str(label)) for c, label in reference.CLASSES.items()]
    form.type_id.choices = _type_choices(form.class_code.data or None)
    form.grid_id.choices = [(g.id, grid_label(g)) for g in grids]
    form.point_id.choices = point_select_choices([g.id for g in grids])
    return grids


@bp.route("/matters/new", methods=["GET", "POST"])
@login_required
def report_matter():
    """Report a matter. Possible duplicates are shown before it is saved; the
    reporter may add the report to one of them instead."""
    if not _may_report():
        abort(404)
    form = ReportForm()
    grids = _fill_report_choices(form)
    if request.method == "GET" and len(grids) == 1:
        form.grid_id.data = grids[0].id
    if request.method == "GET":
        _start_at_point(form, grids)
    duplicates = []
    if form.validate_on_submit():
        grid = next((g for g in grids if g.id == form.grid_id.data), None)
        if grid is None:
            form.grid_id.errors.append(_("请选择事件所在的网格。"))
        else:
            type_id = form.type_id.data or None
            if not form.not_duplicate.data:
                duplicates = reporting.possible_duplicates(
                    grid.id, type_id, form.class_code.data, form.description.data
                )
            if not duplicates:
                return _save_report(form, grid, type_id)
            form.not_duplicate.data = "1"
    status = 400 if request.method == "POST" and form.errors else 200
    return render_template("matters/report.html", form=form, duplicates=duplicates), status


def _start_at_point(form: ReportForm, grids: list[Division]) -> None:
    """?point=ID (the 上报事件 link on a point's page): the point, its grid and its place."""
    point_id = request.args.get("point", type=int)
    point = db.session.get(ResponsibilityPoint, point_id) if point_id else None
    if point is None or point.grid_id not in {g.id for g in grids}:
        return
    form.grid_id.data, form.point_id.data = point.grid_id, point.id
    form.address.data = point.place or point.name


def _save_report(form: ReportForm, grid: Division, type_id: int | None):
    position = location.from_form(form)
    values = reporting.MatterValues(
        class_code=form.class_code.data,
        description=form.description.data,
        grid=grid,
        type_id=type_id,
        point_id=form.point_id.data or None,
        address=form.address.data or "",
        urgency=form.urgency.data,
        # A grid worker's report is always 网格员上报.
        source=form.source.data if current_user.can(Permission.CHOOSE_MATTER_SOURCE) else "grid_worker",
        reporter_name=form.reporter_name.data or "",
        reporter_phone=form.reporter_phone.data or "",
        involved_text=form.involved_text.data or "",
        occurred_at=local_to_utc(form.occurred_at.data) if form.occurred_at.data else None,
        **circumstances.values_of(form),
    )
    if position is not None:
        values.latitude, values.longitude = position.latitude, position.longitude
        values.accuracy_m, values.located_at = position.accuracy_m, position.located_at
    try:
        jpegs = photos.read_all(form.photos.data)
        matter = reporting.report(values, reporter=current_user)
        photos.attach(matter, jpegs, "report")
        merge_into = request.form.get("merge_into", type=int)
        if merge_into:
            target = get_visible_or_404(Matter, merge_into)
            services.join_on_report(matter, target, current_user)
    except services.MatterError as error:
        db.session.rollback()
        attach_error(form, error)
        return render_template("matters/report.html", form=form, duplicates=[]), 400
    db.session.commit()
    flash(_("已上报，事件编号 %(number)s。", number=matter.number), "success")
    return redirect(url_for("matters.matter_detail", matter_id=matter.id))


@bp.route("/matters/types")
@login_required
def type_options():
    """The subtype options of a class (htmx swaps them into the report form)."""
    class_code = request.args.get("class_code", "")
    return render_template("matters/_type_options.html", choices=_type_choices(class_code or None))


def _detail(matter: Matter, form: ActionForm | None = None, failed_action: str | None = None, status: int = 200):
    actions = workflow.allowed_actions(current_user, matter)
    form = form or ActionForm()
    targets = services.dispatch_targets(current_user, matter) if "dispatch" in actions else []
    form.target.choices = [
        (f"{level}:{target.id}", f"{reference.label(reference.LEVELS, level)} · {target.name}")
        for level, target in targets
    ]
    calendar = workdays.load_calendar()
    body = render_template(
        "matters/detail.html",
        matter=matter,
        actions=actions,
        form=form,
        failed_action=failed_action,
        light=services.light(matter, utcnow(), calendar),
        steps=matter.steps,
        photos=matter.photos,
        extension=matter.pending_extension,
        may_record_dispute=dispute_views.may_record(current_user, matter),
    )
    return body, status


@bp.route("/matters/<int:matter_id>")
@login_required
def matter_detail(matter_id: int):
    return _detail(get_visible_or_404(Matter, matter_id))


@bp.route("/matters/<int:matter_id>/act/<action>", methods=["POST"])
@login_required
def take_step(matter_id: int, action: str):
    matter = get_visible_or_404(Matter, matter_id)
    if action not in workflow.TRANSITIONS:
        abort(404)
    if not workflow.may(current_user, matter, action):
        abort(403)
    form = ActionForm()
    if not form.validate_on_submit():
        return _detail(matter, form, action, 400)
    options = _options(action, form, matter)
    try:
        jpegs = photos.read_all(form.photos.data) if action in ("feed_back", "handle_on_spot") else []
        step = services.take(matter, action, current_user, note=form.note.data or "", **options)
        if jpegs:
            db.session.flush()
            photos.attach(matter, jpegs, "result", step)
    except services.MatterError as error:
        db.session.rollback()
        attach_error(form, error)
        return _detail(db.session.get(Matter, matter_id), form, action, 400)
    db.session.commit()
    flash(_("已%(action)s。", action=reference.label(reference.ACTIONS, action)), "success")
    return redirect(url_for("matters.matter_detail", matter_id=matter.id))


def _options(action: str, form: ActionForm, matter: Matter) -> dict:
    if action == "dispatch":
        level, _sep, target_id = (form.target.data or "").partition(":")
        target = int(target_id) if target_id.isdigit() else None
        return {
            "level": level,
            "division_id": None if level == "department" else target,
            "department_id": target if level == "department" else None,
        }
    if action == "request_extension":
        return {"days": form.days.data}
    if action == "rate":
        return {"rating": form.rating.data or ""}
    if action == "urge":
        return {"level": form.level.data or ""}
    if action == "merge":
        number = (form.merge_into.data or "").strip()
        into = db.session.scalar(scoped_select(Matter).where(Matter.number == number)) if number else None
        return {"into": into}
    return {}


@bp.route("/matters/<int:matter_id>/photos/<int:photo_id>")
@login_required
def matter_photo(matter_id: int, photo_id: int):
    matter = get_visible_or_404(Matter, matter_id)
    photo = db.session.get(MatterPhoto, photo_id)
    if photo is None or photo.matter_id != matter.id:
        abort(404)
    return private_photo(photos.path_of(photo, thumbnail=request.args.get("size") == "thumb"))


@bp.route("/matters/<int:matter_id>/residents", methods=["GET", "POST"])
@login_required
def matter_residents(matter_id: int):
    """Link the people involved to their register records (find them as on the
    resident list; only people the user may see can be linked)."""
    from app.registry.people.models import Resident
    from app.registry.search.filters import filter_residents

    matter = get_visible_or_404(Matter, matter_id)
    if not (dispute_views.may_record(current_user, matter) or workflow.is_reporting_grid_worker(current_user, matter)):
        abort(403)
    if request.method == "POST":
        resident = get_visible_or_404(Resident, request.form.get("resident_id", type=int) or 0)
        if request.form.get("remove"):
            if resident in matter.residents:
                matter.residents.remove(resident)
        elif resident not in matter.residents:
            matter.residents.append(resident)
        db.session.commit()
        return redirect(url_for("matters.matter_residents", matter_id=matter.id, q=request.form.get("q") or None))
    query = request.args.get("q", "").strip()
    found = []
    if query:
        found = list(db.session.scalars(filter_residents(scoped_select(Resident), query=query).limit(20)))
    return render_template("matters/residents.html", matter=matter, query=query, found=found)
