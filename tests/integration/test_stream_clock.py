"""The clock burned into the latency bench's test pattern (tests/clock_band.py) reads back as
what was drawn: through libx264 and back for known times, as the wall clock of the moment ffmpeg
made the frame, in Python and in the page's reader (DECODE_JS, run by Node). Correctness only:
no assertion here is about how fast anything is.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from tests.clock_band import (
    BAND,
    BITS,
    DECODE_JS,
    HEIGHT,
    MODULUS,
    RATE,
    WIDTH,
    decode,
    decode_bits,
    nearest,
    pattern_input,
    stamp_filter,
    word,
)

KNOWN = 1_796_520_000_123  # ms since the epoch: 2026-12-06T00:40:00.123Z
STEP = 37  # ms between the known frames (not a divisor of anything in the band)
FRAMES = 30
ENCODER = ["-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency", "-g", str(RATE)]


def _require_ffmpeg() -> None:
    if shutil.which("ffmpeg") is None:
        pytest.skip(
            "MISSING SERVICE: ffmpeg not installed (apt-get install -y --no-install-recommends "
            "ffmpeg)"
        )


def _ffmpeg(*args: str) -> None:
    command = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-y", *args]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def _known_frames(tmp_path: Path) -> list[Path]:
    """FRAMES frames stamped KNOWN + n * STEP, through libx264 and back to PNG."""
    source = f"testsrc=size={WIDTH}x{HEIGHT}:rate={RATE}"
    clip = tmp_path / "known.ts"
    stamp = stamp_filter(f"{KNOWN}+N*{STEP}")
    _ffmpeg("-f", "lavfi", "-i", source, "-filter_complex", stamp, "-map", "[out]",
            "-frames:v", str(FRAMES), *ENCODER, "-f", "mpegts", str(clip))  # fmt: skip
    _ffmpeg("-i", str(clip), str(tmp_path / "frame-%03d.png"))
    return sorted(tmp_path.glob("frame-*.png"))


def _luma(path: Path) -> Callable[[int, int], float]:
    image = Image.open(path).convert("L")
    return lambda x, y: float(image.getpixel((x, y)))  # type: ignore[arg-type]


def test_known_times_read_back_after_the_encoder(tmp_path: Path) -> None:
    _require_ffmpeg()
    frames = _known_frames(tmp_path)
    assert len(frames) == FRAMES
    read = [decode(_luma(path)) for path in frames]
    drawn = [(KNOWN + n * STEP) % MODULUS for n in range(FRAMES)]
    assert read == drawn
    # The reader's clock a minute after (or before) the frame: the full time comes back.
    assert [nearest(v, KNOWN + 60_000) for v in drawn] == [KNOWN + n * STEP for n in range(FRAMES)]
    assert nearest(drawn[0], KNOWN - 60_000) == KNOWN


def test_the_page_reads_the_band_as_python_does(tmp_path: Path) -> None:
    _require_ffmpeg()
    if shutil.which("node") is None:
        pytest.skip("needs Node to run the page's reader")
    frames = _known_frames(tmp_path)[:5]
    # The band's rows of each picture, RGBA, as getImageData(0, 0, WIDTH, BAND) gives them.
    bands = [
        list(Image.open(p).convert("RGBA").crop((0, 0, WIDTH, BAND)).tobytes()) for p in frames
    ]
    script = tmp_path / "read.js"
    script.write_text(
        f"const readBand = {DECODE_JS};\n"
        "const bands = JSON.parse(require('fs').readFileSync(0, 'utf8'));\n"
        "const ctx = (b) => ({ getImageData: () => ({ data: Uint8ClampedArray.from(b) }) });\n"
        f"const read = bands.map((band) => readBand(ctx(band), {KNOWN + 60_000}));\n"
        "console.log(JSON.stringify(read));\n"
    )
    done = subprocess.run(
        ["node", str(script)], input=json.dumps(bands), capture_output=True, text=True, timeout=60
    )
    assert json.loads(done.stdout) == [KNOWN + n * STEP for n in range(5)]


def test_the_band_is_the_wall_clock_when_ffmpeg_made_the_frame() -> None:
    """Paced as a camera, each frame says a time after ffmpeg started and before the frame
    reached us (a band tied to another clock, or to the media's own time, would not)."""
    _require_ffmpeg()
    size = WIDTH * HEIGHT
    command = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", *pattern_input(),
               "-filter_complex", stamp_filter(text=False), "-map", "[out]", "-t", "1",
               "-pix_fmt", "gray", "-f", "rawvideo", "pipe:1"]  # fmt: skip
    started = time.time() * 1000
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert child.stdout is not None
    frames: list[tuple[float, bytes]] = []
    try:
        for _ in range(RATE * 2):  # one second of frames, bounded
            picture = child.stdout.read(size)
            if len(picture) < size:
                break
            frames.append((time.time() * 1000, picture))
    finally:
        child.kill()
        child.wait(timeout=10)
    assert len(frames) >= RATE - 1, child.stderr.read() if child.stderr else ""
    stamps = []
    for arrived, picture in frames:
        value = decode(lambda x, y, p=picture: p[y * WIDTH + x])  # type: ignore[misc]
        assert value is not None
        stamp = nearest(value, int(arrived))
        assert started <= stamp <= arrived + 1, (started, stamp, arrived)  # +1: rounded to ms
        stamps.append(stamp)
    assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)


def test_a_mangled_or_blank_band_is_refused() -> None:
    bits = [(word(KNOWN) >> (BITS - 1 - i)) & 1 for i in range(BITS)]
    assert decode_bits(bits) == KNOWN % MODULUS
    for flipped in range(BITS):
        mangled = [b ^ (i == flipped) for i, b in enumerate(bits)]
        assert decode_bits(mangled) is None, flipped
    assert decode_bits([0] * BITS) is None
    assert decode_bits([1] * BITS) is None
    assert decode(lambda x, y: 0.0) is None
    assert BAND < HEIGHT
