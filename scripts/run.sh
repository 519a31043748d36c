#!/usr/bin/env bash
# Set up (see setup.sh) and serve Gridbook on http://127.0.0.1:5000 with the
# SQLite database in instance/. `--demo` loads the demo county first when the
# database is still empty (the demo passwords are printed once).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [[ "${1:-}" == "--demo" ]]; then
  .venv/bin/flask --app app seed-demo || true
fi
# One serving process per core, up to four: one process runs Python on one core at a
# time (docs/benchmarks.md, load over HTTP).
processes=$(nproc 2>/dev/null || echo 1)
(( processes > 4 )) && processes=4
exec .venv/bin/flask --app app serve --host 127.0.0.1 --port 5000 --processes "$processes"
