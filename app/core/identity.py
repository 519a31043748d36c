"""Identity numbers, organisation codes and phones for the population register:
normalise what people type (full-width digits, spaces, +86) and check it against
the national formats, so one rule serves forms, imports and services alike.

Every check returns a small frozen result: `.ok`, the normalised `.number`, what
the number itself tells (birth date, sex) and `.error`, a message for the person,
translated only when something is wrong (so valid input needs no app context).
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l

from app.core.timeutil import local_today

# ---------------------------------------------------------------------------
# Normalising what people type

# Full-width ASCII (U+FF01..U+FF5E) maps 1:1 onto U+0021..U+007E. Built from code
# points: the characters themselves are input data, not UI text.
_FULL_WIDTH = {0xFF01 + offset: 0x21 + offset for offset in range(94)}
# Spaces people paste from documents and spreadsheets: all removed.
_INVISIBLE = {ord(c): None for c in "\u200b\u200c\u200d\u2060\ufeff"}
_TRANSLATE = {**_FULL_WIDTH, **_INVISIBLE}


def normalise_text_digits(value: str | None, *, upper: bool = False) -> str:
    """Trim, drop every space (also U+3000 and NBSP), turn full-width letters, digits
    and punctuation into ASCII; `upper=True` for ID numbers and codes (x → X)."""
    if value is None:
        return ""
    text = "".join(str(value).translate(_TRANSLATE).split())
    return text.upper() if upper else text


# ---------------------------------------------------------------------------
# Results


class _Checked:
    error: str | None

    @property
    def ok(self) -> bool:
        return self.error is None

    def require(self, field: str | None = None):
        """Return self when valid, else raise the refusal for a form field."""
        if self.error is not None:
            from app.core.forms import RuleError  # imported late: keeps this module light

            raise RuleError(self.error, field=field)
        return self


MALE, FEMALE = "M", "F"
SEX_LABELS = {MALE: _l("男"), FEMALE: _l("女")}


class IdType(str, enum.Enum):
    RESIDENT_ID = "resident_id"
    PASSPORT = "passport"
    HK_MACAO_PERMIT = "hk_macao"
    TAIWAN_PERMIT = "taiwan"
    HMT_RESIDENCE = "hmt_residence"
    FOREIGN_PR = "foreign_pr"
    OTHER = "other"

    @property
    def label(self) -> str:
        return str(ID_TYPE_LABELS[self])


ID_TYPE_LABELS = {
    IdType.RESIDENT_ID: _l("居民身份证"),
    IdType.PASSPORT: _l("护照"),
    IdType.HK_MACAO_PERMIT: _l("港澳居民来往内地通行证"),
    IdType.TAIWAN_PERMIT: _l("台湾居民来往大陆通行证"),
    IdType.HMT_RESIDENCE: _l("港澳台居民居住证"),
    IdType.FOREIGN_PR: _l("外国人永久居留身份证"),
    IdType.OTHER: _l("其他证件"),
}


def id_type_choices() -> list[tuple[str, str]]:
    """(value, label) pairs for a SelectField, in the order above."""
    return [(kind.value, kind.label) for kind in IdType]


@dataclass(frozen=True)
class IdCheck(_Checked):
    number: str
    birth_date: date | None = None
    sex: str | None = None  # MALE / FEMALE
    region_code: str | None = None  # first 6 digits, when the number has one
    converted_from_15: bool = False
    error: str | None = None
    id_type: IdType | None = None

    @property
    def sex_label(self) -> str | None:
        return str(SEX_LABELS[self.sex]) if self.sex else None


@dataclass(frozen=True)
class CodeCheck(_Checked):
    number: str
    error: str | None = None


class PhoneKind(str, enum.Enum):
    MOBILE = "mobile"
    LANDLINE = "landline"
    SHORT = "short"  # service numbers such as 110 or 12345


@dataclass(frozen=True)
class PhoneCheck(_Checked):
    number: str
    kind: PhoneKind | None = None
    error: str | None = None
    extension: str | None = None


# Messages: lazy, so they are translated (str()) only when a check fails.
_MESSAGES = {
    "id_format": _l("身份证号码应为 18 位（或 15 位旧号），最后一位可以是 X。"),
    "id_check": _l("身份证号码校验位不正确，请核对。"),
    "id_date": _l("身份证号码中的出生日期无效。"),
    "id_future": _l("身份证号码中的出生日期晚于今天，请核对。"),
    "id_region": _l("身份证号码前两位不是有效的省级行政区划代码。"),
    "doc_check": _l("证件号码校验位不正确，请核对。"),
    "doc_date": _l("证件号码中的出生日期无效。"),
    "doc_future": _l("证件号码中的出生日期晚于今天，请核对。"),
    "passport": _l("护照号码应为 5–17 位字母或数字。"),
    "hk_macao": _l("港澳居民来往内地通行证号码应为 H 或 M 加 8 位数字（旧证加 10 位数字）。"),
    "taiwan": _l("台湾居民来往大陆通行证号码应为 8 位数字（旧证 10 位数字，可带一个字母）。"),
    "hmt_format": _l("港澳台居民居住证号码应为 18 位，最后一位可以是 X。"),
    "hmt_region": _l("港澳台居民居住证号码应以 810000、820000 或 830000 开头。"),
    "foreign_pr": _l("外国人永久居留身份证号码应为 9 开头的 18 位（旧证为 3 个字母加 12 位数字）。"),
    "other": _l("请填写证件号码（2–32 个字符）。"),
    "code_length": _l("统一社会信用代码应为 18 位。"),
    "code_chars": _l("统一社会信用代码含有不允许的字符（只用数字和大写字母，不含 I、O、Z、S、V）。"),
    "code_region": _l("统一社会信用代码第 3–8 位应为行政区划代码（数字）。"),
    "code_check": _l("统一社会信用代码校验位不正确，请核对。"),
    "phone": _l("请输入 11 位手机号或带区号的固定电话，如 0917-1234567。"),
}


def _message(key: str) -> str:
    return str(_MESSAGES[key])


# ---------------------------------------------------------------------------
# Resident ID (GB 11643-1999) and the numbers built the same way

PROVINCE_CODES = frozenset(
    {
        "11",
        "12",
        "13",
        "14",
        "15",  # 北京 天津 河北 山西 内蒙古
        "21",
        "22",
        "23",  # 辽宁 吉林 黑龙江
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",  # 上海 江苏 浙江 安徽 福建 江西 山东
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",  # 河南 湖北 湖南 广东 广西 海南
        "50",
        "51",
        "52",
        "53",
        "54",  # 重庆 四川 贵州 云南 西藏
        "61",
        "62",
        "63",
        "64",
        "65",  # 陕西 甘肃 青海 宁夏 新疆
        "71",
        "81",
        "82",
        "83",  # 台湾 香港 澳门 台湾(居住证)
    }
)
HMT_REGIONS = frozenset({"810000", "820000", "830000"})
EARLIEST_BIRTH = date(1900, 1, 1)

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"
_ID18 = re.compile(r"\d{17}[\dX]")
_ID15 = re.compile(r"\d{15}")


def id_check_char(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character for 17 digits."""
    return ID_CHECK_CHARS[sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS)) % 11]


def _birth_date(digits8: str) -> date | None:
    try:
        return date(int(digits8[:4]), int(digits8[4:6]), int(digits8[6:8]))
    except ValueError:
        return None


def _sex(sequence_digit: str) -> str:
    return MALE if int(sequence_digit) % 2 else FEMALE


def _check_18(number: str, today: date, *, messages: str, id_type: IdType, converted: bool = False) -> IdCheck:
    """Date and check character of an 18-character number laid out like a resident
    ID (region 6, birth date 8, sequence 3, check 1); the format is already known.
    `messages` is "id" or "doc": which wording the refusals use."""
    born = _birth_date(number[6:14])
    if born is None or born < EARLIEST_BIRTH:
        return IdCheck(number, error=_message(f"{messages}_date"), id_type=id_type)
    if born > today:
        return IdCheck(number, error=_message(f"{messages}_future"), id_type=id_type)
    if not converted and id_check_char(number[:17]) != number[17]:
        return IdCheck(number, error=_message(f"{messages}_check"), id_type=id_type)
    return IdCheck(
        number,
        birth_date=born,
        sex=_sex(number[16]),
        region_code=number[:6],
        converted_from_15=converted,
        id_type=id_type,
    )


def check_resident_id(value: str | None, *, today: date | None = None) -> IdCheck:
    """居民身份证: 18 characters with a MOD 11-2 check, or an old 15-digit number
    (born 19YYMMDD), which is converted to 18."""
    today = today or local_today()
    number = normalise_text_digits(value, upper=True)
    converted = False
    if _ID15.fullmatch(number):
        first17 = number[:6] + "19" + number[6:]
        number, converted = first17 + id_check_char(first17), True
    elif not _ID18.fullmatch(number):
        return IdCheck(number, error=_message("id_format"), id_type=IdType.RESIDENT_ID)
    if number[:2] not in PROVINCE_CODES:
        original = normalise_text_digits(value, upper=True) if converted else number
        return IdCheck(original, error=_message("id_region"), id_type=IdType.RESIDENT_ID)
    result = _check_18(number, today, messages="id", id_type=IdType.RESIDENT_ID, converted=converted)
    if converted and not result.ok:
        return IdCheck(normalise_text_digits(value, upper=True), error=result.error, id_type=IdType.RESIDENT_ID)
    return result


def birth_date_and_sex_from_id(number: str | None) -> tuple[date, str] | None:
    """(birth date, MALE/FEMALE) from a valid resident ID, or None."""
    result = check_resident_id(number)
    if not result.ok:
        return None
    # A valid resident ID always has both: _check_18 sets them on its only passing return.
    assert result.birth_date is not None and result.sex is not None
    return result.birth_date, result.sex


def age_on(birth_date: date, day: date) -> int:
    """Full years (周岁) on `day`; someone born on 29 February turns a year older on
    1 March in common years."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


# ---------------------------------------------------------------------------
# Other identity documents

_PASSPORT = re.compile(r"[A-Z0-9]{5,17}")
_HK_MACAO = re.compile(r"[HM](\d{8}|\d{10})")
_TAIWAN = re.compile(r"\d{8}|\d{10}[A-Z]?")
_FOREIGN_PR_OLD = re.compile(r"[A-Z]{3}\d{12}")
_FOREIGN_PR_NEW = re.compile(r"9\d{16}[\dX]")
_OTHER = re.compile(r"\S{2,32}")


def _format_only(number: str, pattern: re.Pattern, key: str, id_type: IdType) -> IdCheck:
    if pattern.fullmatch(number):
        return IdCheck(number, id_type=id_type)
    return IdCheck(number, error=_message(key), id_type=id_type)


def check_hmt_residence(value: str | None, *, today: date | None = None) -> IdCheck:
    """港澳台居民居住证: built like a resident ID, region 810000/820000/830000."""
    number = normalise_text_digits(value, upper=True)
    if not _ID18.fullmatch(number):
        return IdCheck(number, error=_message("hmt_format"), id_type=IdType.HMT_RESIDENCE)
    if number[:6] not in HMT_REGIONS:
        return IdCheck(number, error=_message("hmt_region"), id_type=IdType.HMT_RESIDENCE)
    return _check_18(number, today or local_today(), messages="doc", id_type=IdType.HMT_RESIDENCE)


def check_foreign_pr(value: str | None, *, today: date | None = None) -> IdCheck:
    """外国人永久居留身份证: the 2004–2017 cards carry 3 letters + 12 digits; the 2023
    card carries 9 + 16 digits + a MOD 11-2 check (like a resident ID). The new
    number is read as 9, province 2, nationality 3, birth date 8, sequence 3, check;
    birth date and sex are taken from it only when they read as a real date."""
    number = normalise_text_digits(value, upper=True)
    if _FOREIGN_PR_OLD.fullmatch(number):
        return IdCheck(number, id_type=IdType.FOREIGN_PR)
    if not _FOREIGN_PR_NEW.fullmatch(number):
        return IdCheck(number, error=_message("foreign_pr"), id_type=IdType.FOREIGN_PR)
    if id_check_char(number[:17]) != number[17]:
        return IdCheck(number, error=_message("doc_check"), id_type=IdType.FOREIGN_PR)
    born = _birth_date(number[6:14])
    if born is None or not EARLIEST_BIRTH <= born <= (today or local_today()):
        return IdCheck(number, id_type=IdType.FOREIGN_PR)
    return IdCheck(number, birth_date=born, sex=_sex(number[16]), id_type=IdType.FOREIGN_PR)


def check_document(id_type: IdType | str, value: str | None, *, today: date | None = None) -> IdCheck:
    """Check a number for its document type; birth date and sex only where the
    number carries them (resident ID, residence permit, 2023 foreign PR card)."""
    kind = IdType(id_type)
    if kind is IdType.RESIDENT_ID:
        return check_resident_id(value, today=today)
    if kind is IdType.HMT_RESIDENCE:
        return check_hmt_residence(value, today=today)
    if kind is IdType.FOREIGN_PR:
        return check_foreign_pr(value, today=today)
    if kind is IdType.TAIWAN_PERMIT:
        # Older permits print the suffix letter in brackets: 1234567890(B).
        number = re.sub(r"\(([A-Z])\)$", r"\1", normalise_text_digits(value, upper=True))
        return _format_only(number, _TAIWAN, "taiwan", kind)
    if kind is IdType.PASSPORT:
        return _format_only(normalise_text_digits(value, upper=True), _PASSPORT, "passport", kind)
    if kind is IdType.HK_MACAO_PERMIT:
        return _format_only(normalise_text_digits(value, upper=True), _HK_MACAO, "hk_macao", kind)
    return _format_only(normalise_text_digits(value, upper=True), _OTHER, "other", kind)


# ---------------------------------------------------------------------------
# Unified social credit code (GB 32100-2015)

CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_check_char(first17: str) -> str:
    total = sum(CREDIT_CODE_ALPHABET.index(c) * w for c, w in zip(first17, CREDIT_CODE_WEIGHTS))
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def check_credit_code(value: str | None) -> CodeCheck:
    """统一社会信用代码: 18 characters, region digits at 3–8, check character last."""
    number = normalise_text_digits(value, upper=True)
    if len(number) != 18:
        return CodeCheck(number, _message("code_length"))
    if any(c not in CREDIT_CODE_ALPHABET for c in number):
        return CodeCheck(number, _message("code_chars"))
    if not number[2:8].isdigit():
        return CodeCheck(number, _message("code_region"))
    if credit_code_check_char(number[:17]) != number[17]:
        return CodeCheck(number, _message("code_check"))
    return CodeCheck(number)


# ---------------------------------------------------------------------------
# Phones

_COUNTRY_PREFIX = re.compile(r"^(?:\+86|0086|\(\+86\))-?(?:\(0\))?")
_MOBILE = re.compile(r"(?:86)?(1[3-9]\d{9})")
# The extension marker people write: 转 (built from its code point, see above),
# "ext", "x", "#" or a trailing "-".
_EXT = "(?:" + chr(0x8F6C) + r"|EXT\.?|X|#|-)(\d{1,6})"
_LANDLINE_SPLIT = re.compile(r"\(?(0\d{2,3})(?:\)-?|-)([1-9]\d{6,7})(?:" + _EXT + ")?")
_LANDLINE_RUN = re.compile(r"(0\d{9,11})(?:" + _EXT + ")?")
_SHORT = re.compile(r"\d{3,5}")


def _landline(area: str, local: str, extension: str | None) -> PhoneCheck:
    number = f"{area}-{local}" + (f"-{extension}" if extension else "")
    return PhoneCheck(number, PhoneKind.LANDLINE, extension=extension)


def check_phone(value: str | None, *, allow_short: bool = False) -> PhoneCheck:
    """Mobiles become 11 digits (+86, spaces, dashes dropped); landlines become
    0xxx-xxxxxxx[-ext]; 3–5 digit service numbers pass only with `allow_short`."""
    text = normalise_text_digits(value, upper=True)
    international = bool(_COUNTRY_PREFIX.match(text))
    rest = _COUNTRY_PREFIX.sub("", text)
    mobile = _MOBILE.fullmatch(re.sub(r"[-()]", "", rest))
    if mobile:
        return PhoneCheck(mobile.group(1), PhoneKind.MOBILE)
    if international and not rest.startswith("0"):
        rest = "0" + rest  # +86 917 1234567: the trunk 0 is left off abroad
    split = _LANDLINE_SPLIT.fullmatch(rest)
    if split:
        return _landline(*split.groups())
    run = _LANDLINE_RUN.fullmatch(rest)
    if run:
        digits, extension = run.groups()
        # Without a separator the real plan decides: 010 and 02x have 3-digit area codes.
        size = 3 if digits.startswith(("010", "02")) else 4
        area, local = digits[:size], digits[size:]
        if 7 <= len(local) <= 8 and local[0] != "0":
            return _landline(area, local, extension)
    if allow_short and _SHORT.fullmatch(text):
        return PhoneCheck(text, PhoneKind.SHORT)
    return PhoneCheck(text, error=_message("phone"))
