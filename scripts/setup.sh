#!/usr/bin/env bash
# Prepare this checkout on Debian/Ubuntu: system packages (as root, or with sudo),
# a virtualenv in .venv with requirements.txt, compiled translations, and the
# database migrated to the latest revision. Safe to run again.
#   bash scripts/setup.sh          # what the app needs
#   bash scripts/setup.sh --test   # also what the tests need (Chromium, poppler-utils)
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(python3 python3-venv python3-pip libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 libfontconfig1 fonts-hanazono fonts-babelstone-han)
if [[ "${1:-}" == "--test" ]]; then
  packages+=(chromium poppler-utils)
fi

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -eq 0 ]]; then sudo=""; elif command -v sudo >/dev/null; then sudo="sudo"; else
    echo "Please install as root: apt-get install -y ${missing[*]}" >&2; exit 1; fi
  echo "Installing Debian packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [[ ! -x .venv/bin/python ]]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
if [[ "${1:-}" == "--test" ]]; then
  .venv/bin/python -m pip install -q -r requirements-dev.txt
else
  .venv/bin/python -m pip install -q -r requirements.txt
fi
.venv/bin/pybabel -q compile -d app/translations
.venv/bin/flask --app app db upgrade >/dev/null 2>&1 || .venv/bin/flask --app app db upgrade
