"""The realtime backbone: envelope, broker, hub, gateway and the websocket transport."""
