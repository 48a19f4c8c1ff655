"""Real servers on loopback for the delivery tests: SMTP (aiosmtpd) and a push service."""

from aiosmtpd.controller import Controller
from email import message_from_bytes
from email import policy
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer

import http_ece
import socket
import threading


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SMTPServer:
    """An SMTP server on 127.0.0.1 that keeps what it receives."""

    def __init__(self):
        self.messages = []  # (envelope recipients, email.message.EmailMessage)
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def start(self):
        self.controller.start()
        return self

    def stop(self):
        self.controller.stop()


class PushService:
    """A push service on 127.0.0.1 that decrypts what it receives (aes128gcm).

    Subscriptions under /gone/ answer 410, as a service does for a browser
    that unsubscribed.
    """

    def __init__(self, private_key, auth_secret):
        self.received = []  # (path, headers, decrypted payload)
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if self.path.startswith("/gone/"):
                    self.send_response(410)
                    self.end_headers()
                    return
                plain = http_ece.decrypt(body, private_key=private_key,
                                         auth_secret=auth_secret, version="aes128gcm")
                service.received.append((self.path, {k.lower(): v for k, v in self.headers.items()}, plain))
                self.send_response(201)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
