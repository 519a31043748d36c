"""The division tree, division and grid pages, boundary versions, splits, merges
and the coverage view."""

from __future__ import annotations

from collections import defaultdict

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app.auth.decorators import require
from app.auth.roles import Permission, may_see_key_persons
from app.core.forms import saving
from app.core.scoping import get_visible_or_404, scoped_select, visible_ids
from app.core.timeutil import local_today
from app.extensions import db
from app.org import boundaries, bp, services
from app.org.forms import BoundaryForm, DivisionEditForm, DivisionForm, GridForm, MergeForm, SplitForm, kind_choices
from app.org.models import KINDS_BY_LEVEL, Building, Division, GridProfile, Level, StaffMember
from app.org.ordering import buildings_in_order


def _profile_values(form) -> boundaries.ProfileValues:
    return boundaries.ProfileValues(
        boundary_east=(form.boundary_east.data or "").strip(),
        boundary_south=(form.boundary_south.data or "").strip(),
        boundary_west=(form.boundary_west.data or "").strip(),
        boundary_north=(form.boundary_north.data or "").strip(),
        households_estimate=form.households_estimate.data,
        population_estimate=form.population_estimate.data,
        area_km2=form.area_km2.data,
    )


@bp.route("/divisions/")
@login_required
def tree():
    """Everything the user may see, as a nested list that folds without JS."""
    show_retired = request.args.get("retired") == "1"
    statement = scoped_select(Division).order_by(Division.code)
    if not show_retired:
        statement = statement.where(Division.status == "active")
    nodes = list(db.session.scalars(statement))
    ids = {n.id for n in nodes}
    children = defaultdict(list)
    roots = []
    for node in nodes:
        if node.parent_id in ids:
            children[node.parent_id].append(node)
        else:
            roots.append(node)
    return render_template("org/tree.html", roots=roots, children=children, show_retired=show_retired)


@bp.route("/divisions/<int:division_id>")
@login_required
def division_detail(division_id: int):
    node = get_visible_or_404(Division, division_id)
    if node.is_grid:
        return _grid_page(node)
    kids = list(
        db.session.scalars(
            scoped_select(Division).where(Division.parent_id == node.id).order_by(Division.status, Division.code)
        )
    )
    checks = services.team_checks([k for k in kids if k.is_grid and k.is_active])
    buildings = []
    if node.level == Level.COMMUNITY.value:
        buildings = buildings_in_order(
            db.session.scalars(scoped_select(Building).where(Building.community_id == node.id))
        )
    return render_template(
        "org/division.html",
        node=node,
        kids=kids,
        checks=checks,
        buildings=buildings,
        counts=services.count_children(node),
    )


def _grid_page(grid: Division):
    assignments = services.active_assignments([grid.id])
    chain = services.chain_of(grid)
    buildings = buildings_in_order(db.session.scalars(scoped_select(Building).where(Building.grid_id == grid.id)))
    return render_template(
        "org/grid.html",
        grid=grid,
        profile=grid.current_profile,
        assignments=assignments,
        check=services.team_check(assignments),
        chain=chain,
        seen_staff=visible_ids(StaffMember, [s.id for link in chain for s in link.staff]),
        buildings=buildings,
        changes=boundaries.grid_changes(grid),
    )


@bp.route("/divisions/<int:division_id>/children/new", methods=["GET", "POST"])
@login_required
def create_child(division_id: int):
    """A new town under the county, community under a town, or grid under a community."""
    parent = get_visible_or_404(Division, division_id)
    require(Permission.EDIT_STRUCTURE)
    level = parent.level_enum.child
    if level is None:
        abort(404)
    form = (GridForm if level == Level.GRID else DivisionForm)()
    form.kind.choices = kind_choices(KINDS_BY_LEVEL[level])
    if request.method == "GET":
        form.code_segment.data = services.next_free_segment(parent, level)
        form.kind.data = parent.kind if parent.kind in KINDS_BY_LEVEL[level] else KINDS_BY_LEVEL[level][0]
    if form.validate_on_submit():
        with saving(form) as saved:
            if level == Level.GRID:
                node = boundaries.create_grid(
                    parent,
                    code_segment=form.code_segment.data,
                    name=form.name.data,
                    kind=form.kind.data,
                    values=_profile_values(form),
                    valid_from=form.valid_from.data,
                    user=current_user,
                )
                node.note = form.note.data or ""
            else:
                node = services.create_child(
                    parent,
                    code_segment=form.code_segment.data,
                    name=form.name.data,
                    kind=form.kind.data,
                    valid_from=form.valid_from.data,
                    note=form.note.data or "",
                )
        if saved:
            flash(_("已新建%(level)s：%(name)s", level=level.label, name=node.name), "success")
            return redirect(url_for("org.division_detail", division_id=node.id), code=303)
    return render_template("org/division_form.html", form=form, parent=parent, level=level)


@bp.route("/divisions/<int:division_id>/edit", methods=["GET", "POST"])
@login_required
def edit_division(division_id: int):
    node = get_visible_or_404(Division, division_id)
    require(Permission.EDIT_STRUCTURE if not node.is_grid else Permission.EDIT_GRID_DATA)
    form = DivisionEditForm(obj=node)
    form.kind.choices = kind_choices(KINDS_BY_LEVEL[node.level_enum])
    if form.validate_on_submit():
        with saving(form) as saved:
            services.rename_division(node, name=form.name.data, kind=form.kind.data, note=form.note.data or "")
        if saved:
            flash(_("已保存。"), "success")
            return redirect(url_for("org.division_detail", division_id=node.id), code=303)
    return render_template("org/division_edit.html", form=form, node=node)


def _grid_or_404(division_id: int) -> Division:
    grid = get_visible_or_404(Division, division_id)
    if not grid.is_grid:
        abort(404)
    return grid


@bp.route("/grids/<int:division_id>/boundary", methods=["GET", "POST"])
@login_required
def redraw_boundary(division_id: int):
    """Record a new version of the grid's 四至 and size from an effective date."""
    grid = _grid_or_404(division_id)
    require(Permission.EDIT_GRID_DATA)
    if not grid.is_active:
        abort(404)  # a retired grid keeps its last boundary, as its page says
    current = grid.current_profile
    form = BoundaryForm(obj=current)
    if request.method == "GET":
        form.effective_from.data = local_today()
        form.reason.data = ""
    if form.validate_on_submit():
        with saving(form) as saved:
            boundaries.redraw_boundary(
                grid, _profile_values(form), form.effective_from.data, form.reason.data.strip(), current_user
            )
        if saved:
            flash(_("网格边界已更新，旧版本保留在历史中。"), "success")
            return redirect(url_for("org.division_detail", division_id=grid.id), code=303)
    return render_template("org/boundary_form.html", form=form, grid=grid)


@bp.route("/grids/<int:division_id>/history")
@login_required
def grid_history(division_id: int):
    grid = _grid_or_404(division_id)
    profiles = list(
        db.session.scalars(
            select(GridProfile)
            .where(GridProfile.grid_id == grid.id)
            .order_by(GridProfile.effective_from.desc(), GridProfile.id.desc())
        )
    )
    from app.adjustments.models import Handover  # above org: handovers carry the registers' caseload

    handovers = list(
        db.session.scalars(
            select(Handover)
            .where(Handover.grid_id == grid.id)
            .order_by(Handover.handed_over_on.desc(), Handover.id.desc())
        )
    )
    return render_template(
        "org/grid_history.html",
        grid=grid,
        profiles=profiles,
        changes=boundaries.grid_changes(grid),
        handovers=handovers,
    )


@bp.route("/grids/<int:division_id>/split", methods=["GET", "POST"])
@login_required
def split_grid(division_id: int):
    """Split a grid in parts: each building goes to one part (no gaps), what has no
    building is placed by hand, and a preview (预览) shows what each new grid receives
    before 确认拆分 does it, all in one transaction."""
    from app.adjustments import carry  # above org: it moves the registers' records

    grid = _grid_or_404(division_id)
    require(Permission.EDIT_STRUCTURE)
    if not grid.is_active:
        abort(404)
    form = SplitForm()
    if request.method == "GET":
        form.part_count.data = request.args.get("parts", 2, type=int)
    count = max(2, min(6, form.part_count.data or 2))
    buildings = buildings_in_order(db.session.scalars(select(Building).where(Building.grid_id == grid.id)))
    parts = _read_parts(count, grid)
    errors: dict[str, str] = {}
    # A building the page did not show (added meanwhile) is in no part: the split refuses.
    default = 0 if request.method == "GET" else None
    building_part = {
        b.id: part for b in buildings if (part := _chosen_part(f"building-{b.id}", count, default)) is not None
    }
    effective_date = form.effective_date.data if request.method == "POST" else None
    plan = carry.plan(
        [grid],
        count,
        building_part,
        _placements(count),
        _chosen_part("place-rest", count),
        effective_date or local_today(),
    )
    preview = digest = None
    if request.method == "POST" and (form.preview.data or form.submit.data) and form.validate_on_submit():
        specs = []
        for index, part in enumerate(parts):
            if not part["name"]:
                errors[f"part-{index}-name"] = _("此项为必填项。")
            specs.append(
                boundaries.NewGridSpec(
                    code_segment=part["code"],
                    name=part["name"],
                    values=boundaries.ProfileValues(**part["boundary"]),
                    building_ids=[b.id for b in buildings if building_part.get(b.id) == index],
                )
            )
        digest = plan.digest([(p["code"], p["name"]) for p in parts], str(form.effective_date.data))
        try:
            boundaries.check_split(grid, specs, form.effective_date.data)
        except services.OrgError as error:
            _split_error(form, errors, error)
        try:
            carry.require_placed(plan)
        except services.OrgError as error:
            errors["placements"] = str(error)
        if not errors and form.submit.data and request.form.get("previewed") != digest:
            errors["form"] = _("预览之后内容有变化（记录或选择），请核对新的预览后再确认。")
        elif not errors and form.submit.data:
            try:
                change = boundaries.split_grid(
                    grid, specs, form.effective_date.data, form.reason.data.strip(), current_user
                )
                carry.apply(
                    plan,
                    [grid],
                    change.grids("after"),
                    form.effective_date.data,
                    form.reason.data.strip(),
                    current_user,
                )
            except services.OrgError as error:
                db.session.rollback()
                _split_error(form, errors, error)
            else:
                db.session.commit()
                flash(_("网格已拆分，住户、房屋等记录已随楼栋转入新网格，原网格保留在历史中。"), "success")
                return redirect(url_for("org.division_detail", division_id=grid.parent_id), code=303)
        preview = plan
    return render_template(
        "org/split_form.html",
        form=form,
        grid=grid,
        parts=parts,
        buildings=buildings,
        errors=errors,
        count=count,
        placements=[p for p in plan.placed_by_hand if p.kind != "key_person"],
        preview=preview,
        digest=digest,
        kinds=_shown_kinds(carry.KINDS),
    )


def _split_error(form: SplitForm, errors: dict[str, str], error: services.OrgError) -> None:
    """A refusal at the field it is about: the form's own fields, or the page's parts."""
    if error.field in ("effective_date", "reason"):
        form[error.field].errors = [str(error)]
        errors["fields"] = str(error)  # keeps the confirmation away until it is fixed
    else:
        errors[error.field or "form"] = str(error)


def _chosen_part(field: str, count: int, default: int | None = None) -> int | None:
    """The new grid's index chosen in `field`, or `default` when none (or a forged one) is."""
    value = request.form.get(field, "")
    return int(value) if value.isdigit() and int(value) < count else default


def _placements(count: int) -> dict[str, int]:
    """Records without a building, placed one by one on the split form."""
    return {
        key: index
        for key in request.form
        if key.startswith("place-") and key != "place-rest" and (index := _chosen_part(key, count)) is not None
    }


def _shown_kinds(kinds: dict) -> dict:
    """The kinds of records a preview counts; key persons only for those who may see them."""
    return {kind: label for kind, label in kinds.items() if kind != "key_person" or may_see_key_persons(current_user)}


def _read_parts(count: int, grid: Division) -> list[dict]:
    """The new grids typed into the split form (or sensible defaults)."""
    parent = grid.parent
    used = set(db.session.scalars(select(Division.code).where(Division.parent_id == parent.id)))
    free = [str(n).zfill(3) for n in range(1, 1000) if parent.code + str(n).zfill(3) not in used]
    parts = []
    for index in range(count):
        prefix = f"part-{index}-"
        parts.append(
            {
                "code": request.form.get(prefix + "code", free[index] if index < len(free) else ""),
                "name": request.form.get(prefix + "name", f"{grid.name}{index + 1}").strip(),
                "boundary": {
                    side: request.form.get(prefix + side, "").strip()
                    for side in ("boundary_east", "boundary_south", "boundary_west", "boundary_north")
                },
            }
        )
    return parts


@bp.route("/divisions/<int:division_id>/merge", methods=["GET", "POST"])
@login_required
def merge_grids(division_id: int):
    """Merge grids of one community into a new grid, with everything they hold; a
    preview (预览) counts what moves before 确认合并 does it."""
    from app.adjustments import carry  # above org: it moves the registers' records

    community = get_visible_or_404(Division, division_id)
    require(Permission.EDIT_STRUCTURE)
    if community.level != Level.COMMUNITY.value:
        abort(404)
    grids = [g for g in community.children if g.is_grid and g.is_active]
    form = MergeForm()
    form.grids.choices = [(g.id, f"{g.code} {g.name}") for g in grids]
    if request.method == "GET":
        form.code_segment.data = services.next_free_segment(community, Level.GRID)
        form.effective_date.data = local_today()
    preview = digest = None
    if (form.preview.data or form.submit.data) and form.validate_on_submit():
        chosen = [g for g in grids if g.id in form.grids.data]
        try:
            boundaries.check_merge(chosen, form.effective_date.data)
        except services.OrgError as error:
            form.grids.errors.append(str(error)) if error.field == "grids" else form.form_errors.append(str(error))
        plan = carry.plan(chosen, 1, {}, {}, 0, form.effective_date.data)
        digest = plan.digest(
            [g.id for g in chosen], form.code_segment.data, form.name.data, str(form.effective_date.data)
        )
        problems = form.form_errors or form.grids.errors
        if form.submit.data and not problems and request.form.get("previewed") == digest:
            with saving(form) as saved:
                change = boundaries.merge_grids(
                    chosen,
                    boundaries.NewGridSpec(form.code_segment.data, form.name.data.strip(), _profile_values(form)),
                    form.effective_date.data,
                    form.reason.data.strip(),
                    current_user,
                )
                carry.apply(
                    plan,
                    chosen,
                    change.grids("after"),
                    form.effective_date.data,
                    form.reason.data.strip(),
                    current_user,
                )
            if saved:
                new_grid = change.grids("after")[0]
                flash(_("网格已合并，住户、房屋等记录已转入新网格，原网格保留在历史中。"), "success")
                return redirect(url_for("org.division_detail", division_id=new_grid.id), code=303)
        elif form.submit.data and not problems:
            form.form_errors.append(_("预览之后内容有变化（记录或选择），请核对新的预览后再确认。"))
        preview = None if problems else plan
    return render_template(
        "org/merge_form.html",
        form=form,
        community=community,
        preview=preview,
        digest=digest,
        kinds=_shown_kinds(carry.KINDS),
    )


@bp.route("/divisions/<int:division_id>/coverage")
@login_required
def coverage(division_id: int):
    """无缝覆盖: grids without a worker or boundary, buildings in no grid."""
    community = get_visible_or_404(Division, division_id)
    if community.level != Level.COMMUNITY.value:
        abort(404)
    return render_template(
        "org/coverage.html", result=services.coverage(community), levels=services.level_gaps(community)
    )
