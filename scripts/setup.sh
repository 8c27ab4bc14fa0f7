#!/usr/bin/env bash
# Creates .venv and installs the locked dependencies and Pracha itself (idempotent: it reinstalls
# only when requirements.lock or pyproject.toml changed), then compiles the translations.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
  echo "Pracha needs Python 3.11 ($PYTHON is $("$PYTHON" --version 2>&1)). Set PYTHON=/path/to/python3.11." >&2
  exit 1
fi

stamp=.venv/.pracha-installed
want=$(cat requirements.lock pyproject.toml | sha256sum | cut -d' ' -f1)
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "Installing dependencies into .venv ..."
  .venv/bin/python -m pip install --quiet --disable-pip-version-check "uv==0.13.9"
  # uv installs exactly the hashed versions of the lock file; pip's local mirrors are not consulted.
  .venv/bin/uv pip sync --quiet --python .venv/bin/python requirements.lock
  .venv/bin/uv pip install --quiet --python .venv/bin/python --no-deps -e .
  echo "$want" > "$stamp"
fi
.venv/bin/python -m pracha.core.i18n_compile >/dev/null
