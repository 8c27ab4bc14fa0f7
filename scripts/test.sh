#!/usr/bin/env bash
# Quick start, step 2: the whole test suite. Lint, then every test on the embedded SQLite database,
# then again on a real PostgreSQL server that this script starts (and stops) itself.
# Extra arguments go to pytest, e.g. scripts/test.sh -k audit
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

.venv/bin/ruff check pracha bench
.venv/bin/ruff format --check pracha bench

echo "== tests on SQLite"
env -u DATABASE_URL .venv/bin/pytest "$@"

echo "== tests on PostgreSQL"
source scripts/postgres.sh
start_test_postgres
trap stop_test_postgres EXIT
DATABASE_URL="$TEST_DATABASE_URL" .venv/bin/pytest "$@"
