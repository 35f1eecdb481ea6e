"""Fixtures of the integration tests: two real server processes on Redis and PostgreSQL."""

from tests.cluster import shared_env, two_processes  # noqa: F401  (fixtures, by name)
