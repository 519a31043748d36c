"""Forms of the public side and of the API-key page."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import BooleanField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from app.core.forms import Form
from app.matters import reference


class PublicReportForm(Form):
    # Choices (grouped by class) come from services.catalogue(): the Open311 codes.
    service = SelectField(_l("问题类别"), validators=[DataRequired(_l("请选择问题类别。"))])
    address = StringField(
        _l("地点"),
        validators=[DataRequired(_l("请写明地点。")), Length(max=200, message=_l("地点不能超过 200 个字。"))],
        description=_l("门牌号、路口或明显的标志物。"),
    )
    description = TextAreaField(
        _l("问题描述"),
        validators=[DataRequired(_l("请描述问题。")), Length(max=2000, message=_l("描述不能超过 2000 个字。"))],
    )
    reporter_name = StringField(
        _l("姓名"),
        validators=[Length(max=32, message=_l("姓名不能超过 32 个字。"))],
        description=_l("可不填。只有工作人员能看到。"),
    )
    reporter_phone = StringField(
        _l("联系电话"), validators=[Length(max=32)], description=_l("可不填。工作人员可能打电话了解情况或告知结果。")
    )
    anonymous = BooleanField(_l("匿名反映（不留姓名和电话）"))
    photos = MultipleFileField(_l("照片"), description=_l("可不传。最多 3 张，JPEG 或 PNG 格式。"))
    # The honeypot: hidden from people by CSS, filled in by form-filling robots.
    website = StringField(_l("请勿填写此项"))
    submit = SubmitField(_l("提交"))


class TrackForm(Form):
    class Meta:
        csrf = False  # a GET form: looking a code up changes nothing

    code = StringField(_l("查询码"), validators=[DataRequired(_l("请输入查询码。")), Length(max=16)])
    submit = SubmitField(_l("查询"))


class RatingForm(Form):
    rating = RadioField(
        _l("满意程度"),
        choices=[(code, label) for code, label in reference.RATINGS.items()],
        validators=[DataRequired(_l("请选择满意程度。"))],
    )
    note = TextAreaField(_l("评价意见"), validators=[Length(max=200, message=_l("评价意见不能超过 200 个字。"))])
    submit = SubmitField(_l("提交评价"))


class ApiKeyForm(Form):
    name = StringField(
        _l("使用单位或应用"), validators=[DataRequired(_l("请填写使用这个密钥的单位或应用。")), Length(max=64)]
    )
    submit = SubmitField(_l("生成密钥"))
