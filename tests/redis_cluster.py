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
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis

from tests.cluster import free_port
from tests.services import IN_CI

MASTERS = 3
START_SECONDS = 20.0  # each wait below is bounded by this


@dataclass(frozen=True)
class RedisCluster:
    ports: tuple[int, ...]

    @property
    def url(self) -> str:
        return f"redis+cluster://127.0.0.1:{self.ports[0]}"

    def node(self, port: int) -> redis.Redis:
        """A plain client on one master (for CLUSTER and CLIENT commands)."""
        return redis.Redis(host="127.0.0.1", port=port, socket_timeout=5)

    def owner(self, key: str) -> int:
        """The port of the master that holds `key`'s hash slot, as the cluster itself says
        (CLUSTER KEYSLOT, CLUSTER SLOTS)."""
        with self.node(self.ports[0]) as client:
            slot = int(client.execute_command("CLUSTER", "KEYSLOT", key))
            for first, last, (_host, port, *_rest), *_replicas in client.execute_command(
                "CLUSTER", "SLOTS"
            ):
                if first <= slot <= last:
                    return int(port)
        raise AssertionError(f"slot {slot} is served by no master")

    def node_ids(self) -> dict[int, str]:
        with self.node(self.ports[0]) as client:
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
        for port in self.ports:
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


def _cluster_ok(cluster: RedisCluster) -> bool:
    for port in cluster.ports:
        with cluster.node(port) as client:
            info = client.execute_command("CLUSTER", "INFO").decode()
            if "cluster_state:ok" not in info:
                return False
            # Every master knows the others (gossip done), or a client asking it would be
            # told of fewer masters than there are.
            if f"cluster_known_nodes:{len(cluster.ports)}" not in info:
                return False
    return True


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
def running_cluster(directory: Path, masters: int = MASTERS) -> Iterator[RedisCluster]:
    """`masters` redis-servers in cluster mode, their slots assigned, in `directory`; killed on
    the way out. Raises Unsupported when this machine cannot run one."""
    reason = _supports_cluster()
    if reason is not None:
        raise Unsupported(reason)
    cluster = RedisCluster(tuple(free_port() for _ in range(masters)))
    children: list[subprocess.Popen[bytes]] = []
    try:
        for port in cluster.ports:
            # Each node in a folder of its own: cluster mode writes nodes.conf into its dir.
            home = directory / str(port)
            home.mkdir()
            with (home / "log").open("wb") as log:  # the child keeps its own descriptor
                children.append(
                    subprocess.Popen(
                        [
                            "redis-server",
                            "--bind", "127.0.0.1",
                            "--port", str(port),
                            # The bus's port too (else port + 10000: taken, or past 65535).
                            "--cluster-port", str(free_port()),
                            "--dir", str(home),
                            "--cluster-enabled", "yes",
                            "--cluster-config-file", str(home / "nodes.conf"),
                            "--save", "",
                            "--appendonly", "no",
                        ],
                        stdout=log,
                        stderr=subprocess.STDOUT,
                    )
                )  # fmt: skip
        deadline = time.monotonic() + START_SECONDS
        for port, child in zip(cluster.ports, children, strict=True):
            log_path = directory / str(port) / "log"
            with cluster.node(port) as client:
                _wait(
                    f"node {port} answering",
                    lambda c=client, p=child, f=log_path: _up(c, p, f),
                    deadline,
                )
        nodes = [f"127.0.0.1:{port}" for port in cluster.ports]
        created = subprocess.run(
            ["redis-cli", "--cluster", "create", *nodes, "--cluster-replicas", "0"]
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
        _wait("cluster_state:ok on every master", lambda: _cluster_ok(cluster), deadline)
        yield cluster
    finally:
        for child in children:
            child.kill()
        for child in children:
            child.wait(timeout=10)


@pytest.fixture(scope="module")
def redis_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisCluster]:
    try:
        with running_cluster(tmp_path_factory.mktemp("redis-cluster")) as cluster:
            yield cluster
    except Unsupported as reason:
        if IN_CI:
            pytest.fail(f"CI runs the Redis Cluster tests: {reason}", pytrace=False)
        pytest.skip(f"MISSING SERVICE: {reason}")
