#!/usr/bin/env bash
# Makes sure a PostgreSQL server answers on 127.0.0.1:5432 for the tests, and prints the URL the tests should use
# (VIGIL_TEST_PG_URL) on stdout. If none answers, it installs Debian's postgresql (via install-system-deps.sh) and
# starts the cluster; if the server wants a password for `postgres`, it creates a `vigil` role that may create
# databases and prints a URL for that role instead. Diagnostics go to stderr.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
host=127.0.0.1
port=5432

answering() { pg_isready -q -h "$host" -p "$port" 2>/dev/null; }
as_postgres() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi; }

if [ -n "${VIGIL_TEST_PG_URL:-}" ]; then echo "$VIGIL_TEST_PG_URL"; exit 0; fi

if ! command -v pg_isready >/dev/null 2>&1 || ! answering; then
  bash "$here/install-system-deps.sh" >&2
  version="$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)"
  [ -n "$version" ] || { echo "ensure-postgres: no PostgreSQL cluster found after install" >&2; exit 1; }
  echo "ensure-postgres: starting PostgreSQL $version" >&2
  pg_ctlcluster --skip-systemctl-redirect "$version" main start >&2 || true
  for _ in $(seq 1 30); do answering && break; sleep 1; done
  answering || { echo "ensure-postgres: PostgreSQL does not answer on $host:$port" >&2; exit 1; }
fi

trust_url="postgres://postgres@$host:$port/test"
if psql "postgres://postgres@$host:$port/postgres" -tAc 'select 1' >/dev/null 2>&1; then
  psql "postgres://postgres@$host:$port/postgres" -tAc "select 1 from pg_database where datname = 'test'" | grep -q 1 \
    || psql "postgres://postgres@$host:$port/postgres" -qc 'create database test' >&2
  echo "$trust_url"
  exit 0
fi

# Password authentication on TCP (Debian's default): a dedicated role with a known password, local use only.
as_postgres psql -qtAc "do \$\$ begin if not exists (select from pg_roles where rolname = 'vigil') then create role vigil login createdb password 'vigil'; end if; end \$\$;" >&2
as_postgres psql -tAc "select 1 from pg_database where datname = 'test'" | grep -q 1 || as_postgres psql -qc 'create database test owner vigil' >&2
echo "postgres://vigil:vigil@$host:$port/test"
