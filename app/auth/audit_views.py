"""The audit log (审计管理员): filtered by who, what and when, open alerts first."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.auth import admin_bp, audit, duties
from app.auth.decorators import duty_required
from app.auth.forms import AuditFilterForm
from app.auth.models import AuditEvent
from app.auth.roles import Permission
from app.core.scoping import get_visible_or_404, scoped_select
from app.core.timeutil import local_day_start_utc
from app.extensions import db

AUDIT_ACTIONS = {
    "printed": _l("打印或导出台账"),
    "roster_saved": _l("保存值班表"),
    "manual_page_saved": _l("修改工作手册"),
    "manual_page_created": _l("添加本社区的手册页"),
    "matter_limits_changed": _l("修改事件处置时限"),
    "matter_type_changed": _l("修改事件小类"),
    "holidays_changed": _l("录入节假日安排"),
    "holidays_confirmed": _l("确认节假日安排完整"),
    "holidays_unconfirmed": _l("撤销节假日安排确认"),
    "login": _l("登录成功"),
    "login_failed": _l("登录失败"),
    "login_refused_locked": _l("锁定期间尝试登录"),
    "login_refused_disabled": _l("停用账号尝试登录"),
    "account_locked": _l("账号锁定"),
    "logout": _l("退出登录"),
    "address_locked": _l("网络地址暂停登录"),
    "login_refused_address": _l("网络地址暂停期间尝试登录"),
    "password_expired": _l("密码到期须修改"),
    "account_created": _l("创建账号"),
    "account_enabled": _l("启用账号"),
    "account_disabled": _l("停用账号"),
    "password_reset": _l("重置密码"),
    "password_changed": _l("修改密码"),
    "role_changed": _l("角色变更"),
    "scope_changed": _l("管辖范围变更"),
    "division_created": _l("新建区划"),
    "grid_boundary_changed": _l("调整网格边界"),
    "grid_split": _l("拆分网格"),
    "grid_merged": _l("合并网格"),
    "grid_records_moved": _l("网格调整转入记录"),
    "handover": _l("网格交接"),
    "building_created": _l("新建楼栋"),
    "staff_created": _l("新增网格力量"),
    "staff_updated": _l("修改网格力量"),
    "staff_photo_changed": _l("更换照片"),
    "staff_photo_removed": _l("删除照片"),
    "staff_account_linked": _l("关联账号"),
    "staff_account_unlinked": _l("取消关联账号"),
    "assignment_added": _l("新增任职"),
    "assignment_ended": _l("结束任职"),
    "team_created": _l("新建服务团队"),
    "team_updated": _l("修改服务团队"),
    "team_member_added": _l("团队增加成员"),
    "team_member_removed": _l("团队移出成员"),
    "department_created": _l("新增职能部门"),
    "department_updated": _l("修改职能部门"),
    "department_deactivated": _l("停用职能部门"),
    "department_reactivated": _l("启用职能部门"),
    "personal_data_revealed": _l("查看完整证件号和电话"),
    "id_number_located": _l("获知证件号码登记地"),
    "register_exported": _l("导出台账"),
    "key_person_created": _l("列为重点人员"),
    "key_person_updated": _l("修改重点人员信息"),
    "key_person_closed": _l("解除列管"),
    "key_person_viewed": _l("查看重点人员"),
    "key_persons_exported": _l("导出重点人员"),
    "key_persons_listed": _l("查看重点人员名单"),
    "follow_up_added": _l("添加跟进记录"),
    "follow_up_updated": _l("修改跟进记录"),
    "house_created": _l("登记房屋"),
    "house_updated": _l("修改房屋"),
    "rental_created": _l("登记出租房屋"),
    "rental_updated": _l("修改出租房屋"),
    "tenant_added": _l("添加租户"),
    "tenant_removed": _l("移出租户"),
    "shop_created": _l("登记商铺"),
    "shop_updated": _l("修改商铺"),
    "organisation_created": _l("登记组织"),
    "organisation_updated": _l("修改组织"),
    "group_created": _l("新建联防组"),
    "group_updated": _l("修改联防组"),
    "group_member_added": _l("联防组加入住户"),
    "group_member_removed": _l("联防组移出住户"),
    "register_imported": _l("导入台账"),
    "care_tag_added": _l("新增关爱标签"),
    "care_tag_enabled": _l("启用关爱标签"),
    "care_tag_retired": _l("停用关爱标签"),
    "visit_class_updated": _l("修改走访分类"),
    "visit_recorded": _l("登记入户走访"),
    "visit_record_corrected": _l("按核实更正登记信息"),
    "visit_updated": _l("修改走访记录"),
    "visit_deleted": _l("删除走访记录"),
    "visit_matter_opened": _l("走访上报为事件"),
    "key_person_category_added": _l("新增重点人员类别"),
    "key_person_category_updated": _l("修改重点人员类别"),
    "key_person_category_enabled": _l("启用重点人员类别"),
    "key_person_category_disabled": _l("停用重点人员类别"),
    "shop_moved": _l("商铺搬迁"),
    "hotline_imported": _l("导入12345热线工单"),
    "hotline_receipts_exported": _l("导出12345热线回单"),
    "indicators_exported": _l("导出事件指标"),
    "api_key_created": _l("生成 Open311 接口密钥"),
    "api_key_disabled": _l("停用 Open311 接口密钥"),
    "meeting_recorded": _l("记录会议"),
    "training_recorded": _l("记录培训"),
    "meeting_updated": _l("修改会议记录"),
    "training_updated": _l("修改培训记录"),
    "admitted_item_created": _l("新增准入事项"),
    "admitted_item_updated": _l("修改准入事项"),
    "task_assigned": _l("下达交办任务"),
    "task_target_reported": _l("报告任务完成"),
    "inspection_recorded": _l("记录督查"),
    "recheck_recorded": _l("记录回头看"),
    "task_updated": _l("修改交办任务"),
    "task_withdrawn": _l("撤回交办任务"),
    "task_target_report_corrected": _l("更正任务完成情况"),
    "inspection_updated": _l("修改督查记录"),
    "rectifications_added": _l("补充督查发现的问题"),
    "rectification_updated": _l("更正整改问题"),
    "recheck_updated": _l("更正回头看"),
    "recheck_deleted": _l("删除回头看"),
    "patrol_recorded": _l("登记巡查"),
    "patrol_finding_added": _l("登记巡查发现"),
    "patrol_finding_reported": _l("巡查发现上报为事件"),
    "opinion_entry_added": _l("记录民情日志"),
    "chief_report_made": _l("记录向网格长报告"),
    "patrol_updated": _l("修改巡查"),
    "patrol_deleted": _l("删除巡查"),
    "patrol_finding_updated": _l("修改巡查发现"),
    "patrol_finding_deleted": _l("删除巡查发现"),
    "opinion_entry_updated": _l("修改民情日志"),
    "opinion_entry_deleted": _l("删除民情日志"),
    "scoring_rule_updated": _l("修改评分规则"),
    "warning_card_issued": _l("发出黄牌/红牌"),
    "first_contact_complaint_recorded": _l("登记首问问题反映"),
    "opinion_log_checked": _l("检查民情日志"),
    "joint_defence_activity_recorded": _l("记录联防活动"),
    "organisation_visited": _l("走访组织"),
    "point_created": _l("登记点位"),
    "point_updated": _l("修改点位"),
    "partner_created": _l("登记共建单位"),
    "partner_updated": _l("修改共建单位"),
    "partner_activity_recorded": _l("记录共建活动"),
    "score_adjusted": _l("人工加减分"),
    "post_handed_over": _l("岗位交接（接任）"),
    "grid_area_created": _l("添加片区"),
    "grid_area_updated": _l("修改片区"),
    "score_adjustment_withdrawn": _l("撤销人工加减分"),
    "point_supervised": _l("记录点位督导"),
    "chief_report_acknowledged": _l("网格长已阅报告"),
    "first_contact_complaint_updated": _l("修改首问问题反映"),
    "warning_card_withdrawn": _l("撤销黄牌/红牌"),
    "survey_recorded": _l("登记满意度调查"),
    "survey_updated": _l("更正满意度调查"),
    "assessment_exported": _l("导出考核得分"),
    "account_updated": _l("修改账号信息"),
    "account_unlocked": _l("解除账号锁定"),
    "address_unlocked": _l("解除网络地址暂停登录"),
    "login_refused_awaiting_role": _l("未授权账号尝试登录"),
    "setting_changed": _l("修改系统设置"),
    duties.REFUSED: _l("越权访问被拒绝"),
    duties.BURST: _l("越权访问告警"),
    duties.ACKNOWLEDGED: _l("告警已阅"),
}


def _parse_day(text: str | None):
    if not text:
        return None
    try:
        return datetime.strptime(text.strip(), "%Y-%m-%d").date()
    except ValueError:
        return False


@admin_bp.route("/audit")
@duty_required(Permission.VIEW_AUDIT)
def audit_log():
    """The audit log, filtered by who, what and when; open alerts first."""
    form = AuditFilterForm(request.args)
    form.action.choices = [("", _("全部"))] + [(k, str(v)) for k, v in AUDIT_ACTIONS.items()]
    statement = scoped_select(AuditEvent).order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
    if form.actor.data:
        statement = statement.where(AuditEvent.actor_name.ilike(f"%{form.actor.data.strip()}%"))
    if form.action.data:
        statement = statement.where(AuditEvent.action == form.action.data)
    for field, bound in ((form.date_from, "from"), (form.date_to, "to")):
        day = _parse_day(field.data)
        if day is False:
            field.errors = [_("日期格式应为 YYYY-MM-DD。")]
        elif day is not None:
            if bound == "from":
                statement = statement.where(AuditEvent.occurred_at >= local_day_start_utc(day))
            else:
                statement = statement.where(AuditEvent.occurred_at < local_day_start_utc(day + timedelta(days=1)))
    page = db.paginate(statement, per_page=50)
    return render_template("admin/audit.html", form=form, page=page, actions=AUDIT_ACTIONS, alerts=duties.open_alerts())


@admin_bp.route("/audit/alerts/<int:event_id>/read", methods=["POST"])
@duty_required(Permission.VIEW_AUDIT)
def acknowledge_alert(event_id: int):
    """Mark an alert as read: a new entry, since the log itself never changes."""
    alert = get_visible_or_404(AuditEvent, event_id)
    if alert.action != duties.BURST:
        abort(404)
    audit.record(duties.ACKNOWLEDGED, target=alert, summary=alert.summary)
    db.session.commit()
    flash(_("告警已标记为已阅。"), "success")
    return redirect(url_for("admin.audit_log"), code=303)
