#!/usr/bin/env bash
# Set up with the test dependencies, then run everything CI runs, failing fast:
# the checks (lint → format → types → models match migrations), the fast tests, then
# the slow ones (browser, crawls of every page and form, binders).
#   bash scripts/test.sh                 # all of it
#   bash scripts/test.sh tests/auth -x   # just these tests (after the setup)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
if (($#)); then
  exec .venv/bin/python -m pytest -n auto "$@"
fi
bash scripts/check.sh
echo "== fast tests (pytest -m 'not slow')"
.venv/bin/python -m pytest -n auto -m "not slow"
echo "== slow tests (pytest -m slow)"
.venv/bin/python -m pytest -n auto -m slow
