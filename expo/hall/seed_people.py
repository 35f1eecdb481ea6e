"""The demo's exhibitor staff (two accounts per exhibitor) and its 数博发布 releases, written from
the expo's industries (/docs: expo-facts.md): five published, one waiting for approval, and
the hall requiring approval, so the console's queue has something in it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from expo.hall.models import Release, ReleaseKind, ReleaseState
from expo.hall.release_rules import REQUIRE_APPROVAL
from expo.hall.release_store import set_setting
from expo.models import Account, Exhibitor, Role, utcnow
from expo.security import hash_password
from expo.seed import DEMO_PASSWORD

STAFF_NAMES = [
    ("周杰", "售前顾问"),
    ("吴敏", "市场经理"),
    ("郑磊", "技术总监"),
    ("孙丽", "商务经理"),
    ("赵强", "解决方案架构师"),
    ("钱芳", "客户成功经理"),
    ("冯涛", "产品经理"),
    ("何静", "品牌经理"),
    ("罗斌", "渠道经理"),
    ("唐颖", "运营主管"),
    ("韩冰", "销售总监"),
    ("曹宇", "技术支持工程师"),
]


def staff_email(slot: int, number: int) -> str:
    """`staff1.3@demo.shubo.live`: the first staff member of the third demo exhibitor."""
    return f"staff{slot}.{number}@demo.shubo.live"


async def seed_staff(db: AsyncSession) -> None:
    """Two staff accounts for each demo exhibitor (numbered in the order of the exhibitors)."""
    if (await db.execute(select(Account.id).where(Account.email == staff_email(1, 1)))).first():
        return
    exhibitors = (await db.execute(select(Exhibitor).order_by(col(Exhibitor.id)))).scalars().all()
    password_hash = hash_password(DEMO_PASSWORD)
    for number, exhibitor in enumerate(exhibitors, start=1):
        for slot in (1, 2):
            name, title = STAFF_NAMES[(2 * number + slot) % len(STAFF_NAMES)]
            db.add(
                Account(
                    email=staff_email(slot, number),
                    password_hash=password_hash,
                    display_name=name,
                    organisation=exhibitor.name_zh,
                    title=title,
                    role=Role.EXHIBITOR,
                    exhibitor_id=exhibitor.id,
                )
            )
    await db.flush()


# exhibitor (by its Chinese name; None: the expo's own), kind, title zh/en, summary zh/en,
# body zh/en (paragraphs one per line), published (False: pending approval)
RELEASES: list[tuple[str | None, ReleaseKind, str, str, str, str, str, str, bool]] = [
    (
        "黔算云",
        ReleaseKind.PRODUCT,
        "东数西算算力调度平台 3.0 正式发布",
        "Compute Scheduling Platform 3.0 for East Data, West Computing",
        "跨枢纽统一调度通用算力与智能算力，任务分钟级迁移至西部节点。",
        "One scheduler for general and AI compute across hubs; jobs move west in minutes.",
        "平台 3.0 接入贵州、内蒙古、甘肃等枢纽节点的算力资源，统一纳管通用算力与智能算力。\n"
        "新版本按电价、时延与碳排放综合调度：对时延不敏感的离线分析与模型训练，"
        "可在分钟级迁移到西部节点运行。\n"
        "首批用户包括东部的互联网、金融与影视渲染企业。",
        "Release 3.0 joins the compute of the Guizhou, Inner Mongolia and Gansu hub nodes and "
        "manages general and AI compute as one pool.\n"
        "It schedules by power price, latency and carbon: offline analytics and model "
        "training that do not mind latency move to western nodes within minutes.\n"
        "The first users are internet, finance and film-rendering companies in the east.",
        True,
    ),
    (
        "贵阳大数据交易所",
        ReleaseKind.RESULT,
        "数据交易所年度成交额突破十亿元",
        "Data exchange passes one billion yuan in annual trades",
        "登记数据产品逾千个，交易主体覆盖全国二十余省份。",
        "Over a thousand data products registered, with traders from more than twenty provinces.",
        "本年度经交易所登记、定价并完成交易的数据产品超过一千个。\n"
        "交易主体覆盖全国二十余个省份，金融、交通与气象数据最为活跃。\n"
        "交易所同时发布数据资产登记与合规评估新规则，供市场主体参考。",
        "This year more than a thousand data products were registered, priced and traded.\n"
        "Traders come from more than twenty provinces; finance, transport and weather data "
        "are the most active.\n"
        "The exchange also publishes new rules for data-asset registration and compliance "
        "review.",
        True,
    ),
    (
        "磐石安全",
        ReleaseKind.REPORT,
        "2026 数据安全靶场攻防演练报告",
        "2026 Data-Security Range Exercise Report",
        "三百余支队伍参与演练，数据泄露类攻击路径占比最高。",
        "More than three hundred teams took part; data-exfiltration paths were the most common.",
        "今年的靶场演练共有三百余支攻防队伍参与，覆盖政务、金融、能源等行业的仿真环境。\n"
        "报告统计了攻击路径：数据泄露类路径占比最高，其次是弱口令与供应链组件漏洞。\n"
        "报告给出了数据分类分级、访问审计与应急响应三方面的改进建议。",
        "More than three hundred red and blue teams took part in this year's range, on "
        "simulated government, finance and energy systems.\n"
        "The report counts the attack paths: data exfiltration came first, then weak "
        "passwords and flaws in supply-chain components.\n"
        "It recommends improvements in data classification, access auditing and incident "
        "response.",
        True,
    ),
    (
        "筑城液冷",
        ReleaseKind.PRODUCT,
        "浸没式液冷整机柜，PUE 低至 1.1",
        "Immersion-cooled rack with a PUE as low as 1.1",
        "单柜功率密度提升至 100 千瓦，适配智算中心高密度部署。",
        "Up to 100 kW per rack, for dense AI computing centres.",
        "新一代浸没式液冷整机柜将单柜功率密度提升到 100 千瓦。\n"
        "在贵安的实测中，数据中心 PUE 低至 1.1，全年可节约大量制冷用电。\n"
        "整机柜支持国产服务器与存储设备，即装即用。",
        "The new immersion-cooled rack carries up to 100 kW.\n"
        "Measured in Gui'an, the data centre's PUE went as low as 1.1, saving much of a "
        "year's cooling power.\n"
        "The rack takes domestic servers and storage, ready to run on delivery.",
        True,
    ),
    (
        None,
        ReleaseKind.REPORT,
        "数博会发布《全国一体化算力网络发展指数》",
        "The Expo publishes the National Integrated Computing Network Index",
        "指数从算力规模、网络时延与绿色水平三个维度评估各枢纽节点。",
        "The index rates each hub by compute capacity, network latency and greenness.",
        "组委会联合研究机构发布《全国一体化算力网络发展指数》。\n"
        "指数从算力规模、网络时延与绿色低碳三个维度，对八大枢纽节点逐一评估。\n"
        "贵州枢纽在绿色低碳维度位居前列。",
        "The organisers and research partners publish the National Integrated Computing "
        "Network Index.\n"
        "It rates the eight hub nodes on compute capacity, network latency and low-carbon "
        "operation.\n"
        "The Guizhou hub ranks near the top for low-carbon operation.",
        True,
    ),
    (
        "黔工互联",
        ReleaseKind.RESULT,
        "工业互联网标识解析二级节点接入企业超五千家",
        "Over 5,000 companies join the industrial-internet identifier node",
        "标识注册量突破十亿，覆盖装备制造、化工与食品行业。",
        "A billion identifiers registered, across machinery, chemicals and food.",
        "二级节点上线以来，接入企业已超过五千家，标识注册量突破十亿。\n"
        "节点服务覆盖装备制造、化工、食品等行业，支撑产品追溯与供应链协同。",
        "Since the secondary node opened, more than 5,000 companies have joined and a "
        "billion identifiers have been registered.\n"
        "It serves machinery, chemicals and food, for product tracing and supply-chain work.",
        False,
    ),
]


async def seed_releases(db: AsyncSession) -> None:
    if (await db.execute(select(Release.id).limit(1))).first() is not None:
        return
    by_name = {
        e.name_zh: e for e in (await db.execute(select(Exhibitor))).scalars() if e.id is not None
    }
    organiser = (
        await db.execute(select(Account.id).where(Account.role == Role.ORGANIZER).limit(1))
    ).scalar()
    now = utcnow()
    count = len(RELEASES)
    for index, (name, kind, tzh, ten, szh, sen, bzh, ben, live) in enumerate(RELEASES):
        exhibitor = by_name.get(name) if name else None
        if name and exhibitor is None:
            continue  # a demo without that exhibitor
        at = now - timedelta(hours=3 * (count - index))
        db.add(
            Release(
                exhibitor_id=exhibitor.id if exhibitor else None,
                industry=exhibitor.industry if exhibitor else "computing-power",
                kind=kind,
                state=ReleaseState.PUBLISHED if live else ReleaseState.PENDING,
                title_zh=tzh,
                title_en=ten,
                summary_zh=szh,
                summary_en=sen,
                body_zh=bzh,
                body_en=ben,
                created_by=organiser if exhibitor is None else None,
                created_at=at - timedelta(hours=1),
                updated_at=at,
                published_at=at if live else None,
                version=2,
            )
        )
    await set_setting(db, REQUIRE_APPROVAL, True)
    await db.flush()


async def seed(db: AsyncSession) -> None:
    await seed_staff(db)
    await seed_releases(db)
    await db.commit()
