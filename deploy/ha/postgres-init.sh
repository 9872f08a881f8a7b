#!/usr/bin/env bash
# Creates keybroker's role and database, once, in an empty cluster: the postgres image runs it
# from /docker-entrypoint-initdb.d (deploy/ha/compose.yaml). On a Debian host, run it as the
# postgres user with the password file readable to that user:
#   sudo -u postgres KEYBROKER_DATABASE_PASSWORD_FILE=/path/to/file bash postgres-init.sh
# The role owns its database and nothing else: no superuser, no CREATEDB, no CREATEROLE. The
# brokers create and migrate the schema themselves, whichever starts first.
set -euo pipefail
password_file=${KEYBROKER_DATABASE_PASSWORD_FILE:-/run/secrets/keybroker-database-password}
if [ ! -s "$password_file" ] || [ ! -r "$password_file" ]; then
  echo "postgres-init.sh: $password_file is missing, empty or unreadable: it holds the password" \
       "of the role keybroker, one line (see deploy/ha/README.md)" >&2
  exit 1
fi
# psql reads the password itself (\set with backquotes): it never appears on a command line.
psql -v ON_ERROR_STOP=1 --no-psqlrc --username postgres --dbname postgres <<SQL
\\set password \`head -n 1 '$password_file'\`
CREATE ROLE keybroker LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'password';
CREATE DATABASE keybroker OWNER keybroker;
REVOKE ALL ON DATABASE keybroker FROM PUBLIC;
SQL
