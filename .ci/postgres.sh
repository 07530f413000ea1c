#!/usr/bin/env bash
# Start a local PostgreSQL server for the store tests and print the URL to use.
# Installs Debian's postgresql package when it is missing. Idempotent.
set -euo pipefail
if ! command -v pg_lsclusters >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
fi
version=$(pg_lsclusters --no-header | awk 'NR==1 {print $1}')
if [ -z "$version" ]; then
  version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
  pg_createcluster "$version" main >&2
fi
pg_ctlcluster "$version" main start >&2 2>/dev/null || true
for _ in $(seq 1 30); do
  su postgres -c "pg_isready -q -h 127.0.0.1" && break
  sleep 1
done
psql_do() { su postgres -c "psql -v ON_ERROR_STOP=1 -qtAc \"$1\""; }
[ "$(psql_do "SELECT 1 FROM pg_roles WHERE rolname='workbench'")" = "1" ] \
  || psql_do "CREATE ROLE workbench LOGIN PASSWORD 'workbench'" >&2
[ "$(psql_do "SELECT 1 FROM pg_database WHERE datname='workbench_test'")" = "1" ] \
  || psql_do "CREATE DATABASE workbench_test OWNER workbench" >&2
echo "postgresql+psycopg://workbench:workbench@127.0.0.1:5432/workbench_test"
