"""The demo's matchmaking people: meeting slots for two days of the expo, the settings, profiles
for the demo accounts (each exhibitor's staff speak for their booth's industry) and
SYNTHETIC synthetic participants with offers and needs drawn from the expo's industries.

Deterministic (one seeded random generator), idempotent (nothing is done when slots exist:
the demo seeds at every start) and fast: a few bulk inserts, one password hash for everyone
(the synthetic accounts sign in with the demo's password, like the staff).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from expo.industries import INDUSTRIES
from expo.models import Account, Exhibitor, Role
from expo.security import hash_password
from expo.seed import DEMO_PASSWORD
from matchmaking.models import (
    Intent,
    MatchAvailability,
    MatchProfile,
    MatchSettings,
    MatchSlot,
)
from matchmaking.profile_rules import SlotSpan, day_of_slots

SYNTHETIC = 200
SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY_COUNT = 2
SESSIONS = [(time(9, 30), time(12, 0)), (time(14, 0), time(17, 30))]
SLOT_MINUTES = 30
EMAIL_DOMAIN = "participants.demo.shubo.live"


def participant_email(number: int) -> str:
    return f"match{number:03d}@{EMAIL_DOMAIN}"


def demo_days(today: date | None = None) -> list[date]:
    """The demo's matchmaking days: from tomorrow in Guiyang (like the demo forums' day, which
    opens when the demo is seeded), so every slot is still ahead and accepted requests can be
    placed; fixed dates would fall in the past and no meeting could ever be placed."""
    first = (today or datetime.now(SHANGHAI).date()) + timedelta(days=1)
    return [first + timedelta(days=n) for n in range(DAY_COUNT)]


def demo_slots(today: date | None = None) -> list[SlotSpan]:
    spans: list[SlotSpan] = []
    for day in demo_days(today):
        for start, end in SESSIONS:
            spans += day_of_slots(
                datetime.combine(day, start, SHANGHAI),
                datetime.combine(day, end, SHANGHAI),
                SLOT_MINUTES,
            )
    return spans


# What people in each industry offer and look for: (zh, en) pairs.
OFFERS: dict[str, list[tuple[str, str]]] = {
    "computing-power": [
        ("东数西算贵州枢纽的弹性算力，按需调度GPU集群", "Elastic GPU capacity at the Guizhou hub"),
        ("跨区域算力调度平台与算力交易撮合", "Cross-region compute scheduling and brokerage"),
    ],
    "data-centres": [
        ("贵安新区绿色数据中心机柜，PUE 1.2 以下", "Green racks in Gui'an, PUE under 1.2"),
        ("灾备机房与托管服务", "Disaster-recovery sites and colocation"),
    ],
    "servers-cooling": [
        ("液冷服务器整机与机房改造方案", "Liquid-cooled servers and retrofit"),
        ("国产化存储阵列", "Domestic storage arrays"),
    ],
    "cloud": [
        ("政务云与行业云迁移服务", "Government and industry cloud migration"),
        ("混合云管理平台", "Hybrid cloud management"),
    ],
    "data-trading": [
        ("数据交易所挂牌与数据产品合规评估", "Data exchange listings and compliance review"),
        ("数据资产入表咨询", "Data assets on the balance sheet: advisory"),
    ],
    "data-security": [
        ("数据分类分级与脱敏平台", "Data classification and masking platform"),
        ("隐私计算联合建模", "Privacy-preserving joint modelling"),
    ],
    "industrial-internet": [
        ("工业互联网标识解析二级节点", "Industrial internet identifier resolution"),
        ("设备上云与预测性维护", "Machines to the cloud, predictive maintenance"),
    ],
    "film-tv-rendering": [
        ("影视云渲染农场，夜间低价算力", "Cloud render farm with off-peak pricing"),
        ("动画与特效渲染外包", "Animation and VFX rendering"),
    ],
    "metaverse": [
        ("数字孪生园区与三维可视化", "Digital-twin campuses and 3D visualisation"),
        ("虚拟展厅搭建", "Virtual showrooms"),
    ],
    "ai": [
        ("行业大模型微调与私有化部署", "Fine-tuned industry LLMs, on premises"),
        ("智能客服与知识库", "AI customer service and knowledge bases"),
    ],
    "healthcare": [
        ("医疗影像数据标注", "Medical image annotation"),
        ("区域健康大数据平台", "Regional health data platform"),
    ],
    "logistics": [
        ("货运撮合平台与运力数据", "Freight matching and capacity data"),
        ("冷链物流追踪", "Cold-chain tracking"),
    ],
    "digital-government": [
        ("一网通办与城市大脑建设", "One-stop government services, city brain"),
    ],
    "agriculture": [
        ("茶园与山地农业物联网监测", "IoT monitoring for tea gardens and hill farms"),
    ],
    "personal-data-centres": [
        ("个人数据授权与使用平台", "Personal data consent and use platform"),
    ],
}
NEEDS: dict[str, list[tuple[str, str]]] = {
    "computing-power": [("寻找长期算力采购方", "Long-term compute buyers")],
    "data-centres": [("寻找机柜租用客户与运营合作伙伴", "Rack tenants and operating partners")],
    "servers-cooling": [("寻找数据中心集成商", "Data-centre integrators")],
    "cloud": [("寻找行业 ISV 合作", "Industry ISVs to partner with")],
    "data-trading": [("寻找高质量数据源与数据商", "Quality data sources and data merchants")],
    "data-security": [("寻找金融、政务客户", "Finance and government customers")],
    "industrial-internet": [("寻找制造企业试点", "Manufacturers for pilots")],
    "film-tv-rendering": [("寻找影视制作公司", "Film and animation studios")],
    "metaverse": [("寻找文旅与园区项目", "Tourism and campus projects")],
    "ai": [("寻找行业数据与落地场景", "Industry data and real use cases")],
    "healthcare": [("寻找医院合作与合规数据", "Hospital partners and compliant data")],
    "logistics": [("寻找货主与车队", "Shippers and fleets")],
    "digital-government": [("寻找地市合作伙伴", "City partners")],
    "agriculture": [("寻找农产品电商渠道", "Agri e-commerce channels")],
    "personal-data-centres": [("寻找数据使用方", "Data users")],
}
INVESTOR_NEED = ("寻找早期项目，关注数据要素赛道", "Early-stage deals in the data economy")
INVESTOR_OFFER = ("天使轮至A轮投资，单笔500万–3000万元", "Seed to Series A, RMB 5–30 m per deal")
HIRE_NEED = ("招聘数据工程师与算法工程师", "Hiring data and ML engineers")

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾"
GIVEN = ["伟", "芳", "娜", "敏", "静", "磊", "洋", "勇", "艳", "杰", "涛", "明", "超", "霞", "平"]
GIVEN += ["刚", "桂英", "建华", "晓东", "海燕", "志强", "雪", "婷", "宇航", "思远", "欣怡"]
ENGLISH = ["Anna", "Ben", "Chloe", "David", "Emma", "Felix", "Grace", "Henry", "Iris", "Jack"]
ENGLISH += ["Laura", "Marco", "Nina", "Oliver", "Priya", "Sven", "Tom", "Yuki", "Zoe", "Omar"]
FAMILY = ["Müller", "Smith", "Tanaka", "Kim", "Rossi", "Dubois", "Novak", "Singh", "Lee"]
PLACES = ["黔", "筑", "贵", "遵义", "安顺", "毕节", "渝", "蓉", "深", "杭", "京", "沪"]
CORES = ["数", "云", "智", "算", "链", "信", "联", "图", "擎", "汇", "睿", "芯", "桥", "川"]
SUFFIXES = ["科技", "数据", "信息技术", "智能", "网络", "数字科技", "云计算"]
FORMS = ["有限公司", "股份有限公司", "集团", "研究院"]
EN_FORMS = ["Tech", "Data", "Labs", "Digital", "Systems", "Analytics"]
TITLES = ["总经理", "CTO", "采购经理", "投资总监", "产品经理", "商务总监", "解决方案架构师"]
TITLES += ["Head of Partnerships", "Data Scientist", "Business Development", "创始人"]
INDUSTRY_KEYS = list(INDUSTRIES)
WITH_TEXTS = sorted(set(OFFERS) & set(NEEDS))


def _company(rng: random.Random, foreign: bool) -> str:
    if foreign:
        return f"{rng.choice(FAMILY)} {rng.choice(EN_FORMS)} GmbH"
    core = rng.choice(CORES) + rng.choice(CORES)
    return rng.choice(PLACES) + core + rng.choice(SUFFIXES) + rng.choice(FORMS)


def _text(pair: tuple[str, str], style: str) -> str:
    zh, en = pair
    return {"zh": zh, "en": en, "mixed": f"{zh} / {en}"}[style]


@dataclass(frozen=True, slots=True)
class Person:
    email: str
    display_name: str
    organisation: str
    title: str
    language: str
    intents: list[str]
    industries: list[str]
    offer: str
    need: str
    languages: list[str]


def _person(rng: random.Random, number: int) -> Person:
    """One synthetic participant: an account's fields and a profile's."""
    style = rng.choices(["zh", "en", "mixed"], weights=[6, 2, 2])[0]
    foreign = style == "en" and rng.random() < 0.6
    if foreign:
        name = f"{rng.choice(ENGLISH)} {rng.choice(FAMILY)}"
    else:
        name = rng.choice(SURNAMES) + rng.choice(GIVEN)
        if style == "mixed":
            name += f" {rng.choice(ENGLISH)}"
    main = rng.choice(WITH_TEXTS)
    industries = {main}
    if rng.random() < 0.5:
        industries.add(rng.choice(INDUSTRY_KEYS))
    intents = set(rng.sample(["buy", "sell", "partner"], k=rng.choice([1, 1, 2])))
    offer, need = rng.choice(OFFERS[main]), rng.choice(NEEDS[rng.choice(WITH_TEXTS)])
    if rng.random() < 0.08:
        intents, offer, need = {Intent.INVEST.value, "partner"}, INVESTOR_OFFER, INVESTOR_NEED
    elif rng.random() < 0.06:
        intents.add(Intent.HIRE.value)
        need = HIRE_NEED
    languages = {"zh": ["zh"], "en": ["en"], "mixed": ["zh", "en"]}[style]
    if foreign and rng.random() < 0.3:
        languages = ["en", "de"]
    return Person(
        email=participant_email(number),
        display_name=name[:80],
        organisation=_company(rng, foreign)[:120],
        title=rng.choice(TITLES),
        language="en" if style == "en" else "zh-CN",
        intents=[i.value for i in Intent if i.value in intents],
        industries=[k for k in INDUSTRY_KEYS if k in industries],
        offer=_text(offer, style),
        need=_text(need, style),
        languages=languages,
    )


def _availability(rng: random.Random, slot_ids: list[int]) -> list[int]:
    """Some people come one day, some both; each is free in a few runs of slots."""
    per_day = len(slot_ids) // DAY_COUNT
    days = rng.choice([[0], [1], [0, 1], [0, 1]])
    chosen: set[int] = set()
    for day in days:
        day_slots = slot_ids[day * per_day : (day + 1) * per_day]
        start = rng.randrange(len(day_slots))
        chosen.update(day_slots[start : start + rng.randint(2, 6)])
    return sorted(chosen)


async def seed_matchmaking_people(db: AsyncSession) -> None:
    if (await db.execute(select(MatchSlot.id).limit(1))).first() is not None:
        return  # seeded before
    if await db.get(MatchSettings, 1) is None:
        db.add(MatchSettings(id=1, open_request_cap=10, default_seats=2))
    db.add_all(MatchSlot(starts_at=s.starts_at, ends_at=s.ends_at) for s in demo_slots())
    await db.flush()
    slot_ids = list(
        (await db.execute(select(MatchSlot.id).order_by(col(MatchSlot.starts_at)))).scalars()
    )
    rng = random.Random(2026_05_26)
    profiles: list[MatchProfile] = []
    available: list[dict[str, int]] = []

    # The demo's own accounts: the signed-in demo has someone to be matched with.
    accounts = (await db.execute(select(Account).order_by(col(Account.id)))).scalars().all()
    exhibitors = {
        e.id: e for e in (await db.execute(select(Exhibitor))).scalars().all() if e.id is not None
    }
    for account in accounts:
        if account.id is None or account.role == Role.ORGANIZER or account.service:
            continue
        exhibitor = exhibitors.get(account.exhibitor_id or 0)
        if account.role == Role.EXHIBITOR and exhibitor is not None:
            key = exhibitor.industry if exhibitor.industry in INDUSTRIES else "software"
            offer = rng.choice(OFFERS.get(key, [(exhibitor.summary_zh, exhibitor.summary_en)]))
            need = rng.choice(NEEDS.get(key, [("寻找合作伙伴", "Partners")]))
            intents, industries = ["sell", "partner"], [key]
        else:
            intents, industries, offer = {
                Role.ATTENDEE: (["buy", "partner"], ["ai", "data-trading"], OFFERS["ai"][1]),
                Role.SPEAKER: (["invest", "partner"], ["data-security"], INVESTOR_OFFER),
            }.get(Role(account.role), (["partner"], ["software"], ("行业交流", "Networking")))
            need = NEEDS["data-trading"][0]
        profiles.append(
            MatchProfile(
                account_id=account.id,
                exhibitor_id=exhibitor.id if account.role == Role.EXHIBITOR and exhibitor else None,
                intents=intents,
                industries=industries,
                offer=f"{offer[0]} / {offer[1]}",
                need=f"{need[0]} / {need[1]}",
                languages=["zh", "en"],
            )
        )
        available += [{"account_id": account.id, "slot_id": s} for s in slot_ids[::2]]

    # Synthetic participants: one hash for all (hashing is slow on purpose).
    password_hash = hash_password(DEMO_PASSWORD)
    people = [_person(rng, n) for n in range(1, SYNTHETIC + 1)]
    taken = set(
        (
            await db.execute(
                select(Account.email).where(col(Account.email).like(f"%@{EMAIL_DOMAIN}"))
            )
        ).scalars()
    )
    fresh = [p for p in people if p.email not in taken]
    if fresh:
        await db.execute(
            insert(Account),
            [
                {
                    "email": p.email,
                    "password_hash": password_hash,
                    "display_name": p.display_name,
                    "organisation": p.organisation,
                    "title": p.title,
                    "language": p.language,
                    "role": Role.ATTENDEE.value,
                }
                for p in fresh
            ],
        )
    ids: dict[str, int] = dict(
        (
            await db.execute(
                select(Account.email, Account.id).where(
                    col(Account.email).like(f"%@{EMAIL_DOMAIN}")
                )
            )
        ).all()
    )
    for person in people:
        account_id = ids[person.email]
        profiles.append(
            MatchProfile(
                account_id=account_id,
                intents=person.intents,
                industries=person.industries,
                offer=person.offer,
                need=person.need,
                languages=person.languages,
                visible=rng.random() > 0.03,
            )
        )
        available += [
            {"account_id": account_id, "slot_id": s} for s in _availability(rng, slot_ids)
        ]
    db.add_all(profiles)
    await db.flush()
    await db.execute(insert(MatchAvailability), available)
    await db.commit()
