"""The programme editor (#/programme), live programme changes in an open room, star buttons, the
agenda page (#/agenda) and the reminder toast, in Chinese and in English."""

from __future__ import annotations

from datetime import datetime, timedelta

from playwright.async_api import expect

from forums.agenda import remind_due
from forums.models import ForumSession
from tests.browser.web import Pages, screenshot
from tests.live import LiveServer

ORGANIZER = "organizer@demo.shubo.live"
ATTENDEE = "attendee@demo.shubo.live"


async def test_an_organiser_adds_a_session_and_an_open_room_shows_it_without_reload(
    pages: Pages, server: LiveServer
):
    room = await pages.open("/#/forum/9", locale="en-US")
    await expect(room.locator(".room-title")).to_have_text("Metaverse")
    organiser = await pages.open(
        "/#/programme?forum=9", locale="zh-CN", cookie=await server.sign_in(ORGANIZER)
    )
    await expect(organiser.locator(".programme-editor h1")).to_have_text("议程管理")
    await expect(organiser.locator(".programme-item").first).to_be_visible()

    await organiser.get_by_role("button", name="+ 添加议程").click()
    form = organiser.locator(".session-form")
    # Beijing time in these browsers: 09:00-09:45 on 26 May 2031 is 01:00-01:45 UTC.
    await form.get_by_label("开始时间").fill("2031-05-26T09:00")
    await form.get_by_label("结束时间").fill("2031-05-26T09:45")
    await form.get_by_label("中文标题").fill("元宇宙与数字孪生")
    await form.get_by_label("英文标题").fill("Metaverse and digital twins")
    await form.get_by_label("中文简介").fill("从工厂到城市的数字孪生。")
    await form.get_by_label("类型").select_option("keynote")
    speakers = form.locator(".person-picker-speakers")
    await speakers.locator("select").select_option(label="王晓 Wang Xiao · 嘉宾")
    await speakers.get_by_role("button", name="添加账号").click()
    await speakers.locator("input").fill("Anna Schmidt")
    await speakers.get_by_role("button", name="添加姓名").click()
    await expect(speakers.locator(".person-chip")).to_have_count(2)
    await form.get_by_role("button", name="保存").click()

    await expect(organiser.locator(".programme-flash")).to_have_text("已保存。")
    added = organiser.locator(".programme-item", has_text="元宇宙与数字孪生")
    await expect(added).to_contain_text("5/26 09:00–09:45")
    await expect(added).to_contain_text("嘉宾：王晓 Wang Xiao、Anna Schmidt")
    # The room in the other browser hears of it at once, in its own language.
    new_session = room.locator(".session-item", has_text="Metaverse and digital twins")
    await expect(new_session).to_contain_text("Speakers: 王晓 Wang Xiao and Anna Schmidt")
    await expect(new_session.locator(".session-when")).to_have_text("09:00–09:45")
    await new_session.get_by_text("Abstract").click()  # only in Chinese: shown as it is
    await expect(new_session.locator(".session-abstract p")).to_have_text(
        "从工厂到城市的数字孪生。"
    )

    # A clash is refused in words naming the other session.
    await organiser.get_by_role("button", name="+ 添加议程").click()
    form = organiser.locator(".session-form")
    await form.get_by_label("开始时间").fill("2031-05-26T09:30")
    await form.get_by_label("结束时间").fill("2031-05-26T10:30")
    await form.get_by_label("中文标题").fill("冲突的议程")
    await form.get_by_role("button", name="保存").click()
    await expect(form.locator(".form-error")).to_have_text(
        "时间冲突：本论坛该时段已有议程“元宇宙与数字孪生”（09:00–09:45）。"
    )
    await form.scroll_into_view_if_needed()
    await screenshot(organiser, "programme-editor-zh")
    await form.get_by_role("button", name="取消").click()

    await organiser.get_by_role("button", name="English").click()
    await expect(organiser.locator(".programme-editor h1")).to_have_text("Programme editor")
    when = await organiser.locator(".programme-when").first.bounding_box()
    assert when and when["height"] < 30, when  # the day and the times on one line
    await (
        organiser.locator(".programme-item", has_text="Metaverse and digital twins")
        .get_by_role("button", name="Edit")
        .click()
    )
    form = organiser.locator(".session-form")
    await expect(form.get_by_label("Title in English")).to_have_value("Metaverse and digital twins")
    await form.get_by_label("Title in English").fill("Metaverse, digital twins and cities")
    await form.scroll_into_view_if_needed()
    header = await organiser.locator("#header").bounding_box()
    heading = await form.locator(".panel-title").bounding_box()
    assert header and heading, (header, heading)
    assert heading["y"] >= header["y"] + header["height"], (header, heading)  # not under it
    await screenshot(organiser, "programme-editor-en")
    await form.get_by_role("button", name="Save").click()
    await expect(
        room.locator(".session-item", has_text="Metaverse, digital twins and cities")
    ).to_be_visible()

    # Deleting takes a second click, and the room drops it too.
    edited = organiser.locator(".programme-item", has_text="Metaverse, digital twins and cities")
    await edited.get_by_role("button", name="Delete").click()
    await edited.get_by_role("button", name="Really delete").click()
    await expect(organiser.locator(".programme-flash")).to_have_text("Deleted.")
    await expect(room.locator(".session-item", has_text="digital twins")).to_have_count(0)
    await organiser.get_by_role("button", name="中文").click()  # the line follows the language
    await expect(organiser.locator(".programme-flash")).to_have_text("已删除。")


async def test_attendees_cannot_open_the_editor(pages: Pages, server: LiveServer):
    page = await pages.open("/#/programme", locale="en-US", cookie=await server.sign_in(ATTENDEE))
    await expect(page.locator(".programme-editor .notice")).to_have_text(
        "Only organiser accounts can edit the programme."
    )
    await expect(page.locator(".site-nav")).not_to_contain_text("Programme")
    await expect(page.locator(".site-nav")).to_contain_text("My agenda")


async def test_an_attendee_stars_sessions_sees_them_in_the_agenda_and_gets_a_reminder(
    pages: Pages, server: LiveServer
):
    page = await pages.open("/#/forum/2", locale="zh-CN", cookie=await server.sign_in(ATTENDEE))
    items = page.locator(".session-item")
    await expect(items).to_have_count(6)
    for index in (1, 3):
        star = items.nth(index).locator(".star-button")
        await expect(star).to_have_attribute("aria-label", "收藏到我的议程")
        await star.click()
        await expect(star).to_have_attribute("aria-pressed", "true")
    keynote = await items.nth(1).locator(".session-name").inner_text()

    await page.get_by_role("link", name="我的议程").click()
    await expect(page.locator(".agenda h1")).to_have_text("我的议程")
    await expect(page.locator(".agenda-item")).to_have_count(2)
    await expect(page.locator(".agenda-item").first).to_contain_text(keynote.split("直播中")[0])
    await expect(page.locator(".agenda-tools a")).to_have_attribute("href", "/api/me/agenda.ics")
    await expect(page.locator(".agenda-room a").first).to_have_attribute(
        "href", "#/forum/east-data-west-computing"
    )
    await screenshot(page, "agenda-zh")
    await page.get_by_role("button", name="English").click()
    await expect(page.locator(".agenda h1")).to_have_text("My agenda")
    await screenshot(page, "agenda-en")

    # The iCalendar download is the page's own link, with the browser's cookie.
    download = await page.request.get("/api/me/agenda.ics")
    assert download.headers["content-type"] == "text/calendar; charset=utf-8"
    assert (await download.body()).count(b"BEGIN:VEVENT") == 2

    # Unstarring in the agenda takes the session off the list.
    await page.locator(".agenda-item").nth(1).locator(".star-button").click()
    await expect(page.locator(".agenda-item")).to_have_count(1)

    # A starred session starts: a toast, on whatever page is open.
    await page.goto("/#/hall")
    async with server.http() as http:
        sessions = (await http.get("/api/forums/2")).json()["sessions"]
    starred = sessions[1]
    await expect(page.locator(".site-nav")).to_contain_text("My agenda")
    starts = datetime.fromisoformat(starred["starts_at"])
    async with server.services.db() as db:  # sent already if it started minutes ago: again
        row = await db.get(ForumSession, starred["id"])
        row.reminded_at = None
        await db.commit()
    await remind_due(server.services, starts + timedelta(seconds=30))
    toast = page.locator(".toast")
    await expect(toast).to_contain_text("A session you starred is starting")
    await expect(toast).to_contain_text(starred["title"]["en"])
    await toast.get_by_role("link", name="Go to the room").click()
    await expect(page).to_have_url(f"{server.base}/#/forum/east-data-west-computing")


async def test_the_lobby_shows_a_programme_change_without_reload(pages: Pages, server: LiveServer):
    page = await pages.open("/#/", locale="en-US")
    card = page.locator(".forum-card", has_text="Scenario Big Data")
    await expect(card.locator(".session-line.now")).to_contain_text("Keynote · Scenario Big Data")
    async with server.http() as http:
        room = (await http.get("/api/forums/7")).json()
    on_now = next(s for s in room["sessions"] if s["kind"] == "keynote")
    async with server.http(headers={"Cookie": await server.sign_in(ORGANIZER)}) as http:
        changed = await http.patch(
            f"/api/sessions/{on_now['id']}", json={"title": {"en": "Keynote: cities as data"}}
        )
    assert changed.status_code == 200, changed.text
    await expect(card.locator(".session-line.now")).to_contain_text("Keynote: cities as data")


async def test_a_late_save_never_brings_back_a_session_deleted_or_moved_away(
    pages: Pages, server: LiveServer
) -> None:
    """Two processes may announce a save and the delete after it in the opposite order: the
    room's page keeps a tombstone and drops the late save (frontend/js/programme_events.js)."""

    def new(title: str, hour: int) -> dict[str, object]:
        return {
            "starts_at": f"2031-05-27T{hour:02d}:00:00Z",
            "ends_at": f"2031-05-27T{hour:02d}:30:00Z",
            "title": {"zh": title, "en": title},
        }

    room = await pages.open("/#/forum/9", locale="en-US")
    await expect(room.locator(".room-title")).to_have_text("Metaverse")
    async with server.http(headers={"Cookie": await server.sign_in(ORGANIZER)}) as http:
        made = {}
        for title, hour in [("Deleted later", 1), ("Moved later", 2)]:
            reply = await http.post("/api/forums/9/sessions", json=new(title, hour))
            assert reply.status_code == 201, reply.text
            made[title] = reply.json()["session"]
            await expect(room.locator(".session-item", has_text=title)).to_be_visible()
        assert (await http.delete(f"/api/sessions/{made['Deleted later']['id']}")).is_success
        moved = await http.patch(f"/api/sessions/{made['Moved later']['id']}", json={"forum_id": 8})
        assert moved.status_code == 200, moved.text
        await expect(room.locator(".session-item", has_text="later")).to_have_count(0)

        # Their saves as the page first had them, announced again late (a slower process).
        late = [("forum:9", "programme.session_saved", {"session": s}) for s in made.values()]
        await server.services.hub.publish_stored(late)
        # A save after them on the same topic: once it shows, the late ones were dealt with.
        marker = await http.post("/api/forums/9/sessions", json=new("After the late ones", 3))
        assert marker.status_code == 201, marker.text
    await expect(room.locator(".session-item", has_text="After the late ones")).to_be_visible()
    await expect(room.locator(".session-item", has_text="later")).to_have_count(0)
