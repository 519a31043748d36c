"""Importing residents and households from Excel: real workbooks built with openpyxl,
uploaded through the pages as a person does (the import page's form, the file put
into its file field, 上传并检查 pressed; the preview's 确认导入 pressed as rendered),
the preview writing nothing and the confirm writing all or nothing; and through
`flask import residents`."""

from __future__ import annotations

import datetime as dt
import re
import struct
import threading
from io import BytesIO
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select

from app.auth.models import AuditEvent
from app.core.identity import id_check_char
from app.extensions import db
from app.registry.people.models import Household, HouseholdMember, PopulationEvent, Resident
from tests.conftest import fresh
from tests.factories import make_id_number
from tests.web import Upload, choose, forge, form_on, post_forms, press, visible_text

HEADER = [
    "网格编码",
    "户号",
    "与户主关系",
    "姓名",
    "证件号码",
    "出生日期",
    "联系电话",
    "楼栋",
    "单元",
    "室",
    "地址",
    "关爱标签",
]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def sheet(rows, header=HEADER, title: str | None = None) -> bytes:
    """An .xlsx: optional merged title row, the header, then `rows` (None = blank row)."""
    book = openpyxl.Workbook()
    ws = book.active
    if title:
        ws.append([title])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    ws.append(header)
    for row in rows:
        ws.append([] if row is None else list(row))
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def family(world, phone="13700001111"):
    """A household of three in 东关一网格 (a new household number), rows as dicts."""
    code = world.grid_a.code
    return [
        [
            code,
            "A100",
            "户主",
            "赵大",
            make_id_number("19750102", 41),
            None,
            phone,
            "1号楼",
            "2",
            "201",
            None,
            "空巢老人",
        ],
        [code, "A100", "配偶", "钱二", make_id_number("19770304", 42, male=False), None, "13700002222"],
        [code, "A100", "子女", "赵小三", make_id_number("20100506", 43), None, None],
    ]


def counts() -> dict:
    fresh()
    return {
        model.__name__: db.session.scalar(select(func.count()).select_from(model))
        for model in (Resident, Household, HouseholdMember, PopulationEvent, AuditEvent)
    }


def upload(web, data: bytes, grid=None, filename: str = "people.xlsx", mimetype: str = XLSX):
    """What a person does on 导入人员与住户: put the file into the file field, choose
    the grid (`grid`: a Division; None leaves the page's default, each row's code),
    press 上传并检查. Returns the answer (the preview, or the form with its message)."""
    page = web.get("/residents/import")
    form = form_on(page, field="file", button="上传并检查")
    form["file"] = Upload(filename, data, mimetype)
    if grid is not None:
        choose(form, "grid_id", f"{grid.code} {grid.name}")
    return press(form, "上传并检查")


def confirm_form(preview):
    """The preview's 确认导入 form as rendered, or None when the preview offers none."""
    found = [f for f in post_forms(preview) if (f.action or "").endswith("/residents/import/confirm")]
    return found[0] if found else None


def confirm(preview, **kwargs):
    """Press 确认导入 on the preview, as rendered."""
    form = confirm_form(preview)
    assert form is not None, visible_text(preview)[:800]
    return press(form, "确认导入", **kwargs)


def import_file(web, data: bytes, grid=None) -> str:
    """Upload, check the preview is clean, confirm; returns the preview's text."""
    preview = upload(web, data, grid)
    assert preview.status_int == 200
    confirmed = confirm(preview)
    assert confirmed.status_int == 303, visible_text(confirmed)[:800]
    return visible_text(preview)


def problems_of(response) -> list[tuple[int, str, str]]:
    """The preview's problem table as a person reads it: (row, column, message)."""
    table = response.html.find(id="import-problems")
    if table is None:
        return []
    found = []
    for tr in table.find("tbody").find_all("tr"):
        number, column, message = (td.get_text(" ", strip=True) for td in tr.find_all("td"))
        found.append((int(number), column, message))
    return found


def uploads(app) -> list[Path]:
    folder = Path(app.config["UPLOAD_FOLDER"]) / "imports"
    return sorted(folder.glob("*.xlsx")) if folder.exists() else []


def preview_counts(page: str) -> tuple[list[int], list[int]]:
    """(people created/updated/unchanged, households …) from the preview's table."""
    people = re.search(r"实有人口 (\d+) (\d+) (\d+)", page)
    households = re.search(r"住户 (\d+) (\d+) (\d+)", page)
    return [int(n) for n in people.groups()], [int(n) for n in households.groups()]


# --- Template ---------------------------------------------------------------------------


def test_template_downloads_and_imports_cleanly_once_filled(app, web_as, world):
    web = web_as("worker_a")
    response = web.get("/residents/import").click(description="下载导入模板")
    assert response.status_int == 200 and response.content_type.endswith("spreadsheetml.sheet")
    assert "attachment" in response.headers["Content-Disposition"]
    book = openpyxl.load_workbook(BytesIO(response.body))
    ws = book.worksheets[0]
    header = [c.value for c in ws[1]]
    assert "*姓名" in header and "证件号码" in header and "网格编码" in header and "与户主关系" in header
    notes = " ".join(str(c.value) for c in book["填写说明"]["A"])
    assert "文本" in notes and "2024年1月5日" in notes and "户主、配偶、子女" in notes
    assert world.grid_a.code in notes and world.grid_b.code not in notes  # the user's grids only
    examples = [row for row in ws.iter_rows(min_row=2, values_only=True) if any(row)]
    assert len(examples) >= 2 and all("示例" in str(row) for row in examples)
    assert ws.cell(2, 1).font.i  # grey italics
    # Left in, the example rows are refused.
    untouched = BytesIO()
    book.save(untouched)
    preview = upload(web, untouched.getvalue())
    assert "示例行" in visible_text(preview) and confirm_form(preview) is None and counts()["Resident"] == 2

    # Filled in: example rows deleted, one family typed in below the header.
    ws.delete_rows(2, len(examples))
    index = {name.lstrip("*"): number for number, name in enumerate(header, 1)}
    for offset, (relation, name, number, phone) in enumerate(
        [
            ("户主", "孙一", make_id_number("19660101", 51), "13600001111"),
            ("子女", "孙二", make_id_number("19950202", 52, male=False), ""),
        ],
        2,
    ):
        for key, value in (
            ("网格编码", world.grid_a.code),
            ("户号", "A200"),
            ("与户主关系", relation),
            ("姓名", name),
            ("证件号码", number),
            ("联系电话", phone),
            ("地址", "东关路9号"),
        ):
            ws.cell(offset, index[key], value)
    filled = BytesIO()
    book.save(filled)
    page = import_file(web, filled.getvalue())
    assert preview_counts(page) == ([2, 0, 0], [1, 0, 0])
    fresh()
    household = db.session.scalar(select(Household).where(Household.household_number == "A200"))
    assert household.grid_id == world.grid_a.id and household.head.name == "孙一"
    assert household.address == "东关路9号" and {m.resident.name for m in household.current_members} == {"孙一", "孙二"}


# --- Problems ---------------------------------------------------------------------------


def test_a_file_with_errors_lists_each_at_its_row_and_writes_nothing(app, web_as, world):
    web = web_as("worker_a")
    rows = family(world)
    good_id = rows[1][4]
    broken = rows[2][4][:-1] + ("1" if rows[2][4][-1] != "1" else "2")
    bad = [
        rows[0],  # row 2: fine
        rows[1],  # row 3: fine
        [world.grid_a.code, "A100", "子女", "赵小三", broken],  # row 4: check digit
        [world.grid_a.code, "A100", "子女", "赵小四", make_id_number("20120101", 44), "2012-13-45"],  # row 5: date
        [world.grid_a.code, "A100", "表亲", "赵小五", make_id_number("20130101", 45)],  # row 6: relation
        [world.grid_a.code, "A100", "配偶", "钱二", good_id],  # row 7: twice in the file
        [world.grid_a.code, "A100", "子女", "赵小六", 110101201401011234],  # row 8: ID as a number
    ]
    before = counts()
    response = upload(web, sheet(bad))
    page = visible_text(response)
    assert response.status_int == 200 and confirm_form(response) is None and "确认导入" not in page
    problems = {(n, column): message for n, column, message in problems_of(response)}
    assert "校验位不正确" in problems[4, "证件号码"]
    assert "日期格式无法识别" in problems[5, "出生日期"]
    assert "不是可选的值" in problems[6, "与户主关系"]
    assert "与第 3 行是同一人" in problems[7, "证件号码"]
    assert "存成了数字" in problems[8, "证件号码"]
    assert {n for n, _column in problems} == {4, 5, 6, 7, 8}
    assert counts() == before and uploads(app) == []

    # Fixed: the good rows import, the household is formed with its head.
    fixed = [
        rows[0],
        rows[1],
        rows[2],
        [world.grid_a.code, "A100", "子女", "赵小四", make_id_number("20120101", 44), "2012-01-01"],
    ]
    page = import_file(web, sheet(fixed))
    assert preview_counts(page) == ([4, 0, 0], [1, 0, 0])
    fresh()
    household = db.session.scalar(select(Household).where(Household.household_number == "A100"))
    assert household.head.name == "赵大" and household.building_id == world.building_a.id
    assert household.unit == "2" and household.room == "201"
    relations = {m.resident.name: m.relation for m in household.current_members}
    assert relations == {"赵大": "head", "钱二": "spouse", "赵小三": "child", "赵小四": "child"}
    head = household.head
    assert head.phone == "13700001111" and [t.name for t in head.tags] == ["空巢老人"]
    assert head.sex == "M" and head.birth_date == dt.date(1975, 1, 2)
    assert (
        db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "register_imported"))
        == 1
    )
    assert uploads(app) == []  # the kept upload is gone once applied

    # The same file again: nothing new, everyone unchanged.
    page = import_file(web, sheet(fixed))
    assert preview_counts(page) == ([0, 0, 4], [0, 0, 1])
    assert counts()["Resident"] == before["Resident"] + 4

    # One phone changed: one person updated.
    fixed[1] = fixed[1][:6] + ["13700009999"]
    page = import_file(web, sheet(fixed))
    assert preview_counts(page) == ([0, 1, 3], [0, 0, 1])
    fresh()
    assert db.session.scalar(select(Resident.phone).where(Resident.name == "钱二")) == "13700009999"


def test_a_messy_station_file_imports(app, web_as, world):
    """Merged title row, blank rows, full-width digits, a lowercase x, dates as serials
    and as text — what village stations really send."""
    sequence = next(s for s in range(60, 200) if make_id_number("19800808", s).endswith("X"))
    with_x = make_id_number("19800808", sequence)
    full_width = make_id_number("19850909", 61, male=False).translate({ord(d): 0xFF10 + int(d) for d in "0123456789"})
    header = ["户号", "与户主关系", "姓名", "证件类型", "身份证号", "出生日期", "联系电话", "地址", "民族"]
    rows = [
        None,
        ["A300", "户主", "周一", None, with_x.lower(), 29441, "１３７ ０００３ ３３３３", "李家村三组", "汉"],
        None,
        ["A300", "妻子", "吴二", "居民身份证", full_width, "1985/09/09", None, None, "回族"],
        ["A300", "女儿", "Anna", "护照", "e12345678", "2024年1月5日"],
        ["A300", "儿子", "周四", None, make_id_number("20200101", 62), "2020/01/01"],
        None,
    ]
    web = web_as("worker_a")
    page = import_file(web, sheet(rows, header, title="东关一网格 人口信息采集表（2024年）"), world.grid_a)
    assert preview_counts(page) == ([4, 0, 0], [1, 0, 0])
    fresh()
    people = {
        r.name: r
        for r in db.session.scalars(select(Resident).where(Resident.name.in_(["周一", "吴二", "Anna", "周四"])))
    }
    assert people["周一"].id_number == with_x and people["周一"].phone == "13700033333"
    assert people["吴二"].id_number == make_id_number("19850909", 61, male=False)
    assert people["吴二"].ethnicity == "回族" and people["周一"].ethnicity == "汉族"
    assert people["Anna"].id_type == "passport" and people["Anna"].id_number == "E12345678"
    assert people["Anna"].birth_date == dt.date(2024, 1, 5)
    household = db.session.scalar(select(Household).where(Household.household_number == "A300"))
    assert household.grid_id == world.grid_a.id and household.address_text == "李家村三组"
    assert {m.resident.name: m.relation for m in household.current_members} == {
        "周一": "head",
        "吴二": "spouse",
        "Anna": "child",
        "周四": "child",
    }


def _file_field_error(response) -> str:
    """The message shown at the page's file field (render_field's error span)."""
    error = response.html.find(id="file-error")
    return error.get_text(" ", strip=True) if error is not None else ""


@pytest.mark.parametrize(
    "data, filename",
    [
        (b"name,id\n", "people.csv"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512, "people.xls"),
        (b"PK\x03\x04 not really a zip", "people.xlsx"),
    ],
)
def test_a_file_that_is_not_xlsx_is_refused_on_the_form(app, web_as, world, data, filename):
    web = web_as("worker_a")
    before = counts()
    response = upload(web, data, filename=filename)
    assert response.status_int == 200
    page = visible_text(response)
    assert "只能导入 Excel .xlsx 文件" in _file_field_error(response) and "导入检查结果" not in page
    assert counts() == before and uploads(app) == []


def encrypted_xlsx() -> bytes:
    """What Excel or WPS saves when a password is set on an .xlsx: not a ZIP but an
    OLE compound file (magic D0 CF 11 E0 A1 B1 1A E1) holding the streams
    EncryptionInfo and EncryptedPackage. Built by hand: the header sector, then one
    directory sector naming the streams (their contents are beside the point)."""
    header = bytearray(512)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 0x18, 0x3E, 3, 0xFFFE, 9, 6)  # version 3, 512-byte sectors
    struct.pack_into("<I", header, 0x30, 0)  # directory starts at sector 0
    directory = bytearray()
    for name, kind in (("Root Entry", 5), ("EncryptionInfo", 2), ("EncryptedPackage", 2)):
        entry = bytearray(128)
        encoded = (name + "\0").encode("utf-16-le")
        entry[0 : len(encoded)] = encoded
        struct.pack_into("<HB", entry, 0x40, len(encoded), kind)
        directory += entry
    directory += bytes(512 - len(directory))
    return bytes(header + directory + bytes(1024))


def test_a_password_protected_xlsx_is_named_so_at_the_file_field(app, web_as, world):
    """Issue #12 item 7.3: an encrypted .xlsx is an OLE file, not a ZIP; the person
    is told to remove the password, not that it is not an .xlsx."""
    web = web_as("worker_a")
    before = counts()
    response = upload(web, encrypted_xlsx(), filename="人口台账.xlsx")
    assert response.status_int == 200
    assert _file_field_error(response) == "文件已加密，请取消密码后再导入。"
    assert "只能导入" not in visible_text(response) and "导入检查结果" not in visible_text(response)
    assert counts() == before and uploads(app) == []


def test_an_oversized_file_is_refused_on_the_form(app, web_as, world, monkeypatch):
    from app.registry.transfer import xlsx_import

    data = sheet(family(world))
    monkeypatch.setattr(xlsx_import, "IMPORT_MAX_BYTES", len(data) - 1)
    web = web_as("worker_a")
    before = counts()
    response = upload(web, data)
    page = visible_text(response)
    assert "文件超过" in _file_field_error(response) and "请拆分后分批导入" in page and "导入检查结果" not in page
    assert counts() == before and uploads(app) == []


def test_rows_outside_the_users_scope_are_problems(app, web_as, world):
    other = world.residents["b"]
    rows = [
        [world.grid_b.code, "B100", "户主", "郑一", make_id_number("19700101", 71)],  # another grid
        ["990101001009009", "X1", "户主", "郑二", make_id_number("19700101", 72)],  # no such grid
        [world.grid_a.code, "A400", "户主", "李娜", other.id_number, None, None, None, None, None, "东关路5号"],
        [world.grid_a.code, "A401", "户主", "王五", make_id_number("19700101", 73)],  # needs an address
        [None, "A402", "户主", "冯六", make_id_number("19700101", 74)],  # no grid at all
    ]
    web = web_as("worker_a")
    before = counts()
    page = visible_text(upload(web, sheet(rows)))
    assert re.search(r"2 网格编码 没有网格编码为 %s 的在用网格，或该网格不在您的管辖范围内" % world.grid_b.code, page)
    assert "3 网格编码 没有网格编码为 990101001009009" in page
    # Registered elsewhere: only the station is named, never the person.
    assert re.search(r"4 证件号码 该证件号码已登记在 \S*滨河社区 滨河一网格", page)
    assert other.phone not in page and "13887654321" not in page
    assert "5 地址 请选择楼栋，或填写地址" in page
    assert "6 网格编码 请填写网格编码" in page
    # Nothing written but the audit entry for naming where the number is held.
    assert counts() == {**before, "AuditEvent": before["AuditEvent"] + 1}


def test_a_chosen_grid_rejects_rows_naming_another(app, web_as, world):
    web = web_as("station_a")
    rows = [
        [
            world.grid_a2.code,
            "A500",
            "户主",
            "褚一",
            make_id_number("19700101", 81),
            None,
            None,
            None,
            None,
            None,
            "东关路7号",
        ]
    ]
    page = visible_text(upload(web, sheet(rows), world.grid_a))
    assert "与所选网格" in page and world.grid_a.code in page
    rows[0][0] = None
    page = import_file(web, sheet(rows), world.grid_a)
    fresh()
    assert db.session.scalar(select(Resident.grid_id).where(Resident.name == "褚一")) == world.grid_a.id


def test_a_person_of_another_household_is_not_moved(app, web_as, world):
    head = world.residents["a"]  # heads A001
    rows = [
        [
            world.grid_a.code,
            "A600",
            "户主",
            "卫一",
            make_id_number("19700101", 91),
            None,
            None,
            None,
            None,
            None,
            "东关路8号",
        ],
        [world.grid_a.code, "A600", "父母", "张伟", head.id_number],
    ]
    web = web_as("worker_a")
    before = counts()
    page = visible_text(upload(web, sheet(rows)))
    assert "3 证件号码 此人目前属于户号 A001，请先办理离户" in page
    assert counts() == before


def test_a_new_household_needs_its_head(app, web_as, world):
    rows = family(world)[1:]  # spouse and child, no head
    rows[0] = rows[0] + [None, None, None, "东关路6号"]
    web = web_as("worker_a")
    before = counts()
    page = visible_text(upload(web, sheet(rows)))
    assert "2 与户主关系 本户还没有户主，请先登记户主。" in page and "3 与户主关系 本户还没有户主" in page
    assert counts() == before
    # Joining an existing household with its head needs no head row.
    rows = [[world.grid_a.code, "A001", "配偶", "张妻", make_id_number("19720101", 95, male=False)]]
    page = import_file(web, sheet(rows))
    assert preview_counts(page) == ([1, 0, 0], [0, 1, 0])
    fresh()
    assert {m.resident.name for m in db.session.get(Household, world.households["a"].id).current_members} == {
        "张伟",
        "张妻",
    }


WIDE = HEADER + ["民族", "性别", "证件类型"]


def test_every_problem_of_every_row_is_listed(app, web_as, world):
    """Issue #12 item 7.1: each row meets every rule and every refusal is listed at its
    row and column — several in one row, the rows of a household whose 户主 row was
    refused (with a note saying so), a row whose grid is wrong, a row repeated."""
    code = world.grid_a.code
    spouse = make_id_number("19770304", 142, male=False)
    rows = [
        # row 2: the head, two faults of its own
        [
            code,
            "A700",
            "户主",
            "严大",
            make_id_number("19750102", 141),
            None,
            "12345",
            None,
            None,
            None,
            "东关路10号",
            None,
            "火星族",
        ],
        # row 3: the spouse, a fault of its own
        [code, "A700", "配偶", "华二", spouse, None, "999"],
        # row 4: a child, nothing wrong but its household's head row
        [code, "A700", "子女", "严小三", make_id_number("20100506", 143)],
        # row 5: no such grid, and a bad phone
        [
            "990101001009009",
            "X9",
            "户主",
            "金五",
            make_id_number("19700101", 144),
            None,
            "1",
            None,
            None,
            None,
            "东关路11号",
        ],
        # row 6: the spouse again (same number), and another bad phone
        [code, "A700", "子女", "华二", spouse, None, "22"],
        # row 7: a passport holder born in the future, with a bad phone and an unknown ethnicity
        [
            code,
            "A701",
            "户主",
            "Mark",
            "E7654321",
            "2099-01-01",
            "333",
            None,
            None,
            None,
            "东关路12号",
            None,
            "火星族",
            None,
            "护照",
        ],
    ]
    web = web_as("worker_a")
    before = counts()
    response = upload(web, sheet(rows, WIDE))
    assert confirm_form(response) is None
    found = problems_of(response)
    at = {}
    for number, column, message in found:
        at.setdefault((number, column), []).append(message)
    assert "11 位手机号" in at[2, "联系电话"][0] and "请从列表中选择民族" in at[2, "民族"][0]
    assert "11 位手机号" in at[3, "联系电话"][0]
    # The head row was refused: its household's other rows say so (and still list their own faults).
    for number in (3, 4):
        assert any("户主" in m and "第 2 行" in m for m in at[number, "—"]), found
    assert "没有网格编码为 990101001009009" in at[5, "网格编码"][0] and "11 位手机号" in at[5, "联系电话"][0]
    assert "与第 3 行是同一人" in at[6, "证件号码"][0] and "11 位手机号" in at[6, "联系电话"][0]
    assert "出生日期不能晚于今天" in at[7, "出生日期"][0] and "11 位手机号" in at[7, "联系电话"][0]
    assert "请从列表中选择民族" in at[7, "民族"][0]
    assert {number for number, _column, _message in found} == {2, 3, 4, 5, 6, 7}
    page = visible_text(response)
    assert f"发现 {len(found)} 个问题，未写入任何数据" in page
    assert counts() == before and uploads(app) == []


def test_a_sex_that_contradicts_the_id_number_is_a_problem_at_its_cell(app, web_as, world):
    """Issue #12 item 7.2: the 性别 column disagreeing with the ID number's sex digit is
    refused at that cell (not silently replaced), and the whole file with it; a sex
    that agrees, or one beside a passport, passes."""
    code = world.grid_a.code
    rows = [
        [
            code,
            "A800",
            "户主",
            "柳大",
            make_id_number("19750102", 151),
            None,
            None,
            None,
            None,
            None,
            "东关路13号",
            None,
            None,
            "女",
        ],  # row 2: contradicts
        [
            code,
            "A800",
            "配偶",
            "柳妻",
            make_id_number("19770304", 152, male=False),
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            "男",
        ],  # row 3: contradicts
        [
            code,
            "A800",
            "子女",
            "柳小",
            make_id_number("20100506", 153),
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            "男",
        ],  # row 4: agrees
    ]
    web = web_as("worker_a")
    before = counts()
    response = upload(web, sheet(rows, WIDE))
    assert confirm_form(response) is None
    found = problems_of(response)
    assert (2, "性别", "性别与身份证号码不符（身份证号码为男性）。") in found
    assert (3, "性别", "性别与身份证号码不符（身份证号码为女性）。") in found
    assert not [p for p in found if p[0] == 4 and p[1] == "性别"]
    assert counts() == before and uploads(app) == []

    rows[0][13], rows[1][13] = "男", None
    page = import_file(web, sheet(rows, WIDE))
    assert preview_counts(page) == ([3, 0, 0], [1, 0, 0])
    fresh()
    assert db.session.scalar(select(Resident.sex).where(Resident.name == "柳妻")) == "F"


def test_the_resident_form_refuses_a_contradicting_sex_as_the_import_does(app, web_as, world):
    """Issue #12 item 7.2: one rule for the single-person form and the import."""
    web = web_as("worker_a")
    form = form_on(web.get("/residents/new"))
    form["name"] = "白一"
    form["id_number"] = make_id_number("19800101", 161)  # a man's number
    choose(form, "sex", "女")
    choose(form, "grid_id", "东关一网格")
    response = press(form, "保存")
    assert response.status_int == 200
    error = response.html.find(id="sex-error")
    assert error is not None and error.get_text(strip=True) == "性别与身份证号码不符（身份证号码为男性）。"
    fresh()
    assert db.session.scalar(select(Resident).where(Resident.name == "白一")) is None
    # Left to the number (the page's default), it saves.
    again = form_on(response)
    choose(again, "sex", "按证件")
    assert press(again, "保存").status_int == 303
    fresh()
    assert db.session.scalar(select(Resident.sex).where(Resident.name == "白一")) == "M"


# --- Confirm ------------------------------------------------------------------------------


def test_confirm_is_all_or_nothing(app, web_as, world):
    """The register changed between preview and confirm: nothing is written, the
    problem is shown again."""
    web = web_as("worker_a")
    rows = family(world)
    preview = upload(web, sheet(rows))
    assert confirm_form(preview) is not None
    from app.core.database import write_transactions
    from app.registry.people import services

    with write_transactions():
        services.register_resident(services.ResidentValues(name="钱二", id_number=rows[1][4]), world.grid_b)
        db.session.commit()
    before = counts()
    response = confirm(preview)
    assert response.status_int == 200
    assert "3 证件号码 该证件号码已登记在" in visible_text(response)
    assert confirm_form(response) is None
    # Nothing written but the audit entry for naming where the number is held.
    assert counts() == {**before, "AuditEvent": before["AuditEvent"] + 1}
    assert db.session.scalar(select(Household).where(Household.household_number == "A100")) is None


def test_forged_confirm_with_another_users_or_a_made_up_token_is_refused(app, web_as, world):
    """Forged requests: another account sending the uploader's token (which its own
    pages never rendered), and made-up tokens. Each is sent back to the upload page."""
    preview = upload(web_as("worker_a"), sheet(family(world)))
    token = confirm_form(preview)["token"].value
    other = web_as("station_a")
    response = forge(other, "/residents/import/confirm", {"token": token, "grid_id": ""})
    assert response.status_int == 303 and response.headers["Location"].endswith("/residents/import")
    uploader = web_as("worker_a")
    for forged in ("../../secret_key", "0" * 32):
        assert forge(uploader, "/residents/import/confirm", {"token": forged}).status_int == 303
    assert counts()["Resident"] == 2


def test_only_register_editors_may_import_and_a_forged_upload_is_refused(web_as, world):
    """The leader has no import page; an upload forged without it is refused too."""
    leader = web_as("leader_a")
    assert leader.get("/residents/import", expect_errors=True).status_int == 403
    forged = forge(
        leader, "/residents/import", {"grid_id": "0"}, upload_files=[("file", "people.xlsx", sheet(family(world)))]
    )
    assert forged.status_int == 403
    page = web_as("worker_a").get("/residents/import")
    assert page.status_int == 200 and 'enctype="multipart/form-data"' in page.text
    assert form_on(page, field="file")["file"] is not None


# --- CLI --------------------------------------------------------------------------------


def test_cli_refuses_a_file_with_one_bad_row_and_writes_nothing(app, runner, world, tmp_path):
    rows = family(world)
    rows[2] = rows[2][:5] + ["2010/05/06", "12345"]  # a phone that is no phone
    path = tmp_path / "bad.xlsx"
    path.write_bytes(sheet(rows))
    before = counts()
    result = runner.invoke(args=["import", "residents", str(path), "--grid", world.grid_a.code])
    assert result.exit_code != 0
    assert "第 4 行" in result.output and "联系电话" in result.output and "11 位手机号" in result.output
    assert counts() == before


def test_cli_rows_naming_another_grid_are_problems(app, runner, world, tmp_path):
    rows = family(world)
    rows[1][0] = world.grid_b.code
    path = tmp_path / "mixed.xlsx"
    path.write_bytes(sheet(rows))
    before = counts()
    result = runner.invoke(args=["import", "residents", str(path), "--grid", world.grid_a.code])
    assert result.exit_code == 1 and "第 3 行" in result.output and world.grid_b.code in result.output
    assert counts() == before


def test_cli_dry_run_writes_nothing_and_a_real_run_commits(app, runner, world, tmp_path):
    path = tmp_path / "family.xlsx"
    path.write_bytes(sheet(family(world)))
    before = counts()
    result = runner.invoke(args=["import", "residents", str(path), "--grid", world.grid_a.code, "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "新增 3" in result.output and counts() == before
    result = runner.invoke(args=["import", "residents", str(path), "--grid", world.grid_a.code])
    assert result.exit_code == 0, result.output
    after = counts()
    assert after["Resident"] == before["Resident"] + 3 and after["Household"] == before["Household"] + 1
    result = runner.invoke(args=["import", "residents", str(path), "--grid", world.grid_a.code])
    assert result.exit_code == 0 and "未变 3" in result.output
    assert counts()["Resident"] == after["Resident"]


def test_cli_refuses_what_is_not_a_workbook_or_not_a_grid(app, runner, world, tmp_path):
    path = tmp_path / "notes.xlsx"
    path.write_text("hello")
    result = runner.invoke(args=["import", "residents", str(path), "--grid", world.grid_a.code])
    assert result.exit_code != 0 and "只能导入 Excel .xlsx 文件" in result.output
    path.write_bytes(sheet(family(world)))
    result = runner.invoke(args=["import", "residents", str(path), "--grid", world.community_a.code])
    assert result.exit_code != 0 and "没有网格编码" in result.output


def test_example_ids_are_well_formed():
    """The template's example IDs are made-up but valid, so only the example marker refuses them."""
    from app.registry.transfer.xlsx_import import _example_id

    number = _example_id("19800101", 11)
    assert len(number) == 18 and id_check_char(number[:17]) == number[17]


def test_confirming_the_same_preview_twice_imports_once(app, web_as, world):
    """A double click on 确认导入, or back to the preview and 确认导入 again: one import."""
    web = web_as("worker_a")
    preview = upload(web, sheet(family(world)), world.grid_a)
    form = confirm_form(preview)
    first = press(form, "确认导入")
    assert first.status_int == 303
    after_first = counts()
    again = press(form, "确认导入")
    assert again.status_int == 303 and again.headers["Location"] == first.headers["Location"]
    assert "已经提交过，没有重复保存" in visible_text(again.follow())
    assert counts() == after_first and after_first["Resident"] >= 3


# --- Long checks do not stop other saves ---------------------------------------------


def _save_meanwhile(app, monkeypatch, write, times: int) -> list:
    """While the import checks its rows (the first `times` checks; its transaction has
    begun and read), another person saves (`write`, in a thread of its own). Had the
    check held SQLite's write lock, that save would wait for the whole request and the
    join would time out. What each save found: True, or its error."""
    from app.core.database import write_transactions
    from app.registry.transfer import xlsx_import

    found: list = []

    class CheckWhileSomeoneSaves(xlsx_import.RowCheck):
        def run(self):
            if len(found) < times:
                db.session.execute(select(func.count(Resident.id)))  # the check's transaction is open

                def other_person():
                    with app.app_context(), write_transactions():
                        try:
                            write()
                            db.session.commit()
                            found.append(True)
                        except Exception as error:  # reported by the test's assertion
                            found.append(error)
                        finally:
                            db.session.remove()

                saving = threading.Thread(target=other_person)
                saving.start()
                saving.join(timeout=5)
                if saving.is_alive():
                    found.append("the other save was still waiting after 5 s")
            return super().run()

    monkeypatch.setattr(xlsx_import, "RowCheck", CheckWhileSomeoneSaves)
    return found


def _unrelated_save(world):
    grid_id, staff_id = world.grid_a.id, world.staff["worker_a"].id
    days = iter((dt.date(2026, 11, 3), dt.date(2026, 11, 4)))

    def write():
        from app.org.models import Division
        from app.patrols import services as patrols

        patrols.record_patrol(
            patrols.PatrolValues(
                grid=db.session.get(Division, grid_id),
                staff_id=staff_id,
                patrol_date=next(days),
                start_time=dt.time(8, 0),
                end_time=dt.time(9, 0),
                route="东关路",
            ),
            None,
        )

    return write


def test_preview_and_confirm_check_without_stopping_other_saves(app, web_as, world, monkeypatch):
    web = web_as("worker_a")
    data = sheet(family(world))
    found = _save_meanwhile(app, monkeypatch, _unrelated_save(world), times=2)
    preview = upload(web, data, world.grid_a)
    assert found == [True] and confirm_form(preview) is not None
    confirmed = confirm(preview)
    assert found == [True, True] and confirmed.status_int == 303
    fresh()
    assert db.session.scalar(select(func.count(Household.id)).where(Household.household_number == "A100")) == 1


def test_a_register_changed_during_the_check_is_checked_again_before_writing(app, web_as, world, monkeypatch):
    web = web_as("worker_a")
    rows = family(world)
    preview = upload(web, sheet(rows), world.grid_a)
    from app.org.models import Division
    from app.registry.people import services

    grid_b_id = world.grid_b.id

    def register_the_spouse_elsewhere():
        grid_b = db.session.get(Division, grid_b_id)
        services.register_resident(services.ResidentValues(name="钱二", id_number=rows[1][4]), grid_b)

    found = _save_meanwhile(app, monkeypatch, register_the_spouse_elsewhere, times=1)
    response = confirm(preview)
    assert found == [True]
    assert response.status_int == 200 and "3 证件号码 该证件号码已登记在" in visible_text(response)
    assert db.session.scalar(select(Household).where(Household.household_number == "A100")) is None


def test_an_import_that_changes_a_phone_keeps_the_stay_of_a_floating_resident(app, web_as, world):
    """The import's columns do not hold the arrival date, the reason for staying or the
    居住证 number: updating someone from a file leaves them as the register has them."""
    from datetime import date

    from app.core.database import write_transactions

    head = world.residents["a"]
    with write_transactions():
        person = db.session.get(Resident, head.id)
        person.arrival_date, person.stay_reason, person.residence_permit_number = date(2025, 3, 15), "work", "豫居01"
        db.session.commit()
    rows = [[world.grid_a.code, "A001", "户主", "张伟", head.id_number, None, "13700009999"]]
    import_file(web_as("worker_a"), sheet(rows))
    fresh()
    person = db.session.get(Resident, head.id)
    assert person.phone == "13700009999"
    assert (person.arrival_date, person.stay_reason, person.residence_permit_number) == (
        date(2025, 3, 15),
        "work",
        "豫居01",
    )
