"""背景、起因、建议: what the work manual asks every 民情日志 entry and every matter to
record besides what happened (002 篇四 (三)) — the background, the cause, and the
grid worker's suggestion — and what the inspector reads on forms 4 and 14.

One mixin for the models, one for their forms, one way to print them."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Text
from sqlalchemy.orm import Mapped, mapped_column
from wtforms import TextAreaField
from wtforms.validators import Length

FIELDS = ("background", "cause", "suggestion")
MOST = 1000


class Circumstances:
    """The three texts on a record (empty when not known)."""

    background: Mapped[str] = mapped_column(Text, default="", server_default="")
    cause: Mapped[str] = mapped_column(Text, default="", server_default="")
    suggestion: Mapped[str] = mapped_column(Text, default="", server_default="")


def _field(label, description):
    return TextAreaField(
        label,
        validators=[Length(max=MOST, message=_l("不能超过 1000 个字。"))],
        description=description,
        render_kw={"rows": 2},
    )


class CircumstanceFields:
    """The form fields, named as the model's columns."""

    background = _field(_l("背景"), _l("事情的来龙去脉：涉及哪些人、多长时间、以前怎样处理过。"))
    cause = _field(_l("起因"), _l("事情因何而起。"))
    suggestion = _field(_l("建议"), _l("网格员对解决问题的意见建议。"))


def values_of(form) -> dict[str, str]:
    """The three texts as typed, trimmed."""
    return {name: (getattr(form, name).data or "").strip() for name in FIELDS}


def summary(record) -> str:
    """ "背景：…；起因：…；建议：…", leaving out what is empty."""
    labels = {"background": _("背景"), "cause": _("起因"), "suggestion": _("建议")}
    parts = [
        _("%(label)s：%(value)s", label=labels[name], value=text)
        for name in FIELDS
        if (text := (getattr(record, name, "") or "").strip())
    ]
    return _("；").join(parts)
