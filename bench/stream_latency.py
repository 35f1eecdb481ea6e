"""Glass-to-glass latency of the self-hosted stream path, on 127.0.0.1: ffmpeg pushes a test
pattern with the wall clock burned into every frame (tests/clock_band.py) over RTMP to nginx
(configured by `expo rtmp-config`: 1 s HLS fragments), the platform's hook turns the room live,
and the room's page in headless Chromium plays the HLS with the room's own player (hls.js). The
page reads the clock off each frame it presents (requestVideoFrameCallback, a canvas) and
compares it with Date.now(): same machine, same clock.

One command: `PYTHONPATH=. .venv/bin/python bench/stream_latency.py [--seconds 25] [--rounds 1]`.

Per run, two viewers one after the other: one waiting in the room when the push starts
(publish start -> first frame shown, then `--seconds` of frames), and one who opens the room
while it is live, as most viewers do (page opened -> first frame, then `--seconds` of frames).
For each: the latency of every frame shown (p50 / p95 / max) and the player's stalls
(`waiting` events). The baseline in the same run is nginx's HLS directory: when each segment was
listed in the playlist against the clocks of its first and last frames. A player cannot show a
segment's first frame before the segment is listed, so a steady latency below "listed after the
first frame" is out of reach of any player of this packaging: that is the floor. And two players,
each from a fresh push into a room of its own: the player as shipped (frontend/js/player.js)
and a variant of its hls.js settings (`--variant`, served to the page in place of the shipped
file). Figures go to bench/results/stream-latency-<time>.json, with the machine's load.
"""

# ruff: noqa: E402  (the path is set before the project's imports: see _HERE)

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Run as a script, this directory comes first on the path, where a bench named like one of the
# platform's packages (bench/matchmaking.py) would be imported in its place.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

import httpx
from playwright.async_api import Browser, BrowserContext, Page, Request, Route, async_playwright

from expo.ratelimit import DEFAULT_RATES
from tests.browser.web import CHROMIUM_ARGS, find_chromium
from tests.clock_band import (
    BAND,
    DECODE_JS,
    HEIGHT,
    RATE,
    WIDTH,
    decode,
    nearest,
    pattern_input,
    stamp_filter,
)
from tests.cluster import Process, sign_in, start, stop
from tests.live import prepare_demo_database
from tests.streaming import NO_NATIVE_HLS, Nginx, missing_tools, nginx_rtmp

ROOT = Path(__file__).resolve().parent.parent
ORGANISER = "organizer@demo.shubo.live"
GRACE = 2  # EXPO_STREAM_GRACE: offline this soon after a push stops, ready for the next run
WAIT = 60.0  # seconds any one step may take at most
MAX_SAMPLES = 5_000  # frames kept per run (25 a second)
DEFAULT_VARIANT = '{"liveSyncDurationCount": 2}'

# In the page from its first script on: each new .player-video is followed frame by frame.
SAMPLER = f"""
(() => {{
  const readBand = {DECODE_JS};
  const out = {{ samples: [], failed: 0, other: 0, first: null, waiting: 0, videos: 0 }};
  window.__latency = out;
  const canvas = document.createElement("canvas");
  canvas.width = {WIDTH};
  canvas.height = {BAND};
  const ctx = canvas.getContext("2d", {{ willReadFrequently: true }});
  const seen = new WeakSet();
  const follow = (video) => {{
    seen.add(video);
    out.videos++;
    video.addEventListener("waiting", () => {{ if (out.first) out.waiting++; }});
    const onFrame = (_now, meta) => {{
      const shown = Date.now();
      if (video.videoWidth === {WIDTH} && video.videoHeight === {HEIGHT}) {{
        ctx.drawImage(video, 0, 0, {WIDTH}, {BAND}, 0, 0, {WIDTH}, {BAND});
        const stamp = readBand(ctx, shown);
        if (stamp === null) out.failed++;
        else {{
          if (out.first === null) out.first = {{ shown, stamp }};
          if (out.samples.length < {MAX_SAMPLES}) {{
            const expected = Math.round(performance.timeOrigin + meta.expectedDisplayTime);
            out.samples.push([shown, stamp, expected, meta.mediaTime]);
          }}
        }}
      }} else out.other++;
      if (video.isConnected) video.requestVideoFrameCallback(onFrame);
    }};
    video.requestVideoFrameCallback(onFrame);
  }};
  setInterval(() => {{
    const video = document.querySelector(".player-video");
    if (video && !seen.has(video)) follow(video);
  }}, 20);
}})();
"""


def log(message: str) -> None:
    print(f"stream-latency: {message}", file=sys.stderr, flush=True)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p
    low = int(k)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def summary(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    return {
        "n": len(values),
        "min": round(min(values)),
        "p50": round(percentile(values, 0.5)),
        "p95": round(percentile(values, 0.95)),
        "max": round(max(values)),
    }


def push_args(url: str) -> list[str]:
    """ffmpeg as a publisher: the stamped pattern and a tone, keyframes every second."""
    return [
        "ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin",
        *pattern_input(),
        "-re", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100",
        "-filter_complex", stamp_filter(), "-map", "[out]", "-map", "1:a",
        "-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency",
        "-g", str(RATE), "-c:a", "aac", "-b:a", "64k",
        "-f", "flv", url,
    ]  # fmt: skip


def player_config(source: str) -> str:
    """The hls.js settings block of player.js."""
    found = re.search(r"const HLS_LIVE_CONFIG = \{.*?\n\};", source, re.S)
    assert found, "frontend/js/player.js has no HLS_LIVE_CONFIG"
    return found.group(0)


def with_variant(source: str, overrides: dict[str, Any]) -> str:
    """player.js with `overrides` last in its hls.js settings (the last of a key wins)."""
    block = player_config(source)
    extra = "".join(
        f"  {key}: {json.dumps(value)}, // bench variant\n" for key, value in overrides.items()
    )
    return source.replace(block, block[: -len("};")] + extra + "};", 1)


class Segments:
    """nginx's playlist of the room, watched on disk: when each segment is listed, its length,
    and a copy of its bytes (nginx deletes old segments) to read its first frame's clock."""

    def __init__(self, playlist: Path, keep: Path) -> None:
        self.playlist = playlist
        self.keep = keep
        self.listed: dict[str, dict[str, Any]] = {}
        self.target: int | None = None

    async def watch(self, until: float) -> None:
        while time.monotonic() < until:
            try:
                text = await asyncio.to_thread(self.playlist.read_text)
            except OSError:
                text = ""
            now = time.time() * 1000
            duration = None
            for line in text.splitlines():
                if line.startswith("#EXT-X-TARGETDURATION:"):
                    self.target = int(line.split(":", 1)[1])
                elif line.startswith("#EXTINF:"):
                    duration = float(line.split(":", 1)[1].split(",")[0])
                elif line.endswith(".ts") and line not in self.listed:
                    self.listed[line] = {"listed": now, "duration": duration}
                    try:
                        data = await asyncio.to_thread((self.playlist.parent / line).read_bytes)
                        await asyncio.to_thread((self.keep / line).write_bytes, data)
                    except OSError:
                        pass
            await asyncio.sleep(0.05)

    def figures(self) -> dict[str, Any]:
        """Per segment, when it was listed against the clock of its first frame and of its last
        (the newest picture a player could have had the moment the segment was listed)."""
        first_age, last_age, durations = [], [], []
        size = WIDTH * HEIGHT
        for name, seen in self.listed.items():
            path = self.keep / name
            if not path.exists() or seen["duration"] is None:
                continue
            done = subprocess.run(
                ["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-i", str(path),
                 "-pix_fmt", "gray", "-f", "rawvideo", "pipe:1"],
                capture_output=True, timeout=60, check=False,
            )  # fmt: skip
            pictures = [done.stdout[i : i + size] for i in range(0, len(done.stdout), size)]
            if not pictures or len(pictures[-1]) < size:
                continue
            read = [
                decode(lambda x, y, p=p: p[y * WIDTH + x])  # type: ignore[misc]
                for p in (pictures[0], pictures[-1])
            ]
            if None in read:
                continue
            first, last = (nearest(v, int(seen["listed"])) for v in read if v is not None)
            durations.append(seen["duration"] * 1000)
            first_age.append(seen["listed"] - first)
            last_age.append(seen["listed"] - last)
        return {
            "target_duration_s": self.target,
            "segment_ms": summary(durations),
            "listed_after_first_frame_ms": summary(first_age),
            "listed_after_last_frame_ms": summary(last_age),
        }


async def room_state(platform: Process, cookie: str, slug: str) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=platform.base, timeout=10) as http:
        response = await http.get("/api/streams", headers={"Cookie": cookie})
    response.raise_for_status()
    room: dict[str, Any] = next(r for r in response.json()["rooms"] if r["slug"] == slug)
    return room


async def until_offline(platform: Process, cookie: str, slug: str) -> None:
    deadline = time.monotonic() + WAIT
    while (await room_state(platform, cookie, slug))["state"]["state"] != "offline":
        if time.monotonic() > deadline:
            raise RuntimeError("the room did not go offline after the push stopped")
        await asyncio.sleep(0.2)


async def halt(child: asyncio.subprocess.Process) -> None:
    if child.returncode is None:
        child.send_signal(signal.SIGINT)  # ffmpeg ends the RTMP stream cleanly
        try:
            await asyncio.wait_for(child.wait(), 15)
        except TimeoutError:
            child.kill()
            await child.wait()


@dataclass
class Viewer:
    page: Page
    requests: list[tuple[float, str]] = field(default_factory=list)  # [wall ms, file name]


async def viewer(context: BrowserContext, nginx: Nginx, slug: str, player_js: str | None) -> Viewer:
    """The room's page, following its player's frames and noting its playlist and segment
    requests; `player_js` in place of the shipped player."""
    page = await context.new_page()
    seen = Viewer(page)
    await page.add_init_script(NO_NATIVE_HLS)
    await page.add_init_script(SAMPLER)
    if player_js is not None:
        body = player_js

        async def serve(route: Route) -> None:
            await route.fulfill(body=body, content_type="text/javascript")

        await page.route(re.compile(r"/js/player\.js(\?.*)?$"), serve)

    def note(request: Request) -> None:
        if request.url.endswith((".ts", ".m3u8")) and len(seen.requests) < 200:
            seen.requests.append((time.time() * 1000, request.url.rsplit("/", 1)[1]))

    page.on("request", note)
    await page.goto(f"{nginx.http}/#/forum/{slug}")
    return seen


async def watched(seen: Viewer, since: float, seconds: float) -> dict[str, Any]:
    """The page's frames over `seconds` after its first; `since` (ms): when it was asked for."""
    await seen.page.wait_for_function("() => window.__latency.first", timeout=WAIT * 1000)
    await asyncio.sleep(seconds)
    result = await seen.page.evaluate("() => window.__latency")
    first = result["first"]
    samples = [s for s in result["samples"] if s[0] - first["shown"] <= seconds * 1000]
    return {
        # The first frames shown: [ms since asked for, latency ms, media time s].
        "first_frames": [
            [round(shown - since), shown - stamp, media] for shown, stamp, _, media in samples[:3]
        ],
        "requests": [[round(at - since), name] for at, name in seen.requests[:12]],
        "first_frame_ms": round(first["shown"] - since),
        "first_frame_latency_ms": first["shown"] - first["stamp"],
        "latency_ms": summary([shown - stamp for shown, stamp, _, _ in samples]),
        "latency_at_expected_display_ms": summary([d - stamp for _, stamp, d, _ in samples]),
        "frames_read": len(samples),
        "frames_unreadable": result["failed"],
        "stalls": result["waiting"],
    }


async def one_run(
    browser: Browser,
    nginx: Nginx,
    slug: str,
    key: str,
    player_js: str | None,
    seconds: float,
    keep: Path,
) -> dict[str, Any]:
    """A viewer waiting in the room when the push starts, then one who opens the room while
    it is live (`seconds` of frames each, one after the other)."""
    context = await browser.new_context(viewport={"width": 1280, "height": 800})
    errors: list[str] = []
    context.on("weberror", lambda error: errors.append(str(error.error)))
    try:
        waiting = await viewer(context, nginx, slug, player_js)
        await waiting.page.locator(".stream-offline").wait_for(timeout=WAIT * 1000)
        segments = Segments(nginx.hls_dir / f"{slug}.m3u8", keep)
        started = time.time() * 1000
        child = await asyncio.create_subprocess_exec(
            *push_args(f"{nginx.rtmp}/{key}"),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        watcher = asyncio.create_task(segments.watch(time.monotonic() + 3 * WAIT + 2 * seconds))
        try:
            from_publish = await watched(waiting, started, seconds)
            await waiting.page.close()
            opened = time.time() * 1000
            joining = await viewer(context, nginx, slug, player_js)
            joined = await watched(joining, opened, seconds)
        finally:
            await halt(child)
            watcher.cancel()
            try:
                await watcher
            except asyncio.CancelledError:
                pass
        return {
            "slug": slug,
            "from_publish": from_publish,
            "joined_live": joined,
            "page_errors": errors,
            **segments.figures(),
        }
    finally:
        await context.close()


async def bench(args: argparse.Namespace) -> dict[str, Any]:
    missing = missing_tools()
    chromium = find_chromium()
    if missing or chromium is None:
        raise SystemExit(f"missing: {', '.join(missing + ([] if chromium else ['chromium']))}")
    overrides: dict[str, Any] = json.loads(args.variant)
    shipped = (ROOT / "frontend" / "js" / "player.js").read_text()
    with tempfile.TemporaryDirectory(prefix="stream-latency-") as tmp_name:
        tmp = Path(tmp_name)
        database = f"sqlite+aiosqlite:///{tmp / 'bench.db'}"
        log("preparing the demo database")
        await prepare_demo_database(database)
        secret = secrets.token_urlsafe(24)
        env = {
            **os.environ,
            "EXPO_DATABASE_URL": database,
            "EXPO_SECRET_KEY": secret,
            "EXPO_STREAM_GRACE": str(GRACE),
            "EXPO_LOG_JSON": "1",
            "EXPO_RATE_LIMITS": ",".join(f"{name}=100000/1" for name in DEFAULT_RATES),
        }
        env.pop("EXPO_REDIS_URL", None)
        env.pop("EXPO_HLS_BASE_URL", None)  # /hls on the page's origin: nginx in front
        platform = await start(env, log=tmp / "platform.log")
        try:
            cookie = await sign_in(platform, ORGANISER)
            # A room of its own for every run: a new push into a room whose last playlist is
            # still on disk plays that playlist's old segments first (seconds behind).
            async with httpx.AsyncClient(base_url=platform.base, timeout=10) as http:
                response = await http.get("/api/streams", headers={"Cookie": cookie})
                rooms = response.json()["rooms"][::-1][: 2 * args.rounds]
                for room in rooms:
                    cleared = await http.patch(
                        f"/api/forums/{room['forum_id']}",
                        json={"stream_url": ""},
                        headers={"Cookie": cookie},
                    )
                    cleared.raise_for_status()
            (tmp / "nginx").mkdir()
            async with nginx_rtmp(platform.base, secret, tmp / "nginx", site=True) as nginx:
                conf = (tmp / "nginx" / "nginx.conf").read_text()
                settings = re.findall(r"^\s*((?:hls|record)\w* [^;]+);", conf, re.M)
                hls_settings = sorted(set(settings))
                async with async_playwright() as playwright:
                    browser = await playwright.chromium.launch(
                        executable_path=chromium, args=CHROMIUM_ARGS, timeout=30_000
                    )
                    players = {"shipped": None, "variant": with_variant(shipped, overrides)}
                    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in players}
                    for round_ in range(args.rounds):
                        for name, player_js in players.items():
                            room = rooms.pop()
                            keep = tmp / f"segments-{name}-{round_}"
                            keep.mkdir()
                            log(f"round {round_ + 1}/{args.rounds}: {name} player")
                            figures = await one_run(
                                browser,
                                nginx,
                                room["slug"],
                                room["keys"]["main"],
                                player_js,
                                args.seconds,
                                keep,
                            )
                            for who in ("from_publish", "joined_live"):
                                log(f"{name}, {who}: {json.dumps(figures[who])}")
                            runs[name].append(figures)
                            await until_offline(platform, cookie, room["slug"])
                    await browser.close()
        finally:
            await stop(platform)
    return {
        "runs": runs,
        "nginx_settings": hls_settings,
        "player_config": player_config(shipped),
        "variant": overrides,
        "seconds": args.seconds,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=25, help="frames read per run, s")
    parser.add_argument("--rounds", type=int, default=1, help="runs of each player")
    parser.add_argument(
        "--variant", default=DEFAULT_VARIANT, help="hls.js settings over the shipped ones (JSON)"
    )
    parser.add_argument("--max-seconds", type=float, default=900, help="the whole bench, at most")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args()
    assert 1 <= args.rounds <= 4, "--rounds: 1 to 4 (a room of its own per run, 9 rooms)"
    uptime_before = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    began = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())

    async def bounded() -> dict[str, Any]:
        async with asyncio.timeout(args.max_seconds):
            return await bench(args)

    result = asyncio.run(bounded())
    result["machine"] = {
        "node": os.uname().nodename,
        "cpus": os.cpu_count(),
        "uptime_before": uptime_before,
        "uptime_after": subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip(),
        "chromium": subprocess.run(
            [find_chromium() or "chromium", "--version"], capture_output=True, text=True
        ).stdout.strip(),
        "ffmpeg": subprocess.run(
            ["ffmpeg", "-version"], capture_output=True, text=True
        ).stdout.splitlines()[0],
    }
    medians = {
        name: {
            who: {
                "latency_p50_ms": statistics.median(r[who]["latency_ms"]["p50"] for r in runs),
                "latency_p95_ms": statistics.median(r[who]["latency_ms"]["p95"] for r in runs),
                "latency_max_ms": max(r[who]["latency_ms"]["max"] for r in runs),
                "first_frame_ms": statistics.median(r[who]["first_frame_ms"] for r in runs),
                "stalls": sum(r[who]["stalls"] for r in runs),
            }
            for who in ("from_publish", "joined_live")
        }
        | {
            "segment_listed_after_last_frame_p50_ms": statistics.median(
                r["listed_after_last_frame_ms"]["p50"] for r in runs
            ),
            "segment_listed_after_first_frame_p50_ms": statistics.median(
                r["listed_after_first_frame_ms"]["p50"] for r in runs
            ),
        }
        for name, runs in result["runs"].items()
    }
    result["summary"] = medians
    args.out.mkdir(parents=True, exist_ok=True)
    target = args.out / f"stream-latency-{began}.json"
    target.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({"summary": medians, "machine": result["machine"]}, indent=2))
    print(f"written to {target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
