"""Public grid pages (no login): who works this grid (name, role, photo, work phone
— the public duty numbers of 上岗公示), its boundary, the station's duty roster,
and links to the intake form and the community's results board; and "find my
grid": choose the community, then the building. Staff and buildings only — nothing
about residents. The poster's QR code points here."""

from __future__ import annotations

from flask import abort, render_template, request, send_file

from app.printing import publicity
from app.public import bp, services


@bp.route("/public/grids/<grid_code>/")
def grid(grid_code: str):
    """The grid's public page: its staff, boundary and the duty roster."""
    division = services.active_division(grid_code, "grid")
    if division is None:
        abort(404)
    community = division.parent
    rosters = [(r, publicity.roster_days(r)) for r in publicity.current_rosters(community)]
    return render_template(
        "public/grid.html",
        grid=division,
        community=community,
        staff=publicity.grid_staff(division),
        boundary=publicity.boundary(division),
        rosters=rosters,
        weekday=publicity.weekday_label,
    )


@bp.route("/public/grids/<grid_code>/staff/<int:staff_id>/photo")
def grid_staff_photo(grid_code: str, staff_id: int):
    """A photo of a staff member working this grid today (as on the poster)."""
    division = services.active_division(grid_code, "grid")
    if division is None:
        abort(404)
    entry = next((e for e in publicity.grid_staff(division) if e.staff.id == staff_id), None)
    if entry is None or entry.photo_path is None:
        abort(404)
    return send_file(entry.photo_path, mimetype="image/jpeg", max_age=3600)


@bp.route("/public/find-grid")
def find_grid():
    """Which grid is mine: choose the community, then find the building."""
    directory = services.public_directory()
    code = (request.args.get("community") or "").strip()
    community = services.active_division(code, "community") if code else None
    if code and community is None:
        return render_template(
            "public/find_grid.html", directory=directory, community=None, buildings=[], grids=[], unknown=True
        ), 404
    buildings = publicity.community_buildings(community) if community else []
    return render_template(
        "public/find_grid.html",
        directory=directory,
        community=community,
        buildings=[b for b in buildings if b.grid is None or b.grid.is_active],
        grids=next((g for c, g in directory if community and c.id == community.id), []),
        unknown=False,
    )
