"""A Redis Cluster of the tests' own: three masters on free ports of 127.0.0.1, no replicas, no
persistence, started by the module that asks for it and stopped after it.

`redis_cluster` (a module fixture) yields a `RedisCluster` with the URL a deployer would give
(`redis+cluster://127.0.0.1:<port>`, one node's address: the client finds the others) and the
masters' ports. Where redis-server has no cluster support the tests are skipped, saying why; in
CI they fail instead, so the cluster can never go untested by skipping.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import redis

from tests.cluster import free_port
from tests.services import IN_CI

MASTERS = 3
START_SECONDS = 20.0  # each wait below is bounded by this


@dataclass(frozen=True)
class RedisCluster:
    ports: tuple[int, ...]  # the masters', as started
    replicas: tuple[int, ...] = ()
    servers: dict[int, subprocess.Popen[bytes]] = field(default_factory=dict, compare=False)

    @property
    def url(self) -> str:
        return f"redis+cluster://127.0.0.1:{self.ports[0]}"

    def node(self, port: int) -> redis.Redis:
        """A plain client on one node (for CLUSTER and CLIENT commands)."""
        return redis.Redis(host="127.0.0.1", port=port, socket_timeout=5)

    def alive(self) -> int:
        """The port of a node that is running."""
        return next(p for p, server in self.servers.items() if server.poll() is None)

    def kill(self, port: int) -> None:
        """SIGKILL one node, as a crashed host."""
        self.servers[port].kill()
        self.servers[port].wait(timeout=10)

    def owner(self, key: str) -> int:
        """The port of the master that holds `key`'s hash slot, as the cluster itself says
        (CLUSTER KEYSLOT, CLUSTER SLOTS)."""
        with self.node(self.alive()) as client:
            slot = int(client.execute_command("CLUSTER", "KEYSLOT", key))
            for first, last, (_host, port, *_rest), *_replicas in client.execute_command(
                "CLUSTER", "SLOTS"
            ):
                if first <= slot <= last:
                    return int(port)
        raise AssertionError(f"slot {slot} is served by no master")

    def node_ids(self) -> dict[int, str]:
        with self.node(self.alive()) as client:
            lines = client.execute_command("CLUSTER", "NODES").decode().splitlines()
        ids = {}
        for line in lines:
            node_id, address, *_ = line.split()
            ids[int(address.split("@")[0].rsplit(":", 1)[1])] = node_id
        return ids

    def move_slot(self, key: str, to: int) -> None:
        """Reshard: move `key`'s slot, keys and all, to the master on port `to` (the steps of
        `redis-cli --cluster reshard` for one slot)."""
        source, ids = self.owner(key), self.node_ids()
        with self.node(source) as old, self.node(to) as new:
            slot = int(old.execute_command("CLUSTER", "KEYSLOT", key))
            new.execute_command("CLUSTER", "SETSLOT", slot, "IMPORTING", ids[source])
            old.execute_command("CLUSTER", "SETSLOT", slot, "MIGRATING", ids[to])
            for _ in range(1000):  # bounded: a test's slot holds a handful of keys
                keys = old.execute_command("CLUSTER", "GETKEYSINSLOT", slot, 100)
                if not keys:
                    break
                old.execute_command("MIGRATE", "127.0.0.1", to, "", 0, 5000, "KEYS", *keys)
        for port in (*self.ports, *self.replicas):
            with self.node(port) as client:
                client.execute_command("CLUSTER", "SETSLOT", slot, "NODE", ids[to])


def _wait(what: str, ready: Callable[[], bool], deadline: float) -> None:
    while not ready():
        if time.monotonic() > deadline:
            raise RuntimeError(f"redis cluster: {what} not within {START_SECONDS} s")
        time.sleep(0.05)


def _up(client: redis.Redis, child: subprocess.Popen[bytes], log: Path) -> bool:
    if child.poll() is not None:
        raise RuntimeError(f"redis-server exited: {log.read_text()[-2000:]}")
    try:
        return bool(client.ping())
    except (redis.ConnectionError, OSError):
        return False


def _cluster_ok(ports: list[int]) -> bool:
    for port in ports:
        with redis.Redis(host="127.0.0.1", port=port, socket_timeout=5) as client:
            info = client.execute_command("CLUSTER", "INFO").decode()
            if "cluster_state:ok" not in info:
                return False
            # Every node knows the others (gossip done), or a client asking it would be told
            # of fewer masters than there are.
            if f"cluster_known_nodes:{len(ports)}" not in info:
                return False
    return True


def _roles(ports: list[int]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(masters, replicas) by port, as the cluster says (redis-cli chose them)."""
    with redis.Redis(host="127.0.0.1", port=ports[0], socket_timeout=5) as client:
        lines = client.execute_command("CLUSTER", "NODES").decode().splitlines()
    masters, replicas = [], []
    for line in lines:
        _id, address, flags, *_ = line.split()
        port = int(address.split("@")[0].rsplit(":", 1)[1])
        (masters if "master" in flags.split(",") else replicas).append(port)
    return tuple(sorted(masters)), tuple(sorted(replicas))


def _supports_cluster() -> str | None:
    """None if this machine can run the cluster, else why not (cluster mode itself is built into
    every redis-server since 3.0; sharded pub/sub came with 7.0)."""
    for tool in ("redis-server", "redis-cli"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed"
    version = subprocess.run(
        ["redis-server", "--version"], capture_output=True, text=True, timeout=10
    ).stdout
    number = version.split("v=", 1)[-1].split(" ", 1)[0]
    if not number.split(".")[0].isdigit() or int(number.split(".")[0]) < 7:
        return f"sharded pub/sub needs redis-server >= 7 (found {version.strip()!r})"
    return None


class Unsupported(Exception):
    """This machine cannot run the cluster (the reason is the message)."""


@contextmanager
def running_cluster(
    directory: Path,
    masters: int = MASTERS,
    replicas: int = 0,
    node_timeout_ms: int = 15_000,
    first_port: int | None = None,
) -> Iterator[RedisCluster]:
    """`masters` redis-servers in cluster mode, their slots assigned, and `replicas` replicas of
    each, in `directory`; killed on the way out. A master not heard of for `node_timeout_ms` is
    failed over to its replica. `first_port`: the first node's, known beforehand. Raises
    Unsupported when this machine cannot run a cluster."""
    reason = _supports_cluster()
    if reason is not None:
        raise Unsupported(reason)
    ports = [free_port() for _ in range(masters * (1 + replicas))]
    if first_port is not None:
        ports[0] = first_port
    servers: dict[int, subprocess.Popen[bytes]] = {}
    try:
        for port in ports:
            # Each node in a folder of its own: cluster mode writes nodes.conf into its dir.
            home = directory / str(port)
            home.mkdir()
            with (home / "log").open("wb") as log:  # the child keeps its own descriptor
                servers[port] = subprocess.Popen(
                    [
                        "redis-server",
                        "--bind", "127.0.0.1",
                        "--port", str(port),
                        # The bus's port too (else port + 10000: taken, or past 65535).
                        "--cluster-port", str(free_port()),
                        "--dir", str(home),
                        "--cluster-enabled", "yes",
                        "--cluster-config-file", str(home / "nodes.conf"),
                        "--cluster-node-timeout", str(node_timeout_ms),
                        # A replica takes over however long ago it last heard its master.
                        "--cluster-replica-validity-factor", "0",
                        "--save", "",
                        "--appendonly", "no",
                    ],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )  # fmt: skip
        deadline = time.monotonic() + START_SECONDS
        for port, server in servers.items():
            with redis.Redis(host="127.0.0.1", port=port, socket_timeout=5) as client:
                log_path = directory / str(port) / "log"
                _wait(
                    f"node {port} answering",
                    lambda c=client, p=server, f=log_path: _up(c, p, f),
                    deadline,
                )
        nodes = [f"127.0.0.1:{port}" for port in ports]
        created = subprocess.run(
            ["redis-cli", "--cluster", "create", *nodes, "--cluster-replicas", str(replicas)]
            + ["--cluster-yes"],
            capture_output=True,
            text=True,
            timeout=START_SECONDS,
        )
        if created.returncode != 0:
            output = created.stdout[-2000:] + created.stderr[-2000:]
            if "cluster support disabled" in output:
                raise Unsupported("this redis-server has cluster support disabled")
            raise RuntimeError(f"redis-cli --cluster create failed: {output}")
        _wait("cluster_state:ok on every node", lambda: _cluster_ok(ports), deadline)
        yield RedisCluster(*_roles(ports), servers=servers)
    finally:
        for server in servers.values():
            server.kill()
        for server in servers.values():
            server.wait(timeout=10)


@pytest.fixture(scope="module")
def redis_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisCluster]:
    try:
        with running_cluster(tmp_path_factory.mktemp("redis-cluster")) as cluster:
            yield cluster
    except Unsupported as reason:
        if IN_CI:
            pytest.fail(f"CI runs the Redis Cluster tests: {reason}", pytrace=False)
        pytest.skip(f"MISSING SERVICE: {reason}")
