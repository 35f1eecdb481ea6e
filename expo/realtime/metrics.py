"""Prometheus metrics of the realtime path (multiprocess-safe: see expo/metrics.py)."""

from prometheus_client import Counter, Gauge

CONNECTIONS = Gauge(
    "expo_ws_connections", "Open websocket connections", multiprocess_mode="livesum"
)
EVENTS_PUBLISHED = Counter("expo_events_published", "Events published by this process")
DELIVERIES = Counter("expo_event_deliveries", "Event frames written to websocket connections")
COMMANDS = Counter("expo_ws_commands", "Websocket commands handled", ["type", "outcome"])
PACED = Counter(
    "expo_ws_paced", "Times a connection's socket was not read, its commands past the pace"
)
SLOW_CONSUMERS = Counter("expo_ws_slow_consumers", "Connections cut off for falling behind")
STRIKES = Counter("expo_ws_strikes", "Websocket protocol violations counted against their address")
TARPITTED = Counter(
    "expo_ws_tarpitted", "Handshakes held first: their address had spent its strikes"
)
