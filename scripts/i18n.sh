#!/usr/bin/env bash
# Re-extract UI strings and merge them into the English catalogue, then compile.
# Chinese is the source language: msgids are the zh_CN text, en/ holds the English.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output --no-wrap \
  --project=Gridbook -o app/translations/messages.pot .
.venv/bin/pybabel -q update -i app/translations/messages.pot -d app/translations -l en --no-fuzzy-matching --ignore-obsolete --no-wrap
.venv/bin/pybabel -q compile -d app/translations
