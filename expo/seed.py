"""The demo expo: a dozen exhibitors from the expo's industries and one account per role,
then whatever each feature seeds. Only ever run against an empty database."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import select

from expo.features import Feature
from expo.models import Account, Exhibitor, Role
from expo.security import hash_password

DEMO_PASSWORD = "shubo-demo-2026"

EXHIBITORS: list[tuple[str, str, str, str, str]] = [
    (
        "黔算云",
        "Qiansuan Cloud",
        "computing-power",
        "东数西算贵州枢纽节点的算力调度平台。",
        "Compute scheduling for the Guizhou hub of East Data, West Computing.",
    ),
    (
        "贵安数据中心",
        "Gui'an Data Center",
        "data-centres",
        "绿色低碳的超大型数据中心集群。",
        "A green hyperscale data-centre cluster.",
    ),
    (
        "筑城液冷",
        "Zhucheng Liquid Cooling",
        "servers-cooling",
        "服务器液冷与高密度存储方案。",
        "Liquid cooling for servers and dense storage.",
    ),
    (
        "贵阳大数据交易所",
        "Guiyang Big Data Exchange",
        "data-trading",
        "数据要素登记、定价与交易服务。",
        "Registration, pricing and trading of data assets.",
    ),
    (
        "磐石安全",
        "Panshi Security",
        "data-security",
        "数据安全靶场与攻防演练平台。",
        "Data-security ranges and red-team exercises.",
    ),
    (
        "黔工互联",
        "Qiangong Industrial Internet",
        "industrial-internet",
        "工业互联网标识解析二级节点。",
        "A secondary node of industrial-internet identifier resolution.",
    ),
    (
        "云上影渲",
        "CloudFrame Rendering",
        "film-tv-rendering",
        "影视云渲染与数字制作。",
        "Cloud rendering and digital production for film and TV.",
    ),
    (
        "数智政务",
        "Smart Gov Data",
        "digital-government",
        "“一网统管”城市治理平台。",
        "One-network city governance.",
    ),
    (
        "黔医健康大数据",
        "Qianyi Health Data",
        "healthcare",
        "医疗健康数据互联互通。",
        "Connected healthcare data.",
    ),
    (
        "货运通",
        "FreightLink",
        "logistics",
        "公路货运撮合与运力调度。",
        "Road-freight matching and capacity scheduling.",
    ),
    (
        "元境科技",
        "Yuanjing Metaverse",
        "metaverse",
        "数字孪生与沉浸式发布场景。",
        "Digital twins and immersive launch scenes.",
    ),
    (
        "个人数据空间",
        "MyData Space",
        "personal-data-centres",
        "个人数据中心与授权使用。",
        "Personal data centres and consented use.",
    ),
]

# email, role, display name, organisation, title
ACCOUNTS: list[tuple[str, Role, str, str, str]] = [
    ("attendee@demo.shubo.live", Role.ATTENDEE, "张伟 Zhang Wei", "贵州大学", "研究员"),
    ("exhibitor@demo.shubo.live", Role.EXHIBITOR, "刘洋 Liu Yang", "黔算云", "解决方案经理"),
    ("speaker@demo.shubo.live", Role.SPEAKER, "王晓 Wang Xiao", "中国信通院", "首席专家"),
    ("moderator@demo.shubo.live", Role.MODERATOR, "陈静 Chen Jing", "数博会组委会", "论坛主持"),
    ("organizer@demo.shubo.live", Role.ORGANIZER, "李明 Li Ming", "数博会组委会", "运营负责人"),
]


# The demo's own organiser: a database whose accounts do not include it was not seeded by
# `expo demo`, and `expo demo` must not serve it (and its README-known passwords) as a demo.
DEMO_MARKER = ACCOUNTS[-1][0]


async def is_demo_or_empty(db: AsyncSession) -> bool:
    """Whether `expo demo` may use this database: it has no accounts, or it has the demo's."""
    if (await db.execute(select(Account.id).limit(1))).first() is None:
        return True
    marker = await db.execute(select(Account.id).where(Account.email == DEMO_MARKER))
    return marker.first() is not None


async def seed_demo(db: AsyncSession, features: Sequence[Feature]) -> bool:
    """Seed an empty database; returns False (and changes nothing) when it holds accounts."""
    if (await db.execute(select(Account).limit(1))).first() is not None:
        return False
    exhibitors = [
        Exhibitor(name_zh=zh, name_en=en, industry=industry, summary_zh=szh, summary_en=sen)
        for zh, en, industry, szh, sen in EXHIBITORS
    ]
    db.add_all(exhibitors)
    await db.flush()
    password_hash = hash_password(DEMO_PASSWORD)
    for email, role, name, organisation, title in ACCOUNTS:
        db.add(
            Account(
                email=email,
                password_hash=password_hash,
                display_name=name,
                organisation=organisation,
                title=title,
                role=role,
                exhibitor_id=exhibitors[0].id if role is Role.EXHIBITOR else None,
            )
        )
    await db.commit()
    for feature in features:
        if feature.seed is not None:
            await feature.seed(db)
    return True
