"""What an upload may be, decided from its bytes alone (never from its name or declared type),
with no I/O beyond the bytes handed in.

- Images (PNG, JPEG, WebP, GIF) are decoded with Pillow, with a limit on their pixels checked
  from the header before anything is decoded (a decompression bomb is refused, never inflated),
  and re-encoded from their pixels alone: EXIF, comments, ICC profiles, text chunks, later GIF
  frames and whatever was appended after the image (a polyglot's HTML or ZIP) do not survive.
  Images with transparency become PNG, others JPEG; a side longer than `MAX_SIDE` is scaled
  down.
- PDFs must start with `%PDF-`, end with `%%EOF`, and carry no markup a browser could be made
  to read as a page (`<html`, `<script`, `<svg`, ...) nor the PDF actions that run things
  (`/JavaScript`, `/JS`, `/Launch`, `/EmbeddedFile`, `/XFA`).
- Anything else (SVG, HTML, scripts, archives, Office files) is refused:
  `upload.unsupported_type`.
"""

from __future__ import annotations

import io
import re
import unicodedata
import warnings
from dataclasses import dataclass
from typing import IO
from urllib.parse import quote

from PIL import Image, ImageSequence, UnidentifiedImageError

from expo.errors import BadRequest
from expo.text_rules import without_controls

# An image may have at most this many pixels (checked from its header): 40 megapixels is more
# than any phone camera's photo; a bomb claims far more.
MAX_PIXELS = 40_000_000
MAX_SIDE = 2048  # stored images are scaled down to fit this square
JPEG_QUALITY = 85
MAX_FILENAME = 120

PNG = b"\x89PNG\r\n\x1a\n"
# Enough of the file's start to tell its type (and to look for markup in a PDF's head).
HEAD_BYTES = 1024

IMAGE_FORMATS = {"PNG", "JPEG", "WEBP", "GIF"}
# Markup a browser sniffing a file could run as a page; refused anywhere in a PDF's first and
# last kilobytes (where a polyglot puts it), and as a PDF's only content.
_MARKUP = re.compile(
    rb"<\s*(html|script|svg|body|iframe|object|embed|meta|!doctype|\?xml)", re.IGNORECASE
)
# PDF names that run code or carry other files. PDF names may escape characters as #xx; those
# are unescaped before looking (`/Java#53cript` is `/JavaScript`).
_ACTIVE = re.compile(rb"/(JavaScript|JS|Launch|EmbeddedFile|XFA|RichMedia)(?![A-Za-z])")
_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")


@dataclass(frozen=True, slots=True)
class Kind:
    kind: str  # "image" | "pdf"
    content_type: str
    extension: str


PDF_KIND = Kind("pdf", "application/pdf", "pdf")
PNG_KIND = Kind("image", "image/png", "png")
JPEG_KIND = Kind("image", "image/jpeg", "jpg")


def unsupported() -> BadRequest:
    return BadRequest(
        "upload.unsupported_type",
        "Upload a PNG, JPEG, WebP or GIF image, or a PDF document; other files are refused.",
    )


def sniff(head: bytes) -> str:
    """The type the bytes start as: "image" or "pdf"; `upload.unsupported_type` otherwise."""
    if head.startswith(PNG) or head.startswith(b"\xff\xd8\xff"):
        return "image"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image"
    if head.startswith(b"%PDF-"):
        return "pdf"
    raise unsupported()


def check_pdf_part(chunk: bytes, *, first: bool) -> None:
    """One piece of a PDF, in order (pieces overlap by a few bytes so that no name is cut in
    two): refused when it holds markup (in the head) or a name that runs something."""
    if first:
        if not chunk.startswith(b"%PDF-"):
            raise unsupported()
        if _MARKUP.search(chunk[:HEAD_BYTES]):
            raise not_a_pdf()
    unescaped = _NAME_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), chunk)
    if _ACTIVE.search(unescaped):
        raise BadRequest(
            "upload.active_pdf",
            "This PDF runs scripts or carries files (JavaScript, Launch, embedded files, XFA):"
            " save it as a plain PDF and upload that.",
        )


def check_pdf_tail(tail: bytes) -> None:
    """The PDF's last kilobyte: it ends with `%%EOF` (and no markup after it)."""
    if b"%%EOF" not in tail or _MARKUP.search(tail):
        raise not_a_pdf()


def not_a_pdf() -> BadRequest:
    return BadRequest("upload.bad_pdf", "This file is not a valid PDF document.")


def check_pdf(data: bytes) -> None:
    """A whole PDF held in memory (the uploads route checks files piece by piece)."""
    check_pdf_part(data, first=True)
    check_pdf_tail(data[-HEAD_BYTES:])


@dataclass(frozen=True, slots=True)
class Picture:
    data: bytes
    kind: Kind
    width: int
    height: int


def reencode_image(source: IO[bytes] | bytes, *, max_pixels: int = MAX_PIXELS) -> Picture:
    """The image's pixels alone, as PNG (with transparency) or JPEG; `upload.bad_image` for
    what does not decode, `upload.too_many_pixels` for a bomb."""
    stream = io.BytesIO(source) if isinstance(source, bytes) else source
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(stream, formats=sorted(IMAGE_FORMATS)) as opened:
                width, height = opened.size
                if width <= 0 or height <= 0 or width * height > max_pixels:
                    raise too_many_pixels()
                frame = next(iter(ImageSequence.Iterator(opened)))  # a GIF's first frame
                frame.load()
                picture = _pixels_only(frame)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise too_many_pixels() from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError):
        raise BadRequest("upload.bad_image", "This image cannot be read.") from None
    picture.thumbnail((MAX_SIDE, MAX_SIDE))
    out = io.BytesIO()
    if picture.mode == "RGBA":
        picture.save(out, format="PNG", optimize=True)
        kind = PNG_KIND
    else:
        picture.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
        kind = JPEG_KIND
    return Picture(out.getvalue(), kind, picture.width, picture.height)


def too_many_pixels() -> BadRequest:
    return BadRequest(
        "upload.too_many_pixels",
        f"This image has too many pixels (at most {MAX_PIXELS // 1_000_000} megapixels).",
    )


def _pixels_only(frame: Image.Image) -> Image.Image:
    """A fresh image holding only the frame's pixels (RGB, or RGBA when it has transparency):
    no `info`, no EXIF, no palette tricks carried over."""
    has_alpha = frame.mode in ("RGBA", "LA", "PA") or (
        frame.mode == "P" and "transparency" in frame.info
    )
    converted = frame.convert("RGBA" if has_alpha else "RGB")
    if has_alpha and converted.getchannel("A").getextrema()[0] == 255:
        converted = converted.convert("RGB")  # fully opaque after all: a JPEG will do
    clean = Image.new(converted.mode, converted.size)
    clean.paste(converted)
    return clean


def clean_filename(name: str, kind: Kind) -> str:
    """What a download is called: the given name's last part, without controls or path
    separators, at most MAX_FILENAME characters, ending in the type's own extension (whatever
    the name claimed)."""
    base = without_controls(unicodedata.normalize("NFC", name)).replace("\\", "/")
    base = base.rsplit("/", 1)[-1].strip().strip(".")
    stem = base.rsplit(".", 1)[0] if "." in base else base
    stem = re.sub(r'[\s"<>:|?*]+', " ", stem).strip()[: MAX_FILENAME - 5] or "upload"
    return f"{stem}.{kind.extension}"


def content_disposition(filename: str, *, inline: bool) -> str:
    """RFC 6266: an ASCII fallback name and the UTF-8 one (`filename*`)."""
    fallback = "".join(c if 32 <= ord(c) < 127 and c not in '"\\%;' else "_" for c in filename)
    disposition = "inline" if inline else "attachment"
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
