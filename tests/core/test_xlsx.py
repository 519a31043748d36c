"""Excel in and out: real workbooks built with openpyxl, read the way village
stations send them (title rows, aliases, blank rows, full-width digits, IDs that
Excel turned into numbers, dates in every spelling), refused when they are not
workbooks or are too big, and written so Excel never runs or mangles a cell."""

from __future__ import annotations

import datetime as dt
import zipfile
from dataclasses import dataclass
from io import BytesIO

import openpyxl
import pytest

from app.core import xlsx
from app.core.forms import RuleError
from app.core.xlsx import Column, ImportColumn, Problem, RowData, read_table, template_workbook, write_table

ID_AS_NUMBER = "身份证号被存成了数字，末几位已丢失，请把该列设为文本后重新填写。"
NOT_XLSX = "只能导入 Excel .xlsx 文件（WPS 请另存为 .xlsx）。"
SEX = {"男": "M", "男性": "M", "女": "F", "女性": "F"}

PEOPLE = [
    ImportColumn("name", "姓名", required=True),
    ImportColumn("id_number", "身份证号", "id_number", required=True, aliases=("公民身份号码", "身份证号码")),
    ImportColumn("phone", "联系电话", "phone", aliases=("电话", "手机号")),
    ImportColumn("born", "出生日期", "date"),
    ImportColumn("household_size", "家庭人数", "int"),
    ImportColumn("sex", "性别", "choice", choices=SEX),
    ImportColumn("address", "现住址"),
]


def workbook(*rows, title: str | None = None, merge: str | None = None, sheet=None) -> bytes:
    """An .xlsx whose first sheet holds `rows` from row 1 (None for an empty row)."""
    book = openpyxl.Workbook()
    ws = book.active
    if sheet:
        sheet(book)
        ws = book.worksheets[-1]
    for number, row in enumerate(rows, 1):
        for column, value in enumerate(row or (), 1):
            if value is not None:
                ws.cell(number, column, value)
    if merge:
        ws.merge_cells(merge)
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def test_openpyxl_parses_xml_through_defusedxml():
    assert openpyxl.DEFUSEDXML is True


# ---------------------------------------------------------------- reading


def test_reads_a_station_register_as_it_really_arrives(app):
    data = workbook(
        ["东关社区实有人口登记表"],
        [None, "  姓名（必填） ", "性别", "公民身份号码", "联 系 电 话", "出生日期", "家庭人数", "备注"],
        None,
        [1, " 张三 ", "男", "１１０１０１１９９００１０１１２３ｘ", 13800138000, dt.datetime(1990, 1, 1), "３", "x"],
        None,
        [None, None, None, None, None, None, None, None],
        [2, "李四", "女性", 110101199001011234, " 139 0000 0000 ", 45296, 4.0, None],
        [3, "王五", "女", "1.10101E+17", "１３７００１３７０００", "2024/01/05", None, None],
        [4, "赵六", "男", "110101 19900101 123x", None, "明年", "三", None],
        [5, None, "未知", "11010119900101123X", None, None, 2.5, None],
        [6, None, None, None, None, None, None, "only a remark"],
        merge="A1:H1",
    )
    result = read_table(data, PEOPLE)

    assert result.header_row == 2
    assert result.columns == {
        "name": "姓名",
        "sex": "性别",
        "id_number": "公民身份号码",
        "phone": "联系电话",
        "born": "出生日期",
        "household_size": "家庭人数",
    }
    assert result.rows == [
        RowData(
            4,
            {
                "name": "张三",
                "sex": "M",
                "id_number": "11010119900101123X",
                "phone": "13800138000",
                "born": dt.date(1990, 1, 1),
                "household_size": 3,
            },
        ),
        RowData(
            7,
            {
                "name": "李四",
                "sex": "F",
                "id_number": None,
                "phone": "13900000000",
                "born": dt.date(2024, 1, 5),
                "household_size": 4,
            },
        ),
        RowData(
            8,
            {
                "name": "王五",
                "sex": "F",
                "id_number": None,
                "phone": "13700137000",
                "born": dt.date(2024, 1, 5),
                "household_size": None,
            },
        ),
        RowData(
            9,
            {
                "name": "赵六",
                "sex": "M",
                "id_number": "11010119900101123X",
                "phone": None,
                "born": None,
                "household_size": None,
            },
        ),
        RowData(
            10,
            {
                "name": None,
                "sex": None,
                "id_number": "11010119900101123X",
                "phone": None,
                "born": None,
                "household_size": None,
            },
        ),
    ]
    assert result.problems == [
        Problem(7, "公民身份号码", ID_AS_NUMBER, "id_number"),
        Problem(8, "公民身份号码", ID_AS_NUMBER, "id_number"),
        Problem(9, "出生日期", "日期格式无法识别：明年", "born"),
        Problem(9, "家庭人数", "应填整数：三", "household_size"),
        Problem(10, "姓名", "此项为必填项。", "name"),
        Problem(10, "性别", "“未知”不是可选的值，可选：男、女。", "sex"),
        Problem(10, "家庭人数", "应填整数：2.5", "household_size"),
    ]
    assert not result.ok


@pytest.mark.parametrize(
    "cell, expected",
    [
        (dt.datetime(2024, 1, 5), dt.date(2024, 1, 5)),
        (dt.datetime(2024, 1, 5, 14, 30), dt.date(2024, 1, 5)),
        (45296, dt.date(2024, 1, 5)),
        (45296.75, dt.date(2024, 1, 5)),
        (20240105, dt.date(2024, 1, 5)),
        ("2024-1-5", dt.date(2024, 1, 5)),
        ("2024-01-05", dt.date(2024, 1, 5)),
        ("2024/01/05", dt.date(2024, 1, 5)),
        ("2024.1.5", dt.date(2024, 1, 5)),
        ("20240105", dt.date(2024, 1, 5)),
        ("2024年1月5日", dt.date(2024, 1, 5)),
        ("2024年01月05日", dt.date(2024, 1, 5)),
        ("２０２４－０１－０５", dt.date(2024, 1, 5)),
        (" 2024-01-05 00:00:00 ", dt.date(2024, 1, 5)),
        (21916, dt.date(1960, 1, 1)),
    ],
)
def test_date_spellings(app, cell, expected):
    result = read_table(workbook(["姓名", "身份证号", "出生日期"], ["张三", "x", cell]), PEOPLE)
    assert result.problems == []
    assert result.rows[0].values["born"] == expected


@pytest.mark.parametrize(
    "cell, shown",
    [
        ("2024-02-30", "2024-02-30"),
        ("24-1-5", "24-1-5"),
        ("1月5日", "1月5日"),
        ("20241305", "20241305"),
        (1990, "1990"),  # a bare year, not the serial of a day in 1905
        (20241305, "20241305"),
        (dt.time(8, 30), "08:30:00"),
    ],
)
def test_unreadable_dates_are_problems_with_the_value(app, cell, shown):
    result = read_table(workbook(["姓名", "身份证号", "出生日期"], ["张三", "x", cell]), PEOPLE)
    assert result.rows[0].values["born"] is None
    assert result.problems == [Problem(2, "出生日期", f"日期格式无法识别：{shown}", "born")]


def test_header_spellings_are_normalised(app):
    data = workbook(
        ["*姓名", "身份证号码（必填）", "手机号 (11位)", "【必填】现住址", "家庭人数[选填]"],
        ["张三", "11010119900101123x", "13800138000", "幸福路1号", 3],
    )
    result = read_table(data, PEOPLE)
    assert result.columns == {
        "name": "姓名",
        "id_number": "身份证号码",
        "phone": "手机号",
        "address": "现住址",
        "household_size": "家庭人数",
    }
    assert result.rows[0].values == {
        "name": "张三",
        "id_number": "11010119900101123X",
        "phone": "13800138000",
        "address": "幸福路1号",
        "household_size": 3,
    }


def test_text_cells_come_back_as_written_text(app):
    columns = [ImportColumn("name", "姓名"), ImportColumn("room", "门牌号"), ImportColumn("note", "备注")]
    data = workbook(["姓名", "门牌号", "备注"], ["\u3000张三\u3000", 12, "'=1+1"], ["李四", 12.5, "'x"])
    result = read_table(data, columns)
    assert [r.values for r in result.rows] == [
        {"name": "张三", "room": "12", "note": "=1+1"},
        {"name": "李四", "room": "12.5", "note": "'x"},
    ]


def test_the_sheet_with_the_header_is_found_among_others(app):
    def two_sheets(book):
        book.active.title = "说明"
        book.active["A1"] = "请按下表填写"
        book.create_sheet("人口")

    data = workbook(["姓名", "身份证号"], ["张三", "110101199001011234"], sheet=two_sheets)
    result = read_table(data, PEOPLE)
    assert result.sheet_name == "人口"
    assert result.rows == [RowData(2, {"name": "张三", "id_number": "110101199001011234"})]


def test_two_level_header_takes_the_upper_cell_where_the_lower_is_empty(app):
    data = workbook(
        ["姓名", "身份证号", "联系方式", None],
        [None, None, "电话", "微信"],
        ["张三", "110101199001011234", "13800138000", "zs"],
        merge="C1:D1",
    )
    result = read_table(data, PEOPLE)
    assert result.header_row == 2
    assert result.rows[0].values == {"name": "张三", "id_number": "110101199001011234", "phone": "13800138000"}


def test_missing_required_column_is_refused_by_name(app):
    data = workbook(["姓名", "电话"], ["张三", "13800138000"])
    with pytest.raises(RuleError) as refused:
        read_table(data, PEOPLE)
    assert str(refused.value) == "缺少必填列：身份证号。"


def test_no_header_row_lists_the_expected_headers(app):
    data = workbook(*[[f"第{n}行"] for n in range(1, 11)], ["姓名", "身份证号"], ["张三", "1"])
    with pytest.raises(RuleError) as refused:
        read_table(data, PEOPLE)
    assert str(refused.value) == (
        "找不到表头行。表格前 10 行中应有这些列名：姓名、身份证号、联系电话、出生日期、家庭人数、性别、现住址。"
    )


def test_a_column_given_twice_is_refused(app):
    data = workbook(["姓名", "身份证号", "电话", "联系电话"], ["张三", "1", "2", "3"])
    with pytest.raises(RuleError) as refused:
        read_table(data, PEOPLE)
    assert str(refused.value) == "“联系电话”列出现了不止一次，请只保留一列。"


def test_too_many_rows_is_refused_and_blank_rows_do_not_count(app):
    header = ["姓名", "身份证号"]
    rows = [["张三", "1"], None, ["李四", "2"], [" ", None], ["王五", "3"]]
    assert len(read_table(workbook(header, *rows), PEOPLE, max_rows=3).rows) == 3
    with pytest.raises(RuleError) as refused:
        read_table(workbook(header, *rows, ["赵六", "4"]), PEOPLE, max_rows=3)
    assert str(refused.value) == "数据超过 3 行，请拆分后分批导入。"


def test_a_file_over_the_size_limit_is_refused(app):
    with pytest.raises(RuleError) as refused:
        read_table(b"PK\x03\x04" + bytes(600 * 1024), PEOPLE, max_bytes=512 * 1024)
    assert str(refused.value) == "文件超过 0.5 MB，请拆分后分批导入。"
    with pytest.raises(RuleError) as refused:
        read_table(b"x" * (10 * 1024 * 1024 + 1), PEOPLE)
    assert str(refused.value) == "文件超过 10 MB，请拆分后分批导入。"


def _docx() -> bytes:
    out = BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


@pytest.mark.parametrize(
    "data",
    [
        "姓名,身份证号\n张三,110101199001011234\n".encode("utf-8-sig"),  # a CSV renamed .xlsx
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(range(256)) * 40,  # an old .xls (OLE2)
        _docx(),  # a Word file
        workbook(["姓名"])[:2000],  # a truncated download
        b"",
    ],
    ids=["csv", "xls", "docx", "truncated", "empty"],
)
def test_files_that_are_not_xlsx_are_refused(app, data):
    with pytest.raises(RuleError) as refused:
        read_table(data, PEOPLE)
    assert str(refused.value) == NOT_XLSX


def _bomb(size: int) -> bytes:
    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as member:
            chunk = b"<row>" + b" " * (1024 * 1024 - 5)
            for _ in range(size // len(chunk)):
                member.write(chunk)
    return out.getvalue()


@pytest.mark.parametrize("size", [5 * 1024 * 1024, 101 * 1024 * 1024], ids=["ratio", "total"])
def test_an_xlsx_bomb_is_refused_before_openpyxl_opens_it(app, monkeypatch, size):
    data = _bomb(size)
    assert len(data) < 1024 * 1024
    monkeypatch.setattr(openpyxl, "load_workbook", lambda *a, **k: pytest.fail("openpyxl opened a bomb"))
    with pytest.raises(RuleError) as refused:
        read_table(data, PEOPLE)
    assert str(refused.value) == "文件解压后异常巨大，不像正常的 Excel 表格，已拒绝导入。"


# ---------------------------------------------------------------- writing


@dataclass
class Person:
    name: str
    id_number: str
    phone: str | None
    born: dt.date | None
    household_size: int | None
    sex: str


# The numbers are written as given here (not_personal), to be read back: a text cell
# is otherwise written with its ID numbers and mobiles masked (tests/core/test_free_text_masking.py).
EXPORT = [
    Column("name", "姓名", 8),
    Column("id_number", "身份证号", 22, not_personal=True),
    Column("phone", "联系电话", 14, not_personal=True),
    Column("born", "出生日期", 12, "date"),
    Column("household_size", "家庭人数", 8, "int"),
    Column(lambda p: {"M": "男", "F": "女"}[p.sex], "性别", 6),
]


def test_round_trip_through_write_and_read(app):
    people = [
        Person("张三", "11010119900101123X", "13800138000", dt.date(1990, 1, 1), 3, "M"),
        Person("=李四", "110101199001011234", None, None, None, "F"),
        Person("王五", "110101200001011234", "010-12345678", dt.date(2000, 1, 1), 0, "F"),
    ]
    data = write_table(EXPORT, people, title="东关社区实有人口登记表")
    result = read_table(data, PEOPLE)
    assert result.header_row == 2 and result.problems == []
    assert [r.row_number for r in result.rows] == [3, 4, 5]
    assert [r.values for r in result.rows] == [
        {
            "name": p.name,
            "id_number": p.id_number,
            "phone": p.phone,
            "born": p.born,
            "household_size": p.household_size,
            "sex": p.sex,
        }
        for p in people
    ]


def test_formulas_are_escaped(app):
    values = ["=1+1", "+86 138", "-5", "@SUM(A1)", "\tx", "\rx", "a=b", "\x01=HYPERLINK()"]
    data = write_table([Column("v", "值")], [{"v": v} for v in values])
    sheet = openpyxl.load_workbook(BytesIO(data)).active
    # (A carriage return survives: openpyxl writes it through lxml as &#13;.)
    assert [c.value for (c,) in sheet.iter_rows(min_row=2)] == [
        "'=1+1",
        "'+86 138",
        "'-5",
        "'@SUM(A1)",
        "'\tx",
        "'\rx",
        "a=b",
        "'=HYPERLINK()",
    ]
    assert all(c.data_type == "s" for (c,) in sheet.iter_rows(min_row=2))
    assert xlsx.escape_formula("=1+1") == "'=1+1"


def test_numbers_stay_text_and_dates_are_dates(app):
    rows = [
        {
            "name": "张三",
            "id_number": "110101199001011234",
            "phone": "13800138000",
            "born": dt.datetime(1990, 1, 1, 8, 0),
            "household_size": 3,
        }
    ]
    data = write_table(EXPORT[:5], rows)
    sheet = openpyxl.load_workbook(BytesIO(data)).active
    id_cell, phone, born, size = sheet["B2"], sheet["C2"], sheet["D2"], sheet["E2"]
    assert (id_cell.value, id_cell.data_type, id_cell.number_format) == ("110101199001011234", "s", "@")
    assert (phone.value, phone.data_type, phone.number_format) == ("13800138000", "s", "@")
    assert born.is_date and born.value == dt.datetime(1990, 1, 1) and born.number_format == "yyyy-mm-dd"
    assert (size.value, size.data_type) == (3, "n")


def test_title_header_and_layout(app):
    data = write_table(EXPORT, [], title="东关社区实有人口登记表")
    book = openpyxl.load_workbook(BytesIO(data))
    sheet = book.active
    assert sheet.title == "东关社区实有人口登记表"
    assert [str(r) for r in sheet.merged_cells.ranges] == ["A1:F1"]
    assert sheet["A1"].value == "东关社区实有人口登记表" and sheet["A1"].font.b
    assert [c.value for c in sheet[2]] == ["姓名", "身份证号", "联系电话", "出生日期", "家庭人数", "性别"]
    assert all(c.font.b for c in sheet[2])
    assert sheet.freeze_panes == "A3"
    assert sheet.column_dimensions["B"].width == 22
    assert sheet.print_title_rows == "$2:$2"

    plain = openpyxl.load_workbook(BytesIO(write_table(EXPORT, [], sheet_name="名单[1]")))
    assert plain.active.title == "名单 1" and plain.active.freeze_panes == "A2"
    assert plain.active["A1"].value == "姓名"


@pytest.mark.slow  # a table of thousands of rows
def test_a_large_table_streams_from_a_generator(app):
    """write_only mode: rows are consumed one by one (the 200,000-row case is in bench/)."""
    rows = (
        {"name": f"居民{n}", "id_number": f"110101199001{n:06d}", "born": dt.date(1990, 1, 1)} for n in range(20_000)
    )
    data = write_table(
        [Column("name", "姓名"), Column("id_number", "身份证号", 22), Column("born", "出生日期", 12, "date")], rows
    )
    with zipfile.ZipFile(BytesIO(data)) as archive:
        tail = archive.read("xl/worksheets/sheet1.xml")[-2000:]
    assert b'<row r="20001"' in tail


def test_template_workbook(app):
    columns = PEOPLE + [
        ImportColumn("grid", "所属网格", "choice", choices={f"东关第{n}网格, 北": n for n in range(1, 40)})
    ]
    examples = [
        {
            "name": "张三",
            "id_number": "110101199001011234",
            "phone": "13800138000",
            "born": dt.date(1990, 1, 1),
            "household_size": 3,
            "sex": "男",
        }
    ]
    data = template_workbook(columns, examples, ["身份证号请填 18 位。", "=不是公式"])
    book = openpyxl.load_workbook(BytesIO(data))
    assert book.sheetnames == ["Sheet1", "填写说明", "_choices"]
    sheet, guide, lists = book.worksheets
    assert lists.sheet_state == "hidden"

    assert [c.value for c in sheet[1]] == [
        "*姓名",
        "*身份证号",
        "联系电话",
        "出生日期",
        "家庭人数",
        "性别",
        "现住址",
        "所属网格",
    ]
    assert all(c.font.b for c in sheet[1]) and sheet.freeze_panes == "A2"
    example = sheet[2]
    assert [c.value for c in example[:6]] == [
        "张三",
        "110101199001011234",
        "13800138000",
        dt.datetime(1990, 1, 1),
        3,
        "男",
    ]
    assert all(c.font.i and c.font.color.rgb == "00808080" for c in example)
    assert example[1].data_type == "s" and example[1].number_format == "@"
    assert sheet.column_dimensions["B"].number_format == "@"
    assert sheet.column_dimensions["D"].number_format == "yyyy-mm-dd"

    validations = {str(v.sqref): v.formula1 for v in sheet.data_validations.dataValidation}
    assert validations == {"F2:F5001": '"男,女"', "H2:H5001": "'_choices'!$H$1:$H$39"}
    assert lists["H1"].value == "东关第1网格, 北" and lists["H39"].value == "东关第39网格, 北"

    assert [r[0].value for r in guide.iter_rows()] == [
        "身份证号请填 18 位。",
        "'=不是公式",
        "带 * 的列为必填项。",
        "灰色斜体的是示例行，导入前请删除。",
    ]

    read = read_table(data, PEOPLE)
    assert read.header_row == 1 and read.sheet_name == "Sheet1"
    assert read.rows[0].values["id_number"] == "110101199001011234"


def test_template_from_export_columns(app):
    columns = [
        Column("name", "姓名", 10),
        Column("at", "登记时间", 18, "datetime"),
        Column("sex", "性别", 6, choices=("男", "女")),
    ]
    data = template_workbook(columns, [{"name": "张三", "at": dt.datetime(2024, 1, 5, 9, 30), "sex": "男"}], [])
    book = openpyxl.load_workbook(BytesIO(data))
    assert book.sheetnames == ["Sheet1", "填写说明"]
    sheet = book.active
    assert [c.value for c in sheet[1]] == ["姓名", "登记时间", "性别"]
    assert sheet["B2"].value == dt.datetime(2024, 1, 5, 9, 30) and sheet["B2"].number_format == "yyyy-mm-dd hh:mm"
    assert [v.formula1 for v in sheet.data_validations.dataValidation] == ['"男,女"']
    assert [r[0].value for r in book["填写说明"].iter_rows()] == ["灰色斜体的是示例行，导入前请删除。"]


def test_column_definitions_are_checked():
    with pytest.raises(ValueError):
        Column("a", "甲", kind="money")
    with pytest.raises(ValueError):
        ImportColumn("a", "甲", kind="choice")
    with pytest.raises(ValueError):
        xlsx._HeaderIndex([ImportColumn("a", "电话"), ImportColumn("b", "手机", aliases=("电 话",))])
