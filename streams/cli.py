"""`expo rtmp-config`: print the nginx configuration of the ingest (streams/nginx_conf.py).

The hook secret comes from EXPO_SECRET_KEY, as the server processes derive it; without one, the
demo's secret file (./expo-demo.secret, made by `expo demo`) is used if it is there.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

from streams.keys import hook_secret
from streams.nginx_conf import DEBIAN_MODULE, ConfigError, RtmpConfig, render

DEMO_SECRET_FILE = Path("./expo-demo.secret")


def _secret_key() -> str | None:
    if os.environ.get("EXPO_SECRET_KEY"):
        return os.environ["EXPO_SECRET_KEY"]
    if DEMO_SECRET_FILE.exists():
        return DEMO_SECRET_FILE.read_text().strip() or None
    return None


def _origin(url: str | None) -> str:
    if not url:
        return "*"
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else "*"


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="expo rtmp-config",
        description="Print the nginx (with its RTMP module) configuration of the stream ingest.",
    )
    parser.add_argument(
        "--platform-url",
        default="http://127.0.0.1:8000",
        help="where nginx reaches a platform process, plain http (default: %(default)s)",
    )
    parser.add_argument(
        "--run-dir",
        type=Path,
        default=Path("nginx-rtmp"),
        help="pid, logs, temporary files (default: ./nginx-rtmp, made absolute)",
    )
    parser.add_argument("--hls-dir", type=Path, help="where HLS is written (default: RUN_DIR/hls)")
    parser.add_argument(
        "--record-dir",
        type=Path,
        help="where nginx records the streams, for replays (default: RUN_DIR/recordings)",
    )
    parser.add_argument("--no-record", action="store_true", help="record nothing: no replays")
    parser.add_argument(
        "--serve-platform",
        action="store_true",
        help="also pass pages, API and websocket to the platform: open the site on nginx's "
        "HTTP port, its HLS on the same origin (to try it on one machine)",
    )
    parser.add_argument("--rtmp-listen", default="1935", help="port or address:port (1935)")
    parser.add_argument("--http-listen", default="8080", help="port or address:port (8080)")
    parser.add_argument(
        "--allow-origin",
        default=_origin(os.environ.get("EXPO_PUBLIC_URL")),
        help="CORS origin of the HLS (default: EXPO_PUBLIC_URL's origin, else *)",
    )
    parser.add_argument(
        "--module", default=DEBIAN_MODULE, help="the RTMP module to load (%(default)s)"
    )
    parser.add_argument(
        "--no-load-module",
        action="store_true",
        help="for an nginx that loads it already (Debian's /etc/nginx/modules-enabled)",
    )
    args = parser.parse_args(argv)
    secret_key = _secret_key()
    if secret_key is None:
        print(
            "expo rtmp-config: set EXPO_SECRET_KEY to the server processes' key "
            "(the callbacks' secret is derived from it)",
            file=sys.stderr,
        )
        return 2
    try:
        text = render(
            RtmpConfig(
                platform_url=args.platform_url,
                hook_secret=hook_secret(secret_key),
                run_dir=str(args.run_dir.absolute()),
                hls_dir=str(args.hls_dir.absolute()) if args.hls_dir else None,
                record_dir=str(args.record_dir.absolute()) if args.record_dir else None,
                record=not args.no_record,
                serve_platform=args.serve_platform,
                rtmp_listen=args.rtmp_listen,
                http_listen=args.http_listen,
                allow_origin=args.allow_origin,
                module=None if args.no_load_module else args.module,
            )
        )
    except ConfigError as error:
        print(f"expo rtmp-config: {error}", file=sys.stderr)
        return 2
    # nginx writes neither its HLS nor its recordings into a missing directory (recordings are
    # then silently not made): make them here, on the host nginx runs on.
    run_dir = args.run_dir.absolute()
    made = [args.hls_dir or run_dir / "hls"]
    if not args.no_record:
        made.append(args.record_dir or run_dir / "recordings")
    for directory in made:
        directory.absolute().mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        # Said on stderr, so the configuration on stdout stays whole.
        print(
            "expo rtmp-config: nginx started as root runs its workers as `nobody`, who cannot "
            f"write {run_dir}: recordings then fail silently (no replays). Start nginx with "
            "-g 'user root;' or as a user who may write there, or chown the directories.",
            file=sys.stderr,
        )
    sys.stdout.write(text)
    return 0
