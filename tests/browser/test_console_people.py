"""The console's People tab (#/console/people): an organiser invites someone and sees the link
once, checks a CSV paste row by row and invites only the valid rows, and disables an account,
whose open page in another browser is signed out at once; in Chinese and English, on a desktop
and a phone."""

from __future__ import annotations

from playwright.async_api import expect

from tests.browser.web import Pages, boxes, register, screenshot, unique_email
from tests.live import LiveServer

ORGANIZER = "organizer@demo.shubo.live"


async def open_people(pages: Pages, server: LiveServer, **options):
    page = await pages.open("/#/console/people", cookie=await server.sign_in(ORGANIZER), **options)
    await expect(page.locator(".people-accounts-table")).to_be_visible()
    return page


async def test_an_organiser_invites_someone_and_sees_the_link_once(
    pages: Pages, server: LiveServer
):
    page = await open_people(pages, server, locale="zh-CN")
    await expect(page.locator(".console-tab[aria-current=page]")).to_have_text("人员与邀请")
    email = unique_email("guest")
    form = page.locator(".people-invite-form")
    await form.get_by_label("邮箱").fill(email)
    await form.get_by_label("角色").select_option("exhibitor")
    await form.get_by_role("button", name="发送邀请").click()
    await expect(page.locator(".people-result .form-error")).to_have_text(
        "只有参展商工作人员需要指定参展商，而且必须指定。"
    )
    await form.get_by_label("参展商").select_option(index=2)
    await form.get_by_role("button", name="发送邀请").click()

    issued = page.locator(".people-result .people-issued")
    await expect(issued).to_contain_text(f"给 {email} 的邀请链接（只显示这一次）")
    link = await issued.locator("input.people-link").input_value()
    assert "/#/invite/" in link
    await expect(issued).to_contain_text("未发送邮件")  # no SMTP on the test server
    await expect(form.get_by_label("邮箱")).to_have_value("")
    row = page.locator(".people-invitations-table tr", has_text=email)
    await expect(row).to_contain_text("待接受")
    await expect(row).to_contain_text("参展商工作人员")
    await screenshot(page, "console-people-zh")

    # Revoked: asked first, then the link is dead.
    await row.get_by_role("button", name="撤回").click()
    await row.get_by_role("button", name="确认撤回").click()
    await expect(row).to_contain_text("已撤回")
    async with server.http() as http:
        opened = await http.post("/api/invitations/open", json={"token": link.rsplit("/", 1)[1]})
    assert opened.json()["error"]["code"] == "invitation.revoked"

    await page.get_by_role("button", name="English").click()
    await expect(page.locator(".console-tab[aria-current=page]")).to_have_text("People")
    await expect(row).to_contain_text("Revoked")
    # A search finds accounts by organisation; the role of each is shown and can be changed.
    await page.get_by_role("searchbox").fill("组委会")
    await page.get_by_role("search").get_by_role("button", name="Search").click()
    accounts = page.locator(".people-accounts-table tbody tr")
    await expect(accounts).to_have_count(2)
    await expect(accounts.first).to_contain_text("moderator@demo.shubo.live")
    await expect(page.locator(".people-pager")).to_contain_text("Page 1 of 1, 2 accounts")
    me = page.locator(".people-accounts-table tr", has_text="organizer@demo.shubo.live")
    await expect(me).to_contain_text("(you)")
    await expect(me.get_by_role("button", name="Disable")).to_have_count(0)
    await page.get_by_role("searchbox").fill("")
    await page.get_by_role("search").get_by_role("button", name="Search").click()
    await expect(page.locator(".people-pager")).to_contain_text("Page 1 of")
    # The accounts, just below the sticky header.
    await page.evaluate(
        "scrollBy(0, document.querySelector('.people-accounts').getBoundingClientRect().top - 160)"
    )
    await screenshot(page, "console-people-en")
    # The usual desktops: nothing wider than the window, the invite form on one row.
    for width, height in ((1366, 768), (1920, 1080)):
        await page.set_viewport_size({"width": width, "height": height})
        scroll_width = await page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= width, (width, scroll_width)
        email_box = await form.get_by_label("Email").bounding_box()
        button_box = await form.get_by_role("button", name="Invite").bounding_box()
        assert email_box and button_box and abs(email_box["y"] - button_box["y"]) < 40


async def test_a_bulk_paste_is_checked_row_by_row_and_only_valid_rows_are_invited(
    pages: Pages, server: LiveServer
):
    page = await open_people(pages, server, locale="en-US")
    good, staff = unique_email("bulk"), unique_email("staff")
    paste = "\n".join(
        [
            "email,role,exhibitor,display name,language",
            f"{good},speaker,,Li Na,en",
            f"{staff},exhibitor,3",
            "nobody-at-example.cn,speaker,",
            f"{good},moderator,",
            f"{unique_email()},janitor,",
            "attendee@demo.shubo.live,speaker,",
            f"{unique_email()},exhibitor,No Such Company",
        ]
    )
    await page.get_by_label("CSV").fill(paste)
    await page.get_by_role("button", name="Check", exact=True).click()
    await expect(page.locator(".people-summary")).to_have_text(
        "2 rows can be invited, 5 have problems."
    )
    rows = page.locator(".people-bulk-table tbody tr")
    await expect(rows).to_have_count(7)
    await expect(rows.nth(0)).to_contain_text("OK to invite")
    await expect(rows.nth(2)).to_contain_text("Not an email address")
    await expect(rows.nth(3)).to_contain_text("The same email as a line above")
    await expect(rows.nth(4)).to_contain_text("Unknown role")
    await expect(rows.nth(5)).to_contain_text("This email has an account already")
    await expect(rows.nth(6)).to_contain_text("Unknown exhibitor")
    await page.locator(".people-bulk-table").scroll_into_view_if_needed()
    await screenshot(page, "console-bulk-invite-en")

    await page.get_by_role("button", name="Invite the 2 valid rows").click()
    done = page.locator(".people-bulk-result .people-issued")
    await expect(done).to_contain_text("Invited 2. These links are shown only this once:")
    await expect(done.locator("input.people-link")).to_have_count(2)
    link = await done.locator("input.people-link").first.input_value()
    invitee = await pages.open(link[link.index("/#/") :], locale="en-US")
    # The name the paste suggested is where the invitee starts.
    await expect(invitee.locator("input[name=display_name]")).to_have_value("Li Na")
    invitations = page.locator(".people-invitations-table")
    await expect(invitations.locator("tr", has_text=good)).to_contain_text("Pending")
    await expect(invitations.locator("tr", has_text=staff)).to_contain_text("Exhibitor staff")
    # Checked again, the same paste now finds them invited.
    await page.get_by_role("button", name="Check", exact=True).click()
    await expect(page.locator(".people-summary")).to_have_text(
        "0 rows can be invited, 7 have problems."
    )
    await expect(rows.nth(0)).to_contain_text("This email has a pending invitation")


async def test_disabling_an_account_signs_out_its_open_page(pages: Pages, server: LiveServer):
    email, cookie = await register(server, "待停用 Ms Test")
    theirs = await pages.open("/#/", cookie=cookie, locale="zh-CN")
    header = theirs.locator("#header")
    await expect(header.get_by_role("link", name="登录")).to_have_count(0)
    await expect(header).to_contain_text("待停用 Ms Test")

    page = await open_people(pages, server, locale="zh-CN", phone=True)
    await page.get_by_role("searchbox").fill(email)
    await page.get_by_role("search").get_by_role("button", name="搜索").click()
    row = page.locator(".people-accounts-table tbody tr")
    await expect(row).to_have_count(1)
    await expect(row).to_contain_text("参会者")
    await row.get_by_role("button", name="停用").click()
    confirm = row.get_by_role("alertdialog")
    await expect(confirm).to_contain_text("确认停用 待停用 Ms Test？")
    # On a phone the row is a card, inside the window.
    measured = await boxes(page, card=".people-accounts-table tbody tr")
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert measured["card"] is not None and width <= 390, width
    await confirm.scroll_into_view_if_needed()
    await screenshot(page, "console-people-phone-zh")
    await confirm.get_by_role("button", name="确认停用").click()

    await expect(row).to_contain_text("已停用")
    await expect(row.get_by_role("button", name="恢复")).to_be_visible()
    # The other browser is signed out at once, without a reload.
    await expect(header.get_by_role("link", name="登录")).to_be_visible()
    await expect(header).not_to_contain_text("待停用 Ms Test")


async def test_a_role_changed_on_the_page_reaches_the_persons_open_page(
    pages: Pages, server: LiveServer
):
    """The organiser makes an attendee exhibitor staff: the person's profile page, open in
    another browser, shows the new role without a reload."""
    email, cookie = await register(server, "将成为参展商 Mr Booth")
    theirs = await pages.open("/#/profile", cookie=cookie, locale="en-US")
    await expect(theirs.locator(".profile-who .chip")).to_have_text("Attendee")

    page = await open_people(pages, server, locale="en-US")
    await page.get_by_role("searchbox").fill(email)
    await page.get_by_role("search").get_by_role("button", name="Search").click()
    row = page.locator(".people-accounts-table tbody tr")
    await expect(row).to_have_count(1)
    save = row.get_by_role("button", name="Save role")
    await expect(save).to_be_disabled()
    await row.locator("select.people-role").select_option("exhibitor")
    await save.click()
    await expect(row.get_by_role("alert")).to_contain_text("Exhibitor staff need an exhibitor")
    await row.locator("select.people-exhibitor").select_option(index=3)
    await save.click()
    await expect(row.get_by_role("status")).to_have_text("Role saved.")
    await expect(row.locator("select.people-role")).to_have_value("exhibitor")

    await expect(theirs.locator(".profile-who .chip")).to_have_text("Exhibitor staff")


async def test_an_organiser_hands_over_a_reset_link_to_someone_who_forgot_their_password(
    pages: Pages, server: LiveServer
):
    """The demo sends no email: "forgot your password?" says to ask the organisers, and the
    People tab makes the link; it opens the page that sets a new password."""
    email, _cookie = await register(server, "忘记密码 Mr Forgetful")
    page = await open_people(pages, server, locale="en-GB")
    await page.get_by_role("searchbox").fill(email)
    await page.get_by_role("search").get_by_role("button", name="Search").click()
    row = page.locator(".people-accounts-table tbody tr")
    await expect(row).to_have_count(1)
    await row.get_by_role("button", name="Reset link").click()
    shown = row.locator(".people-reset-link")
    await expect(shown).to_contain_text("Password reset link for 忘记密码 Mr Forgetful")
    link = await shown.locator("input.people-link").input_value()
    assert link.startswith(f"{server.base}/#/reset/")
    # No link for oneself (the profile) nor for another organiser (the operator's).
    await page.get_by_role("searchbox").fill("organizer@demo.shubo.live")
    await page.get_by_role("search").get_by_role("button", name="Search").click()
    await expect(row).to_have_count(1)
    await expect(row.get_by_role("button", name="Reset link")).to_have_count(0)

    theirs = await pages.open(link.removeprefix(server.base), locale="en-GB")
    await theirs.get_by_label("New password").fill("A-new-one-for-the-expo-2026")
    await theirs.get_by_role("button", name="Set password and sign in").click()
    await expect(theirs.locator("#header")).to_contain_text("忘记密码 Mr Forgetful")


async def test_an_organiser_changes_someones_email_on_the_people_tab(
    pages: Pages, server: LiveServer
):
    """Without a mail server, a person's own email change cannot be confirmed and says to ask
    the organisers: they set it here, and a taken address is said so."""
    name = f"换邮箱 Ms Moved {unique_email('n')[4:12]}"
    await register(server, name)
    page = await open_people(pages, server, locale="zh-CN")
    await page.get_by_role("searchbox").fill(name)  # by name: the row stays once its email moves
    await page.get_by_role("search").get_by_role("button", name="搜索").click()
    row = page.locator(".people-accounts-table tbody tr")
    await expect(row).to_have_count(1)
    await row.get_by_role("button", name="改邮箱").click()
    field = row.get_by_label(f"{name} 的新邮箱")
    await expect(field).to_be_focused()
    await field.fill("speaker@demo.shubo.live")
    await row.get_by_role("button", name="保存邮箱").click()
    await expect(row.get_by_role("alert")).to_have_text("这个邮箱已经注册过了。")
    moved = unique_email("moved")
    await field.fill(moved)
    await row.get_by_role("button", name="保存邮箱").click()
    await expect(row.locator(".people-email")).to_have_text(moved)
    await expect(row.get_by_role("alert")).to_have_count(0)


async def test_any_exhibitor_of_a_big_hall_can_be_picked_by_name(pages: Pages, server: LiveServer):
    """The exhibitor picker asks the server (`GET /api/exhibitors?q=`): one far beyond the
    hall's first page (60 more exhibitors made here) is found by name, chosen and invited."""
    cookie = await server.sign_in(ORGANIZER)
    lines = [f"选取{n:02d},Picker {n:02d},ai" for n in range(60)] + ["末位公司,Zeta Lastcorp,ai"]
    csv_text = "\n".join(lines)
    async with server.http() as http:
        preview = (
            await http.post(
                "/api/hall/exhibitors/import/preview",
                json={"csv": csv_text},
                headers={"Cookie": cookie},
            )
        ).json()
        assert preview["valid"] == 61, preview
        done = await http.post(
            "/api/hall/exhibitors/import/confirm",
            json={"csv": csv_text, "fingerprint": preview["fingerprint"]},
            headers={"Cookie": cookie},
        )
        assert done.status_code == 200, done.text
        last_id = done.json()["created"][-1]["id"]
        hall = (await http.get("/api/exhibitors?per_page=48")).json()
        assert hall["total"] > 48 and last_id not in [e["id"] for e in hall["exhibitors"]]

    page = await open_people(pages, server, locale="en-GB")
    form = page.locator(".people-invite-form")
    email = unique_email("picked")
    await form.get_by_label("Email").fill(email)
    await form.get_by_label("Role").select_option("exhibitor")
    select = form.locator("select#people-invite-exhibitor")
    await expect(select.locator("option", has_text="Zeta Lastcorp")).to_have_count(0)
    await form.get_by_label("Find by name…").fill("Lastcorp")
    await expect(select).to_have_value(str(last_id))  # found alone: chosen
    await form.get_by_role("button", name="Invite").click()
    await expect(page.locator(".people-result .people-issued")).to_contain_text(email)
    row = page.locator(".people-invitations-table tr", has_text=email)
    await expect(row).to_contain_text("Zeta Lastcorp")
    # In Chinese too: another name finds its exhibitor, the first choice gone from the list.
    await page.get_by_role("button", name="中文").click()
    await form.get_by_label("按名称查找…").fill("选取59")
    await expect(select.locator("option", has_text="选取59")).to_have_count(1)
    await screenshot(page, "hall-gaps-picker-zh")
