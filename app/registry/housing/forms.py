"""Forms for houses, rentals (and their tenants) and shops. Choices that depend on the
user's scope are filled by the views; the rules and their messages live in
app.registry.housing.services."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, DecimalField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.core.forms import ID_NUMBER_INPUT, PHONE_INPUT, Form
from app.registry.housing.services import HOUSE_USES
from app.registry.housing.shop_services import BUSINESS_TYPES, SHOP_STATUSES

REQUIRED = _l("此项为必填项。")
DATE_MESSAGE = _l("请输入有效日期，格式为 YYYY-MM-DD。")
ID_HELP = _l("已登记人员：输入完整的证件号码（只查找您管辖范围内的人员）；未登记的，填写姓名和电话。")
KEEP_HELP = _l("留空则保持当前关联的已登记人员；填写姓名则改为按姓名登记。")
OWNER_IS_LANDLORD_HELP = _l("留空且不填姓名，则以房主（已登记人员）为出租人。")


def _choices(mapping):
    return lambda: [(code, str(text)) for code, text in mapping.items()]


def _date(label, required=False, description=None):
    validators = [DataRequired(DATE_MESSAGE)] if required else [Optional()]
    return DateField(label, format="%Y-%m-%d", validators=validators, description=description)


def _id_number(label):
    return StringField(label, validators=[Optional(), Length(max=40)], description=ID_HELP, render_kw=ID_NUMBER_INPUT)


def _name(label):
    return StringField(label, validators=[Optional(), Length(max=64)])


def _phone(label):
    return StringField(label, validators=[Optional(), Length(max=32)], render_kw=PHONE_INPUT)


def keep_linked_person_help(field, owner_is_landlord: bool = False) -> None:
    """When a blank ID number keeps a linked resident (the record's, or for a new
    rental the house's registered owner): say so under the field."""
    field.description = OWNER_IS_LANDLORD_HELP if owner_is_landlord else KEEP_HELP


class HouseEditForm(Form):
    building_id = SelectField(
        _l("楼栋"),
        coerce=int,
        validate_choice=False,
        description=_l("楼房选择楼栋并填写单元、房号；平房、农房不选楼栋，填写地址。"),
    )
    unit = StringField(_l("单元"), validators=[Optional(), Length(max=16)])
    room = StringField(_l("房号"), validators=[Optional(), Length(max=16)])
    address_text = StringField(_l("地址（无楼栋时）"), validators=[Optional(), Length(max=200)])
    use = SelectField(_l("房屋用途"), choices=_choices(HOUSE_USES), validate_choice=False)
    owner_id_number = _id_number(_l("房主证件号码"))
    owner_name = _name(_l("房主姓名"))
    owner_phone = _phone(_l("房主电话"))
    area_m2 = DecimalField(_l("面积（平方米）"), places=2, validators=[Optional()])
    note = TextAreaField(_l("备注"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("保存"))


class HouseForm(HouseEditForm):
    grid_id = SelectField(_l("所属网格"), coerce=int, validate_choice=False)


class RentalForm(Form):
    landlord_id_number = _id_number(_l("出租人证件号码"))
    landlord_name = _name(_l("出租人姓名"))
    landlord_phone = _phone(_l("出租人电话"))
    start_date = _date(_l("起租日期"), required=True)
    end_date = _date(_l("到期日期"), description=_l("不定期租赁可不填。"))
    agreement_signed = BooleanField(_l("已签治安责任书"))
    agreement_date = _date(_l("责任书签订日期"))
    note = TextAreaField(_l("备注"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("保存"))


class TenantForm(Form):
    id_number = StringField(
        _l("租户证件号码"),
        validators=[DataRequired(REQUIRED), Length(max=40)],
        description=_l("请输入完整的证件号码；只查找您管辖范围内已登记的人员。"),
        render_kw=ID_NUMBER_INPUT,
    )
    submit = SubmitField(_l("添加租户"))


class ShopEditForm(Form):
    name = StringField(_l("商铺名称"), validators=[DataRequired(REQUIRED), Length(max=100)])
    business_type = SelectField(_l("经营类别"), choices=_choices(BUSINESS_TYPES), validate_choice=False)
    licence_number = StringField(
        _l("营业执照号"),
        validators=[Optional(), Length(max=40)],
        description=_l("18 位的统一社会信用代码会核对校验位；旧的注册号照原样填写。"),
    )
    operator_id_number = _id_number(_l("经营者证件号码"))
    operator_name = _name(_l("经营者姓名"))
    operator_phone = _phone(_l("经营者电话"))
    house_id = SelectField(_l("所在房屋"), coerce=int, validate_choice=False)
    address = StringField(
        _l("经营地址"), validators=[Optional(), Length(max=200)], description=_l("未选择房屋时必填。")
    )
    frontage_duty_signed = BooleanField(_l("已签门前三包责任书"))
    frontage_duty_note = StringField(_l("门前三包说明"), validators=[Optional(), Length(max=200)])
    status = SelectField(_l("经营状态"), choices=_choices(SHOP_STATUSES), validate_choice=False)
    note = TextAreaField(_l("备注"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("保存"))


class ShopForm(ShopEditForm):
    grid_id = SelectField(_l("所属网格"), coerce=int, validate_choice=False)


class ShopMoveForm(Form):
    """商铺搬迁: where to, and when."""

    grid_id = SelectField(_l("迁往网格"), coerce=int, validate_choice=False)
    house_id = SelectField(
        _l("新经营房屋"),
        coerce=int,
        validate_choice=False,
        description=_l("迁往网格内已登记的房屋；没有登记的，不选房屋，填写新的经营地址。"),
    )
    address = StringField(
        _l("新经营地址"), validators=[Optional(), Length(max=200)], description=_l("未选择房屋时必填。")
    )
    day = _date(_l("搬迁日期"), required=True)
    note = TextAreaField(_l("说明"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("确认搬迁"))
