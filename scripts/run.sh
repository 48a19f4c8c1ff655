#!/usr/bin/env bash
# `make run`: serve the demo site with the storage chosen by STORAGE.
#   filestorage  one Zope process on FileStorage (the default)
#   zeo          a ZEO server and two Zope clients (PORT and PORT+1)
#   relstorage   one Zope process on RelStorage, PostgreSQL at 127.0.0.1 (history-free)
# Also starts the debugging SMTP server the demo site mails to.
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

SMTP_PORT=$SMTP_PORT "$BIN/zconsole" run "$INSTANCE/etc/zope.conf" scripts/create_site.py "$SITE" 2>&1 \
  | grep -v "^WARNING:Products.MimetypesRegistry"

"$BIN/python" -m aiosmtpd -n -l "127.0.0.1:$SMTP_PORT" & pids+=($!)
if [ "$STORAGE" = zeo ]; then
  configure "$INSTANCE-2" "$((PORT + 1))"
  "$BIN/runwsgi" "$INSTANCE-2/etc/zope.ini" & pids+=($!)
  echo "Second ZEO client: http://localhost:$((PORT + 1))/$SITE"
fi
echo "Serving http://localhost:$PORT/$SITE on $STORAGE (admin/admin; demo users in README.md)"
echo "Mail goes to a debugging SMTP server on 127.0.0.1:$SMTP_PORT, printed below"
"$BIN/runwsgi" "$INSTANCE/etc/zope.ini" & pids+=($!)
# Ctrl-C (or a TERM) is how one stops the demo: a clean stop, not make's "Error 143".
trap 'cleanup; echo "Stopped."; exit 0' INT TERM
wait "${pids[-1]}"
