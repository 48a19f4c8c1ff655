#!/usr/bin/env bash
# Build zeo.cfg and relstorage.cfg beside the main buildout (own bin/ and parts/
# under var/buildout-storages) and show that their Zope clients run on a real
# ZEO server and on PostgreSQL.  Run by `make test-buildout` after bin/test.
set -euo pipefail
out=var/buildout-storages
database=plonesocial_buildout
build() {  # build CONFIG [OPTIONS...]
    local cfg=$1; shift
    mkdir -p "$out/$cfg"
    var/buildout/bin/buildout -N -c "$cfg.cfg" "buildout:bin-directory=$out/$cfg/bin" \
        "buildout:parts-directory=$out/$cfg/parts" "buildout:installed=$out/$cfg/.installed.cfg" "$@"
}
expect() {  # expect INSTANCE STORAGE
    local got
    got=$("$1" run scripts/storage_name.py 2>/dev/null | grep '^storage:' || true)
    if [ "$got" != "storage: $2" ]; then
        echo "FAIL: $1 runs on '${got#storage: }', not $2" >&2
        exit 1
    fi
    echo "ok: $1 runs on $2"
}

build zeo zeo:address=127.0.0.1:8199
"$out/zeo/bin/zeoserver" start
trap '"$out/zeo/bin/zeoserver" stop >/dev/null 2>&1 || true' EXIT
for _ in $(seq 50); do
    "$out/zeo/bin/zeoserver" status 2>/dev/null | grep -q "program running" && break
    sleep 0.2
done
expect "$out/zeo/bin/instance" ClientStorage
expect "$out/zeo/bin/instance2" ClientStorage

if ! psql -h 127.0.0.1 -U postgres -Atqc "SELECT 1" >/dev/null 2>&1; then
    if [ "${CI:-}" = true ]; then echo "FAIL: CI needs PostgreSQL on 127.0.0.1:5432" >&2; exit 1; fi
    echo "skipped: RelStorage (no PostgreSQL on 127.0.0.1:5432)"
    exit 0
fi
psql -h 127.0.0.1 -U postgres -Atqc "DROP DATABASE IF EXISTS $database WITH (FORCE)" >/dev/null
createdb -h 127.0.0.1 -U postgres "$database"
build relstorage "postgresql:dsn=dbname='$database' host='127.0.0.1' user='postgres'"
expect "$out/relstorage/bin/instance" RelStorage
psql -h 127.0.0.1 -U postgres -Atqc "DROP DATABASE IF EXISTS $database WITH (FORCE)" >/dev/null
