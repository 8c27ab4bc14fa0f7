#!/usr/bin/env bash
# Quick start, step 1: install, load the demo data into an embedded SQLite database and run the
# platform (web server and background worker) at http://127.0.0.1:${PORT:-8000}.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export PRACHA_DEMO=1
exec .venv/bin/pracha demo "$@"
