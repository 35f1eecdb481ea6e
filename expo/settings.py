"""Settings read from environment variables, with embedded defaults for a demo.

Built by `create_app` (never at import time), so tests and several apps in one process can
each have their own.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field

from expo.db import is_sqlite
from expo.ratelimit import DEFAULT_RATES, Rate, parse_rates
from expo.redis_pool import POOL_SIZE

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./expo.db"
# Unset, the frame limit is this many commands: a command always fits, and a socket trickling
# a frame it announced pins 64 KiB of the reader, not a mebibyte.
FRAMES_PER_COMMAND = 4
MAX_COMMAND_BYTES = 16 * 1024


class SettingsError(ValueError):
    """The environment cannot run the platform as it stands; the message says what to set."""


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    # None: the in-process broker (one server process only).
    redis_url: str | None = None
    # Connections each Redis client (broker, limiter) of a process keeps at most; a burst of
    # commands beyond it waits for one (expo/redis_pool.py).
    redis_pool_size: int = POOL_SIZE
    # PostgreSQL connections a process keeps (and how many more a burst may open); a request
    # that finds none free within the timeout is answered `database.busy` (503, Retry-After)
    # instead of waiting on. Two processes at the defaults hold at most 40 of PostgreSQL's 100.
    database_pool_size: int = 10
    database_max_overflow: int = 10
    database_pool_timeout: float = 10.0
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(32), repr=False)
    # Browser origins allowed to open the websocket, besides the server's own origin.
    allowed_origins: tuple[str, ...] = ()
    # Seed the demo expo into an empty database at start.
    demo: bool = False
    # Replay to reconnecting clients: each topic keeps at least its last `replay_seconds` of
    # events, at most `replay_window` of them. The cap fits five minutes of a busy room at
    # 20 events/s (6,000) with room to spare: a phone that lost signal that long resumes.
    replay_seconds: float = 300.0
    replay_window: int = 10_000
    # A client whose unsent data exceeds this is cut off (close code 4008) and must resume.
    max_send_buffer: int = 1024 * 1024
    # Largest websocket frame read at all (bigger: close 1009, on the frame's header); largest
    # command accepted. The frame limit is what any socket, signed in or not, can make the
    # server hold while it trickles a payload: a few commands' worth, not a mebibyte.
    max_frame_bytes: int = FRAMES_PER_COMMAND * MAX_COMMAND_BYTES
    max_command_bytes: int = MAX_COMMAND_BYTES
    # Commands a connection may have waiting before further ones are refused.
    max_pending_commands: int = 32
    # Websocket handshakes a process admits at once (session read, quotas); the others wait in
    # line, and one that has waited `opening_wait` seconds is answered 503 with
    # Retry-After (expo/realtime/admission.py: a reconnect storm).
    max_opening: int = 64
    opening_wait: float = 15.0
    # Seconds a handshake from an address that spent its budget of protocol violations
    # (rate `strikes`) waits before it is handled (expo/realtime/strikes.py); 0 turns it off.
    tarpit_seconds: float = 0.5
    # Websockets one account may hold open at once, over all processes (tabs, devices, clients).
    max_sockets_per_account: int = 20
    presence_interval: float = 1.0
    ping_interval: float = 20.0
    # Seconds a connection may take to send a request head (expo/head_deadline.py: slowloris).
    head_timeout: float = 20.0
    # How often each process looks for sessions starting now, to send agenda reminders.
    reminder_interval: float = 15.0
    # Seconds between samples of who follows each forum room (forums/attendance.py): a
    # person's watching time is counted in these steps.
    attendance_interval: float = 30.0
    log_json: bool = True
    # Email (invitations): unset means links are only shown to the organiser.
    smtp_url: str | None = None
    mail_from: str = "Shubo Live <noreply@shubo.live>"
    # How long an emailed account link (password reset, email change to confirm) may be used.
    account_link_minutes: float = 30.0
    # The address people reach the platform at, for links in emails; unset: the address of the
    # socket a request came in on, never its Host header (expo/credentials.py link_base).
    public_url: str | None = None
    # Proxies whose X-Forwarded-For is believed (uvicorn's own FORWARDED_ALLOW_IPS variable).
    forwarded_allow_ips: tuple[str, ...] = ("127.0.0.1",)
    # What is limited and how much (see expo/ratelimit.py); EXPO_RATE_LIMITS overrides entries.
    rate_limits: Mapping[str, Rate] = field(default_factory=lambda: dict(DEFAULT_RATES))
    # Argon2 hashes computed at once (64 MiB each) and waiting beyond those; more: account.busy.
    password_workers: int = 2
    password_queue: int = 16
    # Strict-Transport-Security max-age in seconds; 0 sends none (set it only behind HTTPS).
    hsts_max_age: int = 0
    # Bearer token a Prometheus scraper sends to /metrics; unset: only local addresses that came
    # through no proxy (and organisers) may read it (expo/ops.py).
    metrics_token: str | None = field(default=None, repr=False)
    # --- hall uploads ---
    # Where exhibitors' uploads are kept (by upload id); None: an `uploads` folder next to the
    # SQLite file, or uploads/<database> in the working directory for PostgreSQL
    # (expo/hall/upload_store.py).
    uploads_dir: str | None = None
    # Largest upload accepted; a bigger body is refused (413) as soon as it is announced or read.
    max_upload_bytes: int = 10 * 1024 * 1024
    # --- end hall uploads ---
    # --- matchmaking room ---
    # STUN/TURN servers handed to the browsers of a 1:1 video call (RTCIceServer dicts, from
    # EXPO_ICE_SERVERS as JSON); none are needed when both people are on one network.
    ice_servers: tuple[dict[str, object], ...] = ()
    # --- end matchmaking room ---

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        origins = tuple(
            o.strip() for o in env.get("EXPO_ALLOWED_ORIGINS", "").split(",") if o.strip()
        )
        values: dict[str, object] = {
            "database_url": env.get("EXPO_DATABASE_URL") or DEFAULT_DATABASE_URL,
            "redis_url": env.get("EXPO_REDIS_URL") or None,
            "allowed_origins": origins,
            "demo": _flag(env.get("EXPO_DEMO", "")),
            "log_json": _flag(env.get("EXPO_LOG_JSON", "1")),
            "smtp_url": env.get("EXPO_SMTP_URL") or None,
            "public_url": (env.get("EXPO_PUBLIC_URL") or "").rstrip("/") or None,
        }
        if env.get("EXPO_RATE_LIMITS"):
            values["rate_limits"] = {**DEFAULT_RATES, **parse_rates(env["EXPO_RATE_LIMITS"])}
        if env.get("FORWARDED_ALLOW_IPS"):
            values["forwarded_allow_ips"] = tuple(
                ip.strip() for ip in env["FORWARDED_ALLOW_IPS"].split(",") if ip.strip()
            )
        if env.get("EXPO_MAIL_FROM"):
            values["mail_from"] = env["EXPO_MAIL_FROM"]
        if env.get("EXPO_SECRET_KEY"):
            values["secret_key"] = env["EXPO_SECRET_KEY"]
        elif values["redis_url"] or not is_sqlite(str(values["database_url"])):
            # Shared services mean several processes, or one restarted: a key each invented for
            # itself would make every cookie signed elsewhere (or before) read as signed out.
            raise SettingsError(
                "EXPO_SECRET_KEY is not set: with PostgreSQL or Redis every server process must "
                "sign session cookies with the same key. Set EXPO_SECRET_KEY (for instance to "
                "the output of `python3 -c 'import secrets; print(secrets.token_urlsafe(32))'`)."
            )
        if env.get("EXPO_UPLOADS_DIR"):  # hall uploads
            values["uploads_dir"] = env["EXPO_UPLOADS_DIR"]
        if env.get("EXPO_ICE_SERVERS", "").strip():  # matchmaking room
            values["ice_servers"] = parse_ice_servers(env["EXPO_ICE_SERVERS"])
        if env.get("EXPO_METRICS_TOKEN"):
            values["metrics_token"] = env["EXPO_METRICS_TOKEN"]
        for name, key in (
            ("replay_window", "EXPO_REPLAY_WINDOW"),
            ("max_send_buffer", "EXPO_MAX_SEND_BUFFER"),
            ("max_frame_bytes", "EXPO_MAX_FRAME_BYTES"),
            ("max_command_bytes", "EXPO_MAX_COMMAND_BYTES"),
            ("max_pending_commands", "EXPO_MAX_PENDING_COMMANDS"),
            ("max_sockets_per_account", "EXPO_MAX_SOCKETS_PER_ACCOUNT"),
            ("max_opening", "EXPO_MAX_OPENING"),
            ("hsts_max_age", "EXPO_HSTS"),
            ("password_workers", "EXPO_PASSWORD_WORKERS"),
            ("password_queue", "EXPO_PASSWORD_QUEUE"),
            ("redis_pool_size", "EXPO_REDIS_POOL_SIZE"),
            ("database_pool_size", "EXPO_DATABASE_POOL_SIZE"),
            ("database_max_overflow", "EXPO_DATABASE_MAX_OVERFLOW"),
            ("max_upload_bytes", "EXPO_MAX_UPLOAD_BYTES"),  # hall uploads
        ):
            if env.get(key):
                values[name] = int(env[key])
        # Unset, the frame limit follows the command limit (a larger command limit alone must
        # not close its larger commands with 1009); set, it must leave room for one command.
        command_bytes = int(env.get("EXPO_MAX_COMMAND_BYTES") or MAX_COMMAND_BYTES)
        frame_bytes = int(env.get("EXPO_MAX_FRAME_BYTES") or FRAMES_PER_COMMAND * command_bytes)
        if frame_bytes < command_bytes:
            raise SettingsError(
                "EXPO_MAX_FRAME_BYTES is below EXPO_MAX_COMMAND_BYTES: every command that large "
                "would close its socket (1009) instead of being answered. Raise it, or unset it "
                f"(it defaults to {FRAMES_PER_COMMAND} x EXPO_MAX_COMMAND_BYTES)."
            )
        values["max_frame_bytes"] = frame_bytes
        for name, key in (
            ("replay_seconds", "EXPO_REPLAY_SECONDS"),
            ("database_pool_timeout", "EXPO_DATABASE_POOL_TIMEOUT"),
            ("presence_interval", "EXPO_PRESENCE_INTERVAL"),
            ("ping_interval", "EXPO_PING_INTERVAL"),
            ("head_timeout", "EXPO_HEAD_TIMEOUT"),
            ("opening_wait", "EXPO_OPENING_WAIT"),
            ("tarpit_seconds", "EXPO_TARPIT_SECONDS"),
            ("reminder_interval", "EXPO_REMINDER_INTERVAL"),
            ("attendance_interval", "EXPO_ATTENDANCE_INTERVAL"),
            ("account_link_minutes", "EXPO_ACCOUNT_LINK_MINUTES"),
        ):
            if env.get(key):
                values[name] = float(env[key])
        return cls(**values)  # type: ignore[arg-type]


# --- matchmaking room ---
ICE_SCHEMES = ("stun:", "stuns:", "turn:", "turns:")
ICE_KEYS = frozenset({"urls", "username", "credential"})
MAX_ICE_SERVERS = 10


def parse_ice_servers(raw: str) -> tuple[dict[str, object], ...]:
    """EXPO_ICE_SERVERS as the browsers' RTCIceServer list, or a SettingsError that says what
    is wrong: a typo here would otherwise only show as calls that never connect."""

    def bad(why: str) -> SettingsError:
        return SettingsError(
            f"EXPO_ICE_SERVERS {why}. It is a JSON list of RTCIceServer objects, for instance "
            '[{"urls": "stun:stun.example.com:3478"}, {"urls": ["turn:turn.example.com:3478"], '
            '"username": "expo", "credential": "secret"}].'
        )

    try:
        found = json.loads(raw)
    except ValueError as error:
        raise bad(f"is not valid JSON ({error})") from None
    if not isinstance(found, list) or len(found) > MAX_ICE_SERVERS:
        raise bad(f"is not a JSON list of at most {MAX_ICE_SERVERS} servers")
    servers: list[dict[str, object]] = []
    for index, server in enumerate(found):
        if not isinstance(server, dict) or "urls" not in server:
            raise bad(f"entry {index} is not an object with `urls`")
        unknown = set(server) - ICE_KEYS
        if unknown:
            raise bad(f"entry {index} has unknown keys {sorted(unknown)}")
        urls = server["urls"]
        listed = [urls] if isinstance(urls, str) else urls
        if (
            not isinstance(listed, list)
            or not listed
            or not all(isinstance(u, str) and u.startswith(ICE_SCHEMES) for u in listed)
        ):
            raise bad(f"entry {index} has `urls` that are not stun:, stuns:, turn: or turns: URLs")
        for key in ("username", "credential"):
            if key in server and not isinstance(server[key], str):
                raise bad(f"entry {index} has a `{key}` that is not a string")
        if any(u.startswith("turn") for u in listed) and not {"username", "credential"} <= set(
            server
        ):
            raise bad(f"entry {index} is a TURN server without `username` and `credential`")
        servers.append(dict(server))
    return tuple(servers)


# --- end matchmaking room ---


def _flag(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}
