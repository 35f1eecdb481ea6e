"""The demo booths' content: products with pictures drawn here with Pillow (no file comes from
the internet), a one-page PDF made by hand, the demo clip as a video, a couple of links, and the
demo exhibitor on duty. Fast: a dozen booths in well under a second.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence

from PIL import Image, ImageDraw, ImageFont
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from expo.hall import upload_store as files
from expo.hall.models import Booth, BoothDuty, Product, StaffDuty, Upload
from expo.models import Account, Exhibitor

DEMO_CLIP = "/demo/stream/index.m3u8"
DEMO_STAFF = "exhibitor@demo.shubo.live"
COLOURS = [
    (18, 94, 168),
    (0, 128, 96),
    (30, 110, 140),
    (164, 82, 24),
    (120, 40, 60),
    (70, 90, 40),
    (90, 50, 140),
    (20, 100, 120),
    (160, 40, 50),
    (40, 80, 150),
    (100, 60, 150),
    (50, 120, 110),
]

# Per demo exhibitor (in the core seed's order): its products, (zh, en, description zh, en).
PRODUCTS: list[list[tuple[str, str, str, str]]] = [
    [
        (
            "算力调度平台",
            "Compute Scheduler",
            "跨区域算力统一调度。",
            "Schedules compute anywhere.",
        ),
        (
            "东数西算专线",
            "East-West Data Line",
            "低时延的算力专线。",
            "Low-latency lines.",
        ),
        ("算力交易市场", "Compute Market", "按需购买算力。", "Buy compute by the hour."),
    ],
    [
        ("绿色机房", "Green Halls", "PUE 低于 1.2 的机房。", "Halls with a PUE under 1.2."),
        ("托管服务", "Colocation", "机柜托管与运维。", "Racks, power and hands."),
    ],
    [
        ("浸没式液冷", "Immersion Cooling", "单柜 100 kW 散热。", "100 kW per rack."),
        ("冷板方案", "Cold Plates", "服务器冷板液冷。", "Direct-to-chip cooling."),
    ],
    [
        ("数据登记", "Data Registry", "数据产品登记服务。", "Register data products."),
        ("数据定价", "Data Pricing", "数据资产估值与定价。", "Value and price data assets."),
        ("交易撮合", "Trade Matching", "供需撮合与结算。", "Match supply and demand."),
    ],
    [
        ("安全靶场", "Cyber Range", "攻防演练环境。", "A range for red-team drills."),
        ("数据脱敏", "Data Masking", "敏感数据自动脱敏。", "Masks sensitive data."),
    ],
    [
        (
            "标识解析节点",
            "Identifier Node",
            "工业标识解析服务。",
            "Resolves identifiers.",
        ),
        ("设备上云", "Devices to Cloud", "工业设备接入平台。", "Connects factory devices."),
    ],
    [
        ("云渲染农场", "Render Farm", "弹性渲染算力。", "Elastic rendering power."),
        ("虚拟制片", "Virtual Production", "LED 虚拟摄影棚。", "LED-wall virtual studios."),
    ],
    [
        ("一网统管", "City Operations", "城市运行一张图。", "One map of the city."),
        ("政务数据中台", "Gov Data Hub", "政务数据共享交换。", "Shares government data."),
    ],
    [
        (
            "互联互通平台",
            "Health Data Hub",
            "医院间数据互认。",
            "Shared hospital records.",
        ),
        ("健康档案", "Health Records", "居民电子健康档案。", "Electronic health records."),
    ],
    [
        ("货运撮合", "Freight Matching", "车货智能匹配。", "Matches loads and trucks."),
        ("运力调度", "Fleet Dispatch", "运力实时调度。", "Dispatches fleets live."),
        ("电子运单", "E-Waybill", "全程电子运单。", "Paperless waybills."),
    ],
    [
        ("数字孪生园区", "Digital Twin Park", "园区三维孪生。", "A 3D twin of a park."),
        ("沉浸式发布厅", "Immersive Hall", "线上沉浸式发布。", "Immersive online launches."),
    ],
    [
        ("个人数据空间", "Personal Data Space", "个人数据授权管理。", "Consent for personal data."),
        ("数据钱包", "Data Wallet", "个人数据资产钱包。", "A wallet for your data."),
    ],
]


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.load_default(size=size)
    except (OSError, TypeError):  # a Pillow without FreeType
        return ImageFont.load_default()


def product_picture(brand: str, product: str, colour: tuple[int, int, int], seed: int) -> bytes:
    """A simple branded card: the exhibitor's colour, a few shapes, two lines of text (ASCII
    English names: the bundled font has no Chinese)."""
    width, height = 480, 320
    image = Image.new("RGB", (width, height), colour)
    draw = ImageDraw.Draw(image)
    light = tuple(min(255, c + 70) for c in colour)
    dark = tuple(max(0, c - 50) for c in colour)
    for i in range(5):
        r = 40 + ((seed * 37 + i * 53) % 90)
        x = (seed * 71 + i * 97) % width
        y = (seed * 29 + i * 61) % height
        draw.ellipse((x - r, y - r, x + r, y + r), fill=light if i % 2 else dark)
    draw.rectangle((0, height - 96, width, height), fill=(255, 255, 255))
    draw.text((24, height - 84), product, fill=colour, font=_font(30))
    draw.text((24, height - 42), brand, fill=(60, 60, 60), font=_font(20))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)
    return out.getvalue()


def logo_picture(initials: str, colour: tuple[int, int, int]) -> bytes:
    image = Image.new("RGB", (256, 256), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((16, 16, 240, 240), radius=48, fill=colour)
    draw.text((128, 128), initials, fill=(255, 255, 255), font=_font(96), anchor="mm")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _pdf_text(text: str) -> str:
    ascii_only = text.encode("ascii", "replace").decode()
    return ascii_only.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def minimal_pdf(lines: Sequence[str]) -> bytes:
    """A valid one-page PDF of a few lines of Helvetica, built by hand (ASCII text)."""
    content = "BT /F1 20 Tf 56 760 Td 26 TL\n"
    content += "".join(f"({_pdf_text(line)}) Tj T*\n" for line in lines) + "ET"
    stream = content.encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842]"
        b" /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def _initials(name_en: str) -> str:
    words = [w for w in name_en.replace("'", "").split() if w[:1].isalpha()]
    return "".join(w[0] for w in words[:2]).upper() or "EX"


async def seed_content(db: AsyncSession, booths: Sequence[tuple[Exhibitor, Booth]]) -> None:
    """Fill the demo booths just made (`booths`: each exhibitor with its new Booth row)."""
    root = files.seed_folder(db.get_bind().engine.url.render_as_string(hide_password=False))
    pending: list[tuple[Upload, bytes]] = []

    def upload(exhibitor_id: int, data: bytes, kind: str, ctype: str, name: str) -> Upload:
        row = Upload(
            exhibitor_id=exhibitor_id,
            kind=kind,
            content_type=ctype,
            filename=name,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            title_zh="产品手册" if kind == "pdf" else "",
            title_en="Product sheet" if kind == "pdf" else "",
            listed=kind == "pdf",
            position=len([p for p in pending if p[0].exhibitor_id == exhibitor_id]),
        )
        pending.append((row, data))
        return row

    plan = []
    for index, (exhibitor, booth) in enumerate(booths):
        assert exhibitor.id is not None
        colour = COLOURS[index % len(COLOURS)]
        products = PRODUCTS[index] if index < len(PRODUCTS) else PRODUCTS[0]
        slug = "".join(c for c in exhibitor.name_en.lower() if c.isalnum()) or "booth"
        logo = upload(
            exhibitor.id, logo_picture(_initials(exhibitor.name_en), colour), "image",
            "image/png", f"{slug}-logo.png",
        )  # fmt: skip
        pictures = [
            upload(
                exhibitor.id,
                product_picture(exhibitor.name_en, en, colour, index * 3 + n),
                "image",
                "image/jpeg",
                f"{slug}-{n + 1}.jpg",
            )
            for n, (_, en, _, _) in enumerate(products)
        ]
        sheet = minimal_pdf(
            [exhibitor.name_en, "Product sheet", "", *(f"- {p[1]}: {p[3]}" for p in products)]
        )
        upload(exhibitor.id, sheet, "pdf", "application/pdf", f"{slug}-products.pdf")
        plan.append((booth, logo, pictures, products))
    db.add_all(row for row, _ in pending)
    await db.flush()
    for row, data in pending:
        assert row.id is not None
        files.put(root, row.id, data)
    for booth, logo, pictures, products in plan:
        booth.logo_upload_id = logo.id
        booth.videos = [{"title_zh": "展位视频", "title_en": "Booth video", "url": DEMO_CLIP}]
        booth.links = [
            {"title_zh": "官方网站", "title_en": "Website", "url": "https://www.shubo.live/"},
            {
                "title_zh": "数博会",
                "title_en": "China International Big Data Expo",
                "url": "https://www.bigdata-expo.cn/",
            },
        ]
        db.add(booth)
        for n, (zh, en, dzh, den) in enumerate(products):
            db.add(
                Product(
                    exhibitor_id=booth.exhibitor_id,
                    position=n,
                    name_zh=zh,
                    name_en=en,
                    description_zh=dzh,
                    description_en=den,
                    image_upload_id=pictures[n].id,
                )
            )
    staff = await db.execute(select(Account).where(col(Account.email) == DEMO_STAFF))
    account = staff.scalars().first()
    if account is not None and account.id is not None and account.exhibitor_id is not None:
        db.add(StaffDuty(account_id=account.id, exhibitor_id=account.exhibitor_id, on_duty=True))
        db.add(BoothDuty(exhibitor_id=account.exhibitor_id, version=1))
    await db.flush()
