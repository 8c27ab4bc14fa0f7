#!/usr/bin/env bash
# Quick start, step 2: the whole test suite. Lint, then every test on the embedded SQLite database and
# again on a real PostgreSQL server that this script starts (and stops) itself. The two runs go side by
# side, one per core (PRACHA_TEST_SERIAL=1 runs them one after the other); each run's output is shown
# when both have finished. Extra arguments go to pytest, e.g. scripts/test.sh -k audit
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

.venv/bin/ruff check pracha pracha_providers bench
.venv/bin/ruff format --check pracha pracha_providers bench

source scripts/postgres.sh
start_test_postgres
logs=$(mktemp -d /tmp/pracha-test-logs.XXXXXX)
trap 'stop_test_postgres; rm -rf "$logs"' EXIT

run_sqlite() { env -u DATABASE_URL .venv/bin/pytest -p no:cacheprovider --durations=15 "$@"; }
run_postgres() { DATABASE_URL="$TEST_DATABASE_URL" .venv/bin/pytest -p no:cacheprovider --durations=15 "$@"; }

sqlite_rc=0
postgres_rc=0
if [ "${PRACHA_TEST_SERIAL:-}" = 1 ]; then
  echo "== tests on SQLite"
  run_sqlite "$@" || sqlite_rc=$?
  echo "== tests on PostgreSQL"
  run_postgres "$@" || postgres_rc=$?
else
  echo "== tests on SQLite and on PostgreSQL, side by side (started $(date +%T))"
  run_sqlite "$@" >"$logs/sqlite.log" 2>&1 &
  sqlite_pid=$!
  run_postgres "$@" >"$logs/postgres.log" 2>&1 &
  postgres_pid=$!
  wait "$sqlite_pid" || sqlite_rc=$?
  wait "$postgres_pid" || postgres_rc=$?
  echo "== tests on SQLite"
  cat "$logs/sqlite.log"
  echo "== tests on PostgreSQL"
  cat "$logs/postgres.log"
fi
echo "== SQLite: exit $sqlite_rc; PostgreSQL: exit $postgres_rc (finished $(date +%T))"
[ "$sqlite_rc" = 0 ] && [ "$postgres_rc" = 0 ]
