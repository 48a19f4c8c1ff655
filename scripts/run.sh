#!/usr/bin/env bash
# `make run`: serve the demo site with the storage chosen by STORAGE.
#   filestorage  one Zope process on FileStorage (the default)
#   zeo          a ZEO server and two Zope clients (PORT and PORT+1)
#   relstorage   one Zope process on RelStorage, PostgreSQL at 127.0.0.1 (history-free)
# Also starts the debugging SMTP server the demo site mails to. Every Zope process
# runs the outbox worker thread (PLONESOCIAL_OUTBOX_WORKER=1) that sends mail and push.
# And the realtime gateway (plonesocial-realtime) on REALTIME_PORT: fed by RabbitMQ when
# one answers on 127.0.0.1:5672 (BROKER_URL to choose another, BROKER_URL=none for none),
# else by Zope posting to it directly (see docs/realtime.md).
set -euo pipefail
BIN=${BIN:-.venv/bin}
STORAGE=${STORAGE:-filestorage}
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8080}
SMTP_PORT=${SMTP_PORT:-8025}
ZEO_ADDRESS=${ZEO_ADDRESS:-127.0.0.1:8100}
SITE=${SITE:-Plone}
INSTANCE=${INSTANCE:-var/instance}
DATABASE=${DATABASE:-plonesocial}
REALTIME_PORT=${REALTIME_PORT:-8090}
SECRET_FILE=${SECRET_FILE:-var/realtime/secret}

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT INT TERM

configure() {  # configure DIR PORT
    "$BIN/python" scripts/instance.py "$1" --host "$HOST" --port "$2" --storage "$STORAGE" \
        --zeo "$ZEO_ADDRESS" --dsn "dbname='$DATABASE' host='127.0.0.1' user='postgres'" >/dev/null
}

configure "$INSTANCE" "$PORT"
case "$STORAGE" in
  filestorage) ;;
  zeo)
    "$BIN/runzeo" -C "$INSTANCE/etc/zeo.conf" & pids+=($!)
    for _ in $(seq 50); do
      "$BIN/python" -c "import socket,sys; h,p='$ZEO_ADDRESS'.split(':'); socket.create_connection((h,int(p)),1)" \
        2>/dev/null && break
      sleep 0.2
    done ;;
  relstorage)
    if ! psql -h 127.0.0.1 -U postgres -Atc "SELECT 1 FROM pg_database WHERE datname='$DATABASE'" | grep -q 1; then
      createdb -h 127.0.0.1 -U postgres "$DATABASE"
    fi ;;
  *) echo "STORAGE must be filestorage, zeo or relstorage, not $STORAGE" >&2; exit 2 ;;
esac

SITE_URL=${SITE_URL:-http://localhost:$PORT/$SITE} SMTP_PORT=$SMTP_PORT "$BIN/zconsole" run "$INSTANCE/etc/zope.conf" scripts/create_site.py "$SITE" 2>&1 \
  | grep -v "^WARNING:Products.MimetypesRegistry"

"$BIN/python" -m aiosmtpd -n -l "127.0.0.1:$SMTP_PORT" & pids+=($!)

if [ -z "${BROKER_URL:-}" ] && "$BIN/python" -c \
    "import socket; socket.create_connection(('127.0.0.1', 5672), 1)" 2>/dev/null; then
  BROKER_URL="amqp://guest:guest@127.0.0.1:5672/%2F"
fi
[ "${BROKER_URL:-}" = none ] && BROKER_URL=""
BROKER_URL=${BROKER_URL:-}
# ":PORT": pages connect to the host they were served from (HOST=0.0.0.0 works too).
"$BIN/zconsole" run "$INSTANCE/etc/zope.conf" scripts/realtime_setup.py "$SITE" "$SECRET_FILE" \
  ":$REALTIME_PORT" "http://127.0.0.1:$REALTIME_PORT/publish" "$BROKER_URL"
"$BIN/plonesocial-realtime" --host "$HOST" --port "$REALTIME_PORT" --secret-file "$SECRET_FILE" \
  ${BROKER_URL:+--broker-url "$BROKER_URL"} & pids+=($!)
if [ "$STORAGE" = zeo ]; then
  configure "$INSTANCE-2" "$((PORT + 1))"
  PLONESOCIAL_OUTBOX_WORKER=1 "$BIN/runwsgi" "$INSTANCE-2/etc/zope.ini" & pids+=($!)
  echo "Second ZEO client: http://localhost:$((PORT + 1))/$SITE"
fi
echo "Serving http://localhost:$PORT/$SITE on $STORAGE (admin/admin; demo users in README.md)"
echo "Mail goes to a debugging SMTP server on 127.0.0.1:$SMTP_PORT, printed below"
if [ -n "$BROKER_URL" ]; then feed="RabbitMQ on 127.0.0.1:5672"; else feed="no broker: Zope posts to it"; fi
echo "Realtime gateway: port $REALTIME_PORT of the page's host ($feed)"
PLONESOCIAL_OUTBOX_WORKER=1 "$BIN/runwsgi" "$INSTANCE/etc/zope.ini" & pids+=($!)
# Ctrl-C (or a TERM) is how one stops the demo: a clean stop, not make's "Error 143".
trap 'cleanup; echo "Stopped."; exit 0' INT TERM
wait "${pids[-1]}"
