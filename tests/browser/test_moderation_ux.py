"""What moderation looks like to the people on both sides: a delete that asks first, a muted
person's Q&A box closed with the reason, and a hidden question its author still sees, marked."""

from __future__ import annotations

from playwright.async_api import expect

from tests.browser.test_moderation import in_chat, open_tab, post
from tests.browser.web import Pages, boxes, register
from tests.live import LiveServer, Peer

MODERATOR = "moderator@demo.shubo.live"
CLIPPABLE = ".chat-author, .chat-text, .chat-action, .chat-action-label"


async def as_moderator(server: LiveServer, command: str, data: dict) -> dict:
    async with server.connect(await server.sign_in(MODERATOR)) as ws:
        reply = await Peer(ws).command(command, data)
    assert reply["type"] == "ok", reply
    return reply["data"]  # type: ignore[no-any-return]


async def test_a_muted_attendees_question_box_is_closed_with_the_reason_until_lifted(
    pages: Pages, server: LiveServer
):
    _, cookie = await register(server, "钱多 Qian Duo")
    page = await pages.open("/#/forum/8", locale="en-US", cookie=cookie)
    await open_tab(page, "Q&A")
    box = page.locator(".qa-input")
    await expect(box).to_be_editable()
    async with server.http(headers={"Cookie": cookie}) as http:
        me = (await http.get("/api/me")).json()
    account = me.get("account", me)["id"]
    await as_moderator(server, "forum.mute", {"forum": 8, "account": account, "duration": 60})
    # Closed at once (no refusal after typing and sending), saying why and until when.
    await expect(box).to_be_disabled()
    await expect(page.locator(".qa-ask-button")).to_be_disabled()
    await expect(page.locator(".qa-note")).to_contain_text("muted you until")
    await as_moderator(server, "forum.lift", {"forum": 8, "account": account})
    await expect(box).to_be_editable()
    await expect(page.locator(".qa-note")).not_to_contain_text("muted")


async def test_a_hidden_question_stays_in_its_authors_list_marked_hidden(
    pages: Pages, server: LiveServer
):
    _, cookie = await register(server, "孙悦 Sun Yue")
    page = await pages.open("/#/forum/8", locale="en-US", cookie=cookie)
    await open_tab(page, "Q&A")
    question = await ask_as(server, cookie, 8, "Will the talks be recorded?")
    mine = page.locator(".qa-item", has_text="Will the talks be recorded?")
    await expect(mine).to_be_visible()
    await as_moderator(server, "question.hide", {"question": question})
    await expect(mine).to_contain_text("Hidden by a moderator")
    await page.reload()
    await open_tab(page, "Q&A")
    await expect(mine).to_contain_text("Hidden by a moderator")
    # Nobody else sees it.
    other = await pages.open("/#/forum/8", locale="en-US")
    await open_tab(other, "Q&A")
    await expect(other.locator(".qa-panel")).to_be_visible()
    await expect(other.locator(".qa-item", has_text="recorded")).to_have_count(0)


async def ask_as(server: LiveServer, cookie: str, forum: int, text: str) -> int:
    async with server.connect(cookie) as ws:
        reply = await Peer(ws).command("question.ask", {"forum": forum, "text": text})
    assert reply["type"] == "ok", reply
    return reply["data"]["question"]["id"]  # type: ignore[no-any-return]


async def test_a_moderators_delete_asks_first_and_stands_apart_from_mute_and_ban(
    pages: Pages, server: LiveServer
):
    _, cookie = await register(server, "周涛 Zhou Tao")
    await post(server, cookie, 9, "Buy followers at spam.example")
    moderator = await pages.open(
        "/#/forum/9", locale="en-US", cookie=await server.sign_in(MODERATOR)
    )
    message = in_chat(moderator).locator(".chat-msg", has_text="spam.example")
    await message.hover()
    delete = message.get_by_role("button", name="Delete")
    # Apart from Mute and Ban: not the next button along.
    at = await boxes(
        moderator,
        delete=".chat-msg .chat-action[data-action=delete]",
        mute=".chat-msg .chat-action[data-action=mute]",
    )
    assert at["delete"] and at["mute"], at
    gap = max(
        at["mute"]["left"] - at["delete"]["right"], at["delete"]["left"] - at["mute"]["right"]
    )
    assert gap >= 16, ("Delete right beside Mute", at)
    await delete.click()
    # Nothing gone yet: it asks, and Cancel keeps the message.
    confirm = message.get_by_role("button", name="Delete for everyone")
    await expect(confirm).to_be_visible()
    await message.get_by_role("button", name="Cancel").click()
    await expect(confirm).to_have_count(0)
    await expect(message).to_be_visible()
    await message.hover()
    await message.get_by_role("button", name="Delete").click()
    await message.get_by_role("button", name="Delete for everyone").click()
    await expect(in_chat(moderator).locator(".chat-msg", has_text="spam.example")).to_have_count(0)


async def test_the_duration_picker_shows_the_whole_name_and_message_on_desktop_and_phone(
    pages: Pages, server: LiveServer
):
    name = "欧阳娜娜 Ouyang Nana-Christensen"
    _, cookie = await register(server, name)
    await post(server, cookie, 9, "A long question about the cross-region scheduling of GPUs")
    for phone in (False, True):
        page = await pages.open(
            "/#/forum/9", locale="en-US", phone=phone, cookie=await server.sign_in(MODERATOR)
        )
        message = in_chat(page).locator(".chat-msg", has_text="cross-region scheduling")
        await message.hover()
        await message.get_by_role("button", name="Mute").click()
        await expect(message.get_by_role("button", name="5 min")).to_be_visible()
        await expect(message.locator(".chat-action-label")).to_have_text(f"Mute {name}:")
        clipped = await message.evaluate(
            """(msg) => [...msg.querySelectorAll(CLIPPABLE)]
              .filter((el) => el.scrollWidth > el.clientWidth + 1
                || el.getBoundingClientRect().right > msg.getBoundingClientRect().right + 1)
              .map((el) => el.className)""".replace("CLIPPABLE", repr(CLIPPABLE))
        )
        assert clipped == [], (phone, clipped)
