"""Close codes the server sends, documented in docs/protocol.md."""

PROTOCOL_ERROR = 1002  # a frame RFC 6455 forbids (websockets' own checks: a stray continuation)
UNSUPPORTED_DATA = 1003  # a binary frame: the protocol is JSON text
INVALID_TEXT = 1007  # a text frame that is not UTF-8
TOO_BIG = 1009  # a frame over the hard size limit
INTERNAL = 1011  # no pong to the keepalive ping, or served without the expo ws class
RESTART = 1012  # the server stops: reconnect (to any process) and resume
SIGNED_OUT = 4001  # the session ended (signed out): sign in again before reconnecting
SLOW_CONSUMER = 4008  # the client fell too far behind: reconnect and resume with `since`
