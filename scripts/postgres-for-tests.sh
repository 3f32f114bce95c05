#!/usr/bin/env bash
# A local PostgreSQL server for the PostgreSQL state store's tests (issue 18), on a Debian machine.
#
#   export DESKBRIDGE_TEST_PG_URL="$(scripts/postgres-for-tests.sh)"
#   npx vitest run test/unit/state test/integration/state
#
# Idempotent: installs Debian's `postgresql` package when the cluster tools (pg_ctlcluster) are
# missing, starts the first cluster pg_lsclusters lists (creating one with pg_createcluster when
# there is none), waits until it accepts connections, and makes sure a login role that may create
# databases exists (each test file creates and drops a database of its own). Prints only the URL to
# export on stdout; what it does goes to stderr. Uses sudo for what needs root when not run as root.
#
# Environment: DESKBRIDGE_TEST_PG_ROLE and DESKBRIDGE_TEST_PG_PASSWORD (default deskbridge /
# deskbridge): the role created. The server listens on 127.0.0.1 only (Debian's default), so the
# fixed password is a test fixture, not a secret.
set -euo pipefail

role="${DESKBRIDGE_TEST_PG_ROLE:-deskbridge}"
password="${DESKBRIDGE_TEST_PG_PASSWORD:-deskbridge}"

say() { echo "postgres-for-tests: $*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi
}

if ! command -v pg_ctlcluster >/dev/null 2>&1; then
  say "installing Debian's postgresql package"
  as_root apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq postgresql >&2
fi

# "15 main 5432 down postgres /var/lib/postgresql/15/main /var/log/…": the first cluster.
cluster="$(pg_lsclusters --no-header 2>/dev/null | head -n 1 || true)"
if [ -z "$cluster" ]; then
  version="$(ls /usr/lib/postgresql 2>/dev/null | sort -V | tail -n 1 || true)"
  if [ -z "$version" ]; then
    say "no PostgreSQL server version under /usr/lib/postgresql"
    exit 1
  fi
  say "creating cluster $version/main"
  as_root pg_createcluster "$version" main >&2
  cluster="$(pg_lsclusters --no-header | head -n 1)"
fi
read -r version name port status _ <<<"$cluster"

case "$status" in
  online*) ;;
  *)
    say "starting cluster $version/$name (port $port)"
    as_root pg_ctlcluster "$version" "$name" start >&2
    ;;
esac

for _ in $(seq 1 60); do
  if pg_isready -q -h 127.0.0.1 -p "$port"; then break; fi
  sleep 0.5
done
if ! pg_isready -q -h 127.0.0.1 -p "$port"; then
  say "cluster $version/$name does not accept connections on 127.0.0.1:$port"
  exit 1
fi

# Create the role, or set its password again (a role left by another run keeps working).
as_postgres psql -X -q -v ON_ERROR_STOP=1 -p "$port" -d postgres -v role="$role" -v password="$password" >&2 <<'SQL'
SELECT format(CASE WHEN EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'role')
                   THEN 'ALTER ROLE %I LOGIN CREATEDB PASSWORD %L'
                   ELSE 'CREATE ROLE %I LOGIN CREATEDB PASSWORD %L' END, :'role', :'password') \gexec
SQL
say "cluster $version/$name is up on port $port with role $role"

echo "postgres://${role}:${password}@127.0.0.1:${port}/postgres"
