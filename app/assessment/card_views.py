"""Warning cards (黄牌/红牌): town and county staff issue them to a grid or to one of
its grid workers, and withdraw them (撤销) with a reason; everyone sees the cards of
their grids (a grid worker: their grid's and their own), withdrawn ones marked so.
Another grid's card is a 404."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from app.assessment import bp, reference, services
from app.assessment.forms import CardForm, CardWithdrawForm
from app.assessment.models import WarningCard
from app.assessment.views import own_staff_ids
from app.core.forms import saving
from app.core.pagination import paginate
from app.core.scoping import get_visible_or_404, scoped_select
from app.core.timeutil import local_today
from app.extensions import db
from app.org.models import Division
from app.org.services import grid_label

PER_PAGE = 30


def _visible_cards():
    statement = scoped_select(WarningCard)
    own = own_staff_ids()
    if own is not None:
        # A grid worker sees the cards of the grid and their own, not a colleague's.
        statement = statement.where(WarningCard.staff_id.is_(None) | WarningCard.staff_id.in_(own or [0]))
    return statement


@bp.route("/assessment/cards/")
@login_required
def card_list():
    """Cards issued in the user's grids, newest first."""
    statement = (
        _visible_cards()
        .options(selectinload(WarningCard.grid), selectinload(WarningCard.staff))
        .order_by(WarningCard.issued_on.desc(), WarningCard.id.desc())
    )
    page = paginate(statement, per_page=PER_PAGE)
    return render_template(
        "assessment/cards.html",
        page=page,
        colours=reference.CARD_COLOURS,
        may_issue=services.may_issue_cards(current_user),
        grid_label=grid_label,
    )


def offered_grid(form) -> tuple[Division, int | None]:
    """For a form that names a grid first, then someone of it: fills the grid choices
    (the user's active grids) and returns the grid the form is about — the one posted,
    or asked for by ?grid_id=, else the first — with the id asked for, so that a grid
    not offered is refused rather than replaced. 404 for a user without grids."""
    grids = list(
        db.session.scalars(
            scoped_select(Division).where(Division.level == "grid", Division.status == "active").order_by(Division.code)
        )
    )
    form.grid_id.choices = [(g.id, grid_label(g)) for g in grids]
    chosen_id = form.grid_id.data if request.method == "POST" else request.args.get("grid_id", type=int)
    grid = next((g for g in grids if g.id == chosen_id), grids[0] if grids else None)
    if grid is None:
        abort(404)
    if request.method == "GET":
        form.grid_id.data = grid.id
    return grid, chosen_id


@bp.route("/assessment/cards/new", methods=["GET", "POST"])
@login_required
def issue_card():
    """Issue a card: choose the grid first, then the whole grid or one of its workers."""
    if not services.may_issue_cards(current_user):
        abort(403)
    form = CardForm()
    grid, chosen_id = offered_grid(form)
    if request.method == "GET":
        form.issued_on.data = local_today()
    day = form.issued_on.data or local_today()
    form.staff_id.choices = [(0, _("整个网格"))] + [(s.id, s.name) for s in services.workers_of(grid, day)]
    status = 200
    if request.method == "POST" and "refresh" in request.form:
        pass  # only the grid changed: show its workers
    elif request.method == "POST" and grid.id != chosen_id:
        # A grid not offered (another town's, or closed since): refused, not given
        # to the first grid shown in its place.
        form.validate()
        form.grid_id.errors = list(form.grid_id.errors) + [_("请从列表中选择。")]
        status = 400
    elif form.validate_on_submit():
        with saving(form) as saved:
            card = services.issue_card(
                grid,
                services.CardValues(
                    grid.id, form.staff_id.data or None, form.colour.data, form.issued_on.data, form.reason.data or ""
                ),
                current_user,
                local_today(),
            )
        if saved:
            flash(_("已发出%(colour)s。", colour=reference.CARD_COLOURS[card.colour]), "success")
            return redirect(url_for("assessment.card_detail", card_id=card.id), 303)
        status = 400
    elif request.method == "POST":
        status = 400
    return render_template("assessment/card_form.html", form=form, grid=grid), status


def _card_or_404(card_id: int) -> WarningCard:
    """A card of the user's grids; a grid worker's colleague's card is a 404 too."""
    card = get_visible_or_404(WarningCard, card_id)
    own = own_staff_ids()
    if own is not None and card.staff_id is not None and card.staff_id not in own:
        abort(404)
    return card


@bp.route("/assessment/cards/<int:card_id>")
@login_required
def card_detail(card_id: int):
    card = _card_or_404(card_id)
    return render_template(
        "assessment/card.html",
        card=card,
        colours=reference.CARD_COLOURS,
        grid_label=grid_label,
        may_withdraw=services.may_issue_cards(current_user) and not card.is_withdrawn,
    )


@bp.route("/assessment/cards/<int:card_id>/withdraw", methods=["GET", "POST"])
@login_required
def withdraw_card(card_id: int):
    """Withdraw a card (issued by mistake, overturned on appeal): a reason is required."""
    card = _card_or_404(card_id)
    if not services.may_issue_cards(current_user):
        abort(403)
    form = CardWithdrawForm()
    status = 200
    if card.is_withdrawn:
        form.form_errors.append(_("这张牌已经撤销过了。"))
        status = 400 if request.method == "POST" else 200
    elif form.validate_on_submit():
        with saving(form) as saved:
            services.withdraw_card(card, form.reason.data or "", current_user)
        if saved:
            flash(_("已撤销这张%(colour)s，不再扣分。", colour=reference.CARD_COLOURS[card.colour]), "success")
            return redirect(url_for("assessment.card_detail", card_id=card.id), 303)
        status = 400
    elif request.method == "POST":
        status = 400
    return render_template(
        "assessment/card_withdraw.html", card=card, form=form, colours=reference.CARD_COLOURS, grid_label=grid_label
    ), status
