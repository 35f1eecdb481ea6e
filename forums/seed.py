"""The demo expo's rooms: the opening-ceremony main stage, the eight 数谷论坛 forums and a day of
sessions. The day is laid out from the hour the demo is seeded (Guiyang time, UTC+8), so
"now" and "next" show something whenever someone tries the demo."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import select

from forums.models import Forum, ForumSession, RoomKind

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

# (hours after the day opens, minutes, zh, en, speakers): the same shape of day in every forum.
DAY: list[tuple[int, int, str, str, str]] = [
    (0, 45, "开场致辞", "Opening remarks", "主持人 Host"),
    (1, 60, "主旨演讲", "Keynote", "王晓 Wang Xiao"),
    (2, 60, "圆桌对话", "Panel discussion", "李明, 陈静, Anna Schmidt"),
    (4, 60, "案例分享", "Case studies", "赵磊, 孙悦"),
    (5, 45, "数博发布", "Expo releases", "参展企业 Exhibitors"),
    (6, 60, "专家问答", "Ask the experts", "周涛, 吴芳"),
]
STAGE_DAY: list[tuple[int, int, str, str, str]] = [
    (0, 90, "数博会开幕式", "Opening ceremony of the Big Data Expo", "主办方 Organisers"),
    (2, 60, "云上签约仪式", "Cloud signing ceremony", "参展企业 Exhibitors"),
    (4, 120, "数博发布 · 首发", "Expo releases · premieres", "参展企业 Exhibitors"),
]


def day_opening(now: datetime) -> datetime:
    """The demo day opens on the hour before `now` (in UTC), so the first sessions are live."""
    return now.astimezone(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)


async def seed(db: AsyncSession) -> None:
    if (await db.execute(select(Forum).limit(1))).first() is not None:
        return
    opening = day_opening(datetime.now(GUIYANG))
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
        for hour, minutes, zh, en, speakers in STAGE_DAY if is_stage else DAY:
            starts = opening + timedelta(hours=hour)
            db.add(
                ForumSession(
                    forum_id=forum.id,
                    starts_at=starts,
                    ends_at=starts + timedelta(minutes=minutes),
                    # The stage's sessions name themselves; a forum's carry the forum's name.
                    title_zh=zh if is_stage else f"{zh} · {short_zh}",
                    title_en=en if is_stage else f"{en} · {short_en}",
                    speakers=speakers,
                )
            )
    await db.commit()
