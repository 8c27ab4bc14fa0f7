#!/usr/bin/env bash
# The audit benchmark on the embedded SQLite database and on a throw-away PostgreSQL server, then the
# complaint benchmarks (intake through the API; the queue with 1,000,000 complaints) on that server.
# Extra arguments go to bench/audit_bench.py (e.g. --verify-rows 500000). Figures: docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== audit chain on SQLite"
env -u DATABASE_URL .venv/bin/python bench/audit_bench.py "$@"

echo
echo "== audit chain on PostgreSQL"
source scripts/postgres.sh
start_test_postgres
trap stop_test_postgres EXIT
.venv/bin/python bench/audit_bench.py --database-url "$TEST_DATABASE_URL" "$@"

echo
echo "== complaint intake through the API, classified and routed, on PostgreSQL"
.venv/bin/python bench/complaints_intake_bench.py --database-url "$TEST_DATABASE_URL"

echo
echo "== complaint queue with 1,000,000 complaints, on PostgreSQL"
.venv/bin/python bench/complaints_queue_bench.py --database-url "$TEST_DATABASE_URL"
