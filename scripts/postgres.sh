#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for `npm run test:postgres`.
#
#   eval "$(bash scripts/postgres.sh start)"   # prints `export` lines, progress goes to stderr
#   trap 'bash scripts/postgres.sh stop' EXIT  # stops the server and deletes the cluster
#
# `start` makes a new cluster in a temporary directory (trust authentication, listening on a free
# port of 127.0.0.1 only, its socket inside that directory) and prints:
#
#   DATABASE_URL              postgres://postgres@127.0.0.1:PORT/postgres
#   PLAID_REACT_TEST_PGDIR    the temporary directory, which `stop` deletes
#   PLAID_REACT_TEST_PGCTL    the pg_ctl command with its data directory, run as the cluster's
#                             owner, so a test can stop the server and start it again:
#                             `$PLAID_REACT_TEST_PGCTL stop -m immediate`,
#                             `$PLAID_REACT_TEST_PGCTL start -w -l "$PLAID_REACT_TEST_PGLOG"`
#   PLAID_REACT_TEST_PGLOG    the server's log file
#
# The port and the socket directory are written into the cluster's configuration, so a restart
# needs no options. `stop [dir]` takes the directory from PLAID_REACT_TEST_PGDIR when none is
# given; it does nothing when there is nothing to stop.
#
# PostgreSQL's `initdb` is looked for under /usr/lib/postgresql/*/bin and on PATH. When it is
# missing, Debian's `postgresql` package is installed, but only as root with CI set; anywhere else
# the script says what to install and fails. As root the server runs as the `postgres` user, since
# PostgreSQL refuses to run as root.
set -euo pipefail

MARKER=.plaid-react-test-cluster

say() { printf 'postgres.sh: %s\n' "$*" >&2; }
die() {
  say "$*"
  exit 1
}

now_ms() { date +%s%3N; }

find_bin() {
  local dir
  # The newest installed major version first.
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5 -n -r); do
    if [[ -x "$dir/initdb" && -x "$dir/pg_ctl" ]]; then
      printf '%s\n' "$dir"
      return 0
    fi
  done
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    dirname "$(command -v initdb)"
    return 0
  fi
  return 1
}

ensure_bin() {
  local bin
  if bin=$(find_bin); then
    printf '%s\n' "$bin"
    return 0
  fi
  if [[ $(id -u) -eq 0 && -n "${CI:-}" ]]; then
    say "initdb not found; installing Debian's postgresql package"
    local started
    started=$(now_ms)
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
    say "installed in $(($(now_ms) - started)) ms"
    bin=$(find_bin) || die "the postgresql package is installed but initdb is still not under /usr/lib/postgresql/*/bin"
    printf '%s\n' "$bin"
    return 0
  fi
  die "PostgreSQL's initdb and pg_ctl were not found under /usr/lib/postgresql/*/bin or on PATH. Install PostgreSQL (on Debian: apt-get install postgresql), or set DATABASE_URL to a database of your own and run npm run test:postgres directly."
}

# A port of 127.0.0.1 that was free a moment ago. Node is there because the project needs it.
free_port() {
  node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{process.stdout.write(String(s.address().port));s.close()})"
}

# Runs a command as the cluster's owner: the postgres user when we are root, else ourselves.
# `env -C` keeps PostgreSQL's tools out of a working directory that user may not be able to read.
as_owner() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u postgres -- env -C "$dir" "$@"
  else
    env -C "$dir" "$@"
  fi
}

start() {
  local started bin version port attempt
  started=$(now_ms)
  bin=$(ensure_bin)
  version=$("$bin/pg_ctl" --version | awk '{print $3}')

  dir=$(mktemp -d "${TMPDIR:-/tmp}/plaid-react-pg.XXXXXX")
  touch "$dir/$MARKER"
  if [[ $(id -u) -eq 0 ]]; then
    id -u postgres >/dev/null 2>&1 || die "running as root needs the postgres user, which Debian's postgresql package creates"
    chown postgres "$dir"
  fi
  # Fail before printing anything if initdb does; the caller's `eval` then runs nothing.
  if ! as_owner "$bin/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --no-locale --no-sync >"$dir/initdb.log" 2>&1; then
    cat "$dir/initdb.log" >&2
    rm -rf "$dir"
    die "initdb failed"
  fi

  for attempt in 1 2 3 4 5; do
    port=$(free_port)
    # The server only ever sees the loopback address and its own socket directory. Durability is
    # not needed for a cluster that is deleted afterwards, except that a commit stays a commit
    # across a stop with `-m immediate` (synchronous_commit stays on, the WAL is written).
    cat >"$dir/data/postgresql.auto.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
max_connections = 200
fsync = off
full_page_writes = off
CONF
    if as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 start >/dev/null 2>&1; then
      break
    fi
    # Most likely another process took the port in between; try another one.
    port=
  done
  if [[ -z "$port" ]]; then
    tail -n 20 "$dir/server.log" >&2 || true
    rm -rf "$dir"
    die "the server did not start"
  fi

  local pgctl
  if [[ $(id -u) -eq 0 ]]; then
    pgctl="runuser -u postgres -- env -C $dir $bin/pg_ctl -D $dir/data"
  else
    pgctl="env -C $dir $bin/pg_ctl -D $dir/data"
  fi
  printf 'export DATABASE_URL=%q\n' "postgres://postgres@127.0.0.1:$port/postgres"
  printf 'export PLAID_REACT_TEST_PGDIR=%q\n' "$dir"
  printf 'export PLAID_REACT_TEST_PGCTL=%q\n' "$pgctl"
  printf 'export PLAID_REACT_TEST_PGLOG=%q\n' "$dir/server.log"
  say "PostgreSQL $version on 127.0.0.1:$port, started in $(($(now_ms) - started)) ms"
}

stop() {
  dir=${1:-${PLAID_REACT_TEST_PGDIR:-}}
  if [[ -z "$dir" ]]; then
    say "nothing to stop (PLAID_REACT_TEST_PGDIR is not set)"
    return 0
  fi
  if [[ ! -d "$dir" ]]; then
    return 0
  fi
  # Only ever delete a directory that `start` made.
  [[ -f "$dir/$MARKER" ]] || die "$dir was not made by postgres.sh start; leaving it alone"
  local bin
  if [[ -f "$dir/data/postmaster.pid" ]] && bin=$(find_bin); then
    as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
  say "stopped and removed the cluster"
}

case "${1:-}" in
  start) start ;;
  stop) stop "${2:-}" ;;
  *)
    echo "usage: bash scripts/postgres.sh start | stop [dir]" >&2
    exit 2
    ;;
esac
