"""County settings of the matters loop, kept by administrators: the time limits of
each level, the subtype tree with its own limits, and holiday data for the years
chinesecalendar does not know yet."""

from __future__ import annotations

import re
from datetime import date

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import delete, select

from app.auth import audit
from app.auth.decorators import admin_required
from app.core.timeutil import local_today
from app.extensions import db
from app.matters import bp, reference, workdays
from app.matters.forms import MAX_DAYS, HolidayForm, TypeForm
from app.matters.models import HolidayDay, HolidayYear, MatterType, TimeLimit

# --- Time limits ---------------------------------------------------------------------


@bp.route("/matters/settings/limits", methods=["GET", "POST"])
@admin_required
def time_limits():
    rows = {row.key: row for row in db.session.scalars(select(TimeLimit))}
    values = {key: rows[key].days if key in rows else days for key, days in reference.DEFAULT_TIME_LIMITS.items()}
    errors = {}
    if request.method == "POST":  # CSRFProtect has checked the token already
        for key in reference.DEFAULT_TIME_LIMITS:
            raw = request.form.get(key, "").strip()
            values[key] = raw
            if not raw.isdigit() or not 1 <= int(raw) <= MAX_DAYS:
                errors[key] = _("请填写 1 到 %(n)d 之间的整数。", n=MAX_DAYS)
        if not errors:
            changed = {}
            for key in reference.DEFAULT_TIME_LIMITS:
                days = int(values[key])
                row = rows.get(key) or TimeLimit(key=key, days=days)
                if row.days != days or key not in rows:
                    changed[key] = days
                row.days = days
                db.session.add(row)
            if changed:
                audit.record(
                    "matter_limits_changed", summary=", ".join(f"{k}={v}" for k, v in changed.items()), detail=changed
                )
            db.session.commit()
            flash(_("已保存处置时限。新的时限用于此后开始的环节。"), "success")
            return redirect(url_for("matters.time_limits"), code=303)
    return render_template(
        "matters/settings_limits.html",
        values=values,
        errors=errors,
        labels=reference.TIME_LIMIT_LABELS,
        max_days=MAX_DAYS,
    )


# --- Subtypes ------------------------------------------------------------------------


def _parent_choices(class_code: str | None, exclude: int | None = None) -> list[tuple[int, str]]:
    statement = select(MatterType).where(MatterType.parent_id.is_(None)).order_by(MatterType.sort_order)
    if class_code:
        statement = statement.where(MatterType.class_code == class_code)
    return [(0, _("（无，作为分组）"))] + [
        (t.id, f"{t.class_label} › {t.name}") for t in db.session.scalars(statement) if t.id != exclude
    ]


@bp.route("/matters/settings/types", methods=["GET", "POST"])
@admin_required
def matter_types():
    """The subtype tree; a new subtype under a group, or a new group."""
    form = TypeForm()
    form.parent_id.choices = _parent_choices(None)
    if form.validate_on_submit():
        parent = db.session.get(MatterType, form.parent_id.data) if form.parent_id.data else None
        if parent is not None and parent.class_code != form.class_code.data:
            form.parent_id.errors.append(_("上级小类不属于所选大类。"))
        else:
            matter_type = MatterType(
                class_code=form.class_code.data,
                parent=parent,
                name=form.name.data.strip(),
                kind=form.kind.data,
                time_limit_days=form.time_limit_days.data,
                is_active=form.is_active.data,
                sort_order=99,
            )
            db.session.add(matter_type)
            db.session.flush()
            audit.record("matter_type_changed", target=matter_type, summary=matter_type.path)
            db.session.commit()
            flash(_("已添加：%(name)s", name=matter_type.path), "success")
            return redirect(url_for("matters.matter_types"), code=303)
    types = list(
        db.session.scalars(select(MatterType).order_by(MatterType.class_code, MatterType.sort_order, MatterType.id))
    )
    return render_template("matters/settings_types.html", form=form, types=types, kinds=reference.TYPE_KINDS)


@bp.route("/matters/settings/types/<int:type_id>", methods=["GET", "POST"])
@admin_required
def edit_matter_type(type_id: int):
    matter_type = db.get_or_404(MatterType, type_id)
    form = TypeForm(obj=matter_type)
    form.class_code.render_kw = {"disabled": True}
    form.class_code.data = matter_type.class_code
    form.parent_id.choices = _parent_choices(matter_type.class_code, exclude=matter_type.id)
    if form.validate_on_submit():
        parent_id = form.parent_id.data or None
        matter_type.name = form.name.data.strip()
        matter_type.kind = form.kind.data
        matter_type.time_limit_days = form.time_limit_days.data
        matter_type.is_active = form.is_active.data
        matter_type.parent_id = parent_id
        audit.record("matter_type_changed", target=matter_type, summary=matter_type.name)
        db.session.commit()
        flash(_("已保存：%(name)s", name=matter_type.name), "success")
        return redirect(url_for("matters.matter_types"), code=303)
    return render_template("matters/settings_type_form.html", form=form, matter_type=matter_type)


# --- Holidays ------------------------------------------------------------------------

# The words of the State Council's notices, which administrators copy from: input
# syntax, not UI text (the help text explaining it is translated).
HOLIDAY_INPUT_WORDS = {"rest": "休", "work": "班", "wide_space": "\u3000"}
LINE = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})\s+(%s|%s)\s*(.*)$" % (HOLIDAY_INPUT_WORDS["rest"], HOLIDAY_INPUT_WORDS["work"])
)


def parse_holiday_lines(text: str) -> tuple[list[tuple[date, bool, str]], list[str]]:
    """(day, is_workday, name) per line, and a Chinese message per bad line."""
    days, problems = [], []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.replace(HOLIDAY_INPUT_WORDS["wide_space"], " ").strip()
        if not line:
            continue
        match = LINE.match(line)
        try:
            if match is None:
                raise ValueError
            day = date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            problems.append(_("第 %(n)d 行：请写成“2027-01-01 休 元旦”。", n=number))
            continue
        days.append((day, match[4] == HOLIDAY_INPUT_WORDS["work"], match[5].strip()[:32]))
    return days, problems


@bp.route("/matters/settings/holidays", methods=["GET", "POST"])
@admin_required
def holidays():
    year = request.args.get("year", type=int) or local_today().year
    form = HolidayForm()
    if form.validate_on_submit():
        days, problems = parse_holiday_lines(form.lines.data)
        years = {day.year for day, _w, _n in days}
        if len(years) > 1:
            problems.append(_("一次只录入一年的安排。"))
        if problems:
            form.lines.errors.extend(problems)
        else:
            year = years.pop()
            if form.replace_year.data:
                db.session.execute(
                    delete(HolidayDay).where(HolidayDay.day.between(date(year, 1, 1), date(year, 12, 31)))
                )
            for day, is_workday, name in days:
                row = db.session.scalar(select(HolidayDay).where(HolidayDay.day == day)) or HolidayDay(day=day)
                row.is_workday, row.name = is_workday, name
                db.session.add(row)
            audit.record(
                "holidays_changed",
                summary=_("%(year)d 年 %(n)d 天", year=year, n=len(days)),
                detail={"year": year, "days": len(days), "replaced": form.replace_year.data},
            )
            db.session.commit()
            flash(_("已保存 %(n)d 天的安排。", n=len(days)), "success")
            return redirect(url_for("matters.holidays", year=year), code=303)
    rows = list(
        db.session.scalars(
            select(HolidayDay)
            .where(HolidayDay.day.between(date(year, 1, 1), date(year, 12, 31)))
            .order_by(HolidayDay.day)
        )
    )
    return render_template(
        "matters/settings_holidays.html",
        form=form,
        year=year,
        rows=rows,
        package_years=workdays.package_years(),
        known=workdays.year_is_known(year),
        confirmation=db.session.get(HolidayYear, year),
    )


@bp.route("/matters/settings/holidays/<int:year>/confirm", methods=["POST"])
@admin_required
def confirm_holiday_year(year: int):
    """The year's arrangement is entered in full: its deadlines are exact from now on.
    Sent again, it takes the confirmation back (the year is estimated again)."""
    if year in workdays.package_years():
        flash(_("内置日历已包含该年，无须确认。"), "warning")
        return redirect(url_for("matters.holidays", year=year), code=303)
    confirmation = db.session.get(HolidayYear, year)
    if confirmation is None:
        db.session.add(HolidayYear(year=year, confirmed_by_id=current_user.id))
        audit.record(
            "holidays_confirmed", summary=_("%(year)d 年节假日安排已确认完整", year=year), detail={"year": year}
        )
        flash(_("已确认 %(year)d 年的安排完整：该年的期限不再标“预计”。", year=year), "success")
    else:
        db.session.delete(confirmation)
        audit.record(
            "holidays_unconfirmed", summary=_("%(year)d 年节假日安排撤销确认", year=year), detail={"year": year}
        )
        flash(_("已撤销确认：%(year)d 年的期限重新标为“预计”。", year=year), "success")
    db.session.commit()
    return redirect(url_for("matters.holidays", year=year), code=303)
