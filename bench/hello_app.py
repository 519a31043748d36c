"""The baseline for bench/load.py: a one-route Flask app served by waitress exactly
as `flask serve` serves Gridbook (same host, same thread count), so the load test can
show what the server, the client and the machine cost before any of Gridbook's work.

    .venv/bin/python bench/hello_app.py --port 5099 [--threads 4]

bench/load.py starts and stops it itself."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from flask import Flask

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

app = Flask(__name__)


@app.get("/")
def hello():
    return "hello"


def main() -> None:
    from waitress import serve

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    # As `flask serve` does: one queue-depth line a minute instead of one per waiting
    # request, so that logging costs the baseline no more than it costs Gridbook.
    from app.core.serving import quiet_queue_warnings

    quiet_queue_warnings()
    serve(app, host=args.host, port=args.port, threads=args.threads)


if __name__ == "__main__":
    main()
