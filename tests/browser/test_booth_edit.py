"""The booth editor (#/booth/<id>/edit) in Chromium: the demo exhibitor's staff find it from the
header, edit texts and industries, upload a document with progress, are told why a wrong file is
refused, add a product, go off duty and see a change made elsewhere; others are refused; the
page fits a phone. Screenshots: booth-edit-zh, booth-edit-en, booth-edit-phone-zh."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.async_api import expect

from expo.hall.demo_content import minimal_pdf
from tests.browser.web import Pages, screenshot
from tests.live import LiveServer

STAFF = "exhibitor@demo.shubo.live"
ORGANIZER = "organizer@demo.shubo.live"
ATTENDEE = "attendee@demo.shubo.live"


async def booth(server: LiveServer, exhibitor_id: int = 1) -> dict:
    async with server.http() as http:
        return (await http.get(f"/api/exhibitors/{exhibitor_id}/booth")).json()["booth"]


async def test_staff_edit_their_booth_in_chinese_and_english(
    pages: Pages, server: LiveServer, tmp_path: Path
):
    cookie = await server.sign_in(STAFF)
    page = await pages.open("/#/", locale="zh-CN", cookie=cookie)
    await page.locator("#header").get_by_role("link", name="我的展位").click()
    await expect(page).to_have_url(re.compile(r"#/booth/1/edit$"))
    await expect(page.get_by_role("heading", level=1)).to_have_text("编辑展位：黔算云")
    await expect(page.locator(".booth-edit-product")).to_have_count(3)
    await expect(page.locator(".booth-edit-product img").first).to_have_js_property(
        "complete", True
    )
    before = await booth(server)

    # Texts and industries.
    await page.get_by_label("介绍（中文）").fill("全国一体化算力网络的贵州枢纽。\n欢迎来访。")
    await page.get_by_label("云服务").check()
    await page.get_by_role("button", name="保存展位介绍").click()
    await expect(page.locator('[data-status="texts"]')).to_have_text("已保存。")
    await expect(page.locator(".booth-edit-version")).to_have_text(f"版本 {before['version'] + 1}")
    after = await booth(server)
    assert after["description"]["zh"] == "全国一体化算力网络的贵州枢纽。\n欢迎来访。"
    assert after["industry_keys"] == ["computing-power", "cloud"]

    # A PDF, uploaded with its progress shown, lands in the documents and on the booth.
    sheet = tmp_path / "白皮书 2026.pdf"
    sheet.write_bytes(minimal_pdf(["White paper"] * 40))
    await page.locator("#be-document-file").set_input_files(sheet)
    await expect(page.locator('[data-status="documents"]')).to_have_text("白皮书 2026.pdf 已上传。")
    await expect(page.locator(".booth-edit-document-head a").last).to_have_text("白皮书 2026.pdf")
    assert "白皮书 2026" in [d["title"]["zh"] for d in (await booth(server))["documents"]]
    # The upload bumped the booth: its own booth.changed is not taken for someone else's.
    await page.wait_for_timeout(500)
    await expect(page.locator(".booth-edit-stale")).to_have_count(0)

    # An SVG called .pdf is refused, and the page says why.
    fake = tmp_path / "brochure.pdf"
    fake.write_text('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')
    await page.locator("#be-document-file").set_input_files(fake)
    await expect(page.locator('[data-status="documents"]')).to_have_text(
        "只能上传图片（PNG、JPEG、WebP、GIF）或 PDF；SVG、HTML 等文件会被拒绝。"
    )

    # A new product.
    await page.locator("#new-product-name-zh").fill("算力券")
    await page.locator("#new-product-name-en").fill("Compute Voucher")
    await page.get_by_role("button", name="添加产品").click()
    await expect(page.locator(".booth-edit-product")).to_have_count(4)
    added = page.locator(".booth-edit-product").last
    await expect(added.locator(".booth-edit-product-fields input").first).to_have_value("算力券")
    await expect(page.locator("#new-product-name-zh")).to_have_value("")

    # Off duty, and back on.
    person = page.locator(".booth-edit-person", has_text="刘洋 Liu Yang")
    await expect(person.locator(".chip")).to_have_text("值班中")
    await person.get_by_role("button", name="结束值班").click()
    await expect(person.locator(".chip")).to_have_text("未值班")
    await expect(page.locator(".booth-edit-on-duty")).to_have_text("现在没有人值班。")
    await person.get_by_role("button", name="开始值班").click()
    await expect(page.locator(".booth-edit-on-duty")).to_have_text("现在值班：刘洋 Liu Yang")
    await page.evaluate("window.scrollTo(0, 0)")
    await screenshot(page, "booth-edit-zh")

    # English, the same page.
    await page.locator("#header").get_by_role("button", name="English").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Edit booth: Qiansuan Cloud")
    await expect(page.locator("#be-description-zh")).to_have_value(
        "全国一体化算力网络的贵州枢纽。\n欢迎来访。"
    )
    await expect(page.get_by_label("Cloud services")).to_be_checked()
    await page.evaluate("document.getElementById('be-products').scrollIntoView()")
    for index in range(3):
        picture = page.locator(".booth-edit-product img").nth(index)
        await expect(picture).to_have_js_property("complete", True)
    await screenshot(page, "booth-edit-en")

    # Someone else saves meanwhile: the page says so instead of overwriting it.
    organiser = await server.sign_in(ORGANIZER)
    async with server.http() as http:
        response = await http.patch(
            "/api/exhibitors/1/booth",
            headers={"Cookie": organiser},
            json={"version": (await booth(server))["version"], "description_en": "By organisers"},
        )
    assert response.status_code == 200, response.text
    await expect(page.locator(".booth-edit-stale")).to_contain_text(
        "Someone else changed this booth just now"
    )
    await page.get_by_role("button", name="Reload").click()
    await expect(page.locator("#be-description-en")).to_have_value("By organisers")
    await expect(page.locator(".booth-edit-stale")).to_have_count(0)


async def test_others_are_told_plainly_they_may_not_edit(pages: Pages, server: LiveServer):
    attendee = await pages.open(
        "/#/booth/1/edit", locale="en-GB", cookie=await server.sign_in(ATTENDEE)
    )
    await expect(attendee.get_by_role("heading", level=1)).to_have_text(
        "Only this exhibitor's own staff and the organisers may edit this booth."
    )
    await expect(attendee.locator("#header").get_by_role("link", name="My booth")).to_have_count(0)
    staff = await pages.open("/#/booth/2/edit", locale="zh-CN", cookie=await server.sign_in(STAFF))
    await expect(staff.get_by_role("heading", level=1)).to_have_text(
        "只有该展商自己的工作人员和组委会可以编辑这个展位。"
    )
    await staff.get_by_role("link", name="去我的展位").click()
    await expect(staff.get_by_role("heading", level=1)).to_have_text("编辑展位：黔算云")
    anonymous = await pages.open("/#/booth/1/edit", locale="zh-CN")
    await expect(anonymous.get_by_role("heading", level=1)).to_have_text(
        "请先以该展商工作人员的身份登录，才能编辑展位。"
    )


async def test_the_editor_fits_a_phone(pages: Pages, server: LiveServer):
    page = await pages.open(
        "/#/booth/1/edit", locale="zh-CN", phone=True, cookie=await server.sign_in(STAFF)
    )
    await expect(page.get_by_role("heading", level=1)).to_have_text("编辑展位：黔算云")
    await expect(page.locator(".booth-edit-product").first).to_be_visible()
    width = await page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= 390, f"the page is {width} px wide on a 390 px phone"
    await screenshot(page, "booth-edit-phone-zh")


async def test_an_upload_shows_its_progress_and_a_file_too_large_is_refused_at_once(
    pages: Pages, server: LiveServer, tmp_path: Path
):
    page = await pages.open("/#/booth/1/edit", locale="zh-CN", cookie=await server.sign_in(STAFF))
    await expect(page.get_by_role("heading", level=1)).to_have_text("编辑展位：黔算云")
    status = page.locator('[data-status="documents"]')

    big = tmp_path / "big.pdf"
    big.write_bytes(b"%PDF-1.4\n" + b"0" * server.services.settings.max_upload_bytes)
    await page.locator("#be-document-file").set_input_files(big)
    await expect(status).to_have_text("“big.pdf”太大了：最大 10 MB。")
    await expect(status).to_have_attribute("role", "alert")

    # A slow line (about 250 kB/s up): the page shows how far the upload is.
    cdp = await page.context.new_cdp_session(page)
    await cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 20, "downloadThroughput": -1, "uploadThroughput": 250_000},
    )
    brochure = tmp_path / "手册.pdf"
    brochure.write_bytes(minimal_pdf([f"Line {n}" for n in range(40_000)]))
    assert brochure.stat().st_size > 500_000
    await page.locator("#be-document-file").set_input_files(brochure)
    await expect(status.locator("progress")).to_be_visible()
    await expect(status).to_have_text(re.compile(r"正在上传 手册\.pdf：\d+%"))
    await expect(status).to_have_text("手册.pdf 已上传。", timeout=20_000)
    await expect(status.locator("progress")).to_have_count(0)
