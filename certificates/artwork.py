"""The pictures of a credential, drawn with Pillow: a round badge (a PNG, baked elsewhere) and a
one-page certificate (a PDF) with a QR code of its public verification URL (segno).

Chinese needs a CJK font. One is looked for at run time where distributions install them
(EXPO_CJK_FONT overrides); none is ever downloaded. Without one only the English is drawn.
"""

from __future__ import annotations

import functools
import io
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import segno
from PIL import Image, ImageDraw, ImageFont

from certificates.domain import Achievement

__all__ = [
    "CJK_FONT_PATHS",
    "EXPO_NAME_EN",
    "EXPO_NAME_ZH",
    "Certificate",
    "badge",
    "certificate_pdf",
    "cjk_font_path",
]

CJK_FONT_PATHS = (  # Debian/Ubuntu, Fedora, Arch, Alpine, WenQuanYi, macOS
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/wenquanyi/wqy-microhei/wqy-microhei.ttc",
    "/System/Library/Fonts/PingFang.ttc",
)
# The 2022 edition, online (docs: expo-facts.md); the first was held in 2015.
EXPO_NAME_ZH = "2022中国国际大数据产业博览会"  # ../shared/docs/expo-facts.md: the 2022 edition
EXPO_NAME_EN = "China International Big Data Industry Expo 2022"
ISSUER_LINE = "数博会 Shubo Live"
INK = (28, 38, 64)
ACCENT = (0, 94, 184)
GOLD = (201, 151, 0)
PAPER = (255, 255, 255)
Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


def cjk_font_path() -> str | None:
    """EXPO_CJK_FONT if set (and a file), else the first CJK font installed, else None."""
    override = os.environ.get("EXPO_CJK_FONT")
    candidates: Sequence[str] = (override,) if override else CJK_FONT_PATHS
    return next((p for p in candidates if Path(p).is_file()), None)


@functools.lru_cache(maxsize=8)
def _face_index(path: str) -> int | None:
    """The Simplified Chinese face of a collection (.ttc), else the first; None if unreadable."""
    first = None
    for index in range(16):
        try:
            name, _ = ImageFont.truetype(path, 12, index=index).getname()
        except OSError:
            break
        first = index if first is None else first
        if name and name.endswith(" SC"):
            return index
    return first


class _Fonts:
    """Fonts by size: the CJK one when found, else Pillow's own (Latin only)."""

    def __init__(self) -> None:
        path = cjk_font_path()
        self.index = None if path is None else _face_index(path)
        self.path = path if self.index is not None else None

    @property
    def cjk(self) -> bool:
        return self.path is not None

    def __call__(self, size: int) -> Font:
        if self.path is not None and self.index is not None:
            return ImageFont.truetype(self.path, size, index=self.index)
        return ImageFont.load_default(size)


def _fit(draw: ImageDraw.ImageDraw, text: str, fonts: _Fonts, size: int, width: int) -> Font:
    """The font of `size`, smaller until the text fits in `width`."""
    while True:
        font = fonts(size)
        if size <= 10 or draw.textlength(text, font=font) <= width:
            return font
        size = size * 9 // 10


def _centred(
    draw: ImageDraw.ImageDraw,
    text: str,
    y: int,
    fonts: _Fonts,
    *,
    size: int,
    width: int,
    centre: int,
    fill: tuple[int, int, int] = INK,
) -> None:
    font = _fit(draw, text, fonts, size, width)
    draw.text((centre, y), text, font=font, fill=fill, anchor="mm")


def badge(achievement: Achievement, size: int = 600) -> Image.Image:
    """A round badge with the achievement's name, in Chinese and English (English only when no
    CJK font is found)."""
    fonts = _Fonts()
    picture = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(picture)
    edge = size // 40
    draw.ellipse((edge, edge, size - edge, size - edge), fill=ACCENT, outline=GOLD, width=edge)
    inner = size // 9
    draw.ellipse((inner, inner, size - inner, size - inner), outline=PAPER, width=edge // 2)
    centre, width = size // 2, size * 3 // 5
    # (text, height from the top and letter size in hundredths / fractions of the badge, colour)
    lines = (
        [
            (achievement.name_zh, 42, 8, PAPER),
            (achievement.name_en, 56, 14, PAPER),
            (ISSUER_LINE, 70, 22, GOLD),
        ]
        if fonts.cjk
        else [(achievement.name_en, 47, 10, PAPER), ("Shubo Live", 64, 22, GOLD)]
    )
    for text, height, fraction, fill in lines:
        _centred(
            draw,
            text,
            size * height // 100,
            fonts,
            size=size // fraction,
            width=width,
            centre=centre,
            fill=fill,
        )
    return picture


@dataclass(frozen=True, slots=True)
class Certificate:
    """What the certificate page says."""

    holder: str
    achievement: Achievement
    issued_at: datetime
    credential_id: str  # urn:uuid:...
    verify_url: str


PAGE = (1754, 1240)  # A4 landscape at 150 dpi
DPI = 150


def _qr(url: str, box: int) -> Image.Image:
    code = segno.make_qr(url, error="m")
    out = io.BytesIO()
    code.save(out, kind="png", scale=max(1, box // code.symbol_size(border=2)[0]), border=2)
    out.seek(0)
    with Image.open(out) as image:
        return image.convert("RGB")


def certificate_page(cert: Certificate) -> Image.Image:
    fonts = _Fonts()
    page = Image.new("RGB", PAGE, PAPER)
    draw = ImageDraw.Draw(page)
    w, h = PAGE
    draw.rectangle((30, 30, w - 30, h - 30), outline=ACCENT, width=8)
    draw.rectangle((50, 50, w - 50, h - 50), outline=GOLD, width=3)
    centre, width = w // 2, w - 260
    cjk = fonts.cjk

    def line(
        text_zh: str, text_en: str, y: int, size: int, fill: tuple[int, int, int] = INK
    ) -> None:
        text = f"{text_zh} {text_en}" if cjk else text_en
        _centred(draw, text, y, fonts, size=size, width=width, centre=centre, fill=fill)

    line("成就证书", "Certificate of Achievement", 170, 72, ACCENT)
    line("兹证明", "This certifies that", 290, 36)
    _centred(draw, cert.holder, 380, fonts, size=76, width=width, centre=centre)
    draw.line((centre - 420, 440, centre + 420, 440), fill=GOLD, width=3)
    line("获得", "has earned", 500, 36)
    line(cert.achievement.name_zh, cert.achievement.name_en, 580, 64, ACCENT)
    expo = f"{EXPO_NAME_ZH}  {EXPO_NAME_EN}" if cjk else EXPO_NAME_EN
    _centred(draw, expo, 680, fonts, size=40, width=width, centre=centre)

    left, small = 130, fonts(28)
    issued = cert.issued_at.strftime("%Y-%m-%d")
    facts = [
        ("签发日期 Issued on: " if cjk else "Issued on: ") + issued,
        ("证书编号 Credential: " if cjk else "Credential: ") + cert.credential_id,
        ("签发方 Issuer: " if cjk else "Issuer: ") + (ISSUER_LINE if cjk else "Shubo Live"),
    ]
    for n, text in enumerate(facts):
        draw.text((left, 880 + n * 50), text, font=small, fill=INK)
    draw.text((left, 1050), cert.verify_url, font=fonts(20), fill=ACCENT)

    box = 300
    qr = _qr(cert.verify_url, box)
    qx, qy = w - 130 - qr.width, h - 150 - qr.height
    page.paste(qr, (qx, qy))
    caption = "扫码验证 Scan to verify" if cjk else "Scan to verify"
    draw.text(
        (qx + qr.width // 2, qy + qr.height + 30), caption, font=fonts(24), fill=INK, anchor="mm"
    )
    return page


def certificate_pdf(cert: Certificate) -> bytes:
    """The certificate as a one-page PDF (the page one picture, as Pillow writes PDF)."""
    out = io.BytesIO()
    certificate_page(cert).save(
        out, format="PDF", resolution=DPI, title=f"{cert.achievement.name_en} - {cert.holder}"
    )
    return out.getvalue()
