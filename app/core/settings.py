"""Settings a county changes while running, without editing the configuration file:
each has its default in app/config.py (Config, or an environment variable), a value
saved here overrides it, and every change is written to the audit log with its old
and new value. Which administrator of 三员分立 may change which setting is named
per setting: the system administrator the system settings, the security
administrator the security settings (app/auth/admin_views.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app, g, has_request_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import Mapped, mapped_column

from app.core.timeutil import utcnow
from app.extensions import db

SYSTEM = "system"
SECURITY = "security"
# The county administrator's (the assessment rules page), not 三员分立's.
COUNTY = "county"


# mypy cannot use an attribute (Flask-SQLAlchemy's db.Model) as a base class: python/mypy#8603.
class SystemSetting(db.Model):  # type: ignore[name-defined]
    __tablename__ = "system_setting"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(64))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


@dataclass(frozen=True)
class SettingSpec:
    name: str
    label: object
    help: object
    group: str  # SYSTEM, SECURITY or COUNTY: who may change it
    kind: type = int  # int, bool or date (a date may be unset: None)
    minimum: int = 0
    maximum: int = 1_000_000


SPECS: dict[str, SettingSpec] = {
    spec.name: spec
    for spec in (
        SettingSpec(
            "IMPORT_MAX_ROWS",
            _l("导入表格最多行数"),
            _l("表格的行数（含空行）超过此数即拒绝导入，不读取其中的行。"),
            SYSTEM,
            minimum=1_000,
            maximum=1_000_000,
        ),
        SettingSpec(
            "PUBLIC_SURVEY_MIN_ANSWERS",
            _l("公众满意度计入最少份数"),
            _l("网格半年内的公众在线答卷达到此数，才计入正式满意率及其通报。"),
            SYSTEM,
            minimum=1,
            maximum=10_000,
        ),
        SettingSpec(
            "PASSWORD_MAX_AGE_DAYS",
            _l("密码最长使用天数"),
            _l("密码使用超过此天数，下次登录须修改；0 表示不限。"),
            SECURITY,
            maximum=3650,
        ),
        SettingSpec(
            "LOGIN_MAX_FAILURES",
            _l("账号锁定前允许的密码错误次数"),
            _l("15 分钟内密码错误达到此数，账号锁定 15 分钟。"),
            SECURITY,
            minimum=3,
            maximum=20,
        ),
        SettingSpec(
            "LOGIN_ADDRESS_MAX_FAILURES",
            _l("同一网络地址暂停登录前允许的失败次数"),
            _l("15 分钟内同一网络地址登录失败达到此数（不论用户名），该地址暂停登录 15 分钟。"),
            SECURITY,
            minimum=5,
            maximum=1_000,
        ),
        SettingSpec(
            "LOCATE_DAILY_LIMIT",
            _l("每个账号每天获知证件号登记地的次数"),
            _l("登记或导入他处已登记的证件号码时告知所在社区和网格的次数上限，超过后只告知已在本县登记。"),
            SECURITY,
            maximum=1_000,
        ),
        SettingSpec(
            "REFUSED_BURST_COUNT",
            _l("越权访问告警次数"),
            _l("一个账号在下列分钟数内被拒绝访问达到此数，即向审计管理员告警。"),
            SECURITY,
            minimum=2,
            maximum=1_000,
        ),
        SettingSpec(
            "REFUSED_BURST_MINUTES",
            _l("越权访问告警统计分钟数"),
            _l("统计被拒绝访问次数的时间段。"),
            SECURITY,
            minimum=1,
            maximum=1_440,
        ),
        SettingSpec(
            "ADMIN_DUTIES_COMBINED",
            _l("允许一人兼任两个管理员角色"),
            _l(
                "三员分立：系统管理员、安全管理员、审计管理员原则上由三人分别担任。人员不足的县可开启此项，"
                "由安全管理员给一个账号第二个管理员角色；三个角色不能由一人兼任。"
            ),
            SECURITY,
            kind=bool,
            maximum=1,
        ),
        SettingSpec(
            "ASSESSMENT_IN_USE_FROM",
            _l("系统启用日期（考核起算日）"),
            _l(
                "考核只计这一天起的记录：此前没有在系统里报告、巡查的日子不算未报告、未巡查，"
                "此前的月份不考核。留空则不限。"
            ),
            COUNTY,
            kind=date,
        ),
    )
}


def _saved() -> dict[str, str]:
    """The saved values, read once per request (settings are read on many paths)."""
    if has_request_context() and "_system_settings" in g:
        return g._system_settings
    saved = dict(db.session.execute(select(SystemSetting.name, SystemSetting.value)).all())
    if has_request_context():
        g._system_settings = saved
    return saved


def setting(name: str):
    """The value in force: the saved one, else the configured default."""
    spec = SPECS[name]
    saved = _saved().get(name)
    if spec.kind is date:
        # Saved as "2026-03-01"; "" saved: cleared, whatever the configuration says.
        if saved is not None:
            return date.fromisoformat(saved) if saved else None
        configured = current_app.config.get(name)
        return date.fromisoformat(configured) if isinstance(configured, str) else configured
    if saved is not None:
        return spec.kind(int(saved))
    return spec.kind(current_app.config.get(name) or 0)


def _stored(spec: SettingSpec, value) -> str:
    if spec.kind is date:
        return value.isoformat() if value else ""
    return str(int(value))


def _logged(spec: SettingSpec, value):
    """The value as the audit log's detail keeps it (JSON)."""
    if spec.kind is date:
        return value.isoformat() if value else None
    return int(value)


def change(name: str, value, actor) -> bool:
    """Save a value (audited with the old one); False when it was already in force."""
    from app.auth import audit

    spec = SPECS[name]
    before = setting(name)
    if spec.kind is not date:
        value = spec.kind(value)
    if value == before:
        return False
    row = db.session.get(SystemSetting, name)
    if row is None:
        row = SystemSetting(name=name)
        db.session.add(row)
    row.value = _stored(spec, value)
    row.changed_at = utcnow()
    row.changed_by_id = getattr(actor, "id", None)
    audit.record(
        "setting_changed",
        summary=f"{spec.label}: {_shown(before)} → {_shown(value)}",
        detail={"setting": name, "before": _logged(spec, before), "after": _logged(spec, value)},
    )
    if has_request_context():
        g.pop("_system_settings", None)
    return True


def _shown(value) -> str:
    if value is None:
        from flask_babel import gettext as _

        return _("未设")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        from flask_babel import gettext as _

        return _("开启") if value else _("关闭")
    return str(value)


def specs_of(group: str) -> list[SettingSpec]:
    return [spec for spec in SPECS.values() if spec.group == group]
