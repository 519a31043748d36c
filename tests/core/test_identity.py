"""Identity numbers, credit codes and phones: the national formats, what people
type (full-width digits, spaces, +86) and a distinct message for each mistake.
Check characters are computed here independently of the module under test."""

from __future__ import annotations

from datetime import date

import pytest

from app.core.forms import RuleError
from app.core.identity import (
    FEMALE,
    MALE,
    PROVINCE_CODES,
    IdType,
    PhoneKind,
    age_on,
    birth_date_and_sex_from_id,
    check_credit_code,
    check_document,
    check_phone,
    check_resident_id,
    id_type_choices,
    normalise_text_digits,
)

TODAY = date(2024, 6, 1)

ID_FORMAT = "身份证号码应为 18 位（或 15 位旧号），最后一位可以是 X。"
ID_CHECK = "身份证号码校验位不正确，请核对。"
ID_DATE = "身份证号码中的出生日期无效。"
ID_FUTURE = "身份证号码中的出生日期晚于今天，请核对。"
ID_REGION = "身份证号码前两位不是有效的省级行政区划代码。"
PHONE = "请输入 11 位手机号或带区号的固定电话，如 0917-1234567。"


def with_id_check(first17: str) -> str:
    """Append the ISO 7064 MOD 11-2 check character."""
    weights = [2 ** (17 - i) % 11 for i in range(17)]  # 7 9 10 5 8 4 2 1 6 3 …
    return first17 + "10X98765432"[sum(int(d) * w for d, w in zip(first17, weights)) % 11]


def wrong_check(number: str) -> str:
    return number[:17] + ("1" if number[17] != "1" else "2")


def resident_id(region="610102", born="19800101", sequence="123") -> str:
    return with_id_check(region + born + sequence)


def with_credit_check(first17: str) -> str:
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    weights = [3**i % 31 for i in range(17)]  # 1 3 9 27 19 26 16 …
    total = sum(alphabet.index(c) * w for c, w in zip(first17, weights))
    return first17 + alphabet[(31 - total % 31) % 31]


def test_helpers_match_the_published_weights():
    assert [2 ** (17 - i) % 11 for i in range(17)] == [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    assert [3**i % 31 for i in range(17)] == [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    assert with_id_check("11010519491231002") == "11010519491231002X"  # the GB 11643 example


# --- normalising ----------------------------------------------------------


@pytest.mark.parametrize(
    "raw, upper, expected",
    [
        ("  6101 02 1980 ", False, "6101021980"),
        ("\u3000６１０１０２\u00a0１９８０\u3000", False, "6101021980"),
        ("１１０１０５１９４９１２３１００２ｘ", True, "11010519491231002X"),
        ("11010519491231002x", False, "11010519491231002x"),
        ("ｅａ１２３ＡＢ", True, "EA123AB"),
        ("＋86 138－1234－5678", False, "+86138-1234-5678"),
        (None, False, ""),
        ("", True, ""),
    ],
)
def test_normalise_text_digits(raw, upper, expected):
    assert normalise_text_digits(raw, upper=upper) == expected


# --- resident ID ----------------------------------------------------------


def test_valid_resident_id_tells_birth_date_sex_and_region():
    number = resident_id()
    result = check_resident_id(number, today=TODAY)
    assert result.ok and result.error is None
    assert result.number == number
    assert result.birth_date == date(1980, 1, 1)
    assert result.sex == MALE  # 17th digit 3: odd
    assert result.region_code == "610102"
    assert result.converted_from_15 is False
    assert result.id_type is IdType.RESIDENT_ID


def test_standard_example_with_x_is_female():
    result = check_resident_id("11010519491231002x", today=TODAY)
    assert result.ok
    assert result.number == "11010519491231002X"
    assert (result.birth_date, result.sex) == (date(1949, 12, 31), FEMALE)


@pytest.mark.parametrize(
    "typed",
    [
        lambda n: n,
        lambda n: n.lower(),
        lambda n: f"  {n[:6]} {n[6:14]} {n[14:]} ",
        lambda n: f"{n[:6]}\u3000{n[6:]}\u00a0",
        lambda n: "".join(chr(ord(c) + 0xFEE0) for c in n),  # full width
    ],
)
def test_resident_id_as_people_type_it(typed):
    number = with_id_check("11010519491231002")
    assert number.endswith("X")  # so lower() really tries an x
    result = check_resident_id(typed(number), today=TODAY)
    assert result.ok, result.error
    assert result.number == number


def test_sex_from_the_seventeenth_digit():
    assert check_resident_id(resident_id(sequence="124"), today=TODAY).sex == FEMALE
    assert check_resident_id(resident_id(sequence="120"), today=TODAY).sex == FEMALE
    assert check_resident_id(resident_id(sequence="129"), today=TODAY).sex == MALE


@pytest.mark.parametrize(
    "born, valid",
    [
        ("20000229", True),  # divisible by 400
        ("20240229", True),
        ("20230229", False),
        ("19000229", False),  # divisible by 100, not by 400
        ("19960229", True),
        ("19970229", False),
        ("19800431", False),
        ("19801301", False),
        ("19800001", False),
        ("19800100", False),
    ],
)
def test_february_29_and_impossible_dates(born, valid):
    result = check_resident_id(resident_id(born=born), today=TODAY)
    assert result.ok is valid
    if valid:
        assert result.birth_date.strftime("%Y%m%d") == born
    else:
        assert result.error == ID_DATE


def test_fifteen_digit_number_is_converted():
    result = check_resident_id("610102800101123", today=TODAY)
    assert result.ok
    assert result.number == "610102198001011237"
    assert result.number == with_id_check("61010219800101123")
    assert result.converted_from_15 is True
    assert (result.birth_date, result.sex) == (date(1980, 1, 1), MALE)


def test_fifteen_digit_number_with_a_bad_date_keeps_what_was_typed():
    result = check_resident_id("610102800230123", today=TODAY)
    assert result.error == ID_DATE
    assert result.number == "610102800230123"


@pytest.mark.parametrize(
    "value, message",
    [
        (wrong_check(resident_id()), ID_CHECK),
        (resident_id()[:17], ID_FORMAT),
        (resident_id() + "1", ID_FORMAT),
        ("61010219800101123Y", ID_FORMAT),
        ("6101021980010112X3", ID_FORMAT),
        ("61010280010112", ID_FORMAT),  # 14 digits
        ("", ID_FORMAT),
        (None, ID_FORMAT),
        (resident_id(born="20240602"), ID_FUTURE),
        (resident_id(born="18991231"), ID_DATE),
        ("440524188001010014", ID_DATE),  # GB 11643's own 1880 example: before 1900
        (resident_id(region="990102"), ID_REGION),
        (resident_id(region="000000"), ID_REGION),
        (resident_id(region="200000"), ID_REGION),
        ("990102800101123", ID_REGION),
    ],
)
def test_resident_id_refusals(value, message):
    result = check_resident_id(value, today=TODAY)
    assert not result.ok
    assert result.error == message
    assert result.birth_date is None and result.sex is None


def test_born_today_is_accepted():
    assert check_resident_id(resident_id(born="20240601"), today=TODAY).ok


def test_every_listed_province_is_accepted():
    assert len(PROVINCE_CODES) == 35  # 34 provincial units + 83 (Taiwan residence permits)
    for province in PROVINCE_CODES:
        assert check_resident_id(resident_id(region=province + "0000"), today=TODAY).ok, province


def test_refusals_are_chinese_inside_the_app(app):
    assert check_resident_id("123").error == ID_FORMAT
    assert check_phone("123").error == PHONE


def test_require_raises_a_rule_error_for_the_field():
    with pytest.raises(RuleError) as raised:
        check_resident_id("123").require("id_number")
    assert raised.value.field == "id_number" and str(raised.value) == ID_FORMAT
    assert check_resident_id(resident_id()).require("id_number").number == resident_id()


def test_birth_date_and_sex_from_id():
    assert birth_date_and_sex_from_id(resident_id(born="19751120", sequence="002")) == (date(1975, 11, 20), FEMALE)
    assert birth_date_and_sex_from_id("610102751120001") == (date(1975, 11, 20), MALE)
    assert birth_date_and_sex_from_id(wrong_check(resident_id())) is None
    assert birth_date_and_sex_from_id(None) is None


@pytest.mark.parametrize(
    "born, day, age",
    [
        (date(1980, 6, 1), date(2024, 6, 1), 44),
        (date(1980, 6, 2), date(2024, 6, 1), 43),
        (date(1980, 5, 31), date(2024, 6, 1), 44),
        (date(2000, 2, 29), date(2001, 2, 28), 0),
        (date(2000, 2, 29), date(2001, 3, 1), 1),
        (date(2000, 2, 29), date(2004, 2, 29), 4),
        (date(2024, 6, 1), date(2024, 6, 1), 0),
    ],
)
def test_age_on(born, day, age):
    assert age_on(born, day) == age


def test_sex_and_type_labels(app):
    assert check_resident_id(resident_id(sequence="123")).sex_label == "男"
    assert check_resident_id(resident_id(sequence="122")).sex_label == "女"
    assert check_resident_id("bad").sex_label is None
    assert IdType.RESIDENT_ID.label == "居民身份证"
    assert IdType.HK_MACAO_PERMIT.label == "港澳居民来往内地通行证"
    assert dict(id_type_choices())["foreign_pr"] == "外国人永久居留身份证"
    assert [value for value, _label in id_type_choices()] == [kind.value for kind in IdType]


# --- other documents ------------------------------------------------------

HMT = with_id_check("81000019900101002")
FOREIGN_NEW = with_id_check("91184019850315001")


@pytest.mark.parametrize(
    "id_type, value, number",
    [
        (IdType.RESIDENT_ID, "610102800101123", "610102198001011237"),
        (IdType.PASSPORT, "E12345678", "E12345678"),
        (IdType.PASSPORT, "ea1234567", "EA1234567"),
        (IdType.PASSPORT, "AB123", "AB123"),
        (IdType.PASSPORT, "X" * 17, "X" * 17),
        (IdType.HK_MACAO_PERMIT, "H12345678", "H12345678"),
        (IdType.HK_MACAO_PERMIT, "m 1234 5678", "M12345678"),
        (IdType.HK_MACAO_PERMIT, "H1234567890", "H1234567890"),
        (IdType.TAIWAN_PERMIT, "12345678", "12345678"),
        (IdType.TAIWAN_PERMIT, "1234567890", "1234567890"),
        (IdType.TAIWAN_PERMIT, "1234567890b", "1234567890B"),
        (IdType.TAIWAN_PERMIT, "1234567890(B)", "1234567890B"),
        (IdType.TAIWAN_PERMIT, "1234567890（Ｂ）", "1234567890B"),
        (IdType.HMT_RESIDENCE, HMT, HMT),
        (IdType.HMT_RESIDENCE, with_id_check("82000020010915123"), with_id_check("82000020010915123")),
        (IdType.HMT_RESIDENCE, with_id_check("83000019650101004").lower(), with_id_check("83000019650101004")),
        (IdType.FOREIGN_PR, "usa110085031501", "USA110085031501"),
        (IdType.FOREIGN_PR, FOREIGN_NEW, FOREIGN_NEW),
        (IdType.OTHER, "军字第 12345 号", "军字第12345号"),
        (IdType.OTHER, "AB", "AB"),
        ("passport", "G12345678", "G12345678"),
    ],
)
def test_documents_accepted(id_type, value, number):
    result = check_document(id_type, value, today=TODAY)
    assert result.ok, result.error
    assert result.number == number
    assert result.id_type is IdType(id_type)


@pytest.mark.parametrize(
    "id_type, value, message",
    [
        (IdType.RESIDENT_ID, "12345", ID_FORMAT),
        (IdType.PASSPORT, "AB12", "护照号码应为 5–17 位字母或数字。"),
        (IdType.PASSPORT, "X" * 18, "护照号码应为 5–17 位字母或数字。"),
        (IdType.PASSPORT, "E1234567!", "护照号码应为 5–17 位字母或数字。"),
        (IdType.HK_MACAO_PERMIT, "H1234567", "港澳居民来往内地通行证号码应为 H 或 M 加 8 位数字（旧证加 10 位数字）。"),
        (
            IdType.HK_MACAO_PERMIT,
            "X12345678",
            "港澳居民来往内地通行证号码应为 H 或 M 加 8 位数字（旧证加 10 位数字）。",
        ),
        (
            IdType.HK_MACAO_PERMIT,
            "H123456789",
            "港澳居民来往内地通行证号码应为 H 或 M 加 8 位数字（旧证加 10 位数字）。",
        ),
        (IdType.TAIWAN_PERMIT, "1234567", "台湾居民来往大陆通行证号码应为 8 位数字（旧证 10 位数字，可带一个字母）。"),
        (IdType.TAIWAN_PERMIT, "A1234567", "台湾居民来往大陆通行证号码应为 8 位数字（旧证 10 位数字，可带一个字母）。"),
        (
            IdType.TAIWAN_PERMIT,
            "12345678B",
            "台湾居民来往大陆通行证号码应为 8 位数字（旧证 10 位数字，可带一个字母）。",
        ),
        (IdType.HMT_RESIDENCE, wrong_check(HMT), "证件号码校验位不正确，请核对。"),
        (IdType.HMT_RESIDENCE, resident_id(), "港澳台居民居住证号码应以 810000、820000 或 830000 开头。"),
        (IdType.HMT_RESIDENCE, HMT[:17], "港澳台居民居住证号码应为 18 位，最后一位可以是 X。"),
        (IdType.HMT_RESIDENCE, with_id_check("81000019900230002"), "证件号码中的出生日期无效。"),
        (IdType.HMT_RESIDENCE, with_id_check("81000020250101002"), "证件号码中的出生日期晚于今天，请核对。"),
        (IdType.FOREIGN_PR, wrong_check(FOREIGN_NEW), "证件号码校验位不正确，请核对。"),
        (
            IdType.FOREIGN_PR,
            resident_id(),
            "外国人永久居留身份证号码应为 9 开头的 18 位（旧证为 3 个字母加 12 位数字）。",
        ),
        (
            IdType.FOREIGN_PR,
            "US1100850315011",
            "外国人永久居留身份证号码应为 9 开头的 18 位（旧证为 3 个字母加 12 位数字）。",
        ),
        (
            IdType.FOREIGN_PR,
            "USA11008503150",
            "外国人永久居留身份证号码应为 9 开头的 18 位（旧证为 3 个字母加 12 位数字）。",
        ),
        (IdType.OTHER, "", "请填写证件号码（2–32 个字符）。"),
        (IdType.OTHER, "A" * 33, "请填写证件号码（2–32 个字符）。"),
    ],
)
def test_documents_refused(id_type, value, message):
    result = check_document(id_type, value, today=TODAY)
    assert result.error == message


def test_documents_tell_birth_date_and_sex_only_when_the_number_carries_them():
    hmt = check_document(IdType.HMT_RESIDENCE, HMT, today=TODAY)
    assert (hmt.birth_date, hmt.sex, hmt.region_code) == (date(1990, 1, 1), FEMALE, "810000")
    new = check_document(IdType.FOREIGN_PR, FOREIGN_NEW, today=TODAY)
    assert (new.birth_date, new.sex) == (date(1985, 3, 15), MALE)
    for id_type, value in [
        (IdType.FOREIGN_PR, "USA110085031501"),
        (IdType.PASSPORT, "E12345678"),
        (IdType.TAIWAN_PERMIT, "12345678"),
        (IdType.HK_MACAO_PERMIT, "H12345678"),
    ]:
        result = check_document(id_type, value, today=TODAY)
        assert result.ok and result.birth_date is None and result.sex is None


def test_unknown_document_type_is_a_programming_error():
    with pytest.raises(ValueError):
        check_document("driving_licence", "123456")


# --- unified social credit code -------------------------------------------

CODE_LENGTH = "统一社会信用代码应为 18 位。"
CODE_CHARS = "统一社会信用代码含有不允许的字符（只用数字和大写字母，不含 I、O、Z、S、V）。"
CODE_REGION = "统一社会信用代码第 3–8 位应为行政区划代码（数字）。"
CODE_CHECK = "统一社会信用代码校验位不正确，请核对。"


@pytest.mark.parametrize(
    "value, number",
    [
        ("91350100M000100Y43", "91350100M000100Y43"),
        ("91350100m000100y43", "91350100M000100Y43"),
        (" 9135 0100 M000 100Y 43 ", "91350100M000100Y43"),
        (with_credit_check("91610102MA6TQ1234"), with_credit_check("91610102MA6TQ1234")),
        (with_credit_check("52610424MJU000001"), with_credit_check("52610424MJU000001")),
        (with_credit_check("12610000435200012"), with_credit_check("12610000435200012")),
        (with_credit_check("Y1610102MA6TQ1234"), with_credit_check("Y1610102MA6TQ1234")),
    ],
)
def test_credit_codes_accepted(value, number):
    result = check_credit_code(value)
    assert result.ok, result.error
    assert result.number == number


def test_credit_code_helper_agrees_with_the_known_example():
    assert with_credit_check("91350100M000100Y4") == "91350100M000100Y43"


@pytest.mark.parametrize(
    "value, message",
    [
        ("91350100M000100Y44", CODE_CHECK),
        ("91350100M000100Y4", CODE_LENGTH),
        ("91350100M000100Y433", CODE_LENGTH),
        ("", CODE_LENGTH),
        ("91350100M0001O0Y43", CODE_CHARS),  # letter O
        ("91350100I000100Y43", CODE_CHARS),
        ("91350100Z000100Y43", CODE_CHARS),
        ("91350100S000100Y43", CODE_CHARS),
        ("91350100V000100Y43", CODE_CHARS),
        ("91350100-00100Y43A", CODE_CHARS),
        (with_credit_check("9135A100M000100Y4"), CODE_REGION),
    ],
)
def test_credit_codes_refused(value, message):
    assert check_credit_code(value).error == message


# --- phones ---------------------------------------------------------------


@pytest.mark.parametrize(
    "value, number, kind, extension",
    [
        ("13812345678", "13812345678", PhoneKind.MOBILE, None),
        ("+86 138 1234 5678", "13812345678", PhoneKind.MOBILE, None),
        ("+86-138-1234-5678", "13812345678", PhoneKind.MOBILE, None),
        ("0086 13812345678", "13812345678", PhoneKind.MOBILE, None),
        ("8613812345678", "13812345678", PhoneKind.MOBILE, None),
        ("138-1234-5678", "13812345678", PhoneKind.MOBILE, None),
        ("１９９ １２３４ ５６７８", "19912345678", PhoneKind.MOBILE, None),
        ("0917-1234567", "0917-1234567", PhoneKind.LANDLINE, None),
        ("09171234567", "0917-1234567", PhoneKind.LANDLINE, None),
        ("0917 1234567", "0917-1234567", PhoneKind.LANDLINE, None),
        ("(0917)1234567", "0917-1234567", PhoneKind.LANDLINE, None),
        ("（０９１７）１２３４５６７", "0917-1234567", PhoneKind.LANDLINE, None),
        ("0917-12345678", "0917-12345678", PhoneKind.LANDLINE, None),
        ("010-12345678", "010-12345678", PhoneKind.LANDLINE, None),
        ("01012345678", "010-12345678", PhoneKind.LANDLINE, None),
        ("02912345678", "029-12345678", PhoneKind.LANDLINE, None),
        ("+86 917 1234567", "0917-1234567", PhoneKind.LANDLINE, None),
        ("+86 10 1234 5678", "010-12345678", PhoneKind.LANDLINE, None),
        ("0917-1234567转8001", "0917-1234567-8001", PhoneKind.LANDLINE, "8001"),
        ("0917-1234567-8001", "0917-1234567-8001", PhoneKind.LANDLINE, "8001"),
        ("0917-1234567 ext. 12", "0917-1234567-12", PhoneKind.LANDLINE, "12"),
        ("09171234567转8001", "0917-1234567-8001", PhoneKind.LANDLINE, "8001"),
    ],
)
def test_phones_accepted(value, number, kind, extension):
    result = check_phone(value)
    assert result.ok, result.error
    assert (result.number, result.kind, result.extension) == (number, kind, extension)


@pytest.mark.parametrize(
    "value",
    [
        "1381234567",  # 10 digits
        "138123456789",  # 12 digits
        "12812345678",  # no mobile range starts 12
        "1234567",  # no area code
        "0917-123456",  # local number too short
        "0917-123456789",  # too long
        "0917-0234567",  # local number cannot start with 0
        "110",  # short numbers only when allowed
        "12345",
        "",
        None,
        "abc",
        "+1 415 555 0100",
    ],
)
def test_phones_refused(value):
    result = check_phone(value)
    assert not result.ok and result.kind is None
    assert result.error == PHONE


@pytest.mark.parametrize(
    "value, ok", [("110", True), ("12345", True), ("95598", True), ("12", False), ("123456", False)]
)
def test_short_service_numbers_when_allowed(value, ok):
    result = check_phone(value, allow_short=True)
    assert result.ok is ok
    if ok:
        assert (result.number, result.kind) == (value, PhoneKind.SHORT)


def test_short_numbers_do_not_hide_mobiles_or_landlines():
    assert check_phone("13812345678", allow_short=True).kind is PhoneKind.MOBILE
    assert check_phone("0917-1234567", allow_short=True).kind is PhoneKind.LANDLINE
