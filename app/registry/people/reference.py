"""Reference lists of the population register: codes stored in the database, and
their labels. Labels of the app's own categories are UI strings (translated);
the 56 ethnic groups are standard data names (GB/T 3304) kept as they are."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

HOUSEHOLD_TYPES = {
    "registered": _l("户籍户"),
    "permanent": _l("常住户"),
    "floating": _l("流动户"),
    "rental": _l("出租户"),
}

# 一类/二类/三类户 are a table the county edits (names, meanings, visit frequencies):
# see app.registry.settings.visit_classes.

RELATIONS = {
    "head": _l("户主"),
    "spouse": _l("配偶"),
    "child": _l("子女"),
    "parent": _l("父母"),
    "grandchild": _l("孙子女"),
    "sibling": _l("兄弟姐妹"),
    "other": _l("其他"),
}

POPULATION_TYPES = {
    "registered": _l("户籍人口"),
    # Living here for good without the household registration (人户分离), as opposed to
    # 流动人口 staying for a while (000: 常住人口 beside 户籍人口 in the figures).
    "permanent": _l("常住人口"),
    "floating": _l("流动人口"),
    "overseas": _l("境外人员"),
}

# Why a floating resident stays (暂住事由, 表6).
STAY_REASONS = {
    "work": _l("务工"),
    "business": _l("经商"),
    "study": _l("就学"),
    "family": _l("投亲靠友"),
    "medical": _l("就医"),
    "other": _l("其他"),
}

# Counted as party members (党员) in ledger 1 and the dashboard.
PARTY_MEMBER_STATUSES = ("cpc_member", "cpc_probationary")

POLITICAL_STATUSES = {
    "masses": _l("群众"),
    "cpc_member": _l("中共党员"),
    "cpc_probationary": _l("中共预备党员"),
    "cyl_member": _l("共青团员"),
    "democratic_party": _l("民主党派"),
    "other": _l("其他"),
}

RESIDENT_STATUSES = {
    "active": _l("在册"),
    "moved_out": _l("已迁出"),
    "deceased": _l("已死亡"),
}

SEXES = {"M": _l("男"), "F": _l("女")}

# Kinds of 动态信息 (population changes) and of corrections kept with before/after.
EVENT_KINDS = {
    "registered": _l("首次登记"),
    "birth": _l("出生"),
    "death": _l("死亡"),
    "move_in": _l("迁入"),
    "move_out": _l("迁出"),
    "household_created": _l("立户"),
    "household_moved": _l("住户搬迁"),
    "shop_moved": _l("商铺搬迁"),
    # A grid split or merged: the household (or shop, or person) stayed where it was.
    "grid_adjusted": _l("网格调整"),
    "household_closed": _l("销户"),
    "member_joined": _l("加入住户"),
    "member_left": _l("离开住户"),
    "head_changed": _l("变更户主"),
    "household_split": _l("分户"),
    "household_merged": _l("并户"),
    "corrected": _l("信息更正"),
    # 住户婚丧嫁娶、怀孕出生 (002 篇二): the life events a grid worker reports.
    "marriage": _l("结婚"),
    "pregnancy": _l("怀孕"),
}
# The life events recorded from a resident's page (births and deaths have their own forms).
LIFE_EVENTS = ("marriage", "pregnancy")


ETHNICITIES = (
    "汉族",
    "蒙古族",
    "回族",
    "藏族",
    "维吾尔族",
    "苗族",
    "彝族",
    "壮族",
    "布依族",
    "朝鲜族",
    "满族",
    "侗族",
    "瑶族",
    "白族",
    "土家族",
    "哈尼族",
    "哈萨克族",
    "傣族",
    "黎族",
    "傈僳族",
    "佤族",
    "畲族",
    "高山族",
    "拉祜族",
    "水族",
    "东乡族",
    "纳西族",
    "景颇族",
    "柯尔克孜族",
    "土族",
    "达斡尔族",
    "仫佬族",
    "羌族",
    "布朗族",
    "撒拉族",
    "毛南族",
    "仡佬族",
    "锡伯族",
    "阿昌族",
    "普米族",
    "塔吉克族",
    "怒族",
    "乌孜别克族",
    "俄罗斯族",
    "鄂温克族",
    "德昂族",
    "保安族",
    "裕固族",
    "京族",
    "塔塔尔族",
    "独龙族",
    "鄂伦春族",
    "赫哲族",
    "门巴族",
    "珞巴族",
    "基诺族",
)


def label(mapping: dict, code) -> str:
    value = mapping.get(code)
    return str(value) if value is not None else (code or "")
