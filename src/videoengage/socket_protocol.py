"""uvicorn's WebSocket protocol (websockets, sans-I/O), closing with 1001 (going away) on shutdown.

uvicorn closes open sockets with 1012 (service restart) when it stops; clients of a server that is
going away for good (a deploy, a scale-down) should reconnect elsewhere, which 1001 says. The
sockets' application side sees the same close code. ``videoengage serve`` names this class as
uvicorn's ``ws`` protocol.
"""

from __future__ import annotations

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

GOING_AWAY = 1001


class GoingAwayProtocol(WebSocketsSansIOProtocol):
    def shutdown(self) -> None:
        if self.close_sent or not self.handshake_complete:
            super().shutdown()
            return
        self.stop_keepalive()
        self.queue.put_nowait({"type": "websocket.disconnect", "code": GOING_AWAY})
        self.conn.send_close(GOING_AWAY, "Server going away: reconnect")
        self.transport.write(b"".join(self.conn.data_to_send()))
        self.transport.close()
