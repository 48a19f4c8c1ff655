"""Point a site's realtime settings at the gateway `make run` starts, and give it the secret.

Run by ``scripts/run.sh`` through Zope's console, before Zope serves::

    .venv/bin/zconsole run var/instance/etc/zope.conf scripts/realtime_setup.py \\
        SITE SECRET_FILE GATEWAY_URL PUBLISH_URL [BROKER_URL]

Turns realtime on, sets where pages connect (GATEWAY_URL), where Zope publishes
(BROKER_URL, or without one the gateway's PUBLISH_URL), and writes the site's
shared secret (and the previous one after a rotation) to SECRET_FILE, readable
by its owner only, for ``plonesocial-realtime --secret-file``.
"""

from pathlib import Path
from plonesocial.realtime.settings import ensure_secret
from plonesocial.realtime.settings import get_settings
from zope.component.hooks import setSite

import argparse
import os
import sys
import transaction


parser = argparse.ArgumentParser(prog="realtime_setup.py")
parser.add_argument("site")
parser.add_argument("secret_file")
parser.add_argument("gateway_url")
parser.add_argument("publish_url")
parser.add_argument("broker_url", nargs="?", default="")
args = parser.parse_args(sys.argv[4:])

app = globals()["app"]  # provided by zconsole
setSite(app[args.site])
settings = get_settings()
ensure_secret()
settings.enabled = True
settings.gateway_url = args.gateway_url
settings.publish_url = args.publish_url
settings.broker_url = args.broker_url
transaction.commit()

path = Path(args.secret_file)
path.parent.mkdir(parents=True, exist_ok=True)
descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
with os.fdopen(descriptor, "w") as f:
    f.write("\n".join(s for s in (settings.secret, settings.previous_secret) if s) + "\n")
print(f"Realtime: pages connect to {args.gateway_url}; Zope publishes to "
      f"{'RabbitMQ at ' + args.broker_url.rpartition('@')[2] if args.broker_url else args.publish_url}")
app._p_jar.db().close()
