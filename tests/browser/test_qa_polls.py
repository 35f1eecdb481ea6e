"""Q&A and polls in a forum room, in the browser: two people ask, upvote and vote and see each
other's changes; a moderator approves questions and runs a poll from the page."""

from __future__ import annotations

from playwright.async_api import Page, expect

from tests.browser.web import ATTENDEE, Pages, register, screenshot
from tests.integration.test_qa import speaks_in
from tests.live import LiveServer, Peer

SPEAKER = "speaker@demo.shubo.live"
MODERATOR = "moderator@demo.shubo.live"
# Questions already asked in the room, as if it had been busy for a while: (asker, text, votes).
ASKED = [
    (SPEAKER, "东数西算工程中，西部数据中心如何保障低时延业务？", 3),
    (MODERATOR, "What does the national computing network mean for small cloud providers?", 1),
]


async def ask(server: LiveServer, email: str, forum: int, text: str) -> int:
    async with server.connect(await server.sign_in(email)) as ws:
        reply = await Peer(ws).command("question.ask", {"forum": forum, "text": text})
    assert reply["type"] == "ok", reply
    return reply["data"]["question"]["id"]  # type: ignore[no-any-return]


async def upvote(server: LiveServer, question: int, times: int) -> None:
    for i in range(times):
        _, cookie = await register(server, f"听众 {i}")
        async with server.connect(cookie) as ws:
            assert (await Peer(ws).command("question.vote", {"question": question}))["type"] == "ok"


async def vote_as_others(server: LiveServer, ballots: list[list[int]]) -> None:
    """Ballots from new attendees in the room's open poll (the latest one)."""
    async with server.http() as http:
        [poll] = [
            p
            for p in (await http.get("/api/forums/3/polls")).json()["polls"]
            if p["state"] == "open"
        ]
    for i, choices in enumerate(ballots):
        _, cookie = await register(server, f"投票人 {i}")
        async with server.connect(cookie) as ws:
            reply = await Peer(ws).command("poll.vote", {"poll": poll["id"], "choices": choices})
        assert reply["type"] == "ok", reply


async def tab(page: Page, name: str) -> None:
    await page.get_by_role("tab", name=name).click()
    await expect(page.get_by_role("tab", name=name)).to_have_attribute("aria-selected", "true")


async def test_two_attendees_ask_and_upvote_and_see_each_others_questions(
    pages: Pages, server: LiveServer
):
    for email, text, votes in ASKED:
        await upvote(server, await ask(server, email, 2, text), votes)
    zhang = await pages.open("/#/forum/2", locale="zh-CN", cookie=await server.sign_in(ATTENDEE))
    _, cookie = await register(server, "Anna Schmidt")
    anna = await pages.open("/#/forum/2", locale="en-GB", cookie=cookie)
    await tab(zhang, "问答")
    await tab(anna, "Q&A")
    await expect(zhang.locator(".qa-open .qa-text")).to_have_text([text for _, text, _ in ASKED])

    await zhang.locator(".qa-input").fill("贵州的绿色电力能支撑多大的算力规模？")
    await zhang.locator(".qa-input").press("Enter")
    await expect(zhang.locator(".qa-input")).to_have_value("")
    asked = anna.locator(".qa-item", has_text="贵州的绿色电力")
    await expect(asked.locator(".qa-text")).to_have_text("贵州的绿色电力能支撑多大的算力规模？")
    await expect(asked.locator(".qa-author")).to_have_text("张伟 Zhang Wei")
    await expect(zhang.locator(".qa-item.is-own")).to_have_count(1)

    # Anna upvotes it twice over (once, and a second upvote of another question); both see it.
    await asked.get_by_role("button", name="Upvote this question").click()
    await expect(asked.locator(".qa-vote")).to_have_attribute("aria-pressed", "true")
    mine = zhang.locator(".qa-item.is-own")
    await expect(mine.locator(".qa-count")).to_have_text("1")
    await expect(zhang.locator(".qa-open .qa-count")).to_have_text(["3", "1", "1"])

    await anna.locator(".qa-input").fill("Will the forum's slides be published?")
    await anna.get_by_role("button", name="Ask").click()
    theirs = zhang.locator(".qa-item", has_text="slides")
    await theirs.get_by_role("button", name="赞同这个问题").click()
    await expect(anna.locator(".qa-item", has_text="slides").locator(".qa-count")).to_have_text("1")

    # Taking an upvote back moves the question down for everyone.
    await asked.get_by_role("button", name="Take back your upvote").click()
    await expect(mine.locator(".qa-count")).to_have_text("0")
    await expect(zhang.locator(".qa-open .qa-count")).to_have_text(["3", "1", "1", "0"])
    await asked.get_by_role("button", name="Upvote this question").click()
    await expect(zhang.locator(".qa-open .qa-count")).to_have_text(["3", "1", "1", "1"])
    await screenshot(zhang, "room-qa-zh")
    await screenshot(anna, "room-qa-en")


async def test_a_moderator_approves_questions_that_wait_in_a_pre_moderated_room(
    pages: Pages, server: LiveServer
):
    moderator = await pages.open(
        "/#/forum/4", locale="en-GB", cookie=await server.sign_in(MODERATOR)
    )
    viewer = await pages.open("/#/forum/4", locale="zh-CN", cookie=await server.sign_in(ATTENDEE))
    await tab(moderator, "Q&A")
    await tab(viewer, "问答")
    await moderator.get_by_text("Approve questions first").click()
    await expect(viewer.locator(".qa-note")).to_have_text("本场提问需主持人审核后显示。")

    await viewer.locator(".qa-input").fill("数据交易所的定价机制是怎样的？<b>")
    await viewer.locator(".qa-input").press("Enter")
    await expect(viewer.locator(".qa-note")).to_have_text("已提交，等待主持人审核。")
    waiting = moderator.locator(".qa-queue .qa-item")
    await expect(waiting.locator(".qa-text")).to_have_text(["数据交易所的定价机制是怎样的？<b>"])
    await expect(moderator.locator(".qa-text b")).to_have_count(0)  # text, never markup
    await expect(viewer.locator(".qa-item.is-pending .tag-pending")).to_have_text("待审核")

    # A second one the moderator hides: it leaves the asker's open questions, marked hidden.
    await viewer.locator(".qa-input").fill("广告：加我微信")
    await viewer.locator(".qa-input").press("Enter")
    await expect(viewer.locator(".qa-item.is-pending")).to_have_count(2)
    spam = moderator.locator(".qa-queue .qa-item", has_text="广告")
    await spam.get_by_role("button", name="Hide").click()
    await expect(viewer.locator(".qa-item.is-pending .qa-text")).to_have_text(
        ["数据交易所的定价机制是怎样的？<b>"]
    )

    await waiting.get_by_role("button", name="Approve").click()
    shown = viewer.locator(".qa-open .qa-item")
    await expect(shown.locator(".tag-pending")).to_have_count(0)
    await expect(moderator.locator(".qa-queue .qa-item")).to_have_count(0)
    await moderator.locator(".qa-open .qa-item").get_by_role("button", name="Pin").click()
    await expect(shown.locator(".tag-pinned")).to_have_text("置顶")
    await moderator.locator(".qa-open .qa-item").get_by_role("button", name="Mark answered").click()
    await expect(viewer.locator(".qa-answered .qa-text")).to_have_text(
        ["数据交易所的定价机制是怎样的？<b>"]
    )
    await moderator.locator(".qa-answered .qa-item").get_by_role("button", name="Hide").click()
    await expect(viewer.locator(".qa-item:not(.is-hidden)")).to_have_count(0)
    # The asker still sees both, marked (test_moderation_ux.py); nobody else does.
    await expect(viewer.locator(".qa-item.is-hidden .tag-hidden")).to_have_text(
        ["已被主持人隐藏，仅您可见"] * 2
    )
    await expect(moderator.locator(".qa-hidden summary")).to_have_text("Hidden (2)")


async def test_a_moderator_runs_a_poll_and_two_attendees_vote_and_see_the_results(
    pages: Pages, server: LiveServer
):
    moderator = await pages.open(
        "/#/forum/3", locale="zh-CN", cookie=await server.sign_in(MODERATOR)
    )
    zhang = await pages.open("/#/forum/3", locale="zh-CN", cookie=await server.sign_in(ATTENDEE))
    _, cookie = await register(server, "Anna Schmidt")
    anna = await pages.open("/#/forum/3", locale="en-GB", cookie=cookie)
    for page, name in [(moderator, "投票"), (zhang, "投票"), (anna, "Polls")]:
        await tab(page, name)
    await expect(zhang.locator(".polls-status")).to_have_text("目前还没有投票。")

    await moderator.get_by_role("button", name="新建投票").click()
    await moderator.locator(".poll-draft [name=question]").fill("您认为数据流通最大的障碍是什么？")
    await moderator.locator("[name=option-0]").fill("确权难 Ownership")
    await moderator.locator("[name=option-1]").fill("定价难 Pricing")
    await moderator.get_by_role("button", name="添加选项").click()
    await moderator.locator("[name=option-2]").fill("安全合规 Compliance")
    await moderator.get_by_role("button", name="保存并开始").click()

    card = anna.locator(".poll-card")
    await expect(card.locator(".poll-question")).to_have_text("您认为数据流通最大的障碍是什么？")
    await vote_as_others(server, [[0], [1], [1], [2]])
    await expect(card.locator(".chip").first).to_have_text("Open")
    await card.get_by_label("定价难 Pricing").check()
    await card.get_by_role("button", name="Vote").click()
    await expect(card.locator(".poll-voted")).to_contain_text("You voted")
    zhang_card = zhang.locator(".poll-card")
    await expect(zhang_card.locator(".poll-voters")).to_have_text("共 5 人投票")
    await zhang_card.get_by_label("安全合规 Compliance").check()
    await zhang_card.get_by_role("button", name="投票").click()
    await expect(card.locator(".poll-figures")).to_have_text(["17% · 1", "50% · 3", "33% · 2"])

    # Anna changes her mind while the poll is open.
    await card.get_by_label("安全合规 Compliance").check()
    await card.get_by_role("button", name="Change vote").click()
    after = ["17% · 1 票", "33% · 2 票", "50% · 3 票"]
    await expect(zhang_card.locator(".poll-figures")).to_have_text(after)
    await expect(moderator.locator(".poll-figures")).to_have_text(after)
    await screenshot(zhang, "room-polls-zh")
    await screenshot(anna, "room-polls-en")

    await moderator.get_by_role("button", name="结束投票").click()
    await expect(card.locator(".chip").first).to_have_text("Closed")
    await expect(card.locator(".poll-ballot")).to_have_count(0)
    await expect(card.locator(".is-chosen .tag-own")).to_have_text("Your choice")
    await expect(zhang_card.locator(".poll-figures")).to_have_text(after)


async def test_results_after_closing_stay_hidden_from_the_room_until_then(
    pages: Pages, server: LiveServer
):
    async with server.connect(await server.sign_in(MODERATOR)) as ws:
        mod = Peer(ws)
        draft = {
            "forum": 5,
            "question": "Which session did you like best?",
            "options": ["Keynote", "Panel"],
            "live_results": False,
        }
        poll = (await mod.command("poll.create", draft))["data"]["poll"]["id"]
        await mod.command("poll.open", {"poll": poll})
        viewer = await pages.open(
            "/#/forum/5", locale="en-GB", cookie=await server.sign_in(ATTENDEE)
        )
        await tab(viewer, "Polls")
        card = viewer.locator(".poll-card")
        await card.get_by_label("Panel").check()
        await card.get_by_role("button", name="Vote").click()
        await expect(card.locator(".poll-voters")).to_have_text(
            "Results are shown when the poll closes."
        )
        await expect(card.locator(".poll-figures")).to_have_count(0)
        await mod.command("poll.close", {"poll": poll})
    await expect(card.locator(".poll-figures")).to_have_text(["0% · 0", "100% · 1"])
    await expect(card.locator(".poll-voters")).to_have_text("1 voter")  # not "1 voters"


async def test_a_moderator_rewrites_a_draft_before_opening_it(pages: Pages, server: LiveServer):
    async with server.connect(await server.sign_in(MODERATOR)) as ws:
        draft = {"forum": 7, "question": "Which topic first?", "options": ["Compute", "Data"]}
        reply = await Peer(ws).command("poll.create", draft)
    assert reply["type"] == "ok", reply
    moderator = await pages.open(
        "/#/forum/7", locale="en-GB", cookie=await server.sign_in(MODERATOR)
    )
    await tab(moderator, "Polls")
    card = moderator.locator(".poll-card", has_text="Which topic first?")
    await card.get_by_role("button", name="Edit").click()
    form = moderator.locator(".poll-draft")
    await expect(form.locator("[name=question]")).to_have_value("Which topic first?")
    await form.locator("[name=question]").fill("Which topic should the panel take first?")
    await form.locator("[name=option-1]").fill("Data security")
    await form.get_by_role("button", name="Save draft").click()
    await expect(form).to_have_count(0)
    rewritten = moderator.locator(".poll-card", has_text="Which topic should the panel take first?")
    await expect(rewritten).to_contain_text("Data security")
    await expect(moderator.locator(".poll-card")).to_have_count(1)  # changed, not added


async def test_a_late_older_switch_does_not_undo_the_pre_moderation_the_page_loaded(
    pages: Pages, server: LiveServer
) -> None:
    """The questions snapshot carries the room's settings' version: a `qa.pre_moderation_changed`
    older than it, announced late by a slower process, changes nothing on the page."""
    async with server.connect(await server.sign_in(MODERATOR)) as ws:
        mod = Peer(ws)
        off = await mod.command("forum.set_pre_moderation", {"forum": 5, "enabled": False})
        on = await mod.command("forum.set_pre_moderation", {"forum": 5, "enabled": True})
        assert on["data"]["version"] > off["data"]["version"], (off, on)
        viewer = await pages.open(
            "/#/forum/5", locale="en-GB", cookie=await server.sign_in(ATTENDEE)
        )
        await tab(viewer, "Q&A")
        note = "Questions appear here once a moderator approves them."
        await expect(viewer.locator(".qa-note")).to_have_text(note)

        # The switch off, announced again after the snapshot (as a slower process would).
        late = ("forum:5", "qa.pre_moderation_changed", off["data"])
        await server.services.hub.publish_stored([late])
        # A change after it on the same topic: once the page shows it, the late one was seen.
        await mod.command("forum.set_slow_mode", {"forum": 5, "seconds": 10})
        await expect(viewer.locator(".slow-mode-line")).to_have_text(
            "Slow mode: one message every 10 s"
        )
        await expect(viewer.locator(".qa-note")).to_have_text(note)
        await mod.command("forum.set_slow_mode", {"forum": 5, "seconds": 0})
        await mod.command("forum.set_pre_moderation", {"forum": 5, "enabled": False})


async def test_a_speaker_gets_no_answer_button_on_a_question_still_waiting_for_approval(
    pages: Pages, server: LiveServer
) -> None:
    """Answering a pending question would show it to the room: the moderators' call, so the
    speaker's page offers it only once approved (the server refuses it: qa.not_approved)."""
    await speaks_in(server, 6)
    async with server.connect(await server.sign_in(MODERATOR)) as ws:
        switched = await Peer(ws).command("forum.set_pre_moderation", {"forum": 6, "enabled": True})
        assert switched["type"] == "ok", switched
    await ask(server, ATTENDEE, 6, "Will the data exchange publish its prices?")
    speaker = await pages.open("/#/forum/6", locale="en-GB", cookie=await server.sign_in(SPEAKER))
    moderator = await pages.open(
        "/#/forum/6", locale="en-GB", cookie=await server.sign_in(MODERATOR)
    )
    for page in (speaker, moderator):
        await tab(page, "Q&A")
    waiting = moderator.locator(".qa-queue .qa-item", has_text="data exchange")
    await expect(waiting.get_by_role("button", name="Mark answered")).to_be_visible()
    on_speakers_page = speaker.locator(".qa-queue .qa-item", has_text="data exchange")
    await expect(on_speakers_page).to_be_visible()
    await expect(on_speakers_page.get_by_role("button", name="Mark answered")).to_have_count(0)

    await waiting.get_by_role("button", name="Approve").click()
    approved = speaker.locator(".qa-open .qa-item", has_text="data exchange")
    await approved.get_by_role("button", name="Mark answered").click()
    await expect(
        moderator.locator(".qa-answered .qa-item", has_text="data exchange")
    ).to_be_visible()
    async with server.connect(await server.sign_in(MODERATOR)) as ws:
        await Peer(ws).command("forum.set_pre_moderation", {"forum": 6, "enabled": False})


async def test_a_poll_made_after_one_was_deleted_shows_on_open_pages(
    pages: Pages, server: LiveServer
):
    """SQLite hands a deleted row's id to the next new row when it was the newest: the page's
    mark that the deleted poll is gone for good must not hide the new poll that reuses its id."""
    viewer = await pages.open("/#/forum/6", locale="en-GB", cookie=await server.sign_in(ATTENDEE))
    await tab(viewer, "Polls")
    async with server.connect(await server.sign_in(MODERATOR)) as ws:
        mod = Peer(ws)
        first = {"forum": 6, "question": "Tea or coffee?", "options": ["Tea", "Coffee"]}
        gone = (await mod.command("poll.create", first))["data"]["poll"]["id"]
        await mod.command("poll.open", {"poll": gone})
        await expect(viewer.locator(".poll-card", has_text="Tea or coffee?")).to_have_count(1)
        await mod.command("poll.close", {"poll": gone})
        await mod.command("poll.delete", {"poll": gone})
        await expect(viewer.locator(".poll-card")).to_have_count(0)
        second = {"forum": 6, "question": "Which hall next?", "options": ["A", "B"]}
        made = (await mod.command("poll.create", second))["data"]["poll"]
        await mod.command("poll.open", {"poll": made["id"]})
    await expect(viewer.locator(".poll-card", has_text="Which hall next?")).to_have_count(1)


async def test_a_speaker_whose_ban_is_lifted_sees_the_questions_waiting_for_approval_again(
    pages: Pages, server: LiveServer
) -> None:
    """Issue 9: the ban took the speaker's page off the room's backstage too; the lift brought
    back the room but not the backstage, so questions waiting for approval no longer came."""
    await speaks_in(server, 8)
    speaker = await pages.open("/#/forum/8", locale="en-GB", cookie=await server.sign_in(SPEAKER))
    await tab(speaker, "Q&A")
    async with server.connect(await server.sign_in(MODERATOR)) as ws:
        mod = Peer(ws)
        switched = await mod.command("forum.set_pre_moderation", {"forum": 8, "enabled": True})
        assert switched["type"] == "ok", switched
        await ask(server, ATTENDEE, 8, "Is the queue back after the ban?")
        await expect(speaker.locator(".qa-queue .qa-item", has_text="queue back")).to_be_visible()
        async with server.http() as http:
            me = await http.get("/api/me", headers={"Cookie": await server.sign_in(SPEAKER)})
        sanction = {"forum": 8, "account": me.json()["account"]["id"]}
        banned = await mod.command("forum.ban", sanction | {"duration": "day"})
        assert banned["type"] == "ok", banned
        removed = "You were removed from this room."
        await expect(speaker.locator(".qa-status")).to_have_text(removed)
        assert (await mod.command("forum.lift", sanction))["type"] == "ok"
    await expect(speaker.locator(".qa-status")).not_to_have_text(removed)
    await ask(server, ATTENDEE, 8, "Does the speaker see this one?")
    await expect(speaker.locator(".qa-queue .qa-item", has_text="see this one")).to_be_visible()


async def test_a_poll_option_counts_characters_as_seen_with_a_counter_and_is_never_cut(
    pages: Pages, server: LiveServer
):
    family = "👨\u200d👩\u200d👧"  # one character as seen, 8 UTF-16 units
    moderator = await pages.open(
        "/#/forum/6", locale="en-GB", cookie=await server.sign_in(MODERATOR)
    )
    await tab(moderator, "Polls")
    await moderator.get_by_role("button", name="New poll").click()
    form = moderator.locator(".poll-draft")
    await form.locator("[name=question]").fill(f"Which family? {family * 40}")
    first = form.locator("[name=option-0]")
    await first.fill(family * 60)  # 60 characters, 480 UTF-16 units: whole, 40 left
    await expect(first).to_have_value(family * 60)
    counter = form.locator(".poll-option-counter").first
    await expect(counter).to_have_text("40 characters left")
    await first.fill("a" * 101)  # the server's limit is 100 characters as seen
    await expect(counter).to_have_text("1 character too many")
    await expect(first).to_have_attribute("aria-invalid", "true")
    await expect(form.get_by_role("button", name="Save draft")).to_be_disabled()
    await first.fill(family * 100)
    await expect(counter).to_have_text("0 characters left")
    await form.locator("[name=option-1]").fill("None")
    await form.get_by_role("button", name="Save draft").click()
    await expect(form).to_have_count(0)
    card = moderator.locator(".poll-card", has_text="Which family?")
    await expect(card).to_contain_text(family * 100)
    await expect(card).to_contain_text(f"Which family? {family * 40}")
