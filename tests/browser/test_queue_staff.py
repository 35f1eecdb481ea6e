"""The booth queue as its staff run it, in Chromium: two staff members of one booth (one in
Chinese, one in English) on the booth dashboard's queue panel, three attendees in line through
the API. Each sees the other's calls live; a no-show goes back to position 2 in both panels;
served ends the call (offered only once the person answered); the queue's one state (open,
paused, closed: one segmented control) is the same in both panels, and a pause stops calling;
the cap refuses a join and shows, and a colleague's cap never overwrites the one being typed. An
organiser's console lists the queues with their state, a booth's line appearing live. The staff
side of a call room: served from there, back to the dashboard. Screenshots: the panel in zh, en
and on a phone, the console's queues tab in en and on a phone."""

from __future__ import annotations

import asyncio
import re
from contextlib import AsyncExitStack
from typing import Any

from playwright.async_api import Locator, Page, expect

from tests.browser.web import Pages, register, screenshot
from tests.live import LiveServer, Peer
from tests.meetings_setup import new_people

STAFF_A = "exhibitor@demo.shubo.live"  # 刘洋 Liu Yang, staff of booth 1 (黔算云 Qiansuan Cloud)
ORGANIZER = "organizer@demo.shubo.live"
BOOTH = 1


async def http(
    server: LiveServer, cookie: str, method: str, path: str, body: Any = None
) -> tuple[int, Any]:
    async with server.http(headers={"Cookie": cookie}) as client:
        response = await client.request(method, path, json=body)
    return response.status_code, response.json()


async def join(
    server: LiveServer, cookie: str, share_card: bool = True, booth: int = BOOTH
) -> tuple[int, Any]:
    return await http(
        server, cookie, "POST", f"/api/match/queues/{booth}/tickets", {"share_card": share_card}
    )


async def panel_of(
    pages: Pages, cookie: str, locale: str, phone: bool = False, booth: int = BOOTH
) -> Page:
    page = await pages.open(
        f"/#/booth/{booth}/dashboard", locale=locale, cookie=cookie, phone=phone
    )
    await expect(page.locator(".qstaff .qstaff-body")).to_be_visible()
    return page


async def line_comes_first(page: Page) -> None:
    """The staff page puts the live line first, above the dashboard's figures, in view."""
    line, tiles = page.locator(".qstaff"), page.locator(".boothdash-tiles")
    await expect(tiles).to_be_visible()
    above = await line.evaluate(
        "(el, tiles) => el.getBoundingClientRect().top < tiles.getBoundingClientRect().top",
        await tiles.element_handle(),
    )
    assert above, "the queue's panel is above the dashboard's figures"
    await expect(line.locator(".qstaff-call")).to_be_in_viewport()


def waiting_row(page: Page, position: int) -> Locator:
    return page.locator(f'.qstaff-waiting li[data-position="{position}"]')


def call_of(page: Page, name: str) -> Locator:
    return page.locator(".qstaff-calls li", has_text=name)


def console_length(page: Page) -> Locator:
    return page.locator(f'.qconsole tr[data-exhibitor="{BOOTH}"] .qconsole-length')


async def test_two_staff_call_serve_and_run_one_queue_live(pages: Pages, server: LiveServer):
    staff_a = await server.sign_in(STAFF_A)
    [(_, email_b)] = await new_people(
        server.services.db, 1, exhibitor_id=BOOTH, name="陈静 Chen Jing"
    )
    staff_b = await server.sign_in(email_b)
    organiser = await pages.open(
        "/#/console/queues", locale="en-GB", cookie=await server.sign_in(ORGANIZER)
    )
    await expect(organiser.get_by_role("heading", name="Booth queues")).to_be_visible()
    await expect(organiser.locator(".qconsole-none")).to_be_visible()

    people = [
        ("王芳 Wang Fang", {"organisation": "贵阳数智 Guiyang Digital", "title": "采购经理"}),
        ("Sam <b>O'Neil</b>", {"organisation": "Data & Co", "title": "CTO"}),
        ("赵敏 Zhao Min", {"organisation": "遵义智造", "title": "工程师"}),
    ]
    cookies = [(await register(server, name, **card))[1] for name, card in people]
    names = [name for name, _ in people]
    tickets = []
    async with AsyncExitStack() as stack:
        for i, cookie in enumerate(cookies):
            status, body = await join(server, cookie, share_card=i != 2)
            assert status == 201, body
            tickets.append(body["ticket"]["id"])
            if i < 2:  # their booth pages follow their tickets; the third left the page
                peer = Peer(await stack.enter_async_context(server.connect(cookie)))
                reply = await peer.command("subscribe", {"topic": f"queue-ticket:{tickets[-1]}"})
                assert reply["type"] == "ok", reply
        await run_the_queue(pages, server, organiser, staff_a, staff_b, names, tickets, cookies)


async def run_the_queue(
    pages: Pages,
    server: LiveServer,
    organiser: Page,
    staff_a: str,
    staff_b: str,
    names: list[str],
    tickets: list[int],
    cookies: list[str],
) -> None:
    length = console_length(organiser)
    await expect(length).to_have_text("3")
    await expect(organiser.locator(f'tr[data-exhibitor="{BOOTH}"] .qconsole-booth')).to_have_text(
        "Qiansuan Cloud"
    )
    await expect(organiser.locator(f'tr[data-exhibitor="{BOOTH}"] .qconsole-state')).to_have_text(
        "Open"
    )
    a = await panel_of(pages, staff_a, "zh-CN")
    b = await panel_of(pages, staff_b, "en-GB")
    for page in (a, b):
        await expect(page.locator(".qstaff-waiting li")).to_have_count(3)
        await line_comes_first(page)
    await expect(a.locator(".qstaff-count")).to_contain_text("3 人排队 · 上限 200")
    first = waiting_row(a, 1)
    await expect(first.locator(".qstaff-name")).to_have_text(names[0])
    await expect(first.locator(".qstaff-card")).to_have_text("采购经理 · 贵阳数智 Guiyang Digital")
    # What people wrote is text, never markup; a card not shared is not shown.
    await expect(waiting_row(b, 2).locator(".qstaff-name")).to_have_text(names[1])
    assert await b.locator(".qstaff-waiting b").count() == 0
    await expect(waiting_row(b, 3).locator(".qstaff-card")).to_have_count(0)
    await expect(waiting_row(b, 1).locator(".qstaff-since")).to_have_text(
        re.compile(r"^Waiting (< 1|\d+) min$")
    )

    # A calls the first person: A's own call, with the countdown to answer.
    await a.get_by_role("button", name="叫号", exact=True).click()
    mine = call_of(a, names[0])
    await expect(mine).to_have_class(re.compile(r"\bis-mine\b"))
    await expect(mine.locator(".qstaff-countdown")).to_have_text(
        re.compile(r"^等待应答 [01]:\d\d$")
    )
    await expect(mine.locator(".qstaff-caller")).to_have_text("我的叫号")
    # Not answered yet: No-show only, never Served.
    await expect(mine.get_by_role("button", name="未到场")).to_be_visible()
    await expect(mine.get_by_role("button", name="已接待")).to_have_count(0)
    await expect(
        a.get_by_role("button", name="叫号", exact=True)
    ).to_be_disabled()  # one call at a time
    await expect(a.locator(".qstaff-hint")).to_contain_text("请先结束你当前的接待")
    await expect(length).to_have_text("2")  # the organiser's console, live
    # B sees A's call live, and calls the next one: someone else.
    theirs = call_of(b, names[0])
    await expect(theirs.locator(".qstaff-caller")).to_have_text("Called by 刘洋 Liu Yang")
    await expect(theirs).not_to_have_class(re.compile(r"\bis-mine\b"))
    await expect(b.locator(".qstaff-waiting li")).to_have_count(2)
    await b.get_by_role("button", name="Call next").click()
    await expect(call_of(b, names[1])).to_have_class(re.compile(r"\bis-mine\b"))
    await expect(call_of(a, names[1]).locator(".qstaff-caller")).to_have_text(
        "叫号人：陈静 Chen Jing 0"
    )
    for page in (a, b):
        await expect(page.locator(".qstaff-calls li")).to_have_count(2)
        await expect(page.locator(".qstaff-waiting li")).to_have_count(1)
    await expect(length).to_have_text("1")

    # The second person answers: B is in conversation, with the way into the call's room.
    status, body = await http(
        server, cookies[1], "POST", f"/api/match/queue-tickets/{tickets[1]}/answer"
    )
    assert status == 200, body
    talking = call_of(b, names[1])
    await expect(talking.locator(".qstaff-serving")).to_have_text("In conversation")
    await expect(talking.get_by_role("link", name="Open the conversation")).to_have_attribute(
        "href", f"#/queue-call/{tickets[1]}"
    )
    # Answered: Served, and no more No-show.
    await expect(talking.get_by_role("button", name="Served")).to_be_visible()
    await expect(talking.get_by_role("button", name="No-show")).to_have_count(0)
    await expect(call_of(a, names[1]).locator(".qstaff-serving")).to_have_text("交谈中")
    await expect(call_of(a, names[1]).get_by_role("link")).to_have_count(0)  # not A's room
    for page, name in ((a, "queue-staff-zh"), (b, "queue-staff-en")):
        await page.evaluate("scrollTo(0, 0)")  # the page's top: its heading, then the line
        await screenshot(page, name)

    # A's person did not come: back in line at position 2, behind the next one, in both panels.
    await call_of(a, names[0]).get_by_role("button", name="未到场").click()
    for page, once in ((a, "未到 1 次"), (b, "1 no-show")):
        await expect(waiting_row(page, 2).locator(".qstaff-name")).to_have_text(names[0])
        await expect(waiting_row(page, 2).locator(".qstaff-no-shows")).to_have_text(once)
        await expect(waiting_row(page, 1).locator(".qstaff-name")).to_have_text(names[2])
    await expect(length).to_have_text("2")
    await expect(a.get_by_role("button", name="叫号", exact=True)).to_be_enabled()

    # B is done talking: served, gone from both panels.
    await call_of(b, names[1]).get_by_role("button", name="Served").click()
    for page in (a, b):
        await expect(page.locator(".qstaff-calls li")).to_have_count(0)
    await expect(b.get_by_role("button", name="Call next")).to_be_enabled()

    # The queue's state is one pick of three, the same in both panels. A pauses: nobody can
    # call, in either panel; B closes it from there (no longer paused: those in line are
    # called, nobody new joins); A opens it again.
    states_a = a.get_by_role("group", name="队列状态")
    states_b = b.get_by_role("group", name="Queue state")
    await expect(states_a.get_by_role("radio", name="开放")).to_be_checked()
    await states_a.get_by_role("radio", name="暂停叫号").check()
    await expect(a.locator(".qstaff-state")).to_have_text("已暂停叫号")
    await expect(b.locator(".qstaff-state")).to_have_text("Calling paused")
    await expect(states_b.get_by_role("radio", name="Paused")).to_be_checked()
    await expect(states_b.get_by_role("radio", name="Open")).not_to_be_checked()
    await expect(states_b.get_by_role("radio", name="Paused")).to_have_accessible_description(
        "Paused: people can still join; nobody is called."
    )
    await expect(a.get_by_role("button", name="叫号", exact=True)).to_be_disabled()
    await expect(b.get_by_role("button", name="Call next")).to_be_disabled()
    await expect(b.locator(".qstaff-hint")).to_have_text(
        "The queue is paused: resume it to call someone."
    )
    await states_b.get_by_role("radio", name="Closed").check()
    await expect(a.locator(".qstaff-state")).to_have_text("已关闭排队")
    await expect(states_a.get_by_role("radio", name="关闭排队")).to_be_checked()
    await expect(states_a.locator(".qstaff-state-radio:checked")).to_have_count(1)
    await expect(a.locator(".qstaff-state-hint")).to_have_text(
        "关闭排队：不再接受新的排队；已在队列中的人仍可被叫号。"
    )
    await expect(a.get_by_role("button", name="叫号", exact=True)).to_be_enabled()
    status, body = await join(server, (await register(server, "晚来 Wanlai"))[1])
    assert status == 409 and body["error"]["code"] == "queue.closed", body
    await states_a.get_by_role("radio", name="开放").check()
    await expect(a.locator(".qstaff-state")).to_have_text("开放排队")
    await expect(states_b.get_by_role("radio", name="Open")).to_be_checked()
    await expect(a.get_by_role("button", name="叫号", exact=True)).to_be_enabled()

    # A types a cap while B saves another: A's box keeps what A typed, and A's Save saves it.
    cap_a, cap_b = a.get_by_label("排队人数上限"), b.get_by_label("Longest line allowed")
    await cap_a.fill("120")
    await cap_b.fill("7")
    await b.get_by_role("button", name="Save").click()
    await expect(a.locator(".qstaff-count")).to_contain_text("上限 7")
    await expect(cap_a).to_have_value("120")
    await a.get_by_role("button", name="保存").click()
    await expect(a.locator(".qstaff-saved")).to_have_text("已保存")
    await expect(a.locator(".qstaff-count")).to_contain_text("上限 120")
    await expect(cap_a).to_have_value("120")
    await expect(cap_b).to_have_value("120")  # B's box, saved and left alone since: follows

    # A caps the line at its length: a join is refused, and both panels show the cap.
    await a.get_by_label("排队人数上限").fill("2")
    await a.get_by_role("button", name="保存").click()
    await expect(a.locator(".qstaff-saved")).to_have_text("已保存")
    _, late = await register(server, "迟到者 Latecomer")
    status, body = await join(server, late)
    assert status == 409 and body["error"]["code"] == "queue.full", body
    await expect(a.locator(".qstaff-count")).to_have_text("2 人排队 · 上限 2已满")
    await expect(b.locator(".qstaff-count")).to_have_text("2 waiting · cap 2Full")
    await expect(b.get_by_label("Longest line allowed")).to_have_value("2")

    # The one who left the page is marked away (the sweeper looks every few seconds); a staff
    # member's phone shows it, and nothing wider than the screen.
    for _ in range(100):
        _, line = await http(server, staff_a, "GET", f"/api/match/queues/{BOOTH}/line")
        if line["waiting"][0]["away_since"]:
            break
        await asyncio.sleep(0.2)
    assert line["waiting"][0]["away_since"], line
    phone = await panel_of(pages, staff_a, "zh-CN", phone=True)
    await line_comes_first(phone)
    await expect(waiting_row(phone, 1).locator(".qstaff-away")).to_have_text("已离开页面")
    await phone.get_by_role("button", name="叫号", exact=True).click()  # from the phone too
    await expect(call_of(phone, names[2]).locator(".qstaff-countdown")).to_be_visible()
    await expect(call_of(phone, names[2]).get_by_role("button", name="未到场")).to_be_visible()
    await phone.locator(".qstaff").scroll_into_view_if_needed()
    width = await phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the phone page scrolls sideways ({width} px)"
    await screenshot(phone, "queue-staff-phone-zh")

    # Two more booths' lines, empty so far: they appear live (their summary reads the list
    # again); the console puts the longest first, and of two as long, the one waiting longest
    # (booth 1's, since the start).
    await expect(organiser.locator(".qconsole tbody tr")).to_have_count(1)
    _, other = await register(server, "周明 Zhou Ming")
    for cookie, booth in ((late, 2), (late, 3), (other, 3)):
        status, body = await http(server, cookie, "POST", f"/api/match/queues/{booth}/tickets", {})
        assert status == 201, body
    rows = organiser.locator(".qconsole tbody tr")
    await expect(rows.locator(".qconsole-length")).to_have_text(["2", "1", "1"])
    for i, booth in enumerate((3, BOOTH, 2)):
        await expect(rows.nth(i)).to_have_attribute("data-exhibitor", str(booth))
    await screenshot(organiser, "console-queues-en")
    status, body = await http(
        server, staff_a, "PATCH", f"/api/match/queues/{BOOTH}", {"state": "paused"}
    )
    assert status == 200, body
    on_phone = await pages.open(
        "/#/console/queues", locale="zh-CN", phone=True, cookie=await server.sign_in(ORGANIZER)
    )
    await expect(console_length(on_phone)).to_have_text("1")
    await expect(on_phone.locator(f'tr[data-exhibitor="{BOOTH}"] .qconsole-booth')).to_have_text(
        "黔算云"
    )
    await expect(on_phone.locator(f'tr[data-exhibitor="{BOOTH}"] .qconsole-state')).to_have_text(
        "已暂停叫号"
    )
    width = await on_phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the phone page scrolls sideways ({width} px)"
    await screenshot(on_phone, "console-queues-phone-zh")


async def test_organisers_see_the_queue_without_the_staff_buttons_and_attendees_see_none(
    pages: Pages, server: LiveServer
):
    _, visitor = await register(server, "访客 Visitor")
    assert (await join(server, visitor))[0] == 201
    organiser = await panel_of(pages, await server.sign_in(ORGANIZER), "en-GB")
    await expect(organiser.locator(".qstaff-readonly")).to_be_visible()
    await expect(organiser.get_by_role("button", name="Call next")).to_have_count(0)
    await expect(organiser.locator(".qstaff-settings")).to_be_hidden()
    await expect(organiser.locator(".qstaff-waiting li")).not_to_have_count(0)
    await organiser.evaluate("async () => (await import('/js/i18n.js')).setLang('zh')")
    await expect(organiser.locator(".qstaff-readonly")).to_have_text(
        "只有本展位的工作人员可以叫号；你可以查看队列。"
    )
    await expect(organiser.locator(".qstaff-waiting .qstaff-since").first).to_contain_text("已等")
    attendee = await pages.open(
        f"/#/booth/{BOOTH}/dashboard",
        locale="en-GB",
        cookie=await server.sign_in("attendee@demo.shubo.live"),
    )
    await expect(attendee.locator(".notice-error")).to_be_visible()
    await expect(attendee.locator(".qstaff")).to_have_count(0)


# The staff's copy of the line (frontend/js/queue_staff_line.js), fed what the server sends, in
# the orders it may arrive in: a late (older) change is dropped, a no-show's reply (no place)
# waits for its event, a join at a position moves the others by one.
STAFF_LINE = """async () => {
  const { StaffLine } = await import('/js/queue_staff_line.js');
  const line = new StaffLine();
  const view = (id, status, version, position = null, caller = null) =>
    ({ id, exhibitor: 1, status, version, position, caller, called_at: null });
  line.load({
    queue: { state: 'open', length: 3, max_length: 200, version: 1 },
    waiting: [view(12, 'waiting', 1, 2), view(11, 'waiting', 1, 1), view(13, 'waiting', 1, 3)],
    calls: [],
  });
  const ids = () => line.waiting().map((v) => `${v.position}:${v.id}`).join(' ');
  const out = [ids()];
  line.apply(view(11, 'called', 2, null, { account: 7 }));
  out.push(ids(), line.myCall(7)?.id);
  out.push(line.apply(view(11, 'waiting', 1, 1)));  // late: dropped
  line.apply(view(14, 'waiting', 1, 1));  // an appointment, ahead of everyone
  out.push(ids());
  out.push(line.apply(view(11, 'waiting', 3)));  // the no-show's reply: no place yet
  out.push(ids(), line.calls(7).length);
  out.push(line.apply(view(11, 'waiting', 3, 2)));  // its event: position 2
  out.push(ids());
  line.apply(view(12, 'left', 2));
  out.push(line.apply(view(12, 'waiting', 1, 1)), ids(), line.queue.length);
  out.push(line.setQueue({ state: 'paused', max_length: 2, version: 0 }), line.queue.state);
  out.push(line.setQueue({ state: 'paused', max_length: 2, version: 2 }), line.queue.state);
  return out;
}"""


async def test_the_staff_line_follows_changes_in_any_order(pages: Pages, server: LiveServer):
    page = await pages.open("/#/", locale="en-GB")
    assert await page.evaluate(STAFF_LINE) == [
        "1:11 2:12 3:13",
        "1:12 2:13",
        11,
        False,
        "1:14 2:12 3:13",
        True,
        "1:14 2:12 3:13",
        0,
        True,
        "1:14 2:11 3:12 4:13",
        False,
        "1:14 2:11 3:13",
        3,
        False,
        "open",
        True,
        "paused",
    ]


async def test_the_staff_side_of_a_call_room_serves_and_goes_back(pages: Pages, server: LiveServer):
    booth = 4  # a booth of its own: the other tests leave booth 1 capped and paused
    [(_, email)] = await new_people(server.services.db, 1, exhibitor_id=booth, name="Staff Four")
    staff = await server.sign_in(email)
    _, talker = await register(server, "林可 Lin Ke")
    _, missed = await register(server, "吴迪 Wu Di")
    tickets = []
    for cookie in (talker, missed):
        status, body = await join(server, cookie, booth=booth)
        assert status == 201, body
        tickets.append(body["ticket"]["id"])
    panel = await panel_of(pages, staff, "en-GB", booth=booth)
    await panel.get_by_role("button", name="Call next").click()
    await expect(call_of(panel, "林可 Lin Ke").locator(".qstaff-countdown")).to_be_visible()
    status, body = await http(
        server, talker, "POST", f"/api/match/queue-tickets/{tickets[0]}/answer"
    )
    assert status == 200, body

    room = await pages.open(f"/#/queue-call/{tickets[0]}", locale="en-GB", cookie=staff)
    await expect(room.locator(".mroom-input")).to_be_enabled()
    await expect(room.get_by_role("link", name="Back to the booth dashboard")).to_have_attribute(
        "href", f"#/booth/{booth}/dashboard"
    )
    await room.locator(".mroom-input").fill("Welcome!")
    await room.locator(".mroom-input").press("Enter")
    await expect(room.locator(".mroom-msg.is-own .mroom-author")).to_have_text("You")
    await room.evaluate("async () => (await import('/js/i18n.js')).setLang('zh')")
    await expect(room.locator(".mroom-msg.is-own .mroom-author")).to_have_text("您")
    await room.get_by_role("button", name="已接待").click()
    await expect(room).to_have_url(re.compile(rf"#/booth/{booth}/dashboard$"))
    await expect(room.locator(".qstaff-calls li")).to_have_count(0)

    # The next one never answers: a no-show. Their room says so, read-only, with no chat.
    await room.get_by_role("button", name="叫号", exact=True).click()
    await call_of(room, "吴迪 Wu Di").get_by_role("button", name="未到场").click()
    await expect(waiting_row(room, 1).locator(".qstaff-no-shows")).to_have_text("未到 1 次")
    theirs = await pages.open(f"/#/queue-call/{tickets[1]}", locale="zh-CN", cookie=missed)
    await expect(theirs.locator(".mroom-cancelled")).to_have_text("这次叫号没有接听。")
    await expect(theirs.locator(".mroom-empty")).to_have_text("没有消息。")
    await theirs.evaluate("async () => (await import('/js/i18n.js')).setLang('en')")
    await expect(theirs.locator(".mroom-cancelled")).to_have_text("This call was not answered.")
    await expect(theirs.locator(".mroom-empty")).to_have_text("No messages.")
