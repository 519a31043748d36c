"""Web forms of the printing pages: the ledger print form, the inspection binder's
start form and the work-manual page editor. (The printed ledger sheets themselves
are laid out in ledger_forms*.py; these are the WTForms the pages post.)"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from app.core.forms import Form
from app.printing import manual

FORMATS = {"pdf": _l("PDF（按记录填好）"), "blank": _l("空白表（手写用）"), "xlsx": _l("Excel")}


class LedgerForm(Form):
    class Meta:
        csrf = False  # a GET form that only reads

    number = IntegerField(_l("台账"), validators=[DataRequired(_l("请选择台账。"))])
    division_id = SelectField(_l("网格或社区（村）"), coerce=int, validate_choice=False)
    start = DateField(_l("起始日期"), validators=[DataRequired(_l("请按 2024-01-05 的格式填写日期。"))])
    end = DateField(_l("截止日期"), validators=[DataRequired(_l("请按 2024-01-05 的格式填写日期。"))])
    output = SelectField(_l("格式"), choices=list(FORMATS.items()), default="pdf")
    submit = SubmitField(_l("打印"))


class BinderForm(Form):
    division_id = SelectField(_l("网格或社区（村）"), coerce=int, validate_choice=False)
    start = DateField(_l("起始日期"), validators=[DataRequired(_l("请按 2024-01-05 的格式填写日期。"))])
    end = DateField(_l("截止日期"), validators=[DataRequired(_l("请按 2024-01-05 的格式填写日期。"))])
    only_changed = BooleanField(_l("只打印自上次打印以来有变化的部分"))
    submit = SubmitField(_l("生成迎检包"))


class ManualPageForm(Form):
    title = StringField(_l("标题"), validators=[DataRequired(_l("请填写标题。")), Length(max=manual.MAX_TITLE)])
    body = TextAreaField(
        _l("正文（Markdown）"),
        validators=[Length(max=manual.MAX_BODY)],
        description=_l("空一行另起一段；“1. ”开头为编号列表，“- ”开头为列表，“## ”开头为小标题，**加粗**。"),
        render_kw={"rows": 24, "cols": 90},
    )
    preview = SubmitField(_l("预览"))
    submit = SubmitField(_l("保存"))


class NewManualPageForm(ManualPageForm):
    division_id = SelectField(_l("社区（村）"), coerce=int, validate_choice=False)
