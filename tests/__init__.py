"""The test suite (docs/development.md).

Bytecode caches are written even where PYTHONDONTWRITEBYTECODE is set, as on some CI
images and this project's own machines: otherwise each test process compiles the whole
app and test tree again on every run, three of the fast lane's seconds per process.
They go to the usual (gitignored) __pycache__ folders."""

import sys

sys.dont_write_bytecode = False
