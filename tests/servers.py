"""Real servers on loopback for the delivery tests: SMTP (aiosmtpd, also one that
answers 550 at RCPT), a tarpit that accepts and never answers, a port that refuses,
and a push service over https (its own certificate, trusted through SSL_CERT_FILE)."""

from aiosmtpd.controller import Controller
from email import message_from_bytes
from email import policy
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer

import datetime
import http_ece
import ipaddress
import os
import socket
import ssl
import tempfile
import threading
import time


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def refusing_port():
    """A port on 127.0.0.1 where nothing listens: connections are refused."""
    return free_port()


class Tarpit:
    """Accepts TCP connections on 127.0.0.1 and never answers (a hung mail server)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(50)
        self.port = self.sock.getsockname()[1]
        self.connections = []
        self.thread = threading.Thread(target=self._accept, daemon=True)

    def _accept(self):
        while True:
            try:
                connection, _ = self.sock.accept()
            except OSError:
                return
            self.connections.append(connection)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()
        self.thread.join(5)
        for connection in self.connections:
            connection.close()


class SMTPServer:
    """An SMTP server on 127.0.0.1 that keeps what it receives.

    With `refuse_rcpt`, it answers 550 to every RCPT TO, as for an unknown mailbox.
    """

    def __init__(self, port=None, refuse_rcpt=False):
        self.messages = []  # (envelope recipients, email.message.EmailMessage)
        self.port = port or free_port()
        self.refuse_rcpt = refuse_rcpt
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse_rcpt:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def start(self):
        self.controller.start()
        return self

    def stop(self):
        self.controller.stop()


def certificate(directory):
    """Write a self-signed certificate for localhost and 127.0.0.1; return (cert, key) paths."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=2))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                critical=False)
            .sign(key, hashes.SHA256()))
    cert_path = os.path.join(directory, "push-cert.pem")
    key_path = os.path.join(directory, "push-key.pem")
    with open(cert_path, "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(key_path, "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM,
                                  serialization.PrivateFormat.TraditionalOpenSSL,
                                  serialization.NoEncryption()))
    return cert_path, key_path


class PushService:
    """A push service on https://localhost that decrypts what it receives (aes128gcm).

    Subscriptions under /gone/ answer 410, as a service does for a browser
    that unsubscribed; under /slow/ it waits `delay` seconds first; under
    /broken/ it answers 400. Its certificate is trusted while it runs (the
    SSL_CERT_FILE that OpenSSL reads).
    """

    def __init__(self, private_key, auth_secret, delay=3):
        self.received = []  # (path, headers, decrypted payload)
        self.requests = []  # every path POSTed to
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                service.requests.append(self.path)
                if self.path.startswith("/slow/"):
                    time.sleep(delay)
                if self.path.startswith("/broken/"):
                    self.send_response(400)
                    self.end_headers()
                    return
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

        self.directory = tempfile.mkdtemp(prefix="plonesocial-push-")
        self.cert, key = certificate(self.directory)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert, key)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.url = f"https://localhost:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.previous_cafile = os.environ.get("SSL_CERT_FILE")
        os.environ["SSL_CERT_FILE"] = self.cert
        self.thread.start()
        return self

    def stop(self):
        if self.previous_cafile is None:
            os.environ.pop("SSL_CERT_FILE", None)
        else:
            os.environ["SSL_CERT_FILE"] = self.previous_cafile
        self.server.shutdown()
        self.server.server_close()
