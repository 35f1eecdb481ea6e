"""The expo hall (#/hall): the server's search in Chinese and English, filters, sorts and live
counts; a booth (#/booth/<id>) with its products, documents, video and links, following its
changes; and the matchmaking page, which says it is not open yet."""

from __future__ import annotations

import asyncio
import re

from playwright.async_api import expect
from sqlmodel import select

from expo.hall.models import Booth, Product, Upload
from expo.hall.search_index import reindex
from expo.models import Exhibitor
from tests.browser.web import Pages, page_true, screenshot
from tests.hall_content import bare_booths
from tests.live import LiveServer

FREIGHT = 10  # 货运通

EXHIBITORS_ZH = [
    "黔算云",
    "贵安数据中心",
    "筑城液冷",
    "贵阳大数据交易所",
    "磐石安全",
    "黔工互联",
    "云上影渲",
    "数智政务",
    "黔医健康大数据",
    "货运通",
    "元境科技",
    "个人数据空间",
]
EXHIBITORS_EN = [
    "Qiansuan Cloud",
    "Gui'an Data Center",
    "Zhucheng Liquid Cooling",
    "Guiyang Big Data Exchange",
    "Panshi Security",
    "Qiangong Industrial Internet",
    "CloudFrame Rendering",
    "Smart Gov Data",
    "Qianyi Health Data",
    "FreightLink",
    "Yuanjing Metaverse",
    "MyData Space",
]


async def until_present(server: LiveServer, topic: str) -> None:
    """Wait (10 s at most) until someone follows `topic`, as the server counts them."""
    async with asyncio.timeout(10):
        while (await server.services.hub.presence([topic])).get(topic, 0) < 1:
            await asyncio.sleep(0.05)


async def add_booth_content(server: LiveServer) -> None:
    """Products, a document, a video and links on 货运通's booth (as the editing branch will
    let its staff) in place of what the demo seeds, reindexed in the same transaction."""
    async with server.services.read() as db:
        ours = select(Product).where(Product.name_en == "National compute network scheduler")
        if (await db.execute(ours)).first():
            return
    await bare_booths(server)
    async with server.services.db() as db:
        db.add_all(
            [
                Product(
                    exhibitor_id=FREIGHT,
                    position=0,
                    name_zh="全国一体化算力网络调度",
                    name_en="National compute network scheduler",
                    description_zh="跨区域调度算力，冷链运力实时撮合。",
                    description_en="Compute across regions; cold-chain capacity matched live.",
                ),
                Product(
                    exhibitor_id=FREIGHT,
                    position=1,
                    name_zh="货运数据看板",
                    name_en="Freight data dashboard",
                    description_zh="车辆、线路与运价一屏可见。",
                    description_en="Trucks, routes and rates on one screen.",
                ),
                Upload(
                    exhibitor_id=FREIGHT,
                    kind="pdf",
                    content_type="application/pdf",
                    filename="freightlink.pdf",
                    size=245_760,
                    sha256="0" * 64,
                    title_zh="货运通产品手册",
                    title_en="FreightLink brochure",
                    listed=True,
                ),
            ]
        )
        booth = await db.get(Booth, FREIGHT)
        assert booth is not None
        booth.videos = [
            {"title_zh": "平台演示", "title_en": "Platform demo", "url": "/demo/stream/index.m3u8"}
        ]
        booth.links = [
            {
                "title_zh": "货运通官网",
                "title_en": "FreightLink website",
                "url": "https://example.org/",
            },
            {"title_zh": "坏链接", "title_en": "Bad link", "url": "javascript:alert(1)"},
        ]
        await reindex(db, FREIGHT)
        await db.commit()


async def test_the_hall_searches_the_server_in_both_languages_with_live_counts(
    pages: Pages, server: LiveServer
):
    await add_booth_content(server)
    page = await pages.open("/#/", locale="zh-CN")
    await page.locator("#header").get_by_role("link", name="展馆").click()
    await expect(page).to_have_url(re.compile(r"#/hall$"))
    await expect(page.locator("#header .nav-link[aria-current=page]")).to_have_text("展馆")
    await expect(page.get_by_role("heading", level=1)).to_have_text("展馆")
    await expect(page.locator(".exhibitor-name")).to_have_text(EXHIBITORS_ZH)  # by tier
    await expect(page.locator(".hall-count")).to_have_text("共 12 家展商")
    panshi = page.locator(".exhibitor-card").nth(4)
    await expect(panshi.locator(".exhibitor-industry")).to_have_text("数据安全")
    await expect(panshi.locator(".exhibitor-summary")).to_have_text("数据安全靶场与攻防演练平台。")
    await expect(page.locator(".exhibitor-card").first.locator(".tier-badge")).to_have_text(
        "白金展位"
    )

    # Someone opens 黔算云's booth: its card counts them, pushed (the page does not poll).
    visitor = await pages.open("/#/booth/1", locale="en-US")
    await expect(visitor.get_by_role("heading", level=1)).to_have_text("Qiansuan Cloud")
    first = page.locator(".exhibitor-card").first
    await expect(first.locator(".exhibitor-visitors")).to_have_text("1 人正在参观")
    await expect(first.locator(".exhibitor-staff")).to_have_text("工作人员暂不在线")
    await screenshot(page, "hall-zh")

    search = page.get_by_label("搜索展商")
    await search.fill("算力")  # two characters inside 全国一体化算力网络 (a product) and 算力调度
    await expect(page.locator(".exhibitor-name")).to_have_text(["黔算云", "货运通"])
    await expect(page.locator(".hall-count")).to_have_text("找到 2 家展商")
    await expect(page).to_have_url(re.compile(r"#/hall\?q=%E7%AE%97%E5%8A%9B$"))

    await page.get_by_role("button", name="English").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Expo hall")
    await expect(page.get_by_label("Search exhibitors")).to_have_value("算力")
    await expect(page.locator(".exhibitor-name")).to_have_text(["Qiansuan Cloud", "FreightLink"])
    await expect(page.locator(".exhibitor-card").first.locator(".exhibitor-visitors")).to_have_text(
        "1 visiting now"
    )
    await page.get_by_label("Search exhibitors").fill("secu")  # an English prefix
    await expect(page.locator(".exhibitor-name")).to_have_text(["Panshi Security"])
    await expect(page.locator(".hall-count")).to_have_text("1 exhibitor found")
    await page.get_by_label("Search exhibitors").fill("")
    await expect(page.locator(".exhibitor-card")).to_have_count(12)
    await screenshot(page, "hall-en")

    await page.get_by_label("Industry").select_option(label="Logistics and freight platforms")
    await expect(page.locator(".exhibitor-name")).to_have_text(["FreightLink"])
    await expect(page).to_have_url(re.compile(r"industry=logistics"))
    await page.get_by_label("Search exhibitors").fill("区块链")
    await expect(page.locator(".hall-no-match")).to_contain_text("No exhibitor matches “区块链”.")
    await page.get_by_role("button", name="Clear the search").click()
    await expect(page.locator(".exhibitor-card")).to_have_count(12)
    await expect(page.get_by_label("Search exhibitors")).to_be_focused()

    # Busiest first: the booth with a visitor leads, the rest in the hall's order.
    await page.get_by_label("Sort by").select_option("name")
    await expect(page.locator(".exhibitor-name").first).to_have_text("CloudFrame Rendering")
    await page.get_by_label("Sort by").select_option("busy")
    await expect(page.locator(".exhibitor-name").first).to_have_text("Qiansuan Cloud")
    await visitor.goto("/#/booth/7")
    await expect(visitor.get_by_role("heading", level=1)).to_have_text("CloudFrame Rendering")
    await until_present(server, "booth:7")  # the visitor follows booth 7 before the page reads
    await page.reload()  # the URL keeps the sort
    await expect(page.get_by_label("Sort by")).to_have_value("busy")
    await expect(page.locator(".exhibitor-name").first).to_have_text("CloudFrame Rendering")


async def test_the_hall_on_a_phone(pages: Pages, server: LiveServer):
    await add_booth_content(server)
    page = await pages.open("/#/hall?q=%E5%86%B7", locale="zh-CN", phone=True)  # 冷
    await expect(page.locator(".exhibitor-name")).to_have_text(["筑城液冷", "货运通"])
    await page.get_by_label("搜索展商").fill("")
    await expect(page.locator(".exhibitor-card")).to_have_count(12)
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390  # nothing wider than the phone
    await screenshot(page, "hall-phone-zh")

    # An organiser renames an exhibitor: stored, then announced on hall:all; the page reads
    # its cards again without being told more.
    last = page.locator(".exhibitor-card").last.locator(".exhibitor-name")
    await expect(last).to_have_text("个人数据空间")
    async with server.services.db() as db:
        exhibitor = await db.get(Exhibitor, 12)
        assert exhibitor is not None
        exhibitor.name_zh = "个人数据空间（新）"
        await reindex(db, 12)
        await db.commit()
    await server.services.hub.publish("hall:all", "booth.changed", {"exhibitor": 12, "version": 2})
    try:
        await expect(last).to_have_text("个人数据空间（新）")
    finally:
        async with server.services.db() as db:
            exhibitor = await db.get(Exhibitor, 12)
            assert exhibitor is not None
            exhibitor.name_zh = "个人数据空间"
            await reindex(db, 12)
            await db.commit()


async def test_a_booth_shows_its_content_and_follows_its_changes(pages: Pages, server: LiveServer):
    await add_booth_content(server)
    page = await pages.open("/#/hall?q=cold-chain", locale="zh-CN")
    await page.locator(".exhibitor-card", has_text="货运通").click()
    await expect(page).to_have_url(re.compile(r"#/booth/10$"))
    await expect(page.get_by_role("heading", level=1)).to_have_text("货运通")
    await expect(page.locator(".booth-visitors")).to_have_text("1 人正在参观")  # this page
    await expect(page.locator(".product-name")).to_have_text(
        ["全国一体化算力网络调度", "货运数据看板"]
    )
    await expect(page.locator(".document-link")).to_have_text("货运通产品手册")
    await expect(page.locator(".document-size")).to_have_text(" 240 KB")
    links = page.locator(".link-list a")
    await expect(links).to_have_text(["货运通官网"])  # javascript: is never a link
    assert await links.get_attribute("rel") == "noopener noreferrer"
    await expect(page.locator(".booth-nobody")).to_have_text("目前没有工作人员值班。")
    await expect(page.locator(".booth-player video")).to_have_count(1)
    # The demo clip plays (hls.js where the browser has no HLS of its own).
    await page_true(
        page,
        "() => document.querySelector('.booth-player video')?.readyState >= 2",
        timeout_ms=15_000,
    )
    for part in ["booth-chat", "booth-card", "booth-private", "booth-releases"]:
        await expect(page.locator(f"section#{part}")).to_have_count(1)
    await screenshot(page, "booth-zh")

    await page.get_by_role("button", name="English").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("FreightLink")
    await expect(page.locator(".booth-description")).to_have_text(
        "Road-freight matching and capacity scheduling."
    )
    await screenshot(page, "booth-en")

    # The booth changes (as the editing branch does): stored, then announced with its version.
    async with server.services.db() as db:
        booth = await db.get(Booth, FREIGHT)
        assert booth is not None
        booth.description_en = "Road freight, matched in real time."
        booth.version += 1
        version = booth.version
        await db.commit()
    await server.services.hub.publish(
        f"booth:{FREIGHT}", "booth.changed", {"exhibitor": FREIGHT, "version": version}
    )
    await expect(page.locator(".booth-description")).to_have_text(
        "Road freight, matched in real time."
    )

    phone = await pages.open(f"/#/booth/{FREIGHT}", locale="en-US", phone=True)
    await expect(phone.get_by_role("heading", level=1)).to_have_text("FreightLink")
    await expect(phone.locator(".booth-visitors")).to_have_text("2 visiting now")
    await expect(page.locator(".booth-visitors")).to_have_text("2 visiting now")
    assert await phone.evaluate("document.documentElement.scrollWidth") <= 390
    await screenshot(phone, "booth-phone-en")


async def test_an_unknown_booth_says_so(pages: Pages):
    page = await pages.open("/#/booth/999", locale="en-US")
    await expect(page.locator(".booth .notice")).to_have_text("There is no such booth.")
    await page.get_by_role("link", name="Back to the hall").click()
    await expect(page).to_have_url(re.compile(r"#/hall$"))


async def test_the_lobby_leads_to_the_hall(pages: Pages):
    page = await pages.open("/#/", locale="en-US")
    await page.locator(".hall-card").click()
    await expect(page).to_have_url(re.compile(r"#/hall$"))
    await expect(page.locator(".exhibitor-card")).to_have_count(12)


async def test_a_cards_name_is_never_broken_inside_a_word(pages: Pages):
    """A platinum card's tier badge squeezed 黔算云's English name until "Qiansuan" broke in two
    at 1280 px: the badge takes a line of its own before a word is broken."""
    page = await pages.open("/#/hall", locale="en-GB")
    name = page.locator(".exhibitor-name", has_text="Qiansuan Cloud")
    await expect(name).to_be_visible()
    lines_of_first_word = await name.evaluate(
        """(el) => {
            const text = el.firstChild;
            const range = document.createRange();
            range.setStart(text, 0);
            range.setEnd(text, "Qiansuan".length);
            return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size;
        }"""
    )
    assert lines_of_first_word == 1
