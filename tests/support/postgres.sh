#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests (issue 21), from Debian's postgresql package:
# initdb and pg_ctl in DIR, listening on 127.0.0.1 at a free port and on a socket in DIR.
#   postgres.sh start DIR    creates and starts it; writes DIR/url (postgresql://keybroker@
#                            127.0.0.1:PORT/keybroker, no password in it) and DIR/password
#                            (mode 0600): the role keybroker owns the database keybroker, logs
#                            in with SCRAM over TCP and may create databases
#   postgres.sh stop DIR     stops it (fast shutdown) and removes DIR
#   postgres.sh restart DIR  stops it (fast) and starts it again on the same port
#   postgres.sh halt DIR     stops it (fast) and keeps DIR: `start DIR` starts it again
#   postgres.sh kill DIR     SIGKILLs the postmaster (a crash); `start DIR` again recovers it
# As root, the server runs as the user postgres (PostgreSQL refuses to run as root).
set -euo pipefail

usage() { echo "usage: $0 start|stop|restart|kill DIR" >&2; exit 2; }
[ $# -eq 2 ] || usage
cmd=$1 dir=$2

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [ -z "$bindir" ] || [ ! -x "$bindir/pg_ctl" ]; then
  echo "postgres.sh: no PostgreSQL server found; install Debian's postgresql package" >&2
  exit 1
fi

as_server() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_ctl_start() {
  as_server "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 start >/dev/null
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start() {
  if [ -f "$dir/data/PG_VERSION" ]; then pg_ctl_start; return; fi
  mkdir -p "$dir"
  [ "$(id -u)" -eq 0 ] && chown postgres "$dir"
  local port password
  port=$(free_port)
  password=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
  as_server "$bindir/initdb" -D "$dir/data" -U postgres --auth-local=trust \
    --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 -N >"$dir/initdb.log" 2>&1 || {
    cat "$dir/initdb.log" >&2; exit 1; }
  cat >>"$dir/data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
max_connections = 200
fsync = on
synchronous_commit = on
log_min_messages = warning
EOF
  pg_ctl_start
  as_server "$bindir/psql" -h "$dir" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -q \
    -c "CREATE ROLE keybroker LOGIN CREATEDB PASSWORD '$password'" \
    -c "CREATE DATABASE keybroker OWNER keybroker" >/dev/null
  (umask 077; printf '%s\n' "$password" >"$dir/password")
  echo "postgresql://keybroker@127.0.0.1:$port/keybroker" >"$dir/url"
  echo "$port" >"$dir/port"
}

stop() {
  if [ -f "$dir/data/postmaster.pid" ]; then
    as_server "$bindir/pg_ctl" -D "$dir/data" -m fast -w -t 30 stop >/dev/null || true
  fi
  rm -rf "$dir"
}

case $cmd in
  start) start ;;
  stop) stop ;;
  halt) as_server "$bindir/pg_ctl" -D "$dir/data" -m fast -w -t 30 stop >/dev/null ;;
  restart)
    as_server "$bindir/pg_ctl" -D "$dir/data" -m fast -w -t 30 stop >/dev/null
    pg_ctl_start ;;
  kill)
    pid=$(head -1 "$dir/data/postmaster.pid")
    kill -9 "$pid"
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done ;;
  *) usage ;;
esac
