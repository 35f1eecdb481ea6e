"""A clock burned into a test pattern, for measuring a stream's glass-to-glass latency.

ffmpeg stamps each frame with the wall clock at the moment it makes the frame (`setpts` with
`RTCTIME`, the same clock as Python's `time.time()` and a browser's `Date.now()` on this
machine), draws it as a band of black and white blocks along the top of the picture with
`geq`, writes it as text below for people, and then gives the frames regular timestamps again.
Whoever shows the frame reads the band back (`decode`, or `DECODE_JS` in a page) and compares it
with its own clock.

The band: BITS blocks of BLOCK x BAND pixels, most significant bit first (white is 1). The low
DATA_BITS hold the wall clock in milliseconds modulo 2**DATA_BITS (about 4.7 hours: the reader
takes the value nearest its own clock), the high CHECK_BITS a checksum (the data's three bytes
plus SALT, modulo 256) so that a half-decoded or mangled band is refused, not misread; an
all-black picture is refused as well.

Used by tests/integration/test_stream_clock.py (encode, decode, compare) and
bench/stream_latency.py (the latency through nginx and the room's player).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

WIDTH, HEIGHT, RATE = 640, 360, 25
BITS = 32
DATA_BITS = 24
CHECK_BITS = BITS - DATA_BITS
SALT = 0x5A
BLOCK = WIDTH // BITS  # 20 pixels a block: x264 at its usual quality keeps them clean
BAND = 24  # the band's height, pixels
MODULUS = 1 << DATA_BITS
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf")  # fonts-dejavu-core


def checksum(value: int) -> int:
    return ((value >> 16) + ((value >> 8) & 0xFF) + (value & 0xFF) + SALT) & 0xFF


def word(ms: int) -> int:
    """The BITS drawn for the time `ms` (milliseconds since the epoch)."""
    value = ms % MODULUS
    return (checksum(value) << DATA_BITS) | value


def _band_expr(ms: str) -> str:
    """geq's expression for a pixel of the band, `ms` an expression of the time in ms."""
    value = f"mod({ms},{MODULUS})"
    check = f"mod(floor({value}/65536)+mod(floor({value}/256),256)+mod({value},256)+{SALT},256)"
    whole = f"({check}*{MODULUS}+{value})"
    bit = f"mod(floor({whole}/pow(2,{BITS - 1}-floor(X/{BLOCK}))),2)"
    return f"255*{bit}"


def stamp_filter(clock: str = "wall", text: bool | None = None) -> str:
    """The filter graph (one input, one output) that stamps each frame.

    `clock` "wall": the frame's time is the wall clock when the frame passes (setpts's RTCTIME,
    in microseconds), so the band says when ffmpeg made the frame; otherwise `clock` is a setpts
    expression giving the time in milliseconds (with TB 1/1000), for known times in the tests.
    Afterwards the frames are numbered at RATE again, as a camera's would be. `text`: the clock
    as text too (default: if the font is installed).
    """
    if text is None:
        text = FONT.exists()
    when = "floor(RTCTIME/1000+0.5)" if clock == "wall" else clock
    ms = "floor(T*1000+0.5)"  # geq's T: the frame's time, seconds (TB 1/1000: exact ms)
    band = _band_expr(ms)
    parts = [
        f"[0:v]format=rgb24,settb=1/1000,setpts='{when}',split[pic][top]",
        f"[top]crop={WIDTH}:{BAND}:0:0,geq=r='{band}':g='{band}':b='{band}'[band]",
        "[pic][band]overlay=0:0:eof_action=pass:repeatlast=0[stamped]",
    ]
    last = "stamped"
    if text:
        # UTC, HH:MM:SS.mmm, from the same frame time (drawtext's t).
        hms = "\\:".join(
            f"%{{eif\\:mod(floor(t/{unit})\\,{span})\\:d\\:2}}"
            for unit, span in ((3600, 24), (60, 60), (1, 60))
        )
        clock_text = f"{hms}.%{{eif\\:mod(floor(t*1000+0.5)\\,1000)\\:d\\:3}} UTC"
        parts.append(
            f"[stamped]drawtext=fontfile={FONT}:text='{clock_text}':x=16:y={BAND + 12}"
            ":fontsize=36:fontcolor=white:box=1:boxcolor=black@0.7:boxborderw=8[texted]"
        )
        last = "texted"
    parts.append(f"[{last}]setpts=N/({RATE}*TB),format=yuv420p[out]")
    return ";".join(parts)


def pattern_input() -> list[str]:
    """ffmpeg's input options for the test pattern, read at its own pace (as a camera's)."""
    return ["-re", "-f", "lavfi", "-i", f"testsrc=size={WIDTH}x{HEIGHT}:rate={RATE}"]


def decode_bits(bits: Sequence[int]) -> int | None:
    """The time (ms modulo MODULUS) the band's bits say, or None if the checksum disagrees."""
    whole = 0
    for bit in bits:
        whole = (whole << 1) | (1 if bit else 0)
    value = whole & (MODULUS - 1)
    if whole >> DATA_BITS != checksum(value):
        return None
    return value


def decode(luma: Callable[[int, int], float]) -> int | None:
    """The band's time (ms modulo MODULUS) in a picture, from `luma(x, y)` (0-255) at its size:
    the middle of each block (half its size) averaged, then halfway between black and white."""
    bits = []
    for i in range(BITS):
        xs = range(i * BLOCK + BLOCK // 4, (i + 1) * BLOCK - BLOCK // 4)
        ys = range(BAND // 4, BAND - BAND // 4)
        mean = sum(luma(x, y) for x in xs for y in ys) / (len(xs) * len(ys))
        bits.append(1 if mean >= 128 else 0)
    return decode_bits(bits)


def nearest(value: int, now_ms: int) -> int:
    """The time in ms nearest `now_ms` that is `value` modulo MODULUS."""
    behind = (now_ms - value) % MODULUS
    return now_ms - behind if behind <= MODULUS // 2 else now_ms - behind + MODULUS


# The same reading in a page: `readBand(ctx)` on a 2D context holding the picture at
# WIDTH x HEIGHT; returns the time in ms nearest Date.now(), or null.
DECODE_JS = f"""
(() => {{
  const BITS = {BITS}, DATA = {DATA_BITS}, BLOCK = {BLOCK}, BAND = {BAND}, SALT = {SALT};
  const MOD = 2 ** DATA;
  const check = (v) => (Math.floor(v / 65536) + ((v >> 8) & 255) + (v & 255) + SALT) & 255;
  return (ctx, now) => {{
    const img = ctx.getImageData(0, 0, BITS * BLOCK, BAND).data;
    const row = BITS * BLOCK * 4;
    let whole = 0;
    for (let i = 0; i < BITS; i++) {{
      let sum = 0, n = 0;
      for (let y = BAND / 4; y < BAND - BAND / 4; y++) {{
        for (let x = i * BLOCK + BLOCK / 4; x < (i + 1) * BLOCK - BLOCK / 4; x++) {{
          const p = y * row + x * 4;
          sum += 0.299 * img[p] + 0.587 * img[p + 1] + 0.114 * img[p + 2];
          n++;
        }}
      }}
      whole = whole * 2 + (sum / n >= 128 ? 1 : 0);
    }}
    const value = whole % MOD;
    if (Math.floor(whole / MOD) !== check(value)) return null;
    const behind = (((now - value) % MOD) + MOD) % MOD;
    return behind <= MOD / 2 ? now - behind : now - behind + MOD;
  }};
}})()
"""
