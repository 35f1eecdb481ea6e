"""Open Badges 3.0 "Baking" (§5.3.1) of a PNG: the signed credential rides in an iTXt chunk of
keyword `openbadgecredential`, its text the credential's JSON (or a compact VC-JWT). Pure: bytes
in, bytes out; the chunks are walked by hand, so reading one never decodes the picture.
"""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image
from PIL.PngImagePlugin import PngInfo

__all__ = ["KEYWORD", "BakingError", "bake", "unbake"]

KEYWORD = "openbadgecredential"
SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_TEXT_BYTES = 1024 * 1024  # a credential is a few KiB; refuse to inflate a bomb


class BakingError(ValueError):
    """Not a PNG, or one without a credential baked in."""


def bake(picture: Image.Image, credential_text: str) -> bytes:
    """The picture as a PNG with the credential in its iTXt chunk (uncompressed, before IDAT)."""
    info = PngInfo()
    info.add_itxt(KEYWORD, credential_text, zip=False)
    out = io.BytesIO()
    picture.save(out, format="PNG", pnginfo=info, optimize=True)
    return out.getvalue()


def _itxt_text(data: bytes) -> tuple[str, str]:
    """(keyword, text) of an iTXt chunk's data (PNG 1.2 §4.2.3.3)."""
    keyword, sep, rest = data.partition(b"\0")
    if not sep or len(rest) < 2:
        raise BakingError("a broken iTXt chunk")
    compressed, method, rest = rest[0], rest[1], rest[2:]
    _language, _, rest = rest.partition(b"\0")
    _translated, _, text = rest.partition(b"\0")
    if compressed:
        if method != 0:
            raise BakingError("an iTXt chunk compressed by an unknown method")
        inflater = zlib.decompressobj()
        try:
            text = inflater.decompress(text, MAX_TEXT_BYTES)
        except zlib.error as exc:
            raise BakingError(f"an iTXt chunk that does not inflate: {exc}") from None
        if inflater.unconsumed_tail:
            raise BakingError("the baked credential is too large")
    try:
        return keyword.decode("latin-1"), text.decode("utf-8")
    except UnicodeDecodeError:
        raise BakingError("the baked credential is not UTF-8") from None


def unbake(png: bytes) -> str:
    """The text of the PNG's `openbadgecredential` iTXt chunk."""
    if not png.startswith(SIGNATURE):
        raise BakingError("not a PNG")
    at = len(SIGNATURE)
    while at + 8 <= len(png):
        length, kind = struct.unpack(">I4s", png[at : at + 8])
        data = png[at + 8 : at + 8 + length]
        if len(data) != length:
            break
        if kind == b"iTXt":
            keyword, text = _itxt_text(data)
            if keyword == KEYWORD:
                return text
        if kind == b"IEND":
            break
        at += 12 + length  # length, type, data, CRC
    raise BakingError(f"no {KEYWORD} iTXt chunk in the PNG")
