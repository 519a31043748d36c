#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests, in a folder of its own:
#   scripts/pg-cluster.sh start DIR   # prints the URL to give GRIDBOOK_TEST_DATABASE_URL
#   scripts/pg-cluster.sh stop DIR
# Installs Debian's postgresql when it is missing (as root). The cluster trades
# durability for speed (fsync off): it holds nothing but test databases. Its planner
# costs are those docs/deployment.md recommends for a county (random_page_cost 1.1).
set -euo pipefail
action=${1:?start or stop}
dir=${2:?a folder for the cluster}

server_bin() { find /usr/lib/postgresql -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -1; }

# initdb and the server refuse to run as root: as root they run as postgres.
as_owner() {
  if [ "$(id -u)" = 0 ]; then
    su postgres -s /bin/sh -c "$*"
  else
    sh -c "$*"
  fi
}

case $action in
start)
  bin=$(server_bin)
  if [ -z "$bin" ]; then
    # As scripts/setup.sh installs packages: as root, or with sudo.
    if [ "$(id -u)" = 0 ]; then
      sudo=""
    elif command -v sudo >/dev/null; then
      sudo="sudo"
    else
      echo "PostgreSQL is not installed: apt-get install postgresql (as root)" >&2
      exit 1
    fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends postgresql >/dev/null
    bin=$(server_bin)
  fi
  mkdir -p "$dir"
  if [ "$(id -u)" = 0 ]; then
    chown postgres "$dir"
    chmod a+x "$(dirname "$dir")" # (a mktemp -d folder: postgres must reach into it)
  fi
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  as_owner "'$bin/initdb' -D '$dir/data' -A trust -U postgres -E UTF8 --locale=C.UTF-8" >/dev/null
  as_owner "'$bin/pg_ctl' -D '$dir/data' -l '$dir/log' -w start -o \"-p $port -k '$dir' \
    -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
    -c max_connections=200 -c random_page_cost=1.1\"" >/dev/null
  echo "postgresql+psycopg://postgres@127.0.0.1:$port/postgres"
  ;;
stop)
  bin=$(server_bin)
  as_owner "'$bin/pg_ctl' -D '$dir/data' -m immediate stop" >/dev/null || true
  rm -rf "$dir"
  ;;
*)
  echo "usage: $0 start|stop DIR" >&2
  exit 2
  ;;
esac
