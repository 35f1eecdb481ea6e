"""What the stream tests and bench/stream_latency.py share: nginx with its RTMP module, set up
by `expo rtmp-config` for a platform process, and the script that makes a page play HLS through
hls.js (as on a browser without native HLS).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from streams.nginx_conf import DEBIAN_MODULE
from tests.cluster import free_port

MODULE = os.environ.get("EXPO_RTMP_MODULE", DEBIAN_MODULE)

# Claims no native HLS, so hls.js plays (its requests go through Playwright's routes).
NO_NATIVE_HLS = """
const canPlayType = HTMLMediaElement.prototype.canPlayType;
HTMLMediaElement.prototype.canPlayType = function (type) {
  return /mpegurl/i.test(type) ? "" : canPlayType.call(this, type);
};
"""


@dataclass(frozen=True)
class Nginx:
    rtmp: str  # rtmp://127.0.0.1:<port>/live: where publishers push, with their key
    http: str  # http://127.0.0.1:<port>: /hls/ (and, with `site`, the platform's pages)
    hls_dir: Path  # where nginx writes the playlists and segments
    log: Path


def missing_tools() -> list[str]:
    missing = [tool for tool in ("nginx", "ffmpeg") if shutil.which(tool) is None]
    return missing if Path(MODULE).exists() else [*missing, f"libnginx-mod-rtmp ({MODULE})"]


async def listening(port: int, child: asyncio.subprocess.Process, log: Path) -> None:
    for _ in range(600):  # 30 s at most
        if child.returncode is not None:
            break
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            await writer.wait_closed()
            return
        except OSError:
            await asyncio.sleep(0.05)
    tail = (await asyncio.to_thread(log.read_text, errors="replace"))[-2000:]
    raise RuntimeError(f"nginx did not listen on {port}: {tail}")


@asynccontextmanager
async def nginx_rtmp(
    platform_url: str,
    secret_key: str,
    run_dir: Path,
    *,
    site: bool = False,
    http_port: int | None = None,
) -> AsyncIterator[Nginx]:
    """nginx as `expo rtmp-config` sets it up for the platform at `platform_url` (whose
    EXPO_SECRET_KEY is `secret_key`); with `site` (`--serve-platform`), nginx also passes the
    pages, API and websocket to the platform, so pages on its origin fetch their HLS from it.
    `http_port`: the port chosen beforehand (the platform was told its HLS base already)."""
    rtmp_port, http_port = free_port(), http_port or free_port()
    env = {**os.environ, "EXPO_SECRET_KEY": secret_key}
    made = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "expo.cli",
        "rtmp-config",
        "--platform-url",
        platform_url,
        "--run-dir",
        str(run_dir),
        "--rtmp-listen",
        f"127.0.0.1:{rtmp_port}",
        "--http-listen",
        f"127.0.0.1:{http_port}",
        "--module",
        MODULE,
        *(["--serve-platform"] if site else []),
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(made.communicate(), 30)
    assert made.returncode == 0, err.decode()
    (run_dir / "nginx.conf").write_bytes(out)
    (run_dir / "hls").mkdir(exist_ok=True)
    # As root, nginx's workers would run as `nobody` and could not write under a temporary dir.
    globals_ = "daemon off; user root;" if os.geteuid() == 0 else "daemon off;"
    log = run_dir / "nginx.out"
    with log.open("wb") as sink:  # the child keeps its own descriptor
        nginx = await asyncio.create_subprocess_exec(
            "nginx",
            "-p",
            str(run_dir),
            "-e",
            str(run_dir / "error.log"),
            "-c",
            str(run_dir / "nginx.conf"),
            "-g",
            globals_,
            stdout=sink,
            stderr=asyncio.subprocess.STDOUT,
        )
    try:
        await listening(rtmp_port, nginx, log)
        await listening(http_port, nginx, log)
        yield Nginx(
            rtmp=f"rtmp://127.0.0.1:{rtmp_port}/live",
            http=f"http://127.0.0.1:{http_port}",
            hls_dir=run_dir / "hls",
            log=log,
        )
    finally:
        if nginx.returncode is None:
            nginx.send_signal(signal.SIGQUIT)  # graceful: on_publish_done for what is left
            try:
                await asyncio.wait_for(nginx.wait(), 15)
            except TimeoutError:
                nginx.kill()
                await nginx.wait()
