"""Talking to the outside: an SMTP server and push services, each answer classified.

Every send returns an Outcome: ``sent`` (the server accepted it), ``retry``
(a temporary failure: no connection, a timeout, a 4xx of SMTP, a 429 or 5xx of
a push service), ``failed`` (refused for good: a 5xx of SMTP, another 4xx of a
push service, an unsafe endpoint) or ``gone`` (the browser unsubscribed: 404
or 410).
"""

from collections import namedtuple
from plonesocial.delivery.push_endpoints import check_endpoint
from plonesocial.delivery.push_endpoints import UnsafeEndpoint

import http.client
import smtplib
import socket
import ssl


Outcome = namedtuple("Outcome", ["status", "detail"])

SENT = "sent"
RETRY = "retry"
FAILED = "failed"
GONE = "gone"


def smtp_settings():
    from plone import api

    def record(name, default=None):
        return api.portal.get_registry_record(f"plone.{name}", default=default)

    return {"host": record("smtp_host") or "localhost", "port": int(record("smtp_port") or 25),
            "user": record("smtp_userid") or None, "password": record("smtp_pass") or None}


def _smtp_code_outcome(code, text):
    detail = f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"
    return Outcome(FAILED if 500 <= code < 600 else RETRY, detail.strip())


def send_mail(message, sender, recipients, timeout, server=None):
    """Send `message` (an EmailMessage) through the site's SMTP server; return an Outcome."""
    server = server or smtp_settings()
    try:
        with smtplib.SMTP(server["host"], server["port"], timeout=timeout) as smtp:
            smtp.ehlo_or_helo_if_needed()
            if server["user"]:
                if smtp.has_extn("starttls"):
                    smtp.starttls(context=ssl.create_default_context())
                    smtp.ehlo()
                smtp.login(server["user"], server["password"] or "")
            refused = smtp.send_message(message, from_addr=sender, to_addrs=recipients)
    except smtplib.SMTPRecipientsRefused as error:
        codes = [(code, text) for code, text in error.recipients.values()]
        code, text = max(codes) if codes else (550, b"refused")
        return _smtp_code_outcome(code, text)
    except smtplib.SMTPResponseException as error:
        return _smtp_code_outcome(error.smtp_code, error.smtp_error)
    except (OSError, smtplib.SMTPException) as error:
        # Refused connection, timeout, a server that hung up: try again later.
        return Outcome(RETRY, f"{type(error).__name__}: {error}" if str(error)
                       else type(error).__name__)
    if refused:
        code, text = max(refused.values())
        return _smtp_code_outcome(code, text)
    return Outcome(SENT, "")


def _connect(host, port, addresses, timeout):
    """An HTTPS connection to one of the checked `addresses`, verified as `host`."""
    context = ssl.create_default_context()
    last = None
    for address in addresses:
        try:
            sock = socket.create_connection((address, port), timeout=timeout)
        except OSError as error:
            last = error
            continue
        try:
            tls = context.wrap_socket(sock, server_hostname=host)
        except (OSError, ssl.SSLError):
            sock.close()
            raise
        connection = http.client.HTTPSConnection(host, port, timeout=timeout, context=context)
        connection.sock = tls  # the checked address, never a new lookup
        return connection
    raise last or OSError(f"no address of {host} answers")


def post_push(endpoint, body, headers, timeout, settings=None):
    """POST an encrypted push message to a checked endpoint; return an Outcome."""
    try:
        host, port, path, addresses = check_endpoint(endpoint, settings)
    except UnsafeEndpoint as error:
        return Outcome(FAILED, str(error))
    connection = None
    try:
        connection = _connect(host, port, addresses, timeout)
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        status, reason = response.status, response.reason
        response.read(4096)
    except ssl.SSLCertVerificationError as error:
        return Outcome(FAILED, f"TLS: {error.verify_message or error}")
    except (OSError, http.client.HTTPException) as error:
        return Outcome(RETRY, f"{type(error).__name__}: {error}")
    finally:
        if connection is not None:
            connection.close()
    detail = f"{status} {reason}"
    if status in (200, 201, 202):
        return Outcome(SENT, "")
    if status in (404, 410):
        return Outcome(GONE, detail)
    if status == 429 or status >= 500:
        return Outcome(RETRY, detail)
    return Outcome(FAILED, detail)
