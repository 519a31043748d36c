#!/usr/bin/env bash
# Set up with the test dependencies, then run everything CI runs, failing fast:
# the checks (lint → format → types → models match migrations), the fast tests, then
# the slow ones (browser, crawls of every page and form, binders) — on SQLite, then
# the whole suite again on a throwaway PostgreSQL cluster (scripts/pg-cluster.sh),
# except the browser tests: they drive the same pages the other tests reach on both
# engines, and took CI past 30 minutes run twice.
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
echo "== the whole suite but the browser tests on PostgreSQL"
# In memory when the machine has /dev/shm: each test's database is a copy made by
# CREATE DATABASE, 30 ms there and a second on a slow disk.
cluster=$(mktemp -d -p /dev/shm 2>/dev/null || mktemp -d)
trap 'bash scripts/pg-cluster.sh stop "$cluster/pg"' EXIT
url=$(bash scripts/pg-cluster.sh start "$cluster/pg")
GRIDBOOK_TEST_DATABASE_URL=$url .venv/bin/python -m pytest -n auto -m "not browser"
