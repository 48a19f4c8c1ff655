"""The realtime gateway: a separate async process that holds the pages' connections.

A Zope worker thread must never wait on an open connection, so browsers
connect here instead: Starlette on uvicorn, a WebSocket at ``/ws`` and
Server-Sent Events at ``/sse`` for clients that cannot open one. Each
connection shows a ticket signed by the site (``@realtime-ticket``); the
gateway takes the user id, the allowed origins, the connection cap and the
streams from the ticket, never from the client.

Events come either from RabbitMQ (``--broker-url``: one exclusive queue per
gateway, bound to ``user.<id>`` while that user is connected here, to the
streams followed here and to ``broadcast``), or, with no broker, straight
from Zope as signed POSTs to ``/publish`` (one machine).

Run it with ``plonesocial-realtime --port 8090 --secret-file var/realtime/secret``
(and ``--broker-url amqp://guest:guest@127.0.0.1:5672/`` for RabbitMQ).
"""

from plonesocial.realtime import routing
from plonesocial.realtime import tickets
from plonesocial.realtime.hub import BIND_TIMEOUT as BIND_TIMEOUT
from plonesocial.realtime.hub import Broker as Broker
from plonesocial.realtime.hub import CLOSE_RESYNC as CLOSE_RESYNC
from plonesocial.realtime.hub import Connection as Connection
from plonesocial.realtime.hub import Hub as Hub
from plonesocial.realtime.hub import QUEUE_SIZE as QUEUE_SIZE
from plonesocial.realtime.hub import Secrets as Secrets
from plonesocial.realtime.hub import TooManyConnections as TooManyConnections
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.responses import Response
from starlette.responses import StreamingResponse
from starlette.routing import Route
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket
from starlette.websockets import WebSocketDisconnect

import argparse
import asyncio
import contextlib
import json
import logging
import os
import time


logger = logging.getLogger("plonesocial.realtime.gateway")

KEEPALIVE = 15  # seconds between two SSE comments (proxies close idle streams)
TYPING_EVERY = 2.0  # seconds: at most one typing indicator per connection and peer
MAX_CLIENT_MESSAGE = 1024  # bytes a client may send in one WebSocket message
MAX_PUBLISH_BODY = 4 * 1024 * 1024  # bytes of one signed publish batch

# WebSocket close codes (4000-4999 are the application's): the client reads
# them to know whether a new ticket helps.
CLOSE_TICKET = 4401  # missing, forged, expired or reused ticket
CLOSE_TOO_MANY = 4429  # the per-user connection cap is reached


class Gateway:
    """The gateway's state and its HTTP and WebSocket endpoints."""

    def __init__(self, secrets_, broker_url=None, exchange="plonesocial"):
        self.secrets = secrets_
        self.hub = Hub()
        self.broker = Broker(broker_url, exchange, self.hub) if broker_url else None
        self.started = time.time()

    # -- lifecycle ---------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def lifespan(self, app):
        if self.broker is not None:
            await self.broker.start()
            self.hub.binder = self.broker
        logger.info("gateway ready (%s)", "RabbitMQ" if self.broker else "direct publishing")
        try:
            yield
        finally:
            if self.broker is not None:
                await self.broker.stop()

    def app(self):
        return Starlette(
            routes=[
                WebSocketRoute("/ws", self.websocket),
                Route("/sse", self.sse, methods=["GET"]),
                Route("/sse/typing", self.sse_typing, methods=["POST", "OPTIONS"]),
                Route("/publish", self.publish, methods=["POST"]),
                Route("/stats", self.stats, methods=["GET"]),
            ],
            lifespan=self.lifespan,
        )

    # -- tickets -----------------------------------------------------------------

    def check_ticket(self, ticket, origin):
        """Return the ticket's payload or raise TicketError; ``origin`` None: not sent."""
        payload = tickets.verify(self.secrets.current(), ticket)
        if origin is not None and origin not in payload.get("o", ()):
            raise tickets.TicketError(f"origin {origin!r} not allowed")
        self.hub.use_ticket(payload)
        return payload

    def _connection(self, payload, kind):
        return Connection(payload["u"], payload.get("s", ()), kind)

    # -- WebSocket ---------------------------------------------------------------

    async def websocket(self, websocket: WebSocket):
        origin = websocket.headers.get("origin")
        ticket = websocket.query_params.get("ticket", "")
        try:
            if origin is None:  # every browser sends it; its absence is not a page
                raise tickets.TicketError("no Origin header")
            payload = self.check_ticket(ticket, origin)
        except tickets.TicketError as error:
            logger.info("WebSocket refused: %s", error)
            await websocket.accept()
            await websocket.close(CLOSE_TICKET, reason=str(error)[:100])
            return
        connection = self._connection(payload, "ws")
        try:
            await self.hub.add(connection, payload.get("c", 10))
        except TooManyConnections:
            await websocket.accept()
            await websocket.close(CLOSE_TOO_MANY, reason="too many connections")
            return
        except Exception as error:  # the broker did not bind in time: come back later
            logger.warning("cannot bind %s's events: %r", connection.userid, error)
            await websocket.accept()
            await websocket.close(1011, reason="try again")
            return
        try:
            await websocket.accept()
            # Bound before hello: what the page then fetches through REST plus
            # what arrives here leaves no gap.
            await websocket.send_text(json.dumps({"type": "hello", "userid": connection.userid}))
            sender = asyncio.ensure_future(self._ws_send(websocket, connection))
            receiver = asyncio.ensure_future(self._ws_receive(websocket, connection))
            done, pending = await asyncio.wait({sender, receiver},
                                               return_when=asyncio.FIRST_COMPLETED)
            for task in pending:
                task.cancel()
            for task in done:
                with contextlib.suppress(Exception, asyncio.CancelledError):
                    task.result()
        finally:
            await self.hub.remove(connection)

    async def _ws_send(self, websocket, connection):
        while True:
            event = await connection.queue.get()
            if event.get("type") == "close":
                await websocket.close(event["code"])
                return
            await websocket.send_text(json.dumps(event))

    async def _ws_receive(self, websocket, connection):
        while True:
            try:
                text = await websocket.receive_text()
            except WebSocketDisconnect:
                return
            if len(text) > MAX_CLIENT_MESSAGE:
                continue
            await self.client_message(connection, text)

    async def client_message(self, connection, text):
        """What a page may send: typing indicators, to one peer at a time."""
        try:
            message = json.loads(text)
        except ValueError:
            return
        if not isinstance(message, dict) or message.get("type") != "typing":
            return
        peer = message.get("to")
        if not isinstance(peer, str) or not peer or len(peer) > 200 or peer == connection.userid:
            return
        now = time.monotonic()
        if now - connection.typing.get(peer, -TYPING_EVERY) < TYPING_EVERY:
            return
        if len(connection.typing) > 100:
            connection.typing.clear()
        connection.typing[peer] = now
        # Ephemeral: through the broker to the peer's gateways, never to Zope.
        event = {"type": "typing", "from": connection.userid,
                 "conversation": connection.userid, "id": None}
        key = routing.user_key(peer)
        if self.broker is not None:
            await self.broker.publish(key, event)
        else:
            self.hub.dispatch(key, event)

    # -- Server-Sent Events ------------------------------------------------------

    def _cors(self, request, payload=None):
        origin = request.headers.get("origin")
        if origin and (payload is None or origin in payload.get("o", ())):
            return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}
        return {}

    async def sse(self, request: Request):
        origin = request.headers.get("origin")  # absent on a same-origin EventSource
        try:
            payload = self.check_ticket(request.query_params.get("ticket", ""), origin)
        except tickets.TicketError as error:
            return JSONResponse({"error": str(error)}, status_code=401,
                                headers=self._cors(request))
        connection = self._connection(payload, "sse")
        try:
            await self.hub.add(connection, payload.get("c", 10))
        except TooManyConnections:
            return JSONResponse({"error": "too many connections"}, status_code=429,
                                headers=self._cors(request, payload))
        except Exception as error:
            logger.warning("cannot bind %s's events: %r", connection.userid, error)
            return JSONResponse({"error": "try again"}, status_code=503,
                                headers=self._cors(request, payload))

        async def events():
            try:
                hello = {"type": "hello", "userid": connection.userid,
                         "connection": connection.id}
                yield f"data: {json.dumps(hello)}\n\n"
                while True:
                    try:
                        event = await asyncio.wait_for(connection.queue.get(), KEEPALIVE)
                    except asyncio.TimeoutError:
                        yield ": keepalive\n\n"
                        continue
                    if event.get("type") == "close":
                        yield f"data: {json.dumps({'type': 'resync'})}\n\n"
                        return
                    yield f"data: {json.dumps(event)}\n\n"
            finally:
                await self.hub.remove(connection)

        headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
        headers.update(self._cors(request, payload))
        return StreamingResponse(events(), media_type="text/event-stream", headers=headers)

    async def sse_typing(self, request: Request):
        """An SSE client's typing indicator, naming its connection (a secret it got in hello)."""
        headers = self._cors(request)
        if request.method == "OPTIONS":
            headers["Access-Control-Allow-Methods"] = "POST"
            headers["Access-Control-Allow-Headers"] = "Content-Type"
            return Response(status_code=204, headers=headers)
        body = await request.body()
        try:
            data = json.loads(body[:MAX_CLIENT_MESSAGE])
        except ValueError:
            return JSONResponse({"error": "send JSON"}, status_code=400, headers=headers)
        connection = self.hub.connections.get(data.get("connection")) \
            if isinstance(data, dict) and isinstance(data.get("connection"), str) else None
        if connection is None or connection.kind != "sse":
            return JSONResponse({"error": "no such connection"}, status_code=404,
                                headers=headers)
        await self.client_message(connection, json.dumps({"type": "typing",
                                                          "to": data.get("to")}))
        return Response(status_code=204, headers=headers)

    # -- from Zope, without a broker ----------------------------------------------

    async def publish(self, request: Request):
        if self.broker is not None:
            return JSONResponse({"error": "this gateway reads its events from the broker"},
                                status_code=404)
        body = await request.body()
        if len(body) > MAX_PUBLISH_BODY:
            return JSONResponse({"error": "batch too large"}, status_code=413)
        signature = request.headers.get("x-plonesocial-signature", "")
        if not any(tickets.verify_signature(secret, body, signature)
                   for secret in self.secrets.current()):
            return JSONResponse({"error": "bad signature"}, status_code=403)
        try:
            messages = json.loads(body)["messages"]
            batch = [(m["key"], m["event"]) for m in messages]
        except (ValueError, KeyError, TypeError):
            return JSONResponse({"error": 'send {"messages": [{"key", "event"}]}'},
                                status_code=400)
        for key, event in batch:
            self.hub.dispatch(key, event)
        return Response(status_code=204)

    async def stats(self, request: Request):
        if request.client is None or request.client.host not in ("127.0.0.1", "::1"):
            return JSONResponse({"error": "only from this machine"}, status_code=403)
        return JSONResponse({
            "connections": len(self.hub.connections),
            "users": len(self.hub.users),
            "streams": len(self.hub.streams),
            "delivered": self.hub.delivered,
            "rss_bytes": rss_bytes(),
            "broker": self.broker is not None,
        })


def rss_bytes():
    """The resident memory of this process (Linux), or None elsewhere."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def main(argv=None):
    """Console script ``plonesocial-realtime``."""
    parser = argparse.ArgumentParser(prog="plonesocial-realtime", description=__doc__.split(
        "\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--broker-url", default=os.environ.get("PLONESOCIAL_REALTIME_BROKER", ""),
                        help="amqp://user:password@host:5672/vhost; empty: accept "
                             "signed POSTs to /publish from Zope instead")
    parser.add_argument("--exchange", default="plonesocial")
    parser.add_argument("--secret-file", help="the site's shared secret (and the previous "
                        "one on a second line); re-read when it changes")
    parser.add_argument("--log-level", default="info")
    args = parser.parse_args(argv)
    env_secret = os.environ.get("PLONESOCIAL_REALTIME_SECRET", "")
    if not args.secret_file and not env_secret:
        parser.error("give --secret-file or PLONESOCIAL_REALTIME_SECRET")
    logging.basicConfig(level=args.log_level.upper(),
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")
    gateway = Gateway(Secrets(args.secret_file, [env_secret]), args.broker_url or None,
                      args.exchange)
    import uvicorn

    uvicorn.run(gateway.app(), host=args.host, port=args.port, ws="websockets-sansio",
                log_level="warning", ws_ping_interval=20, ws_ping_timeout=20,
                ws_max_size=64 * 1024, backlog=4096, timeout_graceful_shutdown=1,
                lifespan="on")


if __name__ == "__main__":
    main()
