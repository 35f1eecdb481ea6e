"""Close codes the server uses, documented in docs/protocol.md."""

NORMAL = 1000
GOING_AWAY = 1001  # the server is shutting down
UNSUPPORTED_DATA = 1003  # a binary frame: the protocol is JSON text
INVALID_TEXT = 1007  # a text frame that is not UTF-8
POLICY = 1008
TOO_BIG = 1009  # a frame over the hard size limit
INTERNAL = 1011  # also: no pong to the keepalive ping
RESTART = 1012  # the server restarts: reconnect (to any process) and resume
SIGNED_OUT = 4001  # the session ended (sign-out, account disabled)
SLOW_CONSUMER = 4008  # the client fell too far behind: reconnect and resume with `since`
