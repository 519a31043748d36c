"""Public pages (no login): the intake form per grid, the tracking page with the
rating, and the results board per community. Grids and communities are named by
their division codes — the numbers printed on a grid's notice board."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.core.addresses import public_url
from app.core.forms import attach_error
from app.core.pagination import paginate
from app.core.timeutil import utcnow
from app.extensions import db
from app.matters import photos
from app.matters.services import MatterError
from app.public import bp, masking, services
from app.public.forms import PublicReportForm, RatingForm, TrackForm

BOARD_PER_PAGE = 30


@bp.route("/public/")
def index():
    """Where the public starts: look a code up, or pick a grid or a community."""
    return render_template("public/index.html", form=TrackForm(request.args), directory=services.public_directory())


def _service_choices() -> dict[str, list[tuple[str, str]]]:
    grouped: dict[str, list[tuple[str, str]]] = {}
    for service in services.catalogue():
        grouped.setdefault(service.group, []).append((service.code, service.name))
    return grouped


@bp.route("/public/grids/<grid_code>/report", methods=["GET", "POST"])
def report(grid_code: str):
    """The intake form of one grid. Success leads to the tracking page with the code."""
    grid = services.active_division(grid_code, "grid")
    if grid is None:
        abort(404)
    form = PublicReportForm()
    form.service.choices = _service_choices()
    status = 200
    if request.method == "POST":
        if form.website.data:
            # The honeypot was filled: a robot, or someone who should read the label.
            form.form_errors.append(_("提交未成功：请清空“请勿填写此项”一栏后再提交。"))
            status = 400
        elif form.validate_on_submit():
            response, status = _save(form, grid)
            if response is not None:
                return response
        else:
            status = 400
    return render_template("public/report.html", form=form, grid=grid), status


def _save(form: PublicReportForm, grid):
    service = services.find_service(form.service.data)
    chosen = [f for f in form.photos.data or [] if getattr(f, "filename", "")]
    try:
        if service is None:
            raise services.PublicError(_("请选择问题类别。"), "service")
        if len(chosen) > services.MAX_PUBLIC_PHOTOS:
            raise services.PublicError(_("最多上传 %(n)d 张照片。", n=services.MAX_PUBLIC_PHOTOS), "photos")
        fingerprint = services.client_fingerprint(f"ip:{request.remote_addr}")
        # Every cheap refusal comes before a photo is decoded: the hourly limit, each
        # photo's size, then what report() checks (the limit again, as it writes).
        services.check_throttle(fingerprint, utcnow())
        uploads = photos.read_files(chosen)
        matter = services.report(
            services.PublicReport(
                service=service,
                grid=grid,
                description=form.description.data,
                address=form.address.data,
                reporter_name=form.reporter_name.data or "",
                reporter_phone=form.reporter_phone.data or "",
                is_anonymous=form.anonymous.data,
            ),
            fingerprint,
        )
        photos.attach(matter, photos.clean_all(uploads), "report")
    except (services.PublicError, MatterError) as error:
        db.session.rollback()
        attach_error(form, error)
        return None, 429 if isinstance(error, services.Throttled) else 400
    db.session.commit()
    return redirect(url_for("public.track", code=matter.tracking_code, new=1), 303), 303


@bp.route("/public/track", methods=["GET", "POST"])
def track():
    """Where a matter stands, for whoever holds its code; rating once it is closed."""
    form = TrackForm(request.args)
    code = (request.args.get("code") or "").strip().upper()
    if not code:
        return render_template("public/track.html", form=form, matter=None)
    matter = services.find_by_code(code)
    if matter is None:
        form.code.errors = [_("没有找到这个查询码，请核对后重新输入。")]
        return render_template("public/track.html", form=form, matter=None), 404
    rating_form = RatingForm()
    status = 200
    if request.method == "POST":
        if rating_form.validate_on_submit():
            try:
                services.rate(matter, rating_form.rating.data, rating_form.note.data or "")
            except services.PublicError as error:
                db.session.rollback()
                rating_form.form_errors.append(str(error))
                status = 400
            else:
                db.session.commit()
                return redirect(url_for("public.track", code=matter.tracking_code, rated=1), 303)
        else:
            status = 400
    names = masking.personal_names(matter)
    return render_template(
        "public/track.html",
        form=form,
        matter=matter,
        rating_form=rating_form,
        timeline=services.public_timeline(matter),
        names=names,
        mask=masking.mask_text,
        mask_name=masking.mask_name,
        may_rate=matter.status == "closed" and matter.rating is None,
        is_new=request.args.get("new") == "1",
        rated=request.args.get("rated") == "1",
        tracking_url=public_url("public.track", code=matter.tracking_code),
    ), status


@bp.route("/public/communities/<community_code>/board")
def board(community_code: str):
    """公示栏: the community's closed and published matters, personal data masked."""
    community = services.active_division(community_code, "community")
    if community is None:
        abort(404)
    page = paginate(services.board_statement(community), per_page=BOARD_PER_PAGE)
    rows = [(m, masking.mask_text(m.place, masking.personal_names(m)), masking.public_result(m)) for m in page.items]
    return render_template("public/board.html", community=community, page=page, rows=rows)
