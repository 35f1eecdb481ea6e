"""The booth queue as the person in line lives it, in Chromium (fake camera and microphone): an
attendee joins a booth's line behind two others, watches the position fall 3 → 2 → 1 (worked out
from the line's events, not read again) as the staff call and serve the others, is called on
another page, answers from the alert with the keyboard and lands in the call's room with the
staff member: each sees the other's video playing and a chat line crosses. On a phone in
English: a call that runs out puts the person back in line, a second one is let go. Leaving
works, a page whose socket dropped keeps its place when it comes back, and a pause or a closed
queue shows at once. The page's wait is the server's (queue_rules.eta_minutes), to the minute;
with nobody on duty it promises none. Someone the queue dropped (pages closed past the grace
period, or two calls missed) is told on their next page, or at once on an open one, and
rejoins in one click. On a phone the booth's queue panel shows without scrolling. Screenshots
of the panel, the badge, the alert, the notice and the room in both languages and on a phone."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from playwright.async_api import Page, Request, expect
from sqlalchemy import update
from sqlmodel import col

from expo.models import Account, utcnow
from expo.realtime import closecodes
from matchmaking.models import MatchSettings, QueueTicket
from matchmaking.queue_engine import UNSTAFFED_TTL
from matchmaking.queue_rules import ServiceTimes, eta_minutes
from matchmaking.queue_sweeper import _drop, drop_the_absent
from tests.browser.test_meeting_room import (  # noqa: F401 (fixtures)
    media_browser,
    media_pages,
    sees_the_other_playing,
)
from tests.browser.web import Line, Pages, screenshot
from tests.live import LiveServer
from tests.meetings_setup import new_people
from tests.waiting import eventually

# Demo booths (expo/seed.py), one per test: the server lives for the whole module.
BOOTH_NAMES = {2: "贵安数据中心", 3: "Zhucheng Liquid Cooling"}
PHONE_WIDTH = 390
UNKNOWN_ZH = "暂无工作人员在岗，等待时间未知"  # no staff on duty: no wait


class Person:
    def __init__(self, server: LiveServer, account_id: int, cookie: str) -> None:
        self.server, self.id, self.cookie = server, account_id, cookie

    async def http(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        async with self.server.http(headers={"Cookie": self.cookie}) as http:
            response = await http.request(method, path, json=body)
        return response.status_code, response.json()

    async def join(self, booth: int) -> dict[str, Any]:
        status, body = await self.http(
            "POST", f"/api/match/queues/{booth}/tickets", {"share_card": True}
        )
        assert status == 201, body
        return body["ticket"]

    async def call(self, booth: int) -> dict[str, Any]:
        status, body = await self.http("POST", f"/api/match/queues/{booth}/call")
        assert status == 200, body
        return body["ticket"]

    async def serve(self, ticket: int) -> None:
        status, body = await self.http("POST", f"/api/match/queue-tickets/{ticket}/served")
        assert status == 200, body

    async def no_show(self, ticket: int) -> None:
        status, body = await self.http("POST", f"/api/match/queue-tickets/{ticket}/no-show")
        assert status == 200, body

    async def on_duty(self, booth: int) -> None:
        status, body = await self.http("PUT", f"/api/exhibitors/{booth}/duty", {"on": True})
        assert status == 200, body


async def people(
    server: LiveServer, names: list[str], *, exhibitor: int | None = None, title: str = ""
) -> list[Person]:
    """Fresh accounts (staff of `exhibitor`, else attendees) with these display names."""
    made = await new_people(server.services.db, len(names), exhibitor_id=exhibitor)
    async with server.services.db() as db:
        for (account_id, _), name in zip(made, names, strict=True):
            await db.execute(
                update(Account)
                .where(col(Account.id) == account_id)
                .values(display_name=name, title=title)
            )
        await db.commit()
    return [Person(server, i, await server.sign_in(email)) for i, email in made]


async def settings(server: LiveServer, **values: int) -> None:
    async with server.services.db() as db:
        if await db.get(MatchSettings, 1) is None:
            db.add(MatchSettings(**values))
        else:
            await db.execute(
                update(MatchSettings).where(col(MatchSettings.id) == 1).values(**values)
            )
        await db.commit()


async def wait_text(server: LiveServer, booth: int, position: int, zh: bool) -> str:
    """The wait at `position` in words, from the server's own rule and service times."""
    async with server.http() as http:
        service = (await http.get(f"/api/match/queues/{booth}")).json()["queue"]["service"]
    eta = eta_minutes(position, ServiceTimes(**service))
    if eta is None:
        return (
            "暂无工作人员在岗，等待时间未知" if zh else "No staff on duty right now; wait unknown"
        )
    low, high = eta
    if low == 0:
        return f"{high} 分钟内" if zh else f"within {high} min"
    return f"约 {low}–{high} 分钟" if zh else f"about {low}–{high} min"


async def fits_the_phone(page: Page) -> None:
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_WIDTH, f"the page is {width}px wide on a {PHONE_WIDTH}px screen"


async def focus_is_in(page: Page, selector: str) -> bool:
    return bool(
        await page.evaluate(
            "(s) => !!document.activeElement && !!document.activeElement.closest(s)", selector
        )
    )


async def test_in_line_called_on_another_page_answered_and_talking(
    media_pages: Pages,  # noqa: F811 (the fixture)
    server: LiveServer,
):
    booth = 2
    [staff] = await people(server, ["Tom Baker"], exhibitor=booth, title="Sales lead")
    await staff.on_duty(booth)
    first, second, me = await people(server, ["甲 Jia", "乙 Yi", "李雪 Li Xue"], title="采购总监")
    ahead = [await first.join(booth), await second.join(booth)]

    page = await media_pages.new(locale="zh-CN", cookie=me.cookie)
    await page.context.grant_permissions(["camera", "microphone"])
    await page.goto(f"/#/booth/{booth}")
    panel = page.locator(".qpanel")
    await expect(panel.locator(".qpanel-summary")).to_have_text(
        f"排队 2 人 · {await wait_text(server, booth, 3, zh=True)}"
    )
    await expect(panel).to_be_in_viewport()  # the top of the side column, on a desktop
    await panel.get_by_label("与工作人员分享我的名片（职务和单位）").check()
    await panel.get_by_role("button", name="排队").click()
    await expect(panel.locator(".qpanel-position")).to_have_text("您排在第 3 位")
    wait = await wait_text(server, booth, 3, zh=True)
    assert wait.startswith("约 ")  # someone is on duty: a range
    await expect(panel.locator(".qpanel-wait")).to_have_text(f"前面还有 2 人 · 预计等待 {wait}")
    badge = page.locator("#header .queue-badge")
    await expect(badge.locator(".queue-badge-state")).to_have_text("排队 第3位")
    await expect(badge.locator(".queue-badge-booth")).to_have_text(BOOTH_NAMES[booth])
    await expect(badge).to_have_attribute("href", f"#/booth/{booth}")
    [mine] = (await me.http("GET", "/api/match/queue-tickets"))[1]["tickets"]
    assert mine["share_card"] is True and mine["line"]["position"] == 3
    await screenshot(page, "queue-booth-zh")

    # The others are called and served: the position falls from the line's events alone.
    await staff.call(booth)
    await expect(badge.locator(".queue-badge-state")).to_have_text("排队 第2位")
    reads: list[str] = []

    def read(request: Request) -> None:
        if re.search(r"/api/match/queue(-ticket)?s", request.url):
            reads.append(request.url)

    page.on("request", read)
    await staff.serve(ahead[0]["id"])
    await staff.call(booth)
    await expect(panel.locator(".qpanel-position")).to_have_text("下一位就是您")
    await expect(badge.locator(".queue-badge-state")).to_have_text("排队 第1位")
    assert reads == [], "the position came from the events, not from reading the ticket"

    # Called on another page: the alert takes the focus, names the booth and the caller.
    await page.goto("/#/hall")
    await expect(badge.locator(".queue-badge-state")).to_have_text("排队 第1位")
    await staff.serve(ahead[1]["id"])
    await staff.call(booth)
    alert = page.get_by_role("alertdialog")
    await expect(alert).to_be_visible()
    await expect(alert.locator(".qalert-title")).to_have_text("轮到您了")
    await expect(alert.locator(".qalert-body")).to_have_text(
        f"{BOOTH_NAMES[booth]} 的 Tom Baker 正在叫您。"
    )
    await expect(alert.locator(".qalert-countdown")).to_have_text(re.compile(r"请在 \d+ 秒内接听"))
    assert await focus_is_in(page, ".qalert")
    await expect(badge.locator(".queue-badge-state")).to_have_text("轮到您了")
    await screenshot(page, "queue-alert-zh")

    # The staff member opens the room first: it waits for the answer.
    host = await media_pages.new(locale="en-GB", cookie=staff.cookie)
    await host.context.grant_permissions(["camera", "microphone"])
    await host.goto(f"/#/booth/{booth}")  # their own booth: no queue to join there
    await expect(host.locator(".booth-name")).to_have_text("Gui'an Data Center")
    await expect(host.locator("#booth-queue")).to_be_hidden()
    await expect(host.locator(".qpanel-join")).to_have_count(0)
    await host.goto(f"/#/queue-call/{mine['id']}")
    await expect(host.get_by_role("heading", level=1)).to_have_text("Talking with 李雪 Li Xue")
    await expect(host.locator(".mroom-pending")).to_have_text("Waiting for 李雪 Li Xue to answer…")
    await expect(host.get_by_role("button", name="Start camera")).to_be_disabled()

    # Answered with the keyboard: the room opens on both sides.
    await page.keyboard.press("Enter")
    await expect(page).to_have_url(re.compile(rf"#/queue-call/{mine['id']}$"))
    await expect(alert).to_be_hidden()
    await expect(page.get_by_role("heading", level=1)).to_have_text("与 Tom Baker 交流")
    await expect(page.locator(".mroom-kicker")).to_have_text(f"展位排队交流 · {BOOTH_NAMES[booth]}")
    await expect(badge.locator(".queue-badge-state")).to_have_text("交流中")
    await expect(host.locator(".mroom-pending")).to_have_count(0)
    await expect(host.locator(".mroom-about")).to_have_text("采购总监 · 测试 Org")
    await host.get_by_role("button", name="Start camera").click()
    await page.get_by_role("button", name="开启摄像头").click()
    await expect(page.locator(".mroom-state")).to_have_text("已连接", timeout=20_000)
    await expect(host.locator(".mroom-state")).to_have_text("Connected", timeout=20_000)
    await sees_the_other_playing(page)
    await sees_the_other_playing(host)

    await host.locator(".mroom-input").fill("Welcome! What brings you to <b>our</b> booth?")
    await host.locator(".mroom-input").press("Enter")
    await expect(page.locator(".mroom-msg .mroom-text")).to_have_text(
        "Welcome! What brings you to <b>our</b> booth?"
    )
    await page.locator(".mroom-input").fill("想了解一下贵安的液冷机柜。")
    await page.locator(".mroom-input").press("Enter")
    await expect(host.locator(".mroom-msg").last).to_contain_text("液冷机柜")
    await screenshot(page, "queue-call-zh")
    await screenshot(host, "queue-call-en")

    phone = await media_pages.new(locale="zh-CN", phone=True, cookie=me.cookie)
    await phone.goto(f"/#/queue-call/{mine['id']}")
    await expect(phone.locator(".mroom-msg")).to_have_count(2)
    await fits_the_phone(phone)
    await screenshot(phone, "queue-call-phone-zh")

    # Served: the room turns read-only for both, and the badge goes.
    await staff.serve(mine["id"])
    await expect(page.locator(".mroom-cancelled")).to_have_text("这次交流已结束：聊天记录只读。")
    await expect(host.locator(".mroom-cancelled")).to_have_text(
        "This conversation is over: the room is read-only."
    )
    await expect(page.locator(".mroom-input")).to_be_disabled()
    await expect(badge).to_have_count(0)


async def test_on_a_phone_a_missed_call_goes_back_in_line_and_the_next_is_let_go(
    pages: Pages, server: LiveServer
):
    booth = 3
    [staff] = await people(server, ["王磊 Wang Lei"], exhibitor=booth)
    await staff.on_duty(booth)
    [me] = await people(server, ["Ana Ruiz"])
    page = await pages.new(locale="en-GB", phone=True, cookie=me.cookie)
    # Asking to notify: when joining, never on page load.
    await page.add_init_script(
        "window.asked = 0; if (window.Notification) Notification.requestPermission ="
        " () => (window.asked += 1, Promise.resolve('denied'));"
    )
    await page.goto(f"/#/booth/{booth}")
    panel = page.locator(".qpanel")
    await expect(panel.locator(".qpanel-summary")).to_have_text(
        f"Nobody in line · {await wait_text(server, booth, 1, zh=False)}"
    )
    await expect(panel).to_be_in_viewport()  # on a phone, without scrolling past the booth
    assert await page.evaluate("window.asked") == 0
    await panel.get_by_role("button", name="Join the queue").click()
    await expect(panel.locator(".qpanel-position")).to_have_text("You are next")
    assert await page.evaluate("window.asked") == 1
    badge = page.locator("#header .queue-badge")
    await expect(badge.locator(".queue-badge-state")).to_have_text("Queue #1")
    await expect(badge.locator(".queue-badge-booth")).to_have_text("Zhucheng Liquid Cooling")
    await fits_the_phone(page)
    await page.evaluate("scrollTo(0, 0)")
    await screenshot(page, "queue-badge-phone-en")  # the top of the page: the header's badge
    await panel.scroll_into_view_if_needed()
    await screenshot(page, "queue-booth-phone-en")

    await settings(server, queue_call_window=3)
    try:
        await staff.call(booth)
        alert = page.get_by_role("alertdialog")
        await expect(alert.locator(".qalert-body")).to_have_text(
            f"王磊 Wang Lei at {BOOTH_NAMES[booth]} is calling you."
        )
        await fits_the_phone(page)
        await screenshot(page, "queue-alert-phone-en")
        # Not answered: the window runs out and the ticket goes back in line.
        await expect(alert.locator(".qalert-title")).to_have_text("You missed the call")
        await expect(alert.locator(".qalert-body")).to_have_text(
            f"You are back in {BOOTH_NAMES[booth]}'s line at number 1; we will tell you again"
            " when it is your turn."
        )
        await expect(badge.locator(".queue-badge-state")).to_have_text("Queue #1")
        await alert.get_by_role("button", name="OK").click()
        await expect(alert).to_be_hidden()
    finally:
        await settings(server, queue_call_window=60)

    # Called again; Escape hides the alert, the badge brings it back, and the call is let go.
    await staff.call(booth)
    await expect(alert).to_be_visible()
    await page.keyboard.press("Escape")
    await expect(alert).to_be_hidden()
    await expect(badge.locator(".queue-badge-state")).to_have_text("Your turn")
    await badge.click()
    await expect(alert).to_be_visible()
    assert await focus_is_in(page, ".qalert")
    await alert.get_by_role("button", name="Let it go").click()
    await expect(alert).to_be_hidden()
    await expect(badge).to_have_count(0)
    await expect(panel.locator(".qpanel-outcome")).to_have_text("You left the queue.")
    _, seen = await me.http("GET", f"/api/match/queues/{booth}")
    assert seen["ticket"] is None


async def test_leaving_and_a_socket_that_drops_and_comes_back(pages: Pages, server: LiveServer):
    booth = 4
    [staff] = await people(server, ["值班 Zhiban"], exhibitor=booth)
    await staff.on_duty(booth)
    [before] = await people(server, ["排前面 Qian"])
    [me] = await people(server, ["周敏 Zhou Min"])
    first = await before.join(booth)
    page = await pages.new(locale="zh-CN", cookie=me.cookie)
    line = Line()
    await line.carry(page.context)
    await page.goto(f"/#/booth/{booth}")
    panel = page.locator(".qpanel")
    badge = page.locator("#header .queue-badge")

    await panel.get_by_role("button", name="排队").click()
    await expect(panel.locator(".qpanel-position")).to_have_text("您排在第 2 位")
    await panel.get_by_role("button", name="离开队伍").click()
    await expect(panel.locator(".qpanel-outcome")).to_have_text("您已离开队伍。")
    await expect(badge).to_have_count(0)
    await expect(panel.locator(".qpanel-summary")).to_contain_text("排队 1 人")
    assert (await me.http("GET", "/api/match/queue-tickets"))[1]["tickets"] == []

    await panel.get_by_role("button", name="排队").click()
    await expect(badge.locator(".queue-badge-state")).to_have_text("排队 第2位")
    [mine] = (await me.http("GET", "/api/match/queue-tickets"))[1]["tickets"]
    topic = f"queue-ticket:{mine['id']}"

    # The network goes: the server cuts the socket, and the page's retries get no answer.
    [socket] = await eventually(
        lambda: [c for c in server.services.gateway.clients if topic in c.topics]
    )
    line.down()
    socket.close(closecodes.INTERNAL, "No answer to the keepalive ping.")
    await expect(page.locator("#offline")).to_be_visible()
    # Meanwhile the server sees nobody following the ticket (it would drop it after the grace
    # period), and the person ahead leaves.
    await eventually(lambda: away_since(server, mine["id"]), timeout=10, interval=0.2)
    status, _ = await before.http("DELETE", f"/api/match/queue-tickets/{first['id']}")
    assert status == 200

    line.up()
    await expect(page.locator("#offline")).to_be_hidden()
    await expect(panel.locator(".qpanel-position")).to_have_text("下一位就是您")
    await expect(badge.locator(".queue-badge-state")).to_have_text("排队 第1位")
    await eventually(lambda: back(server, mine["id"]), timeout=10, interval=0.2)

    # The staff pause and then close the queue: the panel says so at once.
    assert (await staff.http("PATCH", f"/api/match/queues/{booth}", {"state": "paused"}))[0] == 200
    await expect(panel.locator(".qpanel-state")).to_have_text(
        "工作人员暂停了叫号：仍可排队，恢复后按顺序叫号。"
    )
    await expect(panel.locator(".qpanel-position")).to_have_text("下一位就是您")
    # Paused: no wait is estimated, in the panel or the badge.
    await expect(panel.locator(".qpanel-wait")).to_have_text("暂停叫号")
    await expect(badge.locator(".queue-badge-paused")).to_have_text("暂停叫号")
    await expect(badge).to_have_attribute("aria-label", "贵阳大数据交易所：您排在第 1 位，暂停叫号")
    await page.goto("/#/hall")  # another page: the badge still knows
    await expect(badge.locator(".queue-badge-paused")).to_have_text("暂停叫号")
    await page.goto(f"/#/booth/{booth}")
    await expect(panel.locator(".qpanel-wait")).to_have_text("暂停叫号")
    assert (await staff.http("PATCH", f"/api/match/queues/{booth}", {"state": "open"}))[0] == 200
    await expect(panel.locator(".qpanel-wait")).to_have_text(
        f"预计等待 {await wait_text(server, booth, 1, zh=True)}"
    )
    await expect(badge.locator(".queue-badge-paused")).to_have_count(0)
    # Closed: whoever is in line keeps their place and is told so calmly; a newcomer is refused.
    assert (await staff.http("PATCH", f"/api/match/queues/{booth}", {"state": "closed"}))[0] == 200
    closed_note = panel.locator(".qpanel-state.is-closed-in-line")
    await expect(closed_note).to_have_text("排队已关闭：不再接受新的排队，您仍在队伍中。")
    await expect(panel.locator(".qpanel-state.is-closed")).to_have_count(0)
    await expect(panel.locator(".qpanel-error")).to_be_hidden()
    await expect(panel.locator(".qpanel-position")).to_have_text("下一位就是您")
    await panel.get_by_role("button", name="离开队伍").click()
    await expect(panel.locator(".qpanel-state.is-closed")).to_have_text("这个展位的排队已关闭。")
    await expect(panel.get_by_role("button", name="排队")).to_be_disabled()
    assert (await staff.http("PATCH", f"/api/match/queues/{booth}", {"state": "open"}))[0] == 200


async def test_a_ticket_joined_on_another_device_shows_at_once(pages: Pages, server: LiveServer):
    booth = 5
    [staff] = await people(server, ["值班 Zhiban Wu"], exhibitor=booth)
    [me] = await people(server, ["吴芳 Wu Fang"])
    phone = await pages.new(locale="zh-CN", phone=True, cookie=me.cookie)
    await phone.goto("/#/hall")
    await phone.evaluate("window.stayed = true")  # gone if the page were loaded again
    await eventually(
        lambda: [c for c in server.services.gateway.clients if f"account:{me.id}" in c.topics]
    )
    badge = phone.locator("#header .queue-badge")
    await expect(badge).to_have_count(0)

    # Joined on the desktop: the phone's badge shows it, its booth named, and the call alerts.
    desk = await pages.new(locale="zh-CN", cookie=me.cookie)
    await desk.goto(f"/#/booth/{booth}")
    await desk.locator(".qpanel").get_by_role("button", name="排队").click()
    await expect(desk.locator(".qpanel-position")).to_have_text("下一位就是您")
    await expect(badge.locator(".queue-badge-booth")).to_have_text("磐石安全")
    await expect(badge.locator(".queue-badge-state")).to_have_text("排队 第1位")
    await staff.call(booth)
    alert = phone.get_by_role("alertdialog")
    await expect(alert.locator(".qalert-body")).to_have_text(
        "磐石安全 的 值班 Zhiban Wu 正在叫您。"
    )
    await fits_the_phone(phone)
    # Let go on the desktop: the phone's alert and badge go with it.
    await desk.get_by_role("alertdialog").get_by_role("button", name="放弃").click()
    await expect(alert).to_be_hidden()
    await expect(badge).to_have_count(0)

    # Three lines joined elsewhere: one button on the phone's one row, and the list it opens.
    for other in (5, 6, 7):
        await me.join(other)
    more = phone.locator("#header .queue-badge-more")
    await expect(more).to_have_text("排队 ×3")
    await expect(phone.locator("#header .queue-badges > .queue-badge")).to_have_count(1)
    await more.click()
    listed = phone.locator("#header .queue-badge-list .queue-badge-booth")
    await expect(listed).to_have_text(["磐石安全", "黔工互联", "云上影渲"])
    await expect(more).to_have_attribute("aria-expanded", "true")
    await fits_the_phone(phone)
    await phone.evaluate("scrollTo(0, 0)")
    await screenshot(phone, "queue-badges-many-phone-zh")
    await phone.keyboard.press("Escape")
    await expect(phone.locator("#header .queue-badge-list")).to_be_hidden()
    assert await phone.evaluate("window.stayed") is True
    for ticket in (await me.http("GET", "/api/match/queue-tickets"))[1]["tickets"]:
        await me.http("DELETE", f"/api/match/queue-tickets/{ticket['id']}")
    await expect(phone.locator("#header .queue-badges")).to_be_hidden()


async def away_since(server: LiveServer, ticket: int) -> bool:
    async with server.services.read() as db:
        row = await db.get(QueueTicket, ticket)
        return row is not None and row.away_since is not None


async def back(server: LiveServer, ticket: int) -> bool:
    async with server.services.read() as db:
        row = await db.get(QueueTicket, ticket)
        return row is not None and row.status == "waiting" and row.away_since is None


async def test_the_pages_wait_and_line_rules_are_the_servers(pages: Pages, server: LiveServer):
    page = await pages.open("/#/", locale="en-GB")
    cases = [
        (position, {"low": low, "high": high, "servers": servers})
        for position in range(1, 26)
        for servers in (0, 1, 2, 3, 5)
        for low, high in ((30.0, 30.0), (120.0, 240.0), (95.5, 301.0), (61.0, 62.0))
    ]
    waits = await page.evaluate(
        """async (cases) => {
          const { etaMinutes } = await import("/js/queue_rules.js");
          return cases.map(([position, service]) => etaMinutes(position, service));
        }""",
        cases,
    )
    expected = [eta_minutes(p, ServiceTimes(**s)) for p, s in cases]
    assert waits == [list(eta) if eta else None for eta in expected]
    assert None in waits  # nobody on duty: no wait, on the page as on the server
    line = {"position": 4, "length": 6, "eta": [6, 16], "rank": 7, "generation": 1, "version": 10}
    service = {"low": 120, "high": 240, "servers": 1}
    moves = await page.evaluate(
        """async ([line, service]) => {
          const { moved } = await import("/js/queue_rules.js");
          const at = (kind, rank, version, generation = 1, length = 6) =>
            moved(line, { kind, rank, version, generation, length, service });
          const position = (found) => (typeof found === "string" ? found : found.position);
          const unstaffed = moved(line, { kind: "left", rank: 9, version: 11, generation: 1,
            length: 5, service: { ...service, servers: 0 } });
          return [
            [unstaffed.eta, unstaffed.staffed],    // nobody on duty now: no wait
            position(at("called", 1, 11, 1, 5)),   // ahead of me: one place forward
            position(at("left", 9, 11, 1, 5)),     // behind me: no change
            position(at("joined", 6.5, 11, 1, 7)), // an appointment ahead of me: one back
            position(at("requeued", 1.5, 11, 1, 7)),
            position(at("called", 1, 10)),         // seen already
            position(at("called", 1, 13)),         // a gap
            position(at("called", 1, 11, 2)),      // a rebuilt line
          ];
        }""",
        [line, service],
    )
    assert moves == [[None, False], 3, 4, 5, 5, 4, "reload", "reload"]


async def test_with_nobody_on_duty_no_wait_is_promised_until_someone_is(
    pages: Pages, server: LiveServer
):
    booth = 8  # 数智政务: nobody on duty
    [staff] = await people(server, ["值班 Zhiban Zheng"], exhibitor=booth)
    [ahead, me] = await people(server, ["前面 Qianmian", "郑洁 Zheng Jie"])
    first = await ahead.join(booth)
    page = await pages.new(locale="zh-CN", cookie=me.cookie)
    await page.goto(f"/#/booth/{booth}")
    panel = page.locator(".qpanel")
    unknown = UNKNOWN_ZH
    await expect(panel.locator(".qpanel-summary")).to_have_text(f"排队 1 人 · {unknown}")
    await panel.get_by_role("button", name="排队").click()
    await expect(panel.locator(".qpanel-position")).to_have_text("您排在第 2 位")
    await expect(panel.locator(".qpanel-wait")).to_have_text(f"前面还有 1 人 · {unknown}")
    badge = page.locator("#header .queue-badge")
    await expect(badge.locator(".queue-badge-unstaffed")).to_have_text("无人在岗")
    await expect(badge).to_have_attribute("aria-label", f"数智政务：您排在第 2 位，{unknown}")
    await screenshot(page, "queue-unstaffed-zh")

    # Someone comes on duty and calls the first person: the line's event brings the wait.
    await staff.on_duty(booth)

    async def staffed() -> bool:
        async with server.http() as http:
            queue = (await http.get(f"/api/match/queues/{booth}")).json()["queue"]
        return bool(queue["staffed"])

    await eventually(staffed, timeout=UNSTAFFED_TTL + 5, interval=0.5)
    await staff.call(booth)
    await expect(panel.locator(".qpanel-position")).to_have_text("下一位就是您")
    await expect(panel.locator(".qpanel-wait")).to_have_text(
        f"预计等待 {await wait_text(server, booth, 1, zh=True)}"
    )
    await expect(badge.locator(".queue-badge-unstaffed")).to_have_count(0)
    await staff.no_show(first["id"])


async def drop_away(server: LiveServer, ticket: int) -> None:
    """As if every page of its owner had been closed ten minutes ago: the sweep drops it."""
    async with server.services.db() as db:
        await db.execute(
            update(QueueTicket)
            .where(col(QueueTicket.id) == ticket)
            .values(away_since=utcnow() - timedelta(minutes=10))
        )
        await db.commit()
    await drop_the_absent(server.services)


async def test_someone_dropped_while_away_is_told_on_their_next_page_and_rejoins(
    pages: Pages, server: LiveServer
):
    booth, name = 9, "黔医健康大数据"
    [ahead, me] = await people(server, ["前面 Qian Mian", "钱多 Qian Duo"])
    await ahead.join(booth)
    ticket = await me.join(booth)  # then every page closed: nobody follows it
    await drop_away(server, ticket["id"])
    assert (await me.http("GET", "/api/match/queue-tickets"))[1]["dropped"][0]["id"] == ticket["id"]

    page = await pages.new(locale="zh-CN", cookie=me.cookie)
    await page.goto("/#/hall")
    notice = page.locator(".qnotice")
    await expect(notice.locator(".qnotice-text")).to_have_text(
        f"您因离开页面超过 2 分钟，已退出「{name}」的排队。"
    )
    await expect(page.locator("#header .queue-badge")).to_have_count(0)
    await screenshot(page, "queue-dropped-zh")
    await notice.get_by_role("button", name="重新排队（排到队尾）").click()
    badge = page.locator("#header .queue-badge")
    await expect(badge.locator(".queue-badge-state")).to_have_text("排队 第2位")  # at the end
    await expect(notice).to_have_count(0)
    await page.reload()
    await expect(badge.locator(".queue-badge-state")).to_have_text("排队 第2位")
    await expect(notice).to_have_count(0)

    # Dropped while a page is open (its socket gone past the grace period, say): told at once.
    [again] = (await me.http("GET", "/api/match/queue-tickets"))[1]["tickets"]
    async with server.services.db() as db:
        await db.execute(
            update(QueueTicket)
            .where(col(QueueTicket.id) == again["id"])
            .values(away_since=utcnow() - timedelta(minutes=10))
        )
        await db.commit()
    assert await _drop(server.services, again["id"], utcnow())
    await expect(notice.locator(".qnotice-text")).to_have_text(
        f"您因离开页面超过 2 分钟，已退出「{name}」的排队。"
    )
    await expect(badge).to_have_count(0)
    await notice.get_by_role("button", name="知道了").click()
    await expect(notice).to_have_count(0)


async def test_someone_dropped_for_two_missed_calls_is_told_and_may_dismiss_it(
    pages: Pages, server: LiveServer
):
    booth = 10  # 货运通 FreightLink
    [staff] = await people(server, ["Staff Ten"], exhibitor=booth)
    [me] = await people(server, ["Olu Ade"])
    ticket = await me.join(booth)
    for _ in range(2):  # called twice, never answered: no page was open
        await staff.call(booth)
        await staff.no_show(ticket["id"])

    page = await pages.new(locale="en-GB", phone=True, cookie=me.cookie)
    await page.goto(f"/#/booth/{booth}")
    notice = page.locator(".qnotice")
    await expect(notice.locator(".qnotice-text")).to_have_text(
        "You left the line at FreightLink: you did not answer two calls."
    )
    await expect(notice.get_by_role("button", name="Rejoin at the end")).to_be_visible()
    await fits_the_phone(page)
    await screenshot(page, "queue-dropped-phone-en")
    await notice.get_by_role(
        "button", name="Dismiss the notice about the line at FreightLink"
    ).click()
    await expect(notice).to_have_count(0)
    await page.reload()  # remembered in this browser
    await expect(page.locator(".qpanel-join")).to_be_visible()
    await expect(notice).to_have_count(0)
