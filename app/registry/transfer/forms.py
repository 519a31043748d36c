"""Forms of the register's Excel import: the upload (checked, nothing written) and
the confirmation that applies the checked file."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, SelectField, SubmitField

from app.core.forms import Form


class ImportForm(Form):
    file = FileField(_l("Excel 文件（.xlsx）"), validators=[FileRequired(_l("请选择要导入的文件。"))])
    grid_id = SelectField(
        _l("导入到网格"),
        coerce=int,
        validate_choice=False,
        description=_l("选定一个网格时，表中可以不填网格编码；不选则按每行的网格编码导入。"),
    )
    submit = SubmitField(_l("上传并检查"))


class ConfirmForm(Form):
    token = HiddenField()
    grid_id = HiddenField()
    submit = SubmitField(_l("确认导入"))
