#!/bin/sh
# A private, throwaway PostgreSQL cluster for tests and benchmarks (never a real database).
#   scripts/pg-test-server.sh start   → initdb in a temp dir, start on a free 127.0.0.1 port with trust auth,
#                                        print two lines: JR_TEST_PG_URL=postgresql://… and JR_TEST_PG_DIR=…
#   scripts/pg-test-server.sh stop DIR → stop that cluster and delete its directory
# Needs the server binaries (Debian: apt-get install postgresql). As root it runs the server as the
# `postgres` OS user (PostgreSQL refuses to run as root).
set -eu

bindir=""
for d in /usr/lib/postgresql/*/bin; do
  [ -x "$d/initdb" ] && bindir="$d"
done
if [ -z "$bindir" ] && command -v initdb >/dev/null 2>&1; then bindir="$(dirname "$(command -v initdb)")"; fi
if [ -z "$bindir" ]; then
  echo "pg-test-server: PostgreSQL server binaries not found (apt-get install postgresql)" >&2
  exit 3
fi

as_owner() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

case "${1:-}" in
  start)
    dir="$(mktemp -d "${TMPDIR:-/tmp}/jr-pg-XXXXXX")"
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    chmod 700 "$dir"
    port="$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"
    as_owner "$bindir/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
      as_owner "$bindir/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C >"$dir/initdb.log" 2>&1 || {
        cat "$dir/initdb.log" >&2
        rm -rf "$dir"
        exit 1
      }
    as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
      start >/dev/null || {
      cat "$dir/server.log" >&2
      rm -rf "$dir"
      exit 1
    }
    echo "JR_TEST_PG_URL=postgresql://postgres@127.0.0.1:$port/postgres"
    echo "JR_TEST_PG_DIR=$dir"
    ;;
  stop)
    dir="${2:?usage: pg-test-server.sh stop DIR}"
    case "$dir" in *jr-pg-*) ;; *) echo "pg-test-server: refusing to remove $dir" >&2; exit 2 ;; esac
    as_owner "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
  *)
    echo "usage: $0 start | stop DIR" >&2
    exit 2
    ;;
esac
