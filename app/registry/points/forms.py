"""Forms of the points register."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, SelectChoice, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.core.forms import Form
from app.registry.points.services import POINT_KINDS, points_of_grids


def point_field(description=None) -> SelectField:
    """The 责任点位 select of a record made in a grid (a matter, a patrol finding): its
    choices come from point_select_choices."""
    return SelectField(
        _l("责任点位"),
        coerce=int,
        validate_choice=False,
        description=description or _l("发生在本网格登记的责任点位的，选择点位；不是的可不选。"),
    )


def point_select_choices(grid_ids: list[int], keep_id: int | None = None) -> list[SelectChoice]:
    """（不选） and the grids' points in use; grouped by grid when there are several
    grids, so that a station sees whose point it is."""
    points = points_of_grids(grid_ids, keep_id)
    grouped = len({p.grid_id for p in points}) > 1
    return [SelectChoice(0, _("（不选）"))] + [
        SelectChoice(p.id, p.name, optgroup=p.grid.name if grouped else None) for p in points
    ]


class PointForm(Form):
    grid_id = SelectField(_l("所属网格"), coerce=int, validate_choice=False)
    kind = SelectField(_l("点位类别"), choices=lambda: [(k, str(v)) for k, v in POINT_KINDS.items()])
    name = StringField(
        _l("点位名称"),
        validators=[DataRequired(_l("请填写点位名称。")), Length(max=100)],
        description=_l("如“幸福路（东门街至北关街段）”“3号楼前绿地”。"),
    )
    place = StringField(_l("位置"), validators=[Optional(), Length(max=200)])
    responsible_unit = StringField(_l("责任单位"), validators=[Optional(), Length(max=100)])
    responsible_person = StringField(_l("责任人"), validators=[Optional(), Length(max=32)])
    note = TextAreaField(_l("备注"), validators=[Optional(), Length(max=2000)])
    is_active = BooleanField(_l("在用"), default=True)
    submit = SubmitField(_l("保存"))


class SupervisionForm(Form):
    supervised_on = DateField(
        _l("督导日期"), validators=[DataRequired(_l("请按 2024-01-05 的格式填写日期。"))], format="%Y-%m-%d"
    )
    supervisors = StringField(
        _l("督导人员"),
        validators=[Optional(), Length(max=200)],
        description=_l("网格长和参加的成员单位、职能部门人员。"),
    )
    found_problem = BooleanField(_l("发现问题"))
    finding = TextAreaField(
        _l("督导情况"),
        validators=[Optional(), Length(max=2000)],
        description=_l("发现问题的写明问题和处理情况；正常的可写“正常”。"),
        render_kw={"rows": 3},
    )
    submit = SubmitField(_l("记录督导"))
