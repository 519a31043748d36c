"""work manual pages: manual_page (Markdown pages county administrators edit) and
manual_page_version (each replaced text: who saved it, when), seeded with the
duties of 网格长, 网格员, 楼栋长 and the working rules

The seeded text is data written for this product from the source documents
(docs/domain.md): patrols at least 3 times a week, ordinary information reported every
Monday and Thursday, 三类户 visited at least twice a quarter, the 1/3/5
working-day time limits of the matters loop (app/matters/reference.py), first-
contact responsibility. Administrators adapt it to their county.

Revision ID: 3777de3fd1f7
Revises: 03b48ddd19dc
Create Date: 2026-11-22 04:30:14.831561

"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3777de3fd1f7'
down_revision = '03b48ddd19dc'
branch_labels = None
depends_on = None


PAGES = [
    ("grid-chief-duties", "网格长工作职责", """\
网格长由村（社区）党组织书记或村（社区）“两委”成员担任，是网格服务管理的第一责任人，对本网格的基础信息、矛盾纠纷、安全隐患和服务群众工作负总责。

1. **组织队伍。** 按“1+1+1+X”配齐本网格力量（网格长、党组织负责人、专兼职网格员、若干志愿者和楼栋长），明确分工，人员变动时及时调整并重新上岗公示。
2. **掌握情况。** 熟悉网格内的人口、房屋、单位、组织和重点人员情况，每年组织对网格内住户信息核实一遍，督促网格员做到底数清、情况明。
3. **收集汇总信息。** 每周一、周四听取网格员报送的一般信息，汇总后报村（社区）工作站；特殊、紧急信息随时接报、随时上报，不迟报、不瞒报、不漏报。
4. **调处矛盾、排查隐患。** 组织网格力量排查矛盾纠纷和安全隐患，能在网格内解决的就地解决，做到“小事不出网格、大事不出社区、矛盾不上交”；解决不了的按程序上报，并跟踪到办结。
5. **督办事项。** 对上报和分派到本网格的事项逐件跟踪，按时限催办，每个环节向反映人告知进展。
6. **主持例会。** 每周至少召开一次网格例会，听取网格员汇报，安排下周工作。
7. **检查台帐。** 每月检查网格员的工作手册、民情日志和各类台帐，发现缺项、漏记的督促补齐。
8. **带头服务。** 带头走访困难群众、重点人员家庭，落实首问责任制和限时办结制度。
"""),
    ("grid-worker-duties", "网格员工作职责", """\
网格员在网格长领导下开展工作，承担信息采集、现场处置、发现上报、代办服务四项基本任务。

1. **信息采集。** 按“一次采集、多次使用”的要求，采集、核实网格内人、地、事、物、组织的基础信息，人口和房屋信息变动后及时更新。
2. **走访入户。** 坚持经常性走访与集中走访、普遍走访与重点走访相结合。一类、二类户按工作站安排走访；三类户（工薪户、个体经营户、流动人口户等）每季度至少走访两次；重点人群每季度每个网格至少入户走访三户。走访情况当场填入入户调查表。
3. **网格巡查。** 每周巡查网格不少于三次，记录巡查时间、地点、发现的问题和处理情况，做到“巡查有记录、处理有痕迹”。
4. **动态信息报送。** 婚丧嫁娶、怀孕生育、人员迁入迁出、住户或商铺搬迁、市容环境、安全隐患、矛盾纠纷等动态信息，一般信息每周一、周四报网格长；特殊信息立即上报。
5. **现场处置。** 能当场解决的问题当场解决；解决不了的，及时在系统中上报，并跟踪处理结果，向反映人反馈。
6. **代办服务。** 为行动不便、年老体弱等群众代办证照、救助、社保等事项，做到热情、及时、不推诿。
7. **记好民情日志。** 每天把群众反映的事项分为“当时结办”和“限期协办”两类记入民情日志。
8. **保守秘密。** 严格保守居民个人信息，不得泄露、转借、私自复制或用于工作以外的用途。
"""),
    ("building-chief-duties", "楼栋长工作职责", """\
楼栋长由热心公益、在本楼栋居住、群众威信较高的居民担任，是网格员联系住户的帮手。

1. **熟悉住户。** 了解本楼栋各户的基本情况，对新搬入、搬出的住户和出租房屋，及时告知网格员。
2. **反映情况。** 发现楼道堆物、消防通道堵塞、设施损坏、噪声扰民、邻里纠纷等问题，及时劝导，并向网格员报告。
3. **协助服务。** 协助网格员入户走访、发放通知、开展政策宣传，关心楼栋内的独居老人、残疾人和困难家庭。
4. **调解小事。** 对邻里之间的小矛盾先行劝解，劝解不了的报网格员，不激化、不扩大。
5. **带头守约。** 带头遵守文明卫生公约，组织本楼栋居民搞好公共卫生，维护楼道整洁。
6. **注意保密。** 对了解到的住户个人情况不外传。
"""),
    ("patrol-rules", "巡查制度", """\
1. 网格员每周巡查本网格不少于三次，巡查要覆盖网格内的主要街巷、小区、楼栋、商铺、市场和“门前三包”责任点。
2. 巡查重点：安全隐患（消防、燃气、用电、危房）、市容环境（乱堆乱放、违章搭建、绿化损坏、井盖缺失）、治安情况、矛盾纠纷苗头，以及流动人口和出租房屋变化。
3. 每次巡查如实记录时间、地点、发现的问题和处理情况。巡查记录是考核的依据，不得补记、代记。
4. 发现的问题能当场处置的当场处置；不能处置的，当天在系统中上报，并拍照留存。
5. 遇到火灾、群体性事件、重大安全隐患等紧急情况，立即报告网格长和村（社区）工作站，并在保证自身安全的前提下采取必要措施。
6. 网格长每月抽查网格员巡查记录，督查组对每个网格每月督查一至二次，并记入督导台帐。
"""),
    ("meeting-rules", "例会制度", """\
1. **网格例会。** 每周召开一次，由网格长主持，网格员、楼栋长和志愿者参加。网格员汇报一周的走访、巡查和事项处理情况，网格长安排下周工作。
2. **工作站例会。** 村（社区）工作站每月召开一次网格工作例会，各网格长汇报本网格情况，分析研判矛盾纠纷和安全隐患，协调需要多个网格或部门配合的事项。
3. **调度会。** 遇重大事项、紧急任务或上级集中部署时，随时召开调度会。
4. 例会要有记录，写明时间、地点、参加人员、议定事项和责任人。议定事项在下次例会上逐项通报落实情况。
5. 无故缺席例会的，按考核办法扣分。
"""),
    ("ledger-rules", "台帐管理制度", """\
1. 每个网格建立一本《网格管理服务工作手册》，包括十四种台帐和网格化管理工作记录，由网格员负责填写，网格长负责审核。
2. 台帐要做到“整洁、详实、及时、完整”：每件事项写明背景、原因、建议、处理经过和最终结果。
3. 信息在系统中录入一次，台帐从系统中打印，避免重复填写；需要手写的，使用系统打印的空白表。
4. 人口、房屋、重点人员等信息变动后，及时在系统中更新，台帐随之更新。
5. 台帐涉及居民个人信息，属内部资料，妥善保管，不得外借、复印或带离工作站；打印和导出由系统记录在案。
6. 台帐每月由网格长检查一次，工作站每季度检查一次，检查结果计入考核。
7. 年度终了，台帐整理归档，保存期限按有关规定执行。
"""),
    ("assessment-rules", "考核办法", """\
1. 对网格员实行百分制年度考核，日常考核与年终考核相结合，考核结果作为评先评优和干部年度考核的依据。
2. **考核内容：** 信息采集和更新（准确率、及时性）、走访和巡查（次数、记录）、事项上报和处置（是否迟报、瞒报、漏报，是否按时办结）、台帐和民情日志（是否齐全、规范）、群众满意度。
3. **扣分情形（示例）：** 每少报一次定期信息扣减相应分值；巡查每周少于三次的扣分；发现重大隐患未上报或未处置的加重扣分；因迟报、瞒报、漏报造成不良后果的，追究责任。
4. **群众满意度：** 每半年开展一次群众满意度测评，满意率低于80%的予以通报批评。
5. **结果运用：** 年度考核低于70分的，进行再培训；低于60分的，予以解聘。
6. 考核过程和结果公开，接受网格员和群众监督。
"""),
    ("civility-hygiene-pact", "文明卫生公约", """\
为建设整洁、文明、和谐的家园，全体居民共同遵守以下公约：

1. 爱护公共环境，垃圾分类投放、定点投放，不乱扔乱倒。
2. 楼道、消防通道保持畅通，不堆放杂物，不私拉电线，电动车不进楼入户充电。
3. 做好“门前三包”：包卫生、包秩序、包绿化。
4. 爱护绿地和公共设施，不毁绿种菜，不损坏路灯、井盖、健身器材。
5. 文明养犬，外出牵绳，及时清理犬只粪便。
6. 不在居住区内违章搭建，不占道经营。
7. 邻里之间互谅互让，有矛盾找楼栋长、网格员调解，不吵闹、不打架。
8. 移风易俗，婚事新办、丧事简办，不燃放违规烟花爆竹。
9. 积极参加卫生评比和志愿服务活动。
"""),
    ("first-contact-responsibility", "首问责任制", """\
1. 群众来访、来电或在网格中当面反映问题时，第一位接待的工作人员为首问责任人。
2. 首问责任人要热情接待，问清情况，如实登记反映人、联系方式和反映事项。
3. 属于自己职责范围的，按规定时限办理；不属于自己职责范围的，负责引导或转交到承办人，并告知反映人承办人和联系方式，不得推诿、敷衍。
4. 转交的事项，首问责任人要跟踪办理进度，直至办结，并把结果告知反映人。
5. 不能办理的事项，要向反映人说明理由和依据。
6. 对推诿扯皮、拖延不办、态度生硬造成不良影响的，按考核办法追究首问责任人的责任。
"""),
    ("time-limits", "限时办结制度", """\
群众反映的事项和发现上报的问题，实行限时办结，时限按工作日计算：

1. **受理核实：** 事项上报后1个工作日内核实、受理。
2. **网格处置：** 网格内能解决的事项，1个工作日内办结。
3. **村（社区）处置：** 村（社区）工作站办理的事项，3个工作日内办结。
4. **镇（街道）及职能部门处置：** 需要镇（街道）或职能部门办理的事项，5个工作日内办结。
5. **超出镇（街道）权限的事项：** 2个工作日内转送县级有关部门，并跟踪反馈办理进度。
6. 因特殊情况不能按时办结的，写明原因，经批准可以延期，并告知反映人。
7. 网格长负责催办，每个环节办理后告知反映人；办理结果向群众公开，接受监督。
"""),
]


def upgrade():
    manual_page = op.create_table('manual_page',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=64), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id'], name=op.f('fk_manual_page_updated_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_manual_page')),
    sa.UniqueConstraint('slug', name=op.f('uq_manual_page_slug'))
    )
    op.create_table('manual_page_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('page_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('saved_at', sa.DateTime(), nullable=False),
    sa.Column('saved_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['page_id'], ['manual_page.id'], name=op.f('fk_manual_page_version_page_id_manual_page'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['saved_by_id'], ['user_account.id'], name=op.f('fk_manual_page_version_saved_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_manual_page_version')),
    sa.UniqueConstraint('page_id', 'number', name=op.f('uq_manual_page_version_page_id'))
    )
    with op.batch_alter_table('manual_page_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_manual_page_version_page_id'), ['page_id'], unique=False)

    now = datetime.now(timezone.utc).replace(tzinfo=None)
    op.bulk_insert(manual_page, [
        {"slug": slug, "title": title, "sort_order": (index + 1) * 10, "body": body, "updated_at": now,
         "updated_by_id": None}
        for index, (slug, title, body) in enumerate(PAGES)])


def downgrade():
    with op.batch_alter_table('manual_page_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_manual_page_version_page_id'))

    op.drop_table('manual_page_version')
    op.drop_table('manual_page')
