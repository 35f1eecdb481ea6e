"""The nginx configuration the ingest needs (`expo rtmp-config`): a pure template.

One worker: nginx-rtmp keeps its streams per worker, and its statistics and callbacks are
only dependable with one. Publishers push to the RTMP application `live` under their key; the
platform's `on_publish` answers a right key with a 302 to `rtmp://<this nginx>/hls/<slug>`,
which nginx-rtmp turns into a relay push of the stream into the application `hls` under the
room's slug. (A plain name in the Location is logged as a rename by Debian's nginx-rtmp 1.2.2,
but its HLS files keep the key's name: tried.) `hls` publishes HLS with 1 s fragments (the
publisher sends a keyframe every second) into `hls_dir`, which the http server serves under
/hls/ with no caching of playlists and CORS for the platform's origin; /stat answers nginx-rtmp's
statistics to the local host only. Every path is absolute and inside `run_dir` unless given, so
nginx runs unprivileged: `nginx -p RUN_DIR -e RUN_DIR/error.log -c FILE -g 'daemon off;'`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from streams.domain import IDLE_PUBLISHER, UPDATE_INTERVAL

DEBIAN_MODULE = "/usr/lib/nginx/modules/ngx_rtmp_module.so"
APPLICATION = "live"  # publishers push here, with their key as the stream name
HLS_APPLICATION = "hls"  # the platform relays each allowed publish here, named by the room
HOOKS = "/api/streams/hooks"


class ConfigError(ValueError):
    """An option nginx would misread (a path or URL with spaces, quotes or semicolons)."""


@dataclass(frozen=True, slots=True)
class RtmpConfig:
    platform_url: str  # where nginx reaches the platform's callbacks (plain http)
    hook_secret: str
    run_dir: str  # pid, logs and nginx's temporary files
    hls_dir: str | None = None  # default: <run_dir>/hls
    # nginx's recordings of the rooms' streams, made into replays by the platform (which needs
    # to read them: EXPO_RECORDING_DIR); default <run_dir>/recordings. record=False: none.
    record_dir: str | None = None
    record: bool = True
    # Also pass everything else to the platform (pages, API, websocket): one origin for the
    # pages and their HLS, as a reverse proxy in front of both would give (the pages' CSP
    # lets media come from their own origin only). For trying it on one machine.
    serve_platform: bool = False
    rtmp_listen: str = "1935"  # a port, or address:port
    http_listen: str = "8080"
    allow_origin: str = "*"  # the platform's origin, for browsers fetching the HLS
    module: str | None = DEBIAN_MODULE  # None: the nginx loads it already (modules-enabled)
    fragment_seconds: int = 1
    playlist_seconds: int = 6


_UNSAFE = set(" \t\n\r;{}'\"\\$#")


def _safe(what: str, value: str) -> str:
    if not value or _UNSAFE & set(value):
        raise ConfigError(f"{what} {value!r}: no spaces, quotes, ';', '{{', '}}', '$' or '#'")
    return value


def relay_address(rtmp_listen: str) -> str:
    """Where nginx reaches its own RTMP server, for the relay into `hls`."""
    host, _, port = rtmp_listen.rpartition(":")
    if host in ("", "*", "0.0.0.0", "[::]"):
        host = "127.0.0.1"
    return f"{host}:{port}"


def hook_url(platform_url: str, hook: str, secret: str) -> str:
    parts = urlsplit(platform_url)
    if parts.scheme != "http" or not parts.netloc:
        raise ConfigError(
            f"platform URL {platform_url!r}: nginx-rtmp calls back over plain http://host:port"
        )
    return f"http://{parts.netloc}{parts.path.rstrip('/')}{HOOKS}/{hook}?secret={secret}"


_UPGRADE = """
    map $http_upgrade $connection_upgrade {
        default upgrade;
        '' close;
    }
"""
_PLATFORM = """        # Everything else is the platform's: pages, API, the websocket.
        location / {{
            proxy_pass {platform};
            proxy_http_version 1.1;
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_read_timeout 3600s;
        }}

"""


def _platform_origin(platform_url: str) -> str:
    parts = urlsplit(platform_url)
    return f"http://{parts.netloc}"


def render(cfg: RtmpConfig) -> str:
    run = PurePosixPath(_safe("run directory", cfg.run_dir))
    if not run.is_absolute():
        raise ConfigError(f"run directory {cfg.run_dir!r} is not an absolute path")
    hls = PurePosixPath(_safe("HLS directory", cfg.hls_dir or str(run / "hls")))
    if not hls.is_absolute():
        raise ConfigError(f"HLS directory {cfg.hls_dir!r} is not an absolute path")
    recordings = PurePosixPath(
        _safe("recording directory", cfg.record_dir or str(run / "recordings"))
    )
    if not recordings.is_absolute():
        raise ConfigError(f"recording directory {cfg.record_dir!r} is not an absolute path")
    secret = _safe("hook secret", cfg.hook_secret)
    relay = relay_address(cfg.rtmp_listen)
    publish = _safe("URL", hook_url(cfg.platform_url, "publish", secret) + f"&relay={relay}")
    update = _safe("URL", hook_url(cfg.platform_url, "update", secret))
    done = _safe("URL", hook_url(cfg.platform_url, "publish-done", secret))
    recorded = _safe("URL", hook_url(cfg.platform_url, "record-done", secret))
    record = (
        f"""
            # Each publisher's push, recorded whole; the platform makes it a replay (MP4).
            record all;
            record_path {recordings};
            record_unique on;
            record_suffix .flv;
            notify_method post;
            on_record_done {recorded};
"""
        if cfg.record
        else "\n            record off;\n"
    )
    origin = _safe("origin", cfg.allow_origin)
    rtmp_listen, http_listen = _safe("listen", cfg.rtmp_listen), _safe("listen", cfg.http_listen)
    upgrade, platform = (
        (_UPGRADE, _PLATFORM.format(platform=_platform_origin(cfg.platform_url)))
        if cfg.serve_platform
        else ("", "")
    )
    load = f"load_module {_safe('module', cfg.module)};\n" if cfg.module else ""
    update_seconds = int(UPDATE_INTERVAL.total_seconds())
    idle_seconds = int(IDLE_PUBLISHER.total_seconds())
    return f"""# Shubo Live ingest: generated by `expo rtmp-config`. Run it with
#   nginx -p {run} -e {run}/error.log -c <this file> -g 'daemon off;'
{load}worker_processes 1;
pid {run}/nginx.pid;
error_log {run}/error.log warn;

events {{
    worker_connections 1024;
}}

rtmp {{
    server {{
        listen {rtmp_listen};
        chunk_size 4096;
        # A publisher that sends nothing for this long (its network gone, the encoder hung) is
        # dropped and on_publish_done sent: viewers get the slate. Encoders send frames many
        # times a second; OBS reconnects by itself after such a drop.
        drop_idle_publisher {idle_seconds}s;

        # Publishers push here (stream name: the room's key). The platform authorises each
        # key and answers a 302 to rtmp://{relay}/{HLS_APPLICATION}/<slug>: nginx relays the
        # stream there, so the key never appears in an HLS URL.
        application {APPLICATION} {{
            live on;
            record off;
            deny play all;  # viewers watch HLS; nobody plays RTMP from here
            notify_method post;
            on_publish {publish};
            on_update {update};
            notify_update_timeout {update_seconds}s;
            on_publish_done {done};
        }}

        # The rooms' streams, named by their slugs, relayed from `{APPLICATION}` only.
        application {HLS_APPLICATION} {{
            live on;{record}
            allow publish 127.0.0.1;
            allow publish ::1;
            deny publish all;
            deny play all;

            hls on;
            hls_path {hls};
            hls_fragment {cfg.fragment_seconds}s;
            hls_playlist_length {cfg.playlist_seconds}s;
            hls_cleanup on;
            # A publish starts a fresh playlist, and the old one goes when its publisher does:
            # a player (re)loading it for the next publish must never get the last one's
            # segments (seconds-old footage, seen without these two).
            hls_continuous off;
            exec_publish_done /bin/rm -f {hls}/$name.m3u8;
        }}
    }}
}}

http {{{upgrade}
    access_log {run}/access.log;
    client_body_temp_path {run}/client_body;
    proxy_temp_path {run}/proxy;
    fastcgi_temp_path {run}/fastcgi;
    uwsgi_temp_path {run}/uwsgi;
    scgi_temp_path {run}/scgi;
    sendfile on;
    tcp_nopush on;

    server {{
        listen {http_listen};

        location /hls/ {{
            alias {hls}/;
            types {{
                application/vnd.apple.mpegurl m3u8;
                video/mp2t ts;
            }}
            add_header Cache-Control no-cache always;
            add_header Access-Control-Allow-Origin {origin} always;
            add_header Access-Control-Expose-Headers Content-Length always;
            if ($request_method = OPTIONS) {{
                add_header Access-Control-Allow-Origin {origin};
                add_header Access-Control-Allow-Methods 'GET, HEAD, OPTIONS';
                add_header Access-Control-Allow-Headers Range;
                add_header Access-Control-Max-Age 86400;
                return 204;
            }}
        }}

{platform}        location /stat {{
            rtmp_stat all;
            allow 127.0.0.1;
            allow ::1;
            deny all;
        }}
    }}
}}
"""
