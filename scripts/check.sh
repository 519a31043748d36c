#!/usr/bin/env bash
# The checks before the tests, failing fast: lint, format, types, and that the models
# match the migrations. Run by scripts/test.sh (and so by CI); set up first with
# `bash scripts/setup.sh --test`.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== ruff check"
.venv/bin/ruff check .
echo "== ruff format --check"
.venv/bin/ruff format --check .
echo "== mypy"
.venv/bin/mypy
echo "== flask db check (the models match the migrations)"
# On a scratch database migrated to the head, so that a developer's own data is not involved.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
GRIDBOOK_INSTANCE="$scratch" .venv/bin/flask --app app db upgrade >/dev/null 2>&1
GRIDBOOK_INSTANCE="$scratch" .venv/bin/flask --app app db check
