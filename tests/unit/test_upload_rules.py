"""Uploads are judged by their bytes: magic numbers, PDFs that are really HTML, SVG with script,
polyglots, EXIF that must not survive re-encoding, decompression bombs."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image

from expo.errors import BadRequest
from expo.hall.demo_content import minimal_pdf
from expo.hall.upload_rules import (
    MAX_SIDE,
    PDF_KIND,
    PNG_KIND,
    check_pdf,
    clean_filename,
    content_disposition,
    reencode_image,
    sniff,
)
from expo.hall.upload_store import folder


def picture(fmt: str, *, mode: str = "RGB", size: tuple[int, int] = (40, 30), **save) -> bytes:
    image = Image.new(mode, size, (200, 30, 40, 255)[: len(mode)] if mode != "P" else 1)
    out = io.BytesIO()
    image.save(out, format=fmt, **save)
    return out.getvalue()


def exif_jpeg() -> bytes:
    image = Image.new("RGB", (64, 48), (10, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x8825] = {2: (26.0, 34.0, 12.0)}  # GPS latitude
    exif[0x9286] = "home address 123"  # UserComment
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes(), comment=b"private note")
    return out.getvalue()


def refused(code: str, call, *args, **kwargs) -> None:
    with pytest.raises(BadRequest) as caught:
        call(*args, **kwargs)
    assert caught.value.code == code, caught.value.message


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP", "GIF"])
def test_images_are_told_by_their_magic_bytes(fmt: str):
    assert sniff(picture(fmt)[:1024]) == "image"


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP", "GIF"])
def test_each_image_format_is_reencoded_from_its_pixels(fmt: str):
    result = reencode_image(picture(fmt, size=(30, 20)))
    stored = Image.open(io.BytesIO(result.data))
    assert stored.format == ("PNG" if result.kind == PNG_KIND else "JPEG")
    assert stored.size == (30, 20)
    assert stored.convert("RGB").getpixel((3, 3)) == pytest.approx((200, 30, 40), abs=12)


def test_uploads_are_kept_next_to_the_database_or_per_database():
    assert folder("sqlite+aiosqlite:////srv/expo/expo.db", None) == Path("/srv/expo/uploads")
    assert folder("sqlite+aiosqlite:///:memory:", None) == Path("uploads")
    assert folder("postgresql+asyncpg://u:p@db/shubo", None) == Path("uploads/shubo")
    assert folder("postgresql+asyncpg://u:p@db/shubo", "/data/up") == Path("/data/up")


def test_a_pdf_is_told_by_its_magic_bytes():
    assert sniff(minimal_pdf(["hello"])[:1024]) == "pdf"


@pytest.mark.parametrize(
    "head",
    [
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        b'<?xml version="1.0"?><svg onload="alert(1)"/>',
        b"<!DOCTYPE html><html><script>alert(document.cookie)</script>",
        b"<html><body>hi</body></html>",
        b"#!/bin/sh\nrm -rf /",
        b"PK\x03\x04zip",
        b"MZ\x90\x00 windows exe",
        b"  %PDF-1.4 leading spaces",
        b"",
    ],
    ids=[
        "svg-script",
        "svg-xml",
        "html-doctype",
        "html",
        "shell",
        "zip",
        "exe",
        "pdf-late",
        "empty",
    ],
)
def test_everything_else_is_refused_whatever_it_is_called(head: bytes):
    refused("upload.unsupported_type", sniff, head)


def test_a_pdf_that_is_really_html_is_refused():
    refused("upload.bad_pdf", check_pdf, b"%PDF-1.4\n<html><script>alert(1)</script></html>\n%%EOF")


def test_a_pdf_with_html_after_its_end_is_refused():
    polyglot = minimal_pdf(["ok"]) + b"<script>alert(1)</script>"
    refused("upload.bad_pdf", check_pdf, polyglot)


def test_a_pdf_without_its_end_is_refused():
    refused("upload.bad_pdf", check_pdf, b"%PDF-1.4\n1 0 obj << >> endobj\n")


@pytest.mark.parametrize(
    "name", [b"/JavaScript", b"/JS", b"/Launch", b"/EmbeddedFile", b"/Java#53cript", b"/XFA"]
)
def test_a_pdf_that_runs_things_is_refused(name: bytes):
    active = minimal_pdf(["ok"]).replace(
        b"<< /Type /Catalog", b"<< /OpenAction << /S " + name + b" >> /Type /Catalog"
    )
    refused("upload.active_pdf", check_pdf, active)


def test_a_plain_pdf_passes():
    check_pdf(minimal_pdf(["Product sheet", "Compute (scheduler)"]))


def test_exif_and_comments_do_not_survive_reencoding():
    original = exif_jpeg()
    assert b"SecretCam" in original and b"private note" in original
    assert Image.open(io.BytesIO(original)).getexif()[0x010F] == "SecretCam"
    result = reencode_image(original)
    assert result.kind.content_type == "image/jpeg"
    assert b"SecretCam" not in result.data and b"private note" not in result.data
    assert b"Exif" not in result.data and b"home address" not in result.data
    again = Image.open(io.BytesIO(result.data))
    assert dict(again.getexif()) == {}
    assert (again.width, again.height) == (64, 48)
    assert again.getpixel((5, 5)) == pytest.approx((10, 120, 200), abs=6)


def test_png_text_chunks_do_not_survive_and_transparency_stays_png():
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Author", "secret author")
    source = picture("PNG", mode="RGBA", pnginfo=info)
    transparent = Image.new("RGBA", (20, 20), (0, 0, 0, 0))
    out = io.BytesIO()
    transparent.save(out, format="PNG", pnginfo=info)
    result = reencode_image(out.getvalue())
    assert result.kind == PNG_KIND
    assert b"secret author" not in result.data
    # Opaque RGBA pixels need no alpha: stored as JPEG.
    assert reencode_image(source).kind.content_type == "image/jpeg"


def test_a_polyglot_image_keeps_only_its_pixels():
    """A valid JPEG with HTML (and a ZIP) appended: the re-encoded file has neither."""
    polyglot = picture("JPEG") + b"<html><script>alert(1)</script></html>PK\x03\x04"
    assert sniff(polyglot[:1024]) == "image"
    result = reencode_image(polyglot)
    assert b"<script" not in result.data and b"PK\x03\x04" not in result.data


def test_a_gif_keeps_its_first_frame_only():
    colours = [(255, 0, 0), (0, 255, 0), (0, 0, 255)]
    frames = [Image.new("RGB", (10, 10), c) for c in colours]
    out = io.BytesIO()
    frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:])
    assert Image.open(io.BytesIO(out.getvalue())).n_frames == 3
    result = reencode_image(out.getvalue())
    stored = Image.open(io.BytesIO(result.data))
    assert getattr(stored, "n_frames", 1) == 1
    assert stored.convert("RGB").getpixel((5, 5)) == pytest.approx((255, 0, 0), abs=8)


def png_claiming(width: int, height: int) -> bytes:
    """A PNG whose header claims these dimensions, with a tiny compressed body (a bomb)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    body = zlib.compress(b"\x00" * 1000)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize("size", [(50_000, 50_000), (10_000, 4_001), (2**31 - 1, 1)])
def test_decompression_bombs_are_refused_before_they_are_decoded(size: tuple[int, int]):
    refused("upload.too_many_pixels", reencode_image, png_claiming(*size))


def test_a_broken_image_is_refused():
    refused("upload.bad_image", reencode_image, picture("PNG")[:60])
    refused("upload.bad_image", reencode_image, b"\xff\xd8\xff" + b"garbage" * 10)


def test_big_images_are_scaled_down():
    result = reencode_image(picture("PNG", size=(4000, 1000)))
    assert (result.width, result.height) == (MAX_SIDE, MAX_SIDE // 4)


def test_a_download_is_named_by_its_type_not_by_what_it_claimed():
    assert clean_filename("../../etc/passwd", PDF_KIND) == "passwd.pdf"
    assert clean_filename("report.html", PDF_KIND) == "report.pdf"
    assert clean_filename("C:\\Users\\x\\logo.svg", PNG_KIND) == "logo.png"
    assert clean_filename('a"b<c>\u202e.exe', PNG_KIND) == "a b c.png"
    assert clean_filename("产品手册 2026.pdf", PDF_KIND) == "产品手册 2026.pdf"
    assert clean_filename("", PDF_KIND) == "upload.pdf"
    assert len(clean_filename("x" * 1000, PDF_KIND)) <= 120


def test_content_disposition_has_an_ascii_fallback_and_the_utf8_name():
    assert content_disposition("产品 手册.pdf", inline=False) == (
        'attachment; filename="__ __.pdf"; '
        "filename*=UTF-8''%E4%BA%A7%E5%93%81%20%E6%89%8B%E5%86%8C.pdf"
    )
    assert content_disposition('a";b.png', inline=True) == (
        "inline; filename=\"a__b.png\"; filename*=UTF-8''a%22%3Bb.png"
    )
