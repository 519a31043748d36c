"""assessment: scoring rules, warning cards, satisfaction surveys

Seeds the scoring rules (002 篇二、五、七、八、九; 004). Points, caps and on/off are
data an administrator edits; the code names the computation in app/assessment.

Revision ID: e4fbe9aba14f
Revises: 3fc299d8ec6d
Create Date: 2026-11-22 06:10:19.399578

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e4fbe9aba14f'
down_revision = '3fc299d8ec6d'
branch_labels = None
depends_on = None


def upgrade():
    rules = op.create_table('scoring_rule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('basis', sa.String(length=200), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('cap_month', sa.Integer(), nullable=True),
    sa.Column('cap_year', sa.Integer(), nullable=True),
    sa.Column('applies_to_grid', sa.Boolean(), nullable=False),
    sa.Column('applies_to_worker', sa.Boolean(), nullable=False),
    sa.Column('is_enabled', sa.Boolean(), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scoring_rule')),
    sa.UniqueConstraint('code', name=op.f('uq_scoring_rule_code'))
    )
    op.create_table('survey_response',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('grid_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('half', sa.Integer(), nullable=False),
    sa.Column('answer', sa.String(length=16), nullable=False),
    sa.Column('submitter_fingerprint', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['grid_id'], ['division.id'], name=op.f('fk_survey_response_grid_id_division')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_response'))
    )
    with op.batch_alter_table('survey_response', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_response_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_response_grid_id'), ['grid_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_response_submitter_fingerprint'), ['submitter_fingerprint'], unique=False)

    op.create_table('satisfaction_survey',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('grid_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('half', sa.Integer(), nullable=False),
    sa.Column('respondents', sa.Integer(), nullable=False),
    sa.Column('satisfied', sa.Integer(), nullable=False),
    sa.Column('basically', sa.Integer(), nullable=False),
    sa.Column('dissatisfied', sa.Integer(), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['grid_id'], ['division.id'], name=op.f('fk_satisfaction_survey_grid_id_division')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_satisfaction_survey_recorded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_satisfaction_survey')),
    sa.UniqueConstraint('grid_id', 'year', 'half', name=op.f('uq_satisfaction_survey_grid_id'))
    )
    with op.batch_alter_table('satisfaction_survey', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_satisfaction_survey_grid_id'), ['grid_id'], unique=False)

    op.create_table('warning_card',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('grid_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('colour', sa.String(length=8), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('issuer_id', sa.Integer(), nullable=True),
    sa.Column('issuer_name', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['grid_id'], ['division.id'], name=op.f('fk_warning_card_grid_id_division')),
    sa.ForeignKeyConstraint(['issuer_id'], ['user_account.id'], name=op.f('fk_warning_card_issuer_id_user_account')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_member.id'], name=op.f('fk_warning_card_staff_id_staff_member')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_warning_card'))
    )
    with op.batch_alter_table('warning_card', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_warning_card_grid_id'), ['grid_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_warning_card_issued_on'), ['issued_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_warning_card_staff_id'), ['staff_id'], unique=False)

    op.bulk_insert(rules, [
        dict(code=code, name=name, basis=basis, points=points, cap_month=cap_month, cap_year=cap_year,
             applies_to_grid=True, applies_to_worker=True, is_enabled=True, sort_order=position)
        for position, (code, name, basis, points, cap_month, cap_year) in enumerate(SEED_RULES, 1)])


SEED_RULES = [
    ("report_missing", "周一、周四未向网格长报告", "002 篇二、篇五：定期上报，每缺1次扣分", -2, 10, 40),
    ("report_late", "向网格长报告逾期", "002 篇二：一般信息每周一、四报网格长", -1, 5, 20),
    ("matter_overdue", "事件超期", "002 篇七、篇八：限期办结", -2, 10, 40),
    ("matter_urged", "事件被督办", "002 篇八：网格长催促督办", -1, 5, 20),
    ("patrol_week_short", "巡查未达每周次数", "002 篇九：每周巡查不少于3次", -2, 8, 40),
    ("task_target_late", "上级交办任务逾期", "004：准入事项按期完成", -3, 9, 30),
    ("rectification_late", "督查整改逾期", "002 篇九：督导台帐，限期整改", -3, 9, 30),
    ("card_yellow", "黄牌警告", "督查考核：黄牌", -5, None, None),
    ("card_red", "红牌警告", "督查考核：红牌", -10, None, None),
    ("satisfaction_bonus", "群众满意度达到加分线", "002 篇八：每半年满意度调查", 3, None, None),
]


def downgrade():
    with op.batch_alter_table('warning_card', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_warning_card_staff_id'))
        batch_op.drop_index(batch_op.f('ix_warning_card_issued_on'))
        batch_op.drop_index(batch_op.f('ix_warning_card_grid_id'))

    op.drop_table('warning_card')
    with op.batch_alter_table('satisfaction_survey', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_satisfaction_survey_grid_id'))

    op.drop_table('satisfaction_survey')
    with op.batch_alter_table('survey_response', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_response_submitter_fingerprint'))
        batch_op.drop_index(batch_op.f('ix_survey_response_grid_id'))
        batch_op.drop_index(batch_op.f('ix_survey_response_created_at'))

    op.drop_table('survey_response')
    op.drop_table('scoring_rule')
