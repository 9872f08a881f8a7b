#!/usr/bin/env bash
# deploy/ha/'s PostgreSQL files on a real PostgreSQL (Debian's postgresql, in a temporary
# directory on a free port): the server starts with postgresql.conf as its whole configuration
# and pg_hba.conf as its access rules, as deploy/ha/compose.yaml runs it; postgres-init.sh
# creates the role and its database; the URL of deploy/ha/broker-a.yaml, with its libpq
# parameters, connects over TLS with the server's certificate verified for db.example.internal;
# the role can create tables in its database and is no superuser; and without TLS the role is
# refused.
#   tests/deploy/ha_postgres.sh
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
ha=$repo/deploy/ha
fail() {
  echo "FAIL: $*" >&2
  exit 1
}
pgbin=$(find /usr/lib/postgresql -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -1)
[ -x "${pgbin:-/nonexistent}/initdb" ] || fail "PostgreSQL's server is missing: make deps-test"
command -v psql >/dev/null || fail "psql is missing: make deps-test"

dir=$(mktemp -d)
# initdb and postgres refuse to run as root: as root, the server runs as an unprivileged user.
as_db_user=()
if [ "$(id -u)" -eq 0 ]; then
  db_user=nobody
  getent passwd postgres >/dev/null && db_user=postgres
  as_db_user=(runuser -u "$db_user" --)
  chown "$db_user" "$dir"
fi
db() { "${as_db_user[@]}" env -u PGPASSWORD "$@"; }
cleanup() {
  [ -f "$dir/data/postmaster.pid" ] && db "$pgbin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1
  rm -rf "$dir"
}
trap cleanup EXIT
cd "$dir"
chmod 0755 "$dir"

# A CA and the server's certificate for the name the brokers' URL uses.
pki() { openssl "$@" 2>>pki.log || fail "openssl $1: $(cat pki.log)"; }
(umask 077 && pki genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ca-key.pem)
pki req -x509 -key ca-key.pem -out ca.pem -subj /CN=test-db-ca -days 2
(umask 077 && pki genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out server.key)
pki req -new -key server.key -out server.csr -subj /CN=db.example.internal \
  -addext subjectAltName=DNS:db.example.internal
pki x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -days 2 -copy_extensions copyall \
  -out server.crt
(umask 077 && openssl rand -base64 24 > password)
[ ${#as_db_user[@]} -eq 0 ] || chown "$db_user" server.key password

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# The files as they are, but for the paths of this directory, the loopback address, and the
# local socket's peer authentication (the test's user is not the OS user postgres).
sed -e "s#/etc/postgresql/tls/#$dir/#" -e "s#^listen_addresses = '\*'#listen_addresses = '127.0.0.1'#" \
  "$ha/postgresql.conf" > postgresql.conf
grep -q "^listen_addresses = '127.0.0.1'" postgresql.conf || fail "postgresql.conf: no listen_addresses"
sed -e 's#^\(local  *all  *postgres  *\)peer#\1trust#' "$ha/pg_hba.conf" > pg_hba.conf
db "$pgbin/initdb" -D "$dir/data" -U postgres -A reject >initdb.log 2>&1 ||
  fail "initdb: $(cat initdb.log)"
db "$pgbin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
  -o "-c config_file=$dir/postgresql.conf -c hba_file=$dir/pg_hba.conf -p $port -c unix_socket_directories=$dir" \
  start >pg_ctl.log 2>&1 || fail "PostgreSQL did not start with deploy/ha/postgresql.conf: $(cat server.log)"

db env PGHOST="$dir" PGPORT="$port" KEYBROKER_DATABASE_PASSWORD_FILE="$dir/password" \
  bash "$ha/postgres-init.sh" >init.log 2>&1 || fail "postgres-init.sh: $(cat init.log)"
grep -q "$(cat password)" server.log init.log && fail "the role's password was logged"

# broker-a.yaml's URL: only the port, the CA's path and the address the name resolves to differ.
url=$(sed -n 's/^database: *//p' "$ha/broker-a.yaml")
url=${url/db.example.internal:5432/db.example.internal:$port}
url=${url/sslrootcert=\/etc\/keybroker\/db-ca.pem/sslrootcert=$dir/ca.pem}
url="$url&hostaddr=127.0.0.1"
export PGPASSWORD
PGPASSWORD=$(cat password)
out=$(psql "$url" -XAtq -v ON_ERROR_STOP=1 -c "
  SELECT current_user, ssl, rolsuper FROM pg_stat_ssl, pg_roles
  WHERE pid = pg_backend_pid() AND rolname = current_user;
  CREATE TABLE migrations_can_run (x int); DROP TABLE migrations_can_run;
  SELECT pg_advisory_xact_lock(1);" 2>&1) || fail "the brokers' URL does not connect: $out"
[ "$(head -1 <<<"$out")" = "keybroker|t|f" ] ||
  fail "expected keybroker over TLS, no superuser; got: $out"

plain=${url/sslmode=verify-full/sslmode=disable}
if out=$(psql "$plain" -XAtq -c "SELECT 1" 2>&1); then
  fail "the role keybroker connected without TLS: pg_hba.conf must allow hostssl only"
fi
grep -q "no pg_hba.conf entry" <<<"$out" || fail "without TLS, refused for another reason: $out"
echo "ha_postgres ok"
