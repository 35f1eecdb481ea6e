"""The demo expo's rooms: the opening-ceremony main stage, the eight 数谷论坛 forums and a day of
sessions. The day is laid out from the hour the demo is seeded (Guiyang time, UTC+8), so
"now" and "next" show something whenever someone tries the demo."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone
from itertools import islice

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import select

from expo.db import stored_id
from expo.models import Account
from forums.models import Forum, ForumSession, PersonRole, RoomKind, SessionPerson

GUIYANG = timezone(timedelta(hours=8))
# Every demo room plays the same short local HLS test clip (frontend/demo/stream/, served by the
# app's static files), so the player works with no internet.
DEMO_STREAM = "/demo/stream/index.m3u8"

ROOMS: list[tuple[str, str, str, str]] = [
    ("main-stage", RoomKind.STAGE, "开幕式 · 主会场", "Opening Ceremony · Main Stage"),
    (
        "east-data-west-computing",
        RoomKind.FORUM,
        "“东数西算：构建国家算力网络体系”论坛",
        "East Data, West Computing: Building the National Computing Power Network",
    ),
    (
        "data-circulation",
        RoomKind.FORUM,
        "“数据流通交易与市场培育”论坛",
        "Data Circulation, Trading and Market Cultivation",
    ),
    ("data-security", RoomKind.FORUM, "“数据安全”论坛", "Data Security"),
    (
        "industrial-internet",
        RoomKind.FORUM,
        "“工业互联网赋能数字化转型”论坛",
        "Industrial Internet Empowering Digital Transformation",
    ),
    (
        "film-tv-cloud",
        RoomKind.FORUM,
        "“算力时代抢新机——影视产业数字化云计算”高端论坛",
        "Seizing the Computing Era: Cloud Computing for the Digital Film and TV Industry",
    ),
    ("scenario-big-data", RoomKind.FORUM, "“场景大数据”论坛", "Scenario Big Data"),
    (
        "personal-data-center",
        RoomKind.FORUM,
        "“首届个人数据中心发展”论坛",
        "The First Personal Data Center Development Forum",
    ),
    ("metaverse", RoomKind.FORUM, "“元宇宙”论坛", "Metaverse"),
]

# (hours after the day opens, minutes, zh, en, kind, how many people): the same day in every
# forum, each forum with people of its own (the forums run side by side: nobody is in two at
# once). The people are names with no account, except in the first forum, where the demo's
# speaker and moderator accounts (seeded by the core) hold the keynote and moderate the panel,
# so their tools can be tried. tests/integration/test_store.py checks the day has no clashes.
DAY: list[tuple[int, int, str, str, str, int]] = [
    (0, 45, "开场致辞", "Opening remarks", "talk", 1),
    (1, 60, "主旨演讲", "Keynote", "keynote", 1),
    (2, 60, "圆桌对话", "Panel discussion", "panel", 3),
    (4, 60, "案例分享", "Case studies", "talk", 2),
    (5, 45, "数博发布", "Expo releases", "release", 1),
    (6, 60, "专家问答", "Ask the experts", "panel", 2),
]
SURNAMES = [
    ("王", "Wang"), ("李", "Li"), ("张", "Zhang"), ("刘", "Liu"), ("陈", "Chen"),
    ("杨", "Yang"), ("赵", "Zhao"), ("黄", "Huang"), ("周", "Zhou"), ("吴", "Wu"),
]  # fmt: skip
GIVEN = [
    ("伟", "Wei"), ("芳", "Fang"), ("敏", "Min"), ("磊", "Lei"), ("洋", "Yang"),
    ("艳", "Yan"), ("勇", "Yong"), ("杰", "Jie"), ("娟", "Juan"), ("涛", "Tao"),
]  # fmt: skip


def demo_people(forums: int, each: int) -> list[list[str]]:
    """`each` distinct names for each of `forums` forums, no name in two forums."""
    names = [f"{sz}{gz} {sp} {gp}" for gz, gp in GIVEN for sz, sp in SURNAMES]
    assert forums * each <= len(names), "more people than the demo has names for"
    return [names[i * each : (i + 1) * each] for i in range(forums)]


STAGE_DAY: list[tuple[int, int, str, str, str, tuple[str, ...]]] = [
    (0, 90, "数博会开幕式", "Opening ceremony of the Big Data Expo", "ceremony", ("主办方 Hosts",)),
    (2, 60, "云上签约仪式", "Cloud signing ceremony", "ceremony", ("参展企业 Exhibitors",)),
    (4, 120, "数博发布 · 首发", "Expo releases · premieres", "release", ("参展企业 Exhibitors",)),
]


def day_opening(now: datetime) -> datetime:
    """The demo day opens on the hour before `now` (in UTC), so the first sessions are live."""
    return now.astimezone(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)


DEMO_SPEAKER = "speaker@demo.shubo.live"
DEMO_MODERATOR = "moderator@demo.shubo.live"
FIRST_FORUM = "east-data-west-computing"


async def _account(db: AsyncSession, email: str) -> Account | None:
    return (await db.execute(select(Account).where(Account.email == email))).scalars().first()


async def seed(db: AsyncSession) -> None:
    if (await db.execute(select(Forum).limit(1))).first() is not None:
        return
    speaker = await _account(db, DEMO_SPEAKER)
    moderator = await _account(db, DEMO_MODERATOR)
    opening = day_opening(datetime.now(GUIYANG))
    casts = iter(demo_people(len(ROOMS), sum(n for *_, n in DAY)))
    for position, (slug, kind, title_zh, title_en) in enumerate(ROOMS):
        forum = Forum(
            slug=slug,
            kind=kind,
            position=position,
            title_zh=title_zh,
            title_en=title_en,
            stream_url=DEMO_STREAM,
        )
        db.add(forum)
        await db.flush()
        is_stage = kind == RoomKind.STAGE
        short_zh = title_zh.split("”")[0].lstrip("“")
        short_en = title_en.split(":")[0]
        cast = iter(next(casts))
        day = STAGE_DAY if is_stage else [(*d[:5], tuple(islice(cast, d[5]))) for d in DAY]
        for hour, minutes, zh, en, kind, speakers in day:
            starts = opening + timedelta(hours=hour)
            session = ForumSession(
                forum_id=stored_id(forum),
                starts_at=starts,
                ends_at=starts + timedelta(minutes=minutes),
                # The stage's sessions name themselves; a forum's carry the forum's name.
                title_zh=zh if is_stage else f"{zh} · {short_zh}",
                title_en=en if is_stage else f"{en} · {short_en}",
                guid=str(uuid.uuid5(uuid.NAMESPACE_URL, f"shubo-demo/{slug}/{hour}")),
                kind=kind,
                track=title_en if not is_stage else "",
            )
            db.add(session)
            await db.flush()
            people = [SessionPerson(name=name, position=i) for i, name in enumerate(speakers)]
            if slug == FIRST_FORUM and kind == "keynote" and speaker is not None:
                people = [SessionPerson(account_id=speaker.id, name=speaker.display_name)]
            if slug == FIRST_FORUM and kind == "panel" and hour == 2 and moderator is not None:
                people.append(
                    SessionPerson(
                        account_id=moderator.id,
                        name=moderator.display_name,
                        role=PersonRole.MODERATOR,
                        position=len(people),
                    )
                )
            for person in people:
                person.session_id = session.id
                db.add(person)
    await db.commit()
