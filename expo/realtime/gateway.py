"""The gateway: reads commands off connections, runs their handlers, sends exactly one reply each.

A connection's commands run one at a time, in the order they arrived, in a task that exists
only while there is work (an idle connection costs no task). Handlers come from the features:
a dict from command type to `CommandSpec`, like venueless' `@command` registry without the
metaclass.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from expo.db import DATABASE_FAILURES, database_error
from expo.errors import (
    BadRequest,
    ExpoError,
    NotFound,
    RateLimited,
    Unauthorized,
    Unavailable,
    from_validation,
)
from expo.logs import OutageLog
from expo.models import Account, AccountPublic
from expo.ratelimit import MemoryLimiter, enforce, gcra
from expo.realtime import closecodes, metrics
from expo.realtime.admission import Admission
from expo.realtime.broker import BrokerUnavailable
from expo.realtime.connection import Connection
from expo.realtime.envelope import (
    EnvelopeError,
    encode_error,
    encode_ok,
    parse_command,
    sniff_id,
    valid_topic,
)
from expo.realtime.frames import PING_FRAME, text_frame
from expo.realtime.hub import SubscriptionEnded
from expo.realtime.strikes import Strikes
from expo.security import Principal
from expo.sessions import principal_of

if TYPE_CHECKING:
    from expo.services import Services

log = logging.getLogger("expo.gateway")
# The least retry_after a refusal of refused commands gives: GCRA may say "allowed in 0.2 ms",
# and a client told to retry in 0.0 s would only come straight back.
MIN_RETRY = 0.1
EVICT = "topic.evict"  # the control message of `Gateway.evict`
# The text a connection's waiting commands may hold, in largest commands (EXPO_MAX_COMMAND_BYTES).
PENDING_TEXT_FACTOR = 4
RECHECK = "topic.recheck"  # the control message of `Gateway.recheck`
# The control message of an account's change (expo/accounts.py), and the event its sockets get.
ACCOUNT_CHANGED = "account.changed"
# Connection ids count up in each process: with this prefix they name one connection everywhere.
PROCESS = secrets.token_hex(4)


@dataclass(slots=True)
class CommandContext:
    client: Connection
    services: Services

    @property
    def principal(self) -> Principal | None:
        return self.client.principal

    def require_principal(self) -> Principal:
        if self.client.principal is None:
            raise Unauthorized(message="Sign in first.")
        return self.client.principal


Handler = Callable[[CommandContext, Any], Awaitable[Any]]
TopicGuard = Callable[[CommandContext, str], Awaitable[None]]
# Loads the object an object-scoped command acts on (a room, a booth) from its payload, for the
# permission table's rule; it raises the object's own `not_found` when there is none.
Target = Callable[[CommandContext, Any], Awaitable[object]]


@dataclass(frozen=True, slots=True)
class CommandSpec:
    handler: Handler
    model: type[BaseModel]
    # The action in the permission table (expo/permissions.py) checked before the handler runs.
    action: str
    # The settings' rate limit (expo/ratelimit.py) each account (or anonymous connection) spends.
    rate: str | None = None
    # For an object-scoped action: what it acts on, checked against the rule before the handler
    # runs (the app refuses to start when a scoped action's command has none).
    target: Target | None = None


class Strict(BaseModel):
    """Base of command payloads: unknown fields are refused and types are not coerced
    (`"3"` is not a number)."""

    model_config = ConfigDict(extra="forbid", strict=True)


class SubscribeData(Strict):
    topic: str = Field(max_length=80)
    since: int | None = Field(default=None, ge=0)
    epoch: str | None = Field(default=None, max_length=64)

    @model_validator(mode="after")
    def _since_needs_its_epoch(self) -> SubscribeData:
        # A seq means nothing without its epoch: after Redis loses its log, seqs restart.
        if self.since is not None and self.epoch is None:
            raise ValueError("`since` goes with the `epoch` of the reply or snapshot it came from")
        return self


class UnsubscribeData(Strict):
    topic: str = Field(max_length=80)


class Gateway:
    def __init__(
        self,
        services: Services,
        commands: Mapping[str, CommandSpec],
        topic_guards: Mapping[str, TopicGuard],
    ) -> None:
        self.services = services
        self.clients: set[Connection] = set()
        self._releasing: set[asyncio.Future[None]] = set()
        self._audit_now = asyncio.Event()
        self._reloading = asyncio.Lock()
        self._guards = dict(topic_guards)
        self._quota_outage = OutageLog(log, "socket quota not applied: broker unavailable")
        settings = services.settings
        self.admission = Admission(max(1, settings.max_opening), settings.opening_wait)
        self.strikes = Strikes(settings.rate_limits["strikes"], settings.tarpit_seconds)
        self._refusals = MemoryLimiter(
            max_keys=50_000
        )  # this process's, by design: see DEFAULT_RATES
        self._commands: dict[str, CommandSpec] = {
            "subscribe": CommandSpec(
                self._subscribe, SubscribeData, "topic.subscribe", rate="subscribe"
            ),
            "unsubscribe": CommandSpec(self._unsubscribe, UnsubscribeData, "topic.unsubscribe"),
        }
        for name, spec in commands.items():
            assert name not in self._commands, f"command {name!r} is registered twice"
            self._commands[name] = spec

    @property
    def commands(self) -> Mapping[str, CommandSpec]:
        return self._commands

    async def evict(self, topic: str, account_id: int, reason: str) -> None:
        """Take an account off a topic on every process (a ban): its sockets stop receiving the
        topic and are told with `subscription.ended`. Subscribing again is up to the guard.
        Called once the ban is stored, so it never raises: an eviction the broker fails is
        retried under the stored-then-announced policy (expo/realtime/announce.py)."""
        data = {"topic": topic, "account": account_id, "reason": reason}
        # This process's sockets leave now, whatever the broker does; the announcement (back
        # here too, where it finds them gone) takes care of the others.
        self.evicted(data)
        await self.services.hub.announce_stored(EVICT, data)

    async def recheck(self, topic: str) -> None:
        """What a topic's guard decides changed for some (a speaker taken off a room's
        programme): every process asks it again about the signed-in sockets following the topic
        and takes off those it now refuses, with `subscription.ended` and the refusal's code.
        Called once the change is stored: never raises, and a broker failure is retried like an
        event (expo/realtime/announce.py), not only logged."""
        await self.services.hub.announce_stored(RECHECK, {"topic": topic})

    def rechecked(self, data: dict[str, Any]) -> None:
        """A recheck announced by some process: ask this process's sockets following it."""
        topic = data.get("topic")
        if isinstance(topic, str):
            task = asyncio.ensure_future(self.recheck_topics(only=topic))
            self._releasing.add(task)
            task.add_done_callback(self._releasing.discard)

    def evicted(self, data: dict[str, Any]) -> None:
        """An eviction announced by some process: apply it to this process's sockets."""
        topic, account, reason = data.get("topic"), data.get("account"), data.get("reason")
        if not isinstance(topic, str) or not isinstance(account, int):
            return
        for client in list(self.clients):
            if client.principal is None or client.principal.account_id != account:
                continue
            if self.services.hub.leave(client, topic):
                self._send_ended(client, topic, str(reason or ""))

    def end_session(self, data: dict[str, Any]) -> None:
        """Sessions ended somewhere (signed out, a password changed) or every session of an
        account (disabled): close their sockets on this process. `{"session": id}` names one,
        `{"sessions": [ids]}` several, `{"account": id}` all of one account."""
        ended = set(data.get("sessions") or ())
        if data.get("session") is not None:
            ended.add(data["session"])
        account = data.get("account")
        for client in list(self.clients):
            who = client.principal
            if who is None:
                continue
            if who.session_id in ended or (isinstance(account, int) and who.account_id == account):
                client.close(closecodes.SIGNED_OUT, "Signed out.")

    def account_changed(self, data: dict[str, Any]) -> None:
        """An account's name or role changed somewhere (stored): its sockets on this process
        take the stored account as their principal, the topics it may no longer follow are
        left, and the page is told (`account.changed`) so that it refreshes its own view."""
        account = data.get("account")
        if not isinstance(account, int) or not any(
            c.principal is not None and c.principal.account_id == account for c in self.clients
        ):
            return
        task = asyncio.ensure_future(self._reload_account(account))
        self._releasing.add(task)
        task.add_done_callback(self._releasing.discard)

    async def _reload_account(self, account_id: int) -> None:
        # One reload at a time: two changes in a row must not land in the order their reads
        # finished, leaving the older account on the sockets.
        async with self._reloading:
            try:
                found = await self.services.sessions.accounts({account_id})
            except Exception:
                # Said in the log; the next change, a resync or a reconnect brings the sockets
                # up to date.
                log.exception("account reload failed", extra={"account": account_id})
                return
            if self._apply_accounts({account_id}, found):
                await self.recheck_topics(account=account_id)
            self._tell_changed({account_id}, found)

    async def _reload_all_accounts(self) -> None:
        """After a resync: the accounts of every signed-in socket as stored now (an
        `account.changed` may have been missed), then every topic asked again."""
        async with self._reloading:
            ids = {c.principal.account_id for c in self.clients if c.principal is not None}
            try:
                found = await self.services.sessions.accounts(ids) if ids else {}
            except Exception:
                log.exception("account reload after a resync failed")
                found = None
            changed = set() if found is None else self._apply_accounts(ids, found)
            if found is not None:
                self._tell_changed(changed, found)
        await self.recheck_topics()

    def _apply_accounts(self, ids: set[int], found: Mapping[int, Account]) -> set[int]:
        """Give this process's sockets of `ids` their stored account (closing those of accounts
        gone or disabled); which accounts' principals changed."""
        changed: set[int] = set()
        for client in list(self.clients):
            who = client.principal
            if who is None or who.account_id not in ids:
                continue
            account = found.get(who.account_id)
            if account is None or account.disabled_at is not None:
                client.close(closecodes.SIGNED_OUT, "Signed out.")
                continue
            # The socket's scope stays: a read token's socket must not become a full one.
            fresh = principal_of(account, who.session_id, who.scope)
            if fresh != who:
                client.principal = fresh
                changed.add(who.account_id)
        return changed

    def _tell_changed(self, ids: set[int], found: Mapping[int, Account]) -> None:
        """`account.changed` to the open sockets of these accounts: their pages refresh."""
        frames = {}
        for account_id in ids:
            account = found.get(account_id)
            if account is not None and account.disabled_at is None:
                public = AccountPublic.model_validate(account, from_attributes=True)
                frames[account_id] = text_frame(
                    orjson.dumps(
                        {"type": ACCOUNT_CHANGED, "data": {"account": public.model_dump()}}
                    )
                )
        for client in list(self.clients):
            if client.principal is not None and client.open:
                frame = frames.get(client.principal.account_id)
                if frame is not None:
                    client.send_frame(frame)

    def followers(self, kind: str) -> dict[str, set[int]]:
        """The signed-in accounts following each `<kind>:<key>` topic on this process, by key
        (a feature's sample of who is watching: forums/attendance.py)."""
        prefix, found = f"{kind}:", dict[str, set[int]]()
        for client in self.clients:
            if client.principal is None or not client.open:
                continue
            for topic in client.topics:
                if topic.startswith(prefix):
                    found.setdefault(topic[len(prefix) :], set()).add(client.principal.account_id)
        return found

    def connected(self, client: Connection) -> None:
        self.clients.add(client)
        metrics.CONNECTIONS.inc()

    def disconnected(self, client: Connection) -> None:
        if client in self.clients:
            self.clients.discard(client)
            metrics.CONNECTIONS.dec()
            if client.principal is not None:
                self.release(client.principal)
        self.services.hub.drop(client)
        client.pending.clear()

    async def audit_sessions(self, interval: float) -> None:
        """Close sockets whose session ended while this process missed the announcement (a
        Redis reconnect) or that simply expired: checked every interval, and on `wake()`."""
        while True:
            try:
                await asyncio.wait_for(self._audit_now.wait(), interval)
            except TimeoutError:
                pass
            self._audit_now.clear()
            ids = {
                c.principal.session_id
                for c in self.clients
                if c.principal is not None and c.principal.session_id is not None
            }
            if not ids:
                continue
            try:
                ended = await self.services.sessions.ended(ids)
            except Exception:
                log.exception("session audit failed")
                continue
            for session_id in ended:
                self.end_session({"session": session_id})

    def wake_audit(self) -> None:
        self._audit_now.set()

    def resynced(self) -> None:
        """Live delivery was interrupted (a Redis reconnect): control messages may have been
        missed. Audit sessions now, reload the signed-in sockets' accounts (a rename or a role
        change announced meanwhile) and ask each topic's guard again about the signed-in
        sockets following it, so a ban announced meanwhile still takes them off."""
        self.wake_audit()
        task = asyncio.ensure_future(self._reload_all_accounts())
        self._releasing.add(task)
        task.add_done_callback(self._releasing.discard)

    async def recheck_topics(self, only: str | None = None, account: int | None = None) -> None:
        """Ask the guards again about the signed-in sockets' topics (`only` that topic, `only`
        that account's sockets) and take each off the topics now refused to it."""
        # One guard call per account and topic, however many tabs follow it: a resync of a
        # process with thousands of sockets must not become thousands of identical queries.
        refused: dict[tuple[int, str], str | None] = {}
        for client in list(self.clients):
            if client.principal is None or not client.open:
                continue  # anonymous sockets carry no account a guard could refuse
            if account is not None and client.principal.account_id != account:
                continue
            for topic in list(client.topics) if only is None else [only]:
                if topic not in client.topics:
                    continue
                key = (client.principal.account_id, topic)
                if key not in refused:
                    refused[key] = await self._refusal(CommandContext(client, self.services), topic)
                reason = refused[key]
                if reason is not None and self.services.hub.leave(client, topic):
                    self._send_ended(client, topic, reason)
                    log.info("topic left after a resync", extra={"topic": topic})

    async def _refusal(self, ctx: CommandContext, topic: str) -> str | None:
        """Why the topic's guard now refuses this account (None: it may follow it)."""
        try:
            await self._check_topic(ctx, topic)
        except ExpoError as error:
            return error.code if error.status in (401, 403) else None
        except Exception:
            log.exception("topic recheck failed", extra={"topic": topic})
        return None

    def _send_ended(self, client: Connection, topic: str, reason: str) -> None:
        client.send_frame(
            text_frame(
                orjson.dumps(
                    {"type": "subscription.ended", "topic": topic, "data": {"reason": reason}}
                )
            )
        )

    async def admit(self, who: Principal) -> bool:
        """May this account open one more socket? Counted over all processes; a broker that
        cannot be reached lets it in (and says so in the log, at most once a minute)."""
        limit = self.services.settings.max_sockets_per_account
        try:
            return await self.services.hub.broker.acquire_socket(who.account_id, limit)
        except ConnectionError as error:
            self._quota_outage.happened(error)
            return True

    def release(self, who: Principal) -> None:
        task = asyncio.ensure_future(self._release(who.account_id))
        self._releasing.add(task)
        task.add_done_callback(self._releasing.discard)

    async def _release(self, account_id: int) -> None:
        try:
            await self.services.hub.broker.release_socket(account_id)
        except ConnectionError:
            pass  # the count belongs to this process and expires with it

    async def keepalive(self, interval: float, slices: int = 20) -> None:
        """Ping every connection once per interval; cut those that did not answer the last one.

        The pings go out in `slices` groups spread over the interval, so thousands of pongs do
        not come back in one burst and delay the room's events.
        """
        while True:
            clients = list(self.clients)
            step = max(1, -(-len(clients) // slices))
            groups = [clients[i : i + step] for i in range(0, len(clients), step)] or [[]]
            for group in groups:
                await asyncio.sleep(interval / len(groups))
                for client in group:
                    if not client.open:
                        continue
                    if not client.alive:
                        client.close(closecodes.INTERNAL, "No answer to the keepalive ping.")
                        continue
                    client.alive = False
                    client.send_frame(PING_FRAME)

    def receive(self, client: Connection, text: str) -> None:
        """A text message arrived: queue it, starting the connection's runner if idle."""
        settings = self.services.settings
        # Bounded in count and in text: a connection's waiting commands hold at most
        # PENDING_TEXT_FACTOR commands' worth of text, however many fit in the count.
        if len(client.pending) >= settings.max_pending_commands or (
            client.pending
            and sum(map(len, client.pending)) + len(text)
            > PENDING_TEXT_FACTOR * settings.max_command_bytes
        ):
            self._reply_error(
                client,
                text,
                RateLimited(
                    message="Too many commands waiting; wait for replies before sending more."
                ),
            )
            return
        client.pending.append(text)
        if client.runner is None:
            client.runner = asyncio.create_task(self._drain(client))

    async def _drain(self, client: Connection) -> None:
        try:
            while client.pending and client.open:
                await self._keep_pace(client)
                if client.open:
                    await self._handle(client, client.pending.popleft())
        finally:
            client.runner = None

    async def _keep_pace(self, client: Connection) -> None:
        """Wait, not reading the socket, until the connection may send another command (rate
        `commands`): a flood is slowed where it comes from, at no cost to anyone else."""
        rate = self.services.settings.rate_limits["commands"]
        decision, client.paced_until = gcra(client.paced_until, time.monotonic() * 1000, rate)
        while not decision.allowed:
            metrics.PACED.inc()
            client.pause_reading()
            try:
                await asyncio.sleep(decision.retry_after)
            finally:
                client.resume_reading()
            decision, client.paced_until = gcra(client.paced_until, time.monotonic() * 1000, rate)

    def _refusal_key(self, client: Connection) -> str:
        who = client.principal.account_id if client.principal else f"c{client.id}"
        return f"refusals:{who}"

    async def _refused(self, client: Connection, error: ExpoError) -> None:
        """Spend one of the client's refusals for an error it caused (not for a limit it hit,
        nor for the server's own trouble)."""
        if error.status < 500 and error.status != 429:
            rate = self.services.settings.rate_limits["refusals"]
            await self._refusals.hit(self._refusal_key(client), rate)

    async def _handle(self, client: Connection, text: str) -> None:
        settings = self.services.settings
        spent = await self._refusals.hit(
            self._refusal_key(client), settings.rate_limits["refusals"], spend=False
        )
        if not spent.allowed:
            # Answered before any of the command's work: parsing, the database, the broker.
            metrics.COMMANDS.labels("refused", "rate_limited").inc()
            retry = round(max(spent.retry_after, MIN_RETRY), 3)
            self._reply_error(
                client,
                text,
                RateLimited(
                    message=f"Too many refused commands; try again in {retry:.1f} s.",
                    retry_after=retry,
                ),
            )
            return
        try:
            command = parse_command(text, max_bytes=settings.max_command_bytes)
        except EnvelopeError as error:
            metrics.COMMANDS.labels("invalid", error.code).inc()
            client.send_frame(text_frame(encode_error(error.command_id, error)))
            await self._refused(client, error)
            return
        spec = self._commands.get(command.type)
        label = command.type if spec else "unknown"
        try:
            if spec is None:
                raise BadRequest("unknown_command", f"There is no command {command.type!r}.")
            # The role first: one that may never do it learns nothing about the object.
            self.services.permissions.check_role(spec.action, client.principal)
            if spec.rate is not None:
                who = client.principal.account_id if client.principal else f"c{PROCESS}.{client.id}"
                await enforce(
                    self.services.limiter,
                    f"{spec.rate}:{who}",
                    self.services.settings.rate_limits[spec.rate],
                    "commands",
                )
            try:
                data = spec.model.model_validate(command.data)
            except ValidationError as error:
                raise from_validation(error) from None
            ctx = CommandContext(client, self.services)
            try:
                target = None if spec.target is None else await spec.target(ctx, data)
                self.services.permissions.check(spec.action, client.principal, target)
                result = await spec.handler(ctx, data)
            except BrokerUnavailable:
                raise Unavailable(message="The event broker cannot be reached.") from None
            except DATABASE_FAILURES as error:
                log.error(
                    "database unavailable", extra={"command": command.type, "error": repr(error)}
                )
                raise database_error(error) from None
        except ExpoError as error:
            metrics.COMMANDS.labels(label, error.code).inc()
            client.send_frame(text_frame(encode_error(command.id, error)))
            await self._refused(client, error)
            return
        except Exception:
            log.exception("command failed", extra={"command": command.type, "conn": client.id})
            metrics.COMMANDS.labels(label, "internal").inc()
            client.send_frame(
                text_frame(
                    encode_error(
                        command.id,
                        ExpoError("internal", "The server failed; the command had no effect."),
                    )
                )
            )
            return
        metrics.COMMANDS.labels(label, "ok").inc()
        client.send_frame(text_frame(encode_ok(command.id, result if result is not None else {})))

    def _reply_error(self, client: Connection, text: str, error: ExpoError) -> None:
        client.send_frame(text_frame(encode_error(sniff_id(text), error)))

    # --- built-in commands --------------------------------------------------------------

    async def _subscribe(self, ctx: CommandContext, data: SubscribeData) -> dict[str, Any]:
        await self._check_topic(ctx, data.topic)
        try:
            return await self.services.hub.subscribe(ctx.client, data.topic, data.since, data.epoch)
        except SubscriptionEnded:
            # Evicted while subscribing: the guard, asked again, gives the reason (forum.banned).
            await self._check_topic(ctx, data.topic)
            raise

    async def _unsubscribe(self, ctx: CommandContext, data: UnsubscribeData) -> dict[str, Any]:
        await self.services.hub.unsubscribe(ctx.client, data.topic)
        return {"topic": data.topic}

    async def _check_topic(self, ctx: CommandContext, topic: str) -> None:
        if not valid_topic(topic):
            raise BadRequest("subscribe.bad_topic", "A topic looks like `forum:3`.")
        kind, _, key = topic.partition(":")
        guard = self._guards.get(kind)
        if guard is None:
            raise NotFound("subscribe.unknown_topic", f"There are no {kind!r} topics.")
        await guard(ctx, key)
